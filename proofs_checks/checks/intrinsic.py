"""Checks of finite intrinsic dimension (papers.md §4, C9–C12).

Claims: ``vbb.finite-dim.p-ge-q`` (Construction A), ``vbb.finite-dim.p-ge-2q`` (Construction B),
``vbb.empirical-dim`` (q_emp ≤ L, any continuous ρ), ``lbb.quadratic.2layer`` and
``lbb.quadratic.deep`` (optimisation experiments against the lifted optimum),
``lbb18.energy-barrier`` (upper bound on β(M, N) and a counterexample search). The explicit ReLU
valley (VBB Thm 13) is in :mod:`sublevel.proofs_checks.checks.relu_valley`.

The constructions are certified *exactly*: every piece moves only output weights or rows of
units whose output weight vanishes, so the energy along it is a polynomial in t (for every
activation) decided by real-root isolation; constant pieces are also checked on the function
(outputs on the data, or the lifted coefficients), symbolically for small sizes. Their negative
controls break p ≥ q (p ≥ 2q, p ≥ q_emp) and detect by the theorem, not by the construction's
refusal (recorded as a precondition): for p < q and p < q_emp an exact rank barrier shows that
no θ reaches the lifted optimum, so Construction A forced through fails its promise
(:mod:`sublevel.numerics.rank_barrier`); for q ≤ p < 2q a certified disconnection (ρ(z) = z, square
layers) shows connected sublevel sets fail. The p < q control also reports the stable poor
local minima a spurious-valley search finds (numerical, not certified).
Default sizes are small (≤ 4 s per claim); every size is a ``--param``.
"""

from __future__ import annotations

import math
import time
from functools import lru_cache
from typing import Any, cast

import numpy as np
import sympy as sp
from sublevel.numerics.energies.two_layer import (
    EmpiricalTwoLayer,
    PopulationTwoLayer,
    TwoLayerEnergy,
    make_activation,
    polynomial_features,
)
from sublevel.numerics.paths.base import CONSTANT, Segment
from sublevel.numerics.paths.intrinsic import (
    Construction,
    certify_construction,
    construction_a,
    construction_b,
    sample_degeneracy,
    symbolic_function_change,
)
from sublevel.numerics.paths.intrinsic_ball import ball_construction_a
from sublevel.numerics.paths.intrinsic_exact import (
    certified_exact,
    exact_construction_a,
    exact_construction_b,
)
from sublevel.numerics.profile import PathProfile
from sublevel.proofs_checks.evidence import Evidence, control_outcome
from sublevel.proofs_checks.registry import check, negative_control, path_builder
from sublevel.theory.certificate import Certificate
from sublevel.theory.claims import get_claim
from sublevel.theory.errors import HypothesisError

# ---------------------------------------------------------------------------- instances

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


def _activation(rng: np.random.Generator, activation: str, max_degree: int) -> str:
    return _random_activation(rng, max_degree) if activation == "random" else activation


def _intrinsic_q(activation: str, n: int) -> int:
    return polynomial_features(activation, n).q


def _landscape(
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


def _degenerate_point(land: TwoLayerEnergy, rng: np.random.Generator) -> tuple[np.ndarray, str]:
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


def _describe(land: TwoLayerEnergy, activation: str, q: int) -> dict[str, Any]:
    info = {"activation": activation, "n": land.n, "p": land.p, "m": land.m, "q": q}
    if isinstance(land, EmpiricalTwoLayer):
        info.update(risk="empirical", L=land.L)
    else:
        info.update(risk="population", noise_variance=cast(PopulationTwoLayer, land).noise_variance)
    return info


def _construction_evidence(
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


def _valley_search(
    land: TwoLayerEnergy,
    rng: np.random.Generator,
    runs: int,
    *,
    gtol: float = 1e-6,
    maxiter: int = 600,
) -> dict[str, Any]:
    """Random inits → L-BFGS → Hessian: the local minima the landscape holds (p below the
    threshold). Poor = converged, no negative eigenvalue, stable under perturbation, above the
    best energy found (which bounds min E from above)."""
    from sublevel.numerics.energies.quadratic_deep import optimisation_runs, stable_minimum

    lp = land.lifted_problem() if land.activation.is_polynomial else land.lifted_problem("values")
    f_star = lp.minimiser()[1]
    found = optimisation_runs(
        land, f_star, runs, rng, success_rtol=1e-6, gtol=gtol, maxiter=maxiter, eig_tol=1e-6
    )
    best = min(r.energy for r in found)
    poor = []
    for r in found:
        tol = 1e-6 * max(1.0, abs(r.energy))
        if r.converged and r.kind != "saddle" and r.energy > best + tol:
            theta = cast(np.ndarray, r.theta)  # optimisation_runs keeps every run's point
            if stable_minimum(land, theta, r.energy, rng, tol=tol, gtol=gtol, maxiter=maxiter)[0]:
                poor.append(r.energy)
    kinds: dict[str, int] = {}
    for r in found:
        kinds[r.kind] = kinds.get(r.kind, 0) + 1
    return {
        "search_runs": runs,
        "search_gtol": gtol,
        "search_maxiter": maxiter,
        "lifted_optimum": f_star,
        "best_energy": best,
        "reaches_lifted_optimum": bool(best <= f_star + 1e-6 * max(1.0, abs(f_star))),
        "run_kinds": kinds,
        "poor_local_minima": sorted(set(round(e, 10) for e in poor)),
        "spurious_valley_evidence": bool(poor),
    }


# ---------------------------------------------------------------------------- vbb.finite-dim.p-ge-q


def _instance_a(
    seed: int, activation: str, n: int, max_n: int, max_degree: int, extra_units: int, risk: str
) -> tuple[TwoLayerEnergy, np.ndarray, dict[str, Any]]:
    rng = np.random.default_rng(seed)
    act = _activation(rng, activation, max_degree)
    n = n or int(rng.integers(1, max_n + 1))
    q = _intrinsic_q(act, n)
    p = q + int(rng.integers(0, extra_units + 1))
    land = _landscape(rng, act, n, p, risk, q)
    theta, mode = _degenerate_point(land, rng)
    info = _describe(land, act, q)
    info["start"] = mode
    return land, theta, info


_A_DEFAULTS = {
    "activation": "random",
    "n": 0,
    "max_n": 3,
    "max_degree": 3,
    "extra_units": 2,
    "risk": "random",
    "cvxpy": True,
    "symbolic": True,
}


@check("vbb.finite-dim.p-ge-q", instances=8, **_A_DEFAULTS)
def finite_dim_p_ge_q(
    seed: int,
    activation: str,
    n: int,
    max_n: int,
    max_degree: int,
    extra_units: int,
    risk: str,
    cvxpy: bool,
    symbolic: bool,
) -> Evidence:
    """Construction A from a (often degenerate) random θ with q ≤ p ≤ q + extra_units: compress
    and free moves exactly constant, descent exactly non-increasing, end = lifted optimum
    (least squares, cross-checked with cvxpy), the function unchanged on constant pieces (on
    the data, and symbolically when n ≤ 2, p ≤ 8)."""
    land, theta, info = _instance_a(seed, activation, n, max_n, max_degree, extra_units, risk)
    hyp = get_claim("vbb.finite-dim.p-ge-q").hypotheses_hold(p=land.p, q=info["q"])
    t0 = time.perf_counter()
    cons = construction_a(land, theta, seed=seed)
    return _construction_evidence(
        land,
        cons,
        info,
        cvxpy=cvxpy,
        symbolic=symbolic,
        extra={"hypotheses_hold": hyp},
        construct_seconds=time.perf_counter() - t0,
        exact=lambda: certified_exact(lambda: exact_construction_a(land, theta, seed=seed)),
    )


@negative_control("vbb.finite-dim.p-ge-q")
def finite_dim_below_q(
    seed: int,
    activation: str,
    n: int,
    max_n: int,
    max_degree: int,
    extra_units: int,
    risk: str,
    cvxpy: bool,
    symbolic: bool,
) -> Evidence:
    """p < q, m = q outputs: Construction A forced through without p ≥ q. Its promise — a
    non-increasing path that ends at the lifted optimum f* — fails for *every* θ: the outputs
    of p units have rank ≤ p while the projected targets have rank > p (decided exactly, see
    :mod:`sublevel.numerics.rank_barrier`), so every E(θ) ≥ f* + Σ_{i>p} σ_i² > f*. That failing exact
    certificate is the detection. The construction's own refusal (its guard) is recorded as a
    precondition; a spurious-valley search (random inits, L-BFGS, Hessian, perturbation)
    reports the stable poor local minima it finds (numerical, not certified)."""
    from sublevel.numerics.rank_barrier import monomial_matrix, rank_barrier

    rng = np.random.default_rng(seed)
    act = _activation(rng, activation, max_degree)
    n = n or min(2, max_n)
    feats = polynomial_features(act, n)
    q = feats.q
    p = int(rng.integers(max(1, q // 2), q))
    # L = 2q + 5 samples and m = q outputs: the lifted optimum β* ∈ R^{q×q} has rank q, so it is
    # out of reach of p < q units (with one output, fewer units than q often suffice)
    L = 2 * q + 5
    land = EmpiricalTwoLayer(act, rng.normal(size=(L, n)), rng.normal(size=(L, q)), p)
    refusal = ""
    try:
        construction_a(land, land.random_point(rng))
    except HypothesisError as exc:
        refusal = str(exc)
    info = _describe(land, act, q)
    details: dict[str, Any] = {"precondition": refusal or "construction A did not refuse p < q"}
    certs: list[Certificate] = []
    if feats.size == q:  # span{A(w)} = all monomials of ρ's degrees: V = row(monomials on data)
        cert = rank_barrier(
            monomial_matrix(land.X, feats.exponents),
            land.Y,
            p,
            label=f"forced Construction A (p = {p} < q = {q}) ends at the lifted optimum",
        )
        certs.append(cert)
        f_star = land.lifted_problem().minimiser()[1]
        details.update(
            cert.details,
            lifted_optimum_solver=f_star,
            lifted_optimum_agrees=bool(abs(f_star - cert.bound) <= 1e-8 * max(1.0, abs(f_star))),
        )
    search = _valley_search(land, rng, runs=4)
    details.update(
        {f"search_{k}" if not k.startswith("search") else k: v for k, v in search.items()}
    )
    failed = bool(certs) and certs[0].outcome == "fails"
    poor = search["poor_local_minima"]
    msg = (
        f"p = {p} < q = {q}: no θ reaches the lifted optimum {certs[0].bound:.4g} — every "
        f"E(θ) ≥ {certs[0].max_energy:.4g} (rank {certs[0].details['rank_of_projected_targets']}"
        f" > p, exact): Construction A's promise fails; search ({search['search_runs']} runs: "
        f"{search['run_kinds']}): best {search['best_energy']:.4g}, stable poor local minima "
        f"{poor or 'none found'} (optimisation, not certified)"
        if failed
        else f"not detected: the rank barrier did not certify p = {p} < q = {q} "
        f"({'rank ≤ p' if certs else 'features do not span all monomials'}); "
        f"stable poor local minima {poor or 'none found'} (not certified)"
    )
    return Evidence(
        outcome=control_outcome(certificate_fails=failed),
        instance=info,
        certificates=certs,
        details=details,
        message=msg,
        methods=["optimisation"],
        margin=certs[0].margin if certs else None,
    )


@path_builder("vbb.finite-dim.p-ge-q")
def finite_dim_p_ge_q_path(
    seed: int,
    activation: str,
    n: int,
    max_n: int,
    max_degree: int,
    extra_units: int,
    risk: str,
    cvxpy: bool,
    symbolic: bool,
) -> PathProfile:
    land, theta, info = _instance_a(seed, activation, n, max_n, max_degree, extra_units, risk)
    cons = construction_a(land, theta, seed=seed)
    certs, checks = certify_construction(land, cons)
    exact, exact_info = certified_exact(lambda: exact_construction_a(land, theta, seed=seed))
    return PathProfile(
        cons.path,
        land,
        cons.bound,
        title=f"Construction A: {info['activation']}, n = {land.n}, q = {cons.q}, "
        f"p = {land.p} (bound E(θ_0))",
        info={
            **info,
            **cons.details,
            **checks,
            "bound_label": "bound E(θ₀)",
            "exact_path": exact_info,
            "float_path_certificates": sorted({f"{c.method}: {c.outcome}" for c in certs}),
        },
        certificates=exact or certs,
    )


# ---------------------------------------------------------------------------- vbb.finite-dim.p-ge-2q


def _instance_b(
    seed: int, activation: str, n: int, max_n: int, max_degree: int, extra_units: int, risk: str
) -> tuple[TwoLayerEnergy, np.ndarray, np.ndarray, dict[str, Any]]:
    rng = np.random.default_rng(seed)
    act = _activation(rng, activation, max_degree)
    n = n or int(rng.integers(1, max_n + 1))
    q = _intrinsic_q(act, n)
    p = 2 * q + int(rng.integers(0, extra_units + 1))
    land = _landscape(rng, act, n, p, risk, q)
    a, mode_a = _degenerate_point(land, rng)
    b, mode_b = _degenerate_point(land, rng)
    info = _describe(land, act, q)
    info.update(start_a=mode_a, start_b=mode_b)
    return land, a, b, info


def _straight_line(land: TwoLayerEnergy, a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    """The naive straight segment θ_A → θ_B against max(E_A, E_B), exactly when polynomial."""
    from sublevel.numerics.certify import certify_piece

    bound = max(land.energy(a), land.energy(b))
    cert = certify_piece(land, Segment(a, b, label="straight segment"), bound)
    return {
        "straight_segment_max": cert.max_energy,
        "straight_segment_within_bound": cert.holds,
        "straight_segment_method": cert.method,
    }


@check("vbb.finite-dim.p-ge-2q", instances=6, **{**_A_DEFAULTS, "max_n": 2})
def finite_dim_p_ge_2q(
    seed: int,
    activation: str,
    n: int,
    max_n: int,
    max_degree: int,
    extra_units: int,
    risk: str,
    cvxpy: bool,
    symbolic: bool,
) -> Evidence:
    """Construction B between two random (often degenerate) points with p ≥ 2q: every piece
    certified exactly ≤ max(E_A, E_B) and against its promise; the function is unchanged on the
    constant pieces. The straight segment between the same points is reported for contrast."""
    land, a, b, info = _instance_b(seed, activation, n, max_n, max_degree, extra_units, risk)
    hyp = get_claim("vbb.finite-dim.p-ge-2q").hypotheses_hold(p=land.p, q=info["q"])
    t0 = time.perf_counter()
    cons = construction_b(land, a, b)
    elapsed = time.perf_counter() - t0
    extra = {"hypotheses_hold": hyp, **_straight_line(land, a, b)}
    return _construction_evidence(
        land,
        cons,
        info,
        cvxpy=False,
        symbolic=symbolic,
        extra=extra,
        construct_seconds=elapsed,
        exact=lambda: certified_exact(lambda: exact_construction_b(land, a, b)),
    )


@negative_control("vbb.finite-dim.p-ge-2q")
def finite_dim_below_2q(
    seed: int,
    activation: str,
    n: int,
    max_n: int,
    max_degree: int,
    extra_units: int,
    risk: str,
    cvxpy: bool,
    symbolic: bool,
) -> Evidence:
    """q ≤ p < 2q: the conclusion (connected sublevel sets) shown to fail. ρ(z) = z (q = n)
    with n = m = p = h: two points whose first factors have determinants of opposite signs,
    both below the best rank-(h − 1) energy, lie in different components of Ω_u — every path
    passes a singular W, where E ≥ E*_{h−1} (decided in rationals, as in
    ``bf16.linear.square-boundary``). Construction B's refusal is the precondition."""
    from sublevel.proofs_checks.checks.linear import _square_certificate, _square_endpoints

    rng = np.random.default_rng(seed)
    h = max(2, min(3, max_n))
    inst = _square_endpoints(rng, h, 4 * h + 4, 0.5)
    land = EmpiricalTwoLayer("z", inst["X"], inst["Y"], h)
    q = _intrinsic_q("z", h)
    a = land.flatten(inst["wa"][0], inst["wa"][1])
    b = land.flatten(inst["wb"][0], inst["wb"][1])
    refusal, alternative = "", None
    try:
        construction_b(land, a, b)
    except HypothesisError as exc:
        refusal, alternative = str(exc), exc.alternative
    cert, gap = _square_certificate(inst)
    same = max(abs(land.energy(a) - gap["E_A"]), abs(land.energy(b) - gap["E_B"]))
    shown = cert.holds and cert.is_proof
    info = {"activation": "z", "n": h, "p": h, "m": h, "q": q, "risk": "empirical", "L": land.L}
    return Evidence(
        outcome=control_outcome(conclusion_fails=shown),
        certificates=[cert],
        instance=info,
        margin=gap["gap"],
        details={
            "precondition": refusal or "construction B did not refuse p < 2q",
            "alternative": alternative,
            **gap,
            "energy_agreement": same,
        },
        message=(
            f"ρ(z) = z, p = {h} < 2q = {2 * q}: θ_A, θ_B (det W of opposite signs) lie in "
            f"different components of Ω_u for u ∈ [{gap['u']:.4g}, {gap['barrier']:.4g}) "
            "(exact): connected sublevel sets fail without p ≥ 2q"
            if shown
            else "not detected: the disconnection was not certified"
        ),
    )


@path_builder("vbb.finite-dim.p-ge-2q")
def finite_dim_p_ge_2q_path(
    seed: int,
    activation: str,
    n: int,
    max_n: int,
    max_degree: int,
    extra_units: int,
    risk: str,
    cvxpy: bool,
    symbolic: bool,
) -> PathProfile:
    land, a, b, info = _instance_b(seed, activation, n, max_n, max_degree, extra_units, risk)
    cons = construction_b(land, a, b)
    certs, checks = certify_construction(land, cons)
    exact, exact_info = certified_exact(lambda: exact_construction_b(land, a, b))
    return PathProfile(
        cons.path,
        land,
        cons.bound,
        title=f"Construction B: {info['activation']}, n = {land.n}, q = {cons.q}, p = {land.p}",
        info={
            **info,
            **cons.details,
            **checks,
            "exact_path": exact_info,
            "float_path_certificates": sorted({f"{c.method}: {c.outcome}" for c in certs}),
        },
        certificates=exact or certs,
    )


# ---------------------------------------------------------------------------- vbb.empirical-dim


def _instance_emp(
    seed: int, activation: str, max_n: int, max_L: int, duplicate_fraction: float, extra_units: int
) -> tuple[EmpiricalTwoLayer, np.ndarray, dict[str, Any]]:
    rng = np.random.default_rng(seed)
    act = str(rng.choice(["relu", "tanh"])) if activation == "random" else activation
    # tanh is analytic: for n = 1 its value features are numerically rank-deficient (singular
    # values decay like 1e-9 by L = 10) although they span R^L in exact arithmetic
    n = int(rng.integers(1 if act == "relu" else min(2, max_n), max_n + 1))
    L = int(rng.integers(3, max_L + 1))
    X = rng.normal(size=(L, n))
    duplicated = rng.random() < duplicate_fraction
    if duplicated:
        i, j = rng.choice(L, size=2, replace=False)
        X[j] = X[i]
    Y = rng.normal(size=(L, int(rng.integers(1, 3))))
    p = L + int(rng.integers(0, extra_units + 1))
    land = EmpiricalTwoLayer(act, X, Y, p)
    theta, mode = _degenerate_point(land, rng)
    return (
        land,
        theta,
        {
            "activation": act,
            "n": n,
            "L": L,
            "p": p,
            "m": land.m,
            "duplicated_sample": bool(duplicated),
            "start": mode,
        },
    )


_EMP_DEFAULTS = {
    "activation": "random",
    "max_n": 3,
    "max_L": 10,
    "duplicate_fraction": 0.3,
    "extra_units": 2,
    "cvxpy": True,
}


@check("vbb.empirical-dim", instances=8, **_EMP_DEFAULTS)
def empirical_dim(
    seed: int,
    activation: str,
    max_n: int,
    max_L: int,
    duplicate_fraction: float,
    extra_units: int,
    cvxpy: bool,
) -> Evidence:
    """ReLU or tanh on L samples, p ≥ L: q_emp ≤ L (numerical rank of the value features, the
    same as the foundation's estimate); degenerate data (duplicate, parallel or antipodal samples)
    detected and reported; Construction A on the L-dimensional value features certified exactly,
    ending at the least-squares minimum over their span (cross-checked with cvxpy)."""
    from sublevel.theory.liftings.feature_map import empirical_intrinsic_dimension

    land, theta, info = _instance_emp(
        seed, activation, max_n, max_L, duplicate_fraction, extra_units
    )
    problem = land.lifted_problem("values")
    deg = sample_degeneracy(land, problem)
    expr = {"relu": "Max(0, z)", "tanh": "tanh(z)"}.get(land.activation.name, land.activation.name)
    q_foundation = empirical_intrinsic_dimension(expr, land.X.tolist(), rtol=1e-9, seed=seed)
    info.update(q_emp=problem.q)
    hyp = get_claim("vbb.empirical-dim").hypotheses_hold(p=land.p, L=land.L)
    t0 = time.perf_counter()
    cons = construction_a(land, theta, problem=problem, seed=seed)
    elapsed = time.perf_counter() - t0
    extra = {
        "hypotheses_hold": hyp,
        "degeneracy": deg.to_dict(),
        "q_emp_foundation_estimate": q_foundation,
    }
    ev = _construction_evidence(
        land,
        cons,
        info,
        cvxpy=False,
        symbolic=False,
        extra=extra,
        construct_seconds=elapsed,
        exact=lambda: certified_exact(
            lambda: exact_construction_a(land, theta, q=problem.q, kind="values", seed=seed),
            lambda: ball_construction_a(land, theta, problem, seed=seed),
        ),
    )
    checks = {
        "q_emp_le_L": problem.q <= land.L,
        "duplicates_detected": (not info["duplicated_sample"]) or bool(deg.duplicates),
    }
    if cvxpy:
        _, f_cvx, status = problem.minimum_cvxpy()
        f_star = cast(float, cons.lifted_optimum)  # Construction A ends at the lifted optimum
        gap = abs(f_cvx - f_star)
        ev.details.update(cvxpy_optimum=f_cvx, cvxpy_status=status, cvxpy_gap=gap)
        checks["matches_cvxpy"] = bool(gap <= 1e-6 * max(1.0, abs(f_star)))
    ev.details.update(checks)
    _emp_outcome(ev, land, cons, checks)
    if ev.outcome == "verified":
        ev.message += f"; q_emp = {problem.q} ≤ L = {land.L}; {deg.message}"
    return ev


#: float checks of the empirical-dim instance that are not certificates: they can stop an
#: instance from being ``verified`` (→ ``inconclusive``) but never make it ``violated``
_EMP_NUMERICAL_CHECKS = (
    "function_constant",
    "ends_at_optimum",
    "matches_cvxpy",
    "q_emp_le_L",
    "duplicates_detected",
    "symbolic_constant",
)


def construction_inexactness(land: EmpiricalTwoLayer, cons: Construction) -> float:
    """Upper bound on how far the construction's own approximation can lift the energy.

    On a piece promised constant that moves only U (W_a = W_b), Φ(t) = Φ(0) + tΔ with
    Δ = H(U_b − U_a)ᵀ exactly (H = ρ(XWᵀ)), so with R_0 = Φ(0) − Y
    E(t) − E(0) = (2t⟨R_0, Δ⟩ + t²‖Δ‖²)/L ≤ (2‖R_0‖‖Δ‖ + ‖Δ‖²)/L. Δ ≠ 0 only through the
    compression's least-squares residual (the numerical rank decision, ``rank_rtol``); the
    bound is summed over such pieces (later pieces are constant or non-increasing).
    """
    total = 0.0
    for piece in cast("list[Segment]", cons.path.pieces):  # constructions are segments
        if piece.promise != CONSTANT:
            continue
        (Wa, Ua), (Wb, Ub) = land.unflatten(piece.a), land.unflatten(piece.b)
        if not np.array_equal(Wa, Wb):
            continue
        H = land.activation(land.X @ Wa.T)
        R0 = H @ Ua.T - land.Y
        D = H @ (Ub - Ua).T
        nd = float(np.linalg.norm(D))
        total += (2.0 * float(np.linalg.norm(R0)) * nd + nd * nd) / land.L
    return total


def _emp_outcome(
    ev: Evidence, land: EmpiricalTwoLayer, cons: Construction, checks: dict[str, bool]
) -> None:
    """The instance's status, decided by the energy certificates only.

    ``violated``: a proof-grade certificate fails by more than :func:`construction_inexactness`
    (a failure the construction's recorded approximation cannot explain: a bug, or a
    counterexample to the construction). ``inconclusive``: a certificate fails within that
    bound (the computed path is not the exact construction: the instance tests nothing), a
    certificate is not proof-grade, or a numerical cross-check fails. ``verified``: every
    certificate is proof-grade and holds and every cross-check passes.
    """
    flags = {k: bool(ev.details[k]) for k in _EMP_NUMERICAL_CHECKS if k in ev.details}
    flags.update({k: bool(v) for k, v in checks.items()})
    deciding = ev.certificates[: ev.details.get("deciding_certificates", len(ev.certificates))]
    failing = [c for c in deciding if c.is_proof and c.outcome == "fails"]
    excess = max((-c.margin for c in failing), default=0.0)
    inexact = construction_inexactness(land, cons) if failing else 0.0
    bad_flags = [k for k, v in flags.items() if not v]
    ev.details["outcome_rule"] = (
        "energy certificates decide; float cross-checks "
        f"({', '.join(_EMP_NUMERICAL_CHECKS)}) never make it violated"
    )
    if failing:
        ev.details.update(certificate_excess=excess, construction_inexactness=inexact)
    if failing and not excess <= inexact:
        ev.outcome = "violated"
        ev.message = (
            f"failed: {', '.join(c.label for c in failing)} exceed the bound by "
            f"{excess:.3g} > the construction's inexactness {inexact:.3g}"
        )
    elif failing:
        ev.outcome = "inconclusive"
        ev.message = (
            f"not tested: the computed path rises {excess:.3g} above its bound, within "
            f"the construction's own inexactness {inexact:.3g} (compression residual "
            f"{ev.details.get('compression_residual', math.nan):.3g}, rank_rtol): the "
            "float path is not the exact construction"
            + (f"; cross-checks failed: {', '.join(bad_flags)}" if bad_flags else "")
        )
    elif bad_flags:
        ev.outcome = "inconclusive"
        ev.message = "numerical cross-checks failed (not certificates): " + ", ".join(
            f"{k}"
            + (f" (change {ev.details['function_change']:.3g})" if k == "function_constant" else "")
            for k in bad_flags
        )
    elif deciding and all(c.holds and c.is_proof for c in deciding):
        ev.outcome = "verified"
    else:
        ev.outcome = "inconclusive"
        if not ev.message.startswith("not decided"):
            ev.message = (
                "not decided: some certificates are not proof-grade ("
                + ", ".join(sorted({c.method for c in deciding if not c.is_proof}))
                + ")"
            )


def _exact_relu_features(W: np.ndarray, X: np.ndarray) -> list[list[Any]]:
    """ρ(⟨w_j, x_l⟩) in exact rationals (the floats as given): (p, L)."""
    from fractions import Fraction

    Xq = [[Fraction(float(v)) for v in row] for row in X]
    out = []
    for w in W:
        wq = [Fraction(float(v)) for v in w]
        out.append([max(Fraction(0), sum((a * b for a, b in zip(wq, x)), Fraction(0))) for x in Xq])
    return out


@negative_control("vbb.empirical-dim")
def empirical_dim_below(
    seed: int,
    activation: str,
    max_n: int,
    max_L: int,
    duplicate_fraction: float,
    extra_units: int,
    cvxpy: bool,
) -> Evidence:
    """p < q_emp = L (ReLU: the value features are rational, so their span is decided exactly),
    m = p + 1 outputs: Construction A forced through without p ≥ q_emp. L units with an exactly
    invertible feature matrix reach the least-squares minimum f* = 0, while the outputs of p
    units have rank ≤ p < rank Y: every E(θ) > 0 = f* (exact), so the construction's promise
    (ends at the least-squares minimum) fails. Its refusal is the precondition."""
    from sublevel.numerics.rank_barrier import exact_rank, rank_barrier

    rng = np.random.default_rng(seed)
    if activation not in ("random", "relu"):
        return Evidence(
            "not detected",
            instance={"activation": activation},
            details={
                "precondition": "the exact rank barrier needs rational features "
                "(ReLU); not certified for " + activation
            },
            message=f"not detected: no exact feature span for {activation}",
        )
    n = int(rng.integers(2, max(2, max_n) + 1))
    L = int(rng.integers(4, max(4, max_L) + 1))
    X = np.round(rng.normal(size=(L, n)) * 64) / 64
    W0 = np.round(rng.normal(size=(L, n)) * 8) / 8
    for _ in range(20):  # L units whose value features span R^L (decided exactly)
        F = _exact_relu_features(W0, X)
        if exact_rank(F) == L:
            break
        W0 = np.round(rng.normal(size=(L, n)) * 8) / 8
    else:
        return Evidence(
            "not detected",
            instance={"n": n, "L": L},
            message="not detected: no exactly spanning feature matrix found",
        )
    p = max(1, L - int(rng.integers(1, 3)))
    Y = rng.normal(size=(L, p + 1))
    land = EmpiricalTwoLayer("relu", X, Y, p)
    problem = land.lifted_problem("values")
    refusal = ""
    try:
        construction_a(land, land.random_point(rng), problem=problem)
    except HypothesisError as exc:
        refusal = str(exc)
    cert = rank_barrier(
        F,
        Y,
        p,
        label=f"forced Construction A (p = {p} < q_emp = L = {L}) ends "
        "at the least-squares minimum",
    )
    failed = cert.outcome == "fails"
    return Evidence(
        outcome=control_outcome(certificate_fails=failed),
        certificates=[cert],
        margin=cert.margin,
        instance={
            "activation": "relu",
            "n": n,
            "L": L,
            "p": p,
            "m": p + 1,
            "q_emp": L,
            "q_emp_numerical": problem.q,
        },
        details={
            "precondition": refusal or "construction A did not refuse p < q_emp",
            **cert.details,
        },
        message=(
            f"p = {p} < q_emp = L = {L}: every E(θ) ≥ {cert.max_energy:.4g} > f* = 0 "
            f"(rank Y = {cert.details['rank_of_projected_targets']} > p, exact): the "
            "construction's end is out of reach"
            if failed
            else f"not detected: rank Y ≤ p = {p}"
        ),
    )


# ---------------------------------------------------------------------------- quadratic networks


def _quadratic_runs_evidence(
    land: Any,
    optimum: float,
    runs: list[Any],
    rng: np.random.Generator,
    info: dict[str, Any],
    label: str,
) -> Evidence:
    """numerical verdict: violated if a run ends at a stable PSD critical point above the lifted
    optimum (a poor local minimum); inconclusive if a run neither succeeded nor converged."""
    from sublevel.numerics.energies.quadratic_deep import stable_minimum

    poor, escaped = [], 0
    for r in runs:
        if r.kind in ("poor minimum", "degenerate above optimum"):
            tol = 1e-6 * max(1.0, abs(r.energy))
            if stable_minimum(land, r.theta, r.energy, rng, tol=tol)[0]:
                poor.append(r.energy)
            else:
                escaped += 1
    kinds: dict[str, int] = {}
    for r in runs:
        kinds[r.kind] = kinds.get(r.kind, 0) + 1
    success = kinds.get("success", 0)
    if poor:
        outcome = "violated"
    elif success + kinds.get("saddle", 0) + escaped == len(runs):
        outcome = "verified"
    else:
        outcome = "inconclusive"
    gaps = [r.gap for r in runs]
    return Evidence(
        outcome=outcome,
        margin=-max(gaps) if gaps else None,
        instance=info,
        details={
            "lifted_optimum": optimum,
            "runs": [r.to_dict() for r in runs],
            "kinds": kinds,
            "poor_local_minima": poor,
            "escaped_on_perturbation": escaped,
        },
        message=(
            f"{label}: {success}/{len(runs)} runs reach the lifted optimum {optimum:.6g}; "
            f"others: { ({k: v for k, v in kinds.items() if k != 'success'}) }"
            + (f"; POOR LOCAL MINIMA at {poor}" if poor else "")
        ),
        methods=["optimisation"],
    )


def _quadratic_data(
    rng: np.random.Generator, n: int, noise: float
) -> tuple[np.ndarray, np.ndarray]:
    L = 3 * n * (n + 1) // 2 + 5
    X = rng.normal(size=(L, n))
    A = rng.normal(size=(n, n))
    A = (A + A.T) / 2
    return X, np.einsum("li,ij,lj->l", X, A, X) + noise * rng.normal(size=L)


def _quadratic_instance(
    seed: int,
    max_n: int,
    width_factor: float,
    width_offset: int,
    runs: int,
    noise: float,
    sign: str,
    trap: bool = True,
) -> Evidence:
    from sublevel.numerics.energies.quadratic_deep import (
        optimisation_runs,
        quadratic_network,
        sign_trap,
    )

    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, max_n + 1))
    p = max(1, int(math.ceil(width_factor * n)) + width_offset)
    X, y = _quadratic_data(rng, n, noise)
    target, init, f_star = quadratic_network(X, y, p, sign)
    found = optimisation_runs(target, f_star, runs, rng, init=init)
    info = {
        "n": n,
        "p": p,
        "L": X.shape[0],
        "sign": sign,
        "runs": runs,
        "hypotheses_hold": get_claim("lbb.quadratic.2layer").hypotheses_hold(p=p, n=n),
    }
    ev = _quadratic_runs_evidence(target, f_star, found, rng, info, f"n = {n}, p = {p}")
    if not trap or p < n:
        return ev
    st = sign_trap(X, y, p)
    if st is None:
        return ev
    ev.details["trained_output_sign_trap"] = st.to_dict()
    kind = _sign_trap_kind(X, y, p, st)
    ev.details["sign_trap_classification"] = kind
    if sign == "free" and st.certified:
        ev.outcome = "violated"
        ev.margin = -st.gap
        valley = (
            "it is a spurious valley (no flat escape, strict modulo rescaling): a "
            "no-spurious-valley statement is refuted too"
            if kind == "spurious valley"
            else f"it is a {kind}, NOT a spurious valley: a no-spurious-valley statement is not "
            "refuted"
        )
        ev.message = (
            f"literal statement 'no poor local minima' (u trained) refuted at p = {p}: "
            f"every u_i {'< 0' if st.sign < 0 else '> 0'} is a non-strict local minimum "
            f"(A stays in a cone; E = {st.energy:.6g} = cone optimum "
            f"{st.cone_optimum:.6g}, cvxpy) above the global minimum "
            f"{st.global_energy:.6g}; {valley}; " + ev.message
        )
        ev.methods = ["optimisation", "sdp"]
    elif st.certified:
        ev.message += (
            f"; with trained u the statement fails (certified sign trap, E = "
            f"{st.energy:.4g} > {st.global_energy:.4g})"
        )
    return ev


def _sign_trap_kind(X: np.ndarray, y: np.ndarray, p: int, st: Any) -> str:
    """'poor non-strict local minimum with a flat escape' (a unit with w = 0 flips its output
    weight at constant energy and the energy then descends — the sign trap's own ``escape``, or
    sublevel.numerics.barrier_escape), 'spurious valley' (no escape found and the exact Hessian is
    positive definite modulo rescaling), else 'poor non-strict local minimum, no escape found'."""
    from sublevel.numerics.barrier_escape import classify_poor_minimum

    esc = st.escape or {}
    if esc and esc.get("descends_to", 0.0) < 0 and esc.get("flip_energy_change", 1.0) == 0.0:
        return "poor non-strict local minimum with a flat escape"
    land = EmpiricalTwoLayer("z**2", X, y, p)
    cls = classify_poor_minimum(land, st.theta, st.energy, np.random.default_rng(0))
    if cls["classification"] == "degenerate minimum with a flat escape":
        return "poor non-strict local minimum with a flat escape"
    if cls["classification"] == "spurious valley":
        return "spurious valley"
    return "poor non-strict local minimum, no escape found"


_Q_DEFAULTS = {
    "max_n": 4,
    "width_factor": 2.0,
    "width_offset": 0,
    "runs": 5,
    "noise": 0.1,
    "sign": "balanced",
}


@check("lbb.quadratic.2layer", instances=4, **_Q_DEFAULTS)
def quadratic_two_layer(
    seed: int,
    max_n: int,
    width_factor: float,
    width_offset: int,
    runs: int,
    noise: float,
    sign: str,
) -> Evidence:
    """ρ = z², scalar output, p = ⌈width_factor·n⌉ + width_offset (default 2n): ``runs`` random
    inits, L-BFGS to ‖∇E‖ ≤ 1e-9, success = the lifted optimum over Sym(n) (least squares on
    vec(xxᵀ); cvxpy SDP over A ⪰ 0 for ``sign=nonnegative``, u = 1 fixed); the rest classified
    by the Hessian and a perturbation test. ``sign``: ``balanced`` (default: u fixed, ⌈p/2⌉ of
    +1 and ⌊p/2⌋ of −1 — the setting in which M ≥ 2N means ≥ N units of each sign), ``free`` (u
    trained, the literal reading: then the certified sign trap of
    :func:`sublevel.numerics.energies.quadratic_deep.sign_trap` refutes it, outcome violated) or
    ``nonnegative`` (u = 1). Every instance also records the sign trap of its data. The full
    width sweep (≥ 200 inits per width) is ``benchmarks/bench_intrinsic.py quadratic``."""
    return _quadratic_instance(seed, max_n, width_factor, width_offset, runs, noise, sign)


@negative_control("lbb.quadratic.2layer")
def quadratic_two_layer_narrow(
    seed: int,
    max_n: int,
    width_factor: float,
    width_offset: int,
    runs: int,
    noise: float,
    sign: str,
) -> Evidence:
    """p = n − 1 < n: rank ≤ n − 1 (and fewer than n units of a sign), so no run can reach the
    (full-rank) lifted optimum; the check must report the failures."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, max_n + 1))
    # u = 1 fixed needs only p ≥ rank of the PSD optimum (Burer–Monteiro): break with signs
    broken = "free" if sign == "nonnegative" else sign
    ev = _quadratic_instance(seed, max_n, 0.0, n - 1, runs, noise, broken, trap=False)
    fails = ev.details["kinds"].get("success", 0) < len(ev.details["runs"])
    ev.outcome = control_outcome(conclusion_fails=fails)
    ev.message = (
        ("p = n − 1: " + ev.message) if fails else "runs reached the optimum with p = n − 1"
    )
    return ev


@lru_cache(maxsize=8)
def _deep_dimensions(n: int, K: int) -> tuple[dict[str, int], ...]:
    from sublevel.numerics.energies.quadratic_deep import lifted_dimensions

    return tuple(lifted_dimensions(n, K))


def _deep_instance(
    seed: int,
    n: int,
    K: int,
    width_factor: float,
    runs: int,
    noise: float,
    hidden: list[int] | None = None,
) -> Evidence:
    from sublevel.numerics.energies.quadratic_deep import (
        DeepQuadratic,
        form_features,
        optimisation_runs,
    )

    rng = np.random.default_rng(seed)
    hidden = hidden or [
        max(1, int(math.ceil(width_factor * 3 * n ** (2**k)))) for k in range(1, K + 1)
    ]
    dim = math.comb(n + 2**K - 1, 2**K)
    L = 2 * dim + 5
    X = rng.normal(size=(L, n))
    Y = form_features(X, 2**K) @ rng.normal(size=dim) + noise * rng.normal(size=L)
    land = DeepQuadratic(X, Y, hidden)
    f_star = land.lifted_optimum()
    found = optimisation_runs(land, f_star, runs, rng)
    dims = _deep_dimensions(n, K)
    info = {
        "n": n,
        "K": K,
        "hidden": hidden,
        "L": L,
        "runs": runs,
        "hypotheses_hold": get_claim("lbb.quadratic.deep").hypotheses_hold(n=n, hidden=hidden),
    }
    ev = _quadratic_runs_evidence(land, f_star, found, rng, info, f"n = {n}, K = {K}, M = {hidden}")
    dims_ok = all(d["closed_form"] == d["exact_rank"] for d in dims)
    ev.details["lifted_dimensions"] = list(dims)
    ev.details["lifted_dimensions_exact"] = dims_ok
    if not dims_ok:
        ev.outcome = "violated"
        ev.message = "lifted dimension mismatch: " + str(dims)
    else:
        ev.message += (
            "; lifted dims per layer "
            + ", ".join(f"{d['degree']}: {d['exact_rank']}" for d in dims)
            + " (exact = closed form)"
        )
    return ev


@check("lbb.quadratic.deep", instances=2, n=2, K=2, width_factor=1.0, runs=3, noise=0.1)
def quadratic_deep(
    seed: int, n: int, K: int, width_factor: float, runs: int, noise: float
) -> Evidence:
    """K quadratic layers with M_k = ⌈width_factor · 3n^{2^k}⌉ (default: the talk's bound): the
    lifted dimension per layer, exact rank = C(n + 2^k − 1, 2^k); ``runs`` random inits reach the
    least-squares optimum over degree-2^K forms, or the failures are classified."""
    return _deep_instance(seed, n, K, width_factor, runs, noise)


@negative_control("lbb.quadratic.deep")
def quadratic_deep_narrow(
    seed: int, n: int, K: int, width_factor: float, runs: int, noise: float
) -> Evidence:
    """One unit per layer (far below 3n^{2^k}): the output is c·(w·x)^{2^K}, so the runs cannot
    reach the lifted optimum and the check must report it."""
    ev = _deep_instance(seed, n, K, width_factor, runs, noise, hidden=[1] * K)
    fails = ev.details["kinds"].get("success", 0) < len(ev.details["runs"])
    ev.outcome = control_outcome(conclusion_fails=fails)
    ev.message = ("M_k = 1: " + ev.message) if fails else "one unit per layer reached the optimum"
    return ev


# ---------------------------------------------------------------------------- lbb18.energy-barrier


def _barrier_instance(
    seed: int, activation: str, N: int, L_factor: int, noise: float
) -> tuple[str, int, np.ndarray, np.ndarray]:
    from sublevel.numerics.energy_barrier import feature_dimension

    rng = np.random.default_rng(seed)
    act = str(rng.choice(["z**2", "z**3"])) if activation == "random" else activation
    f_N = feature_dimension(act, N)
    M = int(rng.integers(1, f_N))
    L = L_factor * f_N + 5
    X = rng.normal(size=(L, N))
    teacher = rng.normal(size=(f_N, N))
    y = make_activation(act)(X @ teacher.T) @ rng.normal(size=f_N) + noise * rng.normal(size=L)
    return act, M, X, y


@check(
    "lbb18.energy-barrier",
    instances=3,
    activation="random",
    N=2,
    runs=6,
    L_factor=3,
    noise=0.1,
    restarts=3,
)
def energy_barrier(
    seed: int, activation: str, N: int, runs: int, L_factor: int, noise: float, restarts: int
) -> Evidence:
    """Reading (sublevel.numerics.energy_barrier.READING): β̄(M, N) = best energy of a network whose rows
    lie in the best subspace of dimension f⁻¹(M), an upper bound on β(M, N) attained by an
    explicit network; then ``runs`` random inits search for stable local minima above both β̄
    and the best energy found; each is a counterexample only if it is a spurious valley (no
    flat escape, strict modulo rescaling), else it is reported as a degenerate minimum.
    'verified' = no counterexample in this instance's search."""
    from sublevel.numerics.energy_barrier import counterexample_search

    start = time.perf_counter()
    act, M, X, y = _barrier_instance(seed, activation, N, L_factor, noise)
    search = counterexample_search(
        X, y, act, M, n_runs=runs, seed=seed, restarts=restarts, maxiter=2000
    )
    b = search.bound
    info = {
        "activation": act,
        "N": N,
        "M": M,
        "f_N": b.f_N,
        "d": b.d,
        "L": X.shape[0],
        "runs": runs,
    }
    details = search.to_dict()  # every counterexample and degenerate minimum keeps its θ
    details["seconds"] = time.perf_counter() - start
    details["counterexample_rule"] = (
        "a stable poor minimum above β̄ counts only if the escape search along flat directions "
        "and sign flips fails and the exact Hessian is positive definite modulo rescaling "
        "(sublevel.numerics.barrier_escape); the others are listed in degenerate_minima"
    )
    return Evidence(
        outcome="violated" if search.found else "verified",
        margin=(b.value - max(c["energy"] for c in search.counterexamples))
        if search.found
        else None,
        instance=info,
        details=details,
        message=search.message,
        methods=["optimisation"],
    )


@negative_control("lbb18.energy-barrier")
def energy_barrier_without_barrier(
    seed: int, activation: str, N: int, runs: int, L_factor: int, noise: float, restarts: int
) -> Evidence:
    """Drop the barrier (the false statement 'no poor local minima at all') on a sign-trap
    instance: ρ = z², N = 2, M = 1, y = 2x₁² − x₂² (a unit with u < 0 fits −x₂² and cannot change
    sign without losing its fit). The search must find a spurious valley (classified: no flat
    escape, strict modulo rescaling); on some samples (e.g. seed 1) the best fit of y by u·(v·x)²
    along the negative direction has u > 0, there is no such trap, and the control says so."""
    from sublevel.numerics.energies.quadratic_deep import optimisation_runs

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(60, 2))
    y = 2 * X[:, 0] ** 2 - X[:, 1] ** 2
    land = EmpiricalTwoLayer("z**2", X, y, 1)
    f_star = -1.0  # no target level: every converged non-saddle run is examined

    starts = [0]

    def init(r: np.random.Generator) -> np.ndarray:
        theta = land.random_point(r)
        theta[-1] = abs(theta[-1]) * (1 if r.random() < 0.5 else -1)
        if starts[0] == 0:  # one start in the trap's basin: w = v, the eigenvector of the most
            # negative eigenvalue of the least-squares form A (y ≈ xᵀAx), u = the best fit of y
            # by u·(v·x)² (< 0), below mean y²; the rest random
            F = np.stack([X[:, 0] ** 2, 2 * X[:, 0] * X[:, 1], X[:, 1] ** 2], axis=1)
            a11, a12, a22 = np.linalg.lstsq(F, y, rcond=None)[0]
            v = np.linalg.eigh(np.array([[a11, a12], [a12, a22]]))[1][:, 0]
            z2 = (X @ v) ** 2
            theta = np.array(
                [*(v + 0.05 * r.normal(size=2)), float(np.sum(y * z2) / np.sum(z2 * z2))]
            )
        starts[0] += 1
        return theta

    from sublevel.numerics.barrier_escape import classify_poor_minimum

    found = optimisation_runs(land, f_star, max(runs, 6), rng, init=init, success_rtol=0.0)
    best = min(r.energy for r in found)
    poor, valleys = [], []
    for r in found:
        if r.converged and r.kind != "saddle" and r.energy > best + 1e-6 * max(1, r.energy):
            # only a spurious valley (no flat escape, strict modulo rescaling — a stronger test
            # than re-descent from perturbations) shows the conclusion 'no spurious valleys'
            # failing; a degenerate minimum does not
            theta = cast(np.ndarray, r.theta)  # optimisation_runs keeps every run's point
            cls = classify_poor_minimum(land, theta, r.energy, rng)
            poor.append(
                {
                    "energy": r.energy,
                    "classification": cls["classification"],
                    "theta": theta.tolist(),
                }
            )
            if cls["classification"] == "spurious valley":
                valleys.append(round(r.energy, 8))
    valleys = sorted(set(valleys))
    return Evidence(
        outcome=control_outcome(conclusion_fails=bool(valleys)),
        instance={"activation": "z**2", "N": 2, "M": 1, "L": 60},
        details={
            "best_energy": best,
            "poor_local_minima": poor,
            "spurious_valleys": valleys,
            "runs": [r.to_dict() for r in found],
        },
        message=(
            f"spurious valleys at {valleys} above the best {best:.6g} (no flat "
            "escape, strict modulo rescaling)"
            if valleys
            else "no spurious valley found on the sign-trap instance"
        ),
        methods=["optimisation", "exact"],
    )
