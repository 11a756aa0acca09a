"""Deep quadratic networks, the quadratic lifted optimum (least squares and SDP), lifted
dimensions, and the optimisation experiments."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.conformance import check_landscape
from sublevel.numerics.energies.quadratic_deep import (
    DeepQuadratic,
    blas_single_thread,
    form_features,
    lifted_dimensions,
    optimisation_runs,
    plot_success_fraction,
    quadratic_lifted_optimum,
    quadratic_network,
    sign_trap,
    stable_minimum,
    width_experiment,
)
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer
from sublevel.theory.errors import InputError


def _data(n=2, L=20, m=1, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(L, n)), rng.normal(size=(L, m)), rng


@pytest.mark.parametrize("hidden", [[3], [2, 3], [2, 2, 2]])
def test_deep_quadratic_gradient_batch_and_conformance(hidden):
    X, Y, rng = _data(m=2)
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
    X, Y, rng = _data(n=3, L=5)
    land = DeepQuadratic(X, Y, [2] * K)
    theta = land.random_point(rng)
    scaled = DeepQuadratic(c * X, Y, [2] * K)
    assert np.allclose(scaled.outputs(theta), c ** (2**K) * land.outputs(theta), rtol=1e-9)


def test_one_layer_is_the_two_layer_quadratic_network():
    X, Y, rng = _data(n=3, L=12)
    deep, two = DeepQuadratic(X, Y, [4]), EmpiricalTwoLayer("quadratic", X, Y, 4)
    theta = two.random_point(rng)
    assert math.isclose(deep.energy(theta), two.energy(theta), rel_tol=1e-13)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 1000))
def test_lifted_optimum_is_a_lower_bound(seed):
    X, Y, rng = _data(n=2, L=12, seed=seed)
    land = DeepQuadratic(X, Y, [2, 3])
    assert land.lifted_optimum() <= land.energy(land.random_point(rng)) + 1e-12


def test_form_features_dimension():
    X, _, _ = _data(n=3, L=4)
    assert form_features(X, 4).shape == (4, math.comb(3 + 3, 4))


def test_quadratic_lifted_optimum_against_dense_least_squares_on_vec_xxT():
    X, _, rng = _data(n=3, L=30)
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
    X, _, _ = _data(n=2, L=15)
    y = 2 * X[:, 0] ** 2 - X[:, 1] ** 2  # indefinite target
    _, f_free = quadratic_lifted_optimum(X, y)
    A, f_psd = quadratic_lifted_optimum(X, y, sign="nonnegative")
    assert np.linalg.eigvalsh(A).min() >= -1e-7 and f_psd > f_free + 0.1
    y_psd = X[:, 0] ** 2 + 0.5 * (X[:, 0] + X[:, 1]) ** 2
    assert quadratic_lifted_optimum(X, y_psd, sign="nonnegative")[1] < 1e-6


def test_quadratic_lifted_optimum_bad_input():
    X, _, _ = _data(n=3, L=4)
    with pytest.raises(InputError, match="rank-deficient"):
        quadratic_lifted_optimum(X, np.ones(4))  # 4 samples < n(n+1)/2 = 6
    with pytest.raises(InputError, match="scalar output"):
        quadratic_lifted_optimum(np.ones((8, 2)), np.ones((8, 2)))
    with pytest.raises(InputError, match="sign"):
        quadratic_lifted_optimum(*_data(n=2, L=10)[:2], sign="positive")
    with pytest.raises(InputError, match="not finite"):
        DeepQuadratic(np.full((3, 2), np.inf), np.ones(3), [2])
    with pytest.raises(InputError, match="hidden widths"):
        DeepQuadratic(np.ones((3, 2)), np.ones(3), [2, 0])


def test_lifted_dimensions_exact_rank_equals_closed_form():
    dims = lifted_dimensions(2, 2)
    assert [d["closed_form"] for d in dims] == [3, 5]
    assert all(d["closed_form"] == d["exact_rank"] for d in dims)
    assert [d["talk_width_bound"] for d in dims] == [12, 48]


def test_runs_succeed_at_2n_and_fail_below_n():
    rows, f_star = width_experiment(2, [1, 4], 4, seed=3)
    narrow, wide = rows
    assert narrow.success_fraction == 0.0 and wide.success_fraction == 1.0
    assert sum(narrow.counts.values()) == 4 and f_star >= 0
    assert all(r.gap > 1e-3 for r in narrow.runs)


def test_sign_trap_is_a_stable_poor_minimum():
    """u < 0 fitting −x₂² cannot reach the fit 2x₁² of the other sign without crossing u = 0."""
    X, _, rng = _data(n=2, L=60)
    land = EmpiricalTwoLayer("quadratic", X, 2 * X[:, 0] ** 2 - X[:, 1] ** 2, 1)
    runs = optimisation_runs(
        land, -1.0, 1, rng, init=lambda r: land.flatten([[0.1, 1.0]], [[-1.0]]), success_rtol=0.0
    )
    run = runs[0]
    assert run.converged and run.kind != "saddle"
    stable, energies = stable_minimum(land, run.theta, run.energy, rng, tol=1e-6)
    assert stable and len(energies) == 3
    W, U = land.unflatten(run.theta)
    assert U[0, 0] < 0


def test_plot_success_fraction(tmp_path):
    rows, _ = width_experiment(2, [1, 2, 4], 2, seed=0)
    out = plot_success_fraction(rows, 2, tmp_path / "q.png")
    assert out.exists() and out.stat().st_size > 1000
    with pytest.raises(InputError, match="does not exist"):
        plot_success_fraction(rows, 2, tmp_path / "missing" / "q.png")


def test_blas_single_thread_limits_openblas():
    from threadpoolctl import threadpool_info

    with blas_single_thread():
        assert all(
            i["num_threads"] == 1 for i in threadpool_info() if i["internal_api"] == "openblas"
        )


def test_optimisation_runs_bad_count():
    X, Y, rng = _data()
    with pytest.raises(InputError, match="n_runs"):
        optimisation_runs(DeepQuadratic(X, Y, [2]), 0.0, 0, rng)


def test_quadratic_network_sign_settings():
    X, _, rng = _data(n=2, L=15)
    y = 2 * X[:, 0] ** 2 - X[:, 1] ** 2
    free, init_free, f_free = quadratic_network(X, y, 4, "free")
    balanced, init_bal, f_bal = quadratic_network(X, y, 4, "balanced")
    nonneg, _, f_nonneg = quadratic_network(X, y, 4, "nonnegative")
    assert f_free == f_bal < 1e-20 < f_nonneg
    assert free.dim == 12 and balanced.dim == nonneg.dim == 8
    assert balanced.U.tolist() == [[1.0, 1.0, -1.0, -1.0]]
    assert init_bal(rng).shape == (8,) and init_free(rng).shape == (12,)
    with pytest.raises(InputError, match="sign"):
        quadratic_network(X, y, 4, "mixed")


def test_balanced_signs_with_n_of_each_reach_the_optimum_and_failures_get_a_stability_verdict():
    rows, f_star = width_experiment(
        2, [2, 4], 3, seed=1, sign="balanced", stability_perturbations=2
    )
    narrow, wide = rows
    assert wide.success_fraction == 1.0
    assert all(r.stable is not None for r in narrow.runs if r.kind != "success" and r.converged)
    assert wide.to_dict()["stable_poor"] == 0


@pytest.mark.parametrize("n,p", [(2, 4), (3, 6), (3, 20)])
def test_sign_trap_is_a_certified_poor_local_minimum_at_any_width(n, p):
    """All u_i < 0 while the fit needs a positive eigenvalue: A stays in the cone A ⪯ 0 near θ,
    so E ≥ the cone optimum = E(θ) there; the global minimum is lower."""
    X, _, rng = _data(n=n, L=3 * n * (n + 1) // 2 + 4, seed=n + p)
    A = np.diag(np.arange(1, n + 1) * (-1.0) ** np.arange(n))  # indefinite
    y = np.einsum("li,ij,lj->l", X, A, X)
    trap = sign_trap(X, y, p)
    land = EmpiricalTwoLayer("quadratic", X, y, p)
    assert trap.certified and trap.gap > 0.1
    W, U = land.unflatten(trap.theta)
    assert np.all(trap.sign * U > 0) and math.isclose(land.energy(trap.theta), trap.energy)
    assert trap.global_energy < 1e-20 and land.grad(trap.theta) @ land.grad(trap.theta) < 1e-16
    # random points near θ with the same signs are never lower than the cone optimum
    D = rng.normal(size=(2000, land.dim)) * 1e-3
    assert land.energies(trap.theta[None] + D).min() >= trap.cone_optimum - 1e-9
    both = {sign_trap(X, y, p, sign=s).sign for s in (-1, 1)}
    assert both == {-1, 1}
    # not a spurious valley: a spare unit flips its sign at constant energy, then descends
    assert trap.escape["flip_energy_change"] == 0.0 and trap.escape["descends_to"] < 0


def test_sign_trap_bad_input_and_definite_targets():
    X, _, _ = _data(n=3, L=12)
    with pytest.raises(InputError, match="p ≥ n"):
        sign_trap(X, X[:, 0] ** 2, 2)
    with pytest.raises(InputError, match="sign"):
        sign_trap(X, X[:, 0] ** 2, 3, sign=2)
    assert sign_trap(X, np.zeros(12), 3) is None  # A_LS = 0: no sign is wrong
    trap = sign_trap(X, X[:, 0] ** 2 + X[:, 1] ** 2, 3)  # PSD target: only u < 0 traps
    assert trap.sign == -1 and trap.certified
