"""The deep ReLU segment certificate against brute force, invariances, the two-layer certificate,
a narrow spike, a negative control and bad input (issue 14)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.barrier import barrier, certify_deep_relu_segment, deep_relu_segment
from sublevel.numerics.certify_deep_relu import (
    DeepReLUSegment,
    _Energy,
    maximise_energy,
    output_pieces,
)
from sublevel.numerics.energies.mlp import MLPLandscape
from sublevel.theory.errors import InputError

#: float evaluation error allowed to the dense (brute-force) energies
DENSE_EVAL_TOL = 1e-12


def _net(widths, loss, seed, n=12, scale=1.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, widths[0]))
    Y = rng.standard_normal((n, widths[-1])) if loss == "mse" else rng.integers(0, widths[-1], n)
    L = MLPLandscape(widths, X, Y, activation="relu", loss=loss)
    a = scale * L.init(2 * seed + 1, "glorot") + 0.2 * rng.standard_normal(L.dim)
    b = scale * L.init(2 * seed + 2, "glorot") + 0.2 * rng.standard_normal(L.dim)
    return L, a, b


def _enclosure(L, a, b, **kw):
    net = deep_relu_segment(L, a, b)
    return maximise_energy(_Energy(net, output_pieces(net)), **kw)


def _dense(L, a, b, n):
    t = np.linspace(0.0, 1.0, n)
    out = np.concatenate(
        [L.energies(a[None] + t[s : s + 50_000, None] * (b - a)[None]) for s in range(0, n, 50_000)]
    )
    return out


@pytest.mark.parametrize("depth", [2, 3, 4])
@pytest.mark.parametrize("loss", ["mse", "cross-entropy"])
def test_enclosure_contains_the_dense_maximum_of_a_million_points(depth, loss):
    widths = [3] + [5] * (depth - 1) + [2]
    L, a, b = _net(widths, loss, seed=depth)
    m = _enclosure(L, a, b)
    dense = _dense(L, a, b, 1_000_001).max()
    assert m.hi >= dense - DENSE_EVAL_TOL  # the certified maximum is ≥ the dense one
    assert m.lo <= dense + DENSE_EVAL_TOL  # and exceeds it by at most the enclosure width
    assert m.hi - m.lo <= 1e-8 * max(1.0, abs(m.lo))
    assert m.outcome == "holds"


@settings(max_examples=12, deadline=None)
@given(
    depth=st.integers(2, 4),
    seed=st.integers(0, 10_000),
    scale=st.sampled_from([0.3, 1.0, 4.0]),
    loss=st.sampled_from(["mse", "cross-entropy"]),
)
def test_enclosure_property_against_dense_evaluation(depth, seed, scale, loss):
    widths = [2] + [4] * (depth - 1) + [3]
    L, a, b = _net(widths, loss, seed, n=6, scale=scale)
    m = _enclosure(L, a, b)
    dense = _dense(L, a, b, 20_001).max()
    tol = DENSE_EVAL_TOL * max(1.0, abs(dense))
    assert m.lo <= m.hi
    assert m.hi >= dense - tol
    assert m.lo <= m.hi and m.lo - tol <= max(dense, m.lo)  # never above what E attains
    # the proven lower end is a value E takes: evaluate E at argmax_t directly
    e_at = L.energy(a + m.argmax_t * (b - a))
    assert m.lo <= e_at + tol


def _spike(height=1.0, eps=1e-4, depth3=True):
    """One sample x = 1: three first-layer units z_i(t) = t − 0.5 − iε, output weights
    (1, −2, 1)·height/ε: a triangle of height ``height`` on [0.5, 0.5 + 2ε] (a 100-point grid
    has no point there); then an always-active unit (depth 3)."""
    W1a, b1a = np.zeros((3, 1)), np.array([-0.5, -0.5 - eps, -0.5 - 2 * eps])
    W1b, b1b = np.zeros((3, 1)), b1a + 1.0
    v = np.array([[1.0, -2.0, 1.0]]) * (height / eps)
    if depth3:
        layers_a = [(W1a, b1a), (v, np.array([10.0])), (np.ones((1, 1)), np.array([-10.0]))]
        layers_b = [(W1b, b1b), (v, np.array([10.0])), (np.ones((1, 1)), np.array([-10.0]))]
        widths = [1, 3, 1, 1]
    else:
        layers_a, layers_b = [(W1a, b1a), (v, np.zeros(1))], [(W1b, b1b), (v, np.zeros(1))]
        widths = [1, 3, 1]
    L = MLPLandscape(widths, np.ones((1, 1)), np.zeros((1, 1)), activation="relu", loss="mse")
    return L, L.theta_from_layers(layers_a), L.theta_from_layers(layers_b)


def test_a_narrow_spike_a_grid_misses_is_found():
    L, a, b = _spike()
    grid = _dense(L, a, b, 100).max()
    m = _enclosure(L, a, b)
    assert grid < 1e-20  # the grid sees a flat zero loss
    assert m.lo <= 1.0 + 1e-9 and m.hi >= 1.0 - 1e-9 and m.lo > 0.99
    assert 0.5 < m.argmax_t < 0.5 + 2e-4


def test_negative_control_a_bound_below_the_max_by_far_less_than_a_grid_spacing_fails():
    L, a, b = _spike()
    m = _enclosure(L, a, b)
    below = certify_deep_relu_segment(L, a, b, m.lo - 1e-7)
    assert below.outcome == "fails" and not below.holds and below.method == "rigorous"
    above = certify_deep_relu_segment(L, a, b, m.hi + 1e-7)
    assert above.outcome == "holds" and above.margin >= 0
    straddle = certify_deep_relu_segment(L, a, b, 0.5 * (m.lo + m.hi), max_cells=200)
    assert straddle.outcome in ("inconclusive", "holds", "fails")
    lo, hi = straddle.max_energy_enclosure
    assert lo <= m.hi and hi >= m.lo


def _permute(L, theta, rng):
    layers = L.layers(theta)
    from sublevel.numerics.geodesic.alignment import permute_layers

    perms = [rng.permutation(W.shape[0]) for W, _ in layers[:-1]]
    return L.theta_from_layers(permute_layers(layers, perms)), perms


def test_invariant_under_hidden_unit_permutation_and_positive_rescaling():
    L, a, b = _net([3, 6, 5, 2], "mse", seed=7)
    base = _enclosure(L, a, b)
    rng = np.random.default_rng(0)
    from sublevel.numerics.geodesic.alignment import permute_layers

    perms = [rng.permutation(6), rng.permutation(5)]
    pa = L.theta_from_layers(permute_layers(L.layers(a), perms))
    pb = L.theta_from_layers(permute_layers(L.layers(b), perms))
    p = _enclosure(L, pa, pb)
    assert p.lo <= base.hi and base.lo <= p.hi

    def rescale(theta, c=8.0):  # W_1 → cW_1, b_1 → cb_1, W_2 → W_2/c (powers of 2: exact)
        layers = [(W.copy(), bb.copy()) for W, bb in L.layers(theta)]
        layers[0] = (c * layers[0][0], c * layers[0][1])
        layers[1] = (layers[1][0] / c, layers[1][1])
        return L.theta_from_layers(layers)

    s = _enclosure(L, rescale(a), rescale(b))
    assert s.lo <= base.hi and base.lo <= s.hi
    s3 = _enclosure(L, rescale(a, 3.0), rescale(b, 3.0))  # inexact scaling: within rounding
    assert abs(s3.lo - base.lo) <= 1e-8 * max(1.0, abs(base.lo))


def test_the_two_layer_case_agrees_with_certify_relu_segment():
    from sublevel.numerics.certify_relu import certify_relu_segment
    from sublevel.numerics.energies.relu import TwoLayerReLU

    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((40, 3)), rng.standard_normal(40)
    two = TwoLayerReLU(X, Y, 7, hidden_bias=True, output_bias=True)
    mlp = MLPLandscape([3, 7, 1], X, Y[:, None], activation="relu", loss="mse")
    a, b = rng.standard_normal(two.dim), rng.standard_normal(two.dim)
    assert np.isclose(two.energy(a), mlp.energy(a), rtol=1e-13)
    m = _enclosure(mlp, a, b)
    ref = certify_relu_segment(two, a, b, m.hi + 1.0)
    enc = ref.max_energy_enclosure or (ref.max_energy, ref.max_energy)
    tol = 1e-12 * max(1.0, abs(m.lo))
    assert m.lo <= enc[1] + tol and enc[0] <= m.hi + tol
    assert abs(ref.max_energy - m.value) <= 1e-8 * max(1.0, abs(m.value))


def test_weight_decay_is_included():
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((10, 3)), rng.integers(0, 2, 10)
    L = MLPLandscape([3, 4, 4, 2], X, y, activation="relu", loss="cross-entropy", weight_decay=0.3)
    a, b = L.init(1, "glorot"), L.init(2, "glorot")
    m = _enclosure(L, a, b)
    dense = _dense(L, a, b, 100_001).max()
    assert m.lo - 1e-12 <= dense <= m.hi + 1e-12


def test_dss_hook_certifies_relu_mlp_segments_rigorously():
    L, a, b = _net([3, 5, 5, 2], "cross-entropy", seed=1)
    assert hasattr(L, "certify_segment")
    cert = L.certify_segment(a, b, 100.0)
    assert cert.method == "rigorous" and cert.holds and cert.margin > 0
    tanh = MLPLandscape(
        [3, 5, 2], np.zeros((2, 3)), [0, 1], activation="tanh", loss="cross-entropy"
    )
    assert not hasattr(tanh, "certify_segment")


def test_bad_input_is_named():
    L, a, b = _net([3, 5, 2], "mse", seed=2)
    bad = b.copy()
    bad[4] = np.nan
    with pytest.raises(InputError, match=r"theta_b\[4\]"):
        barrier(L, a, bad)
    W, bb = L.layers(a)[0]
    with pytest.raises(InputError, match="layer 0"):
        DeepReLUSegment([(W, bb)], [(W[:, :2], bb)], L.X, L.Y, "mse")
    with pytest.raises(InputError, match="mae"):
        DeepReLUSegment([(W, bb)], [(W, bb)], L.X, L.Y, "mae")
    tanh = MLPLandscape([3, 5, 2], L.X, L.Y, activation="tanh", loss="mse")
    with pytest.raises(InputError, match="method='sampled'"):
        barrier(tanh, a, b)
    r = barrier(tanh, a, b, method="sampled")
    assert r.method == "sampled" and r.certificate.method == "sampled"
    assert not r.certificate.holds


def test_linear_barrier_delegates_to_the_certified_barrier_on_relu_mlps():
    from sublevel.numerics.geodesic.alignment import linear_barrier

    L, a, b = _net([3, 6, 4, 2], "cross-entropy", seed=11)
    cert = linear_barrier(L, a, b)
    grid = linear_barrier(L, a, b, n=101, method="sampled")
    lo, hi = cert["barrier_enclosure"]
    assert cert["method"] == "rigorous" and grid["method"] == "sampled"
    assert hi >= grid["barrier"] - 1e-12 and lo <= cert["barrier"] <= hi


def test_dss_on_a_relu_mlp_certifies_every_segment_rigorously():
    from sublevel.numerics.geodesic.dss import dss

    L, a, b = _net([3, 6, 6, 2], "cross-entropy", seed=4, n=20)
    level = 1.5 * max(L.energy(a), L.energy(b))
    r = dss(L, a, b, level, max_depth=3)
    assert r.certificates and all(c.method == "rigorous" for c in r.certificates)
    assert r.connected == all(c.outcome == "holds" for c in r.certificates)
    for c in r.certificates:
        lo, hi = c.max_energy_enclosure
        assert lo <= hi and (c.outcome != "holds" or hi <= c.bound)


def test_an_unattainable_tolerance_stops_at_the_proven_point_width_not_at_max_cells():
    """rel_tol = abs_tol = 0 cannot be met (the pieces' radii and the sums' rounding leave a
    point enclosure of positive width): the search stops once the width is within
    ``floor_factor`` × that floor, still containing the dense maximum."""
    L, a, b = _net([3, 5, 5, 2], "mse", seed=7, scale=4.0)
    m = _enclosure(L, a, b, rel_tol=0.0, abs_tol=0.0, max_cells=1_000_000)
    floor = m.details["resolution_floor"]
    assert floor > 0.0
    assert m.outcome == "holds"
    assert m.n_cells < 1_000_000
    assert m.hi - m.lo <= 2.0 * floor
    dense = _dense(L, a, b, 200_001).max()
    assert m.lo <= dense + DENSE_EVAL_TOL and m.hi >= dense - DENSE_EVAL_TOL
    # without the floor rule (factor 0) the same search runs to its cell budget, undecided
    stuck = _enclosure(L, a, b, rel_tol=0.0, abs_tol=0.0, max_cells=3_000, floor_factor=0.0)
    assert stuck.outcome == "inconclusive" and stuck.n_cells <= 3_000
