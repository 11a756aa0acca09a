"""sublevel.numerics.energies.convex_lifting: the monomial lifting ⟨A(w), Ψ(x)⟩ = ρ(⟨w, x⟩) and
the Gaussian moments."""

from __future__ import annotations

import numpy as np
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.energies.activations import make_activation
from sublevel.numerics.energies.convex_lifting import gaussian_moment, polynomial_features
from sublevel.theory.liftings.feature_map import intrinsic_dimension

coefficient_lists = st.lists(st.integers(-3, 3), min_size=2, max_size=5).filter(
    lambda c: any(c[1:])
)


@settings(max_examples=15, deadline=None)
@given(coeffs=coefficient_lists, n=st.integers(1, 4))
def test_polynomial_features_reproduce_the_activation(coeffs, n):
    """⟨A(w), Ψ(x)⟩ = ρ(⟨w, x⟩) numerically; Q = q = the exact intrinsic dimension."""
    act = make_activation(coeffs)
    feats = polynomial_features(act, n)
    assert feats.size == feats.q == intrinsic_dimension(act.expr, n)
    rng = np.random.default_rng(len(coeffs) + n)
    W, X = rng.normal(size=(3, n)), rng.normal(size=(5, n))
    lhs = feats.data_features(X) @ feats.unit_features(W).T
    assert np.allclose(lhs, act(X @ W.T), atol=1e-10)
    J = feats.unit_features_jacobian(W)
    h = 1e-6
    for k in range(n):
        E = np.zeros_like(W)
        E[:, k] = h
        fd = (feats.unit_features(W + E) - feats.unit_features(W - E)) / (2 * h)
        assert np.allclose(J[:, :, k], fd, atol=1e-6)


def test_gaussian_moments_against_closed_forms_and_sympy():
    assert gaussian_moment(np.array([4])) == 3 and gaussian_moment(np.array([6])) == 15
    assert gaussian_moment(np.array([2, 2])) == 1 and gaussian_moment(np.array([3, 1])) == 0
    g = sp.Symbol("g")
    density = sp.exp(-(g**2) / 2) / sp.sqrt(2 * sp.pi)
    assert float(gaussian_moment(np.array([8]))) == float(
        sp.integrate(g**8 * density, (g, -sp.oo, sp.oo))
    )
    G = polynomial_features("z**3 + z", 2).gaussian_gram()
    assert np.allclose(G, G.T) and np.linalg.eigvalsh(G).min() > 0
