"""The ReLU section of numerics.certify: closed-form maxima of piecewise polynomials, the exact
segment certificate (never below a sample, equal to the dense maximum up to its error
estimate), promises, and paths certified segment by segment."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics.certify_relu import (
    certify_relu_path,
    certify_relu_promise,
    certify_relu_segment,
    maximise_piecewise,
)
from numerics.energies.relu import TwoLayerReLU
from numerics.paths import (
    CONSTANT,
    LE_MAX_ENDPOINTS,
    NON_INCREASING,
    FunctionPiece,
    Path,
    Polygonal,
    Segment,
)
from theory.errors import InputError


def make(seed: int, L: int = 30, n: int = 3, m: int = 5, k: int = 1, *, hidden_bias: bool = True,
         output_bias: bool = False, l1: float = 0.0):
    rng = np.random.default_rng(seed)
    land = TwoLayerReLU(rng.normal(size=(L, n)), rng.normal(size=(L, k)), m,
                        hidden_bias=hidden_bias, output_bias=output_bias, l1=l1)
    return land, rng


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 6), st.integers(0, 4))
def test_maximise_piecewise_matches_dense_evaluation(seed, n_pieces, degree):
    rng = np.random.default_rng(seed)
    bps = np.sort(np.concatenate([[0.0, 1.0], rng.uniform(size=n_pieces - 1)]))
    coeffs = rng.normal(size=(n_pieces, degree + 1))
    res = maximise_piecewise(bps, coeffs)
    # each piece on its own closed interval (the pieces need not be continuous here)
    vals = np.concatenate([np.polynomial.polynomial.polyval(np.linspace(lo, hi, 4001), c)
                           for lo, hi, c in zip(bps[:-1], bps[1:], coeffs)])
    assert res.value >= vals.max() - 1e-12
    assert res.value <= vals.max() + 1e-6
    assert res.upper >= res.value
    # the value is attained at the argmax in its piece
    assert np.polynomial.polynomial.polyval(res.argmax_t, coeffs[res.piece]) == pytest.approx(
        res.value, abs=1e-12)


def test_maximise_piecewise_finds_an_interior_maximum_exactly():
    # −(t − 0.3)² + 2 on [0, 0.5], then a low line: max 2 at t = 0.3
    res = maximise_piecewise([0.0, 0.5, 1.0], [[2 - 0.09, 0.6, -1.0], [0.0, 0.1, 0.0]])
    assert res.value == pytest.approx(2.0, abs=1e-15)
    assert res.argmax_t == pytest.approx(0.3, abs=1e-12)


def test_maximise_piecewise_rejects_bad_input():
    with pytest.raises(InputError):
        maximise_piecewise([0, 1], np.zeros((1, 6)))
    with pytest.raises(InputError):
        maximise_piecewise([0, 0.5], np.zeros((2, 3)))
    with pytest.raises(InputError):
        maximise_piecewise([0, 0.7, 0.5], np.zeros((2, 3)))


configs = st.fixed_dictionaries({
    "seed": st.integers(0, 10_000),
    "L": st.integers(1, 40),
    "n": st.integers(1, 5),
    "m": st.integers(1, 12),
    "k": st.integers(1, 2),
    "hidden_bias": st.booleans(),
    "l1": st.sampled_from([0.0, 0.05]),
})


@settings(max_examples=30, deadline=None)
@given(configs)
def test_exact_maximum_dominates_samples_and_equals_the_dense_maximum(cfg):
    seed = cfg.pop("seed")
    land, rng = make(seed, **cfg)
    a, b = rng.normal(size=land.dim), rng.normal(size=land.dim)
    cert = certify_relu_segment(land, a, b, 0.0)
    ts = np.concatenate([np.linspace(0, 1, 4001), rng.uniform(size=500)])
    sampled = land.segment_energies(a, b, ts)
    err = cert.details["fp_error"]
    assert cert.method == "exact"
    assert cert.max_energy >= sampled.max() - err - 1e-12
    # the dense maximum approaches the exact one: at the argmax the direct energy agrees
    assert cert.details["direct_energy_at_argmax"] == pytest.approx(cert.max_energy, abs=4 * err + 1e-12)
    fine = land.segment_energies(a, b, np.clip(cert.argmax_t + np.linspace(-1e-4, 1e-4, 201), 0, 1))
    assert fine.max() <= cert.max_energy + err + 1e-12
    assert cert.details["upper_bound"] >= cert.max_energy


def test_holds_and_margin_against_a_bound():
    land, rng = make(0)
    a, b = rng.normal(size=land.dim), rng.normal(size=land.dim)
    top = certify_relu_segment(land, a, b, 1e9).max_energy
    yes = certify_relu_segment(land, a, b, top + 1e-3)
    no = certify_relu_segment(land, a, b, top - 1e-3)
    assert yes.holds and yes.margin == pytest.approx(1e-3, abs=1e-9)
    assert not no.holds and no.margin < 0 and no.is_proof
    assert "slack" in yes.tolerances


def test_promises_exact():
    land, rng = make(1, l1=0.0)
    a = rng.normal(size=land.dim)
    # constant: permuting units along a segment between identical functions? use a pure rescaling
    P = land.unflatten(a)
    b = land.flatten(P.W, P.b, P.U)  # the same point: constant
    const = certify_relu_promise(land, Segment(a, b + 0.0, "same point", CONSTANT))
    assert const.holds and const.method == "exact"
    c = rng.normal(size=land.dim)
    moving = certify_relu_promise(land, Segment(a, c, "moves", CONSTANT))
    assert not moving.holds
    # ≤ max of endpoints on a segment with an interior bump fails, with a margin < 0
    e = land.segment_energies(a, c, np.linspace(0, 1, 2001))
    cert = certify_relu_promise(land, Segment(a, c, "bump", LE_MAX_ENDPOINTS))
    assert cert.holds == (e.max() <= max(e[0], e[-1]) + 1e-9)


def test_non_increasing_promise_on_an_output_layer_segment():
    """W fixed, U moves linearly from a point to the least-squares output layer: the energy is a
    convex quadratic decreasing to its minimum (BF'16 sub-path (1))."""
    land, rng = make(2, L=50, m=6)
    a = rng.normal(size=land.dim)
    P = land.unflatten(a)
    H = np.maximum(land.X @ P.W.T + P.b, 0)
    U = np.linalg.lstsq(H, land.Y, rcond=None)[0].T
    b = land.flatten(P.W, P.b, U)
    good = certify_relu_promise(land, Segment(a, b, "(1)", NON_INCREASING))
    bad = certify_relu_promise(land, Segment(b, a, "(1) reversed", NON_INCREASING))
    assert good.holds and good.method == "exact"
    assert not bad.holds


def test_polygonal_paths_are_certified_segment_by_segment():
    land, rng = make(3)
    beads = rng.normal(size=(4, land.dim))
    path = Path([Polygonal(beads, "chain")])
    pc = certify_relu_path(land, path, 1e9)
    ts = np.linspace(0, 1, 3001)
    dense = land.energies(path.points(ts)).max()
    assert pc.holds and pc.pieces[0].method == "exact"
    assert pc.pieces[0].max_energy >= dense - 1e-10
    assert pc.pieces[0].details["pieces"] == 3


def test_curved_pieces_fall_back_and_say_so():
    land, rng = make(4)
    a, b = rng.normal(size=land.dim), rng.normal(size=land.dim)
    curve = FunctionPiece(lambda ts: a[None] + np.sin(ts)[:, None] * (b - a)[None], "curve")
    pc = certify_relu_path(land, Path([curve], check_continuity=False), 1e9)
    assert pc.pieces[0].method == "sampled" and not pc.pieces[0].is_proof


def test_bad_input():
    land, rng = make(5)
    a = rng.normal(size=land.dim)
    with pytest.raises(InputError):
        certify_relu_segment(land, a, a, float("nan"))
    with pytest.raises(InputError):
        certify_relu_segment(object(), a, a, 1.0)
    with pytest.raises(InputError):
        certify_relu_path(land, Path([Segment(a, a + 1)]), float("inf"))


@settings(max_examples=30, deadline=None)
@given(configs, st.sampled_from([1, 3, 64, 4096, 65536]))
def test_pruned_cells_agree_with_the_full_sweep(cfg, cells):
    """energy_candidates: the maximum over the surviving pieces and the cell ends equals the
    maximum over every piece; the bound on the pruned cells is ≥ the energy there."""
    from numerics.certify_relu import maximise_pieces

    seed = cfg.pop("seed")
    land, rng = make(seed, **cfg)
    a, b = rng.normal(size=land.dim), rng.normal(size=land.dim)
    pr = land.energy_candidates(a, b, buckets=cells)
    pq = land.energy_pieces(a, b)
    full = maximise_piecewise(pq.breakpoints, pq.coeffs)
    best = pr.best
    if pr.lo.size:
        best = max(best, maximise_pieces(pr.lo, pr.hi, pr.coeffs).value)
        mids = 0.5 * (pr.lo + pr.hi)
        vals = np.einsum("id,id->i", pr.coeffs, mids[:, None] ** np.arange(5))
        np.testing.assert_allclose(vals, pq(mids), rtol=1e-9, atol=1e-9)
    assert best == pytest.approx(full.value, rel=1e-9, abs=1e-9)
    ts = np.linspace(0, 1, 2001)
    covered = np.zeros(ts.size, dtype=bool)
    for lo, hi in zip(pr.lo, pr.hi):
        covered |= (ts >= lo) & (ts <= hi)
    e = land.segment_energies(a, b, ts)
    if (~covered).any():
        assert e[~covered].max() <= pr.upper_rest + 1e-9


def test_maximise_pieces_rejects_bad_input():
    from numerics.certify_relu import maximise_pieces

    with pytest.raises(InputError):
        maximise_pieces([0.0], [1.0], np.zeros((2, 3)))
    with pytest.raises(InputError):
        maximise_pieces([0.5], [0.2], np.zeros((1, 3)))
    with pytest.raises(InputError):
        maximise_pieces([0.0], [1.0], np.zeros((1, 7)))


def test_a_constant_segment_is_certified():
    land, rng = make(6)
    a = rng.normal(size=land.dim)
    cert = certify_relu_segment(land, a, a, land.energy(a))
    assert cert.holds and cert.max_energy == pytest.approx(land.energy(a))
