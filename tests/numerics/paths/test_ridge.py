"""sublevel.numerics.paths.ridge: balanced factorisations, the ridge path, discontinuity detection and
the cvxpy oracle (against the singular-value-thresholding closed form)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.energies.linear import DeepLinear, flatten
from sublevel.numerics.paths.ridge import (
    align,
    balanced_factors,
    balancing_steps,
    bernstein_upper_bound,
    connect_ridge,
    detect_discontinuities,
    nuclear_norm,
    ridge_oracle,
)
from sublevel.numerics.strategies import seeds
from sublevel.theory.errors import HypothesisError, InputError


def _instance(seed, w, L=12):
    rng = np.random.default_rng(seed)
    X, Y = rng.normal(size=(L, w[0])), rng.normal(size=(L, w[-1]))
    ws = [
        [
            rng.normal(size=(w[1], w[0])) / np.sqrt(w[0]),
            rng.normal(size=(w[2], w[1])) / np.sqrt(w[1]),
        ]
        for _ in range(2)
    ]
    return X, Y, ws[0], ws[1]


@settings(max_examples=20, deadline=None)
@given(seed=seeds(), m=st.integers(1, 4), n=st.integers(1, 4), extra=st.integers(0, 2))
def test_balanced_factors(seed, m, n, extra):
    P = np.random.default_rng(seed).normal(size=(m, n))
    h = min(m, n) + extra
    W1, W2 = balanced_factors(P, h)
    np.testing.assert_allclose(W2 @ W1, P, atol=1e-12)
    np.testing.assert_allclose(W1 @ W1.T, W2.T @ W2, atol=1e-12)
    assert np.sum(W1**2) + np.sum(W2**2) == pytest.approx(2 * nuclear_norm(P), rel=1e-12)
    R = np.linalg.qr(np.random.default_rng(seed + 1).normal(size=(h, h)))[0]
    A1, A2 = align(R @ W1, W2 @ R.T, W1, W2)
    np.testing.assert_allclose(A1, W1, atol=1e-10)
    np.testing.assert_allclose(A2, W2, atol=1e-10)


@pytest.mark.parametrize("w", [[3, 4, 2], [2, 3, 4], [3, 5, 3], [1, 2, 1]])
@pytest.mark.parametrize("kappa", [0.05, 0.5])
def test_ridge_path(w, kappa):
    X, Y, wa, wb = _instance(sum(w), w)
    wa[0][:, 0] = 0.0  # a rank-deficient endpoint
    rp = connect_ridge(wa, wb, X, Y, kappa)
    E = DeepLinear(w, X, Y, kappa=kappa)
    assert np.max(np.abs(rp.path.start - flatten(wa))) <= 1e-12
    assert np.max(np.abs(rp.path.end - flatten(wb))) <= 1e-10
    bound = max(E.energy(flatten(wa)), E.energy(flatten(wb)))
    dense = E.energies(rp.path.points(np.linspace(0, 1, 2001)))
    assert dense.max() <= bound + 1e-9
    assert rp.nuclear_identity_error <= 1e-10
    for W1, W2 in rp.beads:  # balanced at every bead, product on the straight path
        np.testing.assert_allclose(W1 @ W1.T, W2.T @ W2, atol=1e-9)
    t = rp.bead_times[len(rp.beads) // 2]
    W1, W2 = rp.beads[len(rp.beads) // 2]
    np.testing.assert_allclose(W2 @ W1, (1 - t) * rp.P_a + t * rp.P_b, atol=1e-10)
    # the pre-processing is non-increasing: energy along the A-side pieces never rises
    for piece in rp.path.pieces[:3]:
        if piece.label.startswith("A"):
            es = E.energies(piece.points(np.linspace(0, 1, 101)))
            assert np.all(np.diff(es) <= 1e-12 * max(1.0, es[0]))
    assert detect_discontinuities(rp.P_a, rp.P_b, w[1], first=rp.beads[0]) == []


def test_balancing_reaches_the_nuclear_norm_and_is_stationary():
    X, Y, wa, _ = _instance(7, [3, 5, 2])
    bal = balancing_steps(*wa)
    W1, W2 = bal.end
    np.testing.assert_allclose(W2 @ W1, wa[1] @ wa[0], atol=1e-10)
    assert np.sum(W1**2) + np.sum(W2**2) == pytest.approx(2 * nuclear_norm(W2 @ W1), rel=1e-10)
    assert abs(bal.norm_derivative_at_one()) < 1e-10
    a, b = bal.convex_weights()
    assert np.all(a >= 0) and np.all(b >= 0)


def test_crossing_singular_values_naive_selection_jumps_aligned_does_not():
    """W̃(t) = diag(1 + t, 2 − t): σ_1 = σ_2 at t = 1/2. The sorted SVD swaps its vectors
    there (a jump that persists under refinement); the aligned selection is continuous."""
    Pa, Pb = np.diag([1.0, 2.0]), np.diag([2.0, 1.0])
    naive = detect_discontinuities(Pa, Pb, 3, selection="naive")
    assert len(naive) == 1 and naive[0]["t"] == pytest.approx(0.5, abs=1e-6)
    assert naive[0]["jump"] > 1.0
    assert detect_discontinuities(Pa, Pb, 3) == []


def test_rank_drop_is_continuous_not_a_jump():
    """Through a singular product the factors behave like √t: continuous, not Lipschitz."""
    Pa, Pb = np.diag([1.0, -1.0]), np.diag([1.0, 1.0])
    assert detect_discontinuities(Pa, Pb, 3) == []


@settings(max_examples=25, deadline=None)
@given(c=st.lists(st.floats(-5, 5, allow_nan=False), min_size=1, max_size=6))
def test_bernstein_bound_is_an_upper_bound(c):
    ub = bernstein_upper_bound(np.array(c))[0]
    ts = np.linspace(0, 1, 2001)
    assert np.polynomial.polynomial.polyval(ts, c).max() <= ub + 1e-9
    assert ub >= max(c[0], sum(c)) - 1e-9


@pytest.mark.parametrize("kappa", [0.05, 0.3])
def test_ridge_oracle_matches_singular_value_thresholding(kappa):
    """Whitened inputs (XᵀX/L = I): F(W) = ‖W − Σ_YX‖² + const, so the minimiser of
    F + 2κ‖W‖_* soft-thresholds the singular values of Σ_YX at κ."""
    rng = np.random.default_rng(int(kappa * 100))
    L, n, m = 12, 3, 4
    Q = np.linalg.qr(rng.normal(size=(L, n)))[0]
    X = Q * np.sqrt(L)
    Y = rng.normal(size=(L, m))
    C = Y.T @ X / L
    U, s, Vt = np.linalg.svd(C, full_matrices=False)
    W = (U * np.maximum(s - kappa, 0)) @ Vt
    E = DeepLinear([n, m], X, Y)
    expected = E.lifted_energy(W) + 2 * kappa * nuclear_norm(W)
    oracle = ridge_oracle(X, Y, kappa)
    assert oracle.value == pytest.approx(expected, rel=1e-6)
    np.testing.assert_allclose(oracle.product, W, atol=1e-4)


def test_square_factors_are_refused_and_fail_when_forced():
    rng = np.random.default_rng(0)
    h = 3
    X = rng.normal(size=(10, h))
    Y = X @ (np.eye(h) + 0.1 * rng.normal(size=(h, h))).T
    W1a = np.eye(h)
    W1b = np.diag([-1.0, 1.0, 1.0])
    P = np.linalg.lstsq(X, Y, rcond=None)[0].T
    wa, wb = [W1a, P @ np.linalg.inv(W1a)], [W1b, P @ np.linalg.inv(W1b)]
    with pytest.raises(HypothesisError) as info:
        connect_ridge(wa, wb, X, Y, 0.01)
    assert info.value.alternative == "bf16.linear.square-boundary" and "layer 1" in str(info.value)
    with pytest.raises(HypothesisError, match="determinant −1"):
        connect_ridge(wa, wb, X, Y, 0.01, enforce_hypothesis=False)


def test_bad_input():
    X, Y, wa, wb = _instance(0, [2, 3, 2])
    with pytest.raises(InputError, match="kappa"):
        connect_ridge(wa, wb, X, Y, 0.0)
    with pytest.raises(InputError, match="K = 2"):
        connect_ridge(wa + [np.eye(2)], wb + [np.eye(2)], X, Y, 0.1)
    with pytest.raises(InputError, match="widths"):
        connect_ridge(wa, [np.ones((4, 2)), np.ones((2, 4))], X, Y, 0.1)
    with pytest.raises(InputError, match="selection"):
        detect_discontinuities(np.eye(2), np.eye(2), 2, selection="sorted")
    with pytest.raises(InputError, match="kappa"):
        ridge_oracle(X, Y, -1.0)
