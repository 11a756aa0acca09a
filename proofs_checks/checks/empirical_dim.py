"""Checks of VBB's empirical-risk case: q_emp ≤ L for any continuous activation (papers.md §4.1).

Claim ``vbb.empirical-dim`` (THEORY.md C11): on L samples only the value vectors
(ρ(⟨w, x_l⟩))_{l ≤ L} ∈ R^L matter, so the empirical intrinsic dimension q_emp ≤ L for any ρ
(ReLU, tanh), and Construction A with p ≥ q_emp units reaches the least-squares minimum over
the span of the value features without rising (VBB v1: "generic activations in the empirical
risk case"). The instance is decided by its energy certificates only
(:func:`construction_inexactness`); the control breaks p ≥ q_emp with ReLU, whose value features
are rational, and detects by an exact rank barrier (:mod:`sublevel.numerics.rank_barrier`).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer
from sublevel.numerics.paths.base import CONSTANT, Segment
from sublevel.numerics.paths.intrinsic import Construction, construction_a, sample_degeneracy
from sublevel.numerics.paths.intrinsic_ball import ball_construction_a
from sublevel.numerics.paths.intrinsic_exact import certified_exact, exact_construction_a
from sublevel.proofs_checks.checks.construction_evidence import (
    construction_evidence,
    degenerate_point,
)
from sublevel.proofs_checks.evidence import Evidence, control_outcome
from sublevel.proofs_checks.registry import check, negative_control
from sublevel.theory.claims import get_claim
from sublevel.theory.errors import HypothesisError


@dataclass(frozen=True)
class EmpiricalDimParams:
    """The ``--param`` values of ``vbb.empirical-dim`` (check and control).

    ``activation``: ``relu``, ``tanh`` or ``"random"`` (one of them; the control needs ReLU);
    n is drawn in 1..``max_n`` (2..``max_n`` for tanh), L in 3..``max_L`` samples, p in
    L..L + ``extra_units``; with probability ``duplicate_fraction`` one sample is duplicated;
    ``cvxpy``: cross-check the least-squares minimum.
    """

    activation: str = "random"
    max_n: int = 3
    max_L: int = 10
    duplicate_fraction: float = 0.3
    extra_units: int = 2
    cvxpy: bool = True


def _instance_emp(
    seed: int, s: EmpiricalDimParams
) -> tuple[EmpiricalTwoLayer, np.ndarray, dict[str, Any]]:
    rng = np.random.default_rng(seed)
    act = str(rng.choice(["relu", "tanh"])) if s.activation == "random" else s.activation
    # tanh is analytic: for n = 1 its value features are numerically rank-deficient (singular
    # values decay like 1e-9 by L = 10) although they span R^L in exact arithmetic
    n = int(rng.integers(1 if act == "relu" else min(2, s.max_n), s.max_n + 1))
    L = int(rng.integers(3, s.max_L + 1))
    X = rng.normal(size=(L, n))
    duplicated = rng.random() < s.duplicate_fraction
    if duplicated:
        i, j = rng.choice(L, size=2, replace=False)
        X[j] = X[i]
    Y = rng.normal(size=(L, int(rng.integers(1, 3))))
    p = L + int(rng.integers(0, s.extra_units + 1))
    land = EmpiricalTwoLayer(act, X, Y, p)
    theta, mode = degenerate_point(land, rng)
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


@check("vbb.empirical-dim", instances=8, **dataclasses.asdict(EmpiricalDimParams()))
def empirical_dim(seed: int, **params: Any) -> Evidence:
    """ReLU or tanh on L samples, p ≥ L: q_emp ≤ L (numerical rank of the value features, the
    same as the foundation's estimate); degenerate data (duplicate, parallel or antipodal samples)
    detected and reported; Construction A on the L-dimensional value features certified exactly,
    ending at the least-squares minimum over their span (cross-checked with cvxpy)."""
    from sublevel.theory.liftings.feature_map import empirical_intrinsic_dimension

    s = EmpiricalDimParams(**params)
    land, theta, info = _instance_emp(seed, s)
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
    ev = construction_evidence(
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
    if s.cvxpy:
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
def empirical_dim_below(seed: int, **params: Any) -> Evidence:
    """p < q_emp = L (ReLU: the value features are rational, so their span is decided exactly),
    m = p + 1 outputs: Construction A forced through without p ≥ q_emp. L units with an exactly
    invertible feature matrix reach the least-squares minimum f* = 0, while the outputs of p
    units have rank ≤ p < rank Y: every E(θ) > 0 = f* (exact), so the construction's promise
    (ends at the least-squares minimum) fails. Its refusal is the precondition."""
    from sublevel.numerics.rank_barrier import exact_rank, rank_barrier

    s = EmpiricalDimParams(**params)
    activation = s.activation
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
    n = int(rng.integers(2, max(2, s.max_n) + 1))
    L = int(rng.integers(4, max(4, s.max_L) + 1))
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
