"""sublevel.numerics.paths.lasso: the lasso fit of the second layer (KKT, duality gap, scikit-learn)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.paths.lasso import lasso
from sublevel.theory.errors import InputError


@settings(max_examples=15, deadline=None)
@given(
    st.integers(0, 10_000),
    st.integers(5, 40),
    st.integers(1, 12),
    st.sampled_from([1e-3, 1e-2, 0.1]),
)
def test_lasso_satisfies_kkt_and_has_a_small_gap(seed, L, p, kappa):
    rng = np.random.default_rng(seed)
    Z = np.maximum(rng.normal(size=(L, p)), 0)
    y = rng.normal(size=L)
    fit = lasso(Z, y, kappa)
    assert fit.gap <= 1e-9 * max(1.0, fit.objective)
    g = (2 / L) * Z.T @ (Z @ fit.coef - y)  # KKT: |g_j| ≤ κ, = −κ sign(γ_j) on the support
    assert np.all(np.abs(g) <= kappa * (1 + 1e-5) + 1e-8)
    on = fit.coef != 0
    np.testing.assert_allclose(g[on], -kappa * np.sign(fit.coef[on]), atol=1e-6 * max(1, kappa))


def test_lasso_matches_scikit_learn():
    from sklearn.linear_model import Lasso

    rng = np.random.default_rng(0)
    Z, y, kappa = rng.normal(size=(60, 8)), rng.normal(size=60), 0.05
    fit = lasso(Z, y, kappa)
    # sklearn: (1/(2L))‖y − Zγ‖² + α‖γ‖₁ = ½·ours with α = κ/2
    ref = Lasso(alpha=kappa / 2, fit_intercept=False, tol=1e-14, max_iter=100_000).fit(Z, y)
    np.testing.assert_allclose(fit.coef, ref.coef_, atol=1e-7)


def test_lasso_edge_cases():
    y = np.arange(4.0)
    assert lasso(np.zeros((4, 0)), y, 0.1).objective == pytest.approx(np.mean(y**2))
    assert np.all(lasso(np.zeros((4, 2)), y, 0.1).coef == 0)
    ls = lasso(np.eye(4)[:, :2], y, 0.0)
    np.testing.assert_allclose(ls.coef, [0.0, 1.0])
    with pytest.raises(InputError):
        lasso(np.zeros((3, 2)), y, 0.1)
    with pytest.raises(InputError):
        lasso(np.zeros((4, 2)), y, -1.0)
