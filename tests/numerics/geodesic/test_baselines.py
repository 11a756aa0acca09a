"""The field's path finders: NEB tangents and redistribution, Garipov's schedule, budgets."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sublevel.numerics.geodesic import RingValley, autoneb, bezier_curve, straight_segment
from sublevel.numerics.geodesic.baselines import garipov_schedule, improved_tangents, redistribute
from sublevel.numerics.paths.base import Bezier
from sublevel.theory.errors import InputError

finite = st.floats(-10, 10, allow_nan=False)


@settings(max_examples=30, deadline=None)
@given(pts=arrays(np.float64, st.tuples(st.integers(3, 9), st.integers(1, 4)), elements=finite))
def test_redistribute_equal_arc_length_same_curve(pts):
    out = redistribute(pts)
    assert out.shape == pts.shape
    np.testing.assert_array_equal(out[0], pts[0])
    np.testing.assert_array_equal(out[-1], pts[-1])
    seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
    total = seg.sum()
    new = np.linalg.norm(np.diff(out, axis=0), axis=1)
    if total > 1e-6:
        # equal spacing along the polyline: each new chord ≤ total / (n−1), sum ≤ total
        assert np.all(new <= total / (pts.shape[0] - 1) + 1e-9 * (1 + total))
        assert new.sum() <= total + 1e-9 * (1 + total)


def test_redistribute_collinear_is_exactly_uniform():
    pts = np.array([[0.0], [0.1], [0.15], [0.9], [1.0]])
    np.testing.assert_allclose(redistribute(pts)[:, 0], np.linspace(0, 1, 5), atol=1e-15)


def test_improved_tangent_cases():
    p = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    up = improved_tangents(p, np.array([0.0, 1.0, 2.0]))[0]  # rising: forward tangent
    np.testing.assert_allclose(up, [0.0, 1.0])
    down = improved_tangents(p, np.array([2.0, 1.0, 0.0]))[0]  # falling: backward tangent
    np.testing.assert_allclose(down, [1.0, 0.0])
    peak = improved_tangents(p, np.array([0.0, 3.0, 1.0]))[0]  # extremum: energy-weighted mix
    # E_{i+1} > E_{i−1}: τ ∝ τ⁺·ΔE_max + τ⁻·ΔE_min = (0, 1)·3 + (1, 0)·2 (toward the higher neighbour)
    np.testing.assert_allclose(peak, np.array([2.0, 3.0]) / np.sqrt(13.0))


def test_garipov_schedule():
    assert garipov_schedule(0.0) == garipov_schedule(0.5) == 1.0
    assert garipov_schedule(0.7) == pytest.approx(1 - 0.99 * 0.5)
    assert garipov_schedule(0.9) == pytest.approx(0.01)
    assert garipov_schedule(1.0) == 0.01


def _ring():
    return RingValley(2), np.array([-1.0, 0.05]), np.array([1.0, 0.05])


def test_bezier_training_lowers_the_curve_and_keeps_endpoints():
    land, a, b = _ring()
    untrained = bezier_curve(land, a, b, 0.1, steps=0)
    trained = bezier_curve(land, a, b, 0.1, steps=1500, lr=0.02)
    assert untrained.max_energy > 0.9  # the segment crosses the bump
    assert trained.max_energy < 0.1
    np.testing.assert_array_equal(trained.beads[0], a)
    np.testing.assert_array_equal(trained.beads[-1], b)
    assert trained.n_gradient_evaluations == 1500
    assert trained.params["t_sampling"].startswith("uniform")


def test_autoneb_respects_the_gradient_budget_and_inserts_pivots():
    land, a, b = _ring()
    res = autoneb(land, a, b, 0.1, cycles=4, steps_per_cycle=100, max_gradient_evaluations=300)
    assert res.n_gradient_evaluations <= 300
    assert "budget" in res.info["stopped"]
    full = autoneb(land, a, b, 0.1, cycles=3, steps_per_cycle=30)
    assert [h["pivots"] for h in full.history] == [5, 7, 9]
    assert full.connected


def test_straight_segment_exact_on_polynomial_landscape():
    land, a, b = _ring()
    res = straight_segment(land, a, b, 1.5)
    assert res.methods == ["exact"] and res.connected and res.n_beads == 2
    assert res.max_energy == pytest.approx(land.energy(np.array([0.0, 0.05])), rel=1e-9)


@pytest.mark.parametrize(
    "fn, kwargs, match",
    [
        (bezier_curve, {"kind": "spline"}, "kind"),
        (bezier_curve, {"n_bends": 2}, "n_bends"),
        (bezier_curve, {"momentum": 1.0}, "momentum"),
        (autoneb, {"lr": [0.1, 0.1]}, "lr"),
        (autoneb, {"cycles": 0}, "cycles"),
        (straight_segment, {"certify": "maybe"}, "certify"),
        (straight_segment, {"accept_factor": -1.0}, "accept_factor"),
    ],
)
def test_bad_options(fn, kwargs, match):
    land, a, b = _ring()
    with pytest.raises(InputError, match=match):
        fn(land, a, b, 0.1, **kwargs)


@pytest.mark.parametrize("finder", ["bezier", "autoneb"])
def test_trace_records_the_cost_to_reach_the_level(finder):
    """Oracle: the traced dense maximum at the end equals a dense evaluation of the final path,
    and grads_to_level is the first traced count at or below the level."""
    land, a, b = _ring()
    if finder == "bezier":
        res = bezier_curve(land, a, b, 0.1, steps=600, lr=0.03, trace_every=50, n_eval=61)
        pts = Bezier(res.beads).points(np.linspace(0, 1, 61))
    else:
        res = autoneb(land, a, b, 0.1, cycles=3, steps_per_cycle=60, lr=0.003, trace_every=40)
        s = np.arange(1, 10) / 10
        pts = np.concatenate(
            [x + s[:, None] * (y - x) for x, y in zip(res.beads[:-1], res.beads[1:])] + [res.beads]
        )
    trace = res.info["trace"]
    assert trace[0][0] == 0 and trace[-1][0] == res.n_gradient_evaluations
    assert trace[-1][1] == pytest.approx(float(np.max(land.energies(pts))), rel=1e-12)
    hit = res.info["grads_to_level"]
    assert hit == next((g for g, m in trace if m <= 0.1), None)
    assert hit is not None and 0 < hit <= res.n_gradient_evaluations


def test_trace_every_must_be_a_count():
    land, a, b = _ring()
    with pytest.raises(InputError, match="trace_every"):
        bezier_curve(land, a, b, 0.1, steps=2, trace_every=-1)
