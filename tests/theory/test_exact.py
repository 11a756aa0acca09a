"""theory.exact: exact certificates of univariate (piecewise) polynomials."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from theory.errors import InputError
from theory.exact import (
    certify_piecewise_polynomial,
    certify_polynomial,
    certify_quadratic,
    exact_maximum,
    polynomial,
    to_rational,
)

rationals = st.fractions(min_value=-10, max_value=10, max_denominator=20)
coefficients = st.lists(rationals, min_size=1, max_size=8)


def dense_max(coeffs, a=0.0, b=1.0, n=20001):
    ts = np.linspace(a, b, n)
    return float(np.polynomial.polynomial.polyval(ts, [float(c) for c in coeffs]).max())


@given(coefficients)
def test_maximum_dominates_every_sample_and_matches_dense(coeffs):
    cert = certify_polynomial(coeffs, 100)
    ts = np.linspace(0, 1, 2001)
    values = np.polynomial.polynomial.polyval(ts, [float(c) for c in coeffs])
    assert cert.max_energy >= values.max() - 1e-12
    assert cert.max_energy <= dense_max(coeffs) + 1e-6 * (1 + abs(cert.max_energy))
    assert 0 <= cert.argmax_t <= 1
    assert cert.method == "exact"


@given(coefficients)
def test_holds_iff_bound_at_least_the_maximum(coeffs):
    p = polynomial(coeffs)
    value, _ = exact_maximum(p, sp.Integer(0), sp.Integer(1))
    # the value is taken at a rational point within 2^-80 of the (possibly irrational) argmax
    assert certify_polynomial(coeffs, value + sp.Rational(1, 10**30)).holds
    assert not certify_polynomial(coeffs, value - sp.Rational(1, 10**9)).holds


@given(coefficients, rationals)
def test_decision_agrees_with_sympy_real_roots(coeffs, bound):
    """Oracle: q = bound − p ≥ 0 on [0, 1] iff no real root of odd multiplicity inside and the
    endpoints are ≥ 0 — computed independently with sympy's real_roots and exact evaluation."""
    t = sp.Symbol("t")
    p = sum(sp.Rational(c.numerator, c.denominator) * t**k for k, c in enumerate(coeffs))
    q = sp.Rational(bound.numerator, bound.denominator) - p
    points = [sp.Integer(0), sp.Integer(1)]
    if sp.Poly(q, t).degree() > 0:
        roots = sorted({r for r in sp.real_roots(sp.Poly(q, t)) if 0 < r < 1}, key=lambda r: float(r))
        cuts = [sp.Integer(0)] + roots + [sp.Integer(1)]
        points += [(lo + hi) / 2 for lo, hi in zip(cuts, cuts[1:])]
    expected = all(q.subs(t, x) >= 0 for x in points)
    assert certify_polynomial(coeffs, bound).holds == expected


def test_tangent_touch_holds_exactly():
    # p(t) = 1 − (t − 1/3)² touches the bound 1 at t = 1/3 only
    coeffs = [Fraction(8, 9), Fraction(2, 3), -1]
    cert = certify_polynomial(coeffs, 1)
    assert cert.holds and cert.margin == 0.0
    assert cert.argmax_t == pytest.approx(1 / 3, abs=1e-15)
    assert not certify_polynomial(coeffs, Fraction(1) - Fraction(1, 10**15)).holds


def test_floats_are_converted_exactly():
    assert to_rational(0.1) == sp.Rational(3602879701896397, 36028797018963968)
    # 0.1 + 0.2 ≠ 0.3 in floating point, and the exact certificate sees it
    assert not certify_polynomial([0.1 + 0.2], 0.3).holds
    assert certify_polynomial([0.1 + 0.2], 0.3, tolerance=1e-15).holds


def test_interval_and_constant():
    cert = certify_polynomial([0, 0, 1], 4, interval=(-2, 1))
    assert cert.holds and cert.max_energy == 4 and cert.argmax_t == -2
    assert certify_polynomial([5], 5).holds


def test_piecewise():
    # |t − 1/2| as two linear pieces
    cert = certify_piecewise_polynomial([0, 0.5, 1], [[0.5, -1], [-0.5, 1]], 0.5)
    assert cert.holds and cert.max_energy == 0.5
    assert not certify_piecewise_polynomial([0, 0.5, 1], [[0.5, -1], [-0.5, 1]], 0.49).holds


@pytest.mark.parametrize(
    "args, fragment",
    [
        (([float("nan")], 1), "not finite"),
        (([float("inf"), 1], 1), "not finite"),
        (([1, sp.Symbol("x")], 1), "not a finite rational"),
        (([1, 2], 1, (1, 1)), "empty"),
        (([1, 2], 1, (1, 0)), "empty"),
        (([], 1), "empty"),
        (([1], float("nan")), "bound"),
        ((sp.sin(sp.Symbol("t")), 1), "not a polynomial"),
        ((sp.Symbol("s") * sp.Symbol("t"), 1), "more than one variable"),
        (([1j], 1), "not a finite real"),
    ],
)
def test_bad_input_names_the_value(args, fragment):
    with pytest.raises(InputError, match=fragment):
        certify_polynomial(*args)


def test_piecewise_bad_input():
    with pytest.raises(InputError, match="pieces"):
        certify_piecewise_polynomial([0, 1], [[1], [2]], 3)
    with pytest.raises(InputError, match="not increasing"):
        certify_piecewise_polynomial([0, 0.5, 0.5], [[1], [2]], 3)


@given(st.lists(st.floats(-10, 10, allow_nan=False), min_size=1, max_size=3),
       st.floats(-10, 10, allow_nan=False), st.sampled_from([0.0, 1e-12, 0.5]))
def test_quadratic_fast_path_agrees_with_root_isolation(c, bound, tol):
    """Oracle: the integer closed form against the sympy root isolation (Fractions force it)."""
    fast = certify_quadratic(c, bound, tolerance=tol)
    slow = certify_polynomial([Fraction(v) for v in c], Fraction(bound), tolerance=Fraction(tol))
    assert fast.holds == slow.holds and fast.method == slow.method == "exact"
    assert fast.max_energy == pytest.approx(slow.max_energy, rel=1e-12, abs=1e-12)
    assert certify_polynomial(c, bound, tolerance=tol).details["algorithm"].startswith("closed form")


def test_quadratic_fast_path_bad_input():
    with pytest.raises(InputError, match="degree 3"):
        certify_quadratic([0, 0, 0, 1], 1.0)
    with pytest.raises(InputError, match="not finite"):
        certify_quadratic([0, float("nan")], 1.0)
