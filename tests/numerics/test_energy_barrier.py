"""The energy barrier β̄(M, N) (an upper bound on the talk's β under the stated reading) and the
counterexample search."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sublevel.numerics.energies.activations import make_activation
from sublevel.numerics.energies.convex_lifting import polynomial_features
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer
from sublevel.numerics.energy_barrier import (
    READING,
    barrier_dimension,
    barrier_upper_bound,
    counterexample_search,
    feature_dimension,
    homogeneous_degree,
    projected_fit,
)
from sublevel.theory.errors import InputError


def _data(activation="z**2", N=3, L=40, seed=0, noise=0.05):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(L, N))
    f_N = feature_dimension(activation, N)
    T = rng.normal(size=(f_N, N))
    y = make_activation(activation)(X @ T.T) @ rng.normal(size=f_N) + noise * rng.normal(size=L)
    return X, y


def test_feature_dimension_and_its_inverse():
    assert [feature_dimension("z**2", N) for N in range(4)] == [0, 1, 3, 6]
    assert feature_dimension("z**3", 3) == 10
    assert [barrier_dimension("z**2", M, 3) for M in range(1, 8)] == [1, 1, 2, 2, 2, 3, 3]
    assert barrier_dimension("z**3", 3, 2) == 1 and barrier_dimension("z**3", 4, 2) == 2


@pytest.mark.parametrize("bad", ["z**2 + z", "tanh", "relu", "1 + 0*z"])
def test_the_barrier_needs_a_homogeneous_polynomial(bad):
    with pytest.raises(InputError):
        homogeneous_degree(bad)


def test_bound_is_attained_by_a_network_with_rows_in_the_subspace():
    X, y = _data()
    b = barrier_upper_bound(X, y, "z**2", 4, restarts=3)
    assert b.d == 2 and b.subspace.shape == (3, 2)
    land = EmpiricalTwoLayer("z**2", X, y, 4)
    W, _ = land.unflatten(b.theta)
    V = b.subspace
    assert np.allclose(W - W @ V @ V.T, 0, atol=1e-12)  # rows in S: blind to noise in S^⊥
    assert math.isclose(b.value, land.energy(b.theta), rel_tol=1e-12)
    assert math.isclose(b.value, projected_fit(X, y[:, None], "z**2", V), rel_tol=1e-8)
    assert b.reading == READING


def test_at_full_feature_dimension_the_bound_is_the_global_minimum():
    X, y = _data(N=2)
    b = barrier_upper_bound(X, y, "z**2", feature_dimension("z**2", 2))
    Psi = polynomial_features("z**2", 2).data_features(X)
    r = Psi @ np.linalg.lstsq(Psi, y, rcond=None)[0] - y
    assert b.d == 2 and math.isclose(b.value, float(np.mean(r * r)), rel_tol=1e-9)


def test_bound_is_non_increasing_in_M_with_warm_starts():
    X, y = _data(activation="z**3", N=3, L=50)
    values, V = [], None
    for M in range(1, feature_dimension("z**3", 3) + 1):
        b = barrier_upper_bound(X, y, "z**3", M, restarts=2, warm_start=V)
        values.append(b.value)
        V = b.subspace
    assert all(b2 <= b1 + 1e-9 * max(1.0, b1) for b1, b2 in zip(values, values[1:]))


def test_bad_data_are_refused():
    X, y = _data(N=3)
    X[:, 2] = X[:, 0] + X[:, 1]
    with pytest.raises(InputError, match="rank 2 < N = 3"):
        barrier_upper_bound(X, y, "z**2", 2)
    X[0, 0] = np.nan
    with pytest.raises(InputError, match="not finite"):
        barrier_upper_bound(X, y, "z**2", 2)
    with pytest.raises(InputError, match="M = 0"):
        barrier_dimension("z**2", 0, 3)


def test_sign_trap_is_a_counterexample_under_the_reading():
    """ρ = z², N = 2, M = 1, y = 2x₁² − x₂²: the unit with u < 0 fitting −x₂² is a stable local
    minimum far above β̄(1, 2) (the best one-direction fit, which the u > 0 unit attains)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    y = 2 * X[:, 0] ** 2 - X[:, 1] ** 2
    search = counterexample_search(X, y, "z**2", 1, n_runs=8, seed=0, restarts=2)
    assert search.found and "COUNTEREXAMPLE" in search.message
    for c in search.counterexamples:  # each with its θ and the two tests it passed
        assert c["classification"] == "spurious valley" and len(c["theta"]) == 3
        assert c["strictness"]["strict"] and not c["escape"]["found"]
    worst = max(c["energy"] for c in search.counterexamples)
    assert worst > search.bound.value + 1.0 and worst > search.best_energy + 1.0
    assert search.lifted_optimum <= search.best_energy + 1e-9
    assert search.to_dict()["found"]


def test_odd_degree_small_search_reports_its_size():
    X, y = _data(activation="z**3", N=2, L=30, seed=2)
    search = counterexample_search(X, y, "z**3", 2, n_runs=4, seed=0, restarts=2)
    assert len(search.runs) == 4
    assert ("no counterexample in 4 runs" in search.message) != search.found


def test_quadratic_sign_trap_with_a_dead_unit_is_a_flat_escape_not_a_counterexample():
    """M ≥ N, ρ = z², indefinite target: the certified sign trap (an SDP-certified local minimum)
    has a unit with w = 0 and u < 0; at w = 0 its u flips sign at constant energy and the energy
    then descends — a degenerate minimum with a flat escape, reported with its θ, not a
    spurious valley (issue 12 §3)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = 2 * X[:, 0] ** 2 - X[:, 1] ** 2 + 0.1 * rng.normal(size=40)
    for act in ("z**2", "-3*z**2"):
        search = counterexample_search(X, y, act, 2, n_runs=2, seed=0, restarts=2)
        traps = [c for c in search.degenerate if c["certified"]]
        assert traps and traps[0]["energy"] > search.bound.value + 1.0
        assert traps[0]["classification"] == "degenerate minimum with a flat escape"
        assert traps[0]["escape"]["escape_energy"] < traps[0]["energy"] - 1.0
        assert not [c for c in search.counterexamples if c["certified"]]
        land = EmpiricalTwoLayer(act, X, y, 2)
        assert math.isclose(
            land.energy(np.array(traps[0]["theta"])), traps[0]["energy"], rel_tol=1e-10
        )
