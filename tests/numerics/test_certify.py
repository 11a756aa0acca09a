"""sublevel.numerics.certify on landscapes with known answers (a convex quadratic, a double well)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sublevel.numerics.certify import (
    PathCertificate,
    certify_bounded,
    certify_path,
    certify_piece,
    certify_piece_and_promise,
    certify_polynomial_promise,
    certify_promise,
    certify_sampled,
    energy_along,
)
from sublevel.numerics.landscape import Landscape
from sublevel.numerics.paths import (
    CONSTANT,
    LE_BOUND,
    LE_MAX_ENDPOINTS,
    NO_PROMISE,
    NON_INCREASING,
    FunctionPiece,
    Path,
    Segment,
)
from sublevel.numerics.tolerances import DEFAULT_TOLERANCES
from sublevel.theory.certificate import Certificate
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


# ------------------------------------------------------------------------------------------
# the energy along a piece, and the choice of method per piece
# ------------------------------------------------------------------------------------------


class OnlyBatch:
    """A landscape with ``energies`` only (integer values: the result must be float64)."""

    def energies(self, thetas):
        return np.array([int(round(4 * float(x @ x))) for x in thetas])


class OnlyPointwise:
    """A landscape with ``energy`` only."""

    def energy(self, theta):
        return int(round(4 * float(theta @ theta)))


@pytest.mark.parametrize("land", [OnlyBatch(), OnlyPointwise()])
def test_energy_along_uses_what_the_landscape_has(land):
    f = energy_along(land, Segment([0.0], [2.0]))
    out = f(np.array([0.0, 0.25, 0.5, 1.0]))
    assert out.dtype == np.float64 and out.tolist() == [0.0, 1.0, 4.0, 16.0]


class Counting(Quadratic):
    """The exact quadratic, counting how often its polynomial is asked for."""

    def __init__(self, c):
        super().__init__(c)
        self.asked = 0

    def energy_polynomial_exact(self, a, b):
        self.asked += 1
        return super().energy_polynomial_exact(a, b)


SEG = Segment([0.0, 0.0], [1.0, 0.5], label="step", promise=LE_MAX_ENDPOINTS)


@pytest.mark.parametrize("method", ["auto", "exact"])
def test_an_exact_polynomial_gives_exact_certificates(method):
    land = Counting([0.5, 0.0])
    cert = certify_piece(land, SEG, 2.0, method=method, tolerances={"tau": 0.25})
    assert cert.method == "exact" and cert.holds and land.asked == 1
    assert cert.label == "step" and cert.promise == LE_MAX_ENDPOINTS
    assert cert.tolerances == {**DEFAULT_TOLERANCES, "tau": 0.25}
    with pytest.raises(InputError) as err:
        certify_piece(land, SEG, 2.0, method="rigorous")
    assert str(err.value) == "piece 'step': the landscape gives no rigorous polynomial energy"
    # the polynomial is preferred to a Lipschitz bound offered with auto
    assert certify_piece(land, SEG, 2.0, lipschitz=10.0).method == "exact"


@pytest.mark.parametrize("method", ["sampled", "bounded"])
def test_sampled_and_bounded_never_ask_for_the_polynomial(method):
    land = Counting([0.5, 0.0])
    opts = {"lipschitz": 4.0, "evaluation_error": 1e-12} if method == "bounded" else {}
    cert = certify_piece(land, SEG, 2.0, method=method, n_grid=11, **opts)
    assert cert.method == method and land.asked == 0 and cert.holds
    assert cert.details["n_grid"] == 11 and cert.label == "step"


def test_an_enclosed_polynomial_gives_rigorous_certificates_and_floats_sampled_ones():
    enc = EnclosedQuadratic([0.5, 0.0])
    for method in ("auto", "rigorous"):
        assert certify_piece(enc, SEG, 2.0, method=method).method == "rigorous"
    with pytest.raises(InputError) as err:
        certify_piece(enc, SEG, 2.0, method="exact")
    assert str(err.value) == "piece 'step': the landscape gives no exact polynomial energy"
    fl = FloatQuadratic([0.5, 0.0])
    assert certify_piece(fl, SEG, 2.0).method == "sampled"
    for method in ("exact", "rigorous"):
        with pytest.raises(InputError, match=f"no {method} polynomial energy"):
            certify_piece(fl, SEG, 2.0, method=method)


def test_without_a_polynomial_constants_choose_bounded_else_sampled():
    land, seg = DoubleWell(), Segment([-1.0, 0.0], [1.0, 0.0], label="ridge")
    assert certify_piece(land, seg, 2.0).method == "sampled"
    lip = certify_piece(land, seg, 2.0, lipschitz=8.0, evaluation_error=1e-12)
    assert lip.method == "bounded" and lip.holds and lip.details["lipschitz"] == 8.0
    smooth = certify_piece(land, seg, 2.0, smoothness=32.0, evaluation_error=1e-12)
    assert smooth.method == "bounded" and smooth.details["smoothness"] == 32.0
    assert certify_piece(land, seg, 2.0, lipschitz=8.0).method == "sampled"  # rounding unknown
    assert certify_piece(land, seg, 2.0, n_grid=11, refine=0).n_evaluations == 11
    with pytest.raises(InputError) as err:
        certify_piece(land, seg, 2.0, method="exact")
    assert str(err.value) == "piece 'ridge': the landscape gives no exact polynomial energy"
    with pytest.raises(InputError, match="lipschitz or a smoothness"):
        certify_piece(land, seg, 2.0, method="bounded")


def test_a_curved_piece_is_sampled_even_on_a_polynomial_landscape():
    land = Counting([0.0, 0.0])
    arc = FunctionPiece(lambda ts: np.stack([np.cos(ts), np.sin(ts)], axis=1), label="arc")
    cert = certify_piece(land, arc, 2.0)
    assert cert.method == "sampled" and land.asked == 0 and cert.label == "arc"
    assert cert.max_energy == pytest.approx(1.0) and cert.outcome == "holds"


class OwnCertificate(Quadratic):
    """A landscape with its own segment certificate (records what it was given)."""

    def __init__(self, c):
        super().__init__(c)
        self.given = []

    def certify_segment(self, a, b, bound, **kw):
        self.given.append((a.tolist(), b.tolist(), bound, kw))
        return Certificate(True, 0.0, 0.0, bound, "rigorous", label=kw["label"])


def test_the_landscapes_own_segment_certificate_comes_first():
    land = OwnCertificate([0.0, 0.0])
    tol = {"tau": 0.5}
    for method in ("auto", "exact", "rigorous"):
        cert = certify_piece(land, SEG, 3.0, method=method, tolerances=tol)
        assert cert.method == "rigorous" and cert.label == "step"
    assert (
        land.given
        == [
            (
                [0.0, 0.0],
                [1.0, 0.5],
                3.0,
                {"tolerances": tol, "label": "step", "promise": SEG.promise},
            )
        ]
        * 3
    )
    assert certify_piece(land, SEG, 3.0, method="sampled").method == "sampled"
    assert certify_piece(land, SEG, 3.0, method="bounded", lipschitz=1.0).method == "sampled"
    arc = FunctionPiece(lambda ts: np.stack([ts, ts], axis=1))
    assert certify_piece(land, arc, 3.0).method == "sampled"
    assert len(land.given) == 3


def test_an_unknown_method_is_named():
    for call in (certify_piece, certify_piece_and_promise):
        with pytest.raises(InputError) as err:
            call(Quadratic([0.0]), Segment([0.0], [1.0]), 1.0, method="guess")
        assert str(err.value) == (
            "method 'guess' is not one of auto, exact, rigorous, bounded, sampled"
        )
    with pytest.raises(InputError, match="method 'Exact'"):
        certify_promise(Quadratic([0.0]), Segment([0.0], [1.0]), method="Exact")


# ------------------------------------------------------------------------------------------
# promises
# ------------------------------------------------------------------------------------------


def test_no_promise_and_le_bound_have_no_promise_certificate():
    for promise in (NO_PROMISE, LE_BOUND):
        seg = Segment([0.0], [1.0], promise=promise)
        assert certify_promise(Quadratic([0.0]), seg) is None
        assert (
            certify_promise(DoubleWell(), Segment([0.0, 0.0], [1.0, 0.0], promise=promise)) is None
        )
    with pytest.raises(InputError, match="unknown tolerance"):
        certify_promise(Quadratic([0.0]), Segment([0.0], [1.0]), tolerances={"x": 1.0})


@pytest.mark.parametrize(
    "a, b, promise, holds",
    [
        ([2.0], [0.5], NON_INCREASING, True),  # (x − ½)² from 9/4 down to 0
        ([0.0], [1.0], LE_MAX_ENDPOINTS, True),  # convex: the maximum is an end
        ([0.5], [0.5], CONSTANT, True),
        ([0.0], [1.0], CONSTANT, False),
        ([0.0], [1.0], NON_INCREASING, False),
    ],
)
def test_polynomial_promises_are_exact_with_a_bracketed_label(a, b, promise, holds):
    land = Counting([0.5])
    seg = Segment(a, b, label="s", promise=promise)
    cert = certify_promise(land, seg, tolerances={"tau": 0.0})
    assert cert.method == "exact" and cert.holds is holds and land.asked == 1
    assert cert.label == f"s [{promise}]" and cert.promise == promise
    assert cert.tolerances == DEFAULT_TOLERANCES


def test_promise_methods_exact_and_rigorous_use_the_polynomial():
    land = Counting([0.5])
    seg = Segment([0.5], [1.0], label="s", promise=CONSTANT)  # (x − ½)²: from 0 up to ¼
    cert = certify_promise(land, seg, method="exact")
    assert cert.method == "exact" and cert.outcome == "fails" and land.asked == 1
    within = certify_promise(land, seg, method="exact", tolerances={"tau": 0.25})
    assert within.holds and within.holds_within == 0.25 and within.tolerances["tau"] == 0.25
    enc = EnclosedQuadratic([0.5])
    rig = certify_promise(enc, Segment([2.0], [1.0], promise=NON_INCREASING), method="rigorous")
    assert rig.method == "rigorous" and rig.holds
    bound, promise = certify_piece_and_promise(
        enc, Segment([2.0], [1.0], promise=NON_INCREASING), 3.0, method="rigorous"
    )
    assert bound.method == promise.method == "rigorous"
    bound, promise = certify_piece_and_promise(
        land, seg, 1.0, method="exact", tolerances={"tau": 0.25}
    )
    assert bound.method == promise.method == "exact" and promise.holds_within == 0.25
    assert promise.tolerances["tau"] == 0.25 and bound.tolerances["tau"] == 0.25


def test_polynomial_promise_with_sampled_method_is_sampled():
    land = Counting([0.5])
    seg = Segment([0.0], [1.0], label="s", promise=CONSTANT)
    cert = certify_promise(land, seg, method="sampled")
    assert cert.method == "sampled" and land.asked == 0 and cert.outcome == "fails"


def test_le_max_endpoints_without_a_polynomial_is_a_bound_at_the_larger_end():
    land = DoubleWell()
    seg = Segment([-1.0, 0.0], [0.5, 0.0], label="over", promise=LE_MAX_ENDPOINTS)
    cert = certify_promise(land, seg, tolerances={"tau": 0.125})
    assert cert.method == "sampled" and cert.outcome == "fails"
    assert cert.bound == 0.5625  # E(0.5, 0) = (¼ − 1)², E(−1, 0) = 0
    assert cert.max_energy == pytest.approx(1.0) and cert.label == "over"
    assert cert.promise == LE_MAX_ENDPOINTS and cert.tolerances["tau"] == 0.125
    back = certify_promise(land, Segment([0.5, 0.0], [-1.0, 0.0], promise=LE_MAX_ENDPOINTS))
    assert back.bound == 0.5625
    lip = certify_promise(land, seg, lipschitz=8.0, evaluation_error=1e-12)
    assert lip.method == "bounded" and lip.outcome == "fails"
    down = certify_promise(land, Segment([0.0, 0.0], [1.0, 0.0], promise=LE_MAX_ENDPOINTS))
    assert down.outcome == "holds" and down.bound == 1.0 and down.argmax_t == 0.0


class Plateau:
    """E = level + slope·x over x: sampled promises only."""

    def __init__(self, level, slope):
        self.level, self.slope = level, slope

    def energies(self, thetas):
        return self.level + self.slope * thetas[:, 0]


def test_sampled_constant_promise_records_the_largest_deviation():
    flat = certify_promise(Plateau(3.0, 0.0), Segment([0.0], [1.0], label="p", promise=CONSTANT))
    assert flat.method == "sampled" and flat.outcome == "holds" and flat.max_energy == 0.0
    assert flat.argmax_t == 0.0 and flat.bound == 0.0 and flat.n_evaluations == 101
    assert flat.label == "p [constant energy]" and flat.promise == CONSTANT
    assert flat.details == {"quantity": "max |E(t) − E(0)| over samples", "energy_at_start": 3.0}
    assert flat.tolerances == DEFAULT_TOLERANCES
    tilt = certify_promise(Plateau(3.0, -0.5), Segment([0.0], [1.0], promise=CONSTANT), n_grid=5)
    assert tilt.outcome == "fails" and tilt.max_energy == 0.5 and tilt.argmax_t == 1.0
    assert tilt.n_evaluations == 5 and tilt.margin == -0.5
    # the rounding allowance is relative to the energy's size (2²⁰ here, not 1)
    big = Plateau(2.0**20, 2.0**-20)
    near = certify_promise(big, Segment([0.0], [1.0], promise=CONSTANT))
    assert near.outcome == "inconclusive" and near.max_energy == 2.0**-20
    within = certify_promise(
        Plateau(3.0, 0.25), Segment([0.0], [1.0], promise=CONSTANT), tolerances={"tau": 0.25}
    )
    assert within.outcome == "holds" and within.tolerances["tau"] == 0.25


def test_sampled_non_increasing_promise_records_the_largest_rise():
    down = certify_promise(Plateau(1.0, -1.0), Segment([0.0], [1.0], promise=NON_INCREASING))
    assert down.method == "sampled" and down.outcome == "holds"
    assert down.max_energy == pytest.approx(-0.01) and down.bound == 0.0
    assert down.details == {"quantity": "largest rise between samples"}
    assert down.n_evaluations == 101 and down.tolerances == DEFAULT_TOLERANCES
    assert down.label == "segment [non-increasing]" and down.promise == NON_INCREASING
    land = DoubleWell()  # E = (t² − 1)² from x = 0 to 1: falling, flattest at t = 0
    dw = certify_promise(land, Segment([0.0, 0.0], [1.0, 0.0], promise=NON_INCREASING))
    assert dw.outcome == "holds" and dw.argmax_t == 0.0 and dw.max_energy < 0
    up = certify_promise(land, Segment([-1.0, 0.0], [0.0, 0.0], promise=NON_INCREASING), n_grid=2)
    assert up.outcome == "fails" and up.max_energy == 1.0 and up.argmax_t == 0.0
    assert up.n_evaluations == 2
    # E = (x² − 1)² on x = −1 + t rises fastest at x = −1/√3, t ≈ 0.42
    steep = certify_promise(land, Segment([-1.0, 0.0], [0.0, 0.0], promise=NON_INCREASING))
    assert steep.argmax_t == pytest.approx(1 - 1 / np.sqrt(3), abs=0.01)
    big = Plateau(2.0**20, 2.0**-20)  # rises by 2⁻²⁰/100 per step: within rounding of 2²⁰
    near = certify_promise(big, Segment([0.0], [1.0], promise=NON_INCREASING))
    assert near.outcome == "inconclusive"


class Tent(DoubleWell):
    """The double well whose energy is offered as a float piecewise polynomial."""

    def energy_polynomial(self, a, b):
        return ([0.0, 0.5, 1.0], [[0.0, 2.0], [2.0, -2.0]])


def test_a_piecewise_polynomial_promise_is_sampled_and_an_unknown_one_refused():
    cert = certify_promise(Tent(), Segment([0.0, 0.0], [0.0, 1.0], promise=CONSTANT))
    assert cert.method == "sampled" and cert.details["quantity"].startswith("max |E(t)")
    # ≤ max of endpoints: the piecewise polynomial itself, against max(E(0), E(1)) = 1 + 1²
    le = certify_promise(Tent(), Segment([0.0, 0.0], [0.0, 1.0], promise=LE_MAX_ENDPOINTS))
    assert le.method == "sampled" and le.details["pieces"] == 2 and le.bound == 2.0
    seg = Segment([0.0, 0.0], [0.0, 1.0], promise=CONSTANT)
    seg.promise = "bogus"
    with pytest.raises(InputError) as err:
        certify_promise(DoubleWell(), seg)
    assert str(err.value) == "unknown promise 'bogus'"


def test_an_enclosed_energy_le_max_endpoints_promise_is_inconclusive_not_an_error():
    seg = Segment([0.1, 0.2], [0.7, -0.3], promise=LE_MAX_ENDPOINTS)
    cert = certify_promise(EnclosedQuadratic([0.3, 0.1]), seg)  # convex: max at an end
    assert cert.method == "rigorous" and cert.outcome == "inconclusive"


def test_piece_and_promise_compute_the_polynomial_once():
    land = Counting([0.5, 0.0])
    cert, promise = certify_piece_and_promise(land, SEG, 2.0, tolerances={"tau": 0.0})
    assert land.asked == 1 and cert.method == promise.method == "exact"
    assert cert.label == "step" and promise.label == f"step [{LE_MAX_ENDPOINTS}]"
    assert cert.holds and promise.holds
    alone = certify_piece(land, SEG, 2.0)
    assert (cert.max_energy, cert.outcome) == (alone.max_energy, alone.outcome)
    cert, promise = certify_piece_and_promise(land, Segment([0.0], [1.0]), 2.0)
    assert promise is None
    cert, promise = certify_piece_and_promise(DoubleWell(), SEG, 2.0, method="sampled", n_grid=11)
    assert cert.method == promise.method == "sampled" and cert.n_evaluations == 11


# ------------------------------------------------------------------------------------------
# whole paths
# ------------------------------------------------------------------------------------------


def test_path_certificate_combines_pieces_then_promises():
    ok = Certificate(True, 0.5, 0.25, 1.0, "exact", label="a")
    bad = Certificate(False, 2.0, 0.5, 1.0, "sampled", label="b [constant energy]")
    pc = PathCertificate([ok, ok])
    assert pc.promises == [] and pc.holds and pc.all == [ok, ok]
    assert pc.overall.label == "path" and pc.overall.holds
    pc = PathCertificate([ok], [bad])
    assert pc.all == [ok, bad] and not pc.holds
    overall = pc.overall
    assert overall.outcome == "fails" and overall.label == "path"
    assert overall.details == {"worst_piece": "b [constant energy]", "pieces": 2}
    assert overall.method == "sampled" and overall.max_energy == 2.0
    assert not PathCertificate([bad], [ok]).holds


def test_certify_path_with_and_without_promises():
    land = Quadratic([0.0, 0.0])
    path = Path(
        [
            Segment([1.0, 0.0], [0.0, 0.0], label="in", promise=NON_INCREASING),
            Segment([0.0, 0.0], [0.0, 1.0], label="out", promise=NO_PROMISE),
            Segment([0.0, 1.0], [0.0, -1.0], label="across", promise=LE_MAX_ENDPOINTS),
        ]
    )
    pc = certify_path(land, path, 1.0, tolerances={"tau": 0.0})
    assert [c.label for c in pc.pieces] == ["in", "out", "across"]
    assert [c.label for c in pc.promises] == [
        f"in [{NON_INCREASING}]",
        f"across [{LE_MAX_ENDPOINTS}]",
    ]
    assert pc.holds and all(c.method == "exact" for c in pc.all)
    bare = certify_path(land, path, 1.0, check_promises=False)
    assert bare.promises == [] and len(bare.pieces) == 3 and bare.holds
    opts = {"method": "sampled", "tolerances": {"tau": 0.25}, "n_grid": 11, "refine": 0}
    bare = certify_path(land, path, 0.75, check_promises=False, **opts)
    assert [(c.method, c.n_evaluations, c.tolerances["tau"]) for c in bare.pieces] == [
        ("sampled", 11, 0.25)
    ] * 3
    assert bare.holds and bare.overall.holds_within == 0.25
    low = certify_path(land, path, 0.5)
    assert not low.holds and [c.holds for c in low.pieces] == [False, False, False]
    assert all(c.holds for c in low.promises)  # promises do not depend on the bound
    within = certify_path(land, path, 0.75, tolerances={"tau": 0.25})
    assert within.holds and within.overall.holds_within == 0.25
    sampled = certify_path(land, path, 1.0, method="sampled", n_grid=11, refine=0)
    assert all(c.method == "sampled" for c in sampled.all)
    assert [c.n_evaluations for c in sampled.pieces] == [11, 11, 11]
    bounded = certify_path(
        DoubleWell(),
        Path([Segment([-1.0, 0.0], [1.0, 0.0], promise=LE_MAX_ENDPOINTS)]),
        2.0,
        lipschitz=8.0,
        evaluation_error=1e-12,
    )
    assert [c.method for c in bounded.all] == ["bounded", "bounded"]
    assert bounded.pieces[0].holds and not bounded.promises[0].holds


@pytest.mark.parametrize("bound", [float("nan"), float("inf"), -float("inf")])
def test_certify_path_refuses_a_non_finite_bound_by_value(bound):
    with pytest.raises(InputError) as err:
        certify_path(Quadratic([0.0]), Path([Segment([0.0], [1.0])]), bound)
    assert str(err.value) == f"bound {bound!r} is not finite"


def test_a_sampled_promise_needs_two_grid_points():
    seg = Segment([0.1, 0.2], [0.7, -0.3], promise=CONSTANT)
    with pytest.raises(InputError, match="n_grid = 1"):
        certify_promise(DoubleWell(), seg, n_grid=1)
