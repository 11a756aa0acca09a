"""The field's path finders, returning the same :class:`StringResult` as DSS.

* :func:`straight_segment` — the linear interpolation (1 − t)θ_A + tθ_B (papers.md §1.8);
* :func:`bezier_curve` — Garipov et al. 2018 (§6.1): a Bezier curve
  φ(t) = Σ_j C(k−1, j) t^j (1 − t)^{k−1−j} θ_j (or a PolyChain with hat-function weights
  c_j(t) = max(0, 1 − |t(k−1) − j|)) with fixed endpoints, middle control points initialised on
  the segment and trained by SGD with momentum on ℓ(θ) = E_{t~U[0,1]} E(φ_θ(t)), **one t per
  step**; weight decay ½·wd·‖φ(t)‖² on the curve point; learning-rate factor 1 for the first 50%
  of the steps, linear decay to 0.01 at 90%, then 0.01;
* :func:`autoneb` — Draxler et al. 2018 (§6.2): NEB with the Henkelman–Jónsson improved tangent
  τ_i, force g_i = ∇E(p_i) − (∇E(p_i)·τ_i)τ_i on interior pivots (endpoints fixed), spring
  constant ∞ realised by redistributing the pivots equally along the polyline after every step,
  SGD with momentum; cycle 1 starts from ``initial_pivots`` equally spaced pivots, every later
  cycle inserts ``insert_per_cycle`` pivots where the dense loss (``n_dense`` points per segment)
  is highest. Climbing-free.

Every finder takes the same (landscape, θ_A, θ_B, level) and certifies its final path against
``accept_factor``·level with the best certificate the landscape supports, so one comparison
table covers them; the gradient budget is ``steps`` (Bezier) or ``max_gradient_evaluations``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
from sublevel.numerics.backends.function import CountingLandscape
from sublevel.numerics.certify import certify_piece
from sublevel.numerics.geodesic.dss import _certify_options, _landscape_info, prepare_endpoints
from sublevel.numerics.geodesic.result import (
    CURVE_POINTS,
    StringResult,
    length_mask,
    normalized_length,
)
from sublevel.numerics.paths.base import LE_BOUND, Bezier, Segment
from sublevel.theory.errors import InputError

__all__ = [
    "straight_segment",
    "bezier_curve",
    "autoneb",
    "improved_tangents",
    "redistribute",
    "garipov_schedule",
]


def _certify_beads(
    land: Any,
    beads: np.ndarray,
    bound: float,
    certify: str,
    n_interp: int,
    certify_options: dict[str, Any] | None = None,
) -> list:
    opts = (
        {} if certify == "exact" else {"n_grid": n_interp + 1, **_certify_options(certify_options)}
    )
    return [
        certify_piece(
            land,
            Segment(a, b, label=f"segment {i}", promise=LE_BOUND),
            bound,
            method=certify,
            **opts,
        )
        for i, (a, b) in enumerate(zip(beads[:-1], beads[1:]))
    ]


def _finish(
    land: CountingLandscape,
    method: str,
    beads: np.ndarray,
    level: float,
    bound: float,
    certs: list,
    length_on: Any,
    start: float,
    params: dict[str, Any],
    *,
    curve: str = "polygonal",
    history: list | None = None,
    info: dict | None = None,
    extra_grads: int = 0,
) -> StringResult:
    mask, text = length_mask(land, length_on, land.dim)
    points = Bezier(beads).points(np.linspace(0, 1, CURVE_POINTS)) if curve == "bezier" else beads
    connected = all(c.holds for c in certs)
    return StringResult(
        method=method,
        beads=beads,
        level=float(level),
        bound=float(bound),
        connected=connected,
        status="connected" if connected else "not connected at this budget",
        certificates=certs,
        normalized_length=normalized_length(points, mask),
        length_on=text,
        n_energy_evaluations=land.n_energy,
        n_gradient_evaluations=land.n_grad + extra_grads,
        wall_time=time.perf_counter() - start,
        landscape_time=land.seconds,
        history=history or [],
        bead_energies=[float(e) for e in land.inner.energies(beads)],
        params=params,
        curve=curve,
        info=dict(info or {}, landscape=_landscape_info(land.inner)),
    )


def _common(
    landscape: Any,
    theta_a: Any,
    theta_b: Any,
    level: float,
    accept_factor: float,
    certify: str,
    n_interp: int,
    train_endpoints: bool,
) -> tuple:
    if certify not in ("auto", "exact", "sampled"):
        raise InputError(f"certify {certify!r} is not one of auto, exact, sampled")
    if not (accept_factor > 0 and math.isfinite(accept_factor)):
        raise InputError(f"accept_factor {accept_factor!r} must be positive")
    if not isinstance(n_interp, (int, np.integer)) or n_interp < 2:
        raise InputError(f"n_interp = {n_interp!r} must be an integer ≥ 2")
    land = CountingLandscape(landscape)
    a, b, ea, eb, grads = prepare_endpoints(
        land, theta_a, theta_b, level, train_endpoints=train_endpoints
    )
    return land, a, b, ea, eb, grads


def straight_segment(
    landscape: Any,
    theta_a: Any,
    theta_b: Any,
    level: float,
    *,
    accept_factor: float = 1.0,
    certify: str = "auto",
    n_interp: int = 100,
    length_on: Any = "all",
    train_endpoints: bool = False,
    certify_options: dict[str, Any] | None = None,
) -> StringResult:
    """The straight segment θ_A → θ_B, certified against ``accept_factor``·level."""
    start = time.perf_counter()
    land, a, b, ea, eb, grads = _common(
        landscape, theta_a, theta_b, level, accept_factor, certify, n_interp, train_endpoints
    )
    beads = np.stack([a, b])
    bound = accept_factor * level
    certs = _certify_beads(land, beads, bound, certify, n_interp, certify_options)
    return _finish(
        land,
        "straight segment",
        beads,
        level,
        bound,
        certs,
        length_on,
        start,
        {"accept_factor": accept_factor, "certify": certify, "n_interp": n_interp},
        info={"endpoint_energies": [ea, eb]},
        extra_grads=grads,
    )


def garipov_schedule(fraction: float) -> float:
    """Garipov et al.'s learning-rate factor at a fraction of training: 1 up to 50%, linear to
    0.01 at 90%, then 0.01."""
    if fraction <= 0.5:
        return 1.0
    if fraction <= 0.9:
        return 1.0 - 0.99 * (fraction - 0.5) / 0.4
    return 0.01


def _basis(kind: str, k: int, t: float) -> np.ndarray:
    j = np.arange(k)
    if kind == "bezier":
        return Bezier(np.zeros((k, 1))).basis(np.array([t]))[0]
    return np.maximum(0.0, 1.0 - np.abs(t * (k - 1) - j))


def bezier_curve(
    landscape: Any,
    theta_a: Any,
    theta_b: Any,
    level: float,
    *,
    kind: str = "bezier",
    n_bends: int = 3,
    steps: int = 1000,
    lr: float = 0.01,
    momentum: float = 0.9,
    weight_decay: float = 0.0,
    seed: int = 0,
    accept_factor: float = 1.0,
    certify: str = "auto",
    n_interp: int = 100,
    n_eval: int = 61,
    length_on: Any = "all",
    train_endpoints: bool = False,
    certify_options: dict[str, Any] | None = None,
    trace_every: int = 0,
) -> StringResult:
    """Train a Bezier curve or PolyChain between fixed endpoints (Garipov et al. 2018).

    ``trace_every`` = k > 0: every k gradient evaluations the curve's maximum on ``n_eval``
    points is recorded in ``info["trace"]`` ((gradient evaluations, dense max) pairs, energy
    evaluations not counted as gradients) and ``info["grads_to_level"]`` is the first count at
    which it is ≤ the level (None if never)."""
    start = time.perf_counter()
    if kind not in ("bezier", "polychain"):
        raise InputError(f"kind {kind!r} is not 'bezier' or 'polychain'")
    for name, v, lo in (("n_bends", n_bends, 3), ("steps", steps, 0), ("n_eval", n_eval, 2)):
        if not isinstance(v, (int, np.integer)) or v < lo:
            raise InputError(f"{name} = {v!r} must be an integer ≥ {lo}")
    if not (lr > 0 and 0 <= momentum < 1 and weight_decay >= 0):
        raise InputError(
            f"need lr > 0 ({lr}), 0 ≤ momentum < 1 ({momentum}), weight_decay ≥ 0 ({weight_decay})"
        )
    land, a, b, ea, eb, grads = _common(
        landscape, theta_a, theta_b, level, accept_factor, certify, n_interp, train_endpoints
    )
    rng = np.random.default_rng(seed)
    k = int(n_bends)
    s = np.linspace(0, 1, k)[:, None]
    control = (1 - s) * a[None, :] + s * b[None, :]  # exactly a and b at the ends
    velocity = np.zeros((k - 2, land.dim))
    history = []
    ts_trace = np.linspace(0.0, 1.0, n_eval)

    def curve_max() -> float:
        if kind == "bezier":
            pts = Bezier(control).points(ts_trace)
        else:
            pts = np.stack([_basis(kind, k, t) @ control for t in ts_trace])
        return float(np.max(land.inner.energies(pts)))

    tracer = _Tracer(land, level, trace_every, curve_max)
    for step in range(int(steps)):
        tracer.maybe()
        t = float(rng.uniform())
        w = _basis(kind, k, t)
        point = w @ control
        e, g = land.energy_and_grad(point)
        if not (math.isfinite(e) and np.all(np.isfinite(g))):
            history.append(
                {"step": step, "stopped": f"non-finite energy or gradient at t = {t:.4g}"}
            )
            break
        g = np.asarray(g) + weight_decay * point
        velocity = momentum * velocity + w[1:-1, None] * g[None, :]
        control[1:-1] -= lr * garipov_schedule(step / max(1, steps)) * velocity
        if step % max(1, steps // 20) == 0:
            history.append({"step": step, "t": t, "energy": float(e)})
    bound = accept_factor * level
    ts = np.linspace(0.0, 1.0, n_eval)
    if kind == "bezier":
        piece = Bezier(control, label="bezier curve", promise=LE_BOUND)
        certs = [
            certify_piece(
                land,
                piece,
                bound,
                method="sampled" if certify == "auto" else certify,
                n_grid=max(n_interp + 1, n_eval),
                **_certify_options(certify_options),
            )
        ]
        beads, curve = control, "bezier"
        eval_points = piece.points(ts)
    else:
        beads, curve = control, "polygonal"
        certs = _certify_beads(land, beads, bound, certify, n_interp, certify_options)
        eval_points = np.stack([_basis(kind, k, t) @ control for t in ts])
    eval_energies = land.inner.energies(eval_points)
    params = {
        "kind": kind,
        "n_bends": k,
        "steps": int(steps),
        "lr": lr,
        "momentum": momentum,
        "weight_decay": weight_decay,
        "seed": seed,
        "accept_factor": accept_factor,
        "certify": certify,
        "n_interp": n_interp,
        "n_eval": n_eval,
        "t_sampling": "uniform, one t per step",
    }
    tracer.maybe(force=True)
    return _finish(
        land,
        kind,
        beads,
        level,
        bound,
        certs,
        length_on,
        start,
        params,
        curve=curve,
        history=history,
        extra_grads=grads,
        info={
            "endpoint_energies": [ea, eb],
            "max_on_eval_grid": float(np.max(eval_energies)),
            "eval_grid": int(n_eval),
            **tracer.info(),
        },
    )


def improved_tangents(pivots: np.ndarray, energies: np.ndarray) -> np.ndarray:
    """Henkelman & Jónsson (2000) upwind tangents at the interior pivots (unit vectors)."""
    out = np.empty((pivots.shape[0] - 2, pivots.shape[1]))
    for i in range(1, pivots.shape[0] - 1):
        tp, tm = pivots[i + 1] - pivots[i], pivots[i] - pivots[i - 1]
        ep, e0, em = energies[i + 1], energies[i], energies[i - 1]
        if ep > e0 > em:
            tau = tp
        elif ep < e0 < em:
            tau = tm
        else:
            dmax = max(abs(ep - e0), abs(em - e0))
            dmin = min(abs(ep - e0), abs(em - e0))
            tau = tp * dmax + tm * dmin if ep > em else tp * dmin + tm * dmax
        n = np.linalg.norm(tau)
        if n == 0:
            tau, n = tp + tm, np.linalg.norm(tp + tm)
        out[i - 1] = tau / n if n > 0 else 0.0
    return out


def redistribute(pivots: np.ndarray) -> np.ndarray:
    """The same number of pivots, equally spaced in arc length along the polyline (spring ∞)."""
    seg = np.linalg.norm(np.diff(pivots, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    if s[-1] == 0:
        return pivots.copy()
    u = np.linspace(0.0, s[-1], pivots.shape[0])
    j = np.clip(np.searchsorted(s, u, side="right") - 1, 0, len(seg) - 1)
    frac = np.where(seg[j] > 0, (u - s[j]) / np.where(seg[j] > 0, seg[j], 1.0), 0.0)
    out = pivots[j] + frac[:, None] * (pivots[j + 1] - pivots[j])
    out[0], out[-1] = pivots[0], pivots[-1]
    return out


def autoneb(
    landscape: Any,
    theta_a: Any,
    theta_b: Any,
    level: float,
    *,
    cycles: int = 4,
    steps_per_cycle: int = 50,
    lr: float | Sequence[float] = 0.01,
    momentum: float = 0.9,
    initial_pivots: int = 3,
    insert_per_cycle: int = 2,
    n_dense: int = 9,
    weight_decay: float = 0.0,
    max_gradient_evaluations: int | None = None,
    accept_factor: float = 1.0,
    certify: str = "auto",
    n_interp: int = 100,
    length_on: Any = "all",
    train_endpoints: bool = False,
    certify_options: dict[str, Any] | None = None,
    trace_every: int = 0,
) -> StringResult:
    """AutoNEB (Draxler et al. 2018): NEB cycles with pivot insertion at the highest dense loss.

    ``trace_every`` = k > 0: as for :func:`bezier_curve`, the polyline's dense maximum
    (``n_dense`` points per segment) every k gradient evaluations, in ``info["trace"]`` and
    ``info["grads_to_level"]``."""
    start = time.perf_counter()
    for name, v, lo in (
        ("cycles", cycles, 1),
        ("steps_per_cycle", steps_per_cycle, 0),
        ("initial_pivots", initial_pivots, 1),
        ("insert_per_cycle", insert_per_cycle, 0),
        ("n_dense", n_dense, 1),
    ):
        if not isinstance(v, (int, np.integer)) or v < lo:
            raise InputError(f"{name} = {v!r} must be an integer ≥ {lo}")
    lrs = (
        [float(cast(float, lr))] * cycles
        if np.isscalar(lr)
        else [float(x) for x in cast(Sequence[float], lr)]
    )
    if len(lrs) != cycles or not all(x > 0 for x in lrs):
        raise InputError(f"lr {lr!r} must be positive, one value or one per cycle ({cycles})")
    if not (0 <= momentum < 1 and weight_decay >= 0):
        raise InputError(
            f"need 0 ≤ momentum < 1 ({momentum}) and weight_decay ≥ 0 ({weight_decay})"
        )
    land, a, b, ea, eb, grads = _common(
        landscape, theta_a, theta_b, level, accept_factor, certify, n_interp, train_endpoints
    )
    budget = math.inf if max_gradient_evaluations is None else int(max_gradient_evaluations)
    s = np.linspace(0, 1, initial_pivots + 2)[:, None]
    pivots = (1 - s) * a[None, :] + s * b[None, :]  # exactly a and b at the ends
    history: list[dict[str, Any]] = []
    stopped = ""
    tracer = _Tracer(
        land, level, trace_every, lambda: float(np.max(_dense_max(land.inner, pivots, n_dense)))
    )
    for cycle in range(cycles):
        if cycle:
            pivots = _insert(land, pivots, insert_per_cycle, n_dense)
        velocity = np.zeros((pivots.shape[0] - 2, land.dim))
        for _ in range(steps_per_cycle):
            tracer.maybe()
            if land.n_grad + pivots.shape[0] - 2 > budget:
                stopped = f"gradient budget {budget} reached"
                break
            energies = np.empty(pivots.shape[0])
            energies[0], energies[-1] = ea, eb
            G = np.empty((pivots.shape[0] - 2, land.dim))
            for i in range(1, pivots.shape[0] - 1):
                energies[i], G[i - 1] = land.energy_and_grad(pivots[i])
            if not (np.all(np.isfinite(energies)) and np.all(np.isfinite(G))):
                stopped = "non-finite energy or gradient on a pivot"
                break
            tau = improved_tangents(pivots, energies)
            force = G - np.sum(G * tau, axis=1)[:, None] * tau + weight_decay * pivots[1:-1]
            velocity = momentum * velocity + force
            pivots[1:-1] -= lrs[cycle] * velocity
            pivots = redistribute(pivots)
        dense = _dense_max(land, pivots, n_dense)
        history.append(
            {
                "cycle": cycle + 1,
                "pivots": int(pivots.shape[0]),
                "saddle_dense": float(np.max(dense)),
                "gradient_evaluations": land.n_grad,
            }
        )
        if stopped:
            break
    tracer.maybe(force=True)
    bound = accept_factor * level
    certs = _certify_beads(land, pivots, bound, certify, n_interp, certify_options)
    params = {
        "cycles": cycles,
        "steps_per_cycle": steps_per_cycle,
        "lr": lrs,
        "momentum": momentum,
        "initial_pivots": initial_pivots,
        "insert_per_cycle": insert_per_cycle,
        "n_dense": n_dense,
        "weight_decay": weight_decay,
        "spring_constant": "inf (equal redistribution)",
        "max_gradient_evaluations": max_gradient_evaluations,
        "accept_factor": accept_factor,
        "certify": certify,
        "n_interp": n_interp,
        "tangent": "Henkelman-Jonsson improved",
    }
    return _finish(
        land,
        "autoneb",
        pivots,
        level,
        bound,
        certs,
        length_on,
        start,
        params,
        history=history,
        extra_grads=grads,
        info={
            "endpoint_energies": [ea, eb],
            "stopped": stopped or "cycles completed",
            "saddle_dense": history[-1]["saddle_dense"] if history else math.nan,
            **tracer.info(),
        },
    )


class _Tracer:
    """Cost to reach the level: the path's dense maximum every ``every`` gradient evaluations
    (``every`` = 0: off)."""

    def __init__(self, land: CountingLandscape, level: float, every: int, path_max: Any):
        if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 0:
            raise InputError(f"trace_every = {every!r} must be an integer ≥ 0")
        self.land, self.level, self.every, self.path_max = land, float(level), int(every), path_max
        self.trace: list[tuple[int, float]] = []
        self.next = 0

    def maybe(self, force: bool = False) -> None:
        if not self.every or (self.land.n_grad < self.next and not force):
            return
        self.trace.append((int(self.land.n_grad), self.path_max()))
        self.next = self.land.n_grad + self.every

    def info(self) -> dict[str, Any]:
        if not self.every:
            return {}
        hit = next((g for g, m in self.trace if m <= self.level), None)
        return {"trace": self.trace, "grads_to_level": hit, "trace_every": self.every}


def _dense_points(pivots: np.ndarray, n_dense: int) -> np.ndarray:
    s = np.arange(1, n_dense + 1) / (n_dense + 1)
    seg = pivots[:-1, None, :] + s[None, :, None] * (pivots[1:] - pivots[:-1])[:, None, :]
    return seg  # (segments, n_dense, D)


def _dense_max(land: Any, pivots: np.ndarray, n_dense: int) -> np.ndarray:
    pts = _dense_points(pivots, n_dense)
    e = np.asarray(land.energies(pts.reshape(-1, pivots.shape[1]))).reshape(pts.shape[:2])
    ends = np.asarray(land.energies(pivots))
    return np.maximum(e.max(axis=1), np.maximum(ends[:-1], ends[1:]))


def _insert(land: Any, pivots: np.ndarray, count: int, n_dense: int) -> np.ndarray:
    """Insert one pivot (at the dense argmax) in each of the ``count`` highest segments."""
    if count == 0:
        return pivots
    pts = _dense_points(pivots, n_dense)
    e = np.asarray(land.energies(pts.reshape(-1, pivots.shape[1]))).reshape(pts.shape[:2])
    order = np.argsort(e.max(axis=1))[::-1][:count]
    out = list(pivots)
    for i in sorted(order, reverse=True):
        out.insert(i + 1, pts[i, int(np.argmax(e[i]))])
    return np.stack(out)
