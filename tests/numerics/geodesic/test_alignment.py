"""Weight matching: permutations are symmetries, matching recovers them, barriers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.energies.mlp import MLPLandscape
from sublevel.numerics.geodesic import (
    align,
    connect_modulo_symmetry,
    linear_barrier,
    permute_layers,
    straight_segment,
    weight_matching,
)
from sublevel.numerics.geodesic.alignment import matching_objective
from sublevel.theory.errors import InputError


def _mlp(widths, seed=0, activation="tanh"):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((30, widths[0]))
    Y = rng.standard_normal((30, widths[-1]))
    return MLPLandscape(widths, X, Y, activation=activation, loss="mse")


@settings(max_examples=15, deadline=None)
@given(
    h1=st.integers(1, 6),
    h2=st.integers(1, 6),
    seed=st.integers(0, 1000),
    activation=st.sampled_from(["tanh", "relu", "sigmoid"]),
)
def test_permutation_is_a_symmetry_and_matching_recovers_it(h1, h2, seed, activation):
    land = _mlp([3, h1, h2, 2], seed, activation)
    rng = np.random.default_rng(seed)
    a = land.init(seed, "glorot") + 0.01 * rng.standard_normal(land.dim)
    perms = [rng.permutation(h1), rng.permutation(h2)]
    b = land.theta_from_layers(permute_layers(land.layers(a), perms))
    np.testing.assert_allclose(land.predict(b), land.predict(a), rtol=1e-12, atol=1e-12)
    aligned, found = align(land, a, b, seed=seed)
    np.testing.assert_allclose(aligned, a, rtol=0, atol=1e-12)
    assert linear_barrier(land, a, aligned)["barrier"] <= 1e-12


def test_matching_objective_never_decreases():
    land = _mlp([3, 8, 8, 1])
    a, b = land.init(1, "glorot"), land.init(2, "glorot")
    before = matching_objective(land.layers(a), land.layers(b))
    perms = weight_matching(land.layers(a), land.layers(b))
    after = matching_objective(land.layers(a), permute_layers(land.layers(b), perms))
    assert after >= before - 1e-12
    assert all(sorted(p) == list(range(8)) for p in perms)


def test_linear_barrier_definition():
    land = _mlp([2, 4, 1])
    a = land.init(3, "glorot")
    same = linear_barrier(land, a, a + 1e-300)
    assert same["barrier"] == pytest.approx(0.0, abs=1e-12)
    b = land.init(4, "glorot")
    res = linear_barrier(land, a, b, n=11)
    alpha = np.linspace(0, 1, 11)
    e = land.energies(a + alpha[:, None] * (b - a))
    assert res["barrier"] == pytest.approx(np.max(e - ((1 - alpha) * e[0] + alpha * e[-1])))


def test_connect_modulo_symmetry_records_alignment():
    land = _mlp([2, 5, 1])
    a = land.init(5, "glorot")
    b = land.theta_from_layers(permute_layers(land.layers(a), [np.arange(5)[::-1]]))
    with pytest.raises(InputError, match="same point modulo symmetry"):
        connect_modulo_symmetry(straight_segment, land, a, b, 1.01 * land.energy(a))
    b = b + 1e-3 * np.random.default_rng(0).standard_normal(land.dim)
    res = connect_modulo_symmetry(
        straight_segment, land, a, b, 1.01 * max(land.energy(a), land.energy(b))
    )
    assert res.info["aligned"] and res.connected
    assert res.method.endswith("after weight matching")


def test_alignment_needs_an_mlp_structure():
    from sublevel.numerics.geodesic import RingValley

    with pytest.raises(InputError, match="weight matching needs an MLP"):
        align(RingValley(2), np.ones(2), np.zeros(2))
    with pytest.raises(InputError, match="hidden layer"):
        weight_matching([(np.ones((2, 2)), np.ones(2))], [(np.ones((2, 2)), np.ones(2))])
    with pytest.raises(InputError, match="different layer shapes"):
        weight_matching(_mlp([2, 3, 1]).layers(np.zeros(13)), _mlp([2, 4, 1]).layers(np.zeros(17)))
