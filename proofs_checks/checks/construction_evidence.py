"""Random starts for VBB's constructions and the evidence of a certified construction.

Shared by the finite-intrinsic-dimension checks (papers.md §4, C9–C11:
:mod:`~sublevel.proofs_checks.checks.finite_dim` and
:mod:`~sublevel.proofs_checks.checks.empirical_dim`): random activations and two-layer
landscapes, degenerate starting points (low-rank features, so the compress and free-move steps
of VBB's Constructions A and B are exercised), and :func:`construction_evidence`, which certifies
a construction exactly, cross-checks it (cvxpy, symbolic) and decides the instance.
"""

from __future__ import annotations

import math
import time
from typing import Any, cast

import numpy as np
import sympy as sp
from sublevel.numerics.energies.convex_lifting import polynomial_features
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer, TwoLayerEnergy
from sublevel.numerics.energies.two_layer_population import PopulationTwoLayer
from sublevel.numerics.paths.base import CONSTANT, Segment
from sublevel.numerics.paths.intrinsic import (
    Construction,
    certify_construction,
    symbolic_function_change,
)
from sublevel.proofs_checks.evidence import Evidence
from sublevel.theory.certificate import Certificate

_Z = sp.Symbol("z")


def _random_activation(rng: np.random.Generator, max_degree: int) -> str:
    """z², z³ or a random polynomial of degree 2..max_degree with small rational coefficients."""
    choice = int(rng.integers(0, 3))
    if choice == 0:
        return "z**2"
    if choice == 1 and max_degree >= 3:
        return "z**3"
    k = int(rng.integers(2, max(2, max_degree) + 1))
    coeffs = [sp.Rational(int(rng.integers(-3, 4)), int(rng.integers(1, 3))) for _ in range(k)]
    coeffs.append(sp.Rational(int(rng.choice([-2, -1, 1, 2])), 1))
    return str(sp.expand(sum(c * _Z**j for j, c in enumerate(coeffs))))


def draw_activation(rng: np.random.Generator, activation: str, max_degree: int) -> str:
    """``activation`` itself, or for ``"random"`` z², z³ or a random polynomial of degree
    2..``max_degree`` (a sympy expression in z, as a string)."""
    return _random_activation(rng, max_degree) if activation == "random" else activation


def intrinsic_q(activation: str, n: int) -> int:
    """VBB's intrinsic dimension q = dim span{x ↦ ρ(⟨w, x⟩) : w ∈ R^n} of a polynomial ρ:
    Σ_{j: a_j ≠ 0} C(n + j − 1, j) over ρ's nonzero coefficients (papers.md §4.1)."""
    return polynomial_features(activation, n).q


def random_landscape(
    rng: np.random.Generator, activation: str, n: int, p: int, risk: str, q: int
) -> TwoLayerEnergy:
    """An empirical (Gaussian X, noisy teacher or random Y) or population (Gaussian teacher)
    two-layer energy with m ∈ {1, 2} outputs."""
    m = int(rng.integers(1, 3))
    if risk == "random":
        risk = "population" if rng.random() < 0.3 else "empirical"
    if risk == "population":
        p_t = int(rng.integers(1, q + 2))
        Wt, Ut = rng.normal(size=(p_t, n)), rng.normal(size=(m, p_t))
        unit = PopulationTwoLayer(activation, n, p, teacher_W=Wt, teacher_U=Ut)
        size = float(unit.energy(np.zeros(unit.dim)))  # E‖Y‖² of the teacher
        Ut = Ut / np.sqrt(size / m) if size > 0 else Ut
        return PopulationTwoLayer(
            activation, n, p, teacher_W=Wt, teacher_U=Ut, noise_variance=float(rng.uniform(0, 0.2))
        )
    L = int(rng.integers(max(2, q // 2), 2 * q + 6))
    X = rng.normal(size=(L, n))
    Y = rng.normal(size=(L, m))
    return EmpiricalTwoLayer(activation, X, Y, p)


def degenerate_point(land: TwoLayerEnergy, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """θ whose features have low rank (so the compress and free-move steps are exercised):
    duplicated rows, rows in a low-dimensional subspace, zero rows, or generic."""
    W, U = land.unflatten(land.random_point(rng))
    mode = str(rng.choice(["duplicates", "subspace", "zeros", "generic"], p=[0.4, 0.25, 0.2, 0.15]))
    p, n = W.shape
    if mode == "duplicates":
        k = int(rng.integers(1, max(1, p // 3) + 1))
        W = W[rng.integers(0, k, size=p)]
    elif mode == "subspace":
        r = int(rng.integers(1, n + 1)) if n > 1 else 1
        B = rng.normal(size=(r, n))
        W = rng.normal(size=(p, r)) @ B / np.sqrt(n)
        if r == n:
            W[p // 2 :] = W[0]
    elif mode == "zeros":
        W[rng.random(p) < 0.6] = 0.0
    return land.flatten(W, U), mode


def _margin(certs: list[Certificate]) -> float:
    return float(min(c.margin for c in certs)) if certs else math.nan


def _verdict(certs: list[Certificate], checks: dict[str, bool]) -> str:
    """violated if a proof-grade certificate or a check fails; verified if all hold exactly."""
    if any(not c.holds and c.is_proof for c in certs) or not all(checks.values()):
        return "violated"
    if certs and all(c.holds and c.is_proof for c in certs):
        return "verified"
    return "inconclusive"


def _cvxpy_check(land: TwoLayerEnergy, f_star: float, rtol: float) -> dict[str, Any]:
    _, f_cvx, status = land.lifted_problem().minimum_cvxpy()
    gap = abs(f_cvx - f_star)
    return {
        "cvxpy_optimum": f_cvx,
        "cvxpy_status": status,
        "cvxpy_gap": gap,
        "matches_cvxpy": bool(gap <= rtol * max(1.0, abs(f_star))),
    }


def _symbolic_check(
    land: TwoLayerEnergy, cons: Construction, max_p: int, max_n: int
) -> dict[str, Any]:
    """Exact t-dependence of the output function on the constant pieces (small sizes only)."""
    if not land.activation.is_polynomial or land.p > max_p or land.n > max_n:
        return {}
    worst = sp.Integer(0)
    for piece in cast("list[Segment]", cons.path.pieces):  # constructions are segments
        if piece.promise != CONSTANT:
            continue
        a, b = land.unflatten(piece.a), land.unflatten(piece.b)
        worst = max(worst, symbolic_function_change(land.activation, a, b))
    scale = max(1.0, float(np.max(np.abs(land.function_values(cons.start[None])))))
    return {
        "symbolic_max_t_coefficient": float(worst),
        "symbolic_exactly_constant": worst == 0,
        "symbolic_constant": bool(float(worst) <= cons.tolerances["function_rtol"] * scale),
    }


def describe_instance(land: TwoLayerEnergy, activation: str, q: int) -> dict[str, Any]:
    """The evidence's ``instance``: activation, n, p, m, q and the risk (``L`` for an empirical
    risk, the teacher's ``noise_variance`` for a population risk)."""
    info = {"activation": activation, "n": land.n, "p": land.p, "m": land.m, "q": q}
    if isinstance(land, EmpiricalTwoLayer):
        info.update(risk="empirical", L=land.L)
    else:
        info.update(risk="population", noise_variance=cast(PopulationTwoLayer, land).noise_variance)
    return info


def construction_evidence(
    land: TwoLayerEnergy,
    cons: Construction,
    info: dict[str, Any],
    *,
    cvxpy: bool,
    symbolic: bool,
    extra: dict[str, Any] | None = None,
    construct_seconds: float = 0.0,
    exact: Any = None,
) -> Evidence:
    """Certify, cross-check and time a construction (timings in ``details["seconds"]``).

    ``exact``: a callable building the proof's path in exact arithmetic
    (:mod:`sublevel.numerics.paths.intrinsic_exact`); its τ = 0 certificates decide, the float path's
    (sampled) certificates are shown next to them."""
    t0 = time.perf_counter()
    certs, checks = certify_construction(land, cons)
    seconds = {"construct": construct_seconds, "certify": time.perf_counter() - t0}
    flags = {k: v for k, v in checks.items() if isinstance(v, bool)}
    details = {
        **cons.details,
        **{k: v for k, v in checks.items() if not isinstance(v, bool)},
        **flags,
        **(extra or {}),
    }
    float_certs: list[Certificate] = []
    if exact is not None:
        t0 = time.perf_counter()
        deciding, exact_details = exact()
        seconds["certify_exact"] = time.perf_counter() - t0
        if deciding:
            details["exact_path"] = exact_details
            if "ends_at_optimum" in exact_details:
                flags["exact_ends_at_optimum"] = bool(exact_details["ends_at_optimum"])
            float_certs, certs = certs, deciding
        else:
            details["exact_path"] = exact_details
    if cvxpy and cons.lifted_optimum is not None:
        t0 = time.perf_counter()
        cx = _cvxpy_check(land, cons.lifted_optimum, 1e-6)
        seconds["cvxpy"] = time.perf_counter() - t0
        details.update(cx)
        flags["matches_cvxpy"] = cx["matches_cvxpy"]
    if symbolic:
        t0 = time.perf_counter()
        sym = _symbolic_check(land, cons, max_p=8, max_n=2)
        seconds["symbolic"] = time.perf_counter() - t0
        details.update(sym)
        if "symbolic_constant" in sym:
            flags["symbolic_constant"] = sym["symbolic_constant"]
    details["seconds"] = seconds
    details["deciding_certificates"] = len(certs)
    outcome = _verdict(certs, flags)
    if (
        float_certs
        and outcome == "violated"
        and all(c.outcome != "fails" for c in certs)
        and flags.get("exact_ends_at_optimum", True)
    ):
        outcome = "inconclusive"  # only cross-checks of the float path failed, not the proof
    failed = [k for k, v in flags.items() if not v] + [c.label for c in certs if not c.holds]
    what = "non-increasing to the lifted optimum" if cons.kind == "A" else "≤ max(E_A, E_B)"
    k = len(cons.path.pieces)
    how = "/".join(sorted({c.method for c in certs})) or "no certificate"
    msg = (
        f"Construction {cons.kind}: {k} piece{'s' if k > 1 else ''} certified ({how}, τ = 0), "
        f"{what}"
        if outcome == "verified"
        else "failed: " + ", ".join(failed)
    )
    if float_certs:  # the float path users see: shown, never deciding
        details["float_path_certificates"] = {
            "methods": sorted({c.method for c in float_certs}),
            "outcomes": sorted({c.outcome for c in float_certs}),
            "worst_margin": _margin(float_certs),
        }
    return Evidence(
        outcome=outcome,
        margin=_margin(certs),
        certificates=certs,
        instance=info,
        details=details,
        message=msg,
    )
