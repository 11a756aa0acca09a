"""Tests of sublevel.numerics.paths.linear_certify: the ball-arithmetic energy polynomial of a
deep linear segment must enclose the exact rational one (oracle: the fmpq_mat computation of
sublevel.numerics.paths.linear_exact on the same float inputs taken exactly), at every degree,
for moving and fixed layers alike, and whatever the scale of the data."""

from __future__ import annotations

import numpy as np
import pytest
from flint import arb, fmpq
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.paths.exact_linalg import qmat
from sublevel.numerics.paths.linear import connect
from sublevel.numerics.paths.linear_certify import (
    ArbMoments,
    arb_energy_polynomial,
    certify_linear_path,
)
from sublevel.numerics.paths.linear_exact import ExactMoments, exact_energy_polynomial
from sublevel.numerics.strategies import linear_widths, seeds
from sublevel.theory.errors import InputError

from tests.numerics.paths.linear_instances import linear_instance, random_weights


def _exact(x: arb) -> fmpq:
    """An exactly representable ball end (radius 0) as a rational."""
    man, exp = (int(v) for v in x.mid().man_exp())
    return fmpq(man * 2**exp) if exp >= 0 else fmpq(man, 2 ** (-exp))


def _encloses(balls: list[arb], exact: list[fmpq]) -> list[int]:
    """Degrees whose exact coefficient lies outside its ball (missing degrees count as 0)."""
    exact = list(exact) + [fmpq(0)] * (len(balls) - len(exact))
    return [
        k
        for k, (c, q) in enumerate(zip(balls, exact))
        if not _exact(c.lower()) <= q <= _exact(c.upper())
    ]


@settings(max_examples=40, deadline=None)
@given(
    w=linear_widths(satisfying=True, max_layers=4, max_width=5),
    seed=seeds(),
    moving=st.integers(min_value=1, max_value=15),
    scale=st.sampled_from([1e-6, 1.0, 1e6]),
)
def test_ball_polynomial_encloses_the_exact_rational_polynomial(w, seed, moving, scale):
    """Every coefficient of E((1−t)a + tb) computed in arb contains the exact one, with any
    subset of the layers moving (the rest fixed: constant layers add no degree), and data
    scaled by 10⁻⁶…10⁶."""
    X, Y, (wa, wb) = linear_instance(seed, w)
    X, Y = X * scale, Y * scale
    K = len(wa)
    b = [B if (moving >> k) & 1 else A for k, (A, B) in enumerate(zip(wa, wb))]
    balls = arb_energy_polynomial(ArbMoments(X, Y), wa, b)
    exact = exact_energy_polynomial(
        ExactMoments.from_data(X, Y), [qmat(A) for A in wa], [qmat(B) for B in b]
    )
    assert len(balls) == 2 * sum(1 for k in range(K) if not np.array_equal(wa[k], b[k])) + 1
    assert _encloses(balls, exact) == []


def test_the_cross_terms_count_twice():
    """E((1−t)a + tb) for one moving layer: the t¹ coefficient has the cross term
    2tr(C_0Σ_XC_1ᵀ); a polynomial with it counted once would miss the exact coefficient."""
    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(9, 3)), rng.normal(size=(9, 2))
    wa = random_weights(rng, [3, 4, 2])
    wb = [wa[0], rng.normal(size=(2, 4))]
    balls = arb_energy_polynomial(ArbMoments(X, Y), wa, wb)
    exact = exact_energy_polynomial(
        ExactMoments.from_data(X, Y), [qmat(A) for A in wa], [qmat(B) for B in wb]
    )
    assert len(balls) == 3 and _encloses(balls, exact) == []
    # the exact t¹ coefficient is far from what one cross term alone would give
    assert abs(float(balls[1].mid()) - float(exact[1])) < 1e-9 * max(1.0, abs(float(exact[1])))


def test_a_landscape_for_other_data_is_refused():
    X, Y, (wa, wb) = linear_instance(5, [2, 3, 2])
    from sublevel.numerics.energies.linear import DeepLinear

    path = connect(wa, wb, X, Y)
    other = DeepLinear([2, 3, 2], X + 1.0, Y)
    with pytest.raises(InputError, match="other data"):
        certify_linear_path(path, X, Y, 10.0, landscape=other)
    same = DeepLinear([2, 3, 2], X, Y)
    a = certify_linear_path(path, X, Y, 10.0, landscape=same, moments=ArbMoments(X, Y))
    b = certify_linear_path(path, X, Y, 10.0)
    assert [c.max_energy_enclosure for c in a.rigorous] == [
        c.max_energy_enclosure for c in b.rigorous
    ]
