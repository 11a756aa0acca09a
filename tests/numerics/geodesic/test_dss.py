"""DSS on landscapes with known answers, its variants, failures, checkpoints and bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.backends import FunctionLandscape
from sublevel.numerics.geodesic import Adam, ConvexQuadratic, DoubleWell, RingValley, dss
from sublevel.theory.errors import InputError


@settings(max_examples=10, deadline=None)
@given(
    dim=st.integers(1, 6),
    seed=st.integers(0, 10_000),
    level=st.floats(0.1, 10.0),
    fa=st.floats(0.05, 0.95),
    fb=st.floats(0.05, 0.95),
)
def test_convex_energy_three_beads_length_one(dim, seed, level, fa, fb):
    """C20: on a convex quadratic, endpoints below 0.95·L0 → 3 beads, length exactly 1, exact."""
    land = ConvexQuadratic.random(dim, seed=seed)
    rng = np.random.default_rng(seed)
    ends = []
    for f in (fa, fb):
        v = rng.standard_normal(dim)
        ends.append(land.center + v * math.sqrt(f * 0.95 * level / land.energy(land.center + v)))
    res = dss(land, ends[0], ends[1], level, accept_factor=1.0)
    assert res.connected and res.is_proof
    assert res.n_beads == 3
    assert res.normalized_length == pytest.approx(1.0, abs=1e-12)
    assert res.methods == ["exact"]
    assert res.n_gradient_evaluations >= 1  # the midpoint bead was checked by the trainer


def test_double_well_disconnected_below_connected_above():
    land = DoubleWell.random(3, seed=1)
    e1 = np.eye(3)[0]
    v = np.array([0.0, 0.25, -0.3])
    a, b = land.from_y(-e1 + v), land.from_y(e1 + v)
    assert land.energy(land.saddle) == pytest.approx(1.0)
    low = dss(land, a, b, 0.6, accept_factor=1.0, max_depth=6)
    assert not low.connected and low.status == "not connected within depth 6"
    assert "disconnected" not in low.status.replace("not connected", "")
    assert land.disconnection_certificate(a, b, 0.6).holds
    assert not land.disconnection_certificate(a, b, 1.1).holds  # above the ridge: no proof
    high = dss(land, a, b, 1.1, accept_factor=1.0)
    assert high.connected and high.is_proof and high.normalized_length > 1.0
    # every bead of the connected path is below the level, and the path crosses y1 = 0 near the saddle
    assert max(high.bead_energies) <= 1.1
    crossing = min(abs(land.to_y(x)[0]) for x in high.beads)
    assert crossing < 1.0


def test_ring_length_grows_toward_half_circle():
    land = RingValley(2)
    a, b = np.array([-1.0, 0.01]), np.array([1.0, 0.01])
    lengths = [
        dss(land, a, b, u, accept_factor=1.0, max_depth=12).normalized_length
        for u in (0.5, 0.1, 0.02)
    ]
    assert lengths[0] < lengths[1] < lengths[2]
    # a path inside {E ≤ u} avoids the disc of radius sqrt(1 − sqrt(u)) around 0
    assert lengths[2] > math.sqrt(1 - math.sqrt(0.02)) * 0.95
    assert lengths[2] < math.pi / 2 + 0.1


def test_greedy_and_breadth_first_agree_on_connection():
    land = RingValley(3)
    a, b = np.array([-1.0, 0.05, 0.0]), np.array([1.0, 0.05, 0.0])
    bf = dss(land, a, b, 0.1, accept_factor=1.0)
    gr = dss(land, a, b, 0.1, accept_factor=1.0, variant="greedy")
    assert bf.connected and gr.connected
    # greedy splits one segment per iteration: its history has at least as many entries
    assert len(gr.history) >= len(bf.history)
    assert [h["beads"] for h in gr.history] == sorted(h["beads"] for h in gr.history)


def test_constrained_beads_lie_on_the_bisecting_hyperplane():
    land = RingValley(3)
    a, b = np.array([-1.0, 0.05, 0.0]), np.array([1.0, 0.05, 0.0])
    res = dss(land, a, b, 0.1, variant="constrained", accept_factor=1.0)
    assert res.connected
    trained = [i for i in res.info["beads"] if i["status"] == "trained" and "off_hyperplane" in i]
    assert trained
    assert max(i["off_hyperplane"] for i in trained) < 1e-9
    assert all(0.0 <= i["pullback"] <= 1.0 for i in trained)


def test_argmax_midpoint_records_t():
    land = DoubleWell(2)
    a, b = np.array([-1.0, 0.4]), np.array([1.0, 0.5])
    res = dss(land, a, b, 1.2, midpoint="argmax", accept_factor=1.0)
    assert res.connected
    ts = [i["t"] for i in res.info["beads"] if "t" in i]
    assert ts and all(0 < t < 1 for t in ts)


def test_nan_bead_is_marked_failed_and_run_continues():
    ring = RingValley(2)

    def energy(x):
        return math.nan if x[1] > 0.3 else ring.energy(x)

    def grad(x):
        return np.full(2, math.nan) if x[1] > 0.3 else ring.grad(x)

    def energies(X):
        e = ring.energies(X)
        return np.where(X[:, 1] > 0.3, math.nan, e)

    land = FunctionLandscape(energy, 2, grad=grad, energies=energies)
    a, b = np.array([-1.0, 0.2]), np.array([1.0, 0.2])
    res = dss(land, a, b, 0.1, accept_factor=1.0, max_depth=5)
    assert not res.connected
    assert res.failed_beads and "failed" in res.status
    assert all("non-finite" in f["reason"] for f in res.failed_beads)
    assert np.all(np.isfinite(res.beads))


class _Interrupt(Exception):
    pass


def test_checkpoint_resume_gives_the_same_result(tmp_path):
    land = RingValley(2)
    a, b = np.array([-1.0, 0.01]), np.array([1.0, 0.01])
    full = dss(land, a, b, 0.05, accept_factor=1.0, max_depth=8)

    assert len(full.history) >= 3
    limit = (full.history[0]["gradient_evaluations"] + full.n_gradient_evaluations) // 2
    calls = {"n": 0}

    def grad(x):
        calls["n"] += 1
        if calls["n"] > limit:
            raise _Interrupt
        return land.grad(x)

    flaky = FunctionLandscape(land.energy, 2, grad=grad, energies=land.energies)
    flaky.energy_polynomial = land.energy_polynomial
    ck = tmp_path / "run.npz"
    with pytest.raises(_Interrupt):
        dss(flaky, a, b, 0.05, accept_factor=1.0, max_depth=8, checkpoint=ck)
    assert ck.exists()
    resumed = dss(land, a, b, 0.05, accept_factor=1.0, max_depth=8, checkpoint=ck)
    assert resumed.info["resumed"]
    np.testing.assert_array_equal(resumed.beads, full.beads)
    assert resumed.connected == full.connected
    # a checkpoint for other arguments is refused
    with pytest.raises(InputError, match="other endpoints"):
        dss(land, a, b, 0.06, accept_factor=1.0, max_depth=8, checkpoint=ck)


def test_weights_only_length_is_recorded():
    from sublevel.numerics.energies.mlp import MLPLandscape

    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((20, 2)), rng.standard_normal((20, 1))
    land = MLPLandscape([2, 3, 1], X, Y, activation="tanh")
    a, b = land.init(1, "glorot"), land.init(2, "glorot")
    u = 1.5 * max(land.energy(a), land.energy(b))
    res_w = dss(land, a, b, u, length_on="weights")
    res_a = dss(land, a, b, u, length_on="all")
    assert res_w.length_on.startswith("weights only")
    assert res_a.length_on == "all parameters"
    assert res_w.normalized_length >= 1.0 and res_a.normalized_length >= 1.0


# ---------------------------------------------------------------------------- bad input


def _ring_case():
    return RingValley(2), np.array([-1.0, 0.05]), np.array([1.0, 0.05])


def test_endpoint_above_level_is_an_error_or_trained():
    land, a, b = _ring_case()
    with pytest.raises(InputError, match="theta_a has energy .* above the level"):
        dss(land, 1.3 * a, b, 0.1)
    res = dss(land, 1.3 * a, b, 0.1, train_endpoints=True, optimizer=Adam(lr=1e-2))
    assert res.connected
    assert land.energy(res.beads[0]) <= 0.1
    assert res.info["endpoint_training_gradients"] > 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"theta_b": np.array([-1.0, 0.05])}, "equal"),
        ({"theta_b": np.array([1.0, 0.0, 0.0])}, "3 entries"),
        ({"theta_a": np.array([math.nan, 0.0])}, "not finite"),
        ({"level": math.inf}, "level"),
        ({"variant": "depth"}, "variant"),
        ({"midpoint": "third"}, "midpoint"),
        ({"max_depth": 0}, "max_depth"),
        ({"train_factor": 1.2, "accept_factor": 1.1}, "train_factor"),
        ({"certify": "guess"}, "certify"),
        ({"length_on": "biases"}, "length_on"),
    ],
)
def test_bad_input(kwargs, match):
    land, a, b = _ring_case()
    args = {"theta_a": a, "theta_b": b, "level": 0.1}
    args.update({k: kwargs.pop(k) for k in list(kwargs) if k in args})
    with pytest.raises(InputError, match=match):
        dss(land, args["theta_a"], args["theta_b"], args["level"], **kwargs)
