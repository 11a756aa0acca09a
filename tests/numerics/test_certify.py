"""sublevel.numerics.certify on landscapes with known answers (a convex quadratic, a double well)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sublevel.numerics.certify import (
    certify_bounded,
    certify_path,
    certify_piece,
    certify_polynomial_promise,
    certify_promise,
    certify_sampled,
)
from sublevel.numerics.landscape import Landscape
from sublevel.numerics.paths import CONSTANT, LE_MAX_ENDPOINTS, NON_INCREASING, Path, Segment
from sublevel.theory.errors import InputError


class Quadratic(Landscape):
    """E(θ) = ‖θ − c‖²: along a segment, a polynomial of degree 2 in t (exact certificates)."""

    def __init__(self, c):
        self.c = np.asarray(c, dtype=float)
        self.dim = self.c.size

    def _energies(self, thetas):
        return ((thetas - self.c) ** 2).sum(axis=1)

    def _energy_and_grad(self, theta):
        return float(((theta - self.c) ** 2).sum()), 2 * (theta - self.c)

    def energy_polynomial_exact(self, a, b):
        """‖a + t(b − a) − c‖² in exact rationals (the floats as the rationals they are)."""
        fa, fb, fc = ([Fraction(float(x)) for x in v] for v in (a, b, self.c))
        d = [y - x for x, y in zip(fa, fb)]
        r = [x - z for x, z in zip(fa, fc)]
        return [sum(x * x for x in r), 2 * sum(x * y for x, y in zip(r, d)), sum(x * x for x in d)]


class FloatQuadratic(Quadratic):
    """The same energy whose polynomial is computed in floats (rounding not enclosed)."""

    energy_polynomial_exact = None

    def energy_polynomial(self, a, b):
        d, r = b - a, a - self.c
        return [r @ r, 2 * r @ d, d @ d]


class EnclosedQuadratic(FloatQuadratic):
    """Float coefficients with proven radii: the exact ones' distance, rounded up."""

    def energy_polynomial_enclosure(self, a, b):
        exact = Quadratic(self.c).energy_polynomial_exact(a, b)
        approx = [float(c) for c in exact]
        radii = [
            float(np.nextafter(float(abs(c - Fraction(x))), np.inf)) + 1e-300
            for c, x in zip(exact, approx)
        ]
        return approx, radii


class DoubleWell(Landscape):
    """E(x, y) = (x² − 1)² + y²: ridge of height 1 at x = 0 (no polynomial capability)."""

    dim = 2

    def _energies(self, th):
        return (th[:, 0] ** 2 - 1) ** 2 + th[:, 1] ** 2

    def _energy_and_grad(self, th):
        x, y = th
        return (x * x - 1) ** 2 + y * y, np.array([4 * x * (x * x - 1), 2 * y])


vec = st.lists(st.floats(-3, 3, allow_nan=False), min_size=2, max_size=2)


@given(vec, vec, vec)
def test_convex_segment_is_certified_exactly(c, a, b):
    land = Quadratic(c)
    a, b = np.array(a), np.array(b)
    exact = land.energy_polynomial_exact(a, b)
    top = max(exact[0], sum(exact))  # convex: the maximum is an end, exactly
    seg = Segment(a, b, promise=LE_MAX_ENDPOINTS)
    cert = certify_piece(land, seg, float(top))
    assert cert.method == "exact"
    # a float bound rounded from the exact maximum holds iff rounding went up, never otherwise
    assert cert.holds is (Fraction(float(top)) >= top)
    promise = certify_promise(land, seg)
    assert promise.method == "exact" and promise.holds and promise.holds_within == 0.0
    ts = np.linspace(0, 1, 201)
    dense = land.energies(seg.points(ts)).max()
    assert cert.max_energy >= dense - 1e-9 * max(1.0, dense)


def test_float_polynomials_are_sampled_and_enclosed_ones_rigorous():
    a, b = np.array([0.1, 0.2]), np.array([0.7, -0.3])
    seg = Segment(a, b)
    top = float(
        max(
            Quadratic([0.3, 0.1]).energy_polynomial_exact(a, b)[0],
            sum(Quadratic([0.3, 0.1]).energy_polynomial_exact(a, b)),
        )
    )
    fl = certify_piece(FloatQuadratic([0.3, 0.1]), seg, top + 1.0)
    assert fl.method == "sampled" and not fl.is_proof and "not enclosed" in fl.details["reason"]
    enc = certify_piece(EnclosedQuadratic([0.3, 0.1]), seg, top + 1.0)
    assert enc.method == "rigorous" and enc.outcome == "holds"
    lo, hi = enc.max_energy_enclosure
    assert lo <= top <= hi and enc.margin >= 0
    # a bound within rounding of the maximum: never a wrong decision
    exact = Quadratic([0.3, 0.1]).energy_polynomial_exact(a, b)
    top_exact = max(exact[0], sum(exact))
    near = certify_piece(EnclosedQuadratic([0.3, 0.1]), seg, top).outcome
    wrong = "holds" if Fraction(top) < top_exact else "fails"
    assert near != wrong
    assert certify_piece(EnclosedQuadratic([0.3, 0.1]), seg, top - 1e-3).outcome == "fails"


def test_double_well_ridge_found_and_not_a_proof_when_sampled():
    land = DoubleWell()
    seg = Segment([-1.0, 0.0], [1.0, 0.0])
    cert = certify_piece(land, seg, 0.5)
    assert cert.method == "sampled" and not cert.holds and not cert.is_proof
    assert cert.max_energy == pytest.approx(1.0, abs=1e-12)
    assert cert.argmax_t == pytest.approx(0.5, abs=1e-6)


def test_bounded_certificate_is_an_upper_bound():
    land = DoubleWell()
    seg = Segment([-1.0, 0.0], [1.0, 0.0])
    f = lambda ts: land.energies(seg.points(ts))  # noqa: E731
    # along x = 2t − 1: E = ((2t − 1)² − 1)² = 16s²(s − 1)² with s = t, |E''| ≤ 32 on [0, 1];
    # each evaluation is exact to a few ulps of 1: 1e-12 is a proven evaluation error bound
    cert = certify_bounded(f, 1.2, smoothness=32.0, evaluation_error=1e-12, n_grid=101)
    assert cert.method == "bounded" and cert.holds and cert.max_energy >= 1.0
    below = certify_bounded(f, 0.999, smoothness=32.0, evaluation_error=1e-12, n_grid=101)
    assert below.outcome == "fails" and not below.holds
    between = certify_bounded(f, 1.0003, smoothness=32.0, evaluation_error=1e-12, n_grid=101)
    assert between.outcome == "inconclusive"  # the bound lies inside [sample, sample + Mh²/8]
    # without a bound on the evaluations' rounding it is not a proof
    assert certify_bounded(f, 1.2, smoothness=32.0, n_grid=101).method == "sampled"


def test_sampled_excess_within_rounding_is_inconclusive_not_failed():
    cert = certify_sampled(lambda ts: np.ones_like(ts) * (1.0 + 1e-12), 1.0)
    assert cert.outcome == "inconclusive" and not cert.holds
    assert certify_sampled(lambda ts: np.ones_like(ts) * 1.1, 1.0).outcome == "fails"
    assert certify_sampled(lambda ts: np.ones_like(ts), 1.0).outcome == "holds"
    tau = certify_sampled(lambda ts: np.ones_like(ts) * 1.05, 1.0, tolerances={"tau": 0.1})
    assert tau.holds and tau.holds_within == 0.1


def test_polynomial_promises_are_decided_structurally():
    # constant: exactly constant or not, no slack
    assert certify_polynomial_promise([Fraction(3, 7)], CONSTANT).holds
    off = certify_polynomial_promise([Fraction(3, 7), Fraction(1, 10**30)], CONSTANT)
    assert off.method == "exact" and off.outcome == "fails"
    # non-increasing: E' ≤ 0 exactly, a touching zero of E' allowed
    assert certify_polynomial_promise([1, -2, 1], NON_INCREASING).holds  # (1 − t)², E'(1) = 0
    assert not certify_polynomial_promise(
        [1, -2, Fraction(1) + Fraction(1, 10**20)], NON_INCREASING
    ).holds
    # ≤ max of endpoints, the maximum at an end (the usual case)
    le = certify_polynomial_promise([0, 1], LE_MAX_ENDPOINTS)
    assert le.holds and le.margin == 0.0
    assert not certify_polynomial_promise([0, 4, -4], LE_MAX_ENDPOINTS).holds
    # floats are computed values: sampled, and a rounding-level excess is not a failure
    assert certify_polynomial_promise([0.5, 0.0], CONSTANT).method == "sampled"
    tiny = certify_polynomial_promise([2.0, -1.0, 0.5 + 7e-18], NON_INCREASING)
    assert tiny.method == "sampled" and tiny.outcome in ("holds", "inconclusive")
    assert certify_polynomial_promise([2.0, -1.0, 0.6], NON_INCREASING).outcome == "fails"


def test_sampled_reports_non_finite_energy():
    cert = certify_sampled(lambda ts: np.where(ts > 0.5, np.nan, 0.0), 1.0)
    assert not cert.holds and "non-finite" in cert.details["reason"]


def test_bad_input():
    land = Quadratic([0.0])
    with pytest.raises(InputError, match="method"):
        certify_piece(land, Segment([0.0], [1.0]), 1.0, method="guess")
    with pytest.raises(InputError, match="unknown tolerance"):
        certify_piece(land, Segment([0.0], [1.0]), 1.0, tolerances={"fuzz": 1.0})
    with pytest.raises(InputError, match="lipschitz or a smoothness"):
        certify_bounded(lambda t: t, 1.0)
    with pytest.raises(InputError, match="bound"):
        certify_path(land, Path([Segment([0.0], [1.0])]), float("nan"))
