"""sublevel.numerics.paths.linear_exact: the proof's path of BF'16 Prop. 2.2 in exact rationals —
identities that hold exactly (constant pieces, products, E*), decisions with τ = 0, and oracles
(independent Fraction arithmetic, sympy root isolation)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from flint import fmpq
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.paths.base import CONSTANT, LE_MAX_ENDPOINTS, NON_INCREASING
from sublevel.numerics.paths.exact_linalg import enclosure, qmat
from sublevel.numerics.paths.linear_exact import (
    ExactMoments,
    _full_product,
    _max_on_unit,
    certify_exact_path,
    connect_exact,
    descend_exact,
    exact_energy_polynomial,
)
from sublevel.numerics.strategies import linear_widths, seeds
from sublevel.theory.errors import HypothesisError, InputError

from tests.numerics.paths.linear_instances import (
    DATA_KINDS,
    DEGENERATE_B,
    DESCENT_KINDS,
    DESCENT_WIDTHS,
    linear_instance,
    random_weights,
)


def _fraction_energy(weights, X, Y, t=None, other=None) -> Fraction:
    """Oracle: (1/L) Σ_l ‖W_K⋯W_1 x_l − y_l‖² in Python Fractions (independent of FLINT), at
    the point (1 − t)·weights + t·other when t is given."""

    def fm(A):
        return [[Fraction(float(v)) for v in row] for row in np.atleast_2d(A)]

    def mul(A, B):
        return [
            [sum((A[i][k] * B[k][j] for k in range(len(B))), Fraction(0)) for j in range(len(B[0]))]
            for i in range(len(A))
        ]

    mats = [fm(W) for W in weights]
    if t is not None:
        mats = [
            [[(1 - t) * a + t * b for a, b in zip(ra, rb)] for ra, rb in zip(A, fm(B))]
            for A, B in zip(mats, other)
        ]
    Z = [list(col) for col in zip(*fm(X))]  # n × L
    for W in mats:
        Z = mul(W, Z)
    Yt = [list(col) for col in zip(*fm(Y))]
    total = sum(((z - y) ** 2 for rz, ry in zip(Z, Yt) for z, y in zip(rz, ry)), Fraction(0))
    return total / len(X)


def _to_float_mats(mats):
    return [
        np.array([[float(Fraction(int(v.p), int(v.q))) for v in row] for row in M.table()])
        for M in mats
    ]


def _frac(q: fmpq) -> Fraction:
    return Fraction(int(q.p), int(q.q))


@settings(max_examples=25, deadline=None)
@given(
    w=linear_widths(satisfying=True, min_layers=2, max_layers=4, max_width=6),
    seed=seeds(),
    kind=DATA_KINDS,
    deg_a=st.sampled_from([None, "zero-column", "zero-layer", "exact-rank-one"]),
    deg_b=DEGENERATE_B,
)
def test_exact_path_is_decided_with_tau_zero(w, seed, kind, deg_a, deg_b):
    """Every piece's bound and promise certificate holds exactly with τ = 0, margins ≥ 0;
    constant pieces are exactly constant (degree 0); consecutive pieces meet exactly (same
    product, same energy); the path starts at P_A and ends at P_B."""
    X, Y, (wa, wb) = linear_instance(seed, w, kind, (deg_a, deg_b))
    path = connect_exact(wa, wb, X, Y)
    bounds, promises = certify_exact_path(path)
    assert all(c.holds and c.method == "exact" and c.margin >= 0 for c in bounds + promises)
    assert all(c.tolerances == {"tau": 0.0} and c.holds_within == 0.0 for c in bounds)
    for piece in path.pieces:
        coeffs = exact_energy_polynomial(path.moments, piece.a, piece.b)
        if piece.promise == CONSTANT:
            assert len(coeffs) == 1, piece.label
        else:
            assert piece.promise == LE_MAX_ENDPOINTS and len(coeffs) <= 3
    products = [(_full_product(p.a), _full_product(p.b)) for p in path.pieces]
    assert products[0][0] == _full_product([qmat(W) for W in wa])
    assert products[-1][1] == _full_product([qmat(W) for W in wb])
    for (_, end), (start, _) in zip(products, products[1:]):
        assert end == start
    ea, eb = path.details["E_A"], path.details["E_B"]
    assert _frac(ea) == _fraction_energy(wa, X, Y) and _frac(eb) == _fraction_energy(wb, X, Y)


def test_default_instances_pieces_constant_exactly_where_the_float_path_drifts():
    """The issue's measurement: on default-like instances the float reference polynomials of
    the constant pieces drift by 1e-17…1e-15; the exact ones are identically constant and the
    whole path stays ≤ max(E_A, E_B) exactly, with τ = 0."""
    from sublevel.numerics.energies.linear import DeepLinear, flatten
    from sublevel.numerics.paths.linear import connect

    drift = []
    for seed in range(6):
        X, Y, (wa, wb) = linear_instance(seed, [4, 6, 6, 4])
        E = DeepLinear([4, 6, 6, 4], X, Y)
        for piece in connect(wa, wb, X, Y).pieces:
            if piece.promise == CONSTANT:
                ref = piece.info["reference"]
                land = DeepLinear(ref["widths"], X, Y)
                poly = land.energy_polynomial(flatten(ref["a"]), flatten(ref["b"]))
                drift.append(float(np.max(np.abs(poly[1:]))))
        path = connect_exact(wa, wb, X, Y)
        bounds, promises = certify_exact_path(path)
        assert all(c.holds and c.margin >= 0 for c in bounds + promises)
        assert float(path.details["bound"]) == pytest.approx(
            max(E.energy(flatten(wa)), E.energy(flatten(wb))), rel=1e-12
        )
    assert max(drift) > 0  # the float construction does not keep the identity exactly


@pytest.mark.parametrize("seed", range(4))
def test_energy_polynomial_matches_the_fraction_oracle(seed):
    rng = np.random.default_rng(seed)
    w = [2, 3, 4, 2]
    X, Y = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    a, b = random_weights(rng, w), random_weights(rng, w)
    b[1] = a[1].copy()  # a layer that does not move adds no degree
    coeffs = exact_energy_polynomial(
        ExactMoments.from_data(X, Y), [qmat(W) for W in a], [qmat(W) for W in b]
    )
    assert len(coeffs) == 5
    for t in (Fraction(0), Fraction(1, 3), Fraction(5, 7), Fraction(1)):
        value = sum((_frac(c) * t**k for k, c in enumerate(coeffs)), Fraction(0))
        assert value == _fraction_energy(a, X, Y, t, b)


@settings(max_examples=20, deadline=None)
@given(
    w=DESCENT_WIDTHS,
    seed=seeds(),
    deg=st.sampled_from([None, "zero-column", "zero-layer", "exact-rank-one"]),
    kind=DESCENT_KINDS,
)
def test_exact_descent_reaches_the_least_squares_optimum(w, seed, deg, kind):
    """E′ ≤ 0 exactly on the descent, constant steps before it, E(1) = F(P*) exactly with
    P*Σ_X = Σ_YX exactly; strictly decreasing unless θ is already optimal; the float closed
    form agrees."""
    from sublevel.numerics.energies.linear import DeepLinear

    X, Y, (ws,) = linear_instance(seed, w, kind, (deg,))
    path = descend_exact(ws, X, Y)
    bounds, promises = certify_exact_path(path)
    assert all(c.holds and c.margin >= 0 for c in bounds + promises)
    assert [p.promise for p in path.pieces][-1] == NON_INCREASING
    assert all(p.promise == CONSTANT for p in path.pieces[:-1])
    last = promises[-1]
    e_star = path.details["E_star"]
    assert last.details["E_end"] == str(e_star)
    mom = path.moments
    P = mom.least_squares()
    assert P * mom.sigma_x == mom.sigma_xy.transpose()
    assert last.details["strictly_decreasing"] == (path.details["E_A"] > e_star)
    e_float = DeepLinear(w, X, Y).global_minimum()
    assert float(_frac(e_star)) == pytest.approx(e_float, rel=1e-8, abs=1e-10)


def test_a_bound_below_the_path_fails_exactly():
    X, Y, (wa, wb) = linear_instance(1, [2, 3, 2])
    path = connect_exact(wa, wb, X, Y)
    bound = path.details["bound"]
    bounds, _ = certify_exact_path(path, bound - fmpq(1, 10**30))
    assert not all(c.holds for c in bounds)
    assert all(c.margin < 0 for c in bounds if not c.holds)
    assert all(c.outcome == "fails" for c in bounds if not c.holds)


@settings(max_examples=60, deadline=None)
@given(
    coeffs=st.lists(
        st.fractions(min_value=-50, max_value=50, max_denominator=1000), min_size=1, max_size=6
    )
)
def test_max_on_unit_against_sympy(coeffs):
    """Oracle: the maximum on [0, 1] (structural for degree ≤ 2) agrees with sympy's exact
    maximum over the endpoints and the real critical points."""
    import sympy as sp

    while len(coeffs) > 1 and coeffs[-1] == 0:
        coeffs.pop()
    t = sp.Symbol("t")
    p = sum(sp.Rational(c.numerator, c.denominator) * t**k for k, c in enumerate(coeffs))
    crit = [r for r in sp.Poly(p, t).diff(t).real_roots() if 0 <= r <= 1] if len(coeffs) > 2 else []
    truth = max([p.subs(t, 0), p.subs(t, 1)] + [p.subs(t, r) for r in crit])
    value, arg, _how = _max_on_unit([fmpq(c.numerator, c.denominator) for c in coeffs])
    got = sp.Rational(int(value.p), int(value.q))
    if len(coeffs) <= 3:
        assert got == truth
    else:  # interior maxima of higher degree are reported from root isolation (float argmax)
        assert abs(float(got - truth)) <= 1e-9 * max(1.0, abs(float(truth)))


def test_enclosure_brackets_the_rational():
    for q in (fmpq(1, 3), fmpq(-2, 7), fmpq(5), fmpq(1, 2**60 + 1)):
        lo, hi = enclosure(q)
        assert Fraction(lo) <= _frac(q) <= Fraction(hi) and lo <= hi
    assert enclosure(fmpq(1, 4)) == (0.25, 0.25)


def test_bad_input_and_the_registry_s_refusal():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    with pytest.raises(HypothesisError) as info:
        connect_exact(random_weights(rng, [3, 3, 3]), random_weights(rng, [3, 3, 3]), X, Y)
    assert info.value.alternative == "bf16.linear.square-boundary"
    with pytest.raises(InputError, match="weights_b have widths"):
        connect_exact(random_weights(rng, [3, 4, 3]), random_weights(rng, [3, 5, 3]), X, Y)
    with pytest.raises(InputError, match="non-finite"):
        qmat(np.array([[1.0, np.nan]]))
    with pytest.raises(InputError, match="X has 2 columns"):
        descend_exact(random_weights(rng, [3, 4, 3]), X[:, :2], Y)
