"""sublevel.numerics.energies.quadratic_deep: deep quadratic networks, the quadratic lifted
optimum (least squares and SDP), lifted dimensions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.conformance import check_landscape
from sublevel.numerics.energies.quadratic_deep import (
    DeepQuadratic,
    form_features,
    lifted_dimensions,
    quadratic_lifted_optimum,
)
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer
from sublevel.theory.errors import InputError

from tests.numerics.energies.quadratic_data import gaussian_data


@pytest.mark.parametrize("hidden", [[3], [2, 3], [2, 2, 2]])
def test_deep_quadratic_gradient_batch_and_conformance(hidden):
    X, Y, rng = gaussian_data(m=2)
    land = DeepQuadratic(X, Y, hidden)
    theta = land.random_point(rng)
    check_landscape(land, theta, name=f"DeepQuadratic{hidden}").raise_if_failed()
    batch = np.stack([land.random_point(rng) for _ in range(3)])
    assert np.allclose(land.energies(batch), [land.energy(t) for t in batch], rtol=1e-12)
    W, U = land.unflatten(theta)
    assert np.array_equal(land.flatten(W, U), theta)


@settings(max_examples=10, deadline=None)
@given(K=st.integers(1, 3), c=st.floats(0.3, 2.0))
def test_outputs_are_forms_of_degree_two_to_the_K(K, c):
    X, Y, rng = gaussian_data(n=3, L=5)
    land = DeepQuadratic(X, Y, [2] * K)
    theta = land.random_point(rng)
    scaled = DeepQuadratic(c * X, Y, [2] * K)
    assert np.allclose(scaled.outputs(theta), c ** (2**K) * land.outputs(theta), rtol=1e-9)


def test_one_layer_is_the_two_layer_quadratic_network():
    X, Y, rng = gaussian_data(n=3, L=12)
    deep, two = DeepQuadratic(X, Y, [4]), EmpiricalTwoLayer("quadratic", X, Y, 4)
    theta = two.random_point(rng)
    assert math.isclose(deep.energy(theta), two.energy(theta), rel_tol=1e-13)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 1000))
def test_lifted_optimum_is_a_lower_bound(seed):
    X, Y, rng = gaussian_data(n=2, L=12, seed=seed)
    land = DeepQuadratic(X, Y, [2, 3])
    assert land.lifted_optimum() <= land.energy(land.random_point(rng)) + 1e-12


def test_form_features_dimension():
    X, _, _ = gaussian_data(n=3, L=4)
    assert form_features(X, 4).shape == (4, math.comb(3 + 3, 4))


def test_quadratic_lifted_optimum_against_dense_least_squares_on_vec_xxT():
    X, _, rng = gaussian_data(n=3, L=30)
    A_star = rng.normal(size=(3, 3))
    A_star = A_star + A_star.T
    y = np.einsum("li,ij,lj->l", X, A_star, X) + 0.3 * rng.normal(size=30)
    A, f = quadratic_lifted_optimum(X, y)
    XX = np.einsum("li,lj->lij", X, X).reshape(30, 9)  # vec(xxᵀ), n² columns (rank n(n+1)/2)
    c = np.linalg.lstsq(XX, y, rcond=None)[0]
    f_dense = float(np.mean((XX @ c - y) ** 2))
    assert math.isclose(f, f_dense, rel_tol=1e-9) and np.allclose(A, A.T)
    A0, f0 = quadratic_lifted_optimum(X, np.einsum("li,ij,lj->l", X, A_star, X))
    assert f0 < 1e-20 and np.allclose(A0, A_star)


def test_sign_constrained_lift_is_an_sdp_above_the_free_optimum():
    X, _, _ = gaussian_data(n=2, L=15)
    y = 2 * X[:, 0] ** 2 - X[:, 1] ** 2  # indefinite target
    _, f_free = quadratic_lifted_optimum(X, y)
    A, f_psd = quadratic_lifted_optimum(X, y, sign="nonnegative")
    assert np.linalg.eigvalsh(A).min() >= -1e-7 and f_psd > f_free + 0.1
    y_psd = X[:, 0] ** 2 + 0.5 * (X[:, 0] + X[:, 1]) ** 2
    assert quadratic_lifted_optimum(X, y_psd, sign="nonnegative")[1] < 1e-6


def test_quadratic_lifted_optimum_bad_input():
    X, _, _ = gaussian_data(n=3, L=4)
    with pytest.raises(InputError, match="rank-deficient"):
        quadratic_lifted_optimum(X, np.ones(4))  # 4 samples < n(n+1)/2 = 6
    with pytest.raises(InputError, match="scalar output"):
        quadratic_lifted_optimum(np.ones((8, 2)), np.ones((8, 2)))
    with pytest.raises(InputError, match="sign"):
        quadratic_lifted_optimum(*gaussian_data(n=2, L=10)[:2], sign="positive")
    with pytest.raises(InputError, match="not finite"):
        DeepQuadratic(np.full((3, 2), np.inf), np.ones(3), [2])
    with pytest.raises(InputError, match="hidden widths"):
        DeepQuadratic(np.ones((3, 2)), np.ones(3), [2, 0])


def test_lifted_dimensions_exact_rank_equals_closed_form():
    dims = lifted_dimensions(2, 2)
    assert [d["closed_form"] for d in dims] == [3, 5]
    assert all(d["closed_form"] == d["exact_rank"] for d in dims)
    assert [d["talk_width_bound"] for d in dims] == [12, 48]
