"""Path invariants written once and applied to every path finder (geomstats-style mixin).

Each finder × each landscape with a known answer must: keep the endpoints exactly, report a
normalised length ≥ 1, a path maximum ≥ the endpoint maximum, certificates that agree with a
dense evaluation, and ``connected`` exactly when every certificate holds.
"""

from __future__ import annotations

import numpy as np
import pytest
from sublevel.numerics.conformance import PathFinderProblem, check_path_finder
from sublevel.numerics.geodesic.baselines import autoneb, bezier_curve, straight_segment
from sublevel.numerics.geodesic.dss import dss
from sublevel.numerics.geodesic.landscapes import ConvexQuadratic, DoubleWell, RingValley

FINDERS = {
    "dss-breadth-first": (dss, {}),
    "dss-greedy": (dss, {"variant": "greedy"}),
    "dss-constrained": (dss, {"variant": "constrained"}),
    "dss-argmax": (dss, {"midpoint": "argmax"}),
    "straight": (straight_segment, {}),
    "bezier": (bezier_curve, {"steps": 300, "lr": 0.02}),
    "polychain": (bezier_curve, {"kind": "polychain", "steps": 300}),
    "autoneb": (autoneb, {"cycles": 2, "steps_per_cycle": 20}),
}


def _ring():
    a, b = np.array([-1.0, 0.02, 0.0]), np.array([1.0, 0.02, 0.0])
    return RingValley(3), a, b, 0.2


def _double_well():
    land = DoubleWell.random(3, seed=4)
    e1 = np.eye(3)[0]
    v = np.array([0.0, 0.3, 0.2])
    return land, land.from_y(-e1 + v), land.from_y(e1 + v), 1.2


def _convex():
    land = ConvexQuadratic.random(4, seed=2)
    a, b = land.center + np.array([1.0, 0, 0, 0]), land.center + np.array([0, 0.5, -0.5, 0])
    return land, a, b, 1.05 * max(land.energy(a), land.energy(b))


def _sampled_ring():
    """The ring without its polynomial: certificates are sampled."""
    from sublevel.numerics.backends import FunctionLandscape

    ring, a, b, u = _ring()
    land = FunctionLandscape(ring.energy, 3, grad=ring.grad, energies=ring.energies)
    return land, a, b, u


LANDSCAPES = {
    "ring": _ring,
    "double-well": _double_well,
    "convex": _convex,
    "ring-sampled": _sampled_ring,
}


@pytest.mark.parametrize("finder", list(FINDERS))
@pytest.mark.parametrize("landscape", list(LANDSCAPES))
def test_path_finder_invariants(finder, landscape):
    """sublevel.numerics.conformance.check_path_finder on these problems: endpoints fixed exactly,
    length ≥ 1, max ≥ endpoint max, certificates agree with dense evaluation, connected iff
    every certificate holds, and the convex problem connects."""
    fn, options = FINDERS[finder]
    land, a, b, level = LANDSCAPES[landscape]()
    expect = "connected" if landscape == "convex" else "either"
    problem = PathFinderProblem(landscape, land, a, b, level, expect)
    report = check_path_finder(fn, problems=[problem], options=options, determinism=False)
    assert report.ok, str(report)


@pytest.mark.parametrize(
    "finder", ["dss-breadth-first", "dss-greedy", "dss-constrained", "autoneb", "bezier"]
)
def test_finders_beat_the_straight_segment_on_the_ring(finder):
    fn, options = FINDERS[finder]
    land, a, b, level = _ring()
    line = straight_segment(land, a, b, level)
    res = fn(land, a, b, level, **options)
    assert not line.connected and line.max_energy > 0.9
    assert res.max_energy < line.max_energy
    assert res.normalized_length > 1.05  # it bends around the bump
