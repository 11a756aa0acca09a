"""sublevel.numerics.energies.relu: the two-layer ReLU energy, its symmetries, and the exact piecewise
quartic along a segment (against dense evaluation, a brute-force sign scan and rational
arithmetic)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.energies.relu import PiecewiseQuartic, TwoLayerReLU, blocked_cumsum
from sublevel.theory.errors import InputError

from tests.numerics.relu_oracle import exact_energy


def make(
    seed: int,
    L: int = 30,
    n: int = 3,
    m: int = 5,
    k: int = 1,
    *,
    hidden_bias: bool = True,
    output_bias: bool = False,
    l1: float = 0.0,
) -> tuple[TwoLayerReLU, np.random.Generator]:
    rng = np.random.default_rng(seed)
    land = TwoLayerReLU(
        rng.normal(size=(L, n)),
        rng.normal(size=(L, k)),
        m,
        hidden_bias=hidden_bias,
        output_bias=output_bias,
        l1=l1,
    )
    return land, rng


def loop_energy(land: TwoLayerReLU, theta: np.ndarray) -> float:
    """E by explicit loops over samples and units (oracle)."""
    P = land.unflatten(theta)
    total = 0.0
    for x, y in zip(land.X, land.Y):
        out = P.c.copy()
        for j in range(land.m):
            out = out + P.U[:, j] * max(0.0, float(P.W[j] @ x + P.b[j]))
        total += float(np.sum((out - y) ** 2))
    return total / land.L + land.l1 * float(np.abs(P.U).sum())


configs = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 10_000),
        "L": st.integers(1, 25),
        "n": st.integers(1, 4),
        "m": st.integers(1, 7),
        "k": st.integers(1, 3),
        "hidden_bias": st.booleans(),
        "output_bias": st.booleans(),
        "l1": st.sampled_from([0.0, 0.05]),
    }
)


@settings(max_examples=25, deadline=None)
@given(configs)
def test_energy_matches_loops_and_batch(cfg):
    seed = cfg.pop("seed")
    land, rng = make(seed, **cfg)
    thetas = rng.normal(size=(4, land.dim))
    batch = land.energies(thetas)
    for th, e in zip(thetas, batch):
        assert e == pytest.approx(loop_energy(land, th), rel=1e-12, abs=1e-12)
        assert land.energy(th) == pytest.approx(e, rel=1e-13, abs=1e-14)


@settings(max_examples=20, deadline=None)
@given(configs)
def test_gradient_matches_central_differences(cfg):
    seed = cfg.pop("seed")
    land, rng = make(seed, **cfg)
    th = rng.normal(size=land.dim)
    _, g = land.energy_and_grad(th)
    v = rng.normal(size=land.dim)
    h = 1e-6
    fd = (land.energy(th + h * v) - land.energy(th - h * v)) / (2 * h)
    assert g @ v == pytest.approx(fd, rel=1e-5, abs=1e-6)


@settings(max_examples=20, deadline=None)
@given(configs, st.floats(0.1, 10.0))
def test_positive_homogeneity_leaves_the_function_unchanged(cfg, c):
    """(w, b, u) → (c w, c b, u/c) for c > 0: the outputs do not change (BF'16 §2.3.1)."""
    seed = cfg.pop("seed")
    land, rng = make(seed, **cfg)
    th = rng.normal(size=land.dim)
    scales = c * rng.uniform(0.5, 2.0, size=land.m)
    np.testing.assert_allclose(
        land.outputs(land.rescale(th, scales)), land.outputs(th), rtol=1e-12, atol=1e-12
    )
    if land.l1 == 0:
        assert land.energy(land.rescale(th, scales)) == pytest.approx(land.energy(th), rel=1e-12)


@settings(max_examples=20, deadline=None)
@given(configs)
def test_permuting_hidden_units_leaves_the_energy_unchanged(cfg):
    seed = cfg.pop("seed")
    land, rng = make(seed, **cfg)
    th = rng.normal(size=land.dim)
    perm = rng.permutation(land.m)
    assert land.energy(land.permute(th, perm)) == pytest.approx(
        land.energy(th), rel=1e-12, abs=1e-14
    )
    np.testing.assert_allclose(land.outputs(land.permute(th, perm)), land.outputs(th), atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(configs)
def test_piecewise_quartic_equals_the_energy_on_the_segment(cfg):
    seed = cfg.pop("seed")
    land, rng = make(seed, **cfg)
    a, b = rng.normal(size=land.dim), rng.normal(size=land.dim)
    pq = land.energy_pieces(a, b)
    ts = np.concatenate([rng.uniform(size=300), pq.breakpoints])
    direct = land.energies(a[None] + ts[:, None] * (b - a)[None])
    np.testing.assert_allclose(pq(ts), direct, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(land.segment_energies(a, b, ts), direct, rtol=1e-12, atol=1e-12)
    assert pq.error_bound >= 0 and np.all(np.diff(pq.breakpoints) >= 0)


@settings(max_examples=30, deadline=None)
@given(configs)
def test_breakpoints_agree_with_a_brute_force_sign_scan(cfg):
    """Every pre-activation sign change (and, with ℓ1, every output-weight sign change) in (0, 1)
    is a breakpoint, and nothing else is."""
    seed = cfg.pop("seed")
    land, rng = make(seed, **cfg)
    a, b = rng.normal(size=land.dim), rng.normal(size=land.dim)
    A, B = land.unflatten(a), land.unflatten(b)
    expected = []
    for x in land.X:
        for j in range(land.m):
            p = A.W[j] @ x + A.b[j]
            q = (B.W[j] - A.W[j]) @ x + (B.b[j] - A.b[j])
            if q != 0 and 0 < -p / q < 1:
                expected.append(-p / q)
    if land.l1:
        for ua, ub in zip(A.U.ravel(), B.U.ravel()):
            if ub != ua and 0 < ua / (ua - ub) < 1:
                expected.append(ua / (ua - ub))
    got = land.energy_pieces(a, b).breakpoints[1:-1]
    np.testing.assert_allclose(np.sort(got), np.sort(expected), rtol=1e-12, atol=1e-14)


def _rational_pieces(land_data, W0, b0, U0, W1, b1, U1, l1):
    """Exact coefficients (Fractions) of the energy on each piece, piece by piece from its
    active set at the midpoint (independent of the sweep)."""
    X, Y = land_data
    L, n = len(X), len(X[0])
    m = len(W0)
    F = Fraction
    taus = set()
    for x in X:
        for j in range(m):
            p = sum(W0[j][i] * x[i] for i in range(n)) + b0[j]
            q = sum((W1[j][i] - W0[j][i]) * x[i] for i in range(n)) + b1[j] - b0[j]
            if q != 0 and 0 < -p / q < 1:
                taus.add(-p / q)
    for ua, ub in zip(U0, U1):
        if l1 and ub != ua and 0 < ua / (ua - ub) < 1:
            taus.add(ua / (ua - ub))
    bps = [F(0)] + sorted(taus) + [F(1)]
    pieces = []
    for lo, hi in zip(bps, bps[1:]):
        mid = (lo + hi) / 2
        coeffs = [F(0)] * 5
        for x, y in zip(X, Y):
            r = [-y, F(0), F(0)]
            for j in range(m):
                p = sum(W0[j][i] * x[i] for i in range(n)) + b0[j]
                q = sum((W1[j][i] - W0[j][i]) * x[i] for i in range(n)) + b1[j] - b0[j]
                if p + mid * q > 0:
                    du = U1[j] - U0[j]
                    r = [r[0] + U0[j] * p, r[1] + U0[j] * q + du * p, r[2] + du * q]
            sq = [
                r[0] * r[0],
                2 * r[0] * r[1],
                r[1] * r[1] + 2 * r[0] * r[2],
                2 * r[1] * r[2],
                r[2] * r[2],
            ]
            coeffs = [c + s / L for c, s in zip(coeffs, sq)]
        for ua, ub in zip(U0, U1):
            u_mid = ua + mid * (ub - ua)
            sgn = 1 if u_mid > 0 else -1 if u_mid < 0 else 0
            coeffs[0] += l1 * sgn * ua
            coeffs[1] += l1 * sgn * (ub - ua)
        pieces.append(coeffs)
    return bps, pieces


@pytest.mark.parametrize("seed", range(6))
def test_sweep_matches_rational_arithmetic(seed):
    """Small instances with dyadic-rational data: the sweep's breakpoints and coefficients equal
    the exact ones computed with Fractions, piece by piece."""
    rng = np.random.default_rng(seed)
    L, n, m = 6, 2, 3
    q = lambda shape: np.round(rng.normal(size=shape) * 8) / 8  # noqa: E731
    X, Y = q((L, n)), q(L)
    l1 = 0.125 if seed % 2 else 0.0
    land = TwoLayerReLU(X, Y, m, l1=l1)
    W0, b0, U0, W1, b1, U1 = q((m, n)), q(m), q(m), q((m, n)), q(m), q(m)
    a = land.flatten(W0, b0, U0[None])
    b = land.flatten(W1, b1, U1[None])
    F = lambda arr: [[Fraction(v) for v in row] for row in arr]  # noqa: E731
    bps, pieces = _rational_pieces(
        (F(X), [Fraction(v) for v in Y]),
        F(W0),
        [Fraction(v) for v in b0],
        [Fraction(v) for v in U0],
        F(W1),
        [Fraction(v) for v in b1],
        [Fraction(v) for v in U1],
        Fraction(l1),
    )
    pq = land.energy_pieces(a, b)
    br, pc = pq.merged()
    assert len(br) == len(bps)
    np.testing.assert_allclose(br, [float(v) for v in bps], rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(
        np.array(pc), np.array([[float(c) for c in p] for p in pieces]), rtol=1e-12, atol=1e-12
    )


small = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 10_000),
        "L": st.integers(1, 10),
        "n": st.integers(1, 3),
        "m": st.integers(1, 5),
        "k": st.integers(1, 2),
        "hidden_bias": st.booleans(),
        "output_bias": st.booleans(),
        "l1": st.sampled_from([0.0, 0.1]),
    }
)


@settings(max_examples=25, deadline=None)
@given(small, st.sampled_from([1.0, 1e-6, 1e6]))
def test_error_bound_is_proven_against_exact_rationals(cfg, scale):
    """|E_exact(t) − piece_i(t)| ≤ error_bound at random points and at both ends of every piece
    (the piece evaluated exactly from its float coefficients; E exactly from the inputs)."""
    seed = cfg.pop("seed")
    land, rng = make(seed, **cfg)
    a, b = rng.normal(size=land.dim) * scale, rng.normal(size=land.dim)
    pq = land.energy_pieces(a, b)
    bound = Fraction(pq.error_bound)
    ts = np.concatenate([rng.uniform(size=5), pq.breakpoints])
    for t in ts:
        for i in {int(pq.locate(t)[0]), int(np.searchsorted(pq.breakpoints, t, "left")) - 1}:
            if 0 <= i < pq.n_pieces and pq.breakpoints[i] <= t <= pq.breakpoints[i + 1]:
                piece = sum(
                    (
                        Fraction(float(c)) * Fraction(float(t)) ** d
                        for d, c in enumerate(pq.coeffs[i])
                    ),
                    Fraction(0),
                )
                assert abs(exact_energy(land, a, b, t) - piece) <= bound
    assert pq.error_bound <= 1e-9 * max(1.0, float(np.abs(pq.coeffs).max()))


def test_generic_certify_path_uses_the_rigorous_segment_certificate():
    """sublevel.numerics.certify.certify_path takes the landscape's own certify_segment: rigorous, its
    enclosure above the dense maximum and within rounding of it."""
    from sublevel.numerics.certify import certify_path
    from sublevel.numerics.paths import Path, Segment

    land, rng = make(3, L=8, n=2, m=3)
    a, b = rng.normal(size=land.dim), rng.normal(size=land.dim)
    cert = certify_path(land, Path([Segment(a, b)]), 1e6).pieces[0]
    dense = land.segment_energies(a, b, np.linspace(0, 1, 20001)).max()
    assert cert.method == "rigorous" and cert.holds
    assert cert.max_energy_enclosure[1] >= dense
    assert cert.max_energy == pytest.approx(dense, rel=1e-6)


def test_recompute_piece_agrees_with_the_sweep():
    land, rng = make(5, L=40, n=3, m=6, l1=0.1)
    a, b = rng.normal(size=land.dim), rng.normal(size=land.dim)
    pq = land.energy_pieces(a, b)
    widths = np.diff(pq.breakpoints)
    for i in np.flatnonzero(widths > 1e-6)[:10]:
        mid = 0.5 * (pq.breakpoints[i] + pq.breakpoints[i + 1])
        np.testing.assert_allclose(land.recompute_piece(a, b, mid), pq.coeffs[i], atol=1e-11)
        np.testing.assert_allclose(pq.recompute(mid), pq.coeffs[i], atol=1e-11)


def test_blocked_cumsum_equals_cumsum():
    x = np.random.default_rng(0).normal(size=(5, 2000))
    np.testing.assert_allclose(blocked_cumsum(x, 64), np.cumsum(x, axis=-1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(blocked_cumsum(x[:, :10], 64), np.cumsum(x[:, :10], axis=-1))


def test_segment_without_events_is_one_quartic():
    land, rng = make(1, L=10, n=2, m=3)
    a = rng.normal(size=land.dim)
    pq = land.energy_pieces(a, a)
    assert isinstance(pq, PiecewiseQuartic) and pq.n_pieces == 1
    assert pq(0.3)[0] == pytest.approx(land.energy(a))


def test_flatten_unflatten_round_trip():
    land, rng = make(2, m=4, k=2, output_bias=True)
    th = rng.normal(size=land.dim)
    P = land.unflatten(th)
    np.testing.assert_array_equal(land.flatten(P.W, P.b, P.U, P.c), th)


@pytest.mark.parametrize(
    "bad",
    [
        lambda rng: TwoLayerReLU(rng.normal(size=(5, 2)), rng.normal(size=5), 0),
        lambda rng: TwoLayerReLU(rng.normal(size=(5, 2)), rng.normal(size=4), 3),
        lambda rng: TwoLayerReLU(np.full((5, 2), np.nan), rng.normal(size=5), 3),
        lambda rng: TwoLayerReLU(rng.normal(size=(5, 2)), np.array([1, 2, np.inf, 4, 5.0]), 3),
        lambda rng: TwoLayerReLU(rng.normal(size=5), rng.normal(size=5), 3),
        lambda rng: TwoLayerReLU(rng.normal(size=(5, 2)), rng.normal(size=5), 3, l1=-1.0),
        lambda rng: TwoLayerReLU(np.zeros((0, 2)), np.zeros(0), 3),
    ],
)
def test_bad_construction_raises_input_error(bad):
    with pytest.raises(InputError):
        bad(np.random.default_rng(0))


def test_bad_segments_raise_input_error():
    land, rng = make(0, m=3)
    other, _ = make(0, m=4)
    a = rng.normal(size=land.dim)
    with pytest.raises(InputError, match="dimension"):
        land.energy_pieces(a, rng.normal(size=other.dim))  # endpoints of another architecture
    bad = a.copy()
    bad[2] = np.nan
    with pytest.raises(InputError, match="not finite"):
        land.energy_pieces(a, bad)
    with pytest.raises(InputError):
        land.permute(a, [0, 0, 1])
    with pytest.raises(InputError):
        land.rescale(a, -1.0)


def test_energy_polynomial_declines_many_pieces_and_certify_segment_does_not():
    land, rng = make(7, L=200, n=3, m=20)
    a, b = rng.normal(size=land.dim), rng.normal(size=land.dim)
    assert land.energy_pieces(a, b).n_pieces > land.max_rational_pieces
    assert land.energy_polynomial(a, b) is None
    cert = land.certify_segment(a, b, 1e9)
    assert cert.method == "rigorous" and cert.holds
