"""sublevel.numerics.sphere, sphere_minima and sphere_critical: descent, Newton/mode-following critical points and de-duplication on S^{N−1}(r)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.energies.spin_glass import SpinGlass
from sublevel.numerics.sphere import Sphere, blas_threads, tangent_spectrum
from sublevel.numerics.sphere_critical import critical_points, deduplicate
from sublevel.numerics.sphere_minima import minimize, minimize_batch, minimize_many, sample_minima
from sublevel.theory.errors import InputError


class Quadratic:
    """E(x) = xᵀAx on R^N (a sphere landscape with a closed-form answer: eigenvectors)."""

    def __init__(self, A: np.ndarray):
        self.A = 0.5 * (A + A.T)
        self.dim = A.shape[0]

    def energy_and_grad(self, x):
        return float(x @ self.A @ x), 2 * self.A @ x

    def energies_and_grads(self, X):
        return np.einsum("ti,ij,tj->t", X, self.A, X), 2 * X @ self.A

    def hessians(self, X):
        return np.broadcast_to(2 * self.A, (X.shape[0],) + self.A.shape).copy()


def test_sphere_operations():
    s = Sphere(4, radius=2.0)
    x = s.random(5, 0)
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 2.0)
    v = np.random.default_rng(1).standard_normal((5, 4))
    np.testing.assert_allclose(np.sum(s.projection(x, v) * x, axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(s.retraction(x, v), axis=1), 2.0)
    np.testing.assert_allclose(s.overlap(x, x), 1.0)
    assert Sphere(9).radius == 3.0


@pytest.mark.parametrize("method", ["gd", "lbfgs"])
@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 1000), N=st.integers(2, 8))
def test_minimize_a_quadratic_form_finds_the_bottom_eigenvector(method, seed, N):
    A = np.random.default_rng(seed).standard_normal((N, N))
    q = Quadratic(A)
    w, V = np.linalg.eigh(q.A)
    res = minimize(q, np.random.default_rng(seed + 1).standard_normal(N), method=method, radius=1.5)
    assert res.converged and res.index == 0
    assert res.energy == pytest.approx(1.5**2 * w[0], rel=1e-9, abs=1e-9)
    assert abs(res.point @ V[:, 0]) == pytest.approx(1.5, rel=1e-6)
    assert res.min_eigenvalue == pytest.approx(2 * (w[1] - w[0]), rel=1e-6, abs=1e-9)


def test_minimize_spin_glass_reaches_a_local_minimum():
    sg = SpinGlass(20, 3, 0)
    for method in ("gd", "lbfgs"):
        res = minimize(sg, np.ones(20), method=method)
        assert res.is_minimum and res.grad_norm <= 1e-9
        assert np.linalg.norm(sg.riemannian_gradient(res.point)) / math.sqrt(20) <= 1e-9
        assert np.all(sg.tangent_hessian_eigenvalues(res.point) > 0)
        assert -2.0 < res.energy / 20 < -1.0
        np.testing.assert_allclose(res.point @ res.point, 20.0)
    runs = minimize_many(sg, np.eye(20)[:3] * 5)
    assert len(runs) == 3 and all(r.is_minimum for r in runs)


def test_minimize_batch_agrees_with_the_closed_form_and_the_single_runs():
    A = np.random.default_rng(3).standard_normal((6, 6))
    q = Quadratic(A)
    w, _ = np.linalg.eigh(q.A)
    starts = np.random.default_rng(4).standard_normal((9, 6))
    runs = minimize_batch(q, starts)
    assert all(r.is_minimum for r in runs)
    np.testing.assert_allclose([r.energy for r in runs], 6 * w[0], rtol=1e-9)
    sg = SpinGlass(25, 3, 7)
    starts = Sphere(25).random(10, 0)
    batch = minimize_batch(sg, starts)
    assert all(r.is_minimum for r in batch)
    single = [minimize(sg, x) for x in starts]
    # the same iteration: the same minimum from the same start (up to rare line-search splits)
    same = sum(abs(a.energy - b.energy) < 1e-8 for a, b in zip(batch, single))
    assert same >= 8
    sample = sample_minima(sg, 10, 0, method="lbfgs-batch")
    assert sample.n_minima == 10
    np.testing.assert_allclose(np.sort(sample.energies), np.sort([r.energy for r in batch]))


def test_tangent_spectrum_matches_the_landscape_method():
    sg = SpinGlass(7, 3, 1)
    x = sg.projected()
    pt = Sphere(7).random(1, 3)[0]
    np.testing.assert_allclose(
        tangent_spectrum(sg, pt), sg.tangent_hessian_eigenvalues(pt), atol=1e-10
    )
    assert x.dim == 7


def test_p2_critical_points_are_exactly_the_2N_eigenvectors():
    N = 9
    sg = SpinGlass(N, 2, 4)
    w, V = np.linalg.eigh(sg.S)
    for method in ("mode-following", "newton"):
        cp = critical_points(sg, 400, 0, method=method, antipodal=True)
        if method == "newton":
            assert len(cp) <= 2 * N  # plain Newton may miss some: never more than there are
            continue
        assert len(cp) == 2 * N
        assert np.bincount(cp.indices).tolist() == [2] * N
        np.testing.assert_allclose(np.sort(cp.energies), np.repeat(N * sg.scale * w, 2), atol=1e-9)
        assert cp.count(index=0) == 2 and cp.count(below=N * sg.scale * w[0] + 1e-9) == 2


def test_circle_critical_points_match_a_dense_grid():
    """N = 2: all critical points of H on the circle, against sign changes of dH/dθ."""
    th = np.linspace(0, 2 * np.pi, 8001)[:-1]
    X = math.sqrt(2) * np.stack([np.cos(th), np.sin(th)], axis=1)
    for s in range(12):
        sg = SpinGlass(2, 3, s)
        d = np.diff(sg.energies(np.vstack([X, X[:1]])))
        grid = int(np.sum(np.sign(d) != np.sign(np.roll(d, 1))))
        assert len(critical_points(sg, 64, s, antipodal=True)) == grid


def test_odd_p_critical_points_come_in_antipodal_pairs():
    N = 7
    sg = SpinGlass(N, 3, 2)
    cp = critical_points(sg, 700, 1)
    assert len(cp) > 10 and cp.n_converged > 0.5 * cp.n_starts
    assert cp.discovery == sorted(cp.discovery)
    for x, e, k in zip(cp.points, cp.energies, cp.indices):
        assert np.linalg.norm(sg.riemannian_gradient(-x)) <= 1e-8 * math.sqrt(N)
        assert sg.energy(-x) == pytest.approx(-e, rel=1e-10)
        assert sg.index(-x) == N - 1 - k
    # de-duplication by overlap: no two kept points with R > threshold
    R = cp.points @ cp.points.T / N
    np.fill_diagonal(R, 0.0)
    assert R.max() <= cp.overlap_threshold


def test_deduplicate_keeps_antipodes_and_first_occurrences():
    x = np.array([[1.0, 0.0], [0.0, 1.0], [0.99995, 0.01], [-1.0, 0.0]])
    assert deduplicate(x, 0.99, radius=1.0) == [0, 1, 3]


def test_sample_minima_counts_every_run():
    sg = SpinGlass(15, 3, 5)
    sample = sample_minima(sg, 6, 0)
    assert sample.n_starts == 6 and len(sample.iterations) == 6
    assert sample.n_minima + sample.n_saddles == sample.n_converged <= 6 and sample.n_minima >= 1
    assert sample.points.shape == (sample.n_minima, 15)
    for x, e in zip(sample.points, sample.energies):
        assert sg.energy(x) == pytest.approx(e) and sg.index(x) == 0


def test_blas_threads_context():
    with blas_threads(1):
        assert np.ones((3, 3)) @ np.ones(3) == pytest.approx(np.full(3, 3.0))
    with blas_threads(None):
        pass


@pytest.mark.parametrize(
    "call, text",
    [
        (lambda: Sphere(1), "N = 1"),
        (lambda: Sphere(3, radius=-1.0), "radius = -1.0"),
        (lambda: Sphere(3).random(2, 1.5), "seed = 1.5"),
        (lambda: Sphere(3).project(np.zeros(3)), "origin"),
        (lambda: minimize(SpinGlass(4, 3, 0), np.ones(4), method="adam"), "'adam'"),
        (lambda: minimize(SpinGlass(4, 3, 0), np.ones(4), gtol=0.0), "gtol = 0.0"),
        (lambda: minimize(SpinGlass(4, 3, 0), np.ones(4), max_iter=0), "max_iter = 0"),
        (lambda: minimize(SpinGlass(4, 3, 0), np.ones(5)), "(5,)"),
        (lambda: minimize(SpinGlass(4, 3, 0), np.array([1.0, np.nan, 0, 0])), "non-finite"),
        (lambda: critical_points(SpinGlass(4, 3, 0), 0, 0), "n_starts = 0"),
        (
            lambda: critical_points(SpinGlass(4, 3, 0), 5, 0, overlap_threshold=1.0),
            "overlap_threshold",
        ),
        (lambda: critical_points(SpinGlass(4, 3, 0), 5, 0, method="bfgs"), "'bfgs'"),
        (lambda: sample_minima(SpinGlass(4, 3, 0), 0, 0), "n_starts = 0"),
        (lambda: minimize_many(SpinGlass(4, 3, 0), np.ones(4)), "(4,)"),
        (lambda: deduplicate(np.ones(3)), "(3,)"),
        (lambda: minimize_batch(SpinGlass(4, 3, 0), np.ones((2, 5))), "(2, 5)"),
        (lambda: minimize_batch(SpinGlass(4, 3, 0), np.ones((2, 4)), gtol=-1.0), "gtol = -1.0"),
    ],
)
def test_bad_input_is_an_input_error_naming_the_value(call, text):
    with pytest.raises(InputError) as err:
        call()
    assert text in str(err.value)
    assert "\n" not in str(err.value)
