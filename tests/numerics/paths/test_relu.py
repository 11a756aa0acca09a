"""sublevel.numerics.paths.relu and the pieces it is built from: unit rows and training
(relu_networks), compression (relu_compression), the six-part path of Theorem 2.4."""

from __future__ import annotations

import numpy as np
import pytest
from sublevel.numerics.certify_relu import certify_relu_path
from sublevel.numerics.energies.relu import TwoLayerReLU
from sublevel.numerics.paths.base import CONSTANT, LE_BOUND
from sublevel.numerics.paths.relu import c1_alpha_paper, six_part_path
from sublevel.numerics.paths.relu_compression import compress
from sublevel.numerics.paths.relu_networks import (
    _theta,
    fit_network,
    refit_second_layer,
    row_norms,
    teacher_data,
    to_unit_rows,
)
from sublevel.theory.errors import HypothesisError


# ---------------------------------------------------------------------------------- networks
def teacher_land(seed: int = 0, n: int = 2, L: int = 40, m: int = 8, l1: float = 1e-3):
    rng = np.random.default_rng(seed)
    X, y, _, _ = teacher_data(rng, n, L, 3)
    return TwoLayerReLU(X, y, m, l1=l1), rng


def test_unit_rows_keep_the_function():
    land, rng = teacher_land()
    th = rng.normal(size=land.dim) * 3
    u = to_unit_rows(land, th)
    np.testing.assert_allclose(row_norms(land, u), 1.0)
    np.testing.assert_allclose(land.outputs(u), land.outputs(th), atol=1e-12)


def test_training_lowers_the_energy_and_keeps_unit_rows():
    land, rng = teacher_land()
    th0 = to_unit_rows(land, rng.normal(size=land.dim))
    th = fit_network(land, rng, theta0=th0, maxiter=100)
    np.testing.assert_allclose(row_norms(land, th), 1.0, atol=1e-12)
    assert land.energy(th) < land.energy(th0)


def test_refit_second_layer_is_the_best_for_the_first_layer():
    land, rng = teacher_land()
    th = to_unit_rows(land, fit_network(land, rng, maxiter=50))
    refit, fit = refit_second_layer(land, th)
    assert land.energy(refit) <= land.energy(th) + 1e-12
    assert land.energy(refit) == pytest.approx(fit.objective, rel=1e-10)


@pytest.mark.parametrize("alpha", [0.3, 0.8])
def test_compression_respects_the_angle_and_frees_l_units(alpha):
    land, rng = teacher_land(m=10)
    th = to_unit_rows(land, rng.normal(size=land.dim))
    for ell in (1, 3):
        c = compress(land, th, ell, alpha)
        if c is None:
            continue
        assert c.freed.size == ell and c.kept.size == land.m - ell
        assert c.max_angle <= alpha + 1e-12
        assert np.all(c.gamma[c.freed] == 0)
        np.testing.assert_allclose(np.linalg.norm(c.rows, axis=1), 1.0)
        theta = _theta(land, c.rows, c.gamma)
        assert land.energy(theta) == pytest.approx(c.value, rel=1e-9, abs=1e-12)
    assert compress(land, th, land.m - 1, 1e-6) is None  # nothing merges within a tiny angle


def test_compression_rejects_rows_off_the_sphere():
    land, rng = teacher_land()
    with pytest.raises(HypothesisError):
        compress(land, rng.normal(size=land.dim) * 5, 1, 0.5)


# ---------------------------------------------------------------------------------- Theorem 2.4
@pytest.fixture(scope="module")
def six_part():
    land, rng = teacher_land(seed=3, m=8)
    tA = to_unit_rows(land, fit_network(land, rng, maxiter=150))
    tB = to_unit_rows(land, fit_network(land, rng, maxiter=150))
    return land, tA, tB, six_part_path(land, tA, tB, rng, oracle_restarts=1, oracle_maxiter=150)


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
        six_part_path(land, a, b, rng)
    vec = TwoLayerReLU(land.X, np.c_[land.Y, land.Y], 4)
    with pytest.raises(HypothesisError):
        six_part_path(vec, np.zeros(vec.dim), np.zeros(vec.dim), rng)


def test_paper_c1_alpha_needs_kappa():
    land, _ = teacher_land(l1=0.0)
    assert c1_alpha_paper(land, 0.1) == float("inf")
    land, _ = teacher_land(l1=0.01)
    assert c1_alpha_paper(land, 0.2) > c1_alpha_paper(land, 0.1) > 0
