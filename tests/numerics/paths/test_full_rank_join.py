"""SO(h) paths and the full-column-rank join (sublevel.numerics.paths.full_rank_join)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm
from sublevel.numerics.paths.full_rank_join import FullRankJoin, _qr_special, so_log, so_path
from sublevel.numerics.strategies import seeds
from sublevel.theory.errors import InputError


@settings(max_examples=15, deadline=None)
@given(seed=seeds(), h=st.integers(2, 6), data=st.data())
def test_full_rank_join(seed, h, data):
    n = data.draw(st.integers(1, h - 1))
    rng = np.random.default_rng(seed)
    Wa, Wb = rng.normal(size=(h, n)), rng.normal(size=(h, n))
    Wb[:, 0] *= -1  # any orientation: the set of full-rank h × n matrices is connected
    join = FullRankJoin(Wa, Wb)
    s = np.linspace(0, 1, 301)
    W, Wp = join(s)
    np.testing.assert_allclose(W[0], Wa, atol=1e-12)
    np.testing.assert_allclose(W[-1], Wb, atol=1e-12)
    np.testing.assert_allclose(Wp @ W, np.broadcast_to(np.eye(n), (s.size, n, n)), atol=1e-9)
    assert np.min(np.linalg.svd(W, compute_uv=False)[:, -1]) > 0
    assert np.max(np.linalg.norm(np.diff(W, axis=0), axis=(1, 2))) < 0.2 * (
        1 + np.abs(Wa).max() + np.abs(Wb).max()
    )


@pytest.mark.parametrize("R", [np.diag([-1.0, -1.0, 1.0]), np.eye(4), np.diag([-1.0] * 4)])
def test_so_log_handles_minus_one_eigenvalues(R):
    Z, planes = so_log(R)
    path = so_path(np.eye(R.shape[0]), R)(np.linspace(0, 1, 5))
    np.testing.assert_allclose(path[-1], R, atol=1e-12)
    np.testing.assert_allclose(path[0], np.eye(R.shape[0]), atol=1e-12)
    for U in path:
        np.testing.assert_allclose(U.T @ U, np.eye(R.shape[0]), atol=1e-12)
        assert np.linalg.det(U) == pytest.approx(1.0)


@settings(max_examples=15, deadline=None)
@given(seed=seeds(), h=st.integers(2, 7))
def test_so_path_between_random_rotations(seed, h):
    rng = np.random.default_rng(seed)
    Q = [np.linalg.qr(rng.normal(size=(h, h)))[0] for _ in range(2)]
    Q = [q if np.linalg.det(q) > 0 else q @ np.diag([-1.0] + [1.0] * (h - 1)) for q in Q]
    path = so_path(Q[0], Q[1])(np.linspace(0, 1, 9))
    np.testing.assert_allclose(path[0], Q[0], atol=1e-10)
    np.testing.assert_allclose(path[-1], Q[1], atol=1e-10)
    with pytest.raises(InputError, match="det"):
        so_log(Q[0] @ np.diag([-1.0] + [1.0] * (h - 1)))


def test_so_path_columns_are_the_first_columns_of_the_full_path():
    rng = np.random.default_rng(4)
    Q = [np.linalg.qr(rng.normal(size=(5, 5)))[0] for _ in range(2)]
    for q in Q:  # into SO(5)
        if np.linalg.det(q) < 0:
            q[:, 0] *= -1.0
    us = np.linspace(0.0, 1.0, 7)
    full = so_path(Q[0], Q[1])(us)
    part = so_path(Q[0], Q[1], columns=2)(us)
    assert part.shape == (7, 5, 2)
    assert np.allclose(part, full[:, :, :2], atol=1e-14, rtol=0)


@settings(max_examples=30, deadline=None)
@given(seed=seeds(), h=st.integers(2, 7), data=st.data())
def test_qr_special_completes_to_a_rotation(seed, h, data):
    """W = QR, R upper triangular with diagonal ≥ 0, [Q, Q⊥] ∈ SO(h) — also for W with a zero
    column, a repeated column, or scaled by 1e±150."""
    n = data.draw(st.integers(1, h - 1))
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(h, n)) * data.draw(st.sampled_from([1.0, 1e-150, 1e150]))
    kind = data.draw(st.sampled_from(["generic", "zero column", "repeated column"]))
    if kind == "zero column":
        W[:, -1] = 0.0
    elif kind == "repeated column" and n > 1:
        W[:, 1] = W[:, 0]
    U, R = _qr_special(W)
    scale = max(1.0, float(np.abs(W).max()))
    np.testing.assert_allclose(U.T @ U, np.eye(h), atol=1e-13)
    assert np.linalg.det(U) == pytest.approx(1.0, abs=1e-12)
    assert np.array_equal(R, np.triu(R)) and np.all(np.diagonal(R) >= 0)
    np.testing.assert_allclose(U[:, :n] @ R, W, atol=1e-13 * scale, rtol=0)


@settings(max_examples=20, deadline=None)
@given(seed=seeds(), h=st.integers(2, 7))
def test_so_path_is_the_exponential_of_the_logarithm(seed, h):
    """Oracle: U(u) = U_a Z expm(u L) Zᵀ with L the block-skew matrix of so_log's planes
    (scipy's matrix exponential), at interior points and beyond [0, 1]."""
    rng = np.random.default_rng(seed)
    Q = [np.linalg.qr(rng.normal(size=(h, h)))[0] for _ in range(2)]
    Q = [q if np.linalg.det(q) > 0 else q @ np.diag([-1.0] + [1.0] * (h - 1)) for q in Q]
    Z, planes = so_log(Q[0].T @ Q[1])
    Lg = np.zeros((h, h))
    for i, j, angle in planes:
        Lg[j, i], Lg[i, j] = angle, -angle
    us = np.array([0.0, 0.3, 0.5, 1.0, 1.7])
    got = so_path(Q[0], Q[1])(us)
    for u, U in zip(us, got):
        np.testing.assert_allclose(U, Q[0] @ Z @ expm(u * Lg) @ Z.T, atol=1e-12)


def test_full_rank_join_refuses_bad_input_by_name():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(4, 2))
    bad = W.copy()
    bad[1, 1] = np.nan
    with pytest.raises(InputError, match="W_b has non-finite entries"):
        FullRankJoin(W, bad)
    with pytest.raises(InputError, match="two matrices of one shape"):
        FullRankJoin(W, rng.normal(size=(5, 2)))
    with pytest.raises(InputError, match="needs h > n"):
        FullRankJoin(W.T, W.T)
    with pytest.raises(InputError, match="W_a does not have full column rank"):
        FullRankJoin(np.zeros((4, 2)), W)
    join = FullRankJoin(W.astype(np.float32), W[::-1])  # any real dtype is taken as float64
    assert join(np.array([0.0]))[0].dtype == np.float64
