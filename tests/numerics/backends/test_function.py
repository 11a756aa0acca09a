"""Landscapes from callables, adapters, counting, and the conformance check."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.backends import (
    CountingLandscape,
    FunctionLandscape,
    as_landscape,
    finite_difference_grad,
)
from sublevel.numerics.conformance import check_landscape
from sublevel.theory.errors import InputError


def _quadratic(dim, seed):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((dim, dim))
    H = A @ A.T + np.eye(dim)
    return H, (lambda x: 0.5 * float(x @ H @ x)), (lambda x: H @ x)


@settings(max_examples=20, deadline=None)
@given(dim=st.integers(1, 6), seed=st.integers(0, 1000))
def test_finite_differences_match_the_analytic_gradient(dim, seed):
    H, e, g = _quadratic(dim, seed)
    x = np.random.default_rng(seed + 1).standard_normal(dim)
    fd = FunctionLandscape(e, dim)  # no gradient given: central differences
    exact = FunctionLandscape(e, dim, grad=g)
    assert not fd.has_analytic_grad and exact.has_analytic_grad
    np.testing.assert_allclose(fd.grad(x), exact.grad(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(finite_difference_grad(fd.energies, x), H @ x, rtol=1e-5, atol=1e-6)


def test_batched_energies_callable_is_used():
    H, e, g = _quadratic(3, 0)
    calls = []

    def batch(X):
        calls.append(X.shape)
        return 0.5 * np.einsum("ti,ij,tj->t", X, H, X)

    land = FunctionLandscape(e, 3, grad=g, energies=batch)
    X = np.random.default_rng(0).standard_normal((7, 3))
    np.testing.assert_allclose(land.energies(X), [e(x) for x in X])
    assert calls == [(7, 3)]


class _Duck:
    dim = 2

    def energy(self, x):
        return float(np.sum(np.asarray(x) ** 2))

    def energy_and_grad(self, x):
        return self.energy(x), 2 * np.asarray(x)

    def energy_polynomial(self, a, b):
        d = np.asarray(b) - np.asarray(a)
        return [float(a @ a), 2 * float(a @ d), float(d @ d)]


def test_any_object_with_energy_is_a_landscape_and_keeps_capabilities():
    land = as_landscape(_Duck())
    assert land.dim == 2
    np.testing.assert_allclose(land.energies(np.eye(2)), [1.0, 1.0])
    assert hasattr(land, "energy_polynomial")
    from sublevel.numerics.geodesic import dss

    res = dss(land, np.array([0.5, 0.0]), np.array([0.0, 0.5]), 1.0, accept_factor=1.0)
    # the capability reached the certificates: float coefficients are decided exactly *about
    # those floats*, which is not a proof about the inputs — labelled sampled, never a proof
    assert res.methods == ["sampled"] and res.connected and not res.is_proof
    assert "not a proof" in res.certificates[0].details["reason"]


class _ExactDuck(_Duck):
    def energy_polynomial_exact(self, a, b):
        from fractions import Fraction

        a = [Fraction(float(v)) for v in a]
        d = [Fraction(float(y)) - x for x, y in zip(a, b)]
        return [sum(x * x for x in a), 2 * sum(x * y for x, y in zip(a, d)), sum(y * y for y in d)]


def test_an_exact_polynomial_capability_makes_dss_segments_exact_proofs():
    from sublevel.numerics.geodesic import dss

    land = as_landscape(_ExactDuck())
    assert hasattr(land, "energy_polynomial_exact")
    res = dss(land, np.array([0.5, 0.0]), np.array([0.0, 0.5]), 1.0, accept_factor=1.0)
    assert res.methods == ["exact"] and res.connected and res.is_proof
    assert all(c.outcome == "holds" and c.margin >= 0 for c in res.certificates)


def test_counting_landscape_counts_points_gradients_and_time():
    H, e, g = _quadratic(2, 0)
    land = CountingLandscape(FunctionLandscape(e, 2, grad=g))
    land.energy(np.ones(2))
    land.energies(np.ones((5, 2)))
    land.energy_and_grad(np.ones(2))
    c = land.counts()
    assert c["energy_evaluations"] == 6 and c["gradient_evaluations"] == 1
    assert c["landscape_seconds"] > 0


def test_conformance_suite_accepts_correct_and_rejects_wrong_gradients():
    """FunctionLandscape under sublevel.numerics.conformance.check_landscape: a correct gradient passes,
    a 10 % wrong one fails the Taylor slope (≈ 1) and finite differences, an inconsistent batch
    shows against energy_and_grad."""
    H, e, g = _quadratic(4, 1)
    x = np.ones(4)
    good = check_landscape(FunctionLandscape(e, 4, grad=g), x)
    assert good.ok, str(good)
    bad = check_landscape(FunctionLandscape(e, 4, grad=lambda x: 1.1 * g(x)), x)
    assert {c.name for c in bad.failures()} >= {
        "gradient_taylor_slope",
        "gradient_finite_differences",
    }
    assert bad["gradient_taylor_slope"].details["slope"] == pytest.approx(1.0, abs=0.15)

    def inconsistent(X):
        return np.array([e(t) for t in X]) + 1.0

    batch = check_landscape(FunctionLandscape(e, 4, grad=g, energies=inconsistent), x)
    # FunctionLandscape.energy goes through the batch: the shift shows against energy_and_grad
    assert "energy_and_grad_consistent" in {c.name for c in batch.failures()}


@pytest.mark.parametrize(
    "args, match",
    [
        (("not callable", 2), "not callable"),
        ((lambda x: 0.0, 0), "dim"),
        ((lambda x: 0.0, 2.5), "dim"),
    ],
)
def test_bad_construction(args, match):
    with pytest.raises(InputError, match=match):
        FunctionLandscape(*args)


def test_as_landscape_rejects_non_landscapes():
    with pytest.raises(InputError, match="not a landscape"):
        as_landscape(42, dim=2)
    with pytest.raises(InputError, match="dim"):
        as_landscape(lambda x: 0.0)
    with pytest.raises(InputError, match="has 3 entries"):
        FunctionLandscape(lambda x: 0.0, 2).energy(np.ones(3))
