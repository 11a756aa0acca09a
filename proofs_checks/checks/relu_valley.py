"""Check of VBB Theorem 13 (papers.md §4.5(a), C12): the explicit ReLU spurious valley.

``vbb.thm13.relu-valley`` is decided in exact arithmetic: the population risk of the
two-branch Gaussian mixture and its gradient in closed form (arc-cosine kernel,
:mod:`sublevel.numerics.kernels`), the straight path's quartic and its exact maximum
(:func:`sublevel.theory.exact.certify_polynomial`), and the V_p⁺ argument for the valley with its
premises decided on the instance. Monte Carlo, finite differences, a grid and gradient descent
are cross-checks that never decide. The negative control (isotropic data) must show θ_bad is
not stationary, exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp
from sublevel.numerics.energies.relu_valley import relu_valley
from sublevel.numerics.energies.two_layer_population import PopulationTwoLayer
from sublevel.proofs_checks.evidence import Evidence, control_outcome
from sublevel.proofs_checks.registry import check, negative_control
from sublevel.theory.certificate import Certificate

# ---------------------------------------------------------------------------- vbb.thm13.relu-valley


def _gradient_descent(
    land: Any, theta: np.ndarray, lr: float, steps: int
) -> tuple[np.ndarray, list[np.ndarray], list[float]]:
    path, energies = [theta], []
    for _ in range(steps):
        e, g = land.energy_and_grad(theta)
        energies.append(e)
        theta = theta - lr * g
        path.append(theta)
    energies.append(land.energy(theta))
    return theta, path, energies


def _one_sided_derivatives(land: Any, theta: np.ndarray, p: int, n: int, h: float) -> list[float]:
    """(E(θ ± h e) − E(θ))/h along the e_n-component of every row: the non-smooth directions."""
    e0 = land.energy(theta)
    out = []
    for i in range(p):
        for sign in (1.0, -1.0):
            d = np.zeros(land.dim)
            d[i * n + n - 1] = sign
            out.append((land.energy(theta + h * d) - e0) / h)
    return out


def _valley_instance(seed: int, n: int, max_n: int) -> tuple[Any, dict[str, Any]]:
    rng = np.random.default_rng(seed)
    n = n or int(rng.integers(3, max_n + 1))
    p = int(rng.integers(2, n))
    alpha = float(np.round(rng.uniform(1.0, 2.5), 3))
    beta = float(np.round(alpha + rng.uniform(0.5, 2.0), 3))
    return relu_valley(n, p, alpha, beta), {"n": n, "p": p, "alpha": alpha, "beta": beta}


def _straight_path_quartic(alpha: Any, beta: Any) -> list[Any]:
    """Coefficients (increasing degree, exact rationals) of the loss along θ_bad → θ_good:
    L(t) = ¼[((1−t)u(t) − α)² + (t·u(t) + β)²], u(t) = (1−t)α − tβ — only unit p moves, its
    row (1−t)e_p + t e_n; on branch 1 it outputs u(t)(1−t)ρ(G_p), on branch 2 u(t)·t·ρ(G_n)
    (positive homogeneity for t ∈ [0, 1]); every other unit fits branch 1 exactly."""
    t = sp.Symbol("t")
    u = (1 - t) * alpha - t * beta
    poly = sp.Poly(sp.expand((((1 - t) * u - alpha) ** 2 + (t * u + beta) ** 2) / 4), t)
    return list(reversed(poly.all_coeffs()))


def _valley_certificates(V: Any) -> tuple[list[Certificate], dict[str, Any]]:
    """The proof-grade part of VBB Thm 13 on one instance (papers.md §4.5(a)):

    1. L(θ_bad) = β²/4 and L(θ_good) = α²/4 exactly (arc-cosine closed forms, sympy);
    2. θ_bad is stationary: the closed-form gradient (ρ'(0) = 0) is exactly 0 and every
       one-sided derivative where a pre-activation vanishes on a branch is ≥ 0 (exactly);
    3. the straight path's loss is the quartic of :func:`_straight_path_quartic` (it agrees
       with the exact risk at 6 rational t, and is a polynomial of degree ≤ 4 on [0, 1]), whose
       maximum (α² + β²)/4 at t = α/(α + β) is certified by exact root isolation;
    4. the valley (V_p⁺ argument): the premises are decided exactly on the instance — the
       branch-2 target is ≤ 0; θ_bad has u > 0 and θ_good some u < 0; with u ≥ 0 the branch-2
       prediction is ≥ 0, so L ≥ π₂E[Y₂²] = L(θ_bad); at the first exit from {u ≥ 0} some
       u_i = 0, so ≤ p − 1 units fit branch 1, whose target kinks on p distinct hyperplanes:
       the branch-1 error is > 0 and L > L(θ_bad). Every path θ_bad → θ_good therefore rises
       above L(θ_bad) (a bounded certificate: an analytic inequality with exact constants;
       the strict excess is not quantified)."""
    from fractions import Fraction

    from sublevel.numerics import kernels as K
    from sublevel.theory.exact import certify_polynomial

    land = V.landscape
    W, U = land.unflatten(V.theta_bad)
    Wg, Ug = land.unflatten(V.theta_good)
    args = (land.Wt, land.Ut, land.mixture)
    a, b = Fraction(V.alpha), Fraction(V.beta)
    qa, qb = sp.Rational(a.numerator, a.denominator), sp.Rational(b.numerator, b.denominator)
    # 1. closed-form energies
    e_bad = K.relu_mixture_risk_exact(W, U, *args)
    e_good = K.relu_mixture_risk_exact(Wg, Ug, *args)
    energies_ok = sp.simplify(e_bad - qb**2 / 4) == 0 and sp.simplify(e_good - qa**2 / 4) == 0
    energies = Certificate(
        bool(energies_ok),
        float(e_bad),
        0.0,
        float(qb**2 / 4),
        "exact",
        margin=0.0,
        label="L(θ_bad) = β²/4, L(θ_good) = α²/4 (closed form)",
        details={"L_bad": str(e_bad), "L_good": str(e_good)},
    )
    # 2. stationarity
    gW, gU = K.relu_mixture_gradient_exact(W, U, *args)
    zero = all(x == 0 for row in gW + gU for x in row)
    sided = K.relu_mixture_one_sided_exact(W, U, *args)
    sided_ok = all(d["decided"] and all(v >= 0 for v in d["derivatives"].values()) for d in sided)
    worst_side = min(
        (v for d in sided if d["decided"] for v in d["derivatives"].values()), default=sp.Integer(0)
    )
    stationary = Certificate(
        bool(zero and sided_ok),
        0.0,
        0.0,
        0.0,
        "exact",
        margin=float(worst_side) if zero and sided_ok else -1.0,
        label="θ_bad stationary: ∇L = 0 (ρ'(0) = 0), one-sided derivatives "
        "≥ 0 (closed form, exact)",
        details={
            "gradient_W": [[str(x) for x in r] for r in gW],
            "gradient_U": [[str(x) for x in r] for r in gU],
            "one_sided": [
                {**d, "derivatives": {k: str(v) for k, v in d.get("derivatives", {}).items()}}
                for d in sided
            ],
        },
    )
    # 3. the straight path: exact quartic, exact maximum
    coeffs = _straight_path_quartic(qa, qb)
    t_nodes = [sp.Rational(k, 5) for k in range(6)]
    agree = True

    def exact(M: np.ndarray) -> np.ndarray:
        return np.array(
            [[sp.Rational(*Fraction(float(v)).as_integer_ratio()) for v in row] for row in M],
            dtype=object,
        )

    Wq, Uq, Wgq, Ugq = exact(W), exact(U), exact(Wg), exact(Ug)
    for tk in t_nodes:  # the exact point θ_bad + t(θ_good − θ_bad) at rational t
        exact_t = K.relu_mixture_risk_exact(Wq + tk * (Wgq - Wq), Uq + tk * (Ugq - Uq), *args)
        agree &= sp.simplify(exact_t - sum(c * tk**k for k, c in enumerate(coeffs))) == 0
    top = (a * a + b * b) / 4
    t_star = a / (a + b)
    fc = [Fraction(int(c.p), int(c.q)) for c in coeffs]
    value_at_star = sum(c * t_star**k for k, c in enumerate(fc))
    quartic = certify_polynomial(
        fc,
        top,
        label="straight path θ_bad → θ_good ≤ (α² + β²)/4",
        promise="maximum (α² + β²)/4 at t = α/(α + β)",
    )
    path_ok = bool(agree and quartic.holds and value_at_star == top and top > b * b / 4)
    path_cert = Certificate(
        path_ok,
        float(top),
        float(t_star),
        float(top),
        "exact",
        margin=0.0,
        label="straight path: max L = (α² + β²)/4 at t = α/(α + β), above L(θ_bad) = β²/4",
        details={
            "coefficients": [str(c) for c in coeffs],
            "agrees_with_exact_risk_at": [str(x) for x in t_nodes],
            "value_at_t_star": str(value_at_star),
            "exact_maximum_certificate": quartic.to_dict(),
            "barrier_over_L_bad": float(top - b * b / 4),
        },
    )
    # 4. the valley: premises decided exactly on the instance
    (w1, C1), (w2, C2) = land.mixture
    n, p = V.n, V.p
    eye = np.eye(n)
    mixture_ok = (
        w1 == 0.5
        and w2 == 0.5
        and np.array_equal(C1, eye[:, : n - 1])
        and np.array_equal(C2, eye[:, n - 1 :])
    )
    b2 = land.Wt[:, -1]  # teacher pre-activations on branch 2 (X = G e_n)
    c_plus = float(np.sum(land.Ut[0] * np.where(b2 > 0, b2, 0.0)))
    c_minus = float(np.sum(land.Ut[0] * np.where(b2 < 0, -b2, 0.0)))
    target2_nonpositive = c_plus <= 0 and c_minus <= 0
    low = Fraction(1, 2) * (Fraction(c_plus) ** 2 + Fraction(c_minus) ** 2) / 2  # π₂ E[Y₂²]
    B1 = land.Wt[:, : n - 1]
    kinks = [i for i in range(B1.shape[0]) if np.any(B1[i] != 0) and land.Ut[0, i] != 0]
    distinct = all(
        np.linalg.matrix_rank(np.vstack([B1[i], B1[j]])) == 2 for i in kinks for j in kinks if i < j
    )
    u_bad_positive = bool(np.all(U > 0))
    u_good_negative = bool(np.any(Ug < 0))
    floor_is_bad = sp.simplify(e_bad - sp.Rational(low.numerator, low.denominator)) == 0
    premises = {
        "mixture_two_branches": bool(mixture_ok),
        "branch2_target_nonpositive": bool(target2_nonpositive),
        "L_bad_equals_floor_pi2_E_Y2": bool(floor_is_bad),
        "branch1_target_kinks": len(kinks),
        "branch1_kinks_distinct": bool(distinct),
        "more_kinks_than_p_minus_1": len(kinks) > p - 1,
        "u_bad_positive": u_bad_positive,
        "u_good_has_negative": u_good_negative,
        "L_good_below_L_bad": bool(qa**2 < qb**2),
    }
    valley_ok = all(v for k, v in premises.items() if k != "branch1_target_kinks")
    valley = Certificate(
        bool(valley_ok),
        float(e_bad),
        0.0,
        float(low),
        "bounded",
        margin=0.0,
        label="every path θ_bad → θ_good rises above L(θ_bad) (V_p⁺ argument: "
        "u ≥ 0 ⇒ L ≥ π₂E[Y₂²] = L(θ_bad), strict at the exit u_i = 0)",
        promise="spurious valley at level L(θ_bad)",
        details={**premises, "floor": str(low), "strict_excess": "positive, not quantified"},
    )
    certs = [energies, stationary, path_cert, valley]
    facts = {
        "L_bad": str(e_bad),
        "L_good": str(e_good),
        "path_max": str(top),
        "path_argmax_t": str(t_star),
        "barrier": float(top - b * b / 4),
        **premises,
    }
    return certs, facts


@check(
    "vbb.thm13.relu-valley",
    instances=6,
    n=0,
    max_n=6,
    mc_samples=20000,
    gd_steps=100,
    lr=0.05,
    n_grid=201,
)
def relu_valley_check(
    seed: int, n: int, max_n: int, mc_samples: int, gd_steps: int, lr: float, n_grid: int
) -> Evidence:
    """VBB Thm 13 (§4.5(a)), decided by closed forms in exact arithmetic
    (:func:`_valley_certificates`): L(θ_bad) = β²/4, L(θ_good) = α²/4; θ_bad stationary
    (closed-form gradient exactly 0, one-sided derivatives ≥ 0); the straight path's exact
    maximum (α² + β²)/4 at t = α/(α + β) (13/4 at t = 2/5 for α = 2, β = 3; the thesis' 3.24 is
    its Monte-Carlo figure); the valley by the V_p⁺ argument with its premises decided on the
    instance. Cross-checks that do not decide: the float energies, Monte Carlo within 4
    standard errors, finite one-sided differences, a grid on the straight path, gradient descent
    started in V_p⁺ staying in V_p⁺ above β²/4."""
    V, info = _valley_instance(seed, n, max_n)
    land = V.landscape
    certs, facts = _valley_certificates(V)
    rng = np.random.default_rng(seed + 1)
    e_bad, e_good = land.energy(V.theta_bad), land.energy(V.theta_good)
    mc_bad = land.monte_carlo(V.theta_bad, mc_samples, seed=seed)
    mc_good = land.monte_carlo(V.theta_good, mc_samples, seed=seed + 7)
    grad = float(np.linalg.norm(land.grad(V.theta_bad)))
    one_sided = _one_sided_derivatives(land, V.theta_bad, V.p, V.n, 1e-7)
    ts = np.linspace(0.0, 1.0, n_grid)
    es = land.energies(V.theta_bad[None] + ts[:, None] * (V.theta_good - V.theta_bad)[None])
    i = int(np.argmax(es))
    W, U = land.unflatten(V.theta_bad)
    W2 = W + 0.05 * rng.normal(size=W.shape)
    W2[:, -1] = 0.0
    U2 = U * np.exp(0.05 * rng.normal(size=U.shape))
    end, path, energies = _gradient_descent(land, land.flatten(W2, U2), lr, gd_steps)
    cross = {
        "float_closed_form_bad": abs(e_bad - V.energy_bad) <= 1e-12 * max(1.0, V.energy_bad),
        "float_closed_form_good": abs(e_good - V.energy_good) <= 1e-12 * max(1.0, V.energy_good),
        "monte_carlo_bad": abs(mc_bad[0] - e_bad) <= 4 * mc_bad[1],
        "monte_carlo_good": abs(mc_good[0] - e_good) <= 4 * mc_good[1],
        "float_gradient_zero": grad <= 1e-12,
        "finite_difference_one_sided_nonnegative": min(one_sided) >= -1e-6,
        "grid_path_max_below_exact_max": float(es[i])
        <= float(certs[2].max_energy) + 1e-12 * max(1.0, float(es[i])),
        "gd_stays_in_valley": all(V.in_valley(t) for t in path),
        "gd_stays_above_bad_level": min(energies) >= V.energy_bad - 1e-12 * max(1.0, V.energy_bad),
    }
    grid = Certificate(
        holds=False,
        max_energy=float(es[i]),
        argmax_t=float(ts[i]),
        bound=e_bad,
        method="sampled",
        label="straight path θ_bad → θ_good on a grid",
        promise="rises above L(θ_bad) (a witness point, a cross-check)",
        n_evaluations=int(n_grid),
    )
    proven = all(c.holds for c in certs)
    failed_proofs = [c.label for c in certs if not c.holds]
    failed_cross = [k for k, v in cross.items() if not v]
    outcome = (
        "verified"
        if proven and not failed_cross
        else ("violated" if failed_proofs else "inconclusive")
    )
    return Evidence(
        outcome=outcome,
        margin=facts["barrier"],
        certificates=certs + [grid],
        instance=info,
        details={
            **facts,
            "cross_checks": cross,
            "monte_carlo_bad": mc_bad,
            "monte_carlo_good": mc_good,
            "float_grad_norm_bad": grad,
            "finite_difference_one_sided_min": min(one_sided),
            "grid_max": float(es[i]),
            "grid_argmax_t": float(ts[i]),
            "gd_final_energy": energies[-1],
            "gd_final_in_valley": V.in_valley(end),
        },
        message=(
            f"exact: L(θ_bad) = β²/4 = {V.energy_bad:.6g}, L(θ_good) = α²/4 = "
            f"{V.energy_good:.6g}; ∇L(θ_bad) = 0 and one-sided derivatives ≥ 0; straight "
            f"path max (α² + β²)/4 = {float(certs[2].max_energy):.6g} at t = α/(α + β) = "
            f"{float(certs[2].argmax_t):.4f}; every path to θ_good leaves {{u ≥ 0}} above "
            f"L(θ_bad) (V_p⁺ argument, premises exact); cross-checks (Monte Carlo, finite "
            f"differences, grid, GD) agree"
            if outcome == "verified"
            else "failed: " + ", ".join(failed_proofs + failed_cross)
        ),
        methods=["monte-carlo", "optimisation"],
        deciding=sorted({c.method for c in certs}) if outcome != "inconclusive" else None,
    )


@negative_control("vbb.thm13.relu-valley")
def relu_valley_isotropic(
    seed: int, n: int, max_n: int, mc_samples: int, gd_steps: int, lr: float, n_grid: int
) -> Evidence:
    """Break the data hypothesis: X ~ N(0, I_n) instead of the two-branch mixture. The
    conclusion 'θ_bad is stationary' must fail: the closed-form gradient at θ_bad is decided
    non-zero exactly (gradient descent is reported as a cross-check)."""
    from sublevel.numerics import kernels as K

    V, info = _valley_instance(seed, n, max_n)
    land = PopulationTwoLayer("relu", V.n, V.p, teacher_W=V.landscape.Wt, teacher_U=V.landscape.Ut)
    W, U = land.unflatten(V.theta_bad)
    gW, gU = K.relu_mixture_gradient_exact(W, U, land.Wt, land.Ut, land.mixture)
    nonzero = [str(x) for row in gW + gU for x in row if x != 0]
    grad = float(np.linalg.norm(land.grad(V.theta_bad)))
    end, _, energies = _gradient_descent(land, V.theta_bad, lr, gd_steps)
    cert = Certificate(
        not nonzero,
        0.0,
        0.0,
        0.0,
        "exact",
        margin=0.0 if not nonzero else -max(abs(float(x)) for row in gW + gU for x in row),
        label="θ_bad stationary under isotropic data: ∇L = 0 (closed form, exact)",
        details={"nonzero_gradient_entries": nonzero[:8]},
    )
    shown = bool(nonzero)
    return Evidence(
        outcome=control_outcome(conclusion_fails=shown),
        instance=info,
        certificates=[cert],
        methods=["optimisation"],
        details={
            "float_grad_norm_bad": grad,
            "energy_bad": land.energy(V.theta_bad),
            "gd_final_energy": energies[-1],
        },
        message=(
            f"isotropic data: ∇L(θ_bad) ≠ 0 exactly ({len(nonzero)} non-zero "
            f"entries, e.g. {nonzero[0]}); θ_bad is not stationary; GD goes "
            f"from {energies[0]:.4g} to {energies[-1]:.4g}"
            if shown
            else "not detected: θ_bad stayed stationary"
        ),
    )
