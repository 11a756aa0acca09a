"""sublevel.numerics.kernels: closed forms of the ReLU kernel against Monte Carlo and each other, eq. (7)
of BF'16 Prop. 2.3 on every measure tried, and the paper's false follow-up inequalities."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics import kernels as K
from sublevel.theory.errors import InputError


def unit(v):
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v)


def test_arccos_kernel_closed_form_values():
    assert K.arccos_kernel(0.0) == pytest.approx(0.5)
    assert K.arccos_kernel(np.pi / 2) == pytest.approx(1 / (2 * np.pi))
    assert K.arccos_kernel(np.pi) == pytest.approx(0.0, abs=1e-16)
    assert K.arccos_kernel(1.0) == pytest.approx(0.31808, abs=1e-5)  # digest §3.4 (MC: 0.31854)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 5))
def test_gaussian_closed_form_with_identity_is_the_arccos_kernel(seed, n):
    rng = np.random.default_rng(seed)
    w1, w2 = unit(rng.normal(size=n)), unit(rng.normal(size=n))
    assert K.relu_kernel_gaussian(w1, w2) == pytest.approx(
        float(K.arccos_kernel(K.angle(w1, w2))), rel=1e-12, abs=1e-15
    )
    # homogeneity in each argument
    assert K.relu_kernel_gaussian(2 * w1, 3 * w2) == pytest.approx(
        6 * K.relu_kernel_gaussian(w1, w2)
    )


@pytest.mark.parametrize("seed", range(3))
def test_closed_forms_agree_with_monte_carlo(seed):
    rng = np.random.default_rng(seed)
    n = 3
    cov = K.random_covariance(rng, n)
    Xg = K.sample_gaussian(rng, 200_000, cov)
    Xb = K.sample_uniform_ball(rng, 200_000, n)
    w1, w2 = rng.normal(size=n), rng.normal(size=n)
    for X, exact in ((Xg, K.relu_kernel_gaussian(w1, w2, cov)), (Xb, K.relu_kernel_ball(w1, w2))):
        mean, se = K.relu_kernel_empirical(w1, w2, X)
        assert abs(mean - exact) <= 5 * se
    assert K.second_moment_norm(Xb) == pytest.approx(1 / (n + 2), rel=0.02)
    assert K.second_moment_norm(Xg) == pytest.approx(K.second_moment_norm(cov=cov), rel=0.03)


def test_eq7_holds_for_the_standard_gaussian_on_a_fine_grid():
    alpha = np.linspace(0, np.pi, 2001)
    kern = K.arccos_kernel(alpha)
    for a, k in zip(alpha, kern):
        lo, up = K.eq7_bounds(a, 0.5, 1.0)
        assert lo - 1e-15 <= k <= up + 1e-15


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 4), st.floats(0.0, np.pi * 0.999))
def test_eq7_holds_for_every_measure_tried(seed, n, alpha):
    """Anisotropic Gaussian (closed form), uniform ball (closed form), and the empirical measure
    of a small sample (exact): eq. (7) holds in each."""
    rng = np.random.default_rng(seed)
    u = unit(rng.normal(size=n))
    v = rng.normal(size=n)
    v = unit(v - (v @ u) * u)
    w2 = unit(np.cos(alpha) * u + np.sin(alpha) * v)
    cov = K.random_covariance(rng, n)
    X = rng.normal(size=(50, n)) * rng.uniform(0.5, 2, size=n)
    wm = K.bisector(u, w2)
    for kern, sigma in (
        (lambda a, b: K.relu_kernel_gaussian(a, b, cov), K.second_moment_norm(cov=cov)),
        (K.relu_kernel_ball, 1 / (n + 2)),
        (lambda a, b: K.relu_kernel_empirical(a, b, X)[0], K.second_moment_norm(X)),
    ):
        lo, up = K.eq7_bounds(K.angle(u, w2), kern(wm, wm), sigma)
        k = kern(u, w2)
        assert lo - 1e-12 <= k <= up + 1e-12


def test_followup_inequalities_are_false():
    alpha = np.linspace(1e-3, np.pi, 500)
    gaps = [K.followup_gap(float(K.arccos_kernel(a)), a, 0.5) for a in alpha]
    # (sin α − α cos α)/(2π) > 0 on (0, π]
    np.testing.assert_allclose(
        gaps, (np.sin(alpha) - alpha * np.cos(alpha)) / (2 * np.pi), atol=1e-15
    )
    assert min(gaps) > 0
    assert K.small_angle_gap(0.5, 0.0, 1.0) == pytest.approx(1 / 6)
    assert K.followup_gap(float(K.arccos_kernel(1.0)), 1.0, 0.5) == pytest.approx(
        0.318 - 0.270, abs=1e-3
    )


def test_bad_input():
    with pytest.raises(InputError):
        K.arccos_kernel(4.0)
    with pytest.raises(InputError):
        K.bisector([1.0, 0.0], [-1.0, 0.0])
    with pytest.raises(InputError):
        K.angle([0.0, 0.0], [1.0, 0.0])
    with pytest.raises(InputError):
        K.relu_kernel_gaussian([1.0, np.nan], [1.0, 0.0])
    with pytest.raises(InputError):
        K.relu_kernel_gaussian([1.0, 0.0], [1.0, 0.0], cov=[[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(InputError):
        K.relu_kernel_empirical([1.0, 0.0], [1.0, 0.0], np.zeros((1, 2)))
    with pytest.raises(InputError):
        K.random_covariance(np.random.default_rng(0), 0)
