"""Tests of sublevel.numerics.paths.exact_linalg against sympy's exact matrices (an independent
implementation): projectors, pseudo-inverses, kernels, ranks and the float enclosures, on
rational matrices with repeated columns, zero columns and entries from 2⁻⁶⁰ to 2⁶⁰."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from flint import fmpq, fmpq_mat
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.paths.exact_linalg import (
    columns,
    enclosure,
    identity_matrix,
    inner,
    is_zero,
    kernel_basis,
    pinv_injective,
    pivots,
    project_rows,
    qmat,
    range_projector,
    rank,
    rows,
    stack,
)
from sublevel.theory.errors import InputError

#: rationals with small and large numerators and denominators, and dyadic extremes
RATIONALS = st.one_of(
    st.fractions(min_value=-50, max_value=50, max_denominator=97),
    st.integers(-60, 60).map(lambda e: Fraction(2) ** e),
    st.just(Fraction(0)),
)


@st.composite
def matrices(draw, rows_=(1, 6), cols=(1, 5), *, degenerate: bool = True):
    r = draw(st.integers(*rows_))
    c = draw(st.integers(*cols))
    entries = [[draw(RATIONALS) for _ in range(c)] for _ in range(r)]
    if degenerate and c > 1 and draw(st.booleans()):
        j, k = draw(st.integers(0, c - 1)), draw(st.integers(0, c - 1))
        scale = draw(RATIONALS)
        for row in entries:  # column k a multiple of column j (rank drops when k ≠ j)
            row[k] = scale * row[j]
    return entries


def _q(entries) -> fmpq_mat:
    r, c = len(entries), len(entries[0])
    return fmpq_mat(r, c, [fmpq(v.numerator, v.denominator) for row in entries for v in row])


def _sp(entries) -> sp.Matrix:
    return sp.Matrix([[sp.Rational(v.numerator, v.denominator) for v in row] for row in entries])


def _to_sp(A: fmpq_mat) -> sp.Matrix:
    return sp.Matrix(
        A.nrows(),
        A.ncols(),
        [
            sp.Rational(int(A[i, j].p), int(A[i, j].q))
            for i in range(A.nrows())
            for j in range(A.ncols())
        ],
    )


def _full_column_rank(B: sp.Matrix) -> bool:
    return B.rank() == B.shape[1]


@settings(max_examples=60, deadline=None)
@given(B=matrices(), data=st.data())
def test_project_rows_is_w_times_the_orthogonal_projector_onto_range_b(B, data):
    """WΠ with Π = B(BᵀB)⁻¹Bᵀ, against sympy; a B without full column rank is refused."""
    Bs = _sp(B)
    W = data.draw(matrices(rows_=(1, 4), cols=(len(B), len(B)), degenerate=False))
    if not _full_column_rank(Bs):
        with pytest.raises(InputError, match="full column rank"):
            project_rows(_q(W), _q(B))
        return
    expected = _sp(W) * Bs * (Bs.T * Bs).inv() * Bs.T
    assert _to_sp(project_rows(_q(W), _q(B))) == expected


@settings(max_examples=60, deadline=None)
@given(M=matrices())
def test_pinv_injective_is_the_left_inverse_and_the_moore_penrose_inverse(M):
    Ms = _sp(M)
    if not _full_column_rank(Ms):
        with pytest.raises(InputError):
            pinv_injective(_q(M))
        return
    P = _to_sp(pinv_injective(_q(M)))
    assert P == Ms.pinv()
    assert P * Ms == sp.eye(Ms.shape[1])


@settings(max_examples=60, deadline=None)
@given(W=matrices())
def test_range_projector_rank_kernel_and_pivots_agree_with_sympy(W):
    Ws = _sp(W)
    Pi, r = range_projector(_q(W))
    assert r == Ws.rank() == rank(_q(W))
    Pis = _to_sp(Pi)
    assert Pis * Pis == Pis and Pis.T == Pis  # an orthogonal projector
    assert Pis * Ws == Ws  # onto a space containing range W, of dimension rank W
    assert Pis.rank() == r
    K = _to_sp(kernel_basis(_q(W)))
    assert K.shape == (Ws.shape[1], Ws.shape[1] - r)
    assert Ws * K == sp.zeros(Ws.shape[0], K.shape[1]) and K.rank() == K.shape[1]
    _, piv = pivots(_q(W))
    assert _sp(W)[:, piv].rank() == r == len(piv)


def test_zero_matrix_projects_to_zero_and_has_a_full_kernel():
    Z = fmpq_mat(3, 2)
    Pi, r = range_projector(Z)
    assert r == 0 and is_zero(Pi)
    assert kernel_basis(Z) == fmpq_mat(2, 2, [1, 0, 0, 1])
    assert is_zero(project_rows(fmpq_mat(2, 3, [1, 2, 3, 4, 5, 6]), fmpq_mat(3, 0)))


@settings(max_examples=60, deadline=None)
@given(A=matrices(degenerate=False), data=st.data())
def test_inner_stack_rows_and_columns(A, data):
    B = data.draw(matrices(rows_=(len(A), len(A)), cols=(len(A[0]), len(A[0])), degenerate=False))
    As, Bs = _sp(A), _sp(B)
    expected = sum(As.multiply_elementwise(Bs), sp.Integer(0))  # Σ A_ij B_ij
    assert inner(_q(A), _q(B)) == fmpq(int(sp.fraction(expected)[0]), int(sp.fraction(expected)[1]))
    S = _to_sp(stack([_q(A), _q(B)]))
    assert S == As.col_join(Bs)
    idx = list(range(len(A)))[::-1]
    assert _to_sp(rows(_q(A), idx)) == As[idx, :]
    cdx = list(range(len(A[0])))[::-1]
    assert _to_sp(columns(_q(A), cdx)) == As[:, cdx]


@settings(max_examples=200, deadline=None)
@given(q=RATIONALS, tiny=st.integers(-80, 80))
def test_enclosure_brackets_the_rational_with_adjacent_floats(q, tiny):
    x = q * Fraction(2) ** tiny + Fraction(1, 3) ** 5
    lo, hi = enclosure(fmpq(x.numerator, x.denominator))
    assert Fraction(lo) <= x <= Fraction(hi)
    assert lo == hi if Fraction(lo) == x else np.nextafter(lo, np.inf) == hi


def test_qmat_is_exact_and_refuses_non_finite_entries():
    a = np.array([[0.1, -1e-300], [3.5e200, 0.0]])
    Q = qmat(a)
    assert [Fraction(int(Q[i, j].p), int(Q[i, j].q)) for i in range(2) for j in range(2)] == [
        Fraction(v) for v in a.ravel()
    ]
    with pytest.raises(InputError, match="non-finite"):
        qmat(np.array([[1.0, np.nan]]))


def test_enclosure_accepts_fractions_ints_and_floats():
    assert enclosure(Fraction(1, 4)) == (0.25, 0.25)
    assert enclosure(3) == (3.0, 3.0)
    lo, hi = enclosure(Fraction(1, 3))
    assert Fraction(lo) < Fraction(1, 3) < Fraction(hi) and np.nextafter(lo, np.inf) == hi
    lo, hi = enclosure(Fraction(-2, 3))
    assert Fraction(lo) < Fraction(-2, 3) < Fraction(hi) and np.nextafter(lo, np.inf) == hi


def test_qmat_keeps_the_shape_of_a_non_square_matrix():
    a = np.arange(6.0).reshape(2, 3) / 8
    Q = qmat(a)
    assert (Q.nrows(), Q.ncols()) == (2, 3)
    assert [float(Q[i, j].p) / float(Q[i, j].q) for i in range(2) for j in range(3)] == list(
        a.ravel()
    )
    assert (qmat(np.arange(3.0)).nrows(), qmat(np.arange(3.0)).ncols()) == (1, 3)


def test_rank_of_empty_matrices_is_zero_and_identity_is_the_identity():
    assert rank(fmpq_mat(0, 3)) == 0 and rank(fmpq_mat(3, 0)) == 0
    assert rank(fmpq_mat(2, 2)) == 0 and rank(identity_matrix(3)) == 3
    assert identity_matrix(3) == fmpq_mat(3, 3, [1, 0, 0, 0, 1, 0, 0, 0, 1])


def test_stack_of_one_and_of_three_matrices():
    A = fmpq_mat(1, 2, [1, 2])
    B = fmpq_mat(2, 2, [3, 4, 5, 6])
    C = fmpq_mat(1, 2, [7, 8])
    assert stack([A]) == A
    assert stack([A, B, C]) == fmpq_mat(4, 2, [1, 2, 3, 4, 5, 6, 7, 8])
