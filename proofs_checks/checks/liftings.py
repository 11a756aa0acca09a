"""Checks of the liftings and the layer-cake identity (exact, sympy).

Claims: ``identity.layer-cake``, ``lift.multilinear``, ``lift.quadratic``, ``lift.feature-map``.
Each instance draws random *rational* data from its seed and proves the identity exactly on it
(no floating point is involved in the verdict); each negative control runs the same check on a
statement that is wrong (the talk's typo'd layer-cake formula, the action without the inverse,
a wrong dimension formula) and must report it false.
"""

from __future__ import annotations

import random
from fractions import Fraction
from functools import lru_cache
from math import comb, prod
from typing import Any

import sympy as sp
from sublevel.proofs_checks.evidence import Evidence, control_outcome
from sublevel.proofs_checks.registry import check, negative_control
from sublevel.theory.liftings import feature_map as fmap
from sublevel.theory.liftings import multilinear as ml
from sublevel.theory.liftings import quadratic as quad
from sympy.polys.matrices import DomainMatrix

# ---------------------------------------------------------------------------- helpers


def _rational(rng: random.Random, scale: int = 9) -> sp.Rational:
    return sp.Rational(rng.randint(-scale, scale), rng.randint(1, 4))


def _rational_matrix(rng: random.Random, rows: int, cols: int, scale: int = 9) -> sp.Matrix:
    return sp.Matrix(rows, cols, lambda i, j: _rational(rng, scale))


def _invertible(rng: random.Random, n: int) -> sp.Matrix:
    while True:
        U = sp.Matrix(n, n, lambda i, j: rng.randint(-4, 4))
        if U.det() != 0:
            return U


def _outcome(ok: bool) -> str:
    return "verified" if ok else "violated"


# ---------------------------------------------------------------------------- layer cake

_u = sp.Symbol("u", real=True)


def _layer_cake(E: sp.Expr, *, talk_typo: bool = False) -> sp.Expr:
    """∫_0^∞ 1{E > u} du, or the talk's ∫_0^∞ 1{θ ∈ Ω_u} du = ∫_0^∞ 1{E ≤ u} du."""
    indicator = (
        sp.Piecewise((1, _u >= E), (0, True)) if talk_typo else sp.Piecewise((1, _u < E), (0, True))
    )
    return sp.integrate(indicator, (_u, 0, sp.oo))


def _quadratic_energies(rng: random.Random, n_points: int) -> list[sp.Rational]:
    """E(θ) = ‖Aθ − b‖² + c at random rational θ (exact, ≥ 0; c = 0 gives a zero sometimes)."""
    d = rng.randint(1, 3)
    A = _rational_matrix(rng, d, d)
    b = _rational_matrix(rng, d, 1)
    c = sp.Rational(rng.randint(0, 5), rng.randint(1, 3))
    out = []
    for _ in range(n_points):
        theta = _rational_matrix(rng, d, 1)
        r = A * theta - b
        out.append((r.T * r)[0, 0] + c)
    return out


@check("identity.layer-cake", instances=12, n_points=4)
def layer_cake(seed: int, n_points: int) -> Evidence:
    """E(θ) = ∫_0^∞ 1{E(θ) > u} du, exactly, at random points of a random quadratic energy,
    and symbolically for E a positive symbol."""
    rng = random.Random(seed)
    energies = _quadratic_energies(rng, n_points)
    results = [(E, _layer_cake(E)) for E in energies]
    symbolic = _symbolic_layer_cake()
    ok = symbolic and all(sp.simplify(val - E) == 0 for E, val in results)
    return Evidence(
        outcome=_outcome(ok),
        methods=["exact"],
        instance={"energies": [str(E) for E in energies]},
        details={"integrals": [str(v) for _, v in results], "symbolic_proof": symbolic},
        message="∫_0^∞ 1{E > u} du = E at every point" if ok else "layer-cake identity failed",
    )


@lru_cache(maxsize=1)
def _symbolic_layer_cake() -> bool:
    E = sp.Symbol("E", positive=True)
    return sp.simplify(_layer_cake(E) - E) == 0


@negative_control("identity.layer-cake")
def layer_cake_typo(seed: int, n_points: int) -> Evidence:
    """The talk's formula ∫_0^∞ 1(θ ∈ Ω_u) du (infinite) and the identity for E < 0 (broken
    hypothesis E ≥ 0) must both be reported false."""
    rng = random.Random(seed)
    energies = _quadratic_energies(rng, n_points)
    typo = [_layer_cake(E, talk_typo=True) for E in energies]
    negative_E = -(energies[0] + 1)
    broken = _layer_cake(negative_E)
    typo_false = all(v != E for v, E in zip(typo, energies))
    broken_false = broken != negative_E
    detected = typo_false and broken_false
    return Evidence(
        outcome=control_outcome(conclusion_fails=detected),
        methods=["exact"],
        instance={"energies": [str(E) for E in energies], "negative_energy": str(negative_E)},
        details={
            "talk_formula_values": [str(v) for v in typo],
            "value_for_negative_E": str(broken),
        },
        message=(
            f"talk's ∫1(θ∈Ω_u)du = {typo[0]} ≠ E = {energies[0]}; for E = {negative_E} < 0 the "
            f"integral is {broken}"
        ),
    )


# ---------------------------------------------------------------------------- multilinear


def _multilinear_instance(rng: random.Random, max_depth: int, max_width: int) -> dict[str, Any]:
    K = rng.randint(2, max_depth)
    widths = [rng.randint(1, max_width) for _ in range(K + 1)]
    weights = [_rational_matrix(rng, widths[k + 1], widths[k]) for k in range(K)]
    while any(W.is_zero_matrix for W in weights):
        weights = [_rational_matrix(rng, widths[k + 1], widths[k]) for k in range(K)]
    gauges = [_invertible(rng, widths[k]) for k in range(1, K)]
    L = widths[0] + 2
    X = _rational_matrix(rng, L, widths[0])
    Y = _rational_matrix(rng, L, widths[-1])
    return {"K": K, "widths": widths, "weights": weights, "gauges": gauges, "X": X, "Y": Y}


@lru_cache(maxsize=16)
def _symbolic_invariance(K: int) -> bool:
    return ml.prove_invariance_symbolic_dims(K)


@lru_cache(maxsize=32)
def _symbolic_hessian(n: int, m: int, L: int) -> bool:
    return ml.prove_hessian_is_kronecker(n, m, L) and ml.prove_psd_as_sum_of_squares(n, m, L)


def _deep_loss(weights: list[sp.Matrix], X: sp.Matrix, Y: sp.Matrix) -> sp.Expr:
    """(1/L) Σ_l ‖W_K(⋯(W_1 x_l)) − y_l‖², layer by layer (no product formed)."""
    Z = X.T
    for W in weights:
        Z = W * Z
    R = Z - Y.T
    return sp.expand(sum(e**2 for e in R) / X.shape[0])


@check("lift.multilinear", instances=12, max_depth=4, max_width=3)
def multilinear(seed: int, max_depth: int, max_width: int) -> Evidence:
    """On random rational layers, gauges and data: the loss factors through the product, the
    product is gauge invariant, ∇²F = 2Σ_X ⊗ I exactly and PSD; plus the symbolic proofs."""
    rng = random.Random(seed)
    inst = _multilinear_instance(rng, max_depth, max_width)
    weights, X, Y = inst["weights"], inst["X"], inst["Y"]
    n, m = inst["widths"][0], inst["widths"][-1]
    P = ml.product_map(weights)
    factors = _deep_loss(weights, X, Y) == ml.lifted_square_loss(P, X, Y)
    invariant = ml.prove_invariance(weights, inst["gauges"])
    Wsym = sp.Matrix(m, n, lambda i, j: sp.Symbol(f"W_{i}{j}"))
    H = ml.lifted_square_loss_hessian(Wsym, X, Y)
    kron = H == 2 * sp.kronecker_product(X.T * X / X.shape[0], sp.eye(m))
    psd = bool(H.is_positive_semidefinite)
    symbolic = _symbolic_invariance(inst["K"]) and _symbolic_hessian(min(n, 2), min(m, 2), 2)
    checks = {
        "loss_factors_through_product": factors,
        "gauge_invariance": invariant,
        "hessian_is_2_SigmaX_kron_I": kron,
        "hessian_psd": psd,
        "symbolic_proofs": symbolic,
    }
    ok = all(checks.values())
    return Evidence(
        outcome=_outcome(ok),
        methods=["exact"],
        instance={"K": inst["K"], "widths": inst["widths"], "L": X.shape[0]},
        details={k: bool(v) for k, v in checks.items()},
        message="all identities hold exactly"
        if ok
        else "failed: " + ", ".join(k for k, v in checks.items() if not v),
    )


@negative_control("lift.multilinear")
def multilinear_wrong_action(seed: int, max_depth: int, max_width: int) -> Evidence:
    """W_k → U_k W_k U_{k−1}ᵀ (transpose in place of inverse) must change the product."""
    rng = random.Random(seed)
    inst = _multilinear_instance(rng, max_depth, max(2, max_width))
    broken = not ml.prove_invariance(inst["weights"], inst["gauges"], inverse=False)
    symbolic_broken = not ml.prove_invariance_symbolic_dims(inst["K"], inverse=False)
    detected = broken and symbolic_broken
    return Evidence(
        outcome=control_outcome(conclusion_fails=detected),
        methods=["exact"],
        instance={"K": inst["K"], "widths": inst["widths"]},
        details={"numeric_product_changed": broken, "symbolic_product_changed": symbolic_broken},
        message="the transpose action changes the product (caught)"
        if detected
        else "the transpose action left this product unchanged",
    )


# ---------------------------------------------------------------------------- quadratic


@lru_cache(maxsize=32)
def _quadratic_symbolic(p: int, n: int) -> bool:
    return quad.prove_quadratic_identity(n) and quad.prove_output_identity(p, n)


def _quadratic_dimension_check(rng: random.Random, formula: Any) -> tuple[bool, dict[str, Any]]:
    N = rng.randint(2, 3)
    K = rng.randint(1, 2)
    seed = rng.randrange(2**31)
    rank = quad.deep_quadratic_span_dimension(N, K, seed=seed)
    expected = formula(N, K)
    outputs = quad.deep_quadratic_output(
        [[[rng.randint(-5, 5) for _ in range(N)] for _ in range(2)]]
        + [[[rng.randint(-5, 5) for _ in range(2)] for _ in range(2)]] * (K - 1),
        sp.symbols(f"x0:{N}"),
    )
    x = sp.symbols(f"x0:{N}")
    homogeneous = all(
        sp.Poly(o, *x).is_homogeneous and sp.Poly(o, *x).total_degree() in (0, 2**K)
        for o in outputs
    )
    return rank == expected and homogeneous, {
        "N": N,
        "K": K,
        "exact_rank": rank,
        "formula": expected,
        "homogeneous": homogeneous,
    }


@check("lift.quadratic", instances=12, max_n=4, max_p=5)
def quadratic(seed: int, max_n: int, max_p: int) -> Evidence:
    """(w·x)² = ⟨wwᵀ, xxᵀ⟩ and Σ u_k(w_k·x)² = xᵀAx exactly (random rationals and symbolic);
    the span of K-layer outputs has exact dimension C(N + 2^K − 1, 2^K)."""
    rng = random.Random(seed)
    n, p = rng.randint(1, max_n), rng.randint(1, max_p)
    W = _rational_matrix(rng, p, n)
    u = [_rational(rng) for _ in range(p)]
    x = [_rational(rng) for _ in range(n)]
    A = quad.lifted_parameter(u, W)
    xv = sp.Matrix(x)
    numeric = quad.quadratic_network_output(u, W, x) == (xv.T * A * xv)[0, 0] and A == A.T
    per_unit = all(
        (W[k, :] * xv)[0, 0] ** 2 == sum((W[k, :].T * W[k, :]).multiply_elementwise(xv * xv.T))
        for k in range(p)
    )
    symbolic = _quadratic_symbolic(min(p, 3), min(n, 3))
    dim_ok, dim = _quadratic_dimension_check(rng, quad.lifted_dimension)
    checks = {
        "output_identity": numeric,
        "unit_identity": per_unit,
        "symbolic_proofs": symbolic,
        "lifted_dimension": dim_ok,
    }
    ok = all(checks.values())
    return Evidence(
        outcome=_outcome(ok),
        methods=["exact"],
        instance={"n": n, "p": p, **{f"deep_{k}": v for k, v in dim.items()}},
        details={k: bool(v) for k, v in checks.items()},
        message="quadratic lifting exact"
        if ok
        else "failed: " + ", ".join(k for k, v in checks.items() if not v),
    )


@negative_control("lift.quadratic")
def quadratic_wrong_dimension(seed: int, max_n: int, max_p: int) -> Evidence:
    """A wrong dimension formula, C(N + 2^K, 2^K), must disagree with the exact rank."""
    rng = random.Random(seed)
    ok, dim = _quadratic_dimension_check(rng, lambda N, K: comb(N + 2**K, 2**K))
    return Evidence(
        outcome=control_outcome(conclusion_fails=not ok),
        methods=["exact"],
        instance={"N": dim["N"], "K": dim["K"]},
        details=dim,
        message=f"exact rank {dim['exact_rank']} ≠ wrong formula {dim['formula']} (caught)"
        if not ok
        else "the wrong formula matched",
    )


# ---------------------------------------------------------------------------- feature map


def _random_activation(rng: random.Random, max_degree: int) -> sp.Expr:
    z = sp.Symbol("z")
    while True:
        expr = sum(
            (_rational(rng) if rng.random() < 0.6 else 0) * z**j for j in range(max_degree + 1)
        )
        if sp.Poly(expr, z).degree() >= 1:
            return expr


def _horner(coeffs: list[Fraction], z: Fraction) -> Fraction:
    out = Fraction(0)
    for c in coeffs:
        out = out * z + c
    return out


def _exact_rank(rows: list[list[Any]]) -> int:
    mat = [
        [sp.QQ(v.numerator, v.denominator) if isinstance(v, Fraction) else sp.QQ(v) for v in r]
        for r in rows
    ]
    return int(DomainMatrix(mat, (len(mat), len(mat[0])), sp.QQ).rank())


@check("lift.feature-map", instances=12, max_degree=4, max_n=4)
def feature_map_check(seed: int, max_degree: int, max_n: int) -> Evidence:
    """⟨A(w), Ψ(x)⟩ = ρ(⟨w, x⟩) symbolically; exact rank q = closed form = rank of A at random
    points; q_emp on random rational data = rank of Ψ_X = rank of the evaluations
    ρ(⟨w_j, x_l⟩), ≤ min(L, q); non-polynomial activations have q = ∞."""
    rng = random.Random(seed)
    act = _random_activation(rng, max_degree)
    n = rng.randint(1, max_n)
    fm = fmap.feature_map(act, n)
    lifting = fm.verify()
    q = fmap.intrinsic_dimension(act, n)
    q_closed = fmap.intrinsic_dimension_closed_form(act, n)
    L = rng.randint(1, min(2 * q, 40))
    X = [[_rational(rng, 5) for _ in range(n)] for _ in range(L)]
    q_emp = fmap.empirical_intrinsic_dimension(act, X)
    # independent exact cross-checks at random integer points (generic with probability 1):
    # rank [A(w_j)]_j = q and rank [ρ(⟨w_j, x_l⟩)]_{l,j} = q_emp
    ws = [[rng.randint(-1000, 1000) for _ in range(n)] for _ in range(q + 3)]
    terms = [
        (Fraction(str(sp.Poly(a, *fm.w).coeffs()[0])), alpha)
        for a, alpha in zip(fm.A, fm.monomials)
    ]
    rank_A = _exact_rank(
        [[c * prod(wi**e for wi, e in zip(w, alpha)) for c, alpha in terms] for w in ws]
    )
    coeffs = [Fraction(str(c)) for c in sp.Poly(act, fm.variable).all_coeffs()]
    xs = [[Fraction(str(v)) for v in r] for r in X]
    evals = [
        [_horner(coeffs, sum((wi * xi for wi, xi in zip(w, x)), Fraction(0))) for w in ws]
        for x in xs
    ]
    rank_eval = _exact_rank(evals)
    nonpoly = all(fmap.intrinsic_dimension(a, n) == sp.oo for a in ("tanh(z)", "relu(z)", "exp(z)"))
    checks = {
        "lifting_identity": lifting,
        "rank_equals_closed_form": q == q_closed,
        "q_emp_le_min_L_q": q_emp <= min(L, q),
        "rank_of_A_at_random_points": rank_A == q,
        "q_emp_equals_rank_of_evaluations": q_emp == rank_eval,
        "non_polynomial_infinite": nonpoly,
    }
    ok = all(checks.values())
    return Evidence(
        outcome=_outcome(ok),
        methods=["exact"],
        instance={"activation": str(act), "n": n, "L": L, "q": int(q), "q_emp": q_emp},
        details={
            **{k: bool(v) for k, v in checks.items()},
            "closed_form": int(q_closed),
            "rank_A_random_points": rank_A,
            "rank_evaluations": rank_eval,
        },
        message=f"q = {q} = closed form; q_emp = {q_emp} ≤ min(L={L}, q)"
        if ok
        else "failed: " + ", ".join(k for k, v in checks.items() if not v),
    )


@negative_control("lift.feature-map")
def feature_map_wrong_formula(seed: int, max_degree: int, max_n: int) -> Evidence:
    """Counting only the top degree, C(n + k − 1, k), must disagree with the exact rank for an
    activation with several nonzero degrees."""
    rng = random.Random(seed)
    z = sp.Symbol("z")
    k = rng.randint(2, max(2, max_degree))
    act = z**k + _rational(rng, 3) * z ** rng.randint(0, k - 1) + 1
    n = rng.randint(1, max_n)
    q = fmap.intrinsic_dimension(act, n)
    wrong = comb(n + k - 1, k)
    return Evidence(
        outcome=control_outcome(conclusion_fails=q != wrong),
        methods=["exact"],
        instance={"activation": str(act), "n": n},
        details={"exact_rank": int(q), "wrong_formula": wrong},
        message=f"exact rank {q} ≠ top-degree-only formula {wrong} (caught)"
        if q != wrong
        else "the wrong formula matched",
    )
