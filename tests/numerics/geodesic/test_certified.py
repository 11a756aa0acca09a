"""The certificate contract in the geodesic package: exact energy polynomials of the test
landscapes (against Fraction / mpmath oracles), the exact disconnection certificate, and DSS
never counting an inconclusive segment as certified."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.geodesic import ConvexQuadratic, DoubleWell, RingValley, dss
from sublevel.numerics.geodesic.result import StringResult
from sublevel.theory.certificate import Certificate

_floats = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def _fr(x: float) -> Fraction:
    return Fraction(float(x))


def _coeffs(poly) -> list[Fraction]:
    return [Fraction(int(c.p), int(c.q)) for c in poly.coeffs()]


def _eval_fraction(coeffs: list[Fraction], t: Fraction) -> Fraction:
    return sum((c * t**k for k, c in enumerate(coeffs)), Fraction(0))


@settings(max_examples=25, deadline=None)
@given(dim=st.integers(1, 4), seed=st.integers(0, 10_000), t=st.fractions(0, 1, max_denominator=97))
def test_convex_quadratic_exact_polynomial_is_the_energy_in_rationals(dim, seed, t):
    """Oracle: ½ (x − c)ᵀH(x − c) evaluated in Fractions at x = a + t(b − a)."""
    land = ConvexQuadratic.random(dim, seed=seed)
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=dim) * 10, rng.normal(size=dim) * 1e-3
    x = [_fr(u) + t * (_fr(v) - _fr(u)) for u, v in zip(a, b)]
    r = [xi - _fr(ci) for xi, ci in zip(x, land.center)]
    H = [[_fr(v) for v in row] for row in land.H]
    truth = Fraction(1, 2) * sum(r[i] * H[i][j] * r[j] for i in range(dim) for j in range(dim))
    assert _eval_fraction(_coeffs(land.energy_polynomial_exact(a, b)), t) == truth


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), t=st.fractions(0, 1, max_denominator=97))
def test_double_well_exact_polynomial_is_the_energy_in_rationals(seed, t):
    land = DoubleWell.random(3, seed=seed, height=1.5)
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=3), rng.normal(size=3)
    x = [_fr(u) + t * (_fr(v) - _fr(u)) for u, v in zip(a, b)]
    R = [[_fr(v) for v in row] for row in land.R]
    y = [sum((x[i] - _fr(land.shift[i])) * R[i][j] for i in range(3)) for j in range(3)]
    truth = _fr(land.height) * (y[0] ** 2 - 1) ** 2 + sum(
        _fr(c) * yi**2 for c, yi in zip(land.c, y[1:])
    )
    assert _eval_fraction(_coeffs(land.energy_polynomial_exact(a, b)), t) == truth


@settings(max_examples=25, deadline=None)
@given(
    a=st.lists(_floats, min_size=3, max_size=3),
    b=st.lists(_floats, min_size=3, max_size=3),
    t=st.fractions(0, 1, max_denominator=97),
)
def test_ring_valley_exact_polynomial_is_the_energy_in_rationals(a, b, t):
    land = RingValley(3)
    x = [_fr(u) + t * (_fr(v) - _fr(u)) for u, v in zip(a, b)]
    truth = (sum(xi * xi for xi in x) - 1) ** 2
    assert _eval_fraction(_coeffs(land.energy_polynomial_exact(a, b)), t) == truth


def test_exact_and_float_polynomials_agree_and_dense_evaluation_matches():
    rng = np.random.default_rng(0)
    for land in (ConvexQuadratic.random(4, seed=1), DoubleWell.random(3, seed=2), RingValley(3)):
        a, b = rng.normal(size=land.dim), rng.normal(size=land.dim)
        ex = [float(c) for c in _coeffs(land.energy_polynomial_exact(a, b))]
        np.testing.assert_allclose(ex, land.energy_polynomial(a, b), rtol=1e-12, atol=1e-12)
        ts = np.linspace(0, 1, 33)
        np.testing.assert_allclose(
            np.polynomial.polynomial.polyval(ts, ex),
            land.energies(a + ts[:, None] * (b - a)),
            rtol=1e-12,
            atol=1e-12,
        )


def test_ring_exact_certificate_decides_a_bound_the_float_one_cannot():
    """E = (‖x‖² − 1)² along a radial chord just outside the unit circle, with a bound one ulp
    below the true maximum: the exact certificate says fails; decided on the float
    coefficients (what the old ``exact`` certificate did) the same bound holds — which is why
    that is now labelled sampled."""
    from sublevel.numerics.certify import (
        as_energy_polynomial,
        certify_energy_polynomial,
        energy_polynomial_of,
    )

    land = RingValley(2)
    a = np.array([1.0 + 2.0**-40, 0.0])  # ‖a‖² − 1 = 2^-39 + 2^-80: E(a) = that squared
    b = np.array([1.0 + 2.0**-40, 0.0]) * (1 + 2.0**-52)
    exact = energy_polynomial_of(land, a, b)
    assert exact is not None and exact.kind == "exact"
    true_max = max(_eval_fraction(_coeffs(exact.exact), Fraction(t)) for t in (0, 1))
    bound = float(true_max)
    if Fraction(bound) >= true_max:
        bound = math.nextafter(bound, -math.inf)
    cert = certify_energy_polynomial(exact, bound)
    assert cert.method == "exact" and cert.outcome == "fails"
    assert Fraction(cert.max_energy_enclosure[1]) >= true_max
    floats = certify_energy_polynomial(as_energy_polynomial(land.energy_polynomial(a, b)), bound)
    assert floats.holds and floats.method == "sampled" and not floats.is_proof


def test_disconnection_sign_is_decided_exactly_where_float_rounds_it_away():
    """y₁(a) = a₀ cos θ + a₁ sin θ is 2⁻⁵²-ish positive in rationals but rounds to 0 in floats:
    the float test `ya·yb < 0` missed the separation, the exact one proves it. The angle is
    found with Python float arithmetic (one rounding per operation, on every CPU)."""
    found = None
    for k in range(1, 400):
        theta = 0.001 * k
        c, s = math.cos(theta), math.sin(theta)
        R = np.array([[c, -s], [s, c]])
        a = np.array([math.nextafter(s, math.inf), -c])  # exact y1 = ulp(s)·c > 0
        # each product and the sum rounded once, as IEEE double arithmetic without FMA (numpy's
        # a @ R may fuse the multiply-add on a CPU with FMA and keep the sign)
        float_y1 = float(a[0]) * c + float(a[1]) * s
        exact_y1 = _fr(a[0]) * _fr(c) + _fr(a[1]) * _fr(s)
        if exact_y1 > 0 and float_y1 <= 0:
            found = (R, a)
            break
    assert found is not None, "no angle where the float y1 loses the sign"
    R, a = found
    well = DoubleWell(2, rotation=R)
    b = well.from_y(np.array([-0.9, 0.0]))  # y1 < 0: opposite sides of {y1 = 0}
    cert = well.disconnection_certificate(a, b, 0.5)
    assert cert.method == "exact" and cert.holds
    assert cert.details["endpoints_on_opposite_sides"]
    same = well.disconnection_certificate(a, well.from_y(np.array([0.9, 0.0])), 0.5)
    assert not same.holds
    assert not well.disconnection_certificate(a, b, 1.0).holds  # level = h: not below the ridge


class _Undecided(ConvexQuadratic):
    """A convex quadratic whose segment certificate is rigorous but inconclusive whenever the
    segment is longer than ``width`` (as a float certificate within rounding of its bound)."""

    width = math.inf

    def certify_segment(self, a, b, bound, *, tolerances=None, label="", promise="", **options):
        top = max(self.energy(a), self.energy(b))
        if np.linalg.norm(np.asarray(b) - a) > self.width:
            return Certificate(
                False,
                top,
                0.5,
                float(bound),
                "rigorous",
                outcome="inconclusive",
                max_energy_enclosure=(top, float(bound) + 1.0),
                label=label,
                promise=promise,
            )
        return Certificate(
            True,
            top,
            0.0,
            float(bound),
            "rigorous",
            outcome="holds",
            max_energy_enclosure=(top, top),
            label=label,
            promise=promise,
        )


def _undecided(width: float) -> tuple[_Undecided, np.ndarray, np.ndarray]:
    land = _Undecided(np.eye(2))
    land.width = width
    return land, np.array([-0.5, 0.0]), np.array([0.5, 0.0])


def test_dss_never_counts_an_inconclusive_segment_as_certified():
    land, a, b = _undecided(0.0)  # every segment inconclusive
    res = dss(land, a, b, 1.0, accept_factor=1.0, max_depth=2)
    assert not res.connected and not res.is_proof
    assert res.outcomes["inconclusive"] == len(res.certificates) and res.outcomes["holds"] == 0
    assert "inconclusive" in res.status and "within rounding" in res.status
    assert res.info["max_depth_reached"] == 2  # refined like a failing segment
    assert res.summary()["certificate_outcomes"]["inconclusive"] == len(res.certificates)


def test_dss_refines_inconclusive_segments_until_they_are_decided():
    land, a, b = _undecided(0.6)  # the first segments (length 0.5 + bead offset) may be undecided
    res = dss(land, a, b, 1.0, accept_factor=1.0, max_depth=4)
    assert res.connected and res.is_proof
    assert all(c.outcome == "holds" for c in res.certificates)


def test_string_result_is_proof_needs_every_outcome_holds_with_a_proof_method():
    beads = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    ok = Certificate(True, 0.5, 0.5, 1.0, "rigorous", max_energy_enclosure=(0.5, 0.6))
    undecided = Certificate(
        False, 0.9, 0.5, 1.0, "rigorous", outcome="inconclusive", max_energy_enclosure=(0.9, 1.1)
    )
    sampled = Certificate(True, 0.5, 0.5, 1.0, "sampled")

    def result(certs, connected=True):
        return StringResult("test", beads, 1.0, 1.0, connected, "", certs, 1.0, "all parameters")

    assert result([ok, ok]).is_proof
    assert not result([ok, undecided]).is_proof  # even when a caller says connected
    assert not result([ok, sampled]).is_proof
    assert not result([ok, ok], connected=False).is_proof
    assert not result([]).is_proof
    assert result([ok, undecided]).outcomes == {"holds": 1, "fails": 0, "inconclusive": 1}


def test_components_record_whether_each_merge_is_a_proof():
    from sublevel.numerics.geodesic.components import components_at_level

    land = DoubleWell(2, height=1.0)
    m0, m1 = land.minima
    comp = components_at_level(land, np.stack([m0, m1]), 1.2, accept_factor=1.0)
    assert comp.n_components == 1 and comp.proven
    assert comp.attempts[0]["proof"] and comp.to_dict()["proven"]


def _mp_max_of(poly) -> mpmath.mpf:
    """max over [0, 1] of an fmpq_poly at the working precision: the ends and the real roots
    of p′ (mpmath.polyroots)."""
    coeffs = [mpmath.mpf(int(c.p)) / int(c.q) for c in poly.coeffs()]
    dcoeffs = [k * c for k, c in enumerate(coeffs)][1:]
    ts = [mpmath.mpf(0), mpmath.mpf(1)]
    if len(dcoeffs) > 1:
        ts += [
            mpmath.re(r)
            for r in mpmath.polyroots(dcoeffs[::-1], maxsteps=200, extraprec=100)
            if abs(mpmath.im(r)) < 1e-30 and 0 < mpmath.re(r) < 1
        ]
    return max(mpmath.polyval(coeffs[::-1], t) for t in ts)


def test_mpmath_maximum_lies_in_the_exact_enclosure_on_a_dss_segment():
    """Independent check of an exact DSS segment certificate on the double well."""
    land = DoubleWell.random(2, seed=4)
    e1 = np.eye(2)[0]
    a, b = land.from_y(-e1 + [0, 0.2]), land.from_y(e1 + [0, 0.2])
    res = dss(land, a, b, 1.2, accept_factor=1.0)
    assert res.is_proof and res.methods == ["exact"]
    for (x, y), cert in zip(zip(res.beads[:-1], res.beads[1:]), res.certificates):
        with mpmath.workdps(50):
            true = _mp_max_of(land.energy_polynomial_exact(x, y))
        lo, hi = cert.max_energy_enclosure
        assert lo <= true <= hi and true <= cert.bound
