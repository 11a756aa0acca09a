"""The quadratic lifting: ρ(z) = z² (exact).

For one unit, ρ(⟨w, x⟩) = (wᵀx)² = ⟨wwᵀ, xxᵀ⟩_F, so a layer x ↦ ρ(Wx) is the linear map
A_W(xxᵀ) = (⟨w_k w_kᵀ, xxᵀ⟩)_k of the lifted input xxᵀ, and a scalar output
Σ_k u_k (w_k·x)² = ⟨Σ_k u_k w_k w_kᵀ, xxᵀ⟩ = xᵀ A x is linear in the lifted parameter
A = Σ_k u_k w_k w_kᵀ = Wᵀ diag(u) W ∈ Sym(n). After k quadratic layers every output is a
homogeneous form of degree 2^k in the N inputs; these forms make a space of dimension
C(N + 2^k − 1, 2^k) (≤ N^{2^k}, the bound behind the talk's M_k ≥ 3N^{2^k}).

Sources: Bruna's talk (slides on quadratic networks); Venturi, Bandeira & Bruna (JMLR 2019).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import sympy as sp
from sublevel.theory.errors import InputError
from sympy.polys.matrices import DomainMatrix

__all__ = [
    "lifted_parameter",
    "quadratic_network_output",
    "prove_quadratic_identity",
    "prove_output_identity",
    "lifted_degree",
    "lifted_dimension",
    "deep_quadratic_output",
    "span_dimension_of_forms",
    "deep_quadratic_span_dimension",
]


def _check_n(n: Any, name: str = "n") -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InputError(f"{name} = {n!r}: need an integer ≥ 1")
    return n


def lifted_parameter(u: Sequence[Any], W: Any) -> sp.Matrix:
    """A = Σ_k u_k w_k w_kᵀ = Wᵀ diag(u) W (rows w_k of W), exactly; symmetric n × n."""
    W = sp.Matrix(W)
    u = list(u)
    if W.shape[0] != len(u):
        raise InputError(f"W has {W.shape[0]} rows (units) but u has {len(u)} entries")
    return W.T * sp.diag(*u) * W if u else sp.zeros(W.shape[1], W.shape[1])


def quadratic_network_output(u: Sequence[Any], W: Any, x: Sequence[Any]) -> sp.Expr:
    """Σ_k u_k (w_k · x)² for the two-layer quadratic network."""
    W = sp.Matrix(W)
    xv = sp.Matrix(list(x))
    if W.shape[1] != xv.shape[0]:
        raise InputError(f"W has {W.shape[1]} columns but x has {xv.shape[0]} entries")
    z = W * xv
    return sp.expand(sum(uk * zk**2 for uk, zk in zip(u, z)))


def prove_quadratic_identity(n: int) -> bool:
    """Symbolic proof, for this n: (wᵀx)² = ⟨wwᵀ, xxᵀ⟩_F with w, x vectors of symbols."""
    _check_n(n)
    w = sp.Matrix(sp.symbols(f"w0:{n}"))
    x = sp.Matrix(sp.symbols(f"x0:{n}"))
    lhs = (w.T * x)[0, 0] ** 2
    rhs = sum((w * w.T).multiply_elementwise(x * x.T))
    return sp.expand(lhs - rhs) == 0


def prove_output_identity(p: int, n: int) -> bool:
    """Symbolic proof: Σ_k u_k (w_k·x)² = xᵀ (Σ_k u_k w_k w_kᵀ) x and the lifted A is symmetric."""
    _check_n(p, "p")
    _check_n(n)
    u = sp.symbols(f"u0:{p}")
    W = sp.Matrix(p, n, lambda i, j: sp.Symbol(f"w{i}_{j}"))
    x = sp.Matrix(sp.symbols(f"x0:{n}"))
    A = lifted_parameter(u, W)
    lhs = quadratic_network_output(u, W, list(x))
    rhs = (x.T * A * x)[0, 0]
    return sp.expand(lhs - rhs) == 0 and (A - A.T).applyfunc(sp.expand) == sp.zeros(n, n)


def lifted_degree(k: int) -> int:
    """Degree of the forms computed by k quadratic layers: 2^k."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise InputError(f"k = {k!r}: need an integer ≥ 0")
    return 2**k


def lifted_dimension(N: int, k: int) -> int:
    """dim of homogeneous forms of degree 2^k in N variables: C(N + 2^k − 1, 2^k)."""
    _check_n(N, "N")
    d = lifted_degree(k)
    return int(sp.binomial(N + d - 1, d))


def deep_quadratic_output(weights: Sequence[Any], x: Sequence[Any]) -> list[sp.Expr]:
    """Outputs of z_0 = x, z_k = (W_k z_{k−1})² (elementwise), k = 1..K (no output layer)."""
    z = sp.Matrix(list(x))
    for k, W in enumerate(weights, start=1):
        W = sp.Matrix(W)
        if W.shape[1] != z.shape[0]:
            raise InputError(
                f"W_{k} has {W.shape[1]} columns but layer {k - 1} has {z.shape[0]} units"
            )
        z = (W * z).applyfunc(lambda e: sp.expand(e**2))
    return list(z)


def span_dimension_of_forms(forms: Sequence[sp.Expr], variables: Sequence[sp.Symbol]) -> int:
    """Exact dimension of the span of polynomials (rank of their coefficient matrix over QQ)."""
    polys = [sp.Poly(f, *variables) for f in forms]
    monomials = sorted({m for p in polys for m in p.monoms()})
    index = {m: i for i, m in enumerate(monomials)}
    rows = {}
    for r, p in enumerate(polys):
        row = {index[m]: sp.QQ.convert(c) for m, c in p.terms() if c != 0}
        if row:
            rows[r] = row
    if not rows:
        return 0
    M = DomainMatrix(rows, (len(polys), len(monomials)), sp.QQ)
    return int(M.rank())


def deep_quadratic_span_dimension(
    N: int, K: int, *, width: int = 2, samples: int | None = None, seed: int = 0, scale: int = 50
) -> int:
    """Exact dimension of the span of unit outputs of random K-layer quadratic networks.

    Draws ``samples`` networks with integer weights in [−scale, scale] (default: twice the
    expected dimension) and returns the exact rank of their outputs' coefficients. For generic
    weights this is C(N + 2^K − 1, 2^K): squares of forms of degree 2^{K−1} span all forms of
    degree 2^K (polarisation: 4ab = (a + b)² − (a − b)²).
    """
    _check_n(N, "N")
    _check_n(K, "K")
    rng = random.Random(seed)
    x = sp.symbols(f"x0:{N}")
    expected = lifted_dimension(N, K)
    count = samples if samples is not None else 2 * expected
    forms: list[sp.Expr] = []
    for _ in range(count):
        widths = [N] + [width] * (K - 1) + [1]
        weights = [
            [[rng.randint(-scale, scale) for _ in range(widths[k])] for _ in range(widths[k + 1])]
            for k in range(K)
        ]
        forms.extend(deep_quadratic_output(weights, x))
    return span_dimension_of_forms(forms, x)
