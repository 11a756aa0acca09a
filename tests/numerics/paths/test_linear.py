"""sublevel.numerics.paths.linear: the BF'16 Prop. 2.2 construction (connect, descend) and its
certificates — endpoints, products, bounds, hypotheses, degenerate cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.conformance import check_path
from sublevel.numerics.energies.linear import DeepLinear, flatten
from sublevel.numerics.paths.base import CONSTANT, LE_MAX_ENDPOINTS, NON_INCREASING
from sublevel.numerics.paths.linear import (
    certify_linear_path,
    check_widths,
    connect,
    descend,
    preprocess,
    reference_products,
)
from sublevel.numerics.strategies import linear_widths, seeds
from sublevel.theory.errors import HypothesisError, InputError

from tests.numerics.paths.linear_instances import (
    DATA_KINDS,
    DEGENERATE_B,
    DESCENT_KINDS,
    DESCENT_WIDTHS,
    linear_instance,
    random_weights,
)


def _scale(*arrays):
    return max(1.0, max(float(np.max(np.abs(a))) for a in arrays))


@settings(max_examples=30, deadline=None)
@given(
    w=linear_widths(satisfying=True, min_layers=2, max_layers=5, max_width=7),
    seed=seeds(),
    kind=DATA_KINDS,
    deg_a=st.sampled_from([None, "zero-column", "zero-layer", "rank-one", "all-zero"]),
    deg_b=DEGENERATE_B,
)
def test_connect_properties(w, seed, kind, deg_a, deg_b):
    """Endpoints reproduced to 1e-12, product = reference P(t) to 1e-9; the float path's
    rigorous certificates never put it above the bound beyond rounding, and the dense maximum
    is ≤ max(E_A, E_B) + tolerance (the exact path, which decides, is tested in
    test_linear_exact.py)."""
    X, Y, (wa, wb) = linear_instance(seed, w, kind, (deg_a, deg_b), samples=8)
    path = connect(wa, wb, X, Y)
    scale = _scale(*wa, *wb)
    assert np.max(np.abs(path.start - flatten(wa))) <= 1e-12 * scale
    assert np.max(np.abs(path.end - flatten(wb))) <= 1e-12 * scale
    E = DeepLinear(w, X, Y)
    ts = np.linspace(0.0, 1.0, 33)
    for piece in path.pieces:
        realised = E.products(piece.points(ts))
        ref = reference_products(piece, ts)
        assert np.max(np.abs(realised - ref)) <= 1e-9 * max(1.0, float(np.max(np.abs(ref))))
        assert piece.promise in (CONSTANT, LE_MAX_ENDPOINTS)
    bound = max(E.energy(flatten(wa)), E.energy(flatten(wb)))
    certs = certify_linear_path(path, X, Y, bound)
    assert all(c.method == "rigorous" for c in certs.proofs)
    assert all(c.max_energy_enclosure[0] <= bound + 1e-9 * max(1.0, bound) for c in certs.proofs)
    assert all(
        c.outcome != "fails" or c.max_energy_enclosure[0] - bound <= 1e-9 * max(1.0, bound)
        for c in certs.proofs
    )
    assert certs.sampled.max_energy <= bound + 1e-9 * max(1.0, bound)
    dense = E.energies(path.points(np.linspace(0, 1, 1001)))
    assert dense.max() <= bound + 1e-9 * max(1.0, bound)


@settings(max_examples=15, deadline=None)
@given(w=linear_widths(satisfying=False, min_layers=2, max_layers=4, max_width=5), seed=seeds())
def test_connect_refuses_widths_that_violate_the_hypothesis(w, seed):
    X, Y, (wa, wb) = linear_instance(seed, w, "random", samples=6)
    with pytest.raises(HypothesisError) as info:
        connect(wa, wb, X, Y)
    k = next(k for k in range(1, len(w) - 1) if w[k] <= min(w[0], w[-1]))
    assert f"layer {k}" in str(info.value) and str(w) in str(info.value)
    low = min(w[0], w[-1])
    assert info.value.alternative == (
        "bf16.linear.square-boundary" if w[k] == low else "lbb.multilinear"
    )
    assert info.value.claim == "bf16.prop2.2.linear"


@pytest.mark.parametrize("w", [[2, 3, 2], [4, 5, 2], [2, 3, 5], [5, 6, 6, 1], [1, 2, 2, 2, 6]])
def test_both_sides_of_the_width_condition_and_the_path_contract(w):
    """n ≤ m merges the first hidden layer, n > m the last (transposed network); the
    conformance suite's path invariants hold (endpoints, continuity, length, reversal)."""
    rng = np.random.default_rng(sum(w))
    X, Y = rng.normal(size=(10, w[0])), rng.normal(size=(10, w[-1]))
    wa, wb = random_weights(rng, w), random_weights(rng, w)
    path = connect(wa, wb, X, Y)
    E = DeepLinear(w, X, Y)
    certs = certify_linear_path(path, X, Y, max(E.energy(flatten(wa)), E.energy(flatten(wb))))
    check_path(
        E,
        path,
        certificates=certs.rigorous,
        theta_a=flatten(wa),
        theta_b=flatten(wb),
        name=f"connect{w}",
    ).raise_if_failed()
    assert path.pieces[len(path.pieces) // 2].info["reference"]["widths"] == [w[0], w[-1]]


def test_lifted_piece_is_the_straight_product_path_and_energy_is_quadratic():
    rng = np.random.default_rng(0)
    w = [3, 4, 5, 3]
    X, Y = rng.normal(size=(9, 3)), rng.normal(size=(9, 3))
    wa, wb = random_weights(rng, w), random_weights(rng, w)
    path = connect(wa, wb, X, Y)
    lifted = [p for p in path.pieces if p.info["step"].startswith("lifted")]
    assert len(lifted) == 1
    E = DeepLinear(w, X, Y)
    Pa, Pb = E.product(flatten(wa)), E.product(flatten(wb))
    ts = np.linspace(0, 1, 11)
    np.testing.assert_allclose(
        E.products(lifted[0].points(ts)),
        (1 - ts)[:, None, None] * Pa + ts[:, None, None] * Pb,
        atol=1e-10,
    )


@settings(max_examples=20, deadline=None)
@given(
    w=DESCENT_WIDTHS,
    seed=seeds(),
    deg=st.sampled_from([None, "zero-column", "zero-layer", "rank-one"]),
    kind=DESCENT_KINDS,
)
def test_descend_is_strictly_decreasing_to_the_reduced_rank_optimum(w, seed, deg, kind):
    X, Y, (ws,) = linear_instance(seed, w, kind, (deg,))
    E = DeepLinear(w, X, Y)
    path = descend(ws, X, Y)
    assert np.max(np.abs(path.start - flatten(ws))) <= 1e-12 * _scale(*ws)
    e0, e_star = E.energy(flatten(ws)), E.global_minimum()
    assert E.energy(path.end) == pytest.approx(e_star, rel=1e-9, abs=1e-10)
    assert path.pieces[-1].promise == NON_INCREASING
    assert all(p.promise == CONSTANT for p in path.pieces[:-1])
    certs = certify_linear_path(path, X, Y, e0)
    assert all(
        c.outcome != "fails" or c.max_energy_enclosure[0] - e0 <= 1e-9 * max(1.0, e0)
        for c in certs.proofs
    )
    es = E.energies(path.pieces[-1].points(np.linspace(0, 1, 200)))
    assert np.all(np.diff(es) <= 1e-9 * max(1.0, e0))


def test_generic_descend_is_a_single_segment_moving_the_last_layer():
    rng = np.random.default_rng(3)
    w = [2, 3, 4, 5]
    X, Y = rng.normal(size=(8, 2)), rng.normal(size=(8, 5))
    ws = random_weights(rng, w)
    path = descend(ws, X, Y)
    assert len(path.pieces) == 1
    start, end = (DeepLinear(w, X, Y).unflatten(p) for p in (path.start, path.end))
    for k in range(2):
        np.testing.assert_array_equal(start[k], end[k])


@pytest.mark.parametrize("h, n", [(3, 2), (5, 3), (4, 1)])
def test_preprocess_steps_keep_the_product(h, n):
    rng = np.random.default_rng(h * n)
    W1 = rng.normal(size=(h, n))
    W1[:, 0] = 0.0
    W2 = rng.normal(size=(4, h))
    steps, W1p, W2p = preprocess(W1, W2)
    assert [s[0] for s in steps] == ["a", "b"]
    for _name, s1, e1, s2, e2 in steps:
        for t in (0.0, 0.3, 1.0):
            np.testing.assert_allclose(
                ((1 - t) * s2 + t * e2) @ ((1 - t) * s1 + t * e1), W2 @ W1, atol=1e-12
            )
    assert np.linalg.matrix_rank(W1p) == n
    U = np.linalg.svd(W1p)[0][:, n:]
    np.testing.assert_allclose(W2p @ U, 0, atol=1e-12)


def test_sampled_evaluation_never_decides_the_outcome():
    rng = np.random.default_rng(1)
    w = [2, 3, 2]
    X, Y = rng.normal(size=(6, 2)), rng.normal(size=(6, 2))
    wa, wb = random_weights(rng, w), random_weights(rng, w)
    certs = certify_linear_path(connect(wa, wb, X, Y), X, Y, -1.0)  # a bound below everything
    assert not certs.realised.holds and not any(c.holds for c in certs.rigorous)
    assert all(c.outcome == "fails" for c in certs.rigorous)  # the whole enclosure is above
    assert certs.realised.method == "sampled" and certs.realised not in certs.proofs
    assert certs.sampled.method == "sampled" and not certs.sampled.is_proof


def test_bad_input():
    rng = np.random.default_rng(0)
    w = [2, 3, 2]
    X, Y = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    wa, wb = random_weights(rng, w), random_weights(rng, w)
    with pytest.raises(InputError, match="weights_b have widths"):
        connect(wa, random_weights(rng, [2, 4, 2]), X, Y)
    with pytest.raises(InputError, match="X has 3 columns"):
        connect(wa, wb, rng.normal(size=(5, 3)), Y)
    with pytest.raises(InputError, match="L = 0"):
        connect(wa, wb, np.ones((0, 2)), np.ones((0, 2)))
    bad = [W.copy() for W in wa]
    bad[1][0, 0] = np.inf
    with pytest.raises(InputError, match=r"W_2\[0, 0\]"):
        connect(bad, wb, X, Y)
    with pytest.raises(InputError, match=r"Y\[1, 0\]"):
        Yn = Y.copy()
        Yn[1, 0] = np.nan
        descend(wa, X, Yn)
    with pytest.raises(InputError, match="rank_tol"):
        connect(wa, wb, X, Y, rank_tol=-1.0)
    with pytest.raises(HypothesisError, match="layer 1"):
        check_widths([3, 3, 3])


def test_the_width_hypothesis_is_the_registry_s(monkeypatch):
    """Hypotheses written once: the construction asks the registry's predicate and raises its
    refusal — replacing the registered predicate changes what connect accepts."""
    import dataclasses

    from sublevel.theory import claims

    original = claims.get_claim("bf16.prop2.2.linear")
    permissive = dataclasses.replace(original, hypotheses=lambda d: True)
    monkeypatch.setitem(claims.CLAIMS, "bf16.prop2.2.linear", permissive)
    check_widths([3, 3, 3])  # the registry now accepts it, so the construction does
    strict = dataclasses.replace(original, hypotheses=lambda d: False)
    monkeypatch.setitem(claims.CLAIMS, "bf16.prop2.2.linear", strict)
    with pytest.raises(HypothesisError, match=r"hypotheses of bf16.prop2.2.linear: n_k > min"):
        check_widths([2, 9, 2])
    monkeypatch.setitem(claims.CLAIMS, "bf16.prop2.2.linear", original)
    with pytest.raises(HypothesisError) as info:
        check_widths([2, 2, 3])
    assert str(info.value) == str(claims.wide_inner_refusal(original, [2, 2, 3]))


@settings(max_examples=25, deadline=None)
@given(
    w=linear_widths(satisfying=True, min_layers=2, max_layers=5, max_width=7),
    seed=seeds(),
    deg_a=st.sampled_from([None, "zero-column", "rank-one"]),
    deg_b=DEGENERATE_B,
    n=st.sampled_from([1, 2, 7, 65]),
)
def test_connect_s_batches_are_each_piece_s_own_values(w, seed, deg_a, deg_b, n):
    """What connect computes in batches is bit for bit what each piece's closed form gives on
    its own: the ends (one batch per induction level — so the continuity check and
    Path.start/end see the path itself) and pieces_points (the lifted pieces level by level,
    one join call per level) at any number of local times."""
    from sublevel.numerics.paths.base import FunctionPiece

    X, Y, (wa, wb) = linear_instance(seed, w, "random", (deg_a, deg_b), samples=6)
    path = connect(wa, wb, X, Y)
    for p in path.pieces:
        if isinstance(p, FunctionPiece):
            start, end = p.start, p.end  # precomputed, not evaluated
            both = p.fn(np.array([0.0, 1.0]))
            assert np.array_equal(start, both[0]) and np.array_equal(end, both[1]), p.label
    ts = np.linspace(0.0, 1.0, n)
    batch = path.pieces_points(ts)
    assert batch.shape == (len(path.pieces), n, path.dim)
    for piece, values in zip(path.pieces, batch):
        assert np.array_equal(values, piece.points(ts)), piece.label


def test_a_function_piece_refuses_ends_of_the_wrong_shape():
    from sublevel.numerics.paths.base import FunctionPiece

    with pytest.raises(InputError, match="ends have shapes"):
        FunctionPiece(lambda ts: np.zeros((ts.size, 3)), ends=(np.zeros(3), np.zeros(4)))


def test_descend_on_a_given_landscape_is_the_same_path():
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(8, 2)), rng.normal(size=(8, 3))
    w = random_weights(rng, [2, 4, 3])
    E = DeepLinear([2, 4, 3], X, Y)
    ts = np.linspace(0.0, 1.0, 9)
    assert np.array_equal(
        descend(w, X, Y, landscape=E).pieces_points(ts), descend(w, X, Y).pieces_points(ts)
    )
    with pytest.raises(InputError, match="landscape has widths"):
        descend(w, X, Y, landscape=DeepLinear([2, 4, 3], X, Y, kappa=1.0))
