"""numerics.certify on landscapes with known answers (a convex quadratic, a double well)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from numerics.certify import certify_bounded, certify_path, certify_piece, certify_sampled
from numerics.landscape import Landscape
from numerics.paths import CONSTANT, LE_MAX_ENDPOINTS, NON_INCREASING, Path, Segment
from theory.errors import InputError


class Quadratic(Landscape):
    """E(θ) = ‖θ − c‖²: along a segment, a polynomial of degree 2 in t (exact certificates)."""

    def __init__(self, c):
        self.c = np.asarray(c, dtype=float)
        self.dim = self.c.size

    def _energies(self, thetas):
        return ((thetas - self.c) ** 2).sum(axis=1)

    def _energy_and_grad(self, theta):
        return float(((theta - self.c) ** 2).sum()), 2 * (theta - self.c)

    def energy_polynomial(self, a, b):
        d, r = b - a, a - self.c
        return [r @ r, 2 * r @ d, d @ d]


class DoubleWell(Landscape):
    """E(x, y) = (x² − 1)² + y²: ridge of height 1 at x = 0 (no polynomial capability)."""

    dim = 2

    def _energies(self, th):
        return (th[:, 0] ** 2 - 1) ** 2 + th[:, 1] ** 2

    def _energy_and_grad(self, th):
        x, y = th
        return (x * x - 1) ** 2 + y * y, np.array([4 * x * (x * x - 1), 2 * y])


vec = st.lists(st.floats(-3, 3, allow_nan=False), min_size=2, max_size=2)


@given(vec, vec, vec)
def test_convex_segment_is_certified_exactly(c, a, b):
    land = Quadratic(c)
    a, b = np.array(a), np.array(b)
    bound = max(land.energy(a), land.energy(b))
    cert = certify_piece(land, Segment(a, b), bound)
    assert cert.method == "exact" and cert.holds
    ts = np.linspace(0, 1, 201)
    dense = land.energies(Segment(a, b).points(ts)).max()
    assert cert.max_energy >= dense - 1e-9


def test_double_well_ridge_found_and_not_a_proof_when_sampled():
    land = DoubleWell()
    seg = Segment([-1.0, 0.0], [1.0, 0.0])
    cert = certify_piece(land, seg, 0.5)
    assert cert.method == "sampled" and not cert.holds and not cert.is_proof
    assert cert.max_energy == pytest.approx(1.0, abs=1e-12)
    assert cert.argmax_t == pytest.approx(0.5, abs=1e-6)


def test_bounded_certificate_is_an_upper_bound():
    land = DoubleWell()
    seg = Segment([-1.0, 0.0], [1.0, 0.0])
    f = lambda ts: land.energies(seg.points(ts))  # noqa: E731
    # along x = 2t − 1: E = ((2t−1)² − 1)², |E''| ≤ 8·4·... bound it generously by 200
    cert = certify_bounded(f, 1.2, smoothness=200.0, n_grid=101)
    assert cert.method == "bounded" and cert.holds and cert.max_energy >= 1.0
    assert not certify_bounded(f, 1.0, smoothness=200.0, n_grid=101).holds


def test_promises_are_checked_and_a_broken_one_is_named():
    land = Quadratic([0.0, 0.0])
    # constant energy on a circle arc would be curved; a segment tangent is not constant
    down = Segment([2.0, 0.0], [0.0, 0.0], label="descent", promise=NON_INCREASING)
    fake = Segment([1.0, 0.0], [0.0, 1.0], label="arc?", promise=CONSTANT)
    path = Path([down, Segment([0.0, 0.0], [1.0, 0.0], label="up", promise=LE_MAX_ENDPOINTS), fake])
    pc = certify_path(land, path, bound=4.0)
    assert all(c.method == "exact" for c in pc.all)
    by_label = {c.label: c for c in pc.promises}
    assert by_label["descent [non-increasing]"].holds
    assert not by_label["arc? [constant energy]"].holds
    assert not pc.holds


def test_sampled_reports_non_finite_energy():
    cert = certify_sampled(lambda ts: np.where(ts > 0.5, np.nan, 0.0), 1.0)
    assert not cert.holds and "non-finite" in cert.details["reason"]


def test_bad_input():
    land = Quadratic([0.0])
    with pytest.raises(InputError, match="method"):
        certify_piece(land, Segment([0.0], [1.0]), 1.0, method="guess")
    with pytest.raises(InputError, match="unknown tolerance"):
        certify_piece(land, Segment([0.0], [1.0]), 1.0, tolerances={"fuzz": 1.0})
    with pytest.raises(InputError, match="lipschitz or a smoothness"):
        certify_bounded(lambda t: t, 1.0)
    with pytest.raises(InputError, match="bound"):
        certify_path(land, Path([Segment([0.0], [1.0])]), float("nan"))
