from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from sublevel.theory.errors import InputError
from sublevel.theory.liftings import multilinear as ml

small = st.integers(min_value=1, max_value=3)
entry = st.fractions(min_value=-5, max_value=5, max_denominator=6)


@st.composite
def layers(draw, max_depth=4):
    K = draw(st.integers(2, max_depth))
    widths = [draw(small) for _ in range(K + 1)]
    weights = [
        sp.Matrix(widths[k + 1], widths[k], [draw(entry) for _ in range(widths[k + 1] * widths[k])])
        for k in range(K)
    ]
    return widths, weights


@st.composite
def invertible(draw, n):
    """Unit lower triangular × upper triangular with nonzero diagonal: always in GL(n)."""
    lower = sp.Matrix(
        n, n, lambda i, j: 1 if i == j else (draw(st.integers(-3, 3)) if i > j else 0)
    )
    upper = sp.Matrix(
        n,
        n,
        lambda i, j: (
            draw(st.sampled_from([1, -1, 2, -3]))
            if i == j
            else (draw(st.integers(-3, 3)) if i < j else 0)
        ),
    )
    return lower * upper


@given(layers(), st.data())
def test_product_is_gauge_invariant(wl, data):
    widths, weights = wl
    gauges = [data.draw(invertible(widths[k])) for k in range(1, len(widths) - 1)]
    assert ml.prove_invariance(weights, gauges)


@given(layers())
def test_product_matches_numpy_oracle(wl):
    _, weights = wl
    P = ml.product_map(weights)
    ref = np.eye(weights[0].shape[1])
    for W in weights:
        ref = np.array(W, dtype=float) @ ref
    assert np.allclose(np.array(P, dtype=float), ref, atol=1e-12)


@given(small, small, st.integers(1, 4), st.data())
def test_hessian_of_lifted_loss_is_kronecker(n, m, L, data):
    X = sp.Matrix(L, n, [data.draw(entry) for _ in range(L * n)])
    Y = sp.Matrix(L, m, [data.draw(entry) for _ in range(L * m)])
    W = sp.Matrix(m, n, lambda i, j: sp.Symbol(f"W{i}{j}"))
    H = ml.lifted_square_loss_hessian(W, X, Y)
    assert H == 2 * sp.kronecker_product(X.T * X / L, sp.eye(m))
    assert H.is_positive_semidefinite


@pytest.mark.parametrize("n, m, L", [(1, 1, 1), (2, 1, 2), (2, 2, 3), (1, 3, 2)])
def test_symbolic_proofs(n, m, L):
    assert ml.prove_hessian_is_kronecker(n, m, L)
    assert ml.prove_psd_as_sum_of_squares(n, m, L)


@pytest.mark.parametrize("K", [1, 2, 3, 5])
def test_symbolic_dimension_invariance_and_its_negative_control(K):
    assert ml.prove_invariance_symbolic_dims(K)
    if K > 1:
        assert not ml.prove_invariance_symbolic_dims(K, inverse=False)


def test_transpose_action_breaks_the_product():
    W = [sp.Matrix([[1, 2], [3, 4]]), sp.Matrix([[1, 1], [0, 2]])]
    assert not ml.prove_invariance(W, [sp.Matrix([[2, 1], [1, 1]])], inverse=False)


def test_bad_input():
    with pytest.raises(InputError, match="rows"):
        ml.product_map([sp.eye(2), sp.ones(3, 3)])
    with pytest.raises(InputError, match="singular"):
        ml.act([sp.eye(2), sp.eye(2)], [sp.zeros(2, 2)])
    with pytest.raises(InputError, match="non-exact"):
        ml.product_map([[[0.5, 1.0]]])
    with pytest.raises(InputError, match="widths"):
        ml.symbolic_weights([3])
