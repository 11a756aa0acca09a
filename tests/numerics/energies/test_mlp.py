"""The numpy MLP landscape: gradients, batches, structure, the paper's cubic experiment."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.conformance import check_landscape
from sublevel.numerics.energies.mlp import MLPLandscape, cubic_regression, digits_mlp
from sublevel.theory.errors import InputError


@settings(max_examples=20, deadline=None)
@given(
    widths=st.lists(st.integers(1, 5), min_size=2, max_size=4),
    seed=st.integers(0, 500),
    activation=st.sampled_from(["sigmoid", "tanh", "relu", "linear"]),
    loss=st.sampled_from(["mse", "cross-entropy"]),
    wd=st.sampled_from([0.0, 0.1]),
)
def test_gradient_and_batch_conform(widths, seed, activation, loss, wd):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((12, widths[0]))
    Y = (
        rng.integers(0, widths[-1], 12)
        if loss == "cross-entropy"
        else rng.standard_normal((12, widths[-1]))
    )
    land = MLPLandscape(widths, X, Y, activation=activation, loss=loss, weight_decay=wd)
    theta = land.init(seed, "glorot") + 0.1 * rng.standard_normal(land.dim)
    report = check_landscape(land, theta, seed=seed)
    # relu kinks may sit inside the Taylor window; everything else must pass
    kink = ("gradient_taylor_slope", "gradient_finite_differences")
    failed = [c for c in report.failures() if not (activation == "relu" and c.name in kink)]
    assert not failed, str(report)


def test_oracle_small_network_by_hand():
    X = np.array([[1.0], [2.0]])
    Y = np.array([[0.5], [1.0]])
    land = MLPLandscape([1, 1, 1], X, Y, activation="tanh", loss="mse")
    w1, b1, w2, b2 = 0.3, -0.1, 1.5, 0.2
    theta = np.array([w1, b1, w2, b2])
    pred = w2 * np.tanh(w1 * X[:, 0] + b1) + b2
    assert land.energy(theta) == pytest.approx(np.mean((pred - Y[:, 0]) ** 2), rel=1e-14)
    mae = MLPLandscape([1, 1, 1], X, Y, activation="tanh", loss="mae")
    assert mae.energy(theta) == pytest.approx(np.mean(np.abs(pred - Y[:, 0])), rel=1e-14)


def test_cross_entropy_is_stable_for_huge_logits():
    X = np.array([[1.0]])
    land = MLPLandscape([1, 2], X, np.array([0]), activation="linear", loss="cross-entropy")
    theta = np.array([1e4, -1e4, 0.0, 0.0])
    e, g = land.energy_and_grad(theta)
    assert e == pytest.approx(0.0, abs=1e-12) and np.all(np.isfinite(g))
    assert land.energy(-theta) == pytest.approx(2e4)


def test_structure_and_weight_mask():
    land = MLPLandscape([2, 3, 1], np.zeros((4, 2)), np.zeros((4, 1)))
    assert land.dim == 2 * 3 + 3 + 3 + 1
    mask = land.weight_mask()
    assert mask.sum() == 9 and not mask[6:9].any()
    theta = np.arange(land.dim, dtype=float)
    np.testing.assert_array_equal(land.theta_from_layers(land.layers(theta)), theta)


def test_paper_cubic_setting():
    land = cubic_regression(50, seed=1)
    assert land.widths == [1, 4, 4, 1] and land.activation == "sigmoid"
    assert land.output == "linear" and land.loss == "mae"
    x, y = land.X[:, 0], land.Y[:, 0]
    np.testing.assert_allclose(y, 8 * x**3 - 10 * x**2 + 3 * x)
    th = land.init(0, "paper")
    weights = th[land.weight_mask()]
    assert np.all(np.abs(weights) <= 1.0)  # U(−1, 1) weights, N(0, 1) biases


def test_digits_mlp_error_rate():
    land = digits_mlp((8,), n_train=50)
    th = land.init(0, "glorot")
    assert 0.0 <= land.error_rate(th) <= 1.0 and land.dim == 64 * 8 + 8 + 8 * 10 + 10


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"widths": [2]}, "widths"),
        ({"activation": "swish"}, "activation"),
        ({"loss": "hinge"}, "loss"),
        ({"X": np.zeros((4, 3))}, "X has shape"),
        ({"Y": np.full((4, 1), np.nan)}, "non-finite"),
        ({"loss": "cross-entropy", "Y": np.array([0, 1, 5, 0])}, "labels"),
    ],
)
def test_bad_input(kwargs, match):
    args = {"widths": [2, 1], "X": np.zeros((4, 2)), "Y": np.zeros((4, 1))}
    args.update(kwargs)
    with pytest.raises(InputError, match=match):
        MLPLandscape(args.pop("widths"), args.pop("X"), args.pop("Y"), **args)
