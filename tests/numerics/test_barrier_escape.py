"""sublevel.numerics.barrier_escape: flat escapes, the exact Hessian and strictness modulo rescaling."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.barrier_escape import (
    classify_poor_minimum,
    dead_units,
    exact_hessian,
    strict_modulo_symmetries,
)
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer


def _land(act: str, p: int, seed: int, L: int = 15) -> EmpiricalTwoLayer:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(L, 2))
    return EmpiricalTwoLayer(act, X, 2 * X[:, 0] ** 2 - X[:, 1] ** 2 + 0.1 * rng.normal(size=L), p)


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(["z**2", "z**3", "-3*z**2"]), st.integers(1, 3), st.integers(0, 10**6))
def test_exact_hessian_matches_central_differences_of_the_gradient(act, p, seed):
    """Oracle: central differences of the analytic float gradient."""
    land = _land(act, p, seed)
    theta = land.random_point(np.random.default_rng(seed + 1))
    H = np.array([[float(v) for v in row] for row in exact_hessian(land, theta)])
    h = 1e-6
    grads = [
        land.energy_and_grad(theta + h * e)[1] - land.energy_and_grad(theta - h * e)[1]
        for e in np.eye(land.dim)
    ]
    Hfd = np.stack(grads) / (2 * h)
    assert np.allclose(H, H.T, atol=0)
    assert np.max(np.abs(H - Hfd)) <= 1e-5 * max(1.0, np.max(np.abs(H)))


@pytest.mark.parametrize("act", ["z**2", "z**3"])
def test_zero_network_with_negative_output_weights_has_a_flat_escape(act):
    """The default run's two 'counterexamples' (issue 12 §3): W ≈ 1e-24, u < 0, E = mean y²."""
    land = _land(act, 2, 0)
    W, U = land.unflatten(np.zeros(land.dim))
    W[:] = 1e-24
    U[:] = -1.0
    theta = land.flatten(W, U)
    energy = land.energy(theta)
    assert np.isclose(energy, np.mean(land.Y**2))
    cls = classify_poor_minimum(land, theta, energy, np.random.default_rng(0))
    assert cls["classification"] == "degenerate minimum with a flat escape"
    assert cls["escape"]["escape_energy"] < energy - 1e-3
    assert abs(cls["escape"]["flat_change"]) < 1e-30
    assert not cls["strictness"]["strict"] and dead_units(land, theta, 1e-8)["dead_w"] == [0, 1]


def test_the_one_unit_sign_trap_is_strict_modulo_rescaling_and_has_no_escape():
    """ρ = z², M = 1, y = 2x₁² − x₂²: u < 0 fitting −x₂² — a genuine spurious valley."""
    from sublevel.numerics.critical import minimise

    land = _land("z**2", 1, 3, L=60)
    res = minimise(land, land.flatten(np.array([[0.1, 1.0]]), np.array([[-1.0]])), gtol=1e-10)
    cls = classify_poor_minimum(land, res.theta, res.energy, np.random.default_rng(0))
    assert cls["classification"] == "spurious valley", cls
    # the same point rescaled (w, u) → (2w, u/4) is the same minimum: still strict mod symmetry
    W, U = land.unflatten(res.theta)
    assert strict_modulo_symmetries(land, land.flatten(2 * W, U / 4))["strict"]


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(["z**2", "z**3"]), st.integers(1, 3), st.integers(0, 10**6))
def test_exact_strictness_agrees_with_float_eigenvalues(act, p, seed):
    """Oracle: numpy eigenvalues of the Hessian on an orthonormal basis of the complement."""
    land = _land(act, p, seed)
    theta = land.random_point(np.random.default_rng(seed + 7))
    res = strict_modulo_symmetries(land, theta)
    lam = res["projected_min_eig_float"]
    if abs(lam - res["eig_tol"]) > 1e-6 * max(1.0, abs(lam)):
        assert res["strict"] == (lam > res["eig_tol"])
