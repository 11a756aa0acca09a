"""Checks of Freeman & Bruna's Proposition 2.3: the local linearisation of the ReLU kernel.

``bf16.prop2.3.kernel-bounds`` (papers.md §3.4, C5): eq. (7) proved for X ~ N(0, I) (sympy: the
derivative identity the bounds follow from), checked in closed form for anisotropic Gaussians
and the uniform ball and on Monte Carlo samples (exact for the empirical measure), and the
paper's follow-up inequalities refuted. The negative control breaks the unit-norm hypothesis
(‖w₁‖ = 3), where eq. (7) must be reported violated.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from sublevel.numerics import kernels as K
from sublevel.proofs_checks.evidence import Evidence, control_outcome, outcome_from_certificates
from sublevel.proofs_checks.registry import check, negative_control
from sublevel.theory.certificate import Certificate


@lru_cache(maxsize=1)
def _eq7_gaussian_proof() -> dict[str, Any]:
    """Eq. (7) for X ~ N(0, I), unit w, proved symbolically. With κ(α) = (sin α + (π−α)cos α)/(2π),
    ‖w_m‖²_Z = 1/2, ‖Σ_X‖ = 1 and g(α) = (1+cos α)/4 − κ(α) (upper bound minus kernel):
    g(0) = g(π) = 0 and g'(α) = sin α (π − 2α)/(4π) ≥ 0 on [0, π/2], ≤ 0 on [π/2, π], so
    g ≥ 0 (upper bound); and g' ≤ sin α/4, so g ≤ (1 − cos α)/4 ≤ (1−cos α) + 2 sin²α, the
    slack of the lower bound. Also the refutations: κ(π/2) = 1/(2π) > 0 = cos(π/2)/2, and
    κ(0) = 1/2 < 2/3 = 2 cos 0/(3‖Σ_X‖)."""
    import sympy as sp

    a = sp.Symbol("alpha", real=True)
    kern = (sp.sin(a) + (sp.pi - a) * sp.cos(a)) / (2 * sp.pi)
    g = (1 + sp.cos(a)) / 4 - kern
    derivative_identity = (
        sp.simplify(sp.diff(g, a) - sp.sin(a) * (sp.pi - 2 * a) / (4 * sp.pi)) == 0
    )
    ends = sp.simplify(g.subs(a, 0)) == 0 and sp.simplify(g.subs(a, sp.pi)) == 0
    # g' ≤ sin α/4 ⟺ sin α·(π − 2α − π)/(4π) ≤ 0 ⟺ −2α sin α ≤ 0 on [0, π]
    slope_gap = sp.simplify(sp.diff(g, a) - sp.sin(a) / 4 + 2 * a * sp.sin(a) / (4 * sp.pi)) == 0
    followup = sp.nsimplify(kern.subs(a, sp.pi / 2) - sp.cos(sp.pi / 2) / 2)
    small_angle = sp.nsimplify(sp.Rational(2, 3) - kern.subs(a, 0))
    return {
        "derivative_identity": bool(derivative_identity),
        "g_vanishes_at_0_and_pi": bool(ends),
        "slope_bound_identity": bool(slope_gap),
        "followup_gap_at_pi_over_2": str(followup),
        "followup_fails": bool(followup > 0),
        "small_angle_gap_at_0": str(small_angle),
        "small_angle_fails": bool(small_angle > 0),
    }


def _unit_pairs(
    rng: np.random.Generator, n: int, pairs: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Unit pairs with angles spread over [0, π] (including 0 and near π)."""
    out = []
    for i, alpha in enumerate(np.linspace(0.0, np.pi * 0.999, pairs)):
        u = rng.normal(size=n)
        u /= np.linalg.norm(u)
        v = rng.normal(size=n)
        v -= (v @ u) * u
        v /= np.linalg.norm(v)
        w2 = np.cos(alpha) * u + np.sin(alpha) * v
        out.append((u, w2 / np.linalg.norm(w2)) if i else (u, u.copy()))
    return out


def _eq7_certificate(
    label: str,
    pairs: list[tuple[np.ndarray, np.ndarray]],
    kernel: Any,
    sigma: float,
    scale: float = 1.0,
    rounding: float = 1e-12,
) -> tuple[Certificate, list[float]]:
    """Both sides of eq. (7) at every pair: a certificate whose max_energy is the largest
    violation max(lower − kernel, kernel − upper) (≤ 0 when eq. (7) holds), with an explicit
    rounding allowance. The kernel is evaluated in closed form at *these pairs* only, so the
    certificate is ``sampled``: a failure is a counterexample, a pass is evidence, not a proof
    for every pair."""
    worst, at, followups = -np.inf, 0.0, []
    for w1, w2 in pairs:
        alpha = K.angle(w1, w2)
        kv = kernel(scale * w1, w2)
        wm = K.bisector(w1, w2) if alpha < np.pi - 1e-12 else w1
        lo, up = K.eq7_bounds(alpha, kernel(wm, wm), sigma)
        viol = max(lo - kv, kv - up)
        followups.append(K.followup_gap(kv, alpha, kernel(wm, wm)))
        if viol > worst:
            worst, at = viol, alpha
    tol = rounding * max(1.0, sigma)
    return Certificate(
        worst <= tol,
        float(worst),
        float(at),
        tol,
        "sampled",
        tolerances={"rounding": tol},
        n_evaluations=len(pairs),
        label=label,
        details={
            "quantity": "max violation of eq. (7) over the pairs (bound: "
            "the rounding allowance; equality holds at α = 0)",
            "argmax": "angle α",
        },
    ), followups


def _prop23(seed: int, n: int, pairs: int, mc_samples: int, scale: float) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    P = _unit_pairs(rng, n, pairs)
    cov = K.random_covariance(rng, n)
    sig_g = K.second_moment_norm(cov=cov)
    cert_g, fu_g = _eq7_certificate(
        f"anisotropic Gaussian N(0, Σ), n = {n}",
        P,
        lambda u, v: K.relu_kernel_gaussian(u, v, cov),
        sig_g,
        scale,
    )
    cert_b, fu_b = _eq7_certificate(
        f"uniform ball, n = {n}", P, K.relu_kernel_ball, 1.0 / (n + 2), scale
    )
    Xg = K.sample_gaussian(rng, mc_samples, cov)
    Xb = K.sample_uniform_ball(rng, mc_samples, n)
    cert_eg, _ = _eq7_certificate(
        "empirical measure of the Gaussian sample",
        P,
        lambda u, v: K.relu_kernel_empirical(u, v, Xg)[0],
        K.second_moment_norm(Xg),
        scale,
    )
    cert_eb, _ = _eq7_certificate(
        "empirical measure of the ball sample",
        P,
        lambda u, v: K.relu_kernel_empirical(u, v, Xb)[0],
        K.second_moment_norm(Xb),
        scale,
    )
    # Monte Carlo against the closed forms (a cross-check of the formulas, never a proof)
    # (only where ≥ 100 samples hit the product's support: the normal approximation of the
    # standard error needs them; near α = π the support is a thin wedge)
    zs = []
    for w1, w2 in P:
        for X, exact in (
            (Xg, K.relu_kernel_gaussian(w1, w2, cov)),
            (Xb, K.relu_kernel_ball(w1, w2)),
        ):
            if np.count_nonzero((X @ w1 > 0) & (X @ w2 > 0)) < 100:
                continue
            mean, se = K.relu_kernel_empirical(w1, w2, X)
            zs.append(abs(mean - exact) / se if se > 0 else 0.0)
    return {
        "certs": [cert_g, cert_b, cert_eg, cert_eb],
        "mc_max_z": float(max(zs, default=0.0)),
        "mc_compared": len(zs),
        "followup_max_gap": float(max(fu_g + fu_b)),
        "followup_failures": int(sum(g > 0 for g in fu_g + fu_b)),
        "followup_checked": len(fu_g) + len(fu_b),
        "sigma_gaussian": sig_g,
    }


_PROP = {"n": 3, "pairs": 12, "mc_samples": 20000, "mc_z": 5.0}


@check("bf16.prop2.3.kernel-bounds", instances=4, **_PROP)
def prop23_bounds(seed: int, n: int, pairs: int, mc_samples: int, mc_z: float) -> Evidence:
    """Eq. (7): symbolic proof for N(0, I) (exact, all α — this decides); closed forms for a
    random anisotropic Gaussian and the uniform ball and the empirical measures of Monte Carlo
    samples (where eq. (7) must hold exactly), at ``pairs`` angle pairs (sampled: a failure would
    be a counterexample); Monte Carlo means within ``mc_z`` standard errors of the closed forms.
    The paper's follow-up inequality [w₁,w₂]_Z ≤ cos α‖w_m‖²_Z and its small-angle claim must
    fail."""
    proof = _eq7_gaussian_proof()
    r = _prop23(seed, n, pairs, mc_samples, 1.0)
    sym_ok = (
        proof["derivative_identity"]
        and proof["g_vanishes_at_0_and_pi"]
        and proof["slope_bound_identity"]
    )
    sym = Certificate(
        sym_ok,
        0.0,
        0.0,
        0.0,
        "exact",
        label="eq. (7) for N(0, I), all α ∈ [0, π]",
        details=dict(proof),
    )
    refuted = proof["followup_fails"] and proof["small_angle_fails"] and r["followup_failures"] > 0
    mc_ok = r["mc_max_z"] <= mc_z
    certs = [sym] + r["certs"]
    # the exact symbolic proof decides; a failing pair of another measure is a counterexample
    eq7 = outcome_from_certificates([sym])
    if any(not c.holds for c in r["certs"]):
        eq7 = "violated"
    outcome = eq7 if eq7 != "verified" else ("verified" if refuted and mc_ok else "inconclusive")
    # a verified outcome is decided by the symbolic proofs (eq. (7) for N(0, I), the follow-up
    # refuted at α = π/2); the sampled pairs and Monte Carlo can only veto it
    deciding = (
        ["exact"]
        if outcome == "verified"
        else (["sampled"] if outcome == "violated" and eq7 == "violated" and sym_ok else None)
    )
    return Evidence(
        outcome=outcome,
        deciding=deciding,
        margin=min(c.margin for c in r["certs"]),
        certificates=certs,
        instance={"n": n, "pairs": pairs, "mc_samples": mc_samples},
        details={
            "symbolic": proof,
            "mc_max_z": r["mc_max_z"],
            "mc_compared": r["mc_compared"],
            "followup_failures": f"{r['followup_failures']}/{r['followup_checked']}",
            "followup_max_gap": r["followup_max_gap"],
            "sigma_gaussian": r["sigma_gaussian"],
        },
        message=(
            f"eq. (7) holds (symbolic for N(0, I); closed form and empirical measures, worst "
            f"violation {max(c.max_energy for c in r['certs']):.2e} ≤ 0); follow-up "
            f"inequality false at {r['followup_failures']}/{r['followup_checked']} pairs "
            f"(N(0, I), α = π/2: gap {proof['followup_gap_at_pi_over_2']}); small-angle claim "
            f"false at α = 0 (gap {proof['small_angle_gap_at_0']})"
        ),
    )


@negative_control("bf16.prop2.3.kernel-bounds")
def prop23_control(seed: int, n: int, pairs: int, mc_samples: int, mc_z: float) -> Evidence:
    """Hypothesis broken: w₁ is not a unit vector (‖w₁‖ = 3). Eq. (7)'s upper bound, which uses
    unit rows, must then be reported violated."""
    r = _prop23(seed, n, pairs, mc_samples, 3.0)
    failed = [c for c in r["certs"] if c.outcome == "fails"]
    # a pair where eq. (7) fails by more than the rounding allowance is a counterexample
    return Evidence(
        control_outcome(conclusion_fails=bool(failed)),
        certificates=r["certs"],
        message=(
            f"with ‖w₁‖ = 3, eq. (7) fails on {len(failed)}/{len(r['certs'])} measures "
            f"(worst violation {max(c.max_energy for c in r['certs']):.3g})"
        ),
    )
