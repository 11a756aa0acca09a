"""The certified loss barrier between two networks: ``barrier(landscape, θ_A, θ_B, align=…)``.

B = max_t E(θ(t)) − max(E_A, E_B) along θ(t) = (1 − t)θ_A + tθ_B, and the interpolation barrier
max_t [E(θ(t)) − ((1 − t)E_A + tE_B)] (Entezari et al. 2022, papers.md §1.9; the quantity of the
permutation conjecture). For a fully connected ReLU network with a linear output and square or
cross-entropy loss — an :class:`~sublevel.numerics.energies.mlp.MLPLandscape` with ``activation="relu"``
or a :class:`~sublevel.numerics.backends.torch.TorchLandscape` over ``nn.Sequential(Linear, ReLU, …,
Linear)`` — both maxima are certified ``rigorous`` (:mod:`sublevel.numerics.certify_deep_relu`: proven
enclosures, no grid). Any other network is refused with the first unsupported layer named,
unless ``method="sampled"`` asks for the sampled profile, which is labelled so. ``align=True``
first permutes θ_B's hidden units by weight matching (:mod:`sublevel.numerics.geodesic.alignment`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sublevel.numerics.certify_deep_relu import (
    DeepReLUSegment,
    _Energy,
    energy_enclosure,
    maximise_energy,
    output_pieces,
)
from sublevel.numerics.landscape import as_theta
from sublevel.theory.certificate import Certificate
from sublevel.theory.errors import InputError

__all__ = ["BarrierResult", "barrier", "deep_relu_segment", "certify_deep_relu_segment"]


@dataclass
class BarrierResult:
    """The barrier along θ_A → θ_B; enclosures are proven when ``method == "rigorous"``."""

    max_energy: float
    max_energy_enclosure: tuple[float, float]
    argmax_t: float
    method: str
    barrier: float
    barrier_enclosure: tuple[float, float]
    interpolation_barrier: float
    interpolation_barrier_enclosure: tuple[float, float]
    endpoint_energies: tuple[float, float]
    certificate: Certificate
    n_pieces: int
    profile_t: np.ndarray
    profile_energy: np.ndarray
    aligned: bool = False
    permutations: list[list[int]] | None = None
    wall_time: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """One line: the maximum with its enclosure and t*, the barrier with its enclosure, the
        interpolation barrier, the method, the number of pieces (and whether θ_B was aligned)."""
        lo, hi = self.max_energy_enclosure
        blo, bhi = self.barrier_enclosure
        return (
            f"max E = {self.max_energy:.10g} ∈ [{lo:.12g}, {hi:.12g}] at t = {self.argmax_t:.6g}; "
            f"barrier = {self.barrier:.6g} ∈ [{blo:.6g}, {bhi:.6g}]; interpolation barrier = "
            f"{self.interpolation_barrier:.6g}; method {self.method}; {self.n_pieces} pieces"
            + ("; θ_B aligned by weight matching" if self.aligned else "")
        )


def _sequential_layers(module: Any) -> None:
    """Refuse a torch module that is not Sequential(Linear, ReLU, …, Linear)."""
    import torch

    mods = list(module.children()) if isinstance(module, torch.nn.Sequential) else [module]
    for i, m in enumerate(mods):
        want = torch.nn.Linear if i % 2 == 0 else torch.nn.ReLU
        if not isinstance(m, want) or (i == len(mods) - 1 and not isinstance(m, torch.nn.Linear)):
            raise InputError(
                f"layer {i} ({type(m).__name__}) is not supported by the deep ReLU "
                "certificate (a Sequential of Linear and ReLU, linear output); "
                "barrier(..., method='sampled') gives the sampled profile"
            )
        if isinstance(m, torch.nn.Linear) and m.bias is None:
            raise InputError(
                f"layer {i} (Linear without bias) is not supported; "
                "barrier(..., method='sampled') gives the sampled profile"
            )


def deep_relu_segment(landscape: Any, theta_a: Any, theta_b: Any) -> DeepReLUSegment:
    """The segment problem of a supported ReLU landscape (InputError naming what is not)."""
    a = as_theta(theta_a, getattr(landscape, "dim", None), name="theta_a")
    b = as_theta(theta_b, a.shape[0], name="theta_b")
    for name, v in (("theta_a", a), ("theta_b", b)):
        bad = np.nonzero(~np.isfinite(v))[0]
        if bad.size:
            raise InputError(f"{name}[{int(bad[0])}] = {v[bad[0]]} is not finite")
    kind = type(landscape).__name__
    if kind == "MLPLandscape":
        if landscape.activation != "relu" or landscape.output != "linear":
            raise InputError(
                f"{landscape.name}: activation {landscape.activation!r} / output "
                f"{landscape.output!r} is not supported (ReLU hidden units, linear "
                "output); barrier(..., method='sampled') gives the sampled profile"
            )
        if landscape.loss not in ("mse", "cross-entropy"):
            raise InputError(
                f"loss {landscape.loss!r} is not supported (mse, cross-entropy); "
                "barrier(..., method='sampled') gives the sampled profile"
            )
        return DeepReLUSegment(
            landscape.layers(a),
            landscape.layers(b),
            landscape.X,
            landscape.Y,
            landscape.loss,
            landscape.weight_decay,
        )
    if kind == "TorchLandscape":
        import torch

        _sequential_layers(landscape.module)
        fns = {
            torch.nn.functional.cross_entropy: "cross-entropy",
            torch.nn.functional.mse_loss: "mse",
        }
        loss = fns.get(landscape.loss_fn)
        if loss is None:
            raise InputError(
                f"loss {landscape.loss_fn!r} is not supported (mse, cross-entropy); "
                "barrier(..., method='sampled') gives the sampled profile"
            )
        X = landscape.X.to("cpu", torch.float64).numpy()
        Yt = landscape.Y.to("cpu")
        Y = (
            Yt.numpy()
            if loss == "cross-entropy"
            else Yt.to(torch.float64).numpy().reshape(X.shape[0], -1)
        )
        return DeepReLUSegment(landscape.layers(a), landscape.layers(b), X, Y, loss)
    raise InputError(
        f"{kind} is not a ReLU MLP landscape; barrier(..., method='sampled') gives "
        "the sampled profile"
    )


def _solve(net: DeepReLUSegment, options: dict[str, Any]) -> tuple[_Energy, Any]:
    keys = ("chunk", "refine_rounds")
    out = output_pieces(net, **{k: options[k] for k in keys if k in options})
    return _Energy(net, out), out


def certify_deep_relu_segment(
    landscape: Any,
    a: Any,
    b: Any,
    bound: float,
    *,
    tolerances: dict[str, float] | None = None,
    label: str = "",
    promise: str = "",
    **options: Any,
) -> Certificate:
    """``rigorous`` certificate of max_t E((1 − t)a + tb) ≤ bound for a deep ReLU landscape:
    holds iff the proven upper end ≤ bound, fails iff the proven lower end > bound, else
    inconclusive (``max_cells`` cell evaluations spent). No slack; τ = tolerances["tau"]."""
    t0 = time.perf_counter()
    tau = float((tolerances or {}).get("tau", 0.0))
    net = deep_relu_segment(landscape, a, b)
    energy, out = _solve(net, options)
    opts = {
        k: options[k] for k in ("rel_tol", "abs_tol", "initial_cells", "max_cells") if k in options
    }
    m = maximise_energy(energy, bound=float(bound) + tau, **opts)
    holds_within = tau if (m.outcome == "holds" and tau > 0 and m.hi > bound) else 0.0
    tol = {
        "tau": tau,
        "rel_tol": float(opts.get("rel_tol", 1e-9)),
        "abs_tol": float(opts.get("abs_tol", 1e-12)),
        "delta": m.delta,
    }
    return Certificate(
        holds=m.outcome == "holds",
        max_energy=m.value,
        argmax_t=m.argmax_t,
        bound=float(bound),
        method="rigorous",
        margin=float(bound) - m.hi,
        tolerances=tol,
        n_evaluations=m.n_cells,
        wall_time=time.perf_counter() - t0,
        label=label,
        promise=promise,
        details={
            "n_pieces": out.n_pieces,
            "n_breakpoints": out.n_breakpoints,
            "certifier": "sublevel.numerics.certify_deep_relu",
            **m.details,
        },
        outcome=m.outcome,
        max_energy_enclosure=(m.lo, m.hi),
        holds_within=holds_within,
    )


def _sampled(
    landscape: Any, a: np.ndarray, b: np.ndarray, n: int, t0: float, aligned: bool, perms: Any
) -> BarrierResult:
    t = np.linspace(0.0, 1.0, int(n))
    e = np.asarray(landscape.energies(a[None, :] + t[:, None] * (b - a)[None, :]))
    i = int(np.argmax(e))
    excess = e - ((1 - t) * e[0] + t * e[-1])
    bar = float(e[i] - max(e[0], e[-1]))
    cert = Certificate(
        holds=True,
        max_energy=float(e[i]),
        argmax_t=float(t[i]),
        bound=float(e[i]),
        method="sampled",
        n_evaluations=int(n),
        label="barrier (sampled)",
        outcome="inconclusive",
        details={"grid": int(n)},
    )
    return BarrierResult(
        float(e[i]),
        (float(e[i]), float("inf")),
        float(t[i]),
        "sampled",
        bar,
        (bar, float("inf")),
        float(excess.max()),
        (float(excess.max()), float("inf")),
        (float(e[0]), float(e[-1])),
        cert,
        int(n) - 1,
        t,
        e,
        aligned,
        perms,
        time.perf_counter() - t0,
        {"grid": int(n)},
    )


def barrier(
    landscape: Any,
    theta_a: Any,
    theta_b: Any,
    *,
    align: bool = False,
    method: str = "auto",
    n_profile: int = 257,
    sampled_points: int = 101,
    rel_tol: float = 1e-9,
    abs_tol: float = 1e-12,
    max_cells: int = 200_000,
    matching: dict[str, Any] | None = None,
) -> BarrierResult:
    """Certified barrier max_t E(θ(t)) − max(E_A, E_B) and interpolation barrier on θ_A → θ_B.

    ``method``: ``auto``/``rigorous`` (the deep ReLU certificate; an unsupported network raises
    InputError naming the first unsupported layer) or ``sampled`` (``sampled_points`` grid).
    The enclosures are proven; the maximum is resolved to max(abs_tol, rel_tol·|E|) unless
    ``max_cells`` runs out (then the certificate is ``inconclusive`` and the enclosure wider).

    >>> import numpy as np
    >>> from sublevel.numerics.energies.mlp import MLPLandscape
    >>> rng = np.random.default_rng(0)
    >>> land = MLPLandscape([2, 3, 1], rng.normal(size=(8, 2)), rng.normal(size=(8, 1)),
    ...                     activation="relu")
    >>> res = barrier(land, rng.normal(size=land.dim), rng.normal(size=land.dim))
    >>> res.method, res.max_energy_enclosure[0] <= res.max_energy <= res.max_energy_enclosure[1]
    ('rigorous', True)
    """
    t0 = time.perf_counter()
    if method not in ("auto", "rigorous", "sampled"):
        raise InputError(f"method {method!r} is not one of auto, rigorous, sampled")
    a = as_theta(theta_a, getattr(landscape, "dim", None), name="theta_a")
    b = as_theta(theta_b, a.shape[0], name="theta_b")
    perms = None
    if align:
        from sublevel.numerics.geodesic.alignment import align as weight_match

        b, p = weight_match(landscape, a, b, **(matching or {}))
        perms = [q.tolist() for q in p]
    if method == "sampled":
        return _sampled(landscape, a, b, sampled_points, t0, align, perms)
    net = deep_relu_segment(landscape, a, b)
    energy, out = _solve(net, {})
    ea, eb = energy_enclosure(energy, 0.0), energy_enclosure(energy, 1.0)
    opts: dict[str, Any] = {"rel_tol": rel_tol, "abs_tol": abs_tol, "max_cells": max_cells}
    m = maximise_energy(energy, **opts)
    # E(t) − ((1 − t)E_A + tE_B) with E_A, E_B replaced by their midpoints; the midpoints'
    # radii widen the enclosure (|(1 − t)ΔA + tΔB| ≤ max radius)
    ma, mb = 0.5 * (ea[0] + ea[1]), 0.5 * (eb[0] + eb[1])
    rad = max(ea[1] - ma, ma - ea[0], eb[1] - mb, mb - eb[0])
    mi = maximise_energy(energy, alpha=ma, beta=mb - ma, scale=max(abs(ma), abs(mb)), **opts)
    outcome = "holds" if m.outcome == "holds" and mi.outcome == "holds" else "inconclusive"
    cert = Certificate(
        holds=outcome == "holds",
        max_energy=m.value,
        argmax_t=m.argmax_t,
        bound=m.hi,
        method="rigorous",
        margin=0.0,
        tolerances={"rel_tol": rel_tol, "abs_tol": abs_tol, "delta": m.delta},
        n_evaluations=m.n_cells + mi.n_cells,
        label="max energy on the segment",
        details={"n_pieces": out.n_pieces, "n_breakpoints": out.n_breakpoints},
        outcome=outcome,
        max_energy_enclosure=(m.lo, m.hi),
    )
    bar = (m.lo - max(ea[1], eb[1]), m.hi - max(ea[0], eb[0]))
    ibar = (mi.lo - rad, mi.hi + rad)
    tp = np.union1d(np.linspace(0.0, 1.0, int(n_profile)), [m.argmax_t])
    return BarrierResult(
        max_energy=m.value,
        max_energy_enclosure=(m.lo, m.hi),
        argmax_t=m.argmax_t,
        method="rigorous",
        barrier=0.5 * (bar[0] + bar[1]),
        barrier_enclosure=bar,
        interpolation_barrier=0.5 * (ibar[0] + ibar[1]),
        interpolation_barrier_enclosure=ibar,
        endpoint_energies=(ma, mb),
        certificate=cert,
        n_pieces=int(np.unique(out.lo).size),
        profile_t=tp,
        profile_energy=energy.values(tp),
        aligned=align,
        permutations=perms,
        wall_time=time.perf_counter() - t0,
        details={"sample_pieces": out.n_pieces, "delta": m.delta, "cells": m.n_cells + mi.n_cells},
    )
