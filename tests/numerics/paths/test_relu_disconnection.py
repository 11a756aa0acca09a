"""sublevel.numerics.paths.relu_disconnection: the two-unit rank-one lower bound, the free-unit
swap, genericity and the m! components of the zero level set (BF'16 §2.3.1)."""

from __future__ import annotations

import numpy as np
import pytest
from sublevel.numerics.certify_relu import certify_relu_promise
from sublevel.numerics.energies.relu import TwoLayerReLU
from sublevel.numerics.paths.relu_disconnection import (
    check_genericity,
    rank_one_lower_bound,
    swap_via_free_unit,
    zero_level_components,
)
from sublevel.theory.errors import HypothesisError, InputError


def two_cluster(seed: int, spread: float = 0.5, L: int = 120):
    rng = np.random.default_rng(seed)
    Z = rng.choice([-1.0, 1.0], size=L)
    X = np.stack([Z, np.zeros(L)], 1) + spread * rng.normal(size=(L, 2))
    W = np.array([[1.0, 1.0], [-1.0, 1.0]]) / np.sqrt(2)
    return X, np.maximum(X @ W.T, 0).sum(axis=1)


@pytest.mark.parametrize("seed", range(3))
def test_rank_one_bound_is_below_every_rank_one_network(seed):
    X, y = two_cluster(seed)
    rb = rank_one_lower_bound(X, y)
    assert 0 < rb.value <= rb.sampled_min
    rng = np.random.default_rng(seed)
    land = TwoLayerReLU(X, y, 2, hidden_bias=False)
    for _ in range(200):  # random rank-one first layers with random output weights
        v = rng.normal(size=2)
        W = np.stack([v, rng.normal() * v])
        th = land.flatten(W, None, rng.normal(size=(1, 2)) * 2)
        assert land.energy(th) >= rb.value - 1e-12


def test_rank_one_bound_is_tight_against_the_sampled_minimum():
    X, y = two_cluster(0)
    rb = rank_one_lower_bound(X, y)
    assert rb.value >= 0.95 * rb.sampled_min


def test_rank_one_bound_rejects_bad_input():
    with pytest.raises(InputError):
        rank_one_lower_bound(np.zeros((3, 3)), np.zeros(3))
    with pytest.raises(InputError):
        rank_one_lower_bound(np.full((3, 2), np.nan), np.zeros(3))


def test_swap_via_free_unit_is_a_constant_path_to_the_permutation():
    rng = np.random.default_rng(1)
    land = TwoLayerReLU(rng.normal(size=(30, 2)), rng.normal(size=30), 3)
    th = rng.normal(size=land.dim)
    P = land.unflatten(th)
    U = P.U.copy()
    U[0, 2] = 0.0
    th = land.flatten(P.W, P.b, U)
    path = swap_via_free_unit(land, th, 0, 1, 2)
    np.testing.assert_array_equal(path.end, land.permute(th, [1, 0, 2]))
    for piece in path.pieces:
        assert certify_relu_promise(land, piece).holds
    with pytest.raises(HypothesisError):
        swap_via_free_unit(land, land.flatten(P.W, P.b, P.U + 1), 0, 1, 2)


def test_genericity_detects_each_failure():
    land = TwoLayerReLU(np.zeros((1, 2)), np.zeros(1), 3)
    W = np.array([[1.0, 0.5], [-0.25, 1.0], [0.75, 0.75]])
    b = np.array([0.5, -1.0, 0.25])
    u = np.array([1.0, -0.5, 2.0])
    assert check_genericity(land, land.flatten(W, b, u[None])).holds
    dup = W.copy()
    dup[1] = 2 * W[0]
    g = check_genericity(land, land.flatten(dup, np.array([0.5, 1.0, 0.25]), u[None]))
    assert not g.holds and any("(G2)" in f for f in g.failures)
    # Σ_J u_j w_j = 0 for J = {0, 1}: u_0 w_0 = −u_1 w_1
    W3 = np.array([[1.0, 0.5], [2.0, 1.0], [0.75, -0.75]])
    g3 = check_genericity(
        land, land.flatten(W3, np.array([0.0, 1.0, 0.25]), np.array([[1.0, -0.5, 1.0]]))
    )
    assert not g3.holds and any("(G3)" in f for f in g3.failures)
    zero = u.copy()
    zero[2] = 0.0
    assert any("(G1)" in f for f in check_genericity(land, land.flatten(W, b, zero[None])).failures)
    assert check_genericity(land, land.flatten(W, b, u[None])).components_lower_bound == 6


def test_zero_level_components_needs_a_generic_teacher():
    land = TwoLayerReLU(np.zeros((1, 2)), np.zeros(1), 3)
    W = np.array([[1.0, 0.5], [-0.25, 1.0], [0.75, 0.75]])
    b = np.array([0.5, -1.0, 0.25])
    u = np.array([[1.0, -0.5, 2.0]])
    assert zero_level_components(land, land.flatten(W, b, u)) == 6
    dup = W.copy()
    dup[1], b2 = W[0], b.copy()
    b2[1] = b[0]
    with pytest.raises(HypothesisError, match="not generic"):
        zero_level_components(land, land.flatten(dup, b2, u))
