"""sublevel.numerics.energies.linear: deep linear energies against dense formulas and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.conformance import check_landscape
from sublevel.numerics.critical import minimise
from sublevel.numerics.energies.linear import (
    DeepLinear,
    as_weights,
    flatten,
    gaussian_moments,
    moments,
    product_polynomial,
    reduced_rank_optimum,
)
from sublevel.numerics.strategies import datasets, linear_parameters, seeds, widths
from sublevel.theory.errors import InputError


def _loop_energy(weights, X, Y, kappa=0.0):
    """(1/L) Σ_l ‖W_K⋯W_1 x_l − y_l‖² + κ Σ‖W_k‖², one sample at a time."""
    total = 0.0
    for x, y in zip(X, Y):
        z = x
        for W in weights:
            z = W @ z
        total += float(np.sum((z - y) ** 2))
    return total / X.shape[0] + kappa * sum(float(np.sum(W * W)) for W in weights)


def _instance(seed, w, L=7):
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(L, w[0])), rng.normal(size=(L, w[-1]))
    weights = [rng.normal(size=(w[k + 1], w[k])) / np.sqrt(w[k]) for k in range(len(w) - 1)]
    return X, Y, weights


@pytest.mark.parametrize("kappa", [0.0, 0.3])
@pytest.mark.parametrize("w", [[3, 4, 2], [2, 3, 4, 5, 1], [1, 1], [4, 2, 2, 4]])
def test_conformance(w, kappa):
    X, Y, weights = _instance(0, w)
    E = DeepLinear(w, X, Y, kappa=kappa)
    check_landscape(E, flatten(weights), name=f"DeepLinear{w}").raise_if_failed()
    P = DeepLinear.population(w, *moments(X, Y), kappa=kappa)
    check_landscape(P, flatten(weights), name=f"population{w}").raise_if_failed()


@settings(max_examples=20, deadline=None)
@given(
    w=widths(min_layers=1, max_layers=4, max_width=5),
    data=st.data(),
    kappa=st.sampled_from([0.0, 0.5]),
)
def test_energy_matches_per_sample_loop_and_batch(w, data, kappa):
    kinds = ("random", "duplicate", "low_rank") if w[0] >= 2 else ("random", "duplicate")
    d = data.draw(
        datasets(
            kinds=kinds, min_features=w[0], max_features=w[0], min_outputs=w[-1], max_outputs=w[-1]
        )
    )
    weights = data.draw(linear_parameters(w, scale=0.7))
    E = DeepLinear(w, d.X, d.Y, kappa=kappa)
    theta = flatten(weights)
    assert E.energy(theta) == pytest.approx(
        _loop_energy(weights, d.X, d.Y, kappa), rel=1e-12, abs=1e-12
    )
    thetas = np.stack([theta, 2 * theta, -theta, np.zeros_like(theta)])
    batch = E.energies(thetas)
    np.testing.assert_allclose(batch, [E.energy(t) for t in thetas], rtol=1e-12, atol=1e-12)
    # the population energy from the empirical moments is the same function
    Pop = DeepLinear.population(w, *moments(d.X, d.Y), kappa=kappa)
    np.testing.assert_allclose(Pop.energies(thetas), batch, rtol=1e-9, atol=1e-9)


@settings(max_examples=20, deadline=None)
@given(
    w=widths(min_layers=1, max_layers=4, max_width=4),
    seed=seeds(),
    moving=st.lists(st.booleans(), min_size=4, max_size=4),
    kappa=st.sampled_from([0.0, 0.2]),
)
def test_energy_polynomial_equals_energy_on_the_segment(w, seed, moving, kappa):
    X, Y, wa = _instance(seed, w)
    _, _, wb = _instance(seed + 1, w)
    wb = [B if moving[k % 4] else A for k, (A, B) in enumerate(zip(wa, wb))]
    E = DeepLinear(w, X, Y, kappa=kappa)
    a, b = flatten(wa), flatten(wb)
    poly = E.energy_polynomial(a, b)
    d = sum(1 for A, B in zip(wa, wb) if np.any(A != B))
    assert len(poly) == max(2 * d + 1, 3 if kappa else 1)
    ts = np.linspace(0, 1, 9)
    np.testing.assert_allclose(
        np.polynomial.polynomial.polyval(ts, poly),
        E.energies(a + ts[:, None] * (b - a)),
        rtol=1e-9,
        atol=1e-9,
    )
    C = product_polynomial(wa, wb)
    assert C.shape[0] == d + 1


def test_products_and_flatten_roundtrip():
    X, Y, weights = _instance(4, [3, 5, 2])
    E = DeepLinear([3, 5, 2], X, Y)
    theta = flatten(weights)
    for W, V in zip(E.unflatten(theta), weights):
        np.testing.assert_array_equal(W, V)
    np.testing.assert_array_equal(E.flatten(weights), theta)
    np.testing.assert_allclose(E.product(theta), weights[1] @ weights[0])
    np.testing.assert_allclose(E.products(np.stack([theta, theta]))[1], weights[1] @ weights[0])


def test_gaussian_moments_monte_carlo():
    rng = np.random.default_rng(5)
    A = rng.normal(size=(2, 3))
    L = rng.normal(size=(3, 3))
    Sx = L @ L.T + np.eye(3)
    X = rng.multivariate_normal(np.zeros(3), Sx, size=400_000)
    Y = X @ A.T + np.sqrt(0.25) * rng.normal(size=(X.shape[0], 2))
    Sx_, Sxy_, sy_ = gaussian_moments(A, Sx, 0.25)
    emp = moments(X, Y)
    np.testing.assert_allclose(emp[0], Sx_, rtol=0.02, atol=0.03)
    np.testing.assert_allclose(emp[1], Sxy_, rtol=0.02, atol=0.03)
    assert emp[2] == pytest.approx(sy_, rel=0.02)


@pytest.mark.parametrize("kind", ["random", "duplicate", "low_rank"])
def test_reduced_rank_optimum_full_rank_is_least_squares(kind):
    from sublevel.numerics.strategies import make_data

    d = make_data(11, 9, 4, 3, kind, rank=2 if kind == "low_rank" else None)
    E = DeepLinear([4, 3], d.X, d.Y)
    sol, *_ = np.linalg.lstsq(d.X, d.Y, rcond=None)
    best = E.reduced_rank(3)
    assert best.energy == pytest.approx(E.lifted_energy(sol.T), abs=1e-10)
    assert E.lifted_energy(best.product) == pytest.approx(best.energy, abs=1e-10)


@pytest.mark.parametrize("rank", [1, 2])
def test_reduced_rank_optimum_matches_optimisation(rank):
    """Oracle: L-BFGS over all rank-≤r products (a [n, r, m] network) from several starts."""
    rng = np.random.default_rng(rank)
    X, Y = rng.normal(size=(15, 4)), rng.normal(size=(15, 3))
    E = DeepLinear([4, rank, 3], X, Y)
    best = reduced_rank_optimum(E.sigma_x, E.sigma_xy, E.sigma_y, rank)
    found = min(minimise(E, rng.normal(size=E.dim)).energy for _ in range(4))
    assert found == pytest.approx(best.energy, rel=1e-8, abs=1e-10)
    assert E.global_minimum() == pytest.approx(best.energy, abs=1e-12)


def test_lifted_difference_bound_is_an_upper_bound():
    rng = np.random.default_rng(6)
    X, Y = rng.normal(size=(10, 3)), rng.normal(size=(10, 2))
    E = DeepLinear([3, 2], X, Y)
    P = rng.normal(size=(2, 3))
    for _ in range(20):
        D = rng.normal(size=(2, 3))
        D *= 0.1 / np.linalg.norm(D)
        assert (
            abs(E.lifted_energy(P + D) - E.lifted_energy(P))
            <= E.lifted_difference_bound(P, 0.1) + 1e-12
        )
    assert np.linalg.norm(E.lifted_gradient(P)) <= E.gradient_norm_bound(np.linalg.norm(P)) + 1e-12


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: DeepLinear([2, 3], np.ones((0, 2)), np.ones((0, 3))), "L = 0"),
        (lambda: DeepLinear([2, 3], np.ones((4, 2)), np.ones((5, 3))), "samples"),
        (lambda: DeepLinear([2, 3], np.ones((4, 3)), np.ones((4, 3))), "n = 3"),
        (lambda: DeepLinear([2, 3], np.array([[1.0, np.nan]] * 2), np.ones((2, 3))), r"X\[0, 1\]"),
        (lambda: DeepLinear([2, 3], np.ones((2, 2)), np.full((2, 3), np.inf)), "not finite"),
        (lambda: DeepLinear([2, 0, 3], np.ones((2, 2)), np.ones((2, 3))), "integer ≥ 1"),
        (lambda: DeepLinear([2, 3], np.ones((2, 2)), np.ones((2, 3)), kappa=-1.0), "kappa"),
        (lambda: DeepLinear([2, 3], np.ones((2, 2))), "needs data"),
        (lambda: DeepLinear.population([2, 3], -np.eye(2), np.ones((2, 3)), 1.0), "semi-definite"),
        (lambda: as_weights([np.ones((3, 2)), np.ones((2, 4))]), "W_2 has shape"),
        (lambda: as_weights([np.ones((3, 2)), np.ones((2, 3))], [2, 3, 3]), "widths"),
        (lambda: reduced_rank_optimum(np.eye(2), np.ones((3, 1)), 1.0, 1), "sigma_xy"),
    ],
)
def test_bad_input(make, match):
    with pytest.raises(InputError, match=match):
        make()


def test_bad_points():
    X, Y, weights = _instance(0, [2, 2])
    E = DeepLinear([2, 2], X, Y)
    with pytest.raises(InputError, match="entries"):
        E.energy(np.ones(3))
    with pytest.raises(InputError, match="not finite"):
        E.energy(np.array([np.nan, 0, 0, 0]))
    with pytest.raises(InputError, match="products"):
        E.lifted_energies(np.ones((2, 3, 3)))


def test_reduced_rank_is_solved_once_and_handed_out_as_copies():
    from sublevel.numerics.energies.linear import landscape_on

    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(9, 3)), rng.normal(size=(9, 2))
    E = DeepLinear([3, 4, 2], X, Y)
    first = E.reduced_rank()
    first.product[:] = 0.0  # the caller's copy: the memo is not touched
    again = E.reduced_rank()
    assert not np.array_equal(again.product, first.product)
    assert np.array_equal(again.product, DeepLinear([3, 4, 2], X, Y).reduced_rank().product)
    assert E.reduced_rank(1).rank == 1 and E.reduced_rank(1).energy >= again.energy
    assert landscape_on([3, 4, 2], X, Y, E) is E
    for other in (
        DeepLinear([3, 5, 2], X, Y),
        DeepLinear([3, 4, 2], X, Y, kappa=0.1),
        DeepLinear([3, 4, 2], X + 1.0, Y),
    ):
        with pytest.raises(InputError, match="landscape has widths"):
            landscape_on([3, 4, 2], X, Y, other)
