"""sublevel.numerics.critical: minimise, hessian, classify — against closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.critical import classify, hessian, minimise
from sublevel.numerics.energies.linear import DeepLinear
from sublevel.numerics.landscape import Landscape
from sublevel.theory.errors import InputError


class Quadratic(Landscape):
    """E(θ) = ½θᵀAθ − bᵀθ (closed-form minimiser A⁻¹b, Hessian A)."""

    def __init__(self, A: np.ndarray, b: np.ndarray, analytic_hessian: bool = False):
        self.A, self.b, self.dim = A, b, b.size
        if analytic_hessian:
            self.hessian = lambda theta: self.A

    def _energy_and_grad(self, theta):
        return 0.5 * theta @ self.A @ theta - self.b @ theta, self.A @ theta - self.b


class Saddle(Landscape):
    """E(x, y) = x² − y² + y⁴: saddle at 0, minima at (0, ±1/√2)."""

    dim = 2

    def _energy_and_grad(self, t):
        x, y = t
        return x * x - y * y + y**4, np.array([2 * x, -2 * y + 4 * y**3])


def _spd(seed: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    M = rng.normal(size=(d, d))
    return M @ M.T + d * np.eye(d), rng.normal(size=d)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31), d=st.integers(1, 8))
def test_minimise_reaches_the_closed_form_minimiser(seed, d):
    A, b = _spd(seed, d)
    res = minimise(Quadratic(A, b), np.zeros(d))
    assert res.converged and res.grad_norm <= 1e-10
    np.testing.assert_allclose(res.theta, np.linalg.solve(A, b), rtol=1e-8, atol=1e-10)
    assert res.energy == pytest.approx(-0.5 * b @ np.linalg.solve(A, b), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("method", ["L-BFGS-B", "BFGS", "CG"])
def test_minimise_methods_on_rosenbrock(method):
    class Rosenbrock(Landscape):
        dim = 2

        def _energy_and_grad(self, t):
            x, y = t
            return (1 - x) ** 2 + 100 * (y - x * x) ** 2, np.array(
                [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]
            )

    res = minimise(Rosenbrock(), [-1.2, 1.0], method=method, gtol=1e-8)
    assert res.converged
    np.testing.assert_allclose(res.theta, [1.0, 1.0], atol=1e-6)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31), d=st.integers(1, 6))
def test_hessian_finite_differences_match_the_dense_matrix(seed, d):
    A, b = _spd(seed, d)
    x = np.random.default_rng(seed).normal(size=d)
    H = hessian(Quadratic(A, b), x)
    np.testing.assert_allclose(H, H.T, atol=0)
    np.testing.assert_allclose(H, A, rtol=1e-6, atol=1e-6)


def test_hessian_prefers_the_landscape_hessian():
    A, b = _spd(0, 3)
    land = Quadratic(A, b, analytic_hessian=True)
    np.testing.assert_array_equal(hessian(land, np.ones(3)), A)


def test_hessian_of_a_deep_linear_network_matches_kronecker_form():
    """K = 1: E(W) = (1/L)‖XWᵀ − Y‖², ∇²E = 2 Σ_X ⊗ I_m in the row-major (C-order) vec."""
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(9, 3)), rng.normal(size=(9, 2))
    E = DeepLinear([3, 2], X, Y)
    H = hessian(E, rng.normal(size=E.dim))
    np.testing.assert_allclose(H, 2 * np.kron(np.eye(2), X.T @ X / 9), atol=1e-6)


def test_classify_kinds():
    land = Saddle()
    assert classify(land, [0.0, 0.0]).kind == "saddle"
    c = classify(land, [0.0, 1 / np.sqrt(2)])
    assert c.kind == "minimum" and c.n_negative == 0 and c.min_eig > 0
    assert classify(land, [1.0, 1.0]).kind == "not critical"
    assert set(c.tolerances) >= {"grad_tol", "eig_tol", "eig_threshold"}


def test_deep_linear_global_minimum_is_degenerate_not_strict():
    """Pitfall §9.3: the GL symmetry gives zero Hessian eigenvalues at every minimum."""
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(12, 2)), rng.normal(size=(12, 2))
    E = DeepLinear([2, 3, 2], X, Y)
    res = minimise(E, rng.normal(size=E.dim))
    assert res.converged
    assert res.energy == pytest.approx(E.global_minimum(), abs=1e-10)
    c = classify(E, res.theta)
    assert c.kind == "degenerate" and c.n_negative == 0


def test_deep_linear_origin_is_a_saddle():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(10, 2))
    E = DeepLinear([2, 2, 2], X, X @ rng.normal(size=(2, 2)))
    c = classify(E, np.zeros(E.dim))
    assert c.kind == "saddle" and c.n_negative >= 1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"method": "Nelder-Mead"}, "method"),
        ({"gtol": 0.0}, "gtol"),
        ({"maxiter": 0}, "maxiter"),
    ],
)
def test_minimise_bad_options(kwargs, match):
    with pytest.raises(InputError, match=match):
        minimise(Saddle(), [0.1, 0.1], **kwargs)


def test_bad_points_and_landscapes():
    with pytest.raises(InputError, match="entries"):
        minimise(Saddle(), [0.1, 0.2, 0.3])
    with pytest.raises(InputError, match="not finite"):
        classify(Saddle(), [np.nan, 0.0])
    with pytest.raises(InputError, match="not a landscape"):
        hessian(object(), [0.0])
    with pytest.raises(InputError, match="eps"):
        hessian(Saddle(), [0.0, 0.0], eps=0.0)
