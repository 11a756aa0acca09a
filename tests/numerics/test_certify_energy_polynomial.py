"""sublevel.numerics.certify_energy_polynomial: exact, rigorous and float polynomial energies.

Oracle, independent of python-flint: the maximum of the *true* polynomial on [0, 1] — exact
(Fractions) at the ends and at the rational roots of p′ (sympy), mpmath at 200 digits at the
other roots of p′. Rigorous inputs are built from a true rational polynomial: its coefficients
rounded to floats, with radii at least the rounding, so the truth is known. Decision boundaries
are hit exactly with dyadic values and probed one ulp beyond (``math.nextafter``).
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
from sublevel.numerics.certify_energy_polynomial import (
    EnergyPolynomial,
    as_energy_polynomial,
    certify_energy_polynomial,
    certify_exact,
    certify_polynomial_promise,
    energy_polynomial_of,
)
from sublevel.numerics.paths import (
    CONSTANT,
    LE_BOUND,
    LE_MAX_ENDPOINTS,
    NO_PROMISE,
    NON_INCREASING,
)
from sublevel.numerics.tolerances import DEFAULT_TOLERANCES
from sublevel.theory.errors import InputError

F = Fraction
T = sp.Symbol("t")
#: benchmarks/mutation.sh sets SUBLEVEL_MUTATION=1: fewer examples per property, same properties
FAST = os.environ.get("SUBLEVEL_MUTATION") == "1"
RANK = {"holds": 0, "inconclusive": 1, "fails": 2}
SAMPLED_REASON = (
    "decided exactly about float coefficients whose rounding is not "
    "enclosed: not a proof about the inputs"
)
ENCLOSED_ALGORITHM = (
    "exact decision on the float coefficients, widened by the proven radius R = Σ r_k"
)


def examples(n: int) -> int:
    """``n`` hypothesis examples, or at most 8 under mutation testing."""
    return min(n, 8) if FAST else n


def up(x: float) -> float:
    return math.nextafter(x, math.inf)


def down(x: float) -> float:
    return math.nextafter(x, -math.inf)


def rigorous(coefficients, radii) -> EnergyPolynomial:
    return EnergyPolynomial(
        "rigorous",
        coefficients=np.array(coefficients, dtype=float),
        radii=np.array(radii, dtype=float),
    )


def tol(**kw) -> dict[str, float]:
    return {**DEFAULT_TOLERANCES, **{k: float(v) for k, v in kw.items()}}


# ------------------------------------------------------------------------------------------
# the oracle
# ------------------------------------------------------------------------------------------


def value_at(coeffs, x):
    acc = F(0) if isinstance(x, F) else mpmath.mpf(0)
    for c in reversed(coeffs):
        acc = acc * x + (c if isinstance(x, F) else mpmath.mpf(c.numerator) / c.denominator)
    return acc


def oracle_le(coeffs, bound) -> bool | None:
    """Is p(t) ≤ bound for every t in [0, 1]? Exact at the ends and the rational critical
    points; 200 digits at the irrational ones (None when such a value is within 10⁻¹⁵⁰ of it)."""
    coeffs = [F(c) for c in coeffs]
    bound = F(bound)
    p = sp.Poly(list(reversed([sp.Rational(c.numerator, c.denominator) for c in coeffs])), T)
    dp = p.diff(T)
    rational = [F(int(r.p), int(r.q)) for r in dp.ground_roots()] if dp.degree() > 0 else []
    points = [F(0), F(1)] + [r for r in rational if 0 <= r <= 1]
    if any(value_at(coeffs, x) > bound for x in points):
        return False
    if dp.degree() <= 0:
        return True
    with mpmath.workdps(200):
        sqf = sp.Poly(sp.quo(dp, sp.gcd(dp, dp.diff(T))), T)
        cs = [mpmath.mpf(int(c.p)) / int(c.q) for c in sqf.all_coeffs()]
        b = mpmath.mpf(bound.numerator) / bound.denominator
        eps = mpmath.mpf(10) ** -150 * max(mpmath.mpf(1), abs(b))
        undecided = False
        if len(cs) > 1:
            for r in mpmath.polyroots(cs, maxsteps=500, extraprec=800):
                if abs(mpmath.im(r)) > mpmath.mpf(10) ** -100:
                    continue
                x = mpmath.re(r)
                if not 0 <= x <= 1 or any(
                    abs(x - mpmath.mpf(q.numerator) / q.denominator) < mpmath.mpf(10) ** -100
                    for q in rational
                ):
                    continue
                v = value_at(coeffs, x)
                if v > b + eps:
                    return False
                undecided |= v >= b - eps
    return None if undecided else True


def oracle_max(coeffs) -> mpmath.mpf:
    """max of p on [0, 1] at 200 digits (for enclosure checks)."""
    coeffs = [F(c) for c in coeffs]
    with mpmath.workdps(200):
        values = [value_at(coeffs, mpmath.mpf(0)), value_at(coeffs, mpmath.mpf(1))]
        p = sp.Poly(list(reversed([sp.Rational(c.numerator, c.denominator) for c in coeffs])), T)
        dp = p.diff(T)
        if dp.degree() > 0:
            sqf = sp.Poly(sp.quo(dp, sp.gcd(dp, dp.diff(T))), T)
            cs = [mpmath.mpf(int(c.p)) / int(c.q) for c in sqf.all_coeffs()]
            if len(cs) > 1:
                for r in mpmath.polyroots(cs, maxsteps=500, extraprec=800):
                    if abs(mpmath.im(r)) < mpmath.mpf(10) ** -100 and 0 <= mpmath.re(r) <= 1:
                        values.append(value_at(coeffs, mpmath.re(r)))
        return max(values)


def inside(x: float, lo: float, hi: float, m: mpmath.mpf) -> bool:
    with mpmath.workdps(200):
        slack = mpmath.mpf(10) ** -150 * max(1, abs(m))
        return mpmath.mpf(lo) <= m + slack and m - slack <= mpmath.mpf(hi)


def test_the_oracle_on_known_answers():
    assert oracle_le([1, 0, 1, -1], F(31, 27)) is True  # 1 + t² − t³ peaks at 31/27, t = 2/3
    assert oracle_le([1, 0, 1, -1], F(31, 27) - F(1, 10**40)) is False
    assert oracle_le([0, 1, -1], F(1, 4)) is True and oracle_le([0, 1, -1], 0) is False
    assert oracle_le([0, 2, 0, -1], 1) is False  # 2t − t³: max (4/3)√(2/3) ≈ 1.089
    assert oracle_le([0, 3, 0, -4], 1) is True  # 3t − 4t³: max exactly 1 at t = 1/2
    assert oracle_le([0, 3, 0, -4], F(1) - F(1, 10**30)) is False
    assert oracle_le([F(1, 2), 0, -1, 0, F(1, 2)], 0) is False  # ½(t² − 1)²: max ½ at t = 0
    assert mpmath.almosteq(oracle_max([0, 1, -1]), mpmath.mpf(1) / 4)


# ------------------------------------------------------------------------------------------
# EnergyPolynomial and what counts as exact
# ------------------------------------------------------------------------------------------


def test_radius_is_the_exact_sum_of_the_radii():
    p = rigorous([1.0, 2.0], [2.0**-60, 1.0])
    assert p.radius == fmpq(1) + fmpq(1, 2**60)
    assert rigorous([1.0], [0.1]).radius == fmpq(*(0.1).as_integer_ratio())  # the float's value
    assert EnergyPolynomial("float", coefficients=np.array([1.0])).radius == fmpq(0)
    assert rigorous([1.0, 2.0], [0.0, 0.0]).radius == fmpq(0)


def test_float_coefficients_round_exact_ones_and_keep_float_ones():
    ex = EnergyPolynomial("exact", exact=fmpq_poly([fmpq(1, 3), 0, 2]))
    assert ex.float_coefficients.tolist() == [1 / 3, 0.0, 2.0]
    assert EnergyPolynomial("exact", exact=fmpq_poly([0])).float_coefficients.tolist() == [0.0]
    fl = EnergyPolynomial("float", coefficients=[1, 2])
    assert fl.float_coefficients.dtype == np.float64 and fl.float_coefficients.tolist() == [1, 2]


@pytest.mark.parametrize(
    "given, coeffs",
    [
        ([1, F(1, 3), fmpq(2, 7)], [1, F(1, 3), F(2, 7)]),
        (fmpq_poly([1, 2]), [1, 2]),
        (fmpq_poly([0]), [0]),  # the zero polynomial has no coefficients to look at
        (np.array([F(1, 2), 3], dtype=object), [F(1, 2), 3]),
        ((F(1), F(2), F(3)), [1, 2, 3]),  # a tuple of three is a coefficient sequence
    ],
)
def test_rationals_are_exact(given, coeffs):
    p = as_energy_polynomial(given)
    assert p.kind == "exact" and p.exact == fmpq_poly(
        [fmpq(F(c).numerator, F(c).denominator) for c in coeffs]
    )
    assert p.coefficients is None and p.radii is None and p.pieces is None


@pytest.mark.parametrize(
    "given, coeffs",
    [
        ([0.5, 1.0], [0.5, 1.0]),
        ([1, 0.5], [1.0, 0.5]),  # one float makes it a computed value
        ([True, 1], [1.0, 1.0]),  # a bool is not a rational coefficient
        (np.array([1, 2]), [1.0, 2.0]),  # an integer array is not object dtype
        (np.array([0.5, F(1, 3)], dtype=object), [0.5, 1 / 3]),
        (np.array([True, 1], dtype=object), None),
        (2.5, [2.5]),  # a scalar: a constant energy
        (np.float64(-1.0), [-1.0]),
    ],
)
def test_floats_are_computed_values(given, coeffs):
    p = as_energy_polynomial(given)
    if coeffs is None:  # bools in an object array count as the integers they are
        assert p.kind == "exact" and p.exact == fmpq_poly([1, 1])
        return
    assert p.kind == "float" and p.exact is None and p.pieces is None
    assert p.coefficients.dtype == np.float64 and p.coefficients.tolist() == coeffs


def test_a_pair_is_a_piecewise_polynomial_and_an_energy_polynomial_is_kept():
    p = as_energy_polynomial(([0.0, 0.5, 1.0], [[0.0, 2.0], [2.0, -2.0]]))
    assert p.kind == "float" and p.breakpoints == [0.0, 0.5, 1.0]
    assert p.pieces == [[0.0, 2.0], [2.0, -2.0]] and p.coefficients is None
    q = rigorous([1.0], [0.0])
    assert as_energy_polynomial(q) is q


@pytest.mark.parametrize("bad", [[1.0, math.nan], [math.inf], np.array([0.0, -np.inf])])
def test_non_finite_float_coefficients_are_refused_by_value(bad):
    with pytest.raises(InputError) as err:
        as_energy_polynomial(bad)
    shown = repr(np.asarray(bad, dtype=float).tolist())
    assert str(err.value) == f"polynomial coefficients {shown} are not all finite"


def test_empty_coefficients_are_refused():
    with pytest.raises(InputError, match="empty"):
        certify_exact([], 1.0)


# ------------------------------------------------------------------------------------------
# energy_polynomial_of: the landscape's best polynomial form
# ------------------------------------------------------------------------------------------


class Capabilities:
    """A landscape with the given polynomial capabilities (each records its calls)."""

    def __init__(self, **caps):
        self.calls = []
        for name, value in caps.items():
            setattr(self, name, self._method(name, value))

    def _method(self, name, value):
        if not callable(value) and not isinstance(value, (list, tuple, type(None))):
            return value  # a non-callable attribute

        def method(a, b):
            self.calls.append((name, a, b))
            return value

        return method


def test_exact_comes_first_with_the_segment_ends_passed_on():
    land = Capabilities(
        energy_polynomial_exact=[1, F(1, 2)],
        energy_polynomial_enclosure=([1.0], [0.0]),
        energy_polynomial=[1.0],
    )
    p = energy_polynomial_of(land, "A", "B")
    assert p.kind == "exact" and p.exact == fmpq_poly([1, fmpq(1, 2)])
    assert land.calls == [("energy_polynomial_exact", "A", "B")]


def test_an_enclosure_when_exact_is_missing_or_declined():
    for exact in (None, 5):  # declined, or not a method
        land = Capabilities(
            energy_polynomial_exact=exact,
            energy_polynomial_enclosure=([1, 2], [0, 1]),  # integers: stored as floats
            energy_polynomial=[1.0],
        )
        p = energy_polynomial_of(land, 1, 2)
        assert p.kind == "rigorous" and p.radius == fmpq(1)
        assert p.coefficients.tolist() == [1.0, 2.0] and p.coefficients.dtype == np.float64
        assert p.radii.tolist() == [0.0, 1.0] and p.radii.dtype == np.float64
        assert land.calls[-1] == ("energy_polynomial_enclosure", 1, 2)
        assert ("energy_polynomial", 1, 2) not in land.calls


def test_floats_last_and_none_when_nothing_is_offered():
    land = Capabilities(energy_polynomial_enclosure=None, energy_polynomial=[1.0, 0.5])
    p = energy_polynomial_of(land, "A", "B")
    assert p.kind == "float" and p.coefficients.tolist() == [1.0, 0.5]
    assert land.calls == [
        ("energy_polynomial_enclosure", "A", "B"),
        ("energy_polynomial", "A", "B"),
    ]
    assert energy_polynomial_of(Capabilities(energy_polynomial=[1, 2]), 0, 1).kind == "exact"
    pw = energy_polynomial_of(Capabilities(energy_polynomial=([0, 1], [[1.0]])), 0, 1)
    assert pw.kind == "float" and pw.pieces == [[1.0]]
    assert energy_polynomial_of(Capabilities(energy_polynomial=None), 0, 1) is None
    assert energy_polynomial_of(Capabilities(energy_polynomial=3), 0, 1) is None
    assert energy_polynomial_of(object(), 0, 1) is None


@pytest.mark.parametrize(
    "enclosure",
    [
        ([1.0, 2.0], [0.0]),  # shapes differ
        ([1.0], [-1e-300]),  # a negative radius
        ([math.nan], [0.0]),
        ([1.0], [math.inf]),
        ([math.inf], [0.0]),
    ],
)
def test_a_bad_enclosure_is_refused(enclosure):
    with pytest.raises(InputError) as err:
        energy_polynomial_of(Capabilities(energy_polynomial_enclosure=enclosure), 0, 1)
    assert str(err.value) == (
        "energy_polynomial_enclosure must give finite coefficients and radii ≥ 0 of one shape"
    )


# ------------------------------------------------------------------------------------------
# certify_energy_polynomial / certify_exact: the bound
# ------------------------------------------------------------------------------------------


def test_exact_coefficients_give_an_exact_certificate_with_every_field():
    cert = certify_exact([1, 0, 1, -1], 1.0, label="L", promise="P")  # max 31/27 at t = 2/3
    assert cert.method == "exact" and cert.outcome == "fails" and not cert.holds
    assert cert.max_energy == 31 / 27 and cert.argmax_t == 2 / 3 and cert.margin < 0
    assert cert.label == "L" and cert.promise == "P" and cert.tolerances == DEFAULT_TOLERANCES
    assert certify_exact([0, 1, -1], 0.0).outcome == "fails"  # t − t² ≤ 0 is false
    at = certify_exact([1, 0, 1, -1], 31 / 27)
    assert at.holds is (F(31 / 27) >= F(31, 27))
    within = certify_exact([1, 0, 1, -1], 1.0, tolerances={"tau": 0.25})
    assert within.holds and within.holds_within == 0.25 and within.tolerances == tol(tau=0.25)


def test_bound_must_be_finite_and_tolerances_known():
    for bound in (math.nan, math.inf, -math.inf):
        with pytest.raises(InputError) as err:
            certify_exact([1], bound)
        assert str(err.value) == f"bound {bound!r} is not finite"
    with pytest.raises(InputError, match="unknown tolerance 'x'"):
        certify_exact([1], 1.0, tolerances={"x": 0.0})


@pytest.mark.parametrize(
    "c, bound, kw, outcome, within",
    [
        (0.25, 0.0, {"sampled_rtol": 0.25}, "inconclusive", 0.0),  # excess = rtol·1
        (up(0.25), 0.0, {"sampled_rtol": 0.25}, "fails", 0.0),
        (0.5, 0.0, {"sampled_rtol": 0.25}, "fails", 0.0),
        (-3.0, -4.0, {"sampled_rtol": 0.25}, "inconclusive", 0.0),  # scale |bound| = 4
        (-3.0, -4.0, {"sampled_rtol": down(0.25)}, "fails", 0.0),
        (4.0, 3.0, {"sampled_rtol": 0.25}, "inconclusive", 0.0),  # scale |max| = 4
        (up(4.0), 3.0, {"sampled_rtol": 0.25}, "fails", 0.0),
        (0.75, 0.0, {"tau": 0.5, "sampled_rtol": 0.25}, "inconclusive", 0.0),  # τ + rtol
        (up(0.75), 0.0, {"tau": 0.5, "sampled_rtol": 0.25}, "fails", 0.0),
        (0.5, 0.0, {"tau": 0.5, "sampled_rtol": 0.25}, "holds", 0.5),
        (0.0, 0.0, {"tau": 0.5}, "holds", 0.0),
    ],
)
def test_float_coefficients_are_sampled_and_a_rounding_excess_is_inconclusive(
    c, bound, kw, outcome, within
):
    cert = certify_exact([c], bound, tolerances=kw, label="L", promise="P")
    assert cert.method == "sampled" and not cert.is_proof
    assert cert.outcome == outcome and cert.holds is (outcome == "holds")
    assert cert.holds_within == within and cert.max_energy == c
    assert cert.details["reason"] == SAMPLED_REASON and cert.tolerances == tol(**kw)
    assert cert.label == "L" and cert.promise == "P"


def test_a_piecewise_float_polynomial_is_sampled_piece_by_piece():
    tent = ([0.0, 0.5, 1.0], [[0.0, 2.0], [2.0, -2.0]])  # max 1 at t = ½
    ok = certify_exact(tent, 1.0, promise="P")
    assert ok.method == "sampled" and ok.outcome == "holds" and ok.max_energy == 1.0
    assert ok.label == "piecewise" and ok.promise == "P" and ok.tolerances == DEFAULT_TOLERANCES
    assert ok.details["reason"] == SAMPLED_REASON and ok.details["pieces"] == 2
    bad = certify_exact(tent, 0.5, label="L")
    assert bad.outcome == "fails" and bad.label == "L" and bad.argmax_t == 0.5
    near = certify_exact(tent, down(1.0), tolerances={"sampled_rtol": 2.0**-52})
    assert near.outcome == "inconclusive"
    within = certify_exact(tent, 0.75, tolerances={"tau": 0.25})
    assert within.outcome == "holds" and within.holds_within == 0.25


# the rigorous decision: p̃(t) = t with R = ¼, so the truth lies in [t − ¼, t + ¼]
LINE = ([0.0, 1.0], [0.25, 0.0])


@pytest.mark.parametrize(
    "bound, tau, outcome, within",
    [
        (1.25, 0.0, "holds", 0.0),  # p̃ ≤ b − R, with equality at t = 1
        (down(1.25), 0.0, "inconclusive", 0.0),
        (0.75, 0.0, "inconclusive", 0.0),  # max p̃ = b + R: not a failure
        (down(0.75), 0.0, "fails", 0.0),
        (0.75, 0.5, "holds", 0.5),  # p̃ ≤ b + τ − R
        (down(0.75), 0.5, "inconclusive", 0.0),
        (0.25, 0.5, "inconclusive", 0.0),  # max p̃ = b + τ + R
        (down(0.25), 0.5, "fails", 0.0),
        (2.0, 0.5, "holds", 0.0),  # τ not needed: not recorded
    ],
)
def test_rigorous_decisions_at_and_beyond_each_boundary(bound, tau, outcome, within):
    cert = certify_energy_polynomial(
        rigorous(*LINE), bound, tolerances={"tau": tau}, label="L", promise="P"
    )
    assert cert.method == "rigorous" and cert.is_proof
    assert cert.outcome == outcome and cert.holds is (outcome == "holds")
    assert cert.holds_within == within
    assert cert.max_energy == 1.0 and cert.argmax_t == 1.0 and cert.bound == bound
    assert cert.max_energy_enclosure == (down(0.75), up(1.25))
    expected_margin = bound - up(1.25)
    if outcome == "holds" and within == 0.0:
        expected_margin = max(expected_margin, 0.0)
    assert cert.margin == expected_margin
    assert cert.details == {
        "degree": 1,
        "coefficient_radius": 0.25,
        "algorithm": ENCLOSED_ALGORITHM,
    }
    assert cert.tolerances == tol(tau=tau) and cert.label == "L" and cert.promise == "P"
    assert 0.0 < cert.wall_time < 60.0


def test_rigorous_at_the_bound_has_zero_margin_and_a_constant_degree_zero():
    cert = certify_energy_polynomial(rigorous(*LINE), 1.25)
    assert cert.margin == 0.0 and cert.holds_within == 0.0
    const = certify_energy_polynomial(rigorous([0.5], [0.0]), 0.5)
    assert const.outcome == "holds" and const.details["degree"] == 0
    assert const.max_energy_enclosure == (down(0.5), up(0.5))
    zero = certify_energy_polynomial(rigorous([0.0], [2.0**-70]), 0.0)
    assert zero.outcome == "inconclusive" and zero.details["degree"] == 0
    assert zero.details["coefficient_radius"] == 2.0**-70


def test_a_rigorous_maximum_inside_the_interval():
    # p̃ = 4t(1 − t): max 1 at t = ½, R = 2⁻¹⁰ + 2⁻¹¹
    poly = rigorous([0.0, 4.0, -4.0], [2.0**-10, 0.0, 2.0**-11])
    r = 2.0**-10 + 2.0**-11
    cert = certify_energy_polynomial(poly, 1.0 + r)
    assert cert.outcome == "holds" and cert.argmax_t == 0.5 and cert.margin == 0.0
    assert cert.details["degree"] == 2 and cert.details["coefficient_radius"] == r
    assert certify_energy_polynomial(poly, down(1.0 + r)).outcome == "inconclusive"
    assert certify_energy_polynomial(poly, 1.0 - r).outcome == "inconclusive"
    assert certify_energy_polynomial(poly, down(1.0 - r)).outcome == "fails"


def true_and_rounded(coeffs, extra):
    """A true rational polynomial, its floats and radii ≥ the rounding (+ ``extra``)."""
    floats, radii = [], []
    for c, e in zip(coeffs, extra):
        f = float(c)
        err = abs(c - F(f)) + e
        r = float(err)
        radii.append(r if F(r) >= err else up(r))
        floats.append(f)
    return floats, radii


small = st.fractions(min_value=-10, max_value=10, max_denominator=30)


@st.composite
def adversarial(draw, max_degree=6):
    """(true coefficients, bound): random, or touching the bound at a rational point (an end,
    ½, ⅓) with an even power, scaled by 2^k, k in −100…100; the bound at the maximum, or a
    float near it."""
    scale = F(2) ** draw(st.integers(-100, 100))
    if draw(st.booleans()):
        n = draw(st.integers(1, max_degree + 1))
        coeffs = [draw(small) * scale for _ in range(n)]
        top = None
    else:
        r = draw(st.sampled_from([F(0), F(1), F(1, 2), F(1, 3)]))
        m = draw(st.integers(1, 2))
        k = draw(st.fractions(F(1, 10), 10, max_denominator=20))
        q = fmpq_poly([1])
        for _ in range(2 * m):
            q *= fmpq_poly([fmpq(-r.numerator, r.denominator), 1])
        top = float(draw(small) * scale)  # a float: the bound can equal the maximum
        coeffs = [-k * scale * F(int(c.p), int(c.q)) for c in q.coeffs()]
        coeffs[0] += F(top)
    return coeffs, top


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(adversarial(), st.integers(-2, 2), st.sampled_from([0, 1, 2**-60, 2**-20]))
def test_rigorous_never_contradicts_the_true_polynomial(case, ulps, extra_scale):
    coeffs, top = case
    extra = [F(extra_scale) * abs(c) for c in coeffs]
    floats, radii = true_and_rounded(coeffs, extra)
    m = oracle_max(coeffs)
    bound = top if top is not None else float(m)
    for _ in range(abs(ulps)):
        bound = up(bound) if ulps > 0 else down(bound)
    cert = certify_energy_polynomial(rigorous(floats, radii), bound)
    truth = oracle_le(coeffs, bound)
    if cert.outcome == "holds":
        assert truth is not False and cert.margin >= 0
    elif cert.outcome == "fails":
        assert truth is not True and cert.margin < 0
    lo, hi = cert.max_energy_enclosure
    assert inside(cert.max_energy, lo, hi, m)
    higher = certify_energy_polynomial(rigorous(floats, radii), up(up(bound)))
    assert RANK[higher.outcome] <= RANK[cert.outcome]
    if all(r == 0 for r in radii):  # nothing to enclose: rigorous decides like exact
        assert cert.outcome != "inconclusive"


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(adversarial(), st.integers(-1, 1))
def test_exact_decides_like_the_oracle(case, ulps):
    coeffs, top = case
    bound = top if top is not None else float(oracle_max(coeffs))
    for _ in range(abs(ulps)):
        bound = up(bound) if ulps > 0 else down(bound)
    truth = oracle_le(coeffs, bound)
    assume(truth is not None)
    cert = certify_exact(coeffs, bound)
    assert cert.method == "exact" and cert.holds is truth
    assert cert.margin >= 0 if truth else cert.margin <= 0


# ------------------------------------------------------------------------------------------
# certify_polynomial_promise
# ------------------------------------------------------------------------------------------


def test_no_promise_and_le_bound_have_no_certificate_but_tolerances_are_checked():
    assert certify_polynomial_promise([1, 2], NO_PROMISE) is None
    assert certify_polynomial_promise([1, 2], LE_BOUND) is None
    with pytest.raises(InputError, match="unknown tolerance"):
        certify_polynomial_promise([1, 2], NO_PROMISE, tolerances={"fuzz": 1.0})


def test_unknown_promise_and_piecewise_polynomials_are_refused():
    with pytest.raises(InputError) as err:
        certify_polynomial_promise([1], "bogus")
    assert str(err.value) == "unknown promise 'bogus'"
    with pytest.raises(InputError) as err:
        certify_polynomial_promise(([0, 1], [[1.0]]), CONSTANT)
    assert str(err.value) == "a piecewise polynomial has no single promise certificate"


def test_an_exactly_constant_energy_is_decided_structurally():
    cert = certify_polynomial_promise([F(3, 7)], CONSTANT, label="L")
    assert cert.holds and cert.outcome == "holds" and cert.method == "exact"
    assert cert.max_energy == 0.0 and cert.argmax_t == 0.0 and cert.margin == 0.0
    assert cert.bound == 3 / 7 and cert.max_energy_enclosure == (0.0, 0.0)
    assert cert.details == {"quantity": "E(t) − E(0)", "identically_zero": True}
    assert cert.label == "L" and cert.promise == CONSTANT and cert.holds_within == 0.0
    assert cert.tolerances == DEFAULT_TOLERANCES
    with_tau = certify_polynomial_promise([F(3, 7)], CONSTANT, tolerances={"tau": 0.5})
    assert with_tau.details["identically_zero"] and with_tau.holds_within == 0.0
    assert with_tau.tolerances == tol(tau=0.5)


def test_a_non_constant_energy_fails_the_constant_promise_both_ways():
    up_ = certify_polynomial_promise([F(3, 7), F(1, 10**30)], CONSTANT, label="L")
    assert up_.outcome == "fails" and up_.method == "exact" and up_.bound == 3 / 7
    assert up_.max_energy == 1e-30  # |E(t) − E(0)| at its worst
    assert up_.details["quantity"] == "|E(t) − E(0)|"
    assert up_.details["identically_zero"] is False and up_.details["pieces"] == 2
    assert up_.label == "L" and up_.promise == CONSTANT and up_.tolerances == DEFAULT_TOLERANCES
    assert up_.details["worst_piece"] == "L" and 0.0 < up_.wall_time < 60.0
    down_ = certify_polynomial_promise([1, -1], CONSTANT)
    assert down_.outcome == "fails" and down_.max_energy == 1.0 and down_.bound == 1.0
    assert down_.margin == -1.0 and down_.details["worst_piece"] == ""  # the falling side


@pytest.mark.parametrize(
    "coeffs, tau, outcome, within",
    [
        ([0, F(1, 4)], 0.25, "holds", 0.25),  # |t/4| ≤ ¼ exactly at t = 1
        ([0, F(-1, 4)], 0.25, "holds", 0.25),
        ([0, F(1, 4)], down(0.25), "fails", 0.0),
        ([0, F(-1, 4)], down(0.25), "fails", 0.0),
        ([5, F(1, 4), F(-1, 4)], 0.0625, "holds", 0.0625),  # t(1 − t)/4 ≤ 1/16 at t = ½
    ],
)
def test_constant_within_tau_is_two_sided(coeffs, tau, outcome, within):
    cert = certify_polynomial_promise(coeffs, CONSTANT, tolerances={"tau": tau})
    assert cert.outcome == outcome and cert.holds_within == within
    assert cert.details["identically_zero"] is False


def test_non_increasing_records_the_drop_and_strict_decrease():
    cert = certify_polynomial_promise([1, -2, 1], NON_INCREASING, label="L")  # (1 − t)²
    assert cert.holds and cert.method == "exact" and cert.promise == NON_INCREASING
    assert cert.max_energy == 0.0 and cert.argmax_t == 1.0 and cert.bound == 0.0
    assert cert.margin == 0.0 and cert.max_energy_enclosure == (0.0, 0.0)
    assert cert.details == {
        "radius": 0.0,
        "max_exact": "0",
        "quantity": "dE/dt",
        "drop": 1.0,
        "strictly_decreasing": True,
    }
    assert cert.label == "L" and cert.tolerances == DEFAULT_TOLERANCES
    flat = certify_polynomial_promise([2], NON_INCREASING)
    assert flat.holds and flat.details["strictly_decreasing"] is False
    assert flat.details["drop"] == 0.0
    rising = certify_polynomial_promise([0, 1], NON_INCREASING)
    assert rising.outcome == "fails" and rising.margin == -1.0
    assert rising.details["strictly_decreasing"] is False and rising.details["drop"] == -1.0
    touching = certify_polynomial_promise([1, -2, 1 + F(1, 10**20)], NON_INCREASING)
    assert touching.outcome == "fails" and touching.margin < 0


def test_non_increasing_within_tau():
    # E = t(1 − t)/4: E′ = ¼ − t/2 ≤ ¼ = τ; E(0) = E(1): not strictly decreasing
    cert = certify_polynomial_promise(
        [0, F(1, 4), F(-1, 4)], NON_INCREASING, tolerances={"tau": 0.25}
    )
    assert cert.holds and cert.holds_within == 0.25
    assert cert.details["strictly_decreasing"] is False and cert.details["drop"] == 0.0
    assert cert.margin == -0.25  # τ was needed: the margin says by how much
    no = certify_polynomial_promise(
        [0, F(1, 4), F(-1, 4)], NON_INCREASING, tolerances={"tau": 0.125}
    )
    assert no.outcome == "fails" and no.margin == -0.25


def test_strictly_decreasing_means_the_derivative_is_nonpositive():
    # E = 1 + t/8 − t²: E′(0) = 1/8 > 0, E′ ≤ 1/8 = τ; E(1) = 1/8 < E(0)
    cert = certify_polynomial_promise([1, F(1, 8), -1], NON_INCREASING, tolerances={"tau": 0.125})
    assert cert.holds and cert.holds_within == 0.125
    assert cert.details["strictly_decreasing"] is False
    without = certify_polynomial_promise([1, F(1, 8), -1], NON_INCREASING)
    assert without.outcome == "fails" and without.details["strictly_decreasing"] is False
    assert without.details["drop"] == 0.875


def test_le_max_endpoints_is_decided_against_the_polynomials_own_ends():
    le = certify_polynomial_promise([0, 1], LE_MAX_ENDPOINTS, label="L")
    assert le.holds and le.margin == 0.0 and le.bound == 1.0 and le.max_energy == 1.0
    assert le.details == {
        "radius": 0.0,
        "max_exact": "1",
        "quantity": "E(t) − max(E(0), E(1))",
    }
    assert le.method == "exact" and le.label == "L" and le.promise == LE_MAX_ENDPOINTS
    assert le.max_energy_enclosure == (1.0, 1.0) and le.argmax_t == 1.0
    dec = certify_polynomial_promise([1, -1], LE_MAX_ENDPOINTS)
    assert dec.holds and dec.bound == 1.0 and dec.argmax_t == 0.0
    hill = certify_polynomial_promise([0, 4, -4], LE_MAX_ENDPOINTS)
    assert hill.outcome == "fails" and hill.max_energy == 1.0 and hill.argmax_t == 0.5
    assert hill.margin == -1.0 and hill.bound == 0.0
    within = certify_polynomial_promise([0, 4, -4], LE_MAX_ENDPOINTS, tolerances={"tau": 1})
    assert within.holds and within.holds_within == 1.0 and within.margin == -1.0
    short = certify_polynomial_promise([0, 4, -4], LE_MAX_ENDPOINTS, tolerances={"tau": down(1.0)})
    assert short.outcome == "fails" and short.holds_within == 0.0
    irrational = certify_polynomial_promise([0, 3, 0, -5], LE_MAX_ENDPOINTS)  # max at 1/√5
    assert irrational.outcome == "fails" and irrational.details["max_exact"] is None


def test_float_promises_are_sampled_with_the_energys_own_scale():
    const = certify_polynomial_promise([0.5, 0.0], CONSTANT)
    assert const.method == "sampled" and const.holds
    assert const.details["reason"] == SAMPLED_REASON
    # E = 2²⁰ + t − t²: E′ = 1 − 2t peaks at 1; the allowance is rtol·max(|E(0)|, |E(1)|) = 1
    kw = {"tolerances": {"sampled_rtol": 2.0**-20}}
    near = certify_polynomial_promise([2.0**20, 1.0, -1.0], NON_INCREASING, **kw)
    assert near.method == "sampled" and near.outcome == "inconclusive"
    far = certify_polynomial_promise([2.0**20, up(1.0), -1.0], NON_INCREASING, **kw)
    assert far.outcome == "fails" and far.tolerances == tol(sampled_rtol=2.0**-20)
    small_energy = certify_polynomial_promise([1.0, 1.0, -1.0], NON_INCREASING, **kw)
    assert small_energy.outcome == "fails"  # E ≈ 1: the allowance is 2⁻²⁰
    assert certify_polynomial_promise([2.0, -1.0, 0.6], NON_INCREASING).outcome == "fails"


def test_rigorous_promises_widen_by_the_radius_and_say_rigorous():
    # E′ = −1 with Σ k r_k = 2·¼: holds, |E′ − (−1)| ≤ ½
    dec = certify_polynomial_promise(rigorous([1.0, -1.0, 0.0], [0.0, 0.0, 0.25]), NON_INCREASING)
    assert dec.method == "rigorous" and dec.outcome == "holds"
    assert dec.details["radius"] == 0.5 and dec.margin == 0.5
    assert dec.max_energy == -1.0 and dec.max_energy_enclosure == (-1.5, -0.5)
    assert dec.details["strictly_decreasing"] is True
    both = certify_polynomial_promise(rigorous([1.0, -1.0], [0.5, 0.25]), NON_INCREASING)
    assert both.details["radius"] == 0.25  # r_0 does not move E′
    rising = certify_polynomial_promise(rigorous([0.0, 1.0], [0.0, 0.25]), NON_INCREASING)
    assert rising.method == "rigorous" and rising.outcome == "fails"
    assert rising.margin == -1.25 and rising.max_energy_enclosure == (0.75, 1.25)
    hill = certify_polynomial_promise(
        rigorous([0.0, 4.0, -4.0], [0.25, 0.0, 0.0]), LE_MAX_ENDPOINTS
    )
    assert hill.method == "rigorous" and hill.outcome == "fails"
    assert hill.details["radius"] == 0.5 and hill.max_energy_enclosure == (0.5, 1.5)
    # E − E(0) = 4t − 8t² reaches ½ and −4, both beyond 2R = ¼
    const = certify_polynomial_promise(rigorous([1.0, 4.0, -8.0], [0.125, 0.0, 0.0]), CONSTANT)
    assert const.method == "rigorous" and const.outcome == "fails"
    assert const.details["identically_zero"] is False and const.max_energy == 4.0
    assert const.margin == -4.25  # the worse side, E(0) − E(1) = 4, less the radius 2R


@pytest.mark.parametrize(
    "poly, promise",
    [
        (rigorous([0.0, 1.0], [0.25, 0.0]), LE_MAX_ENDPOINTS),  # max at an end: the usual case
        (rigorous([2.0], [0.25]), CONSTANT),
        (rigorous([1.0, -1.0], [0.0, 2.0]), NON_INCREASING),
    ],
)
def test_a_rigorous_promise_within_its_radius_is_inconclusive(poly, promise):
    cert = certify_polynomial_promise(poly, promise)
    assert cert.method == "rigorous" and cert.outcome == "inconclusive" and not cert.holds
    assert cert.holds_within == 0.0 and cert.margin < 0


def test_a_rigorous_promise_inside_tau_plus_radius_is_inconclusive():
    # 4t(1 − t) ≤ max(E(0), E(1)) = 0: max 1, 2R = ¼; τ − 2R = ½ < 1 ≤ τ + 2R = 1
    hill = rigorous([0.0, 4.0, -4.0], [0.125, 0.0, 0.0])
    cert = certify_polynomial_promise(hill, LE_MAX_ENDPOINTS, tolerances={"tau": 0.75})
    assert cert.outcome == "inconclusive" and cert.holds_within == 0.0
    assert cert.max_energy_enclosure == (0.75, 1.25) and cert.tolerances == tol(tau=0.75)
    short = certify_polynomial_promise(hill, LE_MAX_ENDPOINTS, tolerances={"tau": down(0.75)})
    assert short.outcome == "fails"
    enough = certify_polynomial_promise(hill, LE_MAX_ENDPOINTS, tolerances={"tau": 1.25})
    assert enough.outcome == "holds" and enough.holds_within == 1.25


def test_a_float_constant_promise_fails_on_a_deviation_far_beyond_rounding():
    # E = 1000 + 500t: |E(t) − E(0)| reaches 500, half the energy — not rounding
    cert = certify_polynomial_promise([1000.0, 500.0], CONSTANT)
    assert cert.method == "sampled" and cert.outcome == "fails"


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(adversarial())
def test_exact_promises_agree_with_the_oracle(case):
    coeffs, _ = case
    le = certify_polynomial_promise(coeffs, LE_MAX_ENDPOINTS)
    truth = oracle_le(coeffs, max(value_at(coeffs, F(0)), value_at(coeffs, F(1))))
    assume(truth is not None)
    assert le.method == "exact" and le.holds is truth
    dcoeffs = [k * c for k, c in enumerate(coeffs)][1:] or [F(0)]
    down_truth = oracle_le(dcoeffs, 0)
    assume(down_truth is not None)
    assert certify_polynomial_promise(coeffs, NON_INCREASING).holds is down_truth
    const = certify_polynomial_promise(coeffs, CONSTANT)
    assert const.holds is all(c == 0 for c in coeffs[1:])


def test_defaults_label_and_promise_are_empty():
    for cert in (
        certify_exact([1, 2], 5.0),
        certify_exact([1.0, 2.0], 5.0),
        certify_energy_polynomial(as_energy_polynomial([1, 2]), 5.0),
        certify_energy_polynomial(rigorous([1.0, 2.0], [0.0, 0.0]), 5.0),
    ):
        assert cert.label == "" and cert.promise == ""
    for promise in (CONSTANT, NON_INCREASING, LE_MAX_ENDPOINTS):
        cert = certify_polynomial_promise([1, -1], promise)
        assert cert.label == "" and cert.promise == promise
        assert 0.0 < cert.wall_time < 60.0 or cert.details.get("identically_zero")


def test_a_small_float_energy_keeps_the_allowance_at_least_rtol():
    # E = ¼ + x t − x t², x = 2⁻²⁰: E′ ≤ x at t = 0; max(1, |E|, …) = 1 sets the allowance
    x = 2.0**-20
    kw = {"tolerances": {"sampled_rtol": x}}
    near = certify_polynomial_promise([0.25, x, -x], NON_INCREASING, **kw)
    assert near.method == "sampled" and near.outcome == "inconclusive"
    far = certify_polynomial_promise([0.25, up(x), -x], NON_INCREASING, **kw)
    assert far.outcome == "fails"


def test_a_two_number_tuple_is_a_polynomial_not_a_piecewise_one():
    cert = certify_exact((0, 1), 2)  # p(t) = t ≤ 2, exact
    assert cert.method == "exact" and cert.holds and cert.max_energy == 1.0
