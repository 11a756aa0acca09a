"""Checks of VBB's finite-intrinsic-dimension theorems by their constructions (papers.md §4.2, C9).

Claims: ``vbb.finite-dim.p-ge-q`` (Construction A: p ≥ q units, a path along which the energy
is constant, then non-increasing, to the lifted optimum — no spurious valleys; JMLR Thm 8 as
reconstructed in papers.md §4.2) and ``vbb.finite-dim.p-ge-2q`` (Construction B: p ≥ 2q, a
path between any two points below max(E_A, E_B) — connected sublevel sets, the talk's T11).

The constructions are certified *exactly*: every piece moves only output weights or rows of
units whose output weight vanishes, so the energy along it is a polynomial in t (for every
activation) decided by real-root isolation; constant pieces are also checked on the function
(outputs on the data, or the lifted coefficients), symbolically for small sizes (see
:mod:`~sublevel.proofs_checks.checks.construction_evidence`). The negative controls break
p ≥ q (p ≥ 2q) and detect by the theorem, not by the construction's refusal (recorded as a
precondition): for p < q an exact rank barrier shows that no θ reaches the lifted optimum, so
Construction A forced through fails its promise (:mod:`sublevel.numerics.rank_barrier`); for
q ≤ p < 2q a certified disconnection (ρ(z) = z, square layers) shows connected sublevel sets
fail. The p < q control also reports the stable poor local minima a spurious-valley search
finds (numerical, not certified). Default sizes are small (≤ 4 s per claim); every size is a
``--param``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from sublevel.numerics.energies.convex_lifting import polynomial_features
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer, TwoLayerEnergy
from sublevel.numerics.paths.base import Segment
from sublevel.numerics.paths.intrinsic import (
    Construction,
    certify_construction,
    construction_a,
    construction_b,
)
from sublevel.numerics.paths.intrinsic_exact import (
    certified_exact,
    exact_construction_a,
    exact_construction_b,
)
from sublevel.numerics.profile import PathProfile
from sublevel.proofs_checks.checks.construction_evidence import (
    construction_evidence,
    degenerate_point,
    describe_instance,
    draw_activation,
    intrinsic_q,
    random_landscape,
)
from sublevel.proofs_checks.evidence import Evidence, control_outcome
from sublevel.proofs_checks.registry import check, negative_control, path_builder
from sublevel.theory.certificate import Certificate
from sublevel.theory.claims import get_claim
from sublevel.theory.errors import HypothesisError


@dataclass(frozen=True)
class ConstructionParams:
    """The ``--param`` values shared by both construction claims (and their controls and paths).

    ``activation``: a polynomial in z, or ``"random"`` (z², z³ or a random polynomial of degree
    2..``max_degree``); ``n``: the input dimension (0: drawn in 1..``max_n``); p is drawn in
    q..q + ``extra_units`` (Construction A) or 2q..2q + ``extra_units`` (B); ``risk``:
    ``empirical``, ``population`` or ``random``; ``cvxpy``, ``symbolic``: the cross-checks of the
    lifted optimum and of the constant pieces (A only; B runs no cvxpy check).
    """

    activation: str = "random"
    n: int = 0
    max_n: int = 3
    max_degree: int = 3
    extra_units: int = 2
    risk: str = "random"
    cvxpy: bool = True
    symbolic: bool = True


def _instance(
    seed: int, s: ConstructionParams, copies: int
) -> tuple[np.random.Generator, TwoLayerEnergy, dict[str, Any]]:
    """A random landscape with p = copies·q + (0..extra_units) units, and its description."""
    rng = np.random.default_rng(seed)
    act = draw_activation(rng, s.activation, s.max_degree)
    n = s.n or int(rng.integers(1, s.max_n + 1))
    q = intrinsic_q(act, n)
    p = copies * q + int(rng.integers(0, s.extra_units + 1))
    land = random_landscape(rng, act, n, p, s.risk, q)
    return rng, land, describe_instance(land, act, q)


def _construction_profile(
    land: TwoLayerEnergy,
    cons: Construction,
    info: dict[str, Any],
    exact_path: Callable[[], Any],
    title: str,
    **labels: Any,
) -> PathProfile:
    """The profile ``sublevel path`` draws: the float path, decided by the exact path's
    certificates when it could be built (else the float path's own)."""
    certs, checks = certify_construction(land, cons)
    exact, exact_info = certified_exact(exact_path)
    return PathProfile(
        cons.path,
        land,
        cons.bound,
        title=title,
        info={
            **info,
            **cons.details,
            **checks,
            **labels,
            "exact_path": exact_info,
            "float_path_certificates": sorted({f"{c.method}: {c.outcome}" for c in certs}),
        },
        certificates=exact or certs,
    )


# ---------------------------------------------------------------------------- vbb.finite-dim.p-ge-q


def _instance_a(
    seed: int, s: ConstructionParams
) -> tuple[TwoLayerEnergy, np.ndarray, dict[str, Any]]:
    rng, land, info = _instance(seed, s, 1)
    theta, mode = degenerate_point(land, rng)
    info["start"] = mode
    return land, theta, info


@check("vbb.finite-dim.p-ge-q", instances=8, **dataclasses.asdict(ConstructionParams()))
def finite_dim_p_ge_q(seed: int, **params: Any) -> Evidence:
    """Construction A from a (often degenerate) random θ with q ≤ p ≤ q + extra_units: compress
    and free moves exactly constant, descent exactly non-increasing, end = lifted optimum
    (least squares, cross-checked with cvxpy), the function unchanged on constant pieces (on
    the data, and symbolically when n ≤ 2, p ≤ 8)."""
    s = ConstructionParams(**params)
    land, theta, info = _instance_a(seed, s)
    hyp = get_claim("vbb.finite-dim.p-ge-q").hypotheses_hold(p=land.p, q=info["q"])
    t0 = time.perf_counter()
    cons = construction_a(land, theta, seed=seed)
    return construction_evidence(
        land,
        cons,
        info,
        cvxpy=s.cvxpy,
        symbolic=s.symbolic,
        extra={"hypotheses_hold": hyp},
        construct_seconds=time.perf_counter() - t0,
        exact=lambda: certified_exact(lambda: exact_construction_a(land, theta, seed=seed)),
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
    from sublevel.numerics.energies.optimisation_runs import optimisation_runs, stable_minimum

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


@negative_control("vbb.finite-dim.p-ge-q")
def finite_dim_below_q(seed: int, **params: Any) -> Evidence:
    """p < q, m = q outputs: Construction A forced through without p ≥ q. Its promise — a
    non-increasing path that ends at the lifted optimum f* — fails for *every* θ: the outputs
    of p units have rank ≤ p while the projected targets have rank > p (decided exactly, see
    :mod:`sublevel.numerics.rank_barrier`), so every E(θ) ≥ f* + Σ_{i>p} σ_i² > f*. That failing exact
    certificate is the detection. The construction's own refusal (its guard) is recorded as a
    precondition; a spurious-valley search (random inits, L-BFGS, Hessian, perturbation)
    reports the stable poor local minima it finds (numerical, not certified)."""
    from sublevel.numerics.rank_barrier import monomial_matrix, rank_barrier

    s = ConstructionParams(**params)

    rng = np.random.default_rng(seed)
    act = draw_activation(rng, s.activation, s.max_degree)
    n = s.n or min(2, s.max_n)
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
    info = describe_instance(land, act, q)
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
def finite_dim_p_ge_q_path(seed: int, **params: Any) -> PathProfile:
    """Construction A on the check's instance, for ``sublevel path``: bound E(θ₀)."""
    land, theta, info = _instance_a(seed, ConstructionParams(**params))
    cons = construction_a(land, theta, seed=seed)
    return _construction_profile(
        land,
        cons,
        info,
        lambda: exact_construction_a(land, theta, seed=seed),
        f"Construction A: {info['activation']}, n = {land.n}, q = {cons.q}, "
        f"p = {land.p} (bound E(θ_0))",
        bound_label="bound E(θ₀)",
    )


# ---------------------------------------------------------------------------- vbb.finite-dim.p-ge-2q


def _instance_b(
    seed: int, s: ConstructionParams
) -> tuple[TwoLayerEnergy, np.ndarray, np.ndarray, dict[str, Any]]:
    rng, land, info = _instance(seed, s, 2)
    a, mode_a = degenerate_point(land, rng)
    b, mode_b = degenerate_point(land, rng)
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


@check("vbb.finite-dim.p-ge-2q", instances=6, **dataclasses.asdict(ConstructionParams(max_n=2)))
def finite_dim_p_ge_2q(seed: int, **params: Any) -> Evidence:
    """Construction B between two random (often degenerate) points with p ≥ 2q: every piece
    certified exactly ≤ max(E_A, E_B) and against its promise; the function is unchanged on the
    constant pieces. The straight segment between the same points is reported for contrast."""
    s = ConstructionParams(**params)
    land, a, b, info = _instance_b(seed, s)
    hyp = get_claim("vbb.finite-dim.p-ge-2q").hypotheses_hold(p=land.p, q=info["q"])
    t0 = time.perf_counter()
    cons = construction_b(land, a, b)
    elapsed = time.perf_counter() - t0
    extra = {"hypotheses_hold": hyp, **_straight_line(land, a, b)}
    return construction_evidence(
        land,
        cons,
        info,
        cvxpy=False,
        symbolic=s.symbolic,
        extra=extra,
        construct_seconds=elapsed,
        exact=lambda: certified_exact(lambda: exact_construction_b(land, a, b)),
    )


@negative_control("vbb.finite-dim.p-ge-2q")
def finite_dim_below_2q(seed: int, **params: Any) -> Evidence:
    """q ≤ p < 2q: the conclusion (connected sublevel sets) shown to fail. ρ(z) = z (q = n)
    with n = m = p = h: two points whose first factors have determinants of opposite signs,
    both below the best rank-(h − 1) energy, lie in different components of Ω_u — every path
    passes a singular W, where E ≥ E*_{h−1} (decided in rationals, as in
    ``bf16.linear.square-boundary``). Construction B's refusal is the precondition."""
    from sublevel.proofs_checks.checks.linear import _square_certificate, _square_endpoints

    s = ConstructionParams(**params)

    rng = np.random.default_rng(seed)
    h = max(2, min(3, s.max_n))
    inst = _square_endpoints(rng, h, 4 * h + 4, 0.5)
    land = EmpiricalTwoLayer("z", inst["X"], inst["Y"], h)
    q = intrinsic_q("z", h)
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
def finite_dim_p_ge_2q_path(seed: int, **params: Any) -> PathProfile:
    """Construction B on the check's instance, for ``sublevel path``: bound max(E_A, E_B)."""
    land, a, b, info = _instance_b(seed, ConstructionParams(**params))
    cons = construction_b(land, a, b)
    return _construction_profile(
        land,
        cons,
        info,
        lambda: exact_construction_b(land, a, b),
        f"Construction B: {info['activation']}, n = {land.n}, q = {cons.q}, p = {land.p}",
    )
