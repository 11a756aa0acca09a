"""sublevel.numerics.energies.relu_valley: the spurious valley of VBB Theorem 13 — closed forms,
the straight path's maximum, the valley floor, the refused sizes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sublevel.numerics.energies.relu_valley import relu_valley
from sublevel.theory.errors import InputError


@pytest.mark.parametrize("n,p", [(3, 2), (5, 3), (10, 9)])
def test_relu_valley_closed_forms(n, p):
    V = relu_valley(n, p, alpha=2.0, beta=3.0)
    land = V.landscape
    assert math.isclose(land.energy(V.theta_bad), 9 / 4, rel_tol=1e-13)
    assert math.isclose(land.energy(V.theta_good), 1.0, rel_tol=1e-13)
    assert np.linalg.norm(land.grad(V.theta_bad)) < 1e-13
    assert V.in_valley(V.theta_bad) and not V.in_valley(V.theta_good)
    mean, se = land.monte_carlo(V.theta_bad, 100_000, seed=n)
    assert abs(mean - 9 / 4) <= 4 * se


def test_relu_valley_straight_path_matches_the_thesis_numbers():
    """papers.md §4.5(a): n = 10, p = 9, α = 2, β = 3 — the exact maximum is 13/4 = (α² + β²)/4
    at t = α/(α + β) = 2/5 (3.24 is the thesis' Monte-Carlo figure)."""
    V = relu_valley(10, 9)
    ts = np.linspace(0, 1, 101)
    es = V.landscape.energies(V.theta_bad[None] + ts[:, None] * (V.theta_good - V.theta_bad)[None])
    assert 3.2 < es.max() < 3.3 and abs(ts[es.argmax()] - 0.4) <= 0.05


def test_every_point_with_nonnegative_output_weights_is_above_the_valley_floor():
    """The lemma behind the valley: u ≥ 0 makes the branch-2 prediction ≥ 0 where Y ≤ 0."""
    V = relu_valley(5, 3, alpha=1.5, beta=2.5)
    rng = np.random.default_rng(1)
    for _ in range(20):
        W, U = V.landscape.unflatten(V.landscape.random_point(rng))
        theta = V.landscape.flatten(W, np.abs(U) * 3)
        assert V.landscape.energy(theta) >= V.energy_bad - 1e-12


@pytest.mark.parametrize("n,p", [(2, 1), (4, 4), (3, 1)])
def test_relu_valley_bad_sizes(n, p):
    with pytest.raises(InputError):
        relu_valley(n, p)
