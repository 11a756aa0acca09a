"""Constructions A and B (finite intrinsic dimension): exactly certified pieces, constant
pieces constant, descent to the cvxpy optimum, refusals below the thresholds, degenerate data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.conformance import check_path
from sublevel.numerics.energies.activations import make_activation
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer
from sublevel.numerics.energies.two_layer_population import PopulationTwoLayer
from sublevel.numerics.paths.base import CONSTANT, LE_MAX_ENDPOINTS, NON_INCREASING
from sublevel.numerics.paths.intrinsic import (
    certify_construction,
    compress,
    construction_a,
    construction_b,
    feature_coordinates,
    sample_degeneracy,
    symbolic_function_change,
)
from sublevel.numerics.paths.intrinsic_ball import ball_construction_a
from sublevel.numerics.paths.intrinsic_exact import (
    certified_exact,
    certify_exact_construction,
    exact_construction_a,
    exact_construction_b,
)
from sublevel.theory.errors import HypothesisError, InputError

coefficient_lists = st.lists(st.integers(-3, 3), min_size=2, max_size=5).filter(
    lambda c: any(c[1:])
)


def _degenerate(land, rng, mode):
    W, U = land.unflatten(land.random_point(rng))
    if mode == 1:
        W[1:] = W[0]
    elif mode == 2:
        W[rng.random(W.shape[0]) < 0.5] = 0.0
    elif mode == 3:
        W = np.outer(rng.normal(size=W.shape[0]), rng.normal(size=W.shape[1]))
    return land.flatten(W, U)


def _land(coeffs, n, p_of_q, population, seed, L=None):
    act = make_activation(coeffs)
    rng = np.random.default_rng(seed)
    q = EmpiricalTwoLayer(act, np.ones((1, n)), np.ones(1), 1).lifted_problem().q
    p = p_of_q(q)
    if population:
        land = PopulationTwoLayer(
            act,
            n,
            p,
            teacher_W=rng.normal(size=(2, n)),
            teacher_U=rng.normal(size=(1, 2)),
            noise_variance=0.1,
        )
    else:
        L = L or int(rng.integers(2, 2 * q + 4))
        land = EmpiricalTwoLayer(act, rng.normal(size=(L, n)), rng.normal(size=(L, 2)), p)
    return land, q, rng


def _float_ok(cert, rtol=1e-9):
    """The float path's certificates are sampled (float polynomials) and fail, if at all, only
    within rounding; the exact path (sublevel.numerics.paths.intrinsic_exact) decides."""
    scale = max(1.0, abs(cert.bound), abs(cert.max_energy))
    return cert.method == "sampled" and (cert.outcome != "fails" or -cert.margin <= rtol * scale)


def _constant_to(land, piece, rtol=1e-10):
    ts = np.linspace(0, 1, 33)
    es = land.energies(piece.points(ts))
    return float(np.max(np.abs(es - es[0]))) <= rtol * max(1.0, abs(es[0]))


@settings(max_examples=20, deadline=None)
@given(
    coeffs=coefficient_lists,
    n=st.integers(1, 4),
    extra=st.integers(0, 2),
    population=st.booleans(),
    mode=st.integers(0, 3),
    seed=st.integers(0, 10_000),
)
def test_construction_a_is_exact_and_ends_at_the_lifted_optimum(
    coeffs, n, extra, population, mode, seed
):
    land, q, rng = _land(coeffs, n, lambda q: q + extra, population, seed)
    theta = _degenerate(land, rng, mode)
    cons = construction_a(land, theta, seed=seed)
    assert np.array_equal(cons.start, theta)
    certs, checks = certify_construction(land, cons)
    assert all(_float_ok(c) for c in certs)
    assert checks["ends_at_optimum"] and checks["function_constant"]
    exact = certify_exact_construction(exact_construction_a(land, theta, seed=seed))
    assert all(c.holds and c.method == "exact" and c.holds_within == 0 for c in exact)
    for piece in cons.path.pieces:
        if piece.promise == CONSTANT:
            assert _constant_to(land, piece)
        else:
            assert piece.promise == NON_INCREASING
            es = land.energies(piece.points(np.linspace(0, 1, 33)))
            assert np.all(np.diff(es) <= 1e-10 * max(1.0, abs(es[0])))
    f_cvx = land.lifted_problem().minimum_cvxpy()[1]
    assert abs(land.energy(cons.end) - f_cvx) <= 1e-6 * max(1.0, abs(f_cvx))


@settings(max_examples=15, deadline=None)
@given(
    coeffs=coefficient_lists,
    n=st.integers(1, 3),
    extra=st.integers(0, 2),
    population=st.booleans(),
    modes=st.tuples(st.integers(0, 3), st.integers(0, 3)),
    seed=st.integers(0, 10_000),
)
def test_construction_b_stays_below_the_larger_endpoint(coeffs, n, extra, population, modes, seed):
    land, q, rng = _land(coeffs, n, lambda q: 2 * q + extra, population, seed)
    a, b = _degenerate(land, rng, modes[0]), _degenerate(land, rng, modes[1])
    cons = construction_b(land, a, b)
    assert np.array_equal(cons.start, a) and np.array_equal(cons.end, b)
    bound = max(land.energy(a), land.energy(b))
    assert cons.bound == bound
    certs, checks = certify_construction(land, cons)
    assert all(_float_ok(c) for c in certs) and checks["function_constant"]
    exact = certify_exact_construction(exact_construction_b(land, a, b))
    assert all(c.holds and c.method == "exact" and c.holds_within == 0 for c in exact)
    es = land.energies(cons.path.points(np.linspace(0, 1, 401)))
    assert es.max() <= bound + 1e-9 * max(1.0, bound)
    assert [p.promise for p in cons.path.pieces].count(LE_MAX_ENDPOINTS) == 1
    check_path(
        land,
        cons.path,
        certificates=certs[: len(cons.path.pieces)],
        bound=bound,
        theta_a=a,
        theta_b=b,
    ).raise_if_failed()


def test_compress_keeps_the_lifted_parameter():
    rng = np.random.default_rng(0)
    land = EmpiricalTwoLayer("z**3 + z", rng.normal(size=(10, 2)), rng.normal(size=10), 8)
    problem = land.lifted_problem()
    W, U = land.unflatten(land.random_point(rng))
    W[2] = 0.0
    W[4:] = W[:4]  # rows 0, 1, 3 distinct; 2 and 6 zero
    comp = compress(problem, W, U)
    F = feature_coordinates(problem, W)
    assert comp.rank == np.linalg.matrix_rank(F) == 3
    assert np.allclose(comp.U @ F, U @ F, atol=1e-12)
    assert np.all(comp.U[:, np.setdiff1d(np.arange(8), comp.active)] == 0)


@pytest.mark.parametrize("activation,n", [("z**2", 3), ("z**3 - z", 2)])
def test_refusals_name_q_and_p(activation, n):
    rng = np.random.default_rng(1)
    q = {("z**2", 3): 6, ("z**3 - z", 2): 6}[(activation, n)]
    small = EmpiricalTwoLayer(activation, rng.normal(size=(9, n)), rng.normal(size=9), q - 1)
    with pytest.raises(HypothesisError, match=rf"p = {q - 1} hidden units < q = {q}") as err:
        construction_a(small, small.random_point(rng))
    assert err.value.claim == "vbb.finite-dim.p-ge-q"
    mid = EmpiricalTwoLayer(activation, small.X, small.Y, 2 * q - 1)
    with pytest.raises(
        HypothesisError, match=rf"p = {2 * q - 1} hidden units < 2q = {2 * q}"
    ) as err:
        construction_b(mid, mid.random_point(rng), mid.random_point(rng))
    assert err.value.alternative == "vbb.finite-dim.p-ge-q"
    construction_a(mid, mid.random_point(rng))  # p ≥ q still works


def test_construction_needs_a_two_layer_energy():
    from sublevel.numerics.energies.quadratic_deep import DeepQuadratic

    deep = DeepQuadratic(np.ones((3, 2)), np.ones(3), [2])
    with pytest.raises(InputError, match="not a two-layer energy"):
        construction_a(deep, np.zeros(deep.dim))


def test_symbolic_function_change_is_exact():
    rng = np.random.default_rng(2)
    land = EmpiricalTwoLayer("z**2 - z", rng.normal(size=(8, 2)), rng.normal(size=8), 7)
    W, U = land.unflatten(land.random_point(rng))
    W[3:] = W[0]
    cons = construction_a(land, land.flatten(W, U))
    free = [p for p in cons.path.pieces if p.label.startswith("free moves")][0]
    assert (
        symbolic_function_change(land.activation, land.unflatten(free.a), land.unflatten(free.b))
        == 0
    )  # zero-output rows: exactly 0
    comp = cons.path.pieces[0]
    change = symbolic_function_change(
        land.activation, land.unflatten(comp.a), land.unflatten(comp.b)
    )
    assert 0 <= change < 1e-12
    moved = land.flatten(W + 1.0, U)
    assert (
        symbolic_function_change(land.activation, land.unflatten(comp.a), land.unflatten(moved))
        > 0.1
    )
    with pytest.raises(InputError, match="not a polynomial"):
        symbolic_function_change("tanh", (W, U), (W, U))


def test_descent_promise_is_scale_aware():
    """A teacher of energy ~1e5: the float descent ends at the minimiser, where dE/dt(1) = 0 up
    to rounding of the size 1e-16·E (sampled); the exact path decides with τ = 0."""
    rng = np.random.default_rng(5)
    land = PopulationTwoLayer(
        "z**3",
        2,
        6,
        teacher_W=10 * rng.normal(size=(2, 2)),
        teacher_U=30 * rng.normal(size=(1, 2)),
        noise_variance=0.0,
    )
    theta = land.random_point(rng)
    cons = construction_a(land, theta)
    certs, checks = certify_construction(land, cons)
    assert land.energy(cons.start) > 1e4
    assert all(_float_ok(c) for c in certs) and checks["ends_at_optimum"]
    # the exact path needs no scale: E′ ≤ 0 exactly, ending exactly at the lifted optimum
    exact = exact_construction_a(land, theta)
    proof = certify_exact_construction(exact)
    assert all(c.holds and c.method == "exact" and c.holds_within == 0 for c in proof)
    assert exact.details["ends_at_optimum"]


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_empirical_construction_reaches_the_projection_of_the_targets(activation):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(8, 3))
    land = EmpiricalTwoLayer(activation, X, rng.normal(size=(8, 2)), 9)
    problem = land.lifted_problem("values")
    assert problem.q == 8
    W, U = land.unflatten(land.random_point(rng))
    W[2:] = W[0]
    cons = construction_a(land, land.flatten(W, U), problem=problem)
    certs, checks = certify_construction(land, cons)
    assert all(_float_ok(c) for c in certs)
    assert checks["ends_at_optimum"] and land.energy(cons.end) < 1e-20  # features span R^L
    proof, _ = certified_exact(
        lambda: exact_construction_a(land, land.flatten(W, U), q=problem.q, kind="values"),
        lambda: ball_construction_a(land, land.flatten(W, U), problem),
    )
    assert proof and all(c.holds and c.is_proof and c.holds_within == 0 for c in proof)
    assert {c.method for c in proof} == (
        {"exact"} if activation == "relu" else {"exact", "rigorous"}
    )


def test_degenerate_data_is_detected_not_a_crash():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(7, 2))
    X[5] = X[1]  # duplicate
    X[6] = 2.5 * X[2]  # positively parallel: ReLU features proportional
    land = EmpiricalTwoLayer("relu", X, rng.normal(size=7), 8)
    deg = sample_degeneracy(land)
    assert deg.degenerate and deg.q_emp == 5
    assert deg.duplicates == [[1, 5]] and set(deg.dependent) == {1, 2, 5, 6}
    assert "identical samples {1, 5}" in deg.message
    cons = construction_a(land, land.random_point(rng), problem=land.lifted_problem("values"))
    assert checks_hold(land, cons)
    tanh = EmpiricalTwoLayer("tanh", np.vstack([X[:5], -X[0]]), rng.normal(size=6), 6)
    assert set(sample_degeneracy(tanh).dependent) == {0, 5}  # antipodal samples, odd ρ
    clean = EmpiricalTwoLayer("relu", rng.normal(size=(5, 3)), rng.normal(size=5), 5)
    assert not sample_degeneracy(clean).degenerate
    quadratic = EmpiricalTwoLayer("z**2", clean.X, clean.Y, 5)
    with pytest.raises(InputError, match="'values' lifting"):
        sample_degeneracy(quadratic, quadratic.lifted_problem("polynomial"))


def checks_hold(land, cons):
    certs, checks = certify_construction(land, cons)
    return (
        all(_float_ok(c) for c in certs)
        and checks["ends_at_optimum"]
        and checks["function_constant"]
    )


def test_construction_a_asks_the_registry_for_p_ge_q(monkeypatch):
    """Hypotheses written once: Construction A (float and exact) decides p ≥ q with the
    registry's predicate — replacing it changes what the constructions accept."""
    import dataclasses

    from sublevel.numerics.paths.intrinsic_exact import exact_construction_a
    from sublevel.theory import claims

    rng = np.random.default_rng(1)
    small = EmpiricalTwoLayer("z**2", rng.normal(size=(9, 3)), rng.normal(size=9), 5)  # q = 6
    original = claims.get_claim("vbb.finite-dim.p-ge-q")
    strict = dataclasses.replace(original, hypotheses=lambda d: False)
    monkeypatch.setitem(claims.CLAIMS, "vbb.finite-dim.p-ge-q", strict)
    wide = EmpiricalTwoLayer("z**2", small.X, small.Y, 12)
    with pytest.raises(HypothesisError, match="p = 12 hidden units < q = 6"):
        construction_a(wide, wide.random_point(rng))  # the registry now refuses even p ≥ q
    with pytest.raises(HypothesisError, match="p = 12 hidden units < q = 6"):
        exact_construction_a(wide, wide.random_point(rng))
    monkeypatch.setitem(claims.CLAIMS, "vbb.finite-dim.p-ge-q", original)
    with pytest.raises(HypothesisError) as info:
        construction_a(small, small.random_point(rng))
    assert str(info.value) == str(claims.construction_a_refusal(5, 6))
