"""sublevel.numerics.certify_relu: the rigorous ReLU segment certificate (issue 11).

Oracles: exact rational evaluation of the energy (fractions, the inputs taken as the rationals
their floats are) at the certified argmax and at the endpoints; dense numpy evaluation (10⁵
points) of the energy, which must never exceed the enclosure's top. Adversarial cases: a bound
equal to a value the energy takes exactly, a zero-length segment, coinciding breakpoints, a
narrow spike between grid points, a maximum above the bound by less than the old slack."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.certify_relu import (
    certify_relu_path,
    certify_relu_promise,
    certify_relu_segment,
    certify_relu_slope,
)
from sublevel.numerics.energies.relu import TwoLayerReLU
from sublevel.numerics.paths import (
    CONSTANT,
    LE_MAX_ENDPOINTS,
    NON_INCREASING,
    FunctionPiece,
    Path,
    Polygonal,
    Segment,
)
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
):
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


configs = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 10_000),
        "L": st.integers(1, 12),
        "n": st.integers(1, 3),
        "m": st.integers(1, 5),
        "k": st.integers(1, 2),
        "hidden_bias": st.booleans(),
        "l1": st.sampled_from([0.0, 0.05]),
    }
)


@settings(max_examples=25, deadline=None)
@given(configs)
def test_enclosure_contains_the_exact_value_at_the_argmax_and_dominates_dense_samples(cfg):
    seed = cfg.pop("seed")
    land, rng = make(seed, **cfg)
    a, b = rng.normal(size=land.dim), rng.normal(size=land.dim)
    cert = certify_relu_segment(land, a, b, 0.0)
    lo, hi = cert.max_energy_enclosure
    assert cert.method == "rigorous" and lo <= cert.max_energy <= hi
    # lower end: a value the exact energy takes at argmax_t; upper end: ≥ every value taken
    at = exact_energy(land, a, b, cert.argmax_t)
    assert Fraction(lo) <= at <= Fraction(hi)
    for t in (0.0, 1.0):
        assert exact_energy(land, a, b, t) <= Fraction(hi)
    dense = land.segment_energies(a, b, np.linspace(0, 1, 100_001))
    assert dense.max() <= hi
    assert hi - lo <= 1e-9 * max(1.0, hi)  # tight: rounding only
    assert cert.margin == 0.0 - hi


def test_outcome_follows_the_enclosure_and_records_no_slack():
    land, rng = make(0)
    a, b = rng.normal(size=land.dim), rng.normal(size=land.dim)
    lo, hi = certify_relu_segment(land, a, b, 1e9).max_energy_enclosure
    yes = certify_relu_segment(land, a, b, hi)
    no = certify_relu_segment(land, a, b, np.nextafter(lo, -np.inf))
    within = certify_relu_segment(land, a, b, 0.5 * (lo + hi))
    assert yes.outcome == "holds" and yes.holds and yes.margin == 0.0 and yes.holds_within == 0
    assert no.outcome == "fails" and not no.holds and no.margin < 0 and no.is_proof
    assert within.outcome == "inconclusive" and not within.holds and not within.decided
    assert "slack" not in yes.tolerances and yes.tolerances["tau"] == 0.0
    # a user tolerance τ answers E ≤ bound + τ and is recorded when it was needed
    tau = certify_relu_segment(land, a, b, lo - 1e-6, tolerances={"tau": 1e-3})
    assert tau.outcome == "holds" and tau.holds_within == 1e-3


def test_old_slack_no_longer_decides():
    """Regression (issue 11): the old decision was value ≤ bound + 1e-10·max(1, |bound|) + 1e-10;
    a maximum above the bound by less than that slack must not hold."""
    land, rng = make(1, L=10, m=4)
    a, b = rng.normal(size=land.dim), rng.normal(size=land.dim)
    top = certify_relu_segment(land, a, b, 1e9)
    bound = top.max_energy - 5e-11
    cert = certify_relu_segment(land, a, b, bound)
    assert cert.outcome in ("fails", "inconclusive") and not cert.holds
    assert cert.outcome == "fails"  # the enclosure is far narrower than 5e-11 here
    assert exact_energy(land, a, b, cert.argmax_t) > Fraction(bound)


def _dyadic_landscape() -> tuple[TwoLayerReLU, np.ndarray, np.ndarray]:
    """Small integers everywhere: every energy on the dyadic times below is exact in float."""
    X = np.array([[1.0, 2.0], [-1.0, 1.0], [2.0, -1.0], [0.0, 1.0]])
    Y = np.array([1.0, 0.0, 2.0, -1.0])
    land = TwoLayerReLU(X, Y, 3)
    a = land.flatten([[1, 0], [0, 1], [1, 1]], [0, -1, 1], [[1, -1, 2]])
    b = land.flatten([[1, 0], [0, 1], [1, 1]], [0, -1, 1], [[0, 0, 0]])  # first layer fixed
    return land, a, b


def test_bound_equal_to_a_value_taken_never_fails():
    land, a, b = _dyadic_landscape()
    e_a, e_b = land.energy(a), land.energy(b)
    assert Fraction(e_a) == exact_energy(land, a, b, 0.0)  # exact in float
    bound = max(e_a, e_b)  # the energy is convex here: its maximum is exactly this endpoint
    cert = certify_relu_segment(land, a, b, bound)
    assert cert.outcome in ("holds", "inconclusive")
    # a constant segment at exactly its energy
    const = certify_relu_segment(land, a, a, e_a)
    assert const.outcome in ("holds", "inconclusive")
    lo, hi = const.max_energy_enclosure
    assert Fraction(lo) <= Fraction(e_a) <= Fraction(hi)


@settings(max_examples=20, deadline=None)
@given(configs)
def test_zero_length_segment_encloses_the_exact_energy(cfg):
    seed = cfg.pop("seed")
    land, rng = make(seed, **cfg)
    a = rng.normal(size=land.dim)
    cert = certify_relu_segment(land, a, a, 0.0)
    lo, hi = cert.max_energy_enclosure
    assert Fraction(lo) <= exact_energy(land, a, a, 0.0) <= Fraction(hi)
    assert cert.details["pieces"] == 1


def test_coinciding_breakpoints():
    """Duplicated hidden units and duplicated samples: every breakpoint appears several times."""
    land0, rng = make(3, L=6, n=2, m=3)
    X = np.concatenate([land0.X, land0.X])
    Y = np.concatenate([land0.Y, land0.Y])
    land = TwoLayerReLU(X, Y, 6)
    A = land0.unflatten(rng.normal(size=land0.dim))
    B = land0.unflatten(rng.normal(size=land0.dim))

    def dup(P):
        return land.flatten(
            np.concatenate([P.W, P.W]),
            np.concatenate([P.b, P.b]),
            np.concatenate([P.U, P.U], axis=1) / 2,
        )

    a, b = dup(A), dup(B)
    pq = land.energy_pieces(a, b)
    assert np.sum(np.diff(pq.breakpoints) == 0) >= pq.n_pieces // 2  # ties kept
    cert = certify_relu_segment(land, a, b, 0.0)
    lo, hi = cert.max_energy_enclosure
    assert Fraction(lo) <= exact_energy(land, a, b, cert.argmax_t) <= Fraction(hi)
    assert land.segment_energies(a, b, np.linspace(0, 1, 100_001)).max() <= hi


def test_a_narrow_spike_between_grid_points_is_found():
    """Three units make a hat of height 1 and width 2·10⁻⁶ at t = 0.50123 (only the biases move):
    a 100-point grid sees nothing, the certificate encloses the peak."""
    q, c, d = 1e6, 0.50123, 1e-6
    X = np.zeros((2, 1))
    land = TwoLayerReLU(X, np.zeros(2), 3)
    ba = np.array([-q * c, -q * (c + d), -q * (c + 2 * d)])
    U = np.array([[1.0, -2.0, 1.0]])
    a = land.flatten(np.zeros((3, 1)), ba, U)
    b = land.flatten(np.zeros((3, 1)), ba + q, U)
    grid = land.segment_energies(a, b, np.linspace(0, 1, 100))
    assert grid.max() < 1e-15
    cert = certify_relu_segment(land, a, b, 0.5)
    lo, hi = cert.max_energy_enclosure
    assert cert.outcome == "fails"
    assert lo <= 1.0 <= hi and Fraction(lo) <= exact_energy(land, a, b, cert.argmax_t)
    assert cert.argmax_t == pytest.approx(c + d, abs=1e-9)
    # honest width: the pieces' coefficients in global t are ~10¹² and cancel to ~1, so the
    # proven rounding bound is ~0.1 here (a limitation of the global-t representation)
    assert hi - lo < 0.25


def test_promises():
    land, rng = make(1)
    a = rng.normal(size=land.dim)
    P = land.unflatten(a)
    same = certify_relu_promise(land, Segment(a, land.flatten(P.W, P.b, P.U), "same", CONSTANT))
    assert same.holds and same.method == "exact" and same.details["structural"]
    c = rng.normal(size=land.dim)
    moving = certify_relu_promise(land, Segment(a, c, "moves", CONSTANT))
    assert moving.outcome == "fails" and moving.method == "rigorous"
    # ≤ max of endpoints: an interior bump fails with a proof; never holds above the endpoints
    e = land.segment_energies(a, c, np.linspace(0, 1, 2001))
    bump = certify_relu_promise(land, Segment(a, c, "bump", LE_MAX_ENDPOINTS))
    assert bump.method == "rigorous"
    if e.max() > max(e[0], e[-1]) + 1e-9:
        assert bump.outcome == "fails"
    # a fixed first layer makes the energy convex: holds by structure
    Q = land.unflatten(c)
    convex = certify_relu_promise(
        land, Segment(a, land.flatten(P.W, P.b, Q.U), "β", LE_MAX_ENDPOINTS)
    )
    assert convex.holds and convex.method == "exact" and convex.margin == 0.0


def test_constant_promise_with_zero_weight_units_moving():
    land, rng = make(2, m=4)
    a = rng.normal(size=land.dim)
    P = land.unflatten(a)
    U = P.U.copy()
    U[0, 1] = 0.0
    a = land.flatten(P.W, P.b, U)
    W = P.W.copy()
    W[1] = rng.normal(size=land.n)
    cert = certify_relu_promise(land, Segment(a, land.flatten(W, P.b, U), "free row", CONSTANT))
    assert cert.holds and cert.method == "exact"
    # the same path checked without the structural shortcut (polygonal: still structural) and a
    # rigorous constant check of a genuinely moving unit with weight fails
    U2 = U.copy()
    U2[0, 1] = 1.0
    moved = certify_relu_promise(
        land, Segment(land.flatten(P.W, P.b, U2), land.flatten(W, P.b, U2), "weighted", CONSTANT)
    )
    assert moved.method == "rigorous" and moved.outcome == "fails"


def test_non_increasing_on_an_output_layer_segment():
    """W fixed, U moves linearly from a point to the least-squares output layer: the energy is a
    convex quadratic decreasing to its minimum at t = 1 (BF'16 sub-path (1)); E'(1) is zero
    only up to the rounding of the least-squares solve, so without τ the slope certificate may
    honestly be inconclusive — it must never fail, and with a small τ it holds."""
    land, rng = make(2, L=50, m=6)
    a = rng.normal(size=land.dim)
    P = land.unflatten(a)
    H = np.maximum(land.X @ P.W.T + P.b, 0)
    U = np.linalg.lstsq(H, land.Y, rcond=None)[0].T
    b = land.flatten(P.W, P.b, U)
    good = certify_relu_promise(land, Segment(a, b, "(1)", NON_INCREASING))
    assert good.outcome in ("holds", "inconclusive") and good.method == "rigorous"
    relaxed = certify_relu_promise(
        land, Segment(a, b, "(1)", NON_INCREASING), tolerances={"tau": 1e-8}
    )
    assert relaxed.holds and relaxed.holds_within in (0.0, 1e-8)
    bad = certify_relu_promise(land, Segment(b, a, "(1) reversed", NON_INCREASING))
    assert bad.outcome == "fails"


@settings(max_examples=15, deadline=None)
@given(configs)
def test_slope_enclosure_dominates_finite_differences(cfg):
    seed = cfg.pop("seed")
    land, rng = make(seed, **cfg)
    a, b = rng.normal(size=land.dim), rng.normal(size=land.dim)
    cert = certify_relu_slope(land, a, b, 0.0)
    lo, hi = cert.max_energy_enclosure
    ts = np.linspace(0, 1, 20_001)
    e = land.segment_energies(a, b, ts)
    slopes = np.diff(e) / np.diff(ts)  # mean slopes over the cells: each ≤ max E'
    assert slopes.max() <= hi + 1e-6 * max(1.0, abs(hi))
    assert lo <= hi


def test_polygonal_paths_are_certified_segment_by_segment():
    land, rng = make(3)
    beads = rng.normal(size=(4, land.dim))
    path = Path([Polygonal(beads, "chain")])
    pc = certify_relu_path(land, path, 1e9)
    dense = land.energies(path.points(np.linspace(0, 1, 3001))).max()
    assert pc.holds and pc.pieces[0].method == "rigorous"
    assert pc.pieces[0].max_energy_enclosure[1] >= dense
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
    with pytest.raises(InputError, match="nan"):
        certify_relu_segment(land, a, a, float("nan"))
    with pytest.raises(InputError, match="bound"):
        certify_relu_segment(land, a, a, "1.0")
    with pytest.raises(InputError, match="energy_pieces"):
        certify_relu_segment(object(), a, a, 1.0)
    with pytest.raises(InputError, match="tau"):
        certify_relu_segment(land, a, a, 1.0, tolerances={"tau": -1.0})
    with pytest.raises(InputError, match="inf"):
        certify_relu_path(land, Path([Segment(a, a + 1)]), float("inf"))
    with pytest.raises(InputError):
        certify_relu_slope(land, a, a, float("inf"))


@settings(max_examples=20, deadline=None)
@given(configs, st.sampled_from([1, 3, 64, 4096]))
def test_pruned_cells_are_bounded_rigorously(cfg, cells):
    """energy_candidates: the bound on the pruned cells is ≥ the energy there (dense and exact
    oracles), and the best cell-end value is within the proven error of the exact energy."""
    seed = cfg.pop("seed")
    land, rng = make(seed, **cfg)
    a, b = rng.normal(size=land.dim), rng.normal(size=land.dim)
    pr = land.energy_candidates(a, b, buckets=cells)
    pq = land.energy_pieces(a, b)
    assert abs(exact_energy(land, a, b, pr.best_t) - Fraction(pr.best)) <= Fraction(pr.error_bound)
    if pr.lo.size:
        mids = 0.5 * (pr.lo + pr.hi)
        vals = np.einsum("id,id->i", pr.coeffs, mids[:, None] ** np.arange(5))
        np.testing.assert_allclose(vals, pq(mids), rtol=1e-9, atol=1e-9)
    ts = np.linspace(0, 1, 20_001)
    covered = np.zeros(ts.size, dtype=bool)
    for lo, hi in zip(pr.lo, pr.hi):
        covered |= (ts >= lo) & (ts <= hi)
    e = land.segment_energies(a, b, ts)
    if (~covered).any():
        assert e[~covered].max() <= pr.upper_rest
        worst = ts[~covered][int(np.argmax(e[~covered]))]
        assert exact_energy(land, a, b, worst) <= Fraction(pr.upper_rest)


@settings(max_examples=15, deadline=None)
@given(configs)
def test_max_endpoints_promise_against_exact_values(cfg):
    """≤ max of endpoints: holds ⇒ no exact value on a dense grid exceeds the exact endpoint
    maximum; fails ⇒ the exact energy at argmax_t exceeds it."""
    seed = cfg.pop("seed")
    land, rng = make(seed, **cfg)
    a, b = rng.normal(size=land.dim), rng.normal(size=land.dim)
    cert = certify_relu_promise(land, Segment(a, b, "s", LE_MAX_ENDPOINTS))
    ends = max(exact_energy(land, a, b, 0.0), exact_energy(land, a, b, 1.0))
    ts = np.linspace(0, 1, 4001)
    top = ts[np.argsort(land.segment_energies(a, b, ts))[-3:]]
    if cert.holds:
        assert all(exact_energy(land, a, b, t) <= ends for t in top)
    elif cert.outcome == "fails":
        assert exact_energy(land, a, b, cert.argmax_t) > ends
    assert cert.outcome in ("holds", "fails", "inconclusive") and cert.is_proof


def test_hand_over_between_identical_rows_is_exactly_constant():
    """Two units with identical rows trade their output weight (the Theorem 2.4 hand-over): the
    network function is unchanged at every t; with ℓ1 the norm is kept too (same signs)."""
    for l1 in (0.0, 0.05):
        land, rng = make(8, m=4, l1=l1)
        P = land.unflatten(rng.normal(size=land.dim))
        W, bias = P.W.copy(), P.b.copy()
        W[1], bias[1] = W[0], bias[0]
        U0, U1 = P.U.copy(), P.U.copy()
        U0[0, :2] = [0.75, 0.0]
        U1[0, :2] = [0.0, 0.75]
        seg = Segment(land.flatten(W, bias, U0), land.flatten(W, bias, U1), "hand over", CONSTANT)
        cert = certify_relu_promise(land, seg)
        assert cert.holds and cert.method == "exact"
        # the group's total weight changes (0.75 → −0.75): the energy moves, the rigorous
        # constant-energy certificate fails
        U1[0, :2] = [0.0, -0.75]
        swapped = certify_relu_promise(
            land, Segment(seg.a, land.flatten(W, bias, U1), "flip", CONSTANT)
        )
        assert swapped.method == "rigorous" and swapped.outcome == "fails"
