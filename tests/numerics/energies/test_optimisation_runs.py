"""sublevel.numerics.energies.optimisation_runs: classified runs, the stability verdict by
re-descent, the one-thread BLAS limit."""

from __future__ import annotations

import pytest
from sublevel.numerics.energies.optimisation_runs import (
    blas_single_thread,
    optimisation_runs,
    stable_minimum,
)
from sublevel.numerics.energies.quadratic_deep import DeepQuadratic
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer
from sublevel.theory.errors import InputError

from tests.numerics.energies.quadratic_data import gaussian_data


def test_sign_trap_is_a_stable_poor_minimum():
    """u < 0 fitting −x₂² cannot reach the fit 2x₁² of the other sign without crossing u = 0."""
    X, _, rng = gaussian_data(n=2, L=60)
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


def test_blas_single_thread_limits_openblas():
    from threadpoolctl import threadpool_info

    with blas_single_thread():
        assert all(
            i["num_threads"] == 1 for i in threadpool_info() if i["internal_api"] == "openblas"
        )


def test_optimisation_runs_bad_count():
    X, Y, rng = gaussian_data()
    with pytest.raises(InputError, match="n_runs"):
        optimisation_runs(DeepQuadratic(X, Y, [2]), 0.0, 0, rng)
