"""sublevel.theory.rational: inputs taken exactly as rationals, rationals rounded back to floats
in a known direction."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from flint import fmpq, fmpq_poly
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.theory.errors import InputError
from sublevel.theory.rational import (
    fmpq_to_float,
    polynomial,
    rational_polynomial,
    round_down,
    round_up,
    rounded,
    to_fmpq,
    to_rational,
)

T = sp.Symbol("t")


def test_polynomial_conversions():
    p = polynomial(sp.Poly(T**2 / 3 + 1, T))
    assert p.domain == sp.QQ and p.all_coeffs() == [sp.Rational(1, 3), 0, 1]
    assert polynomial(T**3 - sp.Rational(1, 2)).all_coeffs() == [1, 0, 0, sp.Rational(-1, 2)]
    assert polynomial(sp.Integer(0)).is_zero
    assert polynomial([0.5, 2]).all_coeffs() == [2, sp.Rational(1, 2)]
    assert polynomial(sp.Poly(2.5 * T, T)).all_coeffs() == [sp.Rational(5, 2), 0]
    assert rational_polynomial(T**2 - 1) == fmpq_poly([-1, 0, 1])
    with pytest.raises(InputError, match="more than one variable"):
        polynomial(T * sp.Symbol("s"))
    with pytest.raises(InputError, match="not a polynomial"):
        polynomial(sp.sin(T))
    with pytest.raises(InputError, match="not univariate"):
        polynomial(sp.Poly(T * sp.Symbol("s"), T, sp.Symbol("s")))
    with pytest.raises(InputError, match=r"^value nan is not finite"):
        to_rational(float("nan"))
    with pytest.raises(InputError, match=r"^bound inf is not finite"):
        to_fmpq(float("inf"), name="bound")
    with pytest.raises(InputError, match="coefficient c_1"):
        rational_polynomial([1, float("nan")])
    with pytest.raises(InputError, match="finite rational"):
        to_fmpq(sp.sqrt(2))
    assert to_fmpq(True) == 1 and to_fmpq(sp.Float(0.25)) == fmpq(1, 4)


def test_every_number_type_is_taken_exactly():
    assert to_fmpq(fmpq(2, 3)) == fmpq(2, 3) and to_fmpq(np.int64(-7)) == -7
    assert to_fmpq(Fraction(-5, 6)) == fmpq(-5, 6) and to_fmpq(sp.Rational(3, 8)) == fmpq(3, 8)
    assert to_fmpq(0.1) == fmpq(*(0.1).as_integer_ratio())  # the dyadic rational the float is
    assert to_fmpq(np.float32(0.1)) == fmpq(*float(np.float32(0.1)).as_integer_ratio())
    assert to_fmpq(False) == 0
    assert to_rational(0.75) == sp.Rational(3, 4) and isinstance(to_rational(1), sp.Rational)


@pytest.mark.parametrize(
    "value, fragment",
    [
        (float("-inf"), "x -inf is not finite"),
        (1j, "x 1j is not a finite real number"),
        ("1", "x '1' is not a finite real number"),
        (sp.Symbol("s"), "x s is not a finite rational number"),
        (sp.Float("inf"), "x oo is not a finite rational number"),
    ],
)
def test_bad_numbers_are_named(value, fragment):
    with pytest.raises(InputError, match=f"^{fragment}"):
        to_fmpq(value, name="x")
    with pytest.raises(InputError, match=f"^{fragment}"):
        to_rational(value, name="x")


def test_polynomials_are_over_the_rationals_and_name_bad_coefficients():
    assert polynomial(sp.Poly(T**2 + 1, T)).domain == sp.QQ  # integer coefficients: still QQ
    assert polynomial([1, 2]).domain == sp.QQ and polynomial(fmpq_poly([1, 2])).domain == sp.QQ
    assert polynomial(sp.Poly(T**2 + 1, T)).gens == polynomial([1, 2]).gens
    with pytest.raises(InputError, match="^coefficient "):
        polynomial(sp.Poly(sp.Symbol("s") * T, T))
    assert polynomial([0]).is_zero and polynomial(fmpq_poly()).is_zero
    with pytest.raises(InputError, match="^value nan is not finite"):
        to_fmpq(float("nan"))
    with pytest.raises(
        InputError, match="^coefficients are empty: a polynomial needs at least one"
    ):
        rational_polynomial([])
    with pytest.raises(InputError, match="not a sequence of numbers"):
        rational_polynomial("12")
    with pytest.raises(InputError, match="not a sequence"):
        rational_polynomial(3)
    p = fmpq_poly([1, 2])
    assert rational_polynomial(p) is p


@given(st.fractions(), st.integers(0, 1200))
def test_directed_rounding_brackets_the_rational(x, shift):
    q = fmpq(x.numerator, x.denominator) / fmpq(2) ** shift
    exact = Fraction(int(q.p), int(q.q))
    lo, hi, near = round_down(q), round_up(q), fmpq_to_float(q)
    assert Fraction(lo) <= exact <= Fraction(hi)
    assert lo == hi or math.nextafter(lo, math.inf) == hi  # adjacent floats
    assert near in (lo, hi)
    if Fraction(near) == exact:
        assert lo == hi == near


@settings(max_examples=200, deadline=None)
@given(
    num=st.integers(-(2**1100), 2**1100),
    den=st.integers(1, 2**600),
    kind=st.sampled_from(["fmpq", "Fraction", "float"]),
)
def test_rounded_is_the_nearest_float_inside_its_enclosure(num, den, kind):
    """x = the correctly rounded float of q (Fraction's own rounding as the oracle), and
    (lo, hi) = (round_down(q), round_up(q)) with x one of its ends — also for q that is a
    float, 0, or whose float is subnormal or at the overflow edge."""
    q = Fraction(num, den)
    if kind == "float":
        q = Fraction(float(q)) if abs(q) < 2**1000 else Fraction(1, 3)
    try:
        expected = float(q)
    except OverflowError:
        with pytest.raises(OverflowError):
            rounded(fmpq(q.numerator, q.denominator))
        return
    arg = fmpq(q.numerator, q.denominator) if kind == "fmpq" else q
    x, lo, hi = rounded(arg)
    assert x == expected and x in (lo, hi) and (lo, hi) == (round_down(arg), round_up(arg))
    assert Fraction(lo) <= q <= Fraction(hi)
    assert lo == hi if Fraction(x) == q else math.nextafter(lo, math.inf) == hi
