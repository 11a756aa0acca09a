"""sublevel.theory.exact: the exact decision "p ≤ b on [a₀, a₁]" and the enclosed maximum.

Oracles independent of python-flint: mpmath at 200 digits on the critical points of p (the
square-free part of p′ taken with sympy), and families whose answer is known by construction
(roots at, or within 2⁻⁶⁰ of, an end; double and triple roots touching the bound inside; the
bound equal to the true maximum; coefficients from 10⁻³⁰ to 10³⁰).
"""

from __future__ import annotations

import math
import os
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from flint import fmpq, fmpq_poly
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sublevel.theory.errors import InputError
from sublevel.theory.exact import (
    ENCLOSURE_BITS,
    certify_piecewise_polynomial,
    certify_polynomial,
    certify_quadratic,
    exact_maximum,
    nonnegative_on,
    polynomial,
    rational_polynomial,
    to_fmpq,
    to_rational,
)

F = Fraction
T = sp.Symbol("t")
#: benchmarks/mutation.sh sets SUBLEVEL_MUTATION=1: fewer examples per property, same properties
FAST = os.environ.get("SUBLEVEL_MUTATION") == "1"


def examples(n: int) -> int:
    """``n`` hypothesis examples, or at most 12 under mutation testing."""
    return min(n, 12) if FAST else n


ORACLE_DPS = 200
ZERO, ONE = F(0), F(1)


# ------------------------------------------------------------------------------------------
# the independent oracle
# ------------------------------------------------------------------------------------------


def oracle_maximum(coeffs, a=ZERO, b=ONE) -> mpmath.mpf:
    """max_{[a, b]} p at 200 digits: ends and the real roots of the square-free part of p′
    (sympy for the algebra, mpmath for the roots)."""
    with mpmath.workdps(ORACLE_DPS):
        p = sp.Poly(list(reversed([sp.Rational(c.numerator, c.denominator) for c in coeffs])), T)

        def ev(x):
            return mpmath.polyval([mpmath.mpf(c.p) / c.q for c in p.all_coeffs()], x)

        a_m, b_m = mpmath.mpf(a.numerator) / a.denominator, mpmath.mpf(b.numerator) / b.denominator
        values = [ev(a_m), ev(b_m)]
        dp = p.diff(T)
        if dp.degree() > 0:
            sqf = sp.Poly(sp.quo(dp, sp.gcd(dp, dp.diff(T))), T)
            cs = [mpmath.mpf(c.p) / c.q for c in sqf.all_coeffs()]
            if len(cs) > 1:
                for r in mpmath.polyroots(cs, maxsteps=500, extraprec=4 * ORACLE_DPS):
                    if abs(mpmath.im(r)) < mpmath.mpf(10) ** (-ORACLE_DPS // 2):
                        x = mpmath.re(r)
                        if a_m <= x <= b_m:
                            values.append(ev(x))
        return max(values)


def oracle_decides(coeffs, bound, a=ZERO, b=ONE):
    """True/False when the 200-digit maximum is clearly on one side of the bound; None when it
    is within 10⁻¹⁵⁰ (relative) of it."""
    with mpmath.workdps(ORACLE_DPS):
        m = oracle_maximum(coeffs, a, b)
        bq = mpmath.mpf(bound.numerator) / bound.denominator
        scale = max(mpmath.mpf(1), abs(bq), abs(m))
        if m > bq + scale * mpmath.mpf(10) ** -150:
            return False
        if m < bq - scale * mpmath.mpf(10) ** -150:
            return True
        return None


# ------------------------------------------------------------------------------------------
# strategies: adversarial rational polynomials
# ------------------------------------------------------------------------------------------

small = st.fractions(min_value=-10, max_value=10, max_denominator=30)
exponents = st.integers(min_value=-30, max_value=30)


@st.composite
def scaled_coefficients(draw, max_degree=16):
    """Degree 0–16, each coefficient a small rational times 10^k, k in −30…30."""
    n = draw(st.integers(min_value=1, max_value=max_degree + 1))
    scale = F(10) ** draw(exponents)
    return [draw(small) * scale for _ in range(n)]


def expand(factors):
    """Coefficients (increasing degree) of a product of polynomials given by coefficients."""
    out = fmpq_poly([1])
    for f in factors:
        out *= fmpq_poly([fmpq(c.numerator, c.denominator) for c in f])
    return [F(int(c.p), int(c.q)) for c in out.coeffs()] or [F(0)]


positive_factor = st.tuples(
    st.fractions(min_value=F(1, 10), max_value=10, max_denominator=20),
    st.fractions(min_value=0, max_value=10, max_denominator=20),
)
# (1 + c t²)·k > 0 everywhere


@st.composite
def touching(draw):
    """p = b − k(t − r)^{2m}(1 + c t²): max exactly b at t = r ∈ [0, 1] (an end included)."""
    r = draw(
        st.sampled_from([F(0), F(1), F(1, 2), F(1, 3)]) | st.fractions(0, 1, max_denominator=50)
    )
    m = draw(st.integers(1, 3))
    k, c = draw(positive_factor)
    b = draw(small) * F(10) ** draw(st.integers(-30, 30))
    q = expand([[-r, 1]] * (2 * m) + [[1, 0, c]])
    p = [-k * x for x in q]
    p[0] += b
    return p, b, r


# ------------------------------------------------------------------------------------------
# the oracle tests
# ------------------------------------------------------------------------------------------


@settings(max_examples=examples(50), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scaled_coefficients(), st.fractions(min_value=-10, max_value=10, max_denominator=7))
def test_decision_and_enclosure_agree_with_the_200_digit_oracle(coeffs, rel_bound):
    m = oracle_maximum(coeffs)
    with mpmath.workdps(ORACLE_DPS):
        # a bound near the maximum, on either side, at the polynomial's scale
        bound = F(mpmath.nstr(m, 40, min_fixed=-math.inf, max_fixed=math.inf)) if m else F(0)
        bound += rel_bound * F(10) ** -6 * max(F(1), abs(bound))
    cert = certify_polynomial(coeffs, bound)
    truth = oracle_decides(coeffs, bound)
    assume(truth is not None)
    assert cert.holds is truth
    assert cert.outcome == ("holds" if truth else "fails")
    lo, hi = (F(x) for x in cert.details["max_energy_enclosure_exact"])
    with mpmath.workdps(ORACLE_DPS):
        slack = mpmath.mpf(10) ** -150 * max(1, abs(m))
        assert mpmath.mpf(lo.numerator) / lo.denominator <= m + slack
        assert m - slack <= mpmath.mpf(hi.numerator) / hi.denominator
    assert hi - lo <= max(abs(lo), abs(hi)) / 2**ENCLOSURE_BITS
    assert cert.max_energy_enclosure[0] <= cert.max_energy <= cert.max_energy_enclosure[1]
    if cert.holds:
        assert cert.margin >= 0


@settings(max_examples=examples(120), deadline=None)
@given(touching())
def test_bound_equal_to_the_true_maximum_holds_and_just_below_fails(case):
    p, b, r = case
    at = certify_polynomial(p, b)
    assert at.holds and at.outcome == "holds" and at.margin >= 0
    assert at.details["max_energy_exact"] == str(fmpq(b.numerator, b.denominator))
    eps = max(abs(b), F(1)) / 2**60
    below = certify_polynomial(p, b - eps)
    assert not below.holds and below.outcome == "fails" and below.margin <= 0
    assert at.argmax_t == pytest.approx(float(r), abs=1e-12)


@pytest.mark.parametrize("m", [1, 2, 3])
@pytest.mark.parametrize("r", [F(0), F(1), F(1, 2), F(1, 2**60), 1 - F(1, 2**60)])
def test_roots_touching_or_crossing_the_bound(m, r):
    """q = b − p = (t − r)^m (1 + t²): m even touches (holds), m odd crosses (fails) unless
    the only negative side lies outside [0, 1]."""
    q = expand([[-r, 1]] * m + [[1, 0, 1]])
    p = [-x for x in q]
    cert = certify_polynomial(p, 0)
    negative_inside = m % 2 == 1 and r > 0  # (t − r)^odd < 0 for t < r
    assert cert.holds is (not negative_inside)


def test_two_roots_within_two_to_the_minus_sixty_of_an_end():
    """q = t(t − 2⁻⁶⁰)(1 + t²): zero at both 0 and 2⁻⁶⁰, negative only between them."""
    r = F(1, 2**60)
    q = expand([[0, 1], [-r, 1], [1, 0, 1]])
    assert not certify_polynomial([-x for x in q], 0).holds
    # the mirror image at the right end
    s = 1 - r
    q = expand([[-1, 1], [-s, 1], [1, 0, 1]])
    assert not certify_polynomial([-x for x in q], 0).holds
    # and the same two roots squared: touching, holds
    q = expand([[0, 1], [0, 1], [-r, 1], [-r, 1]])
    assert certify_polynomial([-x for x in q], 0).holds


def test_regressions_from_the_issue():
    """1 + t² − t³ peaks at 31/27 at t = 2/3; t − t² with Fractions is not ≤ 0."""
    c = certify_polynomial([1, 0, 1, -1], 1)
    assert not c.holds and c.outcome == "fails"
    assert c.details["max_energy_exact"] == "31/27"
    assert c.argmax_t == pytest.approx(2 / 3) and c.margin == pytest.approx(-4 / 27)
    assert not certify_polynomial([F(0), F(1), F(-1)], 0).holds
    assert not certify_polynomial([0, 1, -1], 0).holds
    assert not certify_polynomial([0.0, 1.0, -1.0], 0.0).holds
    assert certify_polynomial([0, 1, -1], F(1, 4)).holds


def test_identically_zero_constant_degree_one_and_point_intervals():
    assert certify_polynomial([0], 0).holds
    assert certify_polynomial([0, 0, 0], 0).holds
    assert not certify_polynomial([0], -1e-300).holds
    assert certify_polynomial([5], 5).holds and not certify_polynomial([5], 4.999).holds
    assert certify_polynomial([0, 1], 1).holds and not certify_polynomial([0, 1], F(99, 100)).holds
    assert certify_polynomial([0, -1], 0).holds and certify_polynomial([0, -1], 0).argmax_t == 0
    point = certify_polynomial([1, 0, 1, -1], 1, (F(2, 3), F(2, 3)))
    assert not point.holds and point.interval == (2 / 3, 2 / 3)
    assert certify_polynomial([1, 0, 1, -1], 1, (0, 0)).holds
    assert certify_polynomial([0, 1, -1], 0, (1, 1)).holds


def test_smallest_argmax_on_ties():
    # x⁶ − x⁴ on [−1, 1]: maximum 0 at −1, 0 and 1
    c = certify_polynomial([0, 0, 0, 0, -1, 0, 1], 0, (-1, 1))
    assert c.holds and c.argmax_t == -1.0 and c.max_energy == 0.0
    # −(t² − 2)² on [−3, 3]: maximum 0 at ±√2 (irrational), detected exactly
    c = certify_polynomial([-4, 0, 4, 0, -1], 0, (-3, 3))
    assert c.holds and c.details["max_energy_exact"] == "0"
    assert c.argmax_t == pytest.approx(-math.sqrt(2))


def test_irrational_maximiser_is_enclosed_to_two_to_the_minus_fifty():
    m = exact_maximum([0, 3, 0, -1], 0, 2)  # 3t − t³: max 2 at t = 1 (rational)
    assert m.exact == 2
    m = exact_maximum([0, 2, 0, -1], 0, 2)  # 2t − t³: max (4/3)√(2/3) at t = √(2/3)
    true = 4 / 3 * math.sqrt(2 / 3)
    assert m.exact is None
    lo, hi = (F(int(v.p), int(v.q)) for v in (m.lower, m.upper))
    assert lo <= F(true) * (1 + F(1, 2**50)) and hi >= F(true) * (1 - F(1, 2**50))
    assert hi - lo <= hi / 2**ENCLOSURE_BITS


def sympy_nonnegative(coeffs, bound, lo, hi) -> bool:
    """q = b − p ≥ 0 on [lo, hi], decided with sympy alone: q at the ends and between the
    disjoint isolating intervals of its real roots in [lo, hi]."""
    q = sp.Poly(sp.Rational(bound.numerator, bound.denominator), T) - sp.Poly(
        list(reversed([sp.Rational(c.numerator, c.denominator) for c in coeffs])), T
    )
    if q.is_zero:
        return True
    a, b = sp.Rational(lo.numerator, lo.denominator), sp.Rational(hi.numerator, hi.denominator)
    probes = [a, b]
    if q.degree() > 0 and a < b:
        ivs = sorted(
            (sp.Rational(x), sp.Rational(y))
            for (x, y), _m in q.intervals(inf=a, sup=b, eps=sp.Rational(1, 10**40))
        )
        edges = [a] + [e for iv in ivs for e in iv] + [b]
        probes += [
            (edges[k] + edges[k + 1]) / 2
            for k in range(0, len(edges) - 1, 2)
            if edges[k] < edges[k + 1]
        ]
    return all(q.eval(x) >= 0 for x in probes)


@settings(max_examples=examples(80), deadline=None)
@given(st.lists(small, min_size=1, max_size=9), small, small, st.fractions(0, 3, max_denominator=9))
def test_decision_agrees_with_sympy_root_isolation(coeffs, bound, a, width):
    lo, hi = a, a + width
    assert certify_polynomial(coeffs, bound, (lo, hi)).holds is sympy_nonnegative(
        coeffs, bound, lo, hi
    )


@settings(max_examples=examples(60), deadline=None)
@given(touching())
def test_touching_cases_agree_with_sympy(case):
    p, b, _r = case
    assert sympy_nonnegative(p, b, F(0), F(1))
    assert certify_polynomial(p, b).holds


def test_rational_inputs_are_taken_exactly():
    assert to_fmpq(0.1) == fmpq(3602879701896397, 36028797018963968)
    assert to_rational(0.1) == sp.Rational(3602879701896397, 36028797018963968)
    assert to_fmpq(np.float32(0.5)) == fmpq(1, 2)
    assert to_fmpq(F(2, 3)) == fmpq(2, 3) and to_fmpq(sp.Rational(2, 3)) == fmpq(2, 3)
    # 0.1 + 0.2 − 0.3 as the floats are is not zero: the decision sees it
    assert not certify_polynomial([0.1 + 0.2 - 0.3], 0).holds
    assert rational_polynomial(polynomial([F(1, 3), 2])) == fmpq_poly([fmpq(1, 3), 2])


def test_user_tolerance_is_separate_and_recorded():
    c = certify_polynomial([1, 0, 1, -1], 1, tolerance=0.2)
    assert c.holds and c.holds_within == 0.2 and c.tolerances == {"tau": 0.2}
    assert c.margin < 0  # honest: the maximum is above the bound itself
    c = certify_polynomial([1, 0, 1, -1], 1, tolerance=0.1)
    assert not c.holds and c.holds_within == 0.0
    c = certify_polynomial([0, 1, -1], 1)
    assert c.holds and c.holds_within == 0.0 and c.tolerances == {"tau": 0.0}


def test_nonnegative_on_directly():
    zero, one = fmpq(0), fmpq(1)
    assert nonnegative_on(fmpq_poly([]), zero, one)
    assert not nonnegative_on(fmpq_poly([0, -1, 1]), zero, one)  # t² − t
    assert nonnegative_on(fmpq_poly([fmpq(1, 4), -1, 1]), zero, one)  # (t − ½)²
    assert not nonnegative_on(fmpq_poly([-fmpq(1, 8), fmpq(3, 4), -fmpq(3, 2), 1]), zero, one)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (([float("nan")], 1), "nan"),
        (([1.0, float("inf")], 1), "inf"),
        (([], 1), "empty"),
        (([1], float("nan")), "bound"),
        (([1], "one"), "bound"),
        (([1], 1, (1, 0)), "reversed"),
        (([1], 1, (0,)), "pair"),
        (([1], 1, (0, float("inf"))), "interval end"),
        (([1j], 1), "coefficient"),
        (("12", 1), "sequence"),
    ],
)
def test_bad_input_names_the_value(args, fragment):
    with pytest.raises(InputError, match=fragment):
        certify_polynomial(*args)


def test_negative_tolerance_is_refused():
    with pytest.raises(InputError, match="negative"):
        certify_polynomial([1], 1, tolerance=-1e-9)
    with pytest.raises(InputError, match="negative"):
        certify_quadratic([1], 1, tolerance=-1e-9)


def test_piecewise():
    cert = certify_piecewise_polynomial([0, 0.5, 1], [[0, 2], [2, -2]], 1)  # a tent, peak 1
    assert cert.holds and cert.max_energy == 1.0 and cert.method == "exact"
    assert not certify_piecewise_polynomial([0, 0.5, 1], [[0, 2], [2, -2]], 0.999).holds
    with pytest.raises(InputError, match="increasing"):
        certify_piecewise_polynomial([0, 0.5, 0.5], [[0], [0]], 1)
    with pytest.raises(InputError, match="pieces"):
        certify_piecewise_polynomial([0, 1], [[0], [0]], 1)
    with pytest.raises(InputError, match="two"):
        certify_piecewise_polynomial([0], [], 1)


@settings(max_examples=examples(200), deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=3),
    st.floats(-1e3, 1e3, allow_nan=False),
    st.sampled_from([0.0, 1e-12, 1.0]),
)
def test_quadratic_closed_form_agrees_with_root_isolation(c, bound, tol):
    q = certify_quadratic(c, bound, tolerance=tol)
    g = certify_polynomial(c, bound, tolerance=tol)
    assert (q.holds, q.outcome, q.holds_within) == (g.holds, g.outcome, g.holds_within)
    assert q.max_energy == g.max_energy and q.argmax_t == g.argmax_t
    assert q.details["max_energy_exact"] == g.details["max_energy_exact"]


def test_quadratic_default_tolerance_is_zero_and_the_vertex_decides():
    # −4t² + 4t peaks at 1 at t = ½; bound just below must fail with the default τ
    below = 1 - 2.0**-40
    assert not certify_quadratic([0, 4, -4], below).holds
    assert certify_quadratic([0, 4, -4], below, tolerance=1.0).holds
    assert certify_quadratic([0, 4, -4], 1).holds
    # vertex outside (0, 1): the ends decide
    assert certify_quadratic([0, 1, -0.25], 0.75).holds  # t − t²/4 increasing on [0, 1]
    with pytest.raises(InputError, match="degree 3"):
        certify_quadratic([0, 0, 0, 1], 1)


def _comparable(cert):
    d = cert.to_dict()
    d.pop("wall_time")
    d["details"] = {k: v for k, v in d["details"].items() if k != "algorithm"}
    return d


@settings(max_examples=examples(100), deadline=None)
@given(
    st.lists(st.fractions(-50, 50, max_denominator=64), min_size=1, max_size=3),
    st.fractions(-50, 50, max_denominator=64),
    st.sampled_from([F(0), F(1, 2**40), F(3)]),
    st.text(max_size=3),
    st.sampled_from(["", "≤ bound"]),
)
def test_quadratic_closed_form_gives_the_same_certificate(c, bound, tau, label, promise):
    """Every field (bar the wall time and the algorithm's name) equals root isolation's."""
    q = certify_quadratic(c, bound, tolerance=tau, label=label, promise=promise)
    g = certify_polynomial(c, bound, tolerance=tau, label=label, promise=promise)
    assert _comparable(q) == _comparable(g)
    assert q.label == label and q.promise == promise and q.interval == (0.0, 1.0)
    assert q.tolerances == {"tau": float(tau)} and q.method == "exact"


def test_certificate_fields_on_known_cases():
    c = certify_polynomial([0, 4, -4], 2, (0, 1), label="tent", promise="p")
    assert (c.max_energy, c.argmax_t, c.bound, c.margin) == (1.0, 0.5, 2.0, 1.0)
    assert c.max_energy_enclosure == (1.0, 1.0) and c.interval == (0.0, 1.0)
    assert (c.label, c.promise, c.n_evaluations, c.holds_within) == ("tent", "p", 0, 0.0)
    assert c.details["degree"] == 2 and c.details["max_energy_exact"] == "1"
    assert c.details["max_energy_enclosure_exact"] == ["1", "1"]
    c = certify_polynomial([3, -1], 1, (F(1, 2), 2))  # 3 − t on [½, 2]: max 5/2 at ½
    assert (c.max_energy, c.argmax_t, c.interval, c.outcome) == (2.5, 0.5, (0.5, 2.0), "fails")
    assert c.margin == -1.5
    q = certify_quadratic([0, 4, -4], 2, label="tent", promise="p")
    assert (q.max_energy, q.argmax_t, q.bound, q.margin, q.label, q.promise) == (
        1.0,
        0.5,
        2.0,
        1.0,
        "tent",
        "p",
    )
    assert q.details["degree"] == 2 and q.max_energy_enclosure == (1.0, 1.0)
    q = certify_quadratic([1, -3, 1], 0)  # t² − 3t + 1 decreasing on [0, 1]: max 1 at 0
    assert (q.max_energy, q.argmax_t, q.outcome, q.margin) == (1.0, 0.0, "fails", -1.0)
    q = certify_quadratic([0, 1, 1], 2)  # increasing: max 2 at 1, touching the bound
    assert (q.max_energy, q.argmax_t, q.outcome, q.margin) == (2.0, 1.0, "holds", 0.0)


def test_maximum_equal_to_zero_at_irrational_points_is_exact():
    # −(t² − 2)²(t² + 1) on [0, 3]: max 0 at √2 (p and p′ share the root)
    p = expand([[-2, 0, 1], [-2, 0, 1], [1, 0, 1]])
    m = exact_maximum([-x for x in p], 0, 3)
    assert m.exact == 0 and m.lower == m.upper == 0
    assert float(m.t_lower) <= math.sqrt(2) <= float(m.t_upper)
    # slightly lowered: the maximum is −10⁻³⁰, enclosed to 2⁻⁵⁰ relative, not zero
    q = [-x for x in p]
    q[0] -= F(1, 10**30)
    m = exact_maximum(q, 0, 3)
    assert m.exact is None and m.upper < 0
    assert abs(float(m.lower) + 1e-30) <= 1e-45


def _q(*factors):
    return fmpq_poly([fmpq(c.numerator, c.denominator) for c in expand(factors)])


@pytest.mark.parametrize("a, b", [(F(0), F(1)), (F(1, 3), F(5, 2)), (F(-2), F(-1, 7))])
def test_nonnegative_on_narrow_gaps_and_roots_at_or_near_the_ends(a, b):
    """q < 0 only on a gap of width 2⁻⁴⁰ (interior, or ending at an end root), and roots just
    outside an end: each must be decided exactly."""
    aq, bq = fmpq(a.numerator, a.denominator), fmpq(b.numerator, b.denominator)
    mid, eps = (a + b) / 2, F(1, 2**40)
    # negative only between two interior roots 2⁻⁴⁰ apart
    assert not nonnegative_on(_q([-mid, 1], [-mid - eps, 1], [1, 0, 1]), aq, bq)
    # the same roots squared: touching twice, never negative
    assert nonnegative_on(_q([-mid, 1], [-mid, 1], [-mid - eps, 1], [-mid - eps, 1]), aq, bq)
    # negative only between a root 2⁻⁴⁰ inside the left end and the end itself (q(a) = 0)
    assert not nonnegative_on(_q([-a, 1], [-a - eps, 1], [1, 0, 1]), aq, bq)
    # the mirror image at the right end (q(b) = 0)
    assert not nonnegative_on(_q([-b, 1], [-b + eps, 1], [1, 0, 1]), aq, bq)
    # a simple root 2⁻⁷⁰ outside each end: positive on [a, b] (refinement must separate it)
    tiny = F(1, 2**70)
    assert nonnegative_on(_q([-(a - tiny), 1], [-(b + tiny), 1], [-1]), aq, bq)
    assert not nonnegative_on(_q([-(a + tiny), 1], [-(b + tiny), 1], [-1]), aq, bq)
    # one end only negative: both ends must be tested
    assert not nonnegative_on(_q([-a - eps, 1]), aq, bq)  # t − a − ε < 0 at a
    assert not nonnegative_on(_q([b - eps, -1]), aq, bq)  # b − ε − t < 0 at b
    # zero at an end, positive elsewhere; a constant; a point interval
    assert nonnegative_on(_q([-a, 1]), aq, bq)
    assert nonnegative_on(fmpq_poly([1]), aq, bq) and not nonnegative_on(fmpq_poly([-1]), aq, bq)
    assert nonnegative_on(_q([-a, 1], [-a, 1], [-1]), aq, aq)


def test_touching_at_an_irrational_point_is_decided_exactly():
    """b − p = k(t² − ½)²: the maximum b is attained at 1/√2, so the enclosure of the maximum
    straddles b and the exact gap test decides; 2⁻⁷⁰ lower it fails, with τ it holds within τ."""
    b = F(7, 3)
    q = expand([[F(-1, 2), 0, 1], [F(-1, 2), 0, 1], [F(3, 2)]])
    p = [-c for c in q]
    p[0] += b
    at = certify_polynomial(p, b)
    assert at.holds and at.outcome == "holds" and at.margin >= 0 and at.holds_within == 0
    lo, hi = at.max_energy_enclosure
    assert lo <= float(b) <= hi and at.argmax_t == pytest.approx(math.sqrt(0.5))
    below = certify_polynomial(p, b - F(1, 2**70))
    assert below.outcome == "fails" and not below.holds
    within = certify_polynomial(p, b - F(1, 2**70), tolerance=F(1, 2**60))
    assert within.holds and within.holds_within == 2.0**-60
    short = certify_polynomial(p, b - F(1, 2**60), tolerance=F(1, 2**70))
    assert not short.holds and short.holds_within == 0.0


def test_quadratic_vertex_rules_and_tolerance_edges():
    # vertex at 1.25 (outside): the maximum is the end t = 1, value 1.5
    c = certify_quadratic([0, 2.5, -1], 2)
    assert (c.max_energy, c.argmax_t) == (1.5, 1.0)
    # vertex exactly at an end: no third candidate needed
    assert certify_quadratic([0, 2, -1], 2).argmax_t == 1.0  # 2t − t², vertex at 1
    assert certify_quadratic([1, 0, -1], 2).argmax_t == 0.0  # 1 − t², vertex at 0
    # max exactly at bound + τ: holds within τ
    c = certify_quadratic([0, 4, -4], 0.5, tolerance=0.5)
    assert c.holds and c.holds_within == 0.5 and c.margin == -0.5
    g = certify_polynomial([0, 4, -4], 0.5, tolerance=0.5)
    assert (g.holds, g.holds_within) == (True, 0.5)
    with pytest.raises(InputError, match="^bound"):
        certify_quadratic([1], float("nan"))


def test_the_exact_gap_test_decides_within_the_enclosure_with_and_without_tau():
    """A bound 2⁻²⁰⁰ below a maximum attained at an irrational point lies inside any
    enclosure of relative width 2⁻⁵⁰: only the exact gap test can decide it."""
    b = F(7, 3)
    q = expand([[F(-1, 2), 0, 1], [F(-1, 2), 0, 1], [F(3, 2)]])
    p = [-c for c in q]
    p[0] += b
    bound = b - F(1, 2**200)
    c = certify_polynomial(p, bound)
    assert c.outcome == "fails" and c.holds_within == 0.0
    c = certify_polynomial(p, bound, tolerance=F(1, 2**300))
    assert c.outcome == "fails" and c.holds_within == 0.0
    c = certify_polynomial(p, bound, tolerance=F(1, 2**199))
    assert c.outcome == "holds" and c.holds_within == 2.0**-199


def test_piecewise_records_its_pieces():
    c = certify_piecewise_polynomial(
        [F(1, 2), 1, 2], [[0, 1], [2, -1]], 1, tolerance=0, label="tent", promise="≤ bound"
    )
    assert c.holds and c.interval == (0.5, 2.0) and c.label == "tent"
    assert c.promise == "≤ bound" and c.details["pieces"] == 2
    assert c.details["worst_piece"] in ("tent[0]", "tent[1]")
    assert certify_piecewise_polynomial([0, 1], [[0]], 1).label == "piecewise"
    w = certify_piecewise_polynomial([0, 1], [[0, 2]], 1, tolerance=1)
    assert w.holds and w.holds_within == 1.0 and w.tolerances == {"tau": 1.0}
    with pytest.raises(InputError, match="^breakpoint"):
        certify_piecewise_polynomial([0, float("nan")], [[0]], 1)
    with pytest.raises(InputError, match="need exactly 1"):
        certify_piecewise_polynomial([0, 1], [[0], [1], [2]], 1)


# ------------------------------------------------------------------------------------------
# cases aimed at single decisions of the algorithm (each fails under a specific wrong rule)
# ------------------------------------------------------------------------------------------


def test_a_linear_square_free_part_after_dividing_out_the_ends_is_still_isolated():
    """q = t(t − 3/4)(t − 1): zero at both ends, so the square-free part left after dividing
    out t and t − 1 is linear; q < 0 on (3/4, 1) although q(0) = q(1) = 0 and q(1/2) > 0."""
    q = _q([0, 1], [F(-3, 4), 1], [-1, 1])
    assert not nonnegative_on(q, fmpq(0), fmpq(1))
    assert nonnegative_on(q, fmpq(0), fmpq(3, 4))
    assert certify_polynomial(-q, 0).outcome == "fails"  # −q ≤ 0 fails where q < 0


def test_a_root_ball_straddling_an_end_is_refined_not_dropped():
    """q = ((1 − t)² − 2e²)((1 − t)² − 8e²), e = 2⁻⁴⁰: roots 1 − e√2 and 1 − 2e√2, both
    within 3·10⁻¹² of the end b = 1 (their first balls contain b), q > 0 at both ends and
    q < 0 only on the gap between them, 1.3·10⁻¹² wide."""
    e = fmpq(1, 2**40)
    one_minus_t_sq = fmpq_poly([1, -1]) ** 2
    q = (one_minus_t_sq - fmpq_poly([2 * e * e])) * (one_minus_t_sq - fmpq_poly([8 * e * e]))
    assert q(fmpq(0)) > 0 and q(fmpq(1)) > 0
    assert not nonnegative_on(q, fmpq(0), fmpq(1))
    assert nonnegative_on(q, fmpq(0), 1 - 3 * e)
    assert certify_polynomial(-q, 0).outcome == "fails"


def _encloses(m, truth) -> bool:
    """The exact enclosure [m.lower, m.upper] contains the 200-digit oracle value."""
    with mpmath.workdps(ORACLE_DPS):
        lo = mpmath.mpf(int(m.lower.p)) / int(m.lower.q)
        hi = mpmath.mpf(int(m.upper.p)) / int(m.upper.q)
        slack = mpmath.mpf(10) ** -150 * max(1, abs(truth))
        return bool(lo - slack <= truth <= hi + slack)


def test_critical_points_after_a_rational_one_are_not_skipped():
    """p′ = −(t − 1/4)(t² − 1/2): a rational critical point (a minimum) at 1/4 comes before the
    irrational maximiser 1/√2 in root order; the maximum p(1/√2) ≈ 0.003575 > p(0) = 0."""
    p = fmpq_poly([0, -fmpq(1, 8), fmpq(1, 4), fmpq(1, 12), -fmpq(1, 4)])
    assert p.derivative() == -fmpq_poly([-fmpq(1, 4), 1]) * fmpq_poly([-fmpq(1, 2), 0, 1])
    m = exact_maximum(p, 0, 1)
    truth = oracle_maximum([F(int(c.p), int(c.q)) for c in p.coeffs()])
    assert _encloses(m, truth) and m.lower > 0
    assert abs(float(m.argmax) - 2**-0.5) < 1e-12


def test_a_near_zero_maximum_is_not_taken_for_an_exact_zero():
    """p = −((t² − 1/2)² + c)(t − 3)² with c = 2⁻²⁰⁰: p and p′ share the root 3 (outside the
    interval), and the maximum on [0, 1], ≈ −c(3 − 1/√2)² < 0, is within the first Taylor
    enclosures of 0: only a common root *in the maximiser's ball* makes it exactly 0."""
    c = fmpq(1, 2**200)
    p = -(fmpq_poly([-fmpq(1, 2), 0, 1]) ** 2 + fmpq_poly([c])) * fmpq_poly([-3, 1]) ** 2
    m = exact_maximum(p, 0, 1)
    truth = oracle_maximum([F(int(q.p), int(q.q)) for q in p.coeffs()])
    assert m.exact is None or m.exact != 0
    assert m.upper < 0 and _encloses(m, truth)
    assert certify_polynomial(p, 0).outcome == "holds"
    assert certify_polynomial(p, -fmpq(1, 2**190)).outcome == "fails"


def test_defaults_and_recorded_fields_of_the_closed_form_and_piecewise_certificates():
    q = certify_quadratic([1, 0, -1], 2)
    assert q.label == "" and q.promise == "" and q.holds is True and q.outcome == "holds"
    assert 0 <= q.wall_time < 60 and q.details["algorithm"] == "closed form, exact rationals"
    assert q.interval == (0.0, 1.0)
    failing = certify_quadratic([1, 0, -1], F(1, 2))
    assert failing.holds is False and failing.outcome == "fails" and failing.margin == -0.5
    assert 0 <= failing.wall_time < 60
    assert certify_piecewise_polynomial([0, 1], [[0]], 1).promise == ""
    tiny = certify_quadratic([0, 1], F(1) - F(1, 2**1100))  # fails by 2⁻¹¹⁰⁰: margin −0.0
    assert tiny.outcome == "fails" and tiny.margin == 0.0 and math.copysign(1, tiny.margin) < 0


def test_a_lone_irrational_root_just_inside_the_left_end_is_isolated():
    """On [1, 2], q = (t² − c)(t − r₂) with √c = 1 + 2⁻¹⁰⁰ + … (irrational; its first ball
    contains the end 1) and r₂ = 33/32: q(1), q(2) > 0 and q < 0 only on (√c, r₂), which the
    midpoint 3/2 misses; the straddling ball must be refined, not dropped."""
    c = (1 + fmpq(1, 2**100)) ** 2 + fmpq(1, 2**250)
    q = fmpq_poly([-c, 0, 1]) * fmpq_poly([-fmpq(33, 32), 1])
    a, b = fmpq(1), fmpq(2)
    assert q(a) > 0 and q(b) > 0 and q(fmpq(3, 2)) > 0
    assert not nonnegative_on(q, a, b)
    assert certify_polynomial(-q, 0, (1, 2)).outcome == "fails"


def test_the_recorded_contract_of_certify_polynomial_and_exact_maximum():
    """Defaults, names in error messages and the recorded fields users and reports read."""
    c = certify_polynomial([0, 3, 0, -2], 2)  # 3t − 2t³: max √2 at 1/√2, irrational
    assert c.label == "" and c.promise == "" and c.n_evaluations == 0
    assert c.details["algorithm"] == (
        "python-flint: square-free part, Arb root isolation, exact sign on every gap"
    )
    assert c.details["max_energy_exact"] is None and c.details["degree"] == 3
    assert 0 <= c.wall_time < 60 and c.outcome == "holds" and c.margin > 0
    r = certify_polynomial([0, 4, -4], 1)  # rational maximum 1 at 1/2, equal to the bound
    assert r.details["max_energy_exact"] == "1" and r.margin == 0.0 and r.holds
    for kwargs, fragment in (
        ({"interval": (float("nan"), 1)}, "^interval end nan"),
        ({"interval": (0, float("inf"))}, "^interval end inf"),
        ({"interval": 3}, r"^interval 3 is not a pair \(a, b\)"),
        ({"interval": "ab"}, r"^interval 'ab' is not a pair \(a, b\)"),
        ({"tolerance": float("nan")}, "^tolerance nan"),
    ):
        with pytest.raises(InputError, match=fragment):
            certify_polynomial([0, 1], 1, **kwargs)
    with pytest.raises(InputError, match="^bound nan"):
        certify_polynomial([0, 1], float("nan"))
    with pytest.raises(InputError, match="^interval end nan"):
        exact_maximum([0, 1], float("nan"), 1)
    with pytest.raises(InputError, match="^interval end inf"):
        exact_maximum([0, 1], 0, float("inf"))
    with pytest.raises(InputError, match=r"^interval \(1, 0\) is reversed"):
        exact_maximum([0, 1], 1, 0)


def test_exact_maximum_defaults_to_the_unit_interval():
    assert exact_maximum([0, 1]).exact == 1  # t on [0, 1]: 1 at the right end
    assert exact_maximum([0, -1]).exact == 0 and exact_maximum([0, -1]).argmax == 0
    m = exact_maximum([0, 1], 2, 2)  # a point interval: the value there, exactly
    assert m.exact == 2 and m.argmax == 2


def test_a_zero_maximum_at_a_rational_with_a_large_denominator_is_exact():
    """p = −(t − r)²(t² + 1), r = 1/3 + 2⁻⁷⁰: the maximiser r is rational but too far from any
    small-denominator rational to be snapped, so the zero maximum is found through the common
    linear factor t − r of p and p′."""
    r = fmpq(1, 3) + fmpq(1, 2**70)
    p = -(fmpq_poly([-r, 1]) ** 2) * fmpq_poly([1, 0, 1])
    m = exact_maximum(p, 0, 1)
    assert m.exact == 0 and m.lower == m.upper == 0
    assert m.t_lower <= r <= m.t_upper
    assert certify_polynomial(p, 0).outcome == "holds"
