from __future__ import annotations

from math import comb

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from sublevel.theory.errors import InputError
from sublevel.theory.liftings import quadratic as quad

entry = st.fractions(min_value=-5, max_value=5, max_denominator=6)


@given(st.integers(1, 4), st.integers(1, 5), st.data())
def test_output_is_linear_in_the_lifted_parameter(n, p, data):
    W = sp.Matrix(p, n, [data.draw(entry) for _ in range(p * n)])
    u = [data.draw(entry) for _ in range(p)]
    x = [data.draw(entry) for _ in range(n)]
    A = quad.lifted_parameter(u, W)
    xv = sp.Matrix(x)
    assert A == A.T
    assert quad.quadratic_network_output(u, W, x) == (xv.T * A * xv)[0, 0]
    # ⟨A, xxᵀ⟩_F
    assert quad.quadratic_network_output(u, W, x) == sum(A.multiply_elementwise(xv * xv.T))


@pytest.mark.parametrize("n", [1, 2, 4])
def test_symbolic_identities(n):
    assert quad.prove_quadratic_identity(n)
    assert quad.prove_output_identity(2, n)


@pytest.mark.parametrize("N, K", [(1, 1), (2, 1), (3, 1), (2, 2), (3, 2), (2, 3)])
def test_span_of_deep_outputs_has_the_lifted_dimension(N, K):
    """Oracle: exact rank of random K-layer outputs = C(N + 2^K − 1, 2^K)."""
    assert quad.lifted_dimension(N, K) == comb(N + 2**K - 1, 2**K)
    assert quad.deep_quadratic_span_dimension(N, K, seed=N + 10 * K) == quad.lifted_dimension(N, K)


def test_degrees_and_bounds():
    assert [quad.lifted_degree(k) for k in range(4)] == [1, 2, 4, 8]
    for N in range(1, 5):
        for k in range(1, 3):
            assert quad.lifted_dimension(N, k) <= N ** (2**k)


def test_outputs_are_homogeneous_of_degree_two_to_the_k():
    x = sp.symbols("x0:2")
    outs = quad.deep_quadratic_output([[[1, 2], [3, -1]], [[1, 1]]], x)
    assert all(sp.Poly(o, *x).is_homogeneous and sp.Poly(o, *x).total_degree() == 4 for o in outs)


def test_bad_input():
    with pytest.raises(InputError, match="N = 0"):
        quad.lifted_dimension(0, 1)
    with pytest.raises(InputError, match="rows"):
        quad.lifted_parameter([1, 2], sp.ones(3, 2))
    with pytest.raises(InputError, match="columns"):
        quad.deep_quadratic_output([[[1, 2, 3]]], sp.symbols("x0:2"))
