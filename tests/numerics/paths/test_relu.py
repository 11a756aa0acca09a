"""sublevel.numerics.paths.relu: lasso, unit rows, compression, the six-part path of Theorem 2.4, the
two-unit lower bound, the free-unit swap, genericity and the width study."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.certify_relu import certify_relu_path, certify_relu_promise
from sublevel.numerics.energies.relu import TwoLayerReLU
from sublevel.numerics.paths import relu as R
from sublevel.numerics.paths.base import CONSTANT, LE_BOUND
from sublevel.theory.errors import HypothesisError, InputError


# ---------------------------------------------------------------------------------- lasso
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
    fit = R.lasso(Z, y, kappa)
    assert fit.gap <= 1e-9 * max(1.0, fit.objective)
    g = (2 / L) * Z.T @ (Z @ fit.coef - y)  # KKT: |g_j| ≤ κ, = −κ sign(γ_j) on the support
    assert np.all(np.abs(g) <= kappa * (1 + 1e-5) + 1e-8)
    on = fit.coef != 0
    np.testing.assert_allclose(g[on], -kappa * np.sign(fit.coef[on]), atol=1e-6 * max(1, kappa))


def test_lasso_matches_scikit_learn():
    from sklearn.linear_model import Lasso

    rng = np.random.default_rng(0)
    Z, y, kappa = rng.normal(size=(60, 8)), rng.normal(size=60), 0.05
    fit = R.lasso(Z, y, kappa)
    # sklearn: (1/(2L))‖y − Zγ‖² + α‖γ‖₁ = ½·ours with α = κ/2
    ref = Lasso(alpha=kappa / 2, fit_intercept=False, tol=1e-14, max_iter=100_000).fit(Z, y)
    np.testing.assert_allclose(fit.coef, ref.coef_, atol=1e-7)


def test_lasso_edge_cases():
    y = np.arange(4.0)
    assert R.lasso(np.zeros((4, 0)), y, 0.1).objective == pytest.approx(np.mean(y**2))
    assert np.all(R.lasso(np.zeros((4, 2)), y, 0.1).coef == 0)
    ls = R.lasso(np.eye(4)[:, :2], y, 0.0)
    np.testing.assert_allclose(ls.coef, [0.0, 1.0])
    with pytest.raises(InputError):
        R.lasso(np.zeros((3, 2)), y, 0.1)
    with pytest.raises(InputError):
        R.lasso(np.zeros((4, 2)), y, -1.0)


# ---------------------------------------------------------------------------------- networks
def teacher_land(seed: int = 0, n: int = 2, L: int = 40, m: int = 8, l1: float = 1e-3):
    rng = np.random.default_rng(seed)
    X, y, _, _ = R.teacher_data(rng, n, L, 3)
    return TwoLayerReLU(X, y, m, l1=l1), rng


def test_unit_rows_keep_the_function():
    land, rng = teacher_land()
    th = rng.normal(size=land.dim) * 3
    u = R.to_unit_rows(land, th)
    np.testing.assert_allclose(R.row_norms(land, u), 1.0)
    np.testing.assert_allclose(land.outputs(u), land.outputs(th), atol=1e-12)


def test_training_lowers_the_energy_and_keeps_unit_rows():
    land, rng = teacher_land()
    th0 = R.to_unit_rows(land, rng.normal(size=land.dim))
    th = R.fit_network(land, rng, theta0=th0, maxiter=100)
    np.testing.assert_allclose(R.row_norms(land, th), 1.0, atol=1e-12)
    assert land.energy(th) < land.energy(th0)


def test_refit_second_layer_is_the_best_for_the_first_layer():
    land, rng = teacher_land()
    th = R.to_unit_rows(land, R.fit_network(land, rng, maxiter=50))
    refit, fit = R.refit_second_layer(land, th)
    assert land.energy(refit) <= land.energy(th) + 1e-12
    assert land.energy(refit) == pytest.approx(fit.objective, rel=1e-10)


@pytest.mark.parametrize("alpha", [0.3, 0.8])
def test_compression_respects_the_angle_and_frees_l_units(alpha):
    land, rng = teacher_land(m=10)
    th = R.to_unit_rows(land, rng.normal(size=land.dim))
    for ell in (1, 3):
        c = R.compress(land, th, ell, alpha)
        if c is None:
            continue
        assert c.freed.size == ell and c.kept.size == land.m - ell
        assert c.max_angle <= alpha + 1e-12
        assert np.all(c.gamma[c.freed] == 0)
        np.testing.assert_allclose(np.linalg.norm(c.rows, axis=1), 1.0)
        theta = R._theta(land, c.rows, c.gamma)
        assert land.energy(theta) == pytest.approx(c.value, rel=1e-9, abs=1e-12)
    assert R.compress(land, th, land.m - 1, 1e-6) is None  # nothing merges within a tiny angle


def test_compression_rejects_rows_off_the_sphere():
    land, rng = teacher_land()
    with pytest.raises(HypothesisError):
        R.compress(land, rng.normal(size=land.dim) * 5, 1, 0.5)


# ---------------------------------------------------------------------------------- Theorem 2.4
@pytest.fixture(scope="module")
def six_part():
    land, rng = teacher_land(seed=3, m=8)
    tA = R.to_unit_rows(land, R.fit_network(land, rng, maxiter=150))
    tB = R.to_unit_rows(land, R.fit_network(land, rng, maxiter=150))
    return land, tA, tB, R.six_part_path(land, tA, tB, rng, oracle_restarts=1, oracle_maxiter=150)


def test_six_part_path_joins_the_endpoints_and_stays_below_its_bound(six_part):
    land, tA, tB, sp = six_part
    np.testing.assert_array_equal(sp.path.start, tA)
    np.testing.assert_array_equal(sp.path.end, tB)
    labels = " ".join(sp.path.labels())
    for step in ("(1)", "(2)", "(3)", "(4)", "(5)", "(6)"):
        assert step in labels
    q = sp.quantities
    assert q["bound"] == max(q["lambda"], q["epsilon"])
    assert q["epsilon"] >= max(q["e_l"], q["delta_A_m0"], q["delta_B_ml_alpha"])
    pc = certify_relu_path(land, sp.path, sp.bound)
    # segments are rigorous; promises decided by structure (convex, constant) are exact
    assert pc.holds and all(c.method in ("rigorous", "exact") for c in pc.all)
    assert all(c.method == "rigorous" for c in pc.pieces)
    dense = land.energies(sp.path.points(np.linspace(0, 1, 4001))).max()
    assert dense <= max(c.max_energy_enclosure[1] for c in pc.pieces)


def test_constant_steps_really_are_constant(six_part):
    land, _, _, sp = six_part
    for piece in sp.path.pieces:
        if piece.promise == CONSTANT:
            e = land.segment_energies(piece.a, piece.b, np.linspace(0, 1, 101))
            assert np.ptp(e) <= 1e-10 * max(1.0, abs(e[0]))


def test_rotation_steps_respect_the_explicit_bub2_bound(six_part):
    land, _, _, sp = six_part
    for piece, bound in zip(sp.path.pieces, sp.piece_bounds):
        if piece.promise == LE_BOUND:
            assert bound is not None
            assert land.segment_energies(piece.a, piece.b, np.linspace(0, 1, 501)).max() <= bound


def test_six_part_path_needs_unit_rows():
    land, rng = teacher_land()
    a, b = rng.normal(size=land.dim), rng.normal(size=land.dim)
    with pytest.raises(HypothesisError):
        R.six_part_path(land, a, b, rng)
    vec = TwoLayerReLU(land.X, np.c_[land.Y, land.Y], 4)
    with pytest.raises(HypothesisError):
        R.six_part_path(vec, np.zeros(vec.dim), np.zeros(vec.dim), rng)


def test_paper_c1_alpha_needs_kappa():
    land, _ = teacher_land(l1=0.0)
    assert R.c1_alpha_paper(land, 0.1) == float("inf")
    land, _ = teacher_land(l1=0.01)
    assert R.c1_alpha_paper(land, 0.2) > R.c1_alpha_paper(land, 0.1) > 0


# ---------------------------------------------------------------------------------- disconnection
def two_cluster(seed: int, spread: float = 0.5, L: int = 120):
    rng = np.random.default_rng(seed)
    Z = rng.choice([-1.0, 1.0], size=L)
    X = np.stack([Z, np.zeros(L)], 1) + spread * rng.normal(size=(L, 2))
    W = np.array([[1.0, 1.0], [-1.0, 1.0]]) / np.sqrt(2)
    return X, np.maximum(X @ W.T, 0).sum(axis=1)


@pytest.mark.parametrize("seed", range(3))
def test_rank_one_bound_is_below_every_rank_one_network(seed):
    X, y = two_cluster(seed)
    rb = R.rank_one_lower_bound(X, y)
    assert 0 < rb.value <= rb.sampled_min
    rng = np.random.default_rng(seed)
    land = TwoLayerReLU(X, y, 2, hidden_bias=False)
    for _ in range(200):  # random rank-one first layers with random output weights
        v = rng.normal(size=2)
        W = np.stack([v, rng.normal() * v])
        th = land.flatten(W, None, rng.normal(size=(1, 2)) * 2)
        assert land.energy(th) >= rb.value - 1e-12


def test_rank_one_bound_is_tight_against_the_sampled_minimum():
    X, y = two_cluster(0)
    rb = R.rank_one_lower_bound(X, y)
    assert rb.value >= 0.95 * rb.sampled_min


def test_rank_one_bound_rejects_bad_input():
    with pytest.raises(InputError):
        R.rank_one_lower_bound(np.zeros((3, 3)), np.zeros(3))
    with pytest.raises(InputError):
        R.rank_one_lower_bound(np.full((3, 2), np.nan), np.zeros(3))


def test_swap_via_free_unit_is_a_constant_path_to_the_permutation():
    rng = np.random.default_rng(1)
    land = TwoLayerReLU(rng.normal(size=(30, 2)), rng.normal(size=30), 3)
    th = rng.normal(size=land.dim)
    P = land.unflatten(th)
    U = P.U.copy()
    U[0, 2] = 0.0
    th = land.flatten(P.W, P.b, U)
    path = R.swap_via_free_unit(land, th, 0, 1, 2)
    np.testing.assert_array_equal(path.end, land.permute(th, [1, 0, 2]))
    for piece in path.pieces:
        assert certify_relu_promise(land, piece).holds
    with pytest.raises(HypothesisError):
        R.swap_via_free_unit(land, land.flatten(P.W, P.b, P.U + 1), 0, 1, 2)


def test_genericity_detects_each_failure():
    land = TwoLayerReLU(np.zeros((1, 2)), np.zeros(1), 3)
    W = np.array([[1.0, 0.5], [-0.25, 1.0], [0.75, 0.75]])
    b = np.array([0.5, -1.0, 0.25])
    u = np.array([1.0, -0.5, 2.0])
    assert R.check_genericity(land, land.flatten(W, b, u[None])).holds
    dup = W.copy()
    dup[1] = 2 * W[0]
    g = R.check_genericity(land, land.flatten(dup, np.array([0.5, 1.0, 0.25]), u[None]))
    assert not g.holds and any("(G2)" in f for f in g.failures)
    # Σ_J u_j w_j = 0 for J = {0, 1}: u_0 w_0 = −u_1 w_1
    W3 = np.array([[1.0, 0.5], [2.0, 1.0], [0.75, -0.75]])
    g3 = R.check_genericity(
        land, land.flatten(W3, np.array([0.0, 1.0, 0.25]), np.array([[1.0, -0.5, 1.0]]))
    )
    assert not g3.holds and any("(G3)" in f for f in g3.failures)
    zero = u.copy()
    zero[2] = 0.0
    assert any(
        "(G1)" in f for f in R.check_genericity(land, land.flatten(W, b, zero[None])).failures
    )
    assert R.check_genericity(land, land.flatten(W, b, u[None])).components_lower_bound == 6


# ---------------------------------------------------------------------------------- widths
def test_fit_exponent_recovers_a_power_law():
    w = np.array([4, 8, 16, 32])
    assert R.fit_exponent(w, 3 * w**-0.5) == pytest.approx(-0.5)
    with pytest.raises(InputError):
        R.fit_exponent([4], [1.0])


def test_width_study_and_its_plot(tmp_path):
    st_ = R.width_study(0, n=2, widths=[4, 8], samples=30, teacher=2, l1=1e-3, maxiter=60)
    assert len(st_.levels) == 2 and all(
        lv >= e - 1e-12 for lv, e in zip(st_.levels, st_.endpoint_max)
    )
    assert all(c.is_proof for c in st_.certificates)
    fixed = R.width_study(
        0, n=2, widths=[4, 8], samples=30, teacher=2, l1=1e-3, maxiter=60, fixed_width=4
    )
    assert fixed.levels[0] == fixed.levels[1] and abs(fixed.exponent) < 1e-12
    out = R.plot_width_study([st_], tmp_path / "width.png")
    assert out.exists() and out.stat().st_size > 1000
    with pytest.raises(InputError):
        R.plot_width_study([st_], tmp_path / "missing" / "w.png")
    with pytest.raises(InputError):
        R.width_study(0, n=2, widths=[4, 4], samples=30, teacher=2, l1=1e-3)


def test_zero_level_components_needs_a_generic_teacher():
    land = TwoLayerReLU(np.zeros((1, 2)), np.zeros(1), 3)
    W = np.array([[1.0, 0.5], [-0.25, 1.0], [0.75, 0.75]])
    b = np.array([0.5, -1.0, 0.25])
    u = np.array([[1.0, -0.5, 2.0]])
    assert R.zero_level_components(land, land.flatten(W, b, u)) == 6
    dup = W.copy()
    dup[1], b2 = W[0], b.copy()
    b2[1] = b[0]
    with pytest.raises(HypothesisError, match="not generic"):
        R.zero_level_components(land, land.flatten(dup, b2, u))
