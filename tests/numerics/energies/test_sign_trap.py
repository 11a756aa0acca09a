"""sublevel.numerics.energies.sign_trap: a certified poor local minimum at any width p ≥ n, its
flat escape, the refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sublevel.numerics.energies.sign_trap import sign_trap
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer
from sublevel.theory.errors import InputError

from tests.numerics.energies.quadratic_data import gaussian_data


@pytest.mark.parametrize("n,p", [(2, 4), (3, 6), (3, 20)])
def test_sign_trap_is_a_certified_poor_local_minimum_at_any_width(n, p):
    """All u_i < 0 while the fit needs a positive eigenvalue: A stays in the cone A ⪯ 0 near θ,
    so E ≥ the cone optimum = E(θ) there; the global minimum is lower."""
    X, _, rng = gaussian_data(n=n, L=3 * n * (n + 1) // 2 + 4, seed=n + p)
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
    X, _, _ = gaussian_data(n=3, L=12)
    with pytest.raises(InputError, match="p ≥ n"):
        sign_trap(X, X[:, 0] ** 2, 2)
    with pytest.raises(InputError, match="sign"):
        sign_trap(X, X[:, 0] ** 2, 3, sign=2)
    assert sign_trap(X, np.zeros(12), 3) is None  # A_LS = 0: no sign is wrong
    trap = sign_trap(X, X[:, 0] ** 2 + X[:, 1] ** 2, 3)  # PSD target: only u < 0 traps
    assert trap.sign == -1 and trap.certified
