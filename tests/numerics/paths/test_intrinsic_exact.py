"""Constructions A and B in exact arithmetic (sublevel.numerics.paths.intrinsic_exact) and the
formal-feature / ball path for tanh (sublevel.numerics.paths.intrinsic_ball): τ = 0 decisions, exact
constancy, Fraction oracles for the exact energy, and the three claims' default instances."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from flint import fmpq, fmpq_mat
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer
from sublevel.numerics.energies.two_layer_population import PopulationTwoLayer
from sublevel.numerics.paths.base import CONSTANT, NON_INCREASING
from sublevel.numerics.paths.exact_linalg import qmat
from sublevel.numerics.paths.intrinsic_ball import ball_construction_a
from sublevel.numerics.paths.intrinsic_exact import (
    certified_exact,
    certify_exact_construction,
    exact_construction_a,
    exact_construction_b,
)
from sublevel.numerics.paths.intrinsic_exact_model import (
    ExactUnavailable,
    exact_energy_polynomial,
    exact_model,
)
from sublevel.proofs_checks.registry import get_check
from sublevel.proofs_checks.seeds import instance_seed
from sublevel.theory.errors import HypothesisError, InputError

_Z = sp.Symbol("z")


def _fraction_energy(act: str, X, Y, W, U) -> Fraction:
    """(1/L) Σ_l ‖U ρ(W x_l) − y_l‖² in Fractions (the floats as given; ρ's rational
    coefficients from sympy): an oracle independent of FLINT."""
    coeffs = sp.Poly(sp.sympify(act), _Z).all_coeffs()[::-1]
    rho_c = [Fraction(int(c.p), int(c.q)) for c in coeffs]

    def rho(z: Fraction) -> Fraction:
        out = Fraction(0)
        for c in reversed(rho_c):
            out = out * z + c
        return out

    total = Fraction(0)
    for x, y in zip(X, Y):
        h = [
            rho(sum((Fraction(float(a)) * Fraction(float(b)) for a, b in zip(w, x)), Fraction(0)))
            for w in W
        ]
        for k in range(len(y)):
            r = sum((Fraction(u) * hi for u, hi in zip(U[k], h)), Fraction(0)) - Fraction(y[k])
            total += r * r
    return total / len(X)


def _as_fractions(M: fmpq_mat) -> list[list[Fraction]]:
    return [
        [Fraction(int(M[i, j].p), int(M[i, j].q)) for j in range(M.ncols())]
        for i in range(M.nrows())
    ]


def _empirical(act: str, n: int, L: int, m: int, p: int, seed: int) -> EmpiricalTwoLayer:
    rng = np.random.default_rng(seed)
    return EmpiricalTwoLayer(act, rng.normal(size=(L, n)), rng.normal(size=(L, m)), p)


def test_exact_energy_polynomial_matches_a_fraction_oracle():
    act = "3*z**2/2 - z + 1/3"
    land = _empirical(act, 2, 5, 2, 4, 0)
    rng = np.random.default_rng(1)
    W = rng.normal(size=(4, 2))
    Ua, Ub = rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    Wb = W.copy()
    Ua[:, 3] = Ub[:, 3] = 0.0
    Wb[3] = rng.normal(size=2)  # a zero-output unit's row moves too
    model = exact_model(land)
    coeffs = exact_energy_polynomial(model, qmat(W), qmat(Ua), qmat(Wb), qmat(Ub))
    Uaf, Ubf = _as_fractions(qmat(Ua)), _as_fractions(qmat(Ub))
    for t in (Fraction(0), Fraction(1, 3), Fraction(1, 2), Fraction(1)):
        Ut = [[(1 - t) * a + t * b for a, b in zip(ra, rb)] for ra, rb in zip(Uaf, Ubf)]
        want = _fraction_energy(act, land.X, land.Y, W, Ut)
        got = sum((Fraction(int(c.p), int(c.q)) * t**k for k, c in enumerate(coeffs)), Fraction(0))
        assert got == want
    assert float(coeffs[0]) == pytest.approx(land.energy(land.flatten(W, Ua)), rel=1e-12)


def test_exact_energy_refuses_a_live_unit_that_moves():
    land = _empirical("z**2", 1, 3, 1, 2, 0)
    model = exact_model(land)
    W = qmat(np.ones((2, 1)))
    U = qmat(np.ones((1, 2)))
    with pytest.raises(InputError, match="unit 0 moves"):
        exact_energy_polynomial(model, W, U, W * 2, U)


def test_population_exact_energy_agrees_with_the_closed_form():
    rng = np.random.default_rng(3)
    land = PopulationTwoLayer(
        "z**3 - z/2",
        2,
        5,
        teacher_W=rng.normal(size=(2, 2)),
        teacher_U=rng.normal(size=(1, 2)),
        noise_variance=0.125,
    )
    model = exact_model(land)
    for _ in range(3):
        W, U = land.unflatten(land.random_point(rng))
        e = model.energy(qmat(W), qmat(U))
        assert float(e) == pytest.approx(land.energy(land.flatten(W, U)), rel=1e-11)


def test_relu_values_features_are_exact_and_tanh_has_no_exact_model():
    land = _empirical("relu", 2, 4, 1, 3, 2)
    model = exact_model(land)
    W, U = land.unflatten(land.random_point(np.random.default_rng(0)))
    assert float(model.energy(qmat(W), qmat(U))) == pytest.approx(
        land.energy(land.flatten(W, U)), rel=1e-13
    )
    cubic = _empirical("z**3/2 - z", 2, 4, 1, 3, 2)  # polynomial ρ, values lifting
    assert float(exact_model(cubic, "values").energy(qmat(W), qmat(U))) == pytest.approx(
        cubic.energy(cubic.flatten(W, U)), rel=1e-13
    )
    with pytest.raises(ExactUnavailable):
        exact_model(_empirical("tanh", 2, 4, 1, 3, 2))
    certs, info = certified_exact(
        lambda: exact_construction_a(_empirical("tanh", 2, 4, 1, 5, 2), np.zeros(15))
    )
    assert certs == [] and "unavailable" in info


def _duplicated(land, seed):
    W, U = land.unflatten(land.random_point(np.random.default_rng(seed)))
    W[2:] = W[0]
    return land.flatten(W, U)


def test_compress_keeps_beta_exactly_and_constant_pieces_are_exactly_constant():
    land = _empirical("z**3 - z", 2, 9, 2, 9, 4)  # q = 2 + 4 = 6 ≤ p = 9
    theta = _duplicated(land, 5)
    cons = exact_construction_a(land, theta, seed=0)
    first = cons.pieces[0]
    assert first.promise == CONSTANT and first.Wa == first.Wb
    A = cons.model.features(first.Wa)
    assert first.Ua * A == first.Ub * A  # β unchanged, exactly
    certs = certify_exact_construction(cons)
    assert all(c.method == "exact" and c.holds and c.margin >= 0 for c in certs)
    constant = [c for c in certs if c.promise == CONSTANT and c.label.endswith("]")]
    assert constant and all(
        c.holds_within == 0 and c.details.get("identically_zero") for c in constant
    )
    descent = [c for c in certs if c.promise == NON_INCREASING and c.label.endswith("]")]
    assert descent and descent[0].details["strictly_decreasing"]
    assert cons.details["ends_at_optimum"] and cons.details["spans_lifting"]
    # the exact optimum is the float lifted optimum up to rounding, and never above it by more
    f_star = land.lifted_problem().minimiser()[1]
    assert float(cons.optimum) == pytest.approx(f_star, rel=1e-9, abs=1e-12)


def test_construction_b_bound_is_the_exact_max_of_the_endpoints():
    land = _empirical("z**2", 2, 7, 1, 7, 6)  # q = 3, p = 7 ≥ 2q
    a, b = _duplicated(land, 1), land.random_point(np.random.default_rng(2))
    cons = exact_construction_b(land, a, b)
    Wa, Ua = land.unflatten(a)
    Wb, Ub = land.unflatten(b)
    assert cons.pieces[0].Wa == qmat(Wa) and cons.pieces[0].Ua == qmat(Ua)
    assert cons.pieces[-1].Wb == qmat(Wb) and cons.pieces[-1].Ub == qmat(Ub)
    for p0, p1 in zip(cons.pieces, cons.pieces[1:]):  # a continuous chain of pieces
        assert p0.Wb == p1.Wa and p0.Ub == p1.Ua
    assert float(cons.bound) == pytest.approx(max(land.energy(a), land.energy(b)), rel=1e-13)
    certs = certify_exact_construction(cons)
    assert all(
        c.method == "exact" and c.holds and c.holds_within == 0 and c.margin >= 0 for c in certs
    )
    assert any(c.promise == "≤ max of endpoints" for c in certs)


def test_refusal_below_q():
    land = _empirical("z**2", 2, 7, 1, 2, 0)  # q = 3 > p = 2
    with pytest.raises(HypothesisError, match="p ≥ q"):
        exact_construction_a(land, land.random_point(np.random.default_rng(0)))


@settings(max_examples=12, deadline=None)
@given(
    coeffs=st.lists(st.integers(-3, 3), min_size=2, max_size=4).filter(lambda c: c[-1] != 0),
    n=st.integers(1, 2),
    extra=st.integers(0, 2),
    mode=st.integers(0, 2),
    population=st.booleans(),
    seed=st.integers(0, 10**6),
)
def test_construction_a_is_exactly_certified_on_adversarial_starts(
    coeffs, n, extra, mode, population, seed
):
    act = str(sum(c * _Z**j for j, c in enumerate(coeffs)))
    q = exact_model(_empirical(act, n, 3, 1, 1, 0)).d
    land = _empirical(act, n, 2 * q + 1, 2, q + extra, seed)
    if population:
        rng = np.random.default_rng(seed)
        land = PopulationTwoLayer(
            act,
            n,
            q + extra,
            teacher_W=rng.normal(size=(2, n)),
            teacher_U=rng.normal(size=(2, 2)),
            noise_variance=0.25,
        )
    W, U = land.unflatten(land.random_point(np.random.default_rng(seed)))
    if mode == 1:
        W[1:] = W[0]  # duplicates
    elif mode == 2:
        W[::2] = 0.0  # zero rows
        U[:, 1::3] = 0.0
    cons = exact_construction_a(land, land.flatten(W, U), seed=seed)
    certs = certify_exact_construction(cons)
    assert all(
        c.method == "exact" and c.holds and c.margin >= 0 and c.holds_within == 0 for c in certs
    ), [(c.label, c.outcome, c.margin) for c in certs]
    assert cons.details["ends_at_optimum"] and cons.optimum <= cons.bound


def test_tanh_formal_features_make_the_duplicate_compression_exactly_constant():
    land = _empirical("tanh", 2, 6, 1, 7, 8)
    theta = _duplicated(land, 3)
    problem = land.lifted_problem("values")
    certs, info = ball_construction_a(land, theta, problem, seed=0)
    methods = {c.label: c.method for c in certs}
    assert methods["compress (basis of active features)"] == "exact"
    assert methods["convex descent in U"] == "rigorous"
    assert all(c.holds and c.margin >= 0 and c.holds_within == 0 for c in certs)
    assert abs(info["end_gap_to_float_optimum"]) < 1e-8
    lo, hi = certs[0].max_energy_enclosure
    assert lo <= land.energy(theta) <= hi


_CLAIMS = {"vbb.finite-dim.p-ge-q": 8, "vbb.finite-dim.p-ge-2q": 6, "vbb.empirical-dim": 8}


@pytest.mark.parametrize("claim", sorted(_CLAIMS))
def test_every_default_instance_is_decided_by_exact_or_rigorous_certificates(claim):
    """The default run (``sublevel verify CLAIM``, run seed 0): every instance verified by
    exact/rigorous certificates with τ = 0 and margin ≥ 0 (cvxpy cross-check off for speed)."""
    chk = get_check(claim)
    params = chk.params({"cvxpy": False})
    for i in range(_CLAIMS[claim]):
        ev = chk.run(instance_seed(0, claim, i), **params)
        assert ev.outcome == "verified", (i, ev.message)
        assert ev.margin is not None and ev.margin >= 0
        assert ev.certificates and all(
            c.method in ("exact", "rigorous") and c.holds and c.holds_within == 0
            for c in ev.certificates
        )
        constant = [c for c in ev.certificates if c.promise == CONSTANT]
        assert all(c.margin >= 0 for c in constant)


def test_fmpq_inputs_are_the_stored_floats():
    M = qmat(np.array([[0.1, -2.5]]))
    assert M[0, 0] == fmpq(*(0.1).as_integer_ratio()) and M[0, 1] == fmpq(-5, 2)
    with pytest.raises(InputError):
        qmat(np.array([[np.nan]]))


def test_tanh_antipodal_and_zero_rows_are_formal_relations():
    """tanh is odd and tanh(0) = 0: w_j = −w_i and w_k = 0 compress exactly (formal rref), and
    the start energy's ball contains an mpmath evaluation at 60 digits (an independent oracle)."""
    import mpmath

    land = _empirical("tanh", 2, 5, 2, 8, 9)
    rng = np.random.default_rng(4)
    W, U = land.unflatten(land.random_point(rng))
    W[3], W[4], W[5] = -W[0], 0.0, -W[1]
    theta = land.flatten(W, U)
    certs, info = ball_construction_a(land, theta, land.lifted_problem("values"), seed=1)
    assert info["rank_start_formal"] == 5  # 8 units − 2 antipodal − 1 zero
    compress = [c for c in certs if c.label.startswith("compress")]
    assert compress and all(c.method == "exact" and c.holds and c.margin == 0 for c in compress)
    assert all(c.holds and c.holds_within == 0 for c in certs)
    with mpmath.workdps(60):
        e = mpmath.mpf(0)
        for x, y in zip(land.X, land.Y):
            h = [
                mpmath.tanh(sum(mpmath.mpf(float(a)) * mpmath.mpf(float(b)) for a, b in zip(w, x)))
                for w in W
            ]
            for k in range(land.m):
                e += (sum(mpmath.mpf(float(u)) * v for u, v in zip(U[k], h)) - y[k]) ** 2
        e /= land.L
        lo, hi = certs[0].max_energy_enclosure
        assert mpmath.mpf(lo) <= e <= mpmath.mpf(hi)
