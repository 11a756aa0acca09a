"""Exact certificates: a univariate (piecewise) polynomial stays ≤ a bound on an interval.

Where the energy along a path is a polynomial in t (linear networks on a straight path in the
product, polynomial networks on straight paths in the output weights) the question
"does p(t) ≤ b hold for every t in [a₀, a₁]?" is decided here without sampling and without
floating point:

* every input is converted *exactly* to a rational (a float is the dyadic rational it stores);
* ``q = b + τ − p`` is made square-free (``g = q / gcd(q, q′)``, same real roots, all simple);
  its real roots are isolated rigorously, the roots lying exactly on a₀ or a₁ found by exact
  evaluation and divided out first, the other enclosures refined until none contains an end;
* ``q`` has one sign on each gap between consecutive roots, so ``q ≥ 0`` on [a₀, a₁] iff
  ``q ≥ 0`` at a₀, at a₁ and at one rational point inside every gap — exact rational
  evaluations. Touching (even-multiplicity) roots, roots at the ends, the zero polynomial,
  degree 0 and 1 and point intervals need no special rule;
* the maximum of ``p`` is over the ends and the real roots of ``p′``: rational roots (linear
  factors of ``p′``) are evaluated exactly, irrational ones in ball arithmetic, refined until
  the enclosure of the maximum has relative width ≤ 2⁻⁵⁰ (``max_energy_enclosure``).

**Which library decides, and why.** python-flint (FLINT/Arb): ``fmpq_poly`` arithmetic is
exact, and ``complex_roots`` (``arb_fmpz_poly_complex_roots``) returns *disjoint* enclosures of
every root of a square-free polynomial with the real roots' imaginary parts *exactly* zero, so
the real roots are identified rigorously; it is C code, maintained, and ~20× faster than
sympy's root isolation. (``fmpq_poly.real_roots`` is not implemented in python-flint 0.9.0.)
The tests cross-check against sympy's ``Poly`` root isolation and mpmath at 200 digits.

The exact conversions of the inputs (:func:`to_fmpq`, :func:`rational_polynomial`, directed
rounding back to floats) live in :mod:`sublevel.theory.rational` and are re-exported here.

Coefficients are in increasing degree order, ``p(t) = c_0 + c_1 t + … + c_d t^d`` (the
``numpy.polynomial`` convention).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any, cast

from flint import acb, arb, arb_poly, ctx, fmpq, fmpq_poly
from sublevel.theory.certificate import Certificate, combine
from sublevel.theory.errors import InputError
from sublevel.theory.rational import fmpq_to_float as fmpq_to_float
from sublevel.theory.rational import polynomial as polynomial
from sublevel.theory.rational import rational_polynomial as rational_polynomial
from sublevel.theory.rational import round_down as round_down
from sublevel.theory.rational import round_up as round_up
from sublevel.theory.rational import to_fmpq as to_fmpq
from sublevel.theory.rational import to_rational as to_rational

if TYPE_CHECKING:
    from sympy import Poly

__all__ = [
    "to_rational",
    "to_fmpq",
    "polynomial",
    "rational_polynomial",
    "certify_polynomial",
    "certify_quadratic",
    "certify_piecewise_polynomial",
    "nonnegative_on",
    "exact_maximum",
    "ExactMaximum",
    "fmpq_to_float",
    "round_down",
    "round_up",
]

#: relative width of the enclosure of the exact maximum
ENCLOSURE_BITS = 50
_START_PREC = 32
_MAX_PREC = 1 << 16


def _interval(interval: Sequence[Any]) -> tuple[fmpq, fmpq]:
    if isinstance(interval, (str, bytes)):
        raise InputError(f"interval {interval!r} is not a pair (a, b)")
    try:
        lo, hi = interval
    except (TypeError, ValueError) as exc:
        raise InputError(f"interval {interval!r} is not a pair (a, b)") from exc
    a = to_fmpq(lo, name="interval end")
    b = to_fmpq(hi, name="interval end")
    if a > b:
        raise InputError(f"interval {tuple(interval)!r} is reversed: need a ≤ b")
    return a, b


# ------------------------------------------------------------------------------------------
# rigorous real-root isolation on a closed interval
# ------------------------------------------------------------------------------------------


def _complex_roots(g: fmpq_poly) -> list[tuple[acb, int]]:
    """The complex roots of ``g`` as (ball, multiplicity) pairs (python-flint's stub says
    ``list[acb]``; the method returns pairs)."""
    return cast("list[tuple[acb, int]]", g.complex_roots())


def _arb_to_fmpq_bounds(x: arb) -> tuple[fmpq, fmpq]:
    """The exact rational ends [mid − rad, mid + rad] of a real ball."""
    m, e = x.mid().man_exp()
    r, f = x.rad().man_exp()
    mid = fmpq(int(m)) * fmpq(2) ** int(e)
    rad = fmpq(int(r)) * fmpq(2) ** int(f)
    return mid - rad, mid + rad


def _squarefree_part(q: fmpq_poly) -> fmpq_poly:
    if q.degree() <= 1:
        return q
    g = q.gcd(q.derivative())
    return q if g.degree() <= 0 else q // g


def _without_end_roots(g: fmpq_poly, a: fmpq, b: fmpq) -> fmpq_poly:
    """The square-free ``g`` divided by (t − a) and (t − b) where they divide it (roots exactly
    at an end are known exactly and need no isolation)."""
    for end in (a, b):
        if g.degree() > 0 and g(end) == 0:
            g = g // fmpq_poly([-end, 1])
    return g


def _real_root_enclosures(g: fmpq_poly, a: fmpq, b: fmpq) -> list[tuple[fmpq, fmpq]]:
    """Disjoint rational enclosures [l, r] ⊂ (a, b) of every real root of the square-free
    ``g`` lying strictly inside (a, b); ``g(a) ≠ 0 ≠ g(b)`` is required. Refined until no
    enclosure contains a or b (possible: a root ≠ a is at positive distance from a)."""
    if g.degree() <= 0:
        return []
    prec = _START_PREC
    while True:
        with ctx.workprec(prec):
            roots = _complex_roots(g)
        inside: list[tuple[fmpq, fmpq]] = []
        ambiguous = False
        for z, _mult in roots:
            if not z.imag.is_zero():  # Arb sets real roots' imaginary parts exactly to zero
                continue
            lo, hi = _arb_to_fmpq_bounds(z.real)
            if hi < a or lo > b:
                continue
            if lo <= a or hi >= b:
                ambiguous = True
                break
            inside.append((lo, hi))
        if not ambiguous:
            return sorted(inside)
        prec *= 2
        if prec > _MAX_PREC:  # pragma: no cover - roots of rational inputs separate sooner
            raise ArithmeticError("root isolation did not separate a root from an end")


def nonnegative_on(q: fmpq_poly, a: fmpq, b: fmpq) -> bool:
    """Exact decision: ``q(t) ≥ 0`` for every t in [a, b] (a ≤ b, rational).

    The real roots of q's square-free part inside (a, b) are isolated; q has one sign on each
    gap between consecutive roots and ends, so q ≥ 0 iff it is ≥ 0 at a, at b and at one
    rational point inside every gap (exact evaluations)."""
    if q.is_zero():
        return True
    if q(a) < 0 or q(b) < 0:
        return False
    if a == b or q.degree() <= 0:
        return True
    g = _without_end_roots(_squarefree_part(q), a, b)
    probes: list[fmpq] = []
    left = a
    for lo, hi in _real_root_enclosures(g, a, b):
        probes.append((left + lo) / 2)
        left = hi
    probes.append((left + b) / 2)
    return all(q(s) >= 0 for s in probes)


# ------------------------------------------------------------------------------------------
# the exact maximum, enclosed
# ------------------------------------------------------------------------------------------


class ExactMaximum:
    """max_{t ∈ [a, b]} p(t): a rational enclosure ``[lower, upper]`` (relative width
    ≤ 2⁻⁵⁰, or exact when the maximiser is rational), the maximiser's enclosure
    ``[t_lower, t_upper]`` (the smallest maximiser on ties) and ``exact`` (the value itself
    when known as a rational)."""

    __slots__ = ("lower", "upper", "t_lower", "t_upper", "exact")

    def __init__(
        self, lower: fmpq, upper: fmpq, t_lower: fmpq, t_upper: fmpq, exact: fmpq | None
    ) -> None:
        self.lower, self.upper, self.t_lower, self.t_upper, self.exact = (
            lower,
            upper,
            t_lower,
            t_upper,
            exact,
        )

    @property
    def value(self) -> fmpq:
        """The exact value when rational, else the midpoint of the enclosure."""
        return self.exact if self.exact is not None else (self.lower + self.upper) / 2

    @property
    def argmax(self) -> fmpq:
        """The maximiser (exact when rational, else the midpoint of its enclosure)."""
        return (self.t_lower + self.t_upper) / 2

    def __repr__(self) -> str:
        return f"ExactMaximum([{self.lower}, {self.upper}] at t ∈ [{self.t_lower}, {self.t_upper}])"


def _narrow_enough(lo: fmpq, hi: fmpq) -> bool:
    if lo == hi:
        return True
    scale = max(abs(lo), abs(hi))
    return hi - lo <= scale / fmpq(2) ** ENCLOSURE_BITS


def exact_maximum(p: fmpq_poly | Sequence[Any], a: Any = 0, b: Any = 1) -> ExactMaximum:
    """The maximum of ``p`` on [a, b], enclosed rigorously.

    Candidates: the ends and the real roots ρ of p′ in (a, b), isolated with Arb (disjoint
    balls m ± r of the square-free part of p′). A root that is a small-denominator rational
    (checked exactly) is evaluated exactly. Otherwise p(m) is a value p takes (a lower bound of
    the maximum) and, by Taylor's theorem with p′(ρ) = 0, |p(ρ) − p(m)| ≤ |p′(m)|·r +
    max_{ball}|p″|·r²/2 (p″ enclosed by Arb on the ball). The precision doubles until the
    enclosure of the maximum has relative width ≤ 2⁻⁵⁰; a maximum equal to 0 at an irrational
    point is detected exactly (ρ is then a common root of p and p′).

    >>> m = exact_maximum([1, 0, 1, -1], 0, 1)     # 1 + t² − t³: 31/27 at t = 2/3
    >>> (m.exact, m.argmax)
    (31/27, 2/3)
    """
    p = rational_polynomial(p)
    a_q, b_q = to_fmpq(a, name="interval end"), to_fmpq(b, name="interval end")
    if a_q > b_q:
        raise InputError(f"interval ({a!r}, {b!r}) is reversed: need a ≤ b")
    ends = [_Candidate(p(t), p(t), t, t) for t in (a_q, b_q)]
    dp = p.derivative()
    if dp.degree() <= 0 or a_q == b_q:
        found = _maximum_of(ends, final=True)
        assert found is not None
        return found
    # the ends are candidates already: divide their roots out of the critical polynomial
    g = _without_end_roots(_squarefree_part(dp), a_q, b_q)
    prec = _START_PREC
    while True:
        inner = _critical_candidates(p, g, a_q, b_q, prec)
        if inner is not None:
            found = _maximum_of(ends + inner, final=prec >= _MAX_PREC)
            if found is not None:
                return found
        prec *= 2


class _Candidate:
    __slots__ = ("lo", "hi", "t_lo", "t_hi")

    def __init__(self, lo: fmpq, hi: fmpq, t_lo: fmpq, t_hi: fmpq) -> None:
        self.lo, self.hi, self.t_lo, self.t_hi = lo, hi, t_lo, t_hi


_SNAP_DENOMINATOR = 10**9


def _arb_upper(x: arb) -> fmpq:
    return _arb_to_fmpq_bounds(x)[1]


def _critical_candidates(
    p: fmpq_poly, g: fmpq_poly, a: fmpq, b: fmpq, prec: int
) -> list[_Candidate] | None:
    """Enclosures of p at the real roots in (a, b) of the square-free ``g`` (the critical
    points; ``g(a) ≠ 0 ≠ g(b)``), at ``prec`` bits; None when some root's ball still contains
    an end (a root ≠ a is at positive distance from a: more bits separate them)."""
    out: list[_Candidate] = []
    if g.degree() <= 0:
        return out
    if g.degree() == 1:  # one critical point, rational: exactly
        c0, c1 = g.coeffs()
        s = -c0 / c1
        if a < s < b:
            out.append(_Candidate(p(s), p(s), s, s))
        return out
    with ctx.workprec(prec):
        roots = _complex_roots(g)
        d1, d2 = p.derivative(), p.derivative().derivative()
        ap2 = arb_poly([arb(c.p) / arb(c.q) for c in d2.coeffs()])
        common: fmpq_poly | None = None
        for z, _mult in roots:
            if not z.imag.is_zero():  # Arb sets real roots' imaginary parts exactly to zero
                continue
            t_lo, t_hi = _arb_to_fmpq_bounds(z.real)
            if t_hi < a or t_lo > b:
                continue
            if t_lo <= a or t_hi >= b:
                return None
            m = (t_lo + t_hi) / 2
            r = (t_hi - t_lo) / 2
            snap = Fraction(int(m.p), int(m.q)).limit_denominator(_SNAP_DENOMINATOR)
            s = fmpq(snap.numerator, snap.denominator)
            if t_lo <= s <= t_hi and g(s) == 0:  # a rational critical point, exactly
                v = p(s)
                out.append(_Candidate(v, v, s, s))
                continue
            v_m = p(m)
            bound2 = _arb_upper(abs(ap2(z.real)))
            delta = abs(d1(m)) * r + bound2 * r * r / 2
            lo, hi = v_m, v_m + delta
            if v_m <= 0 <= hi:
                if common is None:
                    common = _squarefree_part(p.gcd(g))
                if common.degree() > 0 and _has_root_in(common, t_lo, t_hi):
                    lo = hi = fmpq(0)
            out.append(_Candidate(lo, hi, t_lo, t_hi))
    return out


def _has_root_in(h: fmpq_poly, lo: fmpq, hi: fmpq) -> bool:
    """Whether the square-free ``h`` — whose real roots are either inside (lo, hi) or at a
    positive distance from [lo, hi] — has a real root in [lo, hi]."""
    prec = _START_PREC
    while prec <= _MAX_PREC:
        with ctx.workprec(prec):
            undecided = False
            for z, _m in _complex_roots(h):
                if not z.imag.is_zero():
                    continue
                r_lo, r_hi = _arb_to_fmpq_bounds(z.real)
                if lo <= r_lo and r_hi <= hi:
                    return True
                if r_hi >= lo and r_lo <= hi:
                    undecided = True
            if not undecided:
                return False
        prec *= 2
    return False  # pragma: no cover - separated long before


def _maximum_of(cands: list[_Candidate], *, final: bool) -> ExactMaximum | None:
    top_lo = max(c.lo for c in cands)
    top_hi = max(c.hi for c in cands)
    if not (final or _narrow_enough(top_lo, top_hi)):
        return None
    # the smallest t among the candidates that may hold the maximum
    first = min((c for c in cands if c.hi >= top_lo), key=lambda c: c.t_lo)
    exact = top_lo if top_lo == top_hi else None
    return ExactMaximum(top_lo, top_hi, first.t_lo, first.t_hi, exact)


# ------------------------------------------------------------------------------------------
# certificates
# ------------------------------------------------------------------------------------------


def _check_tolerance(tolerance: Any) -> fmpq:
    tau = to_fmpq(tolerance, name="tolerance")
    if tau < 0:
        raise InputError(f"tolerance {tolerance!r} is negative")
    return tau


def _decide(p: fmpq_poly, bound: fmpq, tau: fmpq, a: fmpq, b: fmpq) -> tuple[bool, bool]:
    """(holds, needs τ): p ≤ bound + τ on [a, b]; ``needs τ`` when p ≤ bound fails."""
    if nonnegative_on(fmpq_poly([bound]) - p, a, b):
        return True, False
    if tau > 0 and nonnegative_on(fmpq_poly([bound + tau]) - p, a, b):
        return True, True
    return False, False


def _certificate(
    p: fmpq_poly,
    bound_q: fmpq,
    tau: fmpq,
    a: fmpq,
    b: fmpq,
    *,
    bound_f: float,
    tolerance: float,
    label: str,
    promise: str,
    start: float,
    algorithm: str,
) -> Certificate:
    mx = exact_maximum(p, a, b)
    if mx.upper <= bound_q:  # the rigorous enclosure already decides
        holds, needs_tau = True, False
    elif mx.lower > bound_q + tau:
        holds, needs_tau = False, False
    else:  # the bound lies within the enclosure's width of the maximum: decide exactly
        holds, needs_tau = _decide(p, bound_q, tau, a, b)
    value = mx.value
    max_energy = fmpq_to_float(value)
    margin = fmpq_to_float(bound_q - value)
    if holds and not needs_tau:
        # proven: max ≤ bound, so the reported floats say so too
        max_energy = min(max_energy, fmpq_to_float(bound_q))
        margin = max(margin, 0.0)
    elif not holds:
        margin = min(margin, -0.0)
    t_star = fmpq_to_float(mx.argmax)
    return Certificate(
        holds=holds,
        max_energy=max_energy,
        argmax_t=t_star,
        bound=bound_f,
        margin=margin,
        method="exact",
        interval=(fmpq_to_float(a), fmpq_to_float(b)),
        tolerances={"tau": float(tolerance)},
        n_evaluations=0,
        wall_time=time.perf_counter() - start,
        label=label,
        promise=promise,
        outcome="holds" if holds else "fails",
        max_energy_enclosure=(round_down(mx.lower), round_up(mx.upper)),
        holds_within=float(tolerance) if needs_tau else 0.0,
        details={
            "degree": max(p.degree(), 0),
            "max_energy_exact": str(mx.exact) if mx.exact is not None else None,
            "max_energy_enclosure_exact": [str(mx.lower), str(mx.upper)],
            "algorithm": algorithm,
        },
    )


def certify_polynomial(
    coefficients: Sequence[Any] | Poly | fmpq_poly,
    bound: Any,
    interval: Sequence[Any] = (0, 1),
    *,
    tolerance: Any = 0,
    label: str = "",
    promise: str = "",
) -> Certificate:
    """Decide exactly whether ``p(t) ≤ bound + τ`` for every t in ``interval`` (τ = tolerance,
    default 0; a point interval is allowed).

    ``p(t) = Σ_k coefficients[k] t^k``. Floats are converted exactly (no rounding), so the
    answer is about the polynomial as given. Returns a :class:`~sublevel.theory.certificate.Certificate`
    with ``method="exact"``, ``outcome`` ``holds``/``fails``, the maximum of ``p`` (a float
    inside ``max_energy_enclosure``, a rational enclosure of relative width ≤ 2⁻⁵⁰), its
    smallest maximiser ``argmax_t`` and ``margin = bound − max``; ``holds_within = τ`` when it
    holds only thanks to τ > 0.

    >>> certify_polynomial([0, 4, -4], 1).holds          # 4t(1 − t) ≤ 1 on [0, 1]
    True
    >>> certify_polynomial([1, 0, 1, -1], 1).outcome     # 1 + t² − t³ peaks at 31/27
    'fails'
    """
    start = time.perf_counter()
    p = rational_polynomial(coefficients)
    a, b = _interval(interval)
    bound_q = to_fmpq(bound, name="bound")
    tau = _check_tolerance(tolerance)
    return _certificate(
        p,
        bound_q,
        tau,
        a,
        b,
        bound_f=fmpq_to_float(bound_q),
        tolerance=fmpq_to_float(tau),
        label=label,
        promise=promise,
        start=start,
        algorithm="python-flint: square-free part, Arb root isolation, exact sign on every gap",
    )


def certify_quadratic(
    coefficients: Sequence[Any],
    bound: Any,
    *,
    tolerance: Any = 0,
    label: str = "",
    promise: str = "",
) -> Certificate:
    """:func:`certify_polynomial` on [0, 1] for a polynomial of degree ≤ 2, in closed form.

    Exact rational arithmetic: ``p(t) = c_0 + c_1 t + c_2 t²`` is ≤ B = bound + τ on [0, 1] iff
    c_0 ≤ B, c_0 + c_1 + c_2 ≤ B and, when c_2 < 0 and the vertex t* = −c_1/(2c_2) lies in
    (0, 1), p(t*) = c_0 − c_1²/(4c_2) ≤ B. Same contract as :func:`certify_polynomial`.

    >>> certify_quadratic([0, 4, -4], 1).argmax_t
    0.5
    """
    start = time.perf_counter()
    p = rational_polynomial(coefficients)
    if p.degree() > 2:
        raise InputError(f"certify_quadratic got a polynomial of degree {p.degree()} > 2")
    bound_q = to_fmpq(bound, name="bound")
    tau = _check_tolerance(tolerance)
    c = list(p.coeffs()) + [fmpq(0)] * 3
    c0, c1, c2 = c[0], c[1], c[2]
    zero, one = fmpq(0), fmpq(1)
    cands = [(c0, zero), (c0 + c1 + c2, one)]
    if c2 < 0 and 0 < c1 < -2 * c2:
        cands.append((c0 - c1 * c1 / (4 * c2), -c1 / (2 * c2)))
    top = max(v for v, _t in cands)
    t_star = min(t for v, t in cands if v == top)
    holds0 = top <= bound_q
    holds = holds0 or top <= bound_q + tau
    margin = fmpq_to_float(bound_q - top)
    exact_top = fmpq_to_float(top)
    return Certificate(
        holds=holds,
        max_energy=exact_top,
        argmax_t=fmpq_to_float(t_star),
        bound=fmpq_to_float(bound_q),
        margin=margin,  # ≤ −0.0 when the bound fails: bound − top < 0 rounds to a non-positive float
        method="exact",
        interval=(0.0, 1.0),
        tolerances={"tau": fmpq_to_float(tau)},
        wall_time=time.perf_counter() - start,
        label=label,
        promise=promise,
        outcome="holds" if holds else "fails",
        max_energy_enclosure=(round_down(top), round_up(top)),
        holds_within=fmpq_to_float(tau) if holds and not holds0 else 0.0,
        details={
            "degree": max(p.degree(), 0),
            "max_energy_exact": str(top),
            "max_energy_enclosure_exact": [str(top), str(top)],
            "algorithm": "closed form, exact rationals",
        },
    )


def certify_piecewise_polynomial(
    breakpoints: Sequence[Any],
    pieces: Sequence[Sequence[Any] | Poly],
    bound: Any,
    *,
    tolerance: Any = 0,
    label: str = "",
    promise: str = "",
) -> Certificate:
    """Exact certificate for a piecewise polynomial: piece i lives on [t_i, t_{i+1}].

    ``breakpoints`` t_0 < t_1 < … < t_k (k + 1 values) and ``pieces`` k coefficient sequences,
    each in the global variable t (increasing degree order). Holds iff every piece holds.
    """
    ts = [to_fmpq(t, name="breakpoint") for t in breakpoints]
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
        certify_polynomial(c, bound, (lo, hi), tolerance=tolerance, label=f"{label}[{i}]")
        for i, (c, lo, hi) in enumerate(zip(pieces, ts, ts[1:]))
    ]
    whole = combine(certs, label=label or "piecewise")
    whole.interval = (fmpq_to_float(ts[0]), fmpq_to_float(ts[-1]))
    whole.promise = promise
    return whole
