"""Two-layer energies Φ = Uρ(Wx), empirical and population: refusals, gradients, batches, exact
segment polynomials, the energies' convex lifting, Gaussian/arc-cosine closed forms against Monte
Carlo. The activations, the monomial lifting and the ReLU valley have their own test files."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.conformance import check_landscape
from sublevel.numerics.energies.activations import make_activation
from sublevel.numerics.energies.convex_lifting import polynomial_features
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer, FixedOutput
from sublevel.numerics.energies.two_layer_population import (
    PopulationTwoLayer,
    relu_kernel,
    relu_kernel_grad,
)
from sublevel.theory.errors import InputError

# ---------------------------------------------------------------------------- helpers

coefficient_lists = st.lists(st.integers(-3, 3), min_size=2, max_size=5).filter(
    lambda c: any(c[1:])
)


def _numeric_grad(land, theta, h=1e-6):
    eye = np.eye(land.dim)
    return np.array(
        [(land.energy(theta + h * e) - land.energy(theta - h * e)) / (2 * h) for e in eye]
    )


def _empirical(activation, n=3, m=2, L=15, p=4, seed=0):
    rng = np.random.default_rng(seed)
    return EmpiricalTwoLayer(activation, rng.normal(size=(L, n)), rng.normal(size=(L, m)), p), rng


# ---------------------------------------------------------------------------- refusals


def test_non_polynomial_where_a_polynomial_is_required():
    with pytest.raises(InputError, match="not a polynomial"):
        polynomial_features("tanh", 2)
    land, _ = _empirical("relu")
    with pytest.raises(InputError, match="not a polynomial"):
        land.lifted_problem("polynomial")
    with pytest.raises(InputError, match="no closed-form population energy"):
        PopulationTwoLayer("tanh", 2, 2, teacher_W=np.eye(2), teacher_U=np.ones(2))


def test_bad_data_raise_input_error():
    X = np.ones((4, 2))
    with pytest.raises(InputError, match="not finite"):
        EmpiricalTwoLayer("relu", np.where(np.eye(4, 2) > 0, np.nan, X), np.ones(4), 2)
    with pytest.raises(InputError, match="samples"):
        EmpiricalTwoLayer("relu", X, np.ones(5), 2)
    with pytest.raises(InputError, match="p = 0"):
        EmpiricalTwoLayer("relu", X, np.ones(4), 0)
    land = EmpiricalTwoLayer("relu", X, np.ones(4), 2)
    with pytest.raises(InputError):
        land.energy(np.ones(land.dim + 1))
    with pytest.raises(InputError, match="W has shape"):
        land.flatten(np.ones((3, 2)), np.ones((1, 2)))


# ---------------------------------------------------------------------------- gradients, batches


@pytest.mark.parametrize("activation", ["z**3 - z", "quadratic", "relu", "tanh", [1, 0.5, 0.25]])
def test_empirical_gradient_batch_and_conformance(activation):
    land, rng = _empirical(activation)
    theta = land.random_point(rng)
    e, g = land.energy_and_grad(theta)
    assert np.allclose(g, _numeric_grad(land, theta), rtol=1e-5, atol=1e-6)
    batch = np.stack([land.random_point(rng) for _ in range(4)])
    assert np.allclose(land.energies(batch), [land.energy(t) for t in batch], rtol=1e-13)
    assert math.isclose(e, land.energy(theta), rel_tol=1e-13)
    check_landscape(land, theta, name=f"EmpiricalTwoLayer[{activation}]").raise_if_failed()


def _population(activation="z**3 - z", n=3, p=4, noise=0.1, seed=0):
    rng = np.random.default_rng(seed)
    return PopulationTwoLayer(
        activation,
        n,
        p,
        teacher_W=rng.normal(size=(3, n)),
        teacher_U=rng.normal(size=(2, 3)),
        noise_variance=noise,
    ), rng


@pytest.mark.parametrize("activation", ["z**3 - z", "quadratic", "relu"])
def test_population_gradient_batch_and_conformance(activation):
    land, rng = _population(activation)
    theta = land.random_point(rng)
    assert np.allclose(land.grad(theta), _numeric_grad(land, theta), rtol=1e-5, atol=1e-6)
    batch = np.stack([land.random_point(rng) for _ in range(3)])
    assert np.allclose(land.energies(batch), [land.energy(t) for t in batch], rtol=1e-12)
    check_landscape(land, theta, name=f"PopulationTwoLayer[{activation}]").raise_if_failed()


@pytest.mark.parametrize("activation", ["z**2 + z", "relu"])
def test_population_closed_form_agrees_with_monte_carlo(activation):
    land, rng = _population(activation, n=2, p=3, noise=0.2, seed=3)
    theta = land.random_point(rng)
    mean, se = land.monte_carlo(theta, 200_000, seed=1)
    assert abs(mean - land.energy(theta)) <= 4 * se


def test_relu_kernel_closed_forms_and_gradient():
    a = np.array([[1.0, 2.0, -1.0]])
    assert np.isclose(relu_kernel(a, a)[0, 0], np.sum(a**2) / 2)
    b = np.array([[2.0, -1.0, 0.0]])  # orthogonal to a
    assert np.isclose(relu_kernel(a, b)[0, 0], np.linalg.norm(a) * np.linalg.norm(b) / (2 * np.pi))
    assert np.isclose(relu_kernel(a, -a)[0, 0], 0.0, atol=1e-15)
    assert relu_kernel(a, np.zeros((1, 3)))[0, 0] == 0
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(3, 4)), rng.normal(size=(2, 4))
    G = rng.normal(size=(200_000, 4))
    mc = np.maximum(G @ A.T, 0).T @ np.maximum(G @ B.T, 0) / G.shape[0]
    assert np.allclose(relu_kernel(A, B), mc, atol=0.03)
    grad, h = relu_kernel_grad(A, B), 1e-6
    for r in range(4):
        E = np.zeros_like(A)
        E[:, r] = h
        fd = (relu_kernel(A + E, B) - relu_kernel(A - E, B)) / (2 * h)
        assert np.allclose(grad[:, :, r], fd, atol=1e-7)


def test_fixed_output_restricts_the_energy_to_W():
    land, rng = _empirical("quadratic", m=1)
    fixed = FixedOutput(land, np.ones((1, land.p)))
    w = rng.normal(size=fixed.dim)
    assert fixed.energy(w) == land.energy(fixed.full(w))
    assert np.allclose(fixed.grad(w), _numeric_grad(fixed, w), rtol=1e-5, atol=1e-6)
    with pytest.raises(InputError, match="U has shape"):
        FixedOutput(land, np.ones((2, land.p)))


# ---------------------------------------------------------------------------- exact segments


def _segment_check(land, a, b, degree_max):
    poly = land.energy_polynomial(a, b)
    assert poly is not None and len(poly) <= degree_max + 1
    ts = np.linspace(0, 1, 9)
    exact = np.polynomial.polynomial.polyval(ts, poly)
    direct = land.energies(a[None] + ts[:, None] * (b - a)[None])
    assert np.allclose(exact, direct, rtol=1e-9, atol=1e-9)


@settings(max_examples=15, deadline=None)
@given(coeffs=coefficient_lists, n=st.integers(1, 4), population=st.booleans())
def test_energy_along_any_segment_is_the_polynomial(coeffs, n, population):
    """Polynomial ρ: E((1 − t)a + tb) is the returned polynomial of degree 2(deg ρ + 1)."""
    act = make_activation(coeffs)
    rng = np.random.default_rng(n + len(coeffs))
    if population:
        land = PopulationTwoLayer(
            act,
            n,
            3,
            teacher_W=rng.normal(size=(2, n)),
            teacher_U=rng.normal(size=(1, 2)),
            noise_variance=0.3,
        )
    else:
        land = EmpiricalTwoLayer(act, rng.normal(size=(7, n)), rng.normal(size=(7, 2)), 3)
    a, b = land.random_point(rng), land.random_point(rng)
    _segment_check(land, a, b, 2 * (act.degree + 1))


@pytest.mark.parametrize(
    "activation,population",
    [
        ("relu", False),
        ("tanh", False),
        ("sigmoid(z)", False),
        ("z**3", False),
        ("relu", True),
        ("z**3", True),
    ],
)  # population energies exist for ReLU and polynomials only
def test_moving_only_dead_units_and_U_gives_a_quadratic(activation, population):
    if population:
        land, rng = _population(activation, n=3, p=4)
    else:
        land, rng = _empirical(activation)
    W, U = land.unflatten(land.random_point(rng))
    U[:, 1] = 0.0
    W2 = W.copy()
    W2[1] = rng.normal(size=land.n)
    a, b = land.flatten(W, U), land.flatten(W2, U + rng.normal(size=U.shape) * (U != 0))
    _segment_check(land, a, b, 2)
    if not land.activation.is_polynomial:
        W3 = W.copy()
        W3[0] += 1.0  # a live unit moves: no polynomial form
        assert land.energy_polynomial(a, land.flatten(W3, U)) is None


# ---------------------------------------------------------------------------- lifted problem


@pytest.mark.parametrize(
    "kind,activation",
    [("polynomial", "z**3 + z**2"), ("values", "relu"), ("values", "tanh"), ("values", "z**2")],
)
def test_energy_factors_through_the_convex_lifting(kind, activation):
    land, rng = _empirical(activation, L=10)
    problem = land.lifted_problem(kind)
    for _ in range(3):
        theta = land.random_point(rng)
        assert math.isclose(
            problem.value(land.lifted(theta, problem)),
            land.energy(theta),
            rel_tol=1e-10,
            abs_tol=1e-12,
        )
    beta, f_star = problem.minimiser()
    _, f_cvx, status = problem.minimum_cvxpy()
    assert status == "optimal" and abs(f_cvx - f_star) <= 1e-6 * max(1.0, f_star)
    assert f_star <= problem.value(land.lifted(land.random_point(rng), problem))


def test_population_lifting_minimum_is_the_noise_when_the_teacher_is_representable():
    land, rng = _population("z**3 - z", n=2, p=5, noise=0.25)
    problem = land.lifted_problem()
    theta = land.random_point(rng)
    assert math.isclose(
        problem.value(land.lifted(theta, problem)), land.energy(theta), rel_tol=1e-10
    )
    _, f_star = problem.minimiser()
    assert math.isclose(f_star, 2 * 0.25, rel_tol=1e-9)  # m σ²
    assert abs(problem.minimum_cvxpy()[1] - f_star) <= 1e-6


def test_value_span_of_relu_in_one_dimension_has_dimension_two():
    """ρ(wx) for x ∈ R, w ∈ R spans {x₊, x₋}: q_emp = 2 whatever L (positive homogeneity)."""
    rng = np.random.default_rng(0)
    land = EmpiricalTwoLayer("relu", rng.normal(size=(9, 1)), rng.normal(size=9), 9)
    assert land.lifted_problem("values").q == 2
