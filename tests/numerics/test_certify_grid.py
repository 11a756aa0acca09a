"""sublevel.numerics.certify_grid: ``bounded`` and ``sampled`` certificates from evaluations.

Oracles: exact rational values of polynomials (``Fraction``), whose Lipschitz and smoothness
constants on [0, 1] are known in closed form (Σ k|c_k|, Σ k(k − 1)|c_k|) and whose evaluations,
rounded once to the nearest float, are within half an ulp of the truth; floats placed exactly at
and one ulp beyond every decision boundary (``math.nextafter``).
"""

from __future__ import annotations

import math
import os
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.certify_grid import (
    certify_bounded,
    certify_sampled,
    sampled_outcome,
    sampled_scale,
)
from sublevel.numerics.tolerances import DEFAULT_TOLERANCES
from sublevel.theory.errors import InputError

#: benchmarks/mutation.sh sets SUBLEVEL_MUTATION=1: fewer examples per property, same properties
FAST = os.environ.get("SUBLEVEL_MUTATION") == "1"
RANK = {"holds": 0, "inconclusive": 1, "fails": 2}
UP, DOWN = math.inf, -math.inf


def examples(n: int) -> int:
    """``n`` hypothesis examples, or at most 8 under mutation testing."""
    return min(n, 8) if FAST else n


def up(x: float) -> float:
    return math.nextafter(x, UP)


def down(x: float) -> float:
    return math.nextafter(x, DOWN)


class Counted:
    """An energy of t that records every time it is evaluated at."""

    def __init__(self, fn):
        self.fn, self.calls = fn, []

    def __call__(self, ts):
        ts = np.asarray(ts, dtype=float)
        self.calls.append(ts.copy())
        return self.fn(ts)

    @property
    def n_points(self) -> int:
        return sum(c.size for c in self.calls)

    def scalar_points(self) -> np.ndarray:
        """The times of the one-point evaluations (the golden-section refinements)."""
        return np.array([c[0] for c in self.calls if c.size == 1])


# ------------------------------------------------------------------------------------------
# sampled_scale and sampled_outcome: the rounding allowance of sampled evidence
# ------------------------------------------------------------------------------------------


def test_sampled_scale_is_the_largest_of_one_the_bound_and_the_finite_samples():
    assert sampled_scale(0.5, np.array([0.25, -0.5])) == 1.0
    assert sampled_scale(-3.0, np.array([0.25, 2.0])) == 3.0
    assert sampled_scale(0.0, np.array([0.25, -4.0, 2.0])) == 4.0
    assert sampled_scale(2.0, np.array([np.nan, np.inf, -np.inf, 1.5])) == 2.0
    assert sampled_scale(0.5, np.array([np.nan, -np.inf])) == 1.0  # no finite sample
    assert sampled_scale(0.5, np.array([])) == 1.0
    assert type(sampled_scale(np.float32(5.0), np.array([1.0]))) is float


@pytest.mark.parametrize(
    "tau, rtol, scale", [(0.0, 0.25, 1.0), (0.25, 0.5, 2.0), (1.0, 2.0**-30, 8.0)]
)
def test_sampled_outcome_at_and_beyond_each_boundary(tau, rtol, scale):
    tol = {"tau": tau, "sampled_rtol": rtol}
    edge = tau + rtol * scale  # exact for these dyadic values
    assert sampled_outcome(-1.0, scale, tol) == "holds"
    assert sampled_outcome(tau, scale, tol) == "holds"
    assert sampled_outcome(up(tau), scale, tol) == "inconclusive"
    assert sampled_outcome(edge, scale, tol) == "inconclusive"
    assert sampled_outcome(up(edge), scale, tol) == "fails"


def test_sampled_outcome_scale_multiplies_the_relative_tolerance():
    tol = {"tau": 0.0, "sampled_rtol": 0.5}
    assert sampled_outcome(1.5, 4.0, tol) == "inconclusive"  # 1.5 ≤ 0.5·4
    assert sampled_outcome(1.5, 2.0, tol) == "fails"  # 1.5 > 0.5·2
    assert sampled_outcome(2.0, 4.0, tol) == "inconclusive"


@settings(max_examples=examples(60))
@given(
    st.floats(-1e30, 1e30),
    st.floats(-1e30, 1e30),
    st.floats(0, 1e10),
    st.floats(0, 1),
    st.floats(1, 1e30),
)
def test_sampled_outcome_is_monotone_in_the_excess(e1, e2, tau, rtol, scale):
    """A larger excess (a lower bound) never moves the outcome towards ``holds``."""
    tol = {"tau": tau, "sampled_rtol": rtol}
    lo, hi = sorted((e1, e2))
    assert RANK[sampled_outcome(lo, scale, tol)] <= RANK[sampled_outcome(hi, scale, tol)]
    assert (sampled_outcome(lo, scale, tol) == "holds") is (lo <= tau)


# ------------------------------------------------------------------------------------------
# certify_sampled
# ------------------------------------------------------------------------------------------


def bump(peak: float):
    """A kink of height 1 at ``peak`` (no parabola fits it: the refinement must bisect down to
    ``xtol``; near t = 0 its relative stopping rule is below 10⁻⁹)."""
    return lambda ts: 1.0 - np.abs(ts - peak) - 3.0 * (ts - peak) ** 3


@pytest.mark.parametrize("peak", [0.0093, 0.0166, 0.0234, 0.1166, 0.1234])
def test_refinement_finds_an_off_grid_peak_to_xtol(peak):
    f = Counted(bump(peak))
    cert = certify_sampled(f, 2.0, label="lbl", promise="≤ bound")
    assert cert.method == "sampled" and cert.outcome == "holds" and cert.holds
    assert abs(cert.argmax_t - peak) < 1e-9  # xtol = 1e-10 (the default of scipy is 1e-5)
    assert 1.0 - 1e-9 < cert.max_energy <= 1.0
    assert cert.max_energy >= float(np.max(f.fn(np.linspace(0, 1, 101))))
    assert cert.margin == 2.0 - cert.max_energy
    assert cert.n_evaluations == f.n_points > 101
    assert cert.details == {"n_grid": 101, "refined_maxima": 3}
    assert cert.tolerances == DEFAULT_TOLERANCES
    assert cert.label == "lbl" and cert.promise == "≤ bound" and cert.bound == 2.0
    assert cert.max_energy_enclosure is None and cert.holds_within == 0.0
    assert 0.0 < cert.wall_time < 60.0
    # (the grid maximum at index 1 is refined on [t_0, t_2]; the others likewise)
    # the one refinement runs inside the grid cells either side of the best grid point
    i = int(round(peak * 100))
    pts = f.scalar_points()
    assert pts.size > 0 and np.all((pts >= (i - 1) / 100) & (pts <= (i + 1) / 100))


def test_a_coarse_xtol_is_passed_on():
    cert = certify_sampled(bump(0.1166), 2.0, xtol=1e-3)
    assert 1e-7 < abs(cert.argmax_t - 0.1166) < 2e-3


def test_refine_zero_keeps_the_grid_maximum():
    f = Counted(bump(0.1166))
    cert = certify_sampled(f, 2.0, n_grid=11, refine=0)
    assert cert.n_evaluations == f.n_points == 11 and len(f.calls) == 1
    assert cert.argmax_t == 0.1 and cert.max_energy == float(f.fn(np.array([0.1]))[0])
    assert cert.details == {"n_grid": 11, "refined_maxima": 0}


def three_peaks(ts):
    """Local maxima near t = 0.2 (height 1), 0.5 (height 3) and 0.8 (height 2), off the grid."""
    return (
        1.0 * np.exp(-(((ts - 0.2013) / 0.03) ** 2))
        + 3.0 * np.exp(-(((ts - 0.5017) / 0.03) ** 2))
        + 2.0 * np.exp(-(((ts - 0.7986) / 0.03) ** 2))
    )


@pytest.mark.parametrize(
    "refine, cells", [(1, [0.5]), (2, [0.5, 0.8]), (3, [0.2, 0.5, 0.8]), (5, [0.2, 0.5, 0.8])]
)
def test_only_the_refine_highest_local_maxima_are_refined(refine, cells):
    f = Counted(three_peaks)
    cert = certify_sampled(f, 10.0, refine=refine)
    pts = f.scalar_points()
    touched = sorted({c for c in (0.2, 0.5, 0.8) if np.any(np.abs(pts - c) <= 0.01 + 1e-12)})
    assert touched == cells
    assert np.all(np.min(np.abs(pts[:, None] - np.array(cells)[None, :]), axis=1) <= 0.01 + 1e-12)
    assert abs(cert.argmax_t - 0.5017) < 1e-8
    assert cert.n_evaluations == f.n_points
    assert cert.details["refined_maxima"] == refine


def test_a_plateau_keeps_the_first_grid_point_and_refines_ties():
    f = Counted(lambda ts: np.full_like(ts, 0.75))
    cert = certify_sampled(f, 0.75)
    # every interior sample is a (weak) local maximum: three are refined, none beats the grid
    assert f.scalar_points().size > 0 and cert.n_evaluations == f.n_points
    assert cert.argmax_t == 0.0 and cert.max_energy == 0.75
    assert cert.outcome == "holds" and cert.margin == 0.0 and cert.holds_within == 0.0


def test_a_monotone_energy_has_no_interior_maximum_to_refine():
    f = Counted(lambda ts: ts * ts)
    cert = certify_sampled(f, 1.0)
    assert len(f.calls) == 1 and cert.n_evaluations == 101
    assert cert.argmax_t == 1.0 and cert.max_energy == 1.0 and cert.holds


def test_two_points_are_enough_and_one_is_refused():
    cert = certify_sampled(lambda ts: 1.0 - ts, 1.0, n_grid=2)
    assert cert.holds and cert.argmax_t == 0.0 and cert.n_evaluations == 2
    for n in (1, 0, -3):
        with pytest.raises(InputError) as err:
            certify_sampled(lambda ts: ts, 1.0, n_grid=n)
        assert str(err.value) == f"n_grid = {n}: need at least 2 points"


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_energy_is_reported_where_it_first_occurs(bad):
    f = Counted(lambda ts: np.where(ts > 0.5, bad, 0.0))
    cert = certify_sampled(f, 1.5, label="L", promise="P", tolerances={"tau": 0.5})
    assert not cert.holds and cert.outcome == "fails" and cert.method == "sampled"
    assert cert.max_energy == math.inf and cert.argmax_t == 0.51 and cert.bound == 1.5
    assert cert.details == {"reason": "non-finite energy at t = 0.51"}
    assert cert.n_evaluations == 101 and len(f.calls) == 1
    assert cert.tolerances == {"tau": 0.5, "sampled_rtol": 1e-9}
    assert cert.label == "L" and cert.promise == "P" and cert.holds_within == 0.0
    assert 0.0 < cert.wall_time < 60.0


def test_non_finite_reason_formats_the_time():
    cert = certify_sampled(lambda ts: np.where(ts >= 1 / 3, np.nan, 0.0), 1.0, n_grid=4)
    assert cert.details["reason"] == "non-finite energy at t = 0.333333"


def constant(c: float):
    return lambda ts: np.full_like(ts, c)


@pytest.mark.parametrize(
    "c, bound, tol, outcome, within",
    [
        (1.0, 1.0, {}, "holds", 0.0),  # the maximum exactly at the bound
        (up(1.0), 1.0, {"sampled_rtol": 2.0**-52}, "inconclusive", 0.0),
        # the rounding allowance is relative to max(1, |bound|, |E|): 2⁻⁵⁰·4 at E = 4
        (4.0, 4.0 - 2.0**-48, {"sampled_rtol": 2.0**-50}, "inconclusive", 0.0),
        (4.0, down(4.0 - 2.0**-48), {"sampled_rtol": 2.0**-50}, "fails", 0.0),
        (-1.0, -4.0, {"sampled_rtol": 0.75}, "inconclusive", 0.0),  # |bound| = 4 is the scale
        (-1.0, -4.0, {"sampled_rtol": 0.5}, "fails", 0.0),
        (1.5, 1.0, {"tau": 0.5}, "holds", 0.5),  # thanks to τ: recorded
        (1.25, 1.0, {"tau": 0.5}, "holds", 0.5),
        (1.0, 1.0, {"tau": 0.5}, "holds", 0.0),  # τ not needed at equality
        (0.5, 1.0, {"tau": 0.5}, "holds", 0.0),
        (2.0, 1.0, {"tau": 0.5}, "fails", 0.0),  # τ given but not enough: nothing recorded
    ],
)
def test_sampled_outcome_and_tolerance_record(c, bound, tol, outcome, within):
    cert = certify_sampled(constant(c), bound, tolerances=tol)
    assert cert.outcome == outcome and cert.holds is (outcome == "holds")
    assert cert.holds_within == within
    assert cert.max_energy == c and cert.margin == bound - c
    assert cert.tolerances == {**DEFAULT_TOLERANCES, **tol}


def polynomial_values(coeffs):
    """t ↦ p(t) for float t, each value the exact rational rounded once to the nearest float."""

    def f(ts):
        out = []
        for t in np.asarray(ts, dtype=float):
            x, acc = Fraction(float(t)), Fraction(0)
            for c in reversed(coeffs):
                acc = acc * x + c
            out.append(float(acc))
        return np.array(out)

    return f


def exact_values(coeffs, ts):
    out = []
    for t in ts:
        x, acc = Fraction(float(t)), Fraction(0)
        for c in reversed(coeffs):
            acc = acc * x + c
        out.append(acc)
    return out


small = st.fractions(min_value=-10, max_value=10, max_denominator=16)


@st.composite
def scaled_polynomials(draw, max_degree=5):
    """Degree 0–5, small rationals times 2^k, k in −100…100 (about 10⁻³⁰…10³⁰)."""
    n = draw(st.integers(1, max_degree + 1))
    scale = Fraction(2) ** draw(st.integers(-100, 100))
    return [draw(small) * scale for _ in range(n)]


@settings(max_examples=examples(40), deadline=None)
@given(scaled_polynomials(), st.integers(-3, 3), st.sampled_from([0.0, 0.5]))
def test_sampled_never_holds_above_its_samples_and_bounds_are_monotone(coeffs, ulps, tau):
    f = polynomial_values(coeffs)
    grid_max = float(np.max(f(np.linspace(0, 1, 101))))
    cert = certify_sampled(f, grid_max, tolerances={"tau": tau})
    assert cert.max_energy >= grid_max  # refinement only raises the estimate
    # a bound placed at, above and below the estimate, in ulps
    bound = cert.max_energy
    for _ in range(abs(ulps)):
        bound = up(bound) if ulps > 0 else down(bound)
    c = certify_sampled(f, bound, tolerances={"tau": tau})
    higher = certify_sampled(f, up(up(bound)), tolerances={"tau": tau})
    assert RANK[higher.outcome] <= RANK[c.outcome]
    if c.outcome == "holds" and tau == 0.0:
        assert c.margin >= 0
    if bound >= c.max_energy:
        assert c.outcome == "holds" and c.holds_within == 0.0


# ------------------------------------------------------------------------------------------
# certify_bounded
# ------------------------------------------------------------------------------------------

ERR = 2.0**-20


def hill(ts):
    """4t(1 − t): exact on the grid {0, ¼, ½, ¾, 1}, maximum 1 at t = ½, Λ = 4, |E''| = 8."""
    return 4.0 * ts * (1.0 - ts)


def expected_upper(sample: float, gap: float, err: float) -> float:
    return up(up(sample + gap) + err)


@pytest.mark.parametrize(
    "constants, n_grid, gap",
    [
        ({"lipschitz": 4.0}, 5, 0.5),  # Λh/2 with h = ¼
        ({"smoothness": 8.0}, 5, 0.0625),  # Mh²/8
        ({"lipschitz": 4.0, "smoothness": 8.0}, 5, 0.0625),  # the smaller of the two
        ({"lipschitz": 4.0, "smoothness": 100.0}, 3, 1.0),  # Λh/2 = 1 < Mh²/8 = 3.125
        ({"lipschitz": 0.0}, 5, 0.0),  # a zero constant is allowed
    ],
)
def test_bounded_gap_enclosure_and_record(constants, n_grid, gap):
    cert = certify_bounded(
        hill, 4.0, evaluation_error=ERR, n_grid=n_grid, label="L", promise="P", **constants
    )
    upper, lower = expected_upper(1.0, gap, ERR), down(1.0 - ERR)
    assert cert.method == "bounded" and cert.is_proof and cert.outcome == "holds"
    assert cert.max_energy == upper and cert.max_energy_enclosure == (lower, upper)
    assert cert.argmax_t == 0.5 and cert.bound == 4.0 and cert.margin == 4.0 - upper
    assert cert.n_evaluations == n_grid and cert.label == "L" and cert.promise == "P"
    assert cert.tolerances == DEFAULT_TOLERANCES and cert.holds_within == 0.0
    assert cert.details == {
        "n_grid": n_grid,
        "sampled_max": 1.0,
        "gap": gap,
        "lipschitz": constants.get("lipschitz"),
        "smoothness": constants.get("smoothness"),
        "evaluation_error": ERR,
    }
    assert 0.0 < cert.wall_time < 60.0


def test_bounded_decisions_at_and_beyond_each_end_of_the_enclosure():
    kw = {"smoothness": 8.0, "evaluation_error": ERR, "n_grid": 5}
    upper, lower = expected_upper(1.0, 0.0625, ERR), down(1.0 - ERR)

    def outcome(bound, tau=0.0):
        c = certify_bounded(hill, bound, tolerances={"tau": tau}, **kw)
        return c.outcome, c.holds, c.holds_within

    assert outcome(upper) == ("holds", True, 0.0)
    assert certify_bounded(hill, upper, **kw).margin == 0.0
    assert outcome(down(upper)) == ("inconclusive", False, 0.0)
    assert outcome(lower) == ("inconclusive", False, 0.0)
    assert outcome(down(lower)) == ("fails", False, 0.0)
    # τ = 1/16: bound + τ lands exactly on the ends (all in one binade, no rounding)
    tau = 0.0625
    assert (upper - tau) + tau == upper and (down(lower - tau)) + tau == down(lower)
    assert outcome(upper - tau, tau) == ("holds", True, tau)
    assert outcome(down(upper - tau), tau)[0] == "inconclusive"
    assert outcome(lower - tau, tau)[0] == "inconclusive"
    assert outcome(down(lower - tau), tau) == ("fails", False, 0.0)
    assert outcome(upper, tau) == ("holds", True, 0.0)  # τ given, not needed
    assert outcome(3.0, tau) == ("holds", True, 0.0)


def test_without_an_evaluation_error_it_is_sampled_and_never_fails():
    cert = certify_bounded(hill, -100.0, smoothness=8.0, n_grid=5)
    assert cert.method == "sampled" and not cert.is_proof
    assert cert.outcome == "inconclusive" and not cert.holds  # samples far above: still no proof
    upper = expected_upper(1.0, 0.0625, 0.0)
    assert cert.max_energy == upper and cert.max_energy_enclosure == (down(1.0), upper)
    assert cert.details["reason"] == (
        "the evaluations' rounding is not enclosed (no evaluation_error)"
    )
    assert cert.details["evaluation_error"] is None
    ok = certify_bounded(hill, upper, smoothness=8.0, n_grid=5)
    assert ok.method == "sampled" and ok.outcome == "holds"


def test_bounded_non_finite_samples_are_inconclusive_without_enclosure():
    f = lambda ts: np.where(ts == 0.5, np.nan, hill(ts))  # noqa: E731
    cert = certify_bounded(f, 100.0, lipschitz=4.0, evaluation_error=ERR, n_grid=5)
    assert cert.outcome == "inconclusive" and not cert.holds
    assert cert.max_energy_enclosure is None and cert.argmax_t == 0.5
    g = lambda ts: np.where(ts == 1.0, np.inf, hill(ts))  # noqa: E731
    cert = certify_bounded(g, 100.0, lipschitz=4.0, evaluation_error=ERR, n_grid=5)
    assert cert.outcome == "inconclusive" and cert.max_energy_enclosure is None


def test_bounded_bad_input_names_the_value():
    with pytest.raises(InputError) as err:
        certify_bounded(hill, 1.0)
    assert str(err.value) == "certify_bounded needs a lipschitz or a smoothness constant"
    cases = [
        ({"lipschitz": -1.0}, "lipschitz constant -1.0 must be finite and ≥ 0"),
        ({"smoothness": math.inf}, "smoothness constant inf must be finite and ≥ 0"),
        ({"lipschitz": math.nan}, "lipschitz constant nan must be finite and ≥ 0"),
        (
            {"lipschitz": 1.0, "evaluation_error": -1e-300},
            "evaluation_error constant -1e-300 must be finite and ≥ 0",
        ),
        ({"smoothness": 1.0, "evaluation_error": math.inf}, "evaluation_error constant inf"),
    ]
    for kw, message in cases:
        with pytest.raises(InputError) as err:
            certify_bounded(hill, 1.0, **kw)
        assert str(err.value).startswith(message)
    for n in (1, 0):
        with pytest.raises(InputError) as err:
            certify_bounded(hill, 1.0, lipschitz=1.0, n_grid=n)
        assert str(err.value) == f"n_grid = {n}: need at least 2 points"
    assert certify_bounded(hill, 1.0, lipschitz=4.0, n_grid=2).argmax_t == 0.0


def derivative_sums(coeffs):
    lip = sum(abs(c) * k for k, c in enumerate(coeffs))
    smooth = sum(abs(c) * k * (k - 1) for k, c in enumerate(coeffs))
    return lip, smooth


@settings(max_examples=examples(40), deadline=None)
@given(scaled_polynomials(), st.sampled_from([5, 17, 33]), st.sampled_from(["L", "M", "LM"]))
def test_bounded_enclosure_contains_the_dense_exact_maximum(coeffs, n_grid, which):
    """Λ = Σk|c_k| and M = Σk(k − 1)|c_k| bound |p'| and |p''| on [0, 1]; each evaluation is
    the exact value rounded once, so within 2⁻⁵³·Σ|c_k| of it."""
    f = polynomial_values(coeffs)
    lip, smooth = derivative_sums(coeffs)
    size = sum(abs(c) for c in coeffs)
    err = float(size) * 2.0**-52 if size else 0.0
    kw = {
        "lipschitz": float(up(float(lip))) if "L" in which else None,
        "smoothness": float(up(float(smooth))) if "M" in which else None,
    }
    samples = exact_values(coeffs, np.linspace(0, 1, n_grid))
    top = max(exact_values(coeffs, np.linspace(0, 1, 401)) + samples)
    cert = certify_bounded(f, 0.0, evaluation_error=err, n_grid=n_grid, **kw)
    lo, hi = cert.max_energy_enclosure
    assert Fraction(lo) <= max(samples)
    assert top <= Fraction(hi)
    for bound in (float(top), up(float(top)), down(float(top)), hi, down(hi), lo, down(lo)):
        c = certify_bounded(f, bound, evaluation_error=err, n_grid=n_grid, **kw)
        if c.outcome == "holds":
            assert top <= Fraction(bound) and c.margin >= 0
        if c.outcome == "fails":
            assert top > Fraction(bound)
        higher = certify_bounded(f, up(bound), evaluation_error=err, n_grid=n_grid, **kw)
        assert RANK[higher.outcome] <= RANK[c.outcome]


def test_defaults_and_exact_energies_are_converted_to_floats():
    exact = lambda ts: [Fraction(float(t)) * (1 - Fraction(float(t))) for t in ts]  # noqa: E731
    cert = certify_sampled(exact, 0.25)
    assert cert.label == "" and cert.promise == "" and cert.n_evaluations > 101
    assert cert.holds and cert.max_energy == 0.25 and cert.argmax_t == 0.5
    b = certify_bounded(exact, 0.5, smoothness=2.0, evaluation_error=0.0)
    assert b.label == "" and b.promise == "" and b.n_evaluations == 257
    assert b.details["n_grid"] == 257 and b.details["sampled_max"] == 0.25
    assert b.holds and b.argmax_t == 0.5
