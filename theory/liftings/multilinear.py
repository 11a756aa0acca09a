"""The multilinear lifting of deep linear networks (exact).

Φ(x; W_1..W_K) = W_K⋯W_1 x, so the square loss factors through the product map
π(W_1, …, W_K) = W̃ = W_K⋯W_1:

    E(W_1..W_K) = F(W̃),   F(W̃) = E‖W̃X − Y‖² = tr(W̃ Σ_X W̃ᵀ) − 2 tr(W̃ Σ_XY) + tr Σ_Y,

with Σ_X = E XXᵀ, Σ_XY = E XYᵀ, Σ_Y = E YᵀY. F is convex: in the column-stacking vec,
vec(W̃X) = (Xᵀ ⊗ I_m) vec(W̃), so ∇²F = 2 Σ_X ⊗ I_m, which is PSD because
vᵀ(Σ_X ⊗ I)v = E‖V X‖² ≥ 0 for v = vec(V). The product is invariant under the GL action
W_k → U_k W_k U_{k−1}^{-1} (U_0 = I_n, U_K = I_m).

Sources: Freeman & Bruna (ICLR 2017), §2.2 and the proof of Prop. 2.2; Bruna's talk.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy as sp
from sublevel.theory.errors import InputError

__all__ = [
    "product_map",
    "symbolic_weights",
    "lifted_square_loss",
    "lifted_square_loss_hessian",
    "prove_hessian_is_kronecker",
    "prove_psd_as_sum_of_squares",
    "prove_invariance",
    "prove_invariance_symbolic_dims",
    "act",
    "vec",
]


def _matrix(M: Any, name: str) -> sp.Matrix:
    try:
        out = sp.Matrix(M)
    except Exception as exc:
        raise InputError(f"{name} is not a matrix: {exc}") from exc
    if any(not (e.is_Rational or e.is_Symbol or e.free_symbols) for e in out):
        raise InputError(
            f"{name} has non-exact entries; use integers, Fractions or sympy Rationals"
        )
    return out


def product_map(weights: Sequence[Any]) -> sp.Matrix:
    """W̃ = W_K⋯W_1 for W_k of shape (n_k, n_{k−1}); shapes are checked."""
    if not weights:
        raise InputError("product_map needs at least one weight matrix")
    mats = [_matrix(W, f"W_{k + 1}") for k, W in enumerate(weights)]
    for k in range(1, len(mats)):
        if mats[k].shape[1] != mats[k - 1].shape[0]:
            raise InputError(
                f"W_{k + 1} has shape {mats[k].shape} but W_{k} has {mats[k - 1].shape[0]} rows"
            )
    out = mats[0]
    for W in mats[1:]:
        out = W * out
    return out


def symbolic_weights(widths: Sequence[int], prefix: str = "w") -> list[sp.Matrix]:
    """Matrices of fresh symbols: W_k has shape (widths[k], widths[k−1])."""
    widths = [int(w) for w in widths]
    if len(widths) < 2 or min(widths) < 1:
        raise InputError(f"widths {widths!r}: need [n, n_1, …, m] with every entry ≥ 1")
    return [
        sp.Matrix(widths[k], widths[k - 1], lambda i, j, k=k: sp.Symbol(f"{prefix}{k}_{i}{j}"))
        for k in range(1, len(widths))
    ]


def vec(M: sp.Matrix) -> sp.Matrix:
    """Column-stacking vectorisation (vec(AXB) = (Bᵀ ⊗ A) vec X)."""
    return sp.Matrix([M[i, j] for j in range(M.shape[1]) for i in range(M.shape[0])])


def lifted_square_loss(W: sp.Matrix, X: sp.Matrix, Y: sp.Matrix) -> sp.Expr:
    """F(W̃) = (1/L) Σ_l ‖W̃ x_l − y_l‖² for data X (L × n), Y (L × m), exactly."""
    L = X.shape[0]
    if L == 0:
        raise InputError("data has L = 0 samples")
    if Y.shape[0] != L:
        raise InputError(f"X has {L} samples but Y has {Y.shape[0]}")
    R = W * X.T - Y.T
    return sp.expand(sum(e**2 for e in R) / L)


def lifted_square_loss_hessian(W: sp.Matrix, X: sp.Matrix, Y: sp.Matrix) -> sp.Matrix:
    """The Hessian of F in vec(W̃) (column stacking), computed symbolically."""
    v = vec(W)
    return sp.hessian(lifted_square_loss(W, X, Y), list(v))


def prove_hessian_is_kronecker(n: int, m: int, L: int) -> bool:
    """Symbolic proof for small dimensions: ∇²F = 2 Σ_X ⊗ I_m with Σ_X = XᵀX / L.

    W̃ (m × n) and the data X (L × n), Y (L × m) are matrices of free symbols; the identity
    is checked by exact expansion (no numbers are substituted).
    """
    W = sp.Matrix(m, n, lambda i, j: sp.Symbol(f"W_{i}{j}"))
    X = sp.Matrix(L, n, lambda i, j: sp.Symbol(f"x_{i}{j}"))
    Y = sp.Matrix(L, m, lambda i, j: sp.Symbol(f"y_{i}{j}"))
    H = lifted_square_loss_hessian(W, X, Y)
    sigma_x = X.T * X / L
    expected = 2 * sp.kronecker_product(sigma_x, sp.eye(m))
    return (H - expected).applyfunc(sp.expand) == sp.zeros(*H.shape)


def prove_psd_as_sum_of_squares(n: int, m: int, L: int) -> bool:
    """Symbolic proof that Σ_X ⊗ I is PSD: vec(V)ᵀ(Σ_X ⊗ I)vec(V) = (1/L) Σ_l ‖V x_l‖²."""
    V = sp.Matrix(m, n, lambda i, j: sp.Symbol(f"v_{i}{j}"))
    X = sp.Matrix(L, n, lambda i, j: sp.Symbol(f"x_{i}{j}"))
    quad = (vec(V).T * sp.kronecker_product(X.T * X / L, sp.eye(m)) * vec(V))[0, 0]
    sos = sum(((V * X[i, :].T).T * (V * X[i, :].T))[0, 0] for i in range(L)) / L
    return sp.expand(quad - sos) == 0


def act(weights: Sequence[Any], gauges: Sequence[Any], *, inverse: bool = True) -> list[sp.Matrix]:
    """The GL action W_k → U_k W_k U_{k−1}^{-1} with U_0 = I, U_K = I.

    ``gauges`` are the K − 1 square matrices U_1..U_{K−1}. ``inverse=False`` applies the
    *wrong* map W_k → U_k W_k U_{k−1}ᵀ (a negative control: it does not preserve the product).
    """
    mats = [_matrix(W, f"W_{k + 1}") for k, W in enumerate(weights)]
    K = len(mats)
    if len(gauges) != K - 1:
        raise InputError(f"{K} layers need {K - 1} gauge matrices, got {len(gauges)}")
    Us = [sp.eye(mats[0].shape[1])] + [_matrix(U, f"U_{k + 1}") for k, U in enumerate(gauges)]
    Us.append(sp.eye(mats[-1].shape[0]))
    out = []
    for k in range(1, K + 1):
        U_prev = Us[k - 1]
        if inverse:
            if U_prev.det() == 0:
                raise InputError(f"gauge U_{k - 1} is singular: the action needs U_k ∈ GL")
            right = U_prev.inv()
        else:
            right = U_prev.T
        out.append(Us[k] * mats[k - 1] * right)
    return out


def prove_invariance(
    weights: Sequence[Any], gauges: Sequence[Any], *, inverse: bool = True
) -> bool:
    """Exact check that the product is unchanged by the gauge action on these matrices."""
    return product_map(act(weights, gauges, inverse=inverse)) == product_map(weights)


def prove_invariance_symbolic_dims(K: int = 3, *, inverse: bool = True) -> bool:
    """Invariance for *symbolic* dimensions n_0..n_K with MatrixSymbols: the product of the
    acted matrices simplifies to W_K⋯W_1 (the U_k U_k^{-1} cancel). ``inverse=False`` uses
    U_{k−1}ᵀ in place of U_{k−1}^{-1}, which must *not* simplify (negative control)."""
    if K < 1:
        raise InputError(f"K = {K}: need at least one layer")
    dims = sp.symbols(f"n0:{K + 1}", integer=True, positive=True)
    Ws = [sp.MatrixSymbol(f"W{k}", dims[k], dims[k - 1]) for k in range(1, K + 1)]
    Us = [sp.MatrixSymbol(f"U{k}", dims[k], dims[k]) for k in range(1, K)]
    acted = []
    for k in range(1, K + 1):
        M = Ws[k - 1]
        if k < K:
            M = Us[k - 1] * M
        if k > 1:
            M = M * (Us[k - 2].I if inverse else Us[k - 2].T)
        acted.append(M)
    prod = acted[-1]
    original = Ws[-1]
    for k in range(K - 2, -1, -1):
        prod = prod * acted[k]
        original = original * Ws[k]
    difference = sp.simplify((prod - original).doit())
    return difference == 0 or isinstance(difference, sp.ZeroMatrix)
