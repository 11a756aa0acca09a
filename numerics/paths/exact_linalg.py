"""Exact linear algebra over the rationals, for the proofs' paths built in exact arithmetic.

The exact paths (:mod:`sublevel.numerics.paths.linear_exact`, BF'16 Prop. 2.2;
:mod:`sublevel.numerics.paths.intrinsic_exact`, VBB Theorem 8) take their float inputs as the
dyadic rationals the floats store (:func:`qmat`, no rounding) and work in python-flint
``fmpq_mat`` (FLINT, C speed). Everything here is exact: pivot columns and ranks from the
reduced row echelon form, the orthogonal projector Π = B(BᵀB)⁻¹Bᵀ onto the range of a matrix
(B its pivot columns), kernel bases read off the rref, the pseudo-inverse M⁺ = (MᵀM)⁻¹Mᵀ of an
injective M, and the Frobenius inner product ⟨A, B⟩ = tr(ABᵀ). :func:`enclosure` goes back to
floats with directed rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from flint import fmpq, fmpq_mat, fmpz, fmpz_mat
from sublevel.theory.errors import InputError
from sublevel.theory.rational import rounded

__all__ = [
    "qmat",
    "enclosure",
    "zero_matrix",
    "identity_matrix",
    "is_zero",
    "columns",
    "rows",
    "pivots",
    "rank",
    "range_projector",
    "project_rows",
    "kernel_basis",
    "pinv_injective",
    "inner",
    "stack",
]

# -------------------------------------------------------------------------------- conversions


def qmat(A: Any) -> fmpq_mat:
    """The float matrix ``A`` as the exact rational matrix it stores (no rounding); a vector
    becomes one row. Non-finite entries raise :class:`InputError`."""
    a = np.atleast_2d(np.asarray(A, dtype=np.float64))
    if not np.isfinite(a).all():
        raise InputError("qmat: the matrix has non-finite entries")
    return fmpq_mat(
        a.shape[0], a.shape[1], [fmpq(*v.as_integer_ratio()) for v in a.ravel().tolist()]
    )


def enclosure(q: Any) -> tuple[float, float]:
    """Floats lo ≤ q ≤ hi around the rational ``q`` (an ``fmpq``, or anything
    :class:`fractions.Fraction` accepts), adjacent floats when q is not a float, equal when it
    is."""
    return rounded(q)[1:]


# -------------------------------------------------------------------------------- matrices


def zero_matrix(r: int, c: int) -> fmpq_mat:
    """The r × c zero matrix."""
    return fmpq_mat(r, c)


def identity_matrix(n: int) -> fmpq_mat:
    """The n × n identity matrix."""
    out = fmpq_mat(n, n)
    for i in range(n):
        out[i, i] = 1
    return out


def is_zero(A: fmpq_mat) -> bool:
    """Whether every entry of ``A`` is exactly 0."""
    return A == fmpq_mat(A.nrows(), A.ncols())


def columns(A: fmpq_mat, idx: Sequence[int]) -> fmpq_mat:
    """The columns ``idx`` of ``A``, in that order (rows(A) × len(idx))."""
    out = fmpq_mat(A.nrows(), len(idx))
    for j, c in enumerate(idx):
        for i in range(A.nrows()):
            out[i, j] = A[i, c]
    return out


def rows(A: fmpq_mat, idx: Sequence[int]) -> fmpq_mat:
    """The rows ``idx`` of ``A``, in that order (len(idx) × cols(A))."""
    out = fmpq_mat(len(idx), A.ncols())
    for k, i in enumerate(idx):
        for j in range(A.ncols()):
            out[k, j] = A[i, j]
    return out


def pivots(A: fmpq_mat) -> tuple[fmpq_mat, list[int]]:
    """(rref(A), pivot columns): the pivot columns of ``A`` are a basis of its range, and
    len(pivot columns) = rank A."""
    R, rank_ = A.rref()
    piv: list[int] = []
    j = 0
    for i in range(rank_):
        while R[i, j] == 0:
            j += 1
        piv.append(j)
    return R, piv


def rank(A: fmpq_mat) -> int:
    """rank A (0 for a matrix with no rows or no columns)."""
    return int(A.rank()) if A.nrows() and A.ncols() else 0


def range_projector(W: fmpq_mat) -> tuple[fmpq_mat, int]:
    """(Π, r): Π = B(BᵀB)⁻¹Bᵀ the orthogonal projector onto range W (B the pivot columns of W;
    Π = 0 when W = 0) and r = rank W."""
    _, piv = pivots(W)
    h = W.nrows()
    if not piv:
        return zero_matrix(h, h), 0
    B = columns(W, piv)
    Bt = B.transpose()
    return B * (Bt * B).inv() * Bt, len(piv)


def _solve_integer(G: fmpz_mat, R: fmpz_mat) -> tuple[fmpz_mat, fmpz]:
    """(N, d) with G⁻¹R = N/d, G square and invertible, fraction-free: the reduced row echelon
    form of [G | R] over the integers is [dI | N] (FLINT's fmpz_mat.rref, no gcd until the
    caller's one final division)."""
    k = G.nrows()
    aug = fmpz_mat([g + r for g, r in zip(G.tolist(), R.tolist())])
    E, den, rank_ = aug.rref()
    if rank_ < k:
        raise InputError("the Gram matrix BᵀB is singular: B does not have full column rank")
    return fmpz_mat([row[k:] for row in E.tolist()]), den


def project_rows(W: fmpq_mat, B: fmpq_mat) -> fmpq_mat:
    """WΠ with Π = B(BᵀB)⁻¹Bᵀ the projector onto range B (B of full column rank; B with no
    columns: Π = 0), by one exact solve: (BᵀB)Z = BᵀWᵀ, WΠ = (BZ)ᵀ — in integers (Π does
    not change when B is scaled, so B is replaced by its numerators; W = W_z/d_W)."""
    if B.ncols() == 0:
        return zero_matrix(W.nrows(), W.ncols())
    Bz, _ = B.numer_denom()
    Wz, dw = W.numer_denom()
    Bzt = Bz.transpose()
    N, den = _solve_integer(Bzt * Bz, Bzt * Wz.transpose())
    return fmpq_mat((Bz * N).transpose()) / (den * dw)


def kernel_basis(W: fmpq_mat) -> fmpq_mat:
    """A basis of ker W as the columns of an n × (n − r) matrix (n = cols W, r = rank W): one
    column per free variable of the rref, with a 1 in its own place."""
    R, piv = pivots(W)
    n = W.ncols()
    free = [j for j in range(n) if j not in piv]
    K = fmpq_mat(n, len(free))
    for col, f in enumerate(free):
        K[f, col] = 1
        for i, p in enumerate(piv):
            K[p, col] = -R[i, f]
    return K


def pinv_injective(M: fmpq_mat) -> fmpq_mat:
    """M⁺ = (MᵀM)⁻¹Mᵀ for M of full column rank (a left inverse: M⁺M = I), by one exact solve
    (MᵀM)M⁺ = Mᵀ rather than an inverse and a product, fraction-free in integers."""
    Mz, dm = M.numer_denom()  # M = M_z/d_M, so M⁺ = d_M (M_zᵀM_z)⁻¹M_zᵀ
    Mzt = Mz.transpose()
    N, den = _solve_integer(Mzt * Mz, Mzt)
    return fmpq_mat(N) * fmpq(dm) / den


def inner(A: fmpq_mat, B: fmpq_mat) -> fmpq:
    """⟨A, B⟩ = Σ A_ij B_ij = tr(ABᵀ), A and B of the same shape (the product is taken on the
    shorter side)."""
    if A.nrows() > A.ncols():
        A, B = A.transpose(), B.transpose()
    C = A * B.transpose()
    return sum((C[i, i] for i in range(C.nrows())), fmpq(0))


def stack(mats: Sequence[fmpq_mat]) -> fmpq_mat:
    """The matrices one above the other (all with the same number of columns)."""
    if len(mats) == 1:
        return mats[0]
    n_rows = sum(M.nrows() for M in mats)
    out = fmpq_mat(n_rows, mats[0].ncols())
    r0 = 0
    for M in mats:
        for i in range(M.nrows()):
            for j in range(M.ncols()):
                out[r0 + i, j] = M[i, j]
        r0 += M.nrows()
    return out
