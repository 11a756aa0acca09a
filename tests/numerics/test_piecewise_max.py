"""sublevel.numerics.piecewise_max: proven enclosures of the maximum of float piecewise polynomials,
against exact rational evaluation (fractions) and dense sampling; adversarial polynomials
(double roots touching the maximum, coefficients from 1e-30 to 1e30, zero-width pieces)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.piecewise_max import maximise_pieces, maximise_piecewise
from sublevel.numerics.rounding import U, gamma, up
from sublevel.theory.errors import InputError


def exact_value(c, t) -> Fraction:
    t = Fraction(float(t))
    return sum((Fraction(float(cd)) * t**d for d, cd in enumerate(c)), Fraction(0))


def exact_max_on_grid(bps, coeffs, n=2001) -> tuple[Fraction, float]:
    """max over a grid of the exact values, with the best point (a lower bound of the max)."""
    best, best_t = None, 0.0
    for lo, hi, c in zip(bps[:-1], bps[1:], coeffs):
        ts = np.linspace(lo, hi, n)
        v = np.polynomial.polynomial.polyval(ts, c)
        for i in np.argsort(v)[-3:]:
            e = exact_value(c, ts[i])
            if best is None or e > best:
                best, best_t = e, float(ts[i])
    assert best is not None
    return best, best_t


scales = st.sampled_from([1e-30, 1e-8, 1.0, 1e8, 1e30])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 5), st.integers(0, 4), scales)
def test_enclosure_against_exact_values(seed, n_pieces, degree, scale):
    rng = np.random.default_rng(seed)
    bps = np.sort(np.concatenate([[0.0, 1.0], rng.uniform(size=n_pieces - 1)]))
    coeffs = rng.normal(size=(n_pieces, degree + 1)) * scale
    res = maximise_piecewise(bps, coeffs)
    grid_max, _ = exact_max_on_grid(bps, coeffs)
    assert Fraction(res.upper) >= grid_max  # every value taken is below the top
    at = exact_value(coeffs[res.piece], res.argmax_t)
    assert Fraction(res.lower) <= at <= Fraction(res.upper)  # the bottom is a value taken
    assert bps[res.piece] <= res.argmax_t <= bps[res.piece + 1]
    assert res.upper - res.lower <= 1e-9 * max(abs(res.upper), abs(res.lower), 1e-300 * scale)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.01, 0.99), st.integers(2, 3), st.floats(-1e3, 1e3), scales)
def test_a_maximum_touching_a_level_at_a_multiple_root(r, mult, level, scale):
    """p(t) = level − scale·(t − r)^(2·(mult − 1)) ... with an even-order contact at r: the
    maximum is exactly level (attained at r, a float): the enclosure must contain it."""
    power = 2 if mult == 2 else 4
    poly = np.polynomial.polynomial.polypow([-r, 1.0], power) * -scale
    poly[0] += level
    res = maximise_pieces([0.0], [1.0], poly[None, :])
    true_max = max(exact_value(poly, r), exact_value(poly, 0.0), exact_value(poly, 1.0))
    assert Fraction(res.lower) <= true_max <= Fraction(res.upper)


def test_interior_maximum_and_zero_width_pieces():
    # −(t − 0.3)² + 2 on [0, 0.5], a zero-width piece, then a low line: max 2 at t = 0.3
    res = maximise_piecewise(
        [0.0, 0.5, 0.5, 1.0], [[2 - 0.09, 0.6, -1.0], [5.0, 0.0, 0.0], [0.0, 0.1, 0.0]]
    )
    # the zero-width piece at t = 0.5 takes the value 5 there: it is a value taken
    assert res.lower <= 5.0 <= res.upper and res.piece == 1
    res = maximise_piecewise([0.0, 0.5, 1.0], [[2 - 0.09, 0.6, -1.0], [0.0, 0.1, 0.0]])
    assert res.lower <= 2.0 <= res.upper and res.upper - res.lower < 1e-14
    assert res.argmax_t == pytest.approx(0.3, abs=1e-7)


def test_pruning_keeps_the_bound():
    """prune_tol = −inf examines every piece; the default prunes by chord bounds: both tops are
    proven, so both are ≥ every exact value."""
    rng = np.random.default_rng(1)
    bps = np.linspace(0, 1, 200)
    coeffs = rng.normal(size=(199, 5))
    a = maximise_piecewise(bps, coeffs)
    b = maximise_piecewise(bps, coeffs, prune_tol=-np.inf)
    grid_max, _ = exact_max_on_grid(bps, coeffs, n=50)
    assert Fraction(a.upper) >= grid_max and Fraction(b.upper) >= grid_max
    assert b.n_candidates == 199 and a.n_candidates < 199


def test_rejects_bad_input():
    with pytest.raises(InputError, match="degree"):
        maximise_piecewise([0, 1], np.zeros((1, 6)))
    with pytest.raises(InputError, match="breakpoints"):
        maximise_piecewise([0, 0.5], np.zeros((2, 3)))
    with pytest.raises(InputError, match="non-decreasing"):
        maximise_piecewise([0, 0.7, 0.5], np.zeros((2, 3)))
    with pytest.raises(InputError, match="lo ≤ hi"):
        maximise_pieces([0.5], [0.2], np.zeros((1, 3)))
    with pytest.raises(InputError, match="finite"):
        maximise_pieces([0.0], [1.0], np.array([[np.nan, 1.0]]))
    with pytest.raises(InputError, match="prune_tol"):
        maximise_pieces([0.0], [1.0], np.ones((1, 2)), prune_tol=-1.0)


def test_gamma_and_up():
    assert gamma(1) == pytest.approx(U / (1 - U))
    assert gamma(0) == 0.0
    assert up(1.0, 10) > 1.0 + 10 * U
    with pytest.raises(InputError, match="γ_n"):
        gamma(2**60)
