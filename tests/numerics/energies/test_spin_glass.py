"""sublevel.numerics.energies.spin_glass: H_{N,p} by tensor contraction, the sphere, projections."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.conformance import check_landscape
from sublevel.numerics.energies.spin_glass import (
    SphereProjected,
    SpinGlass,
    covariance_estimate,
    project_to_sphere,
    random_on_sphere,
    symmetrise,
    tangent_basis,
)
from sublevel.theory.errors import InputError


def _brute_energy(J: np.ndarray, sigma: np.ndarray) -> float:
    """N^{−(p−1)/2} Σ J σ⋯σ by einsum on the raw (unsymmetrised) couplings."""
    p, N = J.ndim, J.shape[0]
    letters = "abcdefgh"[:p]
    expr = letters + "," + ",".join(letters) + "->"
    return float(np.einsum(expr, J, *([sigma] * p)) * N ** (-(p - 1) / 2))


@pytest.mark.parametrize("p", [2, 3, 4])
def test_symmetrise_is_the_average_over_all_permutations(p):
    J = np.random.default_rng(p).standard_normal((3,) * p)
    brute = sum(
        np.transpose(J, perm) for perm in itertools.permutations(range(p))
    ) / math.factorial(p)
    S = symmetrise(J)
    np.testing.assert_allclose(S, brute, atol=1e-14)
    for perm in itertools.permutations(range(p)):
        np.testing.assert_allclose(np.transpose(S, perm), S, atol=1e-14)


@settings(max_examples=12, deadline=None)
@given(p=st.integers(2, 4), N=st.integers(2, 7), seed=st.integers(0, 10_000))
def test_energy_equals_the_unsymmetrised_sum(p, N, seed):
    sg = SpinGlass(N, p, seed)
    J = np.random.default_rng(seed).standard_normal((N,) * p)  # the documented draw
    x = np.random.default_rng(seed + 1).standard_normal(N)
    assert sg.energy(x) == pytest.approx(_brute_energy(J, x), rel=1e-12, abs=1e-12)


@settings(max_examples=12, deadline=None)
@given(p=st.integers(2, 4), N=st.integers(2, 9), seed=st.integers(0, 10_000))
def test_gradient_and_hessian_against_finite_differences(p, N, seed):
    sg = SpinGlass(N, p, seed)
    x = random_on_sphere(N, 1, seed)[0]
    e, g = sg.energy_and_grad(x)
    h = 1e-6
    eye = np.eye(N)
    fd = np.array(
        [(sg.energy(x + h * eye[i]) - sg.energy(x - h * eye[i])) / (2 * h) for i in range(N)]
    )
    np.testing.assert_allclose(g, fd, atol=1e-7 * max(1.0, np.abs(g).max()))
    H = sg.hessian(x)
    fdH = np.array(
        [(sg.grad(x + h * eye[i]) - sg.grad(x - h * eye[i])) / (2 * h) for i in range(N)]
    )
    np.testing.assert_allclose(H, fdH, atol=1e-6 * max(1.0, np.abs(H).max()))
    np.testing.assert_allclose(H, H.T, atol=1e-12)
    assert g @ x == pytest.approx(p * e, rel=1e-10, abs=1e-10)  # Euler: ⟨∇H, σ⟩ = pH


@pytest.mark.parametrize("p", [2, 3, 4])
def test_batched_methods_equal_pointwise(p):
    sg = SpinGlass(6, p, 3)
    X = np.random.default_rng(0).standard_normal((7, 6))
    E = sg.energies(X)
    E2, G = sg.energies_and_grads(X)
    Hs = sg.hessians(X)
    for t in range(7):
        e, g = sg.energy_and_grad(X[t])
        assert E[t] == pytest.approx(e, rel=1e-12, abs=1e-12)
        assert E2[t] == pytest.approx(e, rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(G[t], g, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(Hs[t], sg.hessian(X[t]), rtol=1e-12, atol=1e-12)


def test_batched_energies_are_chunked_consistently(monkeypatch):
    from sublevel.numerics.energies import spin_glass as mod

    sg = SpinGlass(8, 3, 1)
    X = np.random.default_rng(1).standard_normal((50, 8))
    full = sg.energies(X)
    monkeypatch.setattr(mod, "CHUNK_ENTRIES", 64)  # 1 point per chunk
    np.testing.assert_allclose(sg.energies(X), full, rtol=1e-13, atol=1e-13)


@settings(max_examples=15, deadline=None)
@given(p=st.integers(2, 5), seed=st.integers(0, 1000))
def test_parity_under_sigma_to_minus_sigma(p, seed):
    sg = SpinGlass(5, p, seed)
    x = random_on_sphere(5, 1, seed)[0]
    assert sg.energy(-x) == pytest.approx((-1) ** p * sg.energy(x), rel=1e-12, abs=1e-12)


@settings(max_examples=12, deadline=None)
@given(p=st.integers(2, 4), N=st.integers(3, 8), seed=st.integers(0, 1000))
def test_riemannian_gradient_is_tangent_and_hessian_is_the_geodesic_second_derivative(p, N, seed):
    sg = SpinGlass(N, p, seed)
    rng = np.random.default_rng(seed + 12345)
    x = random_on_sphere(N, 1, seed)[0]
    rg = sg.riemannian_gradient(x)
    assert abs(rg @ x) <= 1e-10 * max(1.0, np.linalg.norm(rg)) * math.sqrt(N)
    RH = sg.riemannian_hessian(x)
    np.testing.assert_allclose(RH @ x, 0.0, atol=1e-10 * max(1.0, np.abs(RH).max()))
    # d²/dt² H(cos t σ + sin t √N v) at 0 = N vᵀ Hess_sph v, v a unit tangent vector
    v = rng.standard_normal(N)
    v -= (v @ x) / N * x
    v /= np.linalg.norm(v)
    h = 1e-4

    def along(t):
        return sg.energy(math.cos(t) * x + math.sin(t) * math.sqrt(N) * v)

    second = (along(h) - 2 * along(0.0) + along(-h)) / h**2
    assert second == pytest.approx(N * v @ RH @ v, rel=1e-4, abs=1e-4)
    # first derivative along the geodesic = √N ⟨grad_sph, v⟩
    first = (along(h) - along(-h)) / (2 * h)
    assert first == pytest.approx(math.sqrt(N) * rg @ v, rel=1e-6, abs=1e-6)
    ev = sg.tangent_hessian_eigenvalues(x)
    assert ev.shape == (N - 1,)
    full = np.linalg.eigvalsh(RH)
    # the full N × N operator has the tangent spectrum plus one 0 (the normal direction)
    np.testing.assert_allclose(
        np.sort(np.append(ev, 0.0)), full, atol=1e-9 * max(1.0, np.abs(full).max())
    )


def test_tangent_basis_is_orthonormal_and_orthogonal_to_sigma():
    for s in range(5):
        x = random_on_sphere(6, 1, s)[0]
        if s == 0:
            x = -np.abs(x)  # exercise both reflection branches
        Q = tangent_basis(x)
        np.testing.assert_allclose(Q.T @ Q, np.eye(5), atol=1e-13)
        np.testing.assert_allclose(Q.T @ x, 0.0, atol=1e-12)


def test_index_of_a_quadratic_form_is_its_eigenvector_rank():
    """p = 2: at the j-th eigenvector (ascending) of S the index is j (S has distinct eigenvalues)."""
    sg = SpinGlass(6, 2, 0)
    w, V = np.linalg.eigh(sg.S)
    for j in range(6):
        sigma = math.sqrt(6) * V[:, j]
        assert np.linalg.norm(sg.riemannian_gradient(sigma)) < 1e-10
        assert sg.index(sigma) == j
        assert sg.energy_per_spin(sigma) == pytest.approx(sg.scale * w[j], rel=1e-12)


def test_covariance_is_N_R_to_the_p_by_monte_carlo():
    for p in (2, 3):
        cov = covariance_estimate(6, p, [1.0, 0.5, 0.0, -0.7], 600, seed=p)
        assert max(abs(z) for z in cov["z"]) < 4.5, cov
        assert cov["theory"] == pytest.approx([1.0, 0.5**p, 0.0, (-0.7) ** p])


def test_covariance_detects_a_wrong_normalisation():
    def wrong(seed):  # couplings symmetrised with unit variance: Var H = p!·N
        J = np.random.default_rng(seed).standard_normal((6, 6, 6))
        return SpinGlass.from_couplings(symmetrise(J) * math.sqrt(6))

    cov = covariance_estimate(6, 3, [1.0], 300, seed=0, disorder=wrong)
    assert cov["z"][0] > 10 and cov["estimate"][0] == pytest.approx(6.0, rel=0.3)


def test_expected_number_of_critical_points_on_the_circle():
    """N = 2: E #critical points of H on the circle = 2√(3p − 2) (real eigenvectors of a Kostlan
    binary form, Draisma & Horobeţ 2016 [M]; ±v both counted) — sign changes of dH/dθ on a fine
    grid, averaged over disorders."""
    th = np.linspace(0, 2 * np.pi, 4001)[:-1]
    X = math.sqrt(2) * np.stack([np.cos(th), np.sin(th)], axis=1)
    for p in (3, 4):
        counts = []
        for s in range(1500):
            d = np.diff(SpinGlass(2, p, s).energies(np.vstack([X, X[:1]])))
            counts.append(int(np.sum(np.sign(d) != np.sign(np.roll(d, 1)))))
        counts = np.array(counts)
        se = counts.std(ddof=1) / math.sqrt(counts.size)
        assert abs(counts.mean() - 2 * math.sqrt(3 * p - 2)) < 4.5 * se


def test_off_sphere_points_are_rejected_by_the_sphere_methods_only():
    sg = SpinGlass(5, 3, 0)
    x = random_on_sphere(5, 1, 0)[0]
    assert sg.energy(2 * x) == pytest.approx(8 * sg.energy(x))  # the polynomial, documented
    for method in (
        sg.riemannian_gradient,
        sg.riemannian_hessian,
        sg.tangent_hessian_eigenvalues,
        sg.index,
        sg.energy_per_spin,
    ):
        with pytest.raises(InputError, match=r"off the sphere: ‖sigma‖²/N = 4"):
            method(2 * x)
    assert sg.riemannian_gradient(x * (1 + 1e-10)).shape == (5,)  # within sphere_tol


def test_determinism_and_seed_dependence():
    x = random_on_sphere(7, 3, 0)
    np.testing.assert_array_equal(SpinGlass(7, 3, 11).energies(x), SpinGlass(7, 3, 11).energies(x))
    assert not np.allclose(SpinGlass(7, 3, 11).energies(x), SpinGlass(7, 3, 12).energies(x))
    np.testing.assert_array_equal(random_on_sphere(7, 3, 0), x)
    np.testing.assert_allclose(np.sum(x * x, axis=1), 7.0)


@pytest.mark.parametrize(
    "call, text",
    [
        (lambda: SpinGlass(1, 3, 0), "N = 1"),
        (lambda: SpinGlass(5, 1, 0), "p = 1"),
        (lambda: SpinGlass(5, 2.5, 0), "p = 2.5"),
        (lambda: SpinGlass(5, 3, 1.5), "seed = 1.5"),
        (lambda: SpinGlass(5, 3, -1), "seed = -1"),
        (lambda: SpinGlass(5, 3, True), "seed = True"),
        (lambda: SpinGlass(5, 3, "3"), "seed = '3'"),
        (lambda: SpinGlass(100, 5, 0), "N^p = 100^5"),
        (lambda: SpinGlass.from_couplings(np.zeros((3, 4))), "(3, 4)"),
        (lambda: SpinGlass.from_couplings(np.zeros(3)), "1 axes"),
        (lambda: SpinGlass.from_couplings(np.full((2, 2), np.nan)), "non-finite"),
        (lambda: SpinGlass(4, 3, 0).energy(np.ones(5)), "5 entries"),
        (lambda: project_to_sphere(np.zeros(4)), "origin"),
        (lambda: SphereProjected(SpinGlass(4, 3, 0)).energy_and_grad(np.zeros(4)), "origin"),
        (lambda: covariance_estimate(4, 3, [1.5], 10, 0), "[−1, 1]"),
        (
            lambda: SphereProjected(SpinGlass(4, 3, 0)).certify_segment(
                np.ones(4), -np.ones(4) + 2.1, 0.0, tolerances={"nope": 1.0}
            ),
            "nope",
        ),
    ],
)
def test_bad_input_is_an_input_error_naming_the_value(call, text):
    with pytest.raises(InputError) as err:
        call()
    assert text in str(err.value)
    assert "\n" not in str(err.value)


def test_polynomial_along_a_segment():
    sg = SpinGlass(6, 3, 2)
    a, b = random_on_sphere(6, 2, 4)
    coeffs = sg.polynomial_along(a, b)
    ts = np.linspace(0, 1, 9)
    np.testing.assert_allclose(
        np.polynomial.polynomial.polyval(ts, coeffs),
        sg.energies(a + ts[:, None] * (b - a)),
        rtol=1e-12,
        atol=1e-12,
    )


@settings(max_examples=10, deadline=None)
@given(p=st.integers(2, 4), seed=st.integers(0, 1000), c=st.floats(0.1, 10.0))
def test_sphere_projected_is_zero_homogeneous_with_a_tangent_gradient(p, seed, c):
    sg = SpinGlass(5, p, seed)
    land = SphereProjected(sg)
    x = random_on_sphere(5, 1, seed)[0]
    assert land.energy(c * x) == pytest.approx(sg.energy(x), rel=1e-10, abs=1e-10)
    e, g = land.energy_and_grad(c * x)
    assert abs(g @ x) < 1e-9 * max(1.0, np.linalg.norm(g)) * math.sqrt(5)
    np.testing.assert_allclose(c * g, sg.riemannian_gradient(x), rtol=1e-9, atol=1e-9)
    per = SphereProjected(sg, per_spin=True, shift=2.0)
    assert per.energy(c * x) == pytest.approx(sg.energy(x) / 5 + 2.0, rel=1e-10)
    assert per.to_hamiltonian(per.energy(x)) == pytest.approx(sg.energy(x), rel=1e-10, abs=1e-10)
    E, G = per.energies_and_grads(np.stack([x, c * x]))
    np.testing.assert_allclose(G[0], per.grad(x), rtol=1e-10, atol=1e-12)
    assert np.isinf(land.energies(np.zeros((1, 5)))[0])


@pytest.mark.parametrize(
    "make",
    [
        lambda: SpinGlass(6, 3, 0),
        lambda: SpinGlass(5, 4, 1),
        lambda: SphereProjected(SpinGlass(6, 3, 2), per_spin=True, shift=1.0),
    ],
)
def test_landscape_conformance_suite(make):
    land = make()
    report = check_landscape(land, rebuild=make)
    report.raise_if_failed()


def _low_points(sg, k, seed):
    """k points of low energy on the sphere (a few projected-gradient steps from random starts)."""
    from sublevel.numerics.sphere_minima import minimize

    X = random_on_sphere(sg.N, k, seed)
    return np.stack([minimize(sg, x, max_iter=30, polish=False, classify=False).point for x in X])


@pytest.mark.parametrize("p", [3, 4])
def test_certify_segment_is_rigorous_and_agrees_with_dense_sampling(p):
    sg = SpinGlass(8, p, 5)
    land = SphereProjected(sg, per_spin=True, shift=3.0)
    P = _low_points(sg, 6, 0)
    ts = np.linspace(0, 1, 20001)
    decided = 0
    for a, b in itertools.combinations(P, 2):
        if a @ b / sg.N < -0.99:  # (even p: ±σ are both minima) the chord meets the origin
            assert not land.certify_segment(a, b, 0.0).holds
            assert not land.certify_segment(0.5 * (a + b) + 1e-9, b, 5.0).holds
            continue
        dense = float(np.max(land.energies(a + ts[:, None] * (b - a))))
        for bound in (dense - 0.01, dense + 0.01):
            cert = land.certify_segment(a, b, bound)
            if land.to_hamiltonian(bound) < 0 or p % 2 == 0:
                assert cert.method == "rigorous" and cert.decided
                # the maximum from the stationary points is at least the dense one, and close
                assert cert.max_energy >= dense - 1e-9 * max(1.0, abs(dense))
                assert cert.max_energy == pytest.approx(dense, abs=1e-6)
            assert cert.holds == (dense <= bound)
            decided += 1
    assert decided >= 20


def test_certify_piece_and_dss_use_the_rigorous_segment_certificate():
    from sublevel.numerics.certify import certify_piece
    from sublevel.numerics.geodesic.dss import dss
    from sublevel.numerics.paths.base import Segment

    sg = SpinGlass(10, 3, 1)
    land = SphereProjected(sg, per_spin=True, shift=3.0)
    a, b = _low_points(sg, 2, 3)
    top = float(np.max(land.energies(a + np.linspace(0, 1, 2001)[:, None] * (b - a))))
    cert = certify_piece(land, Segment(a, b), top + 0.01, tolerances={"tau": 1e-9})
    assert cert.method == "rigorous" and cert.holds and cert.tolerances["tau"] == 1e-9
    res = dss(land, a, b, top + 0.05, train_factor=1.0, accept_factor=1.0)
    assert res.connected and res.is_proof and {c.method for c in res.certificates} == {"rigorous"}


def test_certify_segment_odd_p_positive_bound_is_only_sampled():
    sg = SpinGlass(6, 3, 0)
    a, b = random_on_sphere(6, 2, 1)
    cert = SphereProjected(sg).certify_segment(a, b, 1e6)
    assert cert.method == "sampled" and cert.holds and not cert.is_proof


@pytest.mark.parametrize("N, p", [(6, 3), (5, 4)])
def test_exact_chord_polynomial_matches_float_contraction(N, p):
    """Oracle: the float coefficients of polynomial_along (rational contraction, no symmetry of
    S assumed), and the exact certificate decides at the float maximum itself."""
    from sublevel.numerics.energies.spin_glass import SphereProjected
    from sublevel.numerics.energies.spin_glass_exact import exact_chord_polynomial

    sg = SpinGlass(N, p, 3)
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=N), rng.normal(size=N)
    exact = np.array([float(c) for c in exact_chord_polynomial(sg, a, b)])
    assert np.allclose(exact, sg.polynomial_along(a, b), rtol=1e-12, atol=1e-12)
    land = SphereProjected(sg, per_spin=True, shift=-5.0)
    top = float(np.max(land.energies(a + np.linspace(0, 1, 4001)[:, None] * (b - a))))
    assert land.certify_segment(a, b, top + 1e-6).outcome == "holds"
    assert land.certify_segment(a, b, top - 1e-6).outcome == "fails"
