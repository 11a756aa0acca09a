"""The rank barrier: p hidden units cannot reach a lifted optimum of rank > p (exact).

For a two-layer network Φ(x) = U ρ(Wx) with p hidden units, the outputs on the data,
Z = U ρ(W Xᵀ) (m × L), have rank ≤ p, and their rows lie in the span V ⊆ R^L of the unit
features (ρ(⟨w, x_l⟩))_l. Let Ŷ be the projection of the targets Yᵀ onto V (row-wise) and
f* = ‖Yᵀ − Ŷ‖²/L the lifted optimum (least squares over V). Since Z − Ŷ has rows in V,

    E(θ) = ‖Z − Yᵀ‖²/L = ‖Z − Ŷ‖²/L + f* ≥ f* + Σ_{i>p} σ_i(Ŷ)²/L   (Eckart–Young),

so *no* θ with p units attains f* iff rank Ŷ > p. With V = row(M) for a matrix M (d × L),
rank Ŷ = rank(Yᵀ Mᵀ): this rank is decided here in exact rational arithmetic (every float is
the dyadic rational it stores), so the statement is about the data as given. The float gap
Σ_{i>p} σ_i(Ŷ)²/L is reported beside it (not part of the decision).

Used by the negative controls of Construction A (VBB §4.2, papers.md §4.3 and C9/C11): with
p < q the construction's promise — a non-increasing path that *ends at the lifted optimum* —
fails for every starting point.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp
from sublevel.theory.certificate import Certificate
from sublevel.theory.errors import InputError
from sympy.polys.matrices import DomainMatrix

__all__ = ["exact_rank", "monomial_matrix", "rank_barrier"]


def _q(x: Any) -> Any:
    f = x if isinstance(x, Fraction) else Fraction(float(x))
    return sp.QQ(f.numerator, f.denominator)


def _matrix(A: Any) -> DomainMatrix:
    rows = [[_q(v) for v in row] for row in A]
    shape = (len(rows), len(rows[0]) if rows else 0)
    return DomainMatrix(rows, shape, sp.QQ)


def exact_rank(A: Any) -> int:
    """Rank of a matrix of floats/Fractions over the rationals (floats taken exactly)."""
    arr = [list(row) for row in A]
    if not arr or not arr[0]:
        return 0
    for row in arr:
        for v in row:
            if not isinstance(v, Fraction) and not np.isfinite(float(v)):
                raise InputError(f"matrix entry {v!r} is not finite")
    return int(_matrix(arr).rank())


def monomial_matrix(X: Any, exponents: Any) -> list[list[Fraction]]:
    """M[α, l] = x_l^α in exact rationals (the floats of X as given): (len(exponents), L)."""
    Xa = np.asarray(X, dtype=np.float64)
    E = np.asarray(exponents, dtype=np.int64)
    if Xa.ndim != 2 or E.ndim != 2 or E.shape[1] != Xa.shape[1]:
        raise InputError(f"X {Xa.shape} and exponents {E.shape} do not fit")
    Xq = [[Fraction(float(v)) for v in row] for row in Xa]
    out = []
    for alpha in E.tolist():
        row = []
        for x in Xq:
            value = Fraction(1)
            for xi, k in zip(x, alpha):
                value *= xi ** int(k)
            row.append(value)
        out.append(row)
    return out


def rank_barrier(span: Any, Y: Any, p: int, *, label: str = "") -> Certificate:
    """Exact certificate of the statement "some θ with ``p`` hidden units attains the lifted
    optimum f*" for targets ``Y`` (L × m) and a matrix ``span`` (d × L) whose row space is the
    span V of the unit features on the data.

    The statement fails (outcome ``fails``, method ``exact``) iff rank(Yᵀ spanᵀ) > p, decided
    in rationals; ``max_energy`` is the float lower bound f* + Σ_{i>p} σ_i(Ŷ)²/L on every
    E(θ), ``bound`` the float f*, so the margin is minus the gap.
    """
    start = time.perf_counter()
    Ya = np.asarray(Y, dtype=np.float64)
    if Ya.ndim == 1:
        Ya = Ya[:, None]
    M = [list(row) for row in span]
    if not isinstance(p, (int, np.integer)) or p < 0:
        raise InputError(f"p = {p!r} must be an integer ≥ 0")
    if not M or len(M[0]) != Ya.shape[0]:
        raise InputError(f"span has {len(M[0]) if M else 0} columns; Y has {Ya.shape[0]} rows")
    Mq, Yq = _matrix(M), _matrix(Ya.T.tolist())
    rank = int((Yq * Mq.transpose()).rank())
    # float gap, reported only
    Mf = np.array([[float(v) for v in row] for row in M])
    coef = np.linalg.lstsq(Mf.T, Ya, rcond=None)[0]
    Yhat = (Mf.T @ coef).T  # (m, L)
    L = Ya.shape[0]
    f_star = float(np.sum((Yhat - Ya.T) ** 2) / L)
    s = np.linalg.svd(Yhat, compute_uv=False)
    gap = float(np.sum(s[p:] ** 2) / L)
    reachable = rank <= p
    return Certificate(
        holds=reachable,
        max_energy=f_star + gap,
        argmax_t=0.0,
        bound=f_star,
        method="exact",
        margin=-gap if not reachable else 0.0,
        wall_time=time.perf_counter() - start,
        label=label or f"some θ with p = {p} units attains the lifted optimum",
        promise="ends at the lifted optimum",
        details={
            "rank_of_projected_targets": rank,
            "p": int(p),
            "span_rank": int(Mq.rank()),
            "lifted_optimum": f_star,
            "lower_bound_every_theta": f_star + gap,
            "gap": gap,
            "decision": "rank(Yᵀ Mᵀ) > p in exact rationals",
        },
    )
