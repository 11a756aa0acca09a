"""Exact conversion of inputs to rationals, and directed rounding of rationals back to floats.

Every certificate that calls itself ``exact`` is about the inputs *as the rationals their
floats store*: :func:`to_fmpq` converts without rounding (a float is the dyadic rational it
holds; nan, inf, complex numbers and strings raise :class:`InputError` naming the value), and
:func:`round_down` / :func:`round_up` give the nearest floats below / above an exact rational,
so that an enclosure reported in floats still contains the exact value.
"""

from __future__ import annotations

import functools
import math
import numbers
import sys
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from flint import fmpq, fmpq_poly
from sublevel.theory.errors import InputError

if TYPE_CHECKING:
    import sympy as sp
    from sympy import Poly

__all__ = [
    "to_fmpq",
    "to_rational",
    "rational_polynomial",
    "polynomial",
    "fmpq_to_float",
    "rounded",
    "round_down",
    "round_up",
]

# sympy is imported only where a sympy object is made (to_rational, polynomial): the exact
# paths, which need only FLINT, then never pay its import (half a second). A sympy object can
# exist only once sympy is imported, so to_fmpq and rational_polynomial look for it in
# sys.modules instead of importing it.


def _sympy_if_loaded() -> Any:
    """The sympy module if something has imported it, else None."""
    return sys.modules.get("sympy")


@functools.lru_cache(maxsize=1)
def _t() -> sp.Symbol:
    """The variable t of the sympy polynomials made here."""
    import sympy as sp

    return sp.Symbol("t", real=True)


def to_fmpq(x: Any, *, name: str = "value") -> fmpq:
    """``x`` exactly as a FLINT rational; floats are the dyadic rationals they store.

    Accepts ints, :class:`fractions.Fraction`, sympy Rationals, ``fmpq``, numpy scalars and
    finite floats. nan, inf, complex numbers, strings and symbols raise :class:`InputError`
    naming the value.
    """
    if isinstance(x, fmpq):
        return x
    if isinstance(x, bool):
        return fmpq(int(x))
    if isinstance(x, numbers.Integral):
        return fmpq(int(x))
    if isinstance(x, Fraction):
        return fmpq(x.numerator, x.denominator)
    sp = _sympy_if_loaded()
    if sp is not None and isinstance(x, sp.Basic):
        if isinstance(x, sp.Rational):
            return fmpq(int(x.p), int(x.q))
        if isinstance(x, sp.Float) and x.is_finite:
            num, den = float(x).as_integer_ratio()
            return fmpq(num, den)
        raise InputError(f"{name} {x!r} is not a finite rational number")
    if isinstance(x, numbers.Real) and not isinstance(x, complex):
        try:
            xf = float(x)
        except (TypeError, ValueError) as exc:  # pragma: no cover - exotic Real types
            raise InputError(f"{name} {x!r} is not a finite real number") from exc
        if not math.isfinite(xf):
            raise InputError(f"{name} {x!r} is not finite")
        num, den = xf.as_integer_ratio()
        return fmpq(num, den)
    raise InputError(f"{name} {x!r} is not a finite real number")


def to_rational(x: Any, *, name: str = "value") -> sp.Rational:
    """``x`` exactly as a sympy Rational (same rules as :func:`to_fmpq`)."""
    import sympy as sp

    q = to_fmpq(x, name=name)
    return sp.Rational(int(q.p), int(q.q))


def rational_polynomial(coefficients: Sequence[Any] | Poly | sp.Expr | fmpq_poly) -> fmpq_poly:
    """The exact polynomial ``c_0 + c_1 t + … + c_d t^d`` as a FLINT ``fmpq_poly``.

    ``coefficients``: a sequence (increasing degree), a univariate sympy ``Poly`` or
    expression with rational coefficients, or an ``fmpq_poly``.
    """
    if isinstance(coefficients, fmpq_poly):
        return coefficients
    sp = _sympy_if_loaded()
    if sp is not None and isinstance(coefficients, (sp.Poly, sp.Expr)):
        poly = polynomial(coefficients)
        return fmpq_poly([to_fmpq(c) for c in reversed(poly.all_coeffs())])
    if isinstance(coefficients, (str, bytes)):
        raise InputError(f"coefficients {coefficients!r} are not a sequence of numbers")
    try:
        items = list(coefficients)
    except TypeError as exc:
        raise InputError(f"coefficients {coefficients!r} are not a sequence") from exc
    if not items:
        raise InputError("coefficients are empty: a polynomial needs at least one")
    return fmpq_poly([to_fmpq(c, name=f"coefficient c_{i}") for i, c in enumerate(items)])


def polynomial(coefficients: Sequence[Any] | Poly | sp.Expr) -> Poly:
    """The exact polynomial ``c_0 + c_1 t + … + c_d t^d`` as a sympy ``Poly`` over QQ."""
    import sympy as sp
    from sympy import QQ, Poly

    var = _t()
    if isinstance(coefficients, Poly):
        if len(coefficients.gens) != 1:
            raise InputError(f"polynomial {coefficients} is not univariate")
        coeffs = [to_rational(c, name="coefficient") for c in coefficients.all_coeffs()]
        return Poly(coeffs, var, domain=QQ)
    if isinstance(coefficients, sp.Expr):
        free = coefficients.free_symbols
        if len(free) > 1:
            raise InputError(f"expression {coefficients} has more than one variable")
        try:
            poly = Poly(coefficients, *(free or {var}))
        except sp.PolynomialError as exc:
            raise InputError(f"expression {coefficients} is not a polynomial") from exc
        return polynomial(poly)
    p = rational_polynomial(coefficients)
    return Poly(
        [sp.Rational(int(c.p), int(c.q)) for c in reversed(p.coeffs())] or [0], var, domain=QQ
    )


def fmpq_to_float(x: fmpq) -> float:
    """The float nearest to the rational ``x`` (Python's int / int is correctly rounded, and
    an ``fmpq`` is already in lowest terms, so no Fraction — and no gcd — is needed)."""
    return int(x.p) / int(x.q)


def rounded(q: Any) -> tuple[float, float, float]:
    """(x, lo, hi) for the rational ``q`` (an ``fmpq``, or anything :class:`fractions.Fraction`
    accepts): x the float nearest to q, lo ≤ q ≤ hi adjacent floats (equal when q is a float),
    x one of them — from one correctly rounded int / int and one integer comparison."""
    if isinstance(q, fmpq):
        p, d = int(q.p), int(q.q)
    else:
        f = Fraction(q)
        p, d = f.numerator, f.denominator
    x = p / d  # correctly rounded (Python's int / int)
    n, m = x.as_integer_ratio()
    side = n * d - m * p  # the sign of x − q (m, d > 0)
    if side == 0:
        return x, x, x
    if side < 0:
        return x, x, math.nextafter(x, math.inf)
    return x, math.nextafter(x, -math.inf), x


def round_down(x: fmpq) -> float:
    """The largest float ≤ ``x`` (directed rounding of an exact rational)."""
    return rounded(x)[1]


def round_up(x: fmpq) -> float:
    """The smallest float ≥ ``x`` (directed rounding of an exact rational)."""
    return rounded(x)[2]
