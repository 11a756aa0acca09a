"""Exact certificates: a univariate (piecewise) polynomial stays ≤ a bound on an interval.

Where the energy along a path is a polynomial in t (linear networks on a straight path in the
product, polynomial networks on straight paths in the output weights, ReLU networks on
straight segments between breakpoints) the question "does E(γ(t)) ≤ b hold on [a, c]?" is
decided here without sampling:

* coefficients are converted *exactly* to rationals (a float is the dyadic rational it stores);
* ``q(t) = (b + tol) − p(t)`` is split into square-free factors; ``q < 0`` somewhere on
  ``[a, c]`` iff ``q(a) < 0`` or ``q(c) < 0`` or a factor of *odd* multiplicity has a real root
  in ``(a, c)`` (a sign change), which Sturm sequences count exactly;
* the maximum itself is located by isolating the real roots of ``p'`` to width
  ``(c − a)·2^-80`` and evaluating ``p`` exactly at rational points, so the reported maximum is a
  value ``p`` actually takes (never above the true maximum, below it by far less than 1e-40).

Coefficients are in increasing degree order, ``p(t) = c_0 + c_1 t + … + c_d t^d`` (the
``numpy.polynomial`` convention). Reference: real-root isolation, Collins & Akritas (1976);
sympy's ``Poly.intervals`` and ``Poly.count_roots``.
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import sympy as sp
from sympy import QQ, Poly

from theory.certificate import Certificate, combine
from theory.errors import InputError

__all__ = [
    "to_rational",
    "polynomial",
    "certify_polynomial",
    "certify_quadratic",
    "certify_piecewise_polynomial",
    "exact_maximum",
]

_T = sp.Symbol("t", real=True)
_REFINE_BITS = 80


def to_rational(x: Any, *, name: str = "value") -> sp.Rational:
    """Convert ``x`` exactly to a sympy Rational.

    Accepts ints, :class:`fractions.Fraction`, sympy Rationals/Integers, numpy scalars and
    finite floats (converted to the dyadic rational they store, without rounding). Anything
    else — nan, inf, complex numbers, symbolic expressions — raises :class:`InputError`
    naming the value.
    """
    if isinstance(x, sp.Rational):
        return x
    if isinstance(x, bool):
        return sp.Integer(int(x))
    if isinstance(x, numbers.Integral):
        return sp.Integer(int(x))
    if isinstance(x, Fraction):
        return sp.Rational(x.numerator, x.denominator)
    if isinstance(x, sp.Expr):
        if x.is_Rational:
            return sp.Rational(x)
        if x.is_Float and x.is_finite:
            return sp.Rational(Fraction(float(x)).numerator, Fraction(float(x)).denominator)
        raise InputError(f"{name} {x!r} is not a finite rational number")
    if isinstance(x, numbers.Real):
        xf = float(x)
        if not math.isfinite(xf):
            raise InputError(f"{name} {x!r} is not finite")
        f = Fraction(xf)
        return sp.Rational(f.numerator, f.denominator)
    raise InputError(f"{name} {x!r} is not a finite real number")


def polynomial(coefficients: Sequence[Any] | Poly) -> Poly:
    """The exact polynomial ``c_0 + c_1 t + … + c_d t^d`` over QQ.

    ``coefficients`` may also be a sympy ``Poly`` or an expression polynomial in one symbol
    with rational coefficients.
    """
    if isinstance(coefficients, Poly):
        if len(coefficients.gens) != 1:
            raise InputError(f"polynomial {coefficients} is not univariate")
        if coefficients.domain != QQ:
            coeffs = [to_rational(c, name="coefficient") for c in coefficients.all_coeffs()]
            return Poly(coeffs, _T, domain=QQ)
        return Poly(coefficients.all_coeffs(), _T, domain=QQ)
    if isinstance(coefficients, sp.Expr):
        free = coefficients.free_symbols
        if len(free) > 1:
            raise InputError(f"expression {coefficients} has more than one variable")
        try:
            poly = Poly(coefficients, *(free or {_T}))
        except sp.PolynomialError as exc:
            raise InputError(f"expression {coefficients} is not a polynomial") from exc
        return polynomial(poly)
    try:
        items = list(coefficients)
    except TypeError as exc:
        raise InputError(f"coefficients {coefficients!r} are not a sequence") from exc
    if not items:
        raise InputError("coefficients are empty: a polynomial needs at least one")
    rational = [to_rational(c, name=f"coefficient c_{i}") for i, c in enumerate(items)]
    return Poly(list(reversed(rational)), _T, domain=QQ)


def _interval(interval: Sequence[Any]) -> tuple[sp.Rational, sp.Rational]:
    try:
        lo, hi = interval
    except (TypeError, ValueError) as exc:
        raise InputError(f"interval {interval!r} is not a pair (a, b)") from exc
    a = to_rational(lo, name="interval end")
    b = to_rational(hi, name="interval end")
    if not a < b:
        raise InputError(f"interval {tuple(interval)!r} is empty: need a < b")
    return a, b


def exact_maximum(p: Poly, a: sp.Rational, b: sp.Rational) -> tuple[sp.Rational, sp.Rational]:
    """(value, point): the maximum of ``p`` on ``[a, b]`` evaluated at a rational point.

    Candidates are the endpoints and the real roots of ``p'`` in ``(a, b)``, isolated to
    width ``(b − a)·2^-80``; the value returned is ``p`` at the best candidate, so it is a value
    ``p`` takes on ``[a, b]`` and lies within ``|p'|·(b−a)·2^-80`` of the true maximum.
    """
    candidates = [a, b]
    dp = p.diff(_T)
    if not dp.is_zero and dp.degree() > 0:
        eps = (b - a) / sp.Integer(2) ** _REFINE_BITS
        for (lo, hi), _mult in dp.intervals(inf=a, sup=b, eps=eps):
            mid = (sp.Rational(lo) + sp.Rational(hi)) / 2
            if a < mid < b:
                candidates.append(mid)
    values = [(p.eval(c), c) for c in candidates]
    return max(values, key=lambda vc: vc[0])


def _nonnegative_on(q: Poly, a: sp.Rational, b: sp.Rational) -> bool:
    """Exact decision: q(t) ≥ 0 for every t in [a, b]."""
    if q.is_zero:
        return True
    if q.eval(a) < 0 or q.eval(b) < 0:
        return False
    if q.degree() <= 0:
        return True
    _lc, factors = q.sqf_list()
    for factor, multiplicity in factors:
        if multiplicity % 2 == 1 and factor.degree() > 0:
            # a root of odd multiplicity strictly inside (a, b) is a sign change
            n_inside = factor.count_roots(a, b) - (factor.eval(a) == 0) - (factor.eval(b) == 0)
            if n_inside > 0:
                return False
    return True


def _float_coefficients(coefficients: Any) -> list[float] | None:
    """The coefficients as Python floats when every one is a float/int (else None)."""
    if isinstance(coefficients, (Poly, sp.Expr, str)):
        return None
    try:
        items = list(coefficients)
    except TypeError:
        return None
    if not items or not all(isinstance(c, (float, int)) and not isinstance(c, bool)
                            or type(c).__module__ == "numpy" for c in items):
        return None
    try:
        return [float(c) for c in items]
    except (TypeError, ValueError):
        return None


def certify_quadratic(
    coefficients: Sequence[float],
    bound: float,
    *,
    tolerance: float = 0.0,
    label: str = "",
    promise: str = "",
) -> Certificate:
    """Exact decision of p(t) = c_0 + c_1 t + c_2 t² ≤ bound + tolerance on [0, 1], in integer
    arithmetic.

    Every float is the dyadic rational it stores (``float.as_integer_ratio``); over a common
    power-of-two denominator D they are integers C_i, B, T, and the decision is: C_0 ≤ B + T,
    C_0 + C_1 + C_2 ≤ B + T and, when C_2 < 0 and the vertex t* = −C_1/(2C_2) lies in (0, 1),
    p(t*) ≤ (B + T)/D ⟺ 4C_0C_2 − C_1² ≥ 4C_2(B + T). Same semantics as
    :func:`certify_polynomial` (which calls it for degree ≤ 2 on [0, 1]), ~50× faster than root
    isolation. Most pieces of the linear and intrinsic-dimension constructions are such quadratics.
    """
    start = time.perf_counter()
    c = [float(v) for v in coefficients]
    while len(c) > 1 and c[-1] == 0.0:
        c.pop()
    if len(c) > 3:
        raise InputError(f"certify_quadratic got a polynomial of degree {len(c) - 1} > 2")
    values = c + [0.0] * (3 - len(c)) + [float(bound), float(tolerance)]
    for name, v in zip(("c_0", "c_1", "c_2", "bound", "tolerance"), values):
        if not math.isfinite(v):
            raise InputError(f"{name} {v!r} is not finite")
    if tolerance < 0:
        raise InputError(f"tolerance {tolerance!r} is negative")
    ratios = [v.as_integer_ratio() for v in values]
    D = max(den for _, den in ratios)
    C0, C1, C2, B, T = (num * (D // den) for num, den in ratios)
    top = B + T
    end0, end1 = C0, C0 + C1 + C2
    value, t_max = (Fraction(end1, D), Fraction(1)) if end1 > end0 else (Fraction(end0, D), Fraction(0))
    holds = end0 <= top and end1 <= top
    if C2 < 0 and 0 < C1 < -2 * C2:
        holds = holds and 4 * C0 * C2 - C1 * C1 >= 4 * C2 * top
        vertex_value = Fraction(4 * C0 * C2 - C1 * C1, 4 * C2 * D)
        if vertex_value > value:
            value, t_max = vertex_value, Fraction(-C1, 2 * C2)
    margin = float(Fraction(B, D) - value)
    if not holds:
        margin = min(margin, -0.0)
    return Certificate(
        holds=bool(holds),
        max_energy=float(value),
        argmax_t=float(t_max),
        bound=float(bound),
        margin=margin,
        method="exact",
        interval=(0.0, 1.0),
        tolerances={"absolute": float(tolerance)},
        wall_time=time.perf_counter() - start,
        label=label,
        promise=promise,
        details={"degree": len(c) - 1, "max_energy_exact": str(value),
                 "algorithm": "closed form, integer arithmetic"},
    )


def certify_polynomial(
    coefficients: Sequence[Any] | Poly,
    bound: Any,
    interval: Sequence[Any] = (0, 1),
    *,
    tolerance: float = 0.0,
    label: str = "",
    promise: str = "",
) -> Certificate:
    """Decide exactly whether ``p(t) ≤ bound + tolerance`` for all t in ``interval``.

    ``p(t) = Σ_k coefficients[k] t^k``. Floats are converted exactly (no rounding), so the
    answer is about the polynomial as given; the tolerance (default 0) is recorded.

    Returns a :class:`~theory.certificate.Certificate` with ``method="exact"``, the maximum of
    ``p`` on the interval, its argmax and ``margin = bound − max``.

    >>> certify_polynomial([0, 4, -4], 1).holds          # 4t(1 − t) ≤ 1 on [0, 1]
    True
    >>> certify_polynomial([0, 4, -4], 0.99).argmax_t
    0.5
    """
    start = time.perf_counter()
    floats = _float_coefficients(coefficients)
    if (floats is not None and len(floats) <= 3 and tuple(interval) == (0, 1)
            and isinstance(bound, (int, float)) and isinstance(tolerance, (int, float))):
        return certify_quadratic(floats, float(bound), tolerance=float(tolerance), label=label,
                                 promise=promise)
    p = polynomial(coefficients)
    a, b = _interval(interval)
    bound_q = to_rational(bound, name="bound")
    tol_q = to_rational(tolerance, name="tolerance")
    if tol_q < 0:
        raise InputError(f"tolerance {tolerance!r} is negative")
    holds = _nonnegative_on(Poly(bound_q + tol_q, _T, domain=QQ) - p, a, b)
    max_value, argmax = exact_maximum(p, a, b)
    margin = float(bound_q - max_value)
    if not holds:
        margin = min(margin, -0.0)
    return Certificate(
        holds=holds,
        max_energy=float(max_value),
        argmax_t=float(argmax),
        bound=float(bound_q),
        margin=margin,
        method="exact",
        interval=(float(a), float(b)),
        tolerances={"absolute": float(tolerance)},
        n_evaluations=0,
        wall_time=time.perf_counter() - start,
        label=label,
        promise=promise,
        details={"degree": p.degree(), "max_energy_exact": str(max_value)},
    )


def certify_piecewise_polynomial(
    breakpoints: Sequence[Any],
    pieces: Sequence[Sequence[Any] | Poly],
    bound: Any,
    *,
    tolerance: float = 0.0,
    label: str = "",
    promise: str = "",
) -> Certificate:
    """Exact certificate for a piecewise polynomial: piece i lives on [t_i, t_{i+1}].

    ``breakpoints`` t_0 < t_1 < … < t_k (k + 1 values) and ``pieces`` k coefficient sequences,
    each in the global variable t (increasing degree order). Holds iff every piece holds.
    """
    ts = [to_rational(t, name="breakpoint") for t in breakpoints]
    if len(ts) < 2:
        raise InputError(f"breakpoints {list(breakpoints)!r}: need at least two")
    if len(pieces) != len(ts) - 1:
        raise InputError(
            f"{len(pieces)} pieces for {len(ts)} breakpoints: need exactly {len(ts) - 1}"
        )
    for lo, hi in zip(ts, ts[1:]):
        if not lo < hi:
            raise InputError(f"breakpoints are not increasing at {lo} ≥ {hi}")
    certs = [
        certify_polynomial(c, bound, (lo, hi), tolerance=tolerance, label=f"{label}[{i}]",
                           promise=promise)
        for i, (c, lo, hi) in enumerate(zip(pieces, ts, ts[1:]))
    ]
    whole = combine(certs, label=label or "piecewise")
    whole.interval = (float(ts[0]), float(ts[-1]))
    whole.promise = promise
    return whole
