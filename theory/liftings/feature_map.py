"""Feature maps ρ(⟨w, x⟩) = ⟨A(w), Ψ(x)⟩ and the intrinsic dimension (exact for polynomials).

For a polynomial activation ρ(z) = Σ_j a_j z^j the multinomial theorem gives

    ρ(⟨w, x⟩) = Σ_j a_j Σ_{|α| = j} C(j; α) w^α x^α = ⟨A(w), Ψ(x)⟩,
    A(w) = (a_j C(j; α) w^α)_{j, α},   Ψ(x) = (x^α)_{j, α},

and the intrinsic dimension q = dim span{A(w) : w ∈ R^n} = dim span{x ↦ ρ(⟨w, x⟩)} equals
Σ over the *nonzero* degrees j of C(n + j − 1, j) (scaling w ↦ tw separates degrees by a
Vandermonde argument). A non-polynomial continuous activation has q = ∞ (Leshno, Lin, Pinkus &
Schocken 1993). For the empirical risk on samples x_1..x_L only the vectors
(ρ(⟨w, x_l⟩))_l ∈ R^L matter, so q_emp ≤ L.

``intrinsic_dimension`` computes q as the exact rank (over QQ) of the coefficient matrix of
ρ(⟨w, x⟩) expanded in x with coefficients polynomials in w — independent of the closed form,
which ``intrinsic_dimension_closed_form`` evaluates as a cross-check.

Source: Venturi, Bandeira & Bruna (JMLR 2019), §2 (intrinsic dimension); Bruna's talk.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sublevel.theory.errors import InputError
from sublevel.theory.liftings.activation_syntax import parse_activation_text
from sympy.polys.matrices import DomainMatrix

__all__ = [
    "parse_activation",
    "activation_coefficients",
    "is_polynomial_activation",
    "FeatureMap",
    "feature_map",
    "intrinsic_dimension",
    "intrinsic_dimension_closed_form",
    "empirical_intrinsic_dimension",
    "degree_bound",
    "MAX_EXPANDED_DEGREE",
    "MAX_FEATURES",
    "MAX_RANK_FEATURES",
]

#: highest degree a polynomial activation is expanded to (the closed form needs no expansion
#: when the activation is written as a sum of monomials c·z**k; other forms are refused above it)
MAX_EXPANDED_DEGREE = 1000
#: most features (= Σ_j C(n+j−1, j)) for which the lifting A, Ψ is built symbolically
MAX_FEATURES = 5000
#: most features for which the exact rank (the independent check of the closed form) is computed
MAX_RANK_FEATURES = 500


def parse_activation(
    activation: Any, variable: sp.Symbol | str | None = None
) -> tuple[sp.Expr, sp.Symbol]:
    """(expression, its variable) for an activation given as a string or sympy expression.

    Strings are read by :func:`sublevel.theory.liftings.activation_syntax.parse_activation_text`, a
    whitelist over the Python parse tree (arithmetic in one symbol and named functions such as
    ``relu``, ``tanh``, ``sigmoid``; ``"z**3 - z"``, ``"relu(z)"``); nothing is evaluated. The
    expression must depend on exactly one symbol; anything else is an :class:`InputError`.
    """
    if isinstance(activation, str):
        expr = parse_activation_text(activation)
    elif isinstance(activation, sp.Basic):
        expr = activation
    elif callable(activation):
        raise InputError(
            f"activation {activation!r} is a Python callable; give a sympy expression or a string"
        )
    elif isinstance(activation, (int, float)) and not isinstance(activation, bool):
        expr = sp.sympify(activation)
    else:
        raise InputError(f"activation {activation!r} is neither a string nor a sympy expression")
    if not isinstance(expr, sp.Expr):
        raise InputError(f"activation {activation!r} is not an expression")
    free = sorted(expr.free_symbols, key=str)
    if variable is not None:
        var = sp.Symbol(variable) if isinstance(variable, str) else variable
        extra = [s for s in free if s != var]
        if extra:
            raise InputError(f"activation {expr} depends on {extra} besides {var}")
        return expr, var
    if len(free) != 1:
        what = "no variable" if not free else f"{len(free)} variables {free}"
        raise InputError(
            f"activation {activation!r} is not a function of one symbol: it has {what}"
        )
    return expr, free[0]


def degree_bound(expr: sp.Expr, z: sp.Symbol) -> int:
    """An upper bound on the degree in z of a polynomial expression, without expanding it.

    deg(a + b) ≤ max, deg(a·b) ≤ sum, deg(a**k) ≤ k·deg(a) for an integer k ≥ 0.
    """
    if not expr.has(z):
        return 0
    if expr == z:
        return 1
    if expr.is_Add:
        return max(degree_bound(a, z) for a in expr.args)
    if expr.is_Mul:
        return sum(degree_bound(a, z) for a in expr.args)
    if expr.is_Pow and expr.exp.is_Integer and expr.exp >= 0:
        return int(expr.exp) * degree_bound(expr.base, z)
    raise InputError(f"activation {expr} is not a polynomial in {z}")


def _sparse_degrees(expr: sp.Expr, z: sp.Symbol) -> dict[int, sp.Expr] | None:
    """{k: c} when expr is literally Σ c·z**k with distinct k and constant c, else None."""
    out: dict[int, sp.Expr] = {}
    for term in sp.Add.make_args(expr):
        c, e = term.as_coeff_exponent(z)
        if c.has(z) or not e.is_Integer or e < 0 or int(e) in out:
            return None
        out[int(e)] = c
    return out


def is_polynomial_activation(activation: Any) -> bool:
    """Whether ρ is a polynomial in its variable — the case of a finite intrinsic dimension
    q = Σ_j C(n+j−1, j) (otherwise q = ∞, Leshno–Lin–Pinkus–Schocken). Parses as
    :func:`parse_activation` (InputError on a malformed activation)."""
    expr, z = parse_activation(activation)
    return bool(expr.is_polynomial(z))


def activation_coefficients(activation: Any) -> dict[int, sp.Expr]:
    """{degree j: a_j ≠ 0} of a polynomial activation (InputError if not a polynomial)."""
    expr, z = parse_activation(activation)
    if not expr.is_polynomial(z):
        raise InputError(f"activation {expr} is not a polynomial in {z}")
    degree = degree_bound(expr, z)
    if degree > MAX_EXPANDED_DEGREE:
        sparse = _sparse_degrees(expr, z)
        if sparse is None:
            raise InputError(
                f"activation {expr} has degree up to {degree}: above MAX_EXPANDED_DEGREE = "
                f"{MAX_EXPANDED_DEGREE} it must be written as a sum of monomials c*z**k"
            )
        terms = list(sparse.items())
    else:
        terms = [(j, c) for (j,), c in sp.Poly(sp.expand(expr), z).terms()]
    coeffs = {}
    for j, c in terms:
        if c.is_real is False or not c.is_finite:
            raise InputError(f"activation {expr} has a non-real coefficient {c}")
        if c != 0:
            coeffs[int(j)] = c
    return coeffs


@dataclass(frozen=True)
class FeatureMap:
    """ρ(⟨w, x⟩) = ⟨A(w), Ψ(x)⟩ with symbols w, x; ``monomials`` index the features."""

    activation: sp.Expr
    variable: sp.Symbol
    n: int
    w: tuple[sp.Symbol, ...]
    x: tuple[sp.Symbol, ...]
    monomials: tuple[tuple[int, ...], ...]
    A: sp.Matrix
    Psi: sp.Matrix

    def inner(self) -> sp.Expr:
        """⟨A(w), Ψ(x)⟩, expanded."""
        return sp.expand((self.A.T * self.Psi)[0, 0])

    def verify(self) -> bool:
        """Exact proof that ⟨A(w), Ψ(x)⟩ = ρ(⟨w, x⟩) for symbolic w, x."""
        target = self.activation.subs(self.variable, sum(a * b for a, b in zip(self.w, self.x)))
        return sp.expand(self.inner() - target) == 0


def _check_n(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InputError(f"n = {n!r}: need an integer ≥ 1")
    return n


def _monomials_of_degree(n: int, j: int) -> list[tuple[int, ...]]:
    out: list[tuple[int, ...]] = []

    def rec(prefix: list[int], remaining: int, slots: int) -> None:
        if slots == 1:
            out.append(tuple(prefix + [remaining]))
            return
        for a in range(remaining, -1, -1):
            rec(prefix + [a], remaining - a, slots - 1)

    rec([], j, n)
    return out


def feature_map(activation: Any, n: int) -> FeatureMap:
    """The explicit lifting A(w), Ψ(x) of a polynomial activation in dimension n."""
    _check_n(n)
    expr, z = parse_activation(activation)
    coeffs = activation_coefficients(expr)
    count = sum(math.comb(n + j - 1, j) for j in coeffs)
    if count > MAX_FEATURES:
        raise InputError(
            f"activation {expr} in n = {n} has {count} features: the symbolic lifting is limited "
            f"to MAX_FEATURES = {MAX_FEATURES} (the closed form still gives q)"
        )
    w = sp.symbols(f"w0:{n}")
    x = sp.symbols(f"x0:{n}")
    monos: list[tuple[int, ...]] = []
    a_entries: list[sp.Expr] = []
    psi_entries: list[sp.Expr] = []
    for j in sorted(coeffs):
        for alpha in _monomials_of_degree(n, j):
            multinomial = sp.factorial(j) / sp.prod([sp.factorial(a) for a in alpha])
            monos.append(alpha)
            a_entries.append(coeffs[j] * multinomial * sp.prod([wi**a for wi, a in zip(w, alpha)]))
            psi_entries.append(sp.prod([xi**a for xi, a in zip(x, alpha)]))
    return FeatureMap(expr, z, n, w, x, tuple(monos), sp.Matrix(a_entries), sp.Matrix(psi_entries))


def intrinsic_dimension_closed_form(activation: Any, n: int) -> int | sp.Expr:
    """Σ over nonzero degrees j of C(n + j − 1, j); ``sympy.oo`` for a non-polynomial.

    Needs no expansion for an activation written as a sum of monomials (any degree); other
    polynomial forms are expanded up to ``MAX_EXPANDED_DEGREE`` and refused above it.
    """
    _check_n(n)
    expr, z = parse_activation(activation)
    if not expr.is_polynomial(z):
        return sp.oo
    return int(sum(math.comb(n + j - 1, j) for j in activation_coefficients(expr)))


def intrinsic_dimension(activation: Any, n: int) -> int | sp.Expr:
    """q = dim span{x ↦ ρ(⟨w, x⟩) : w ∈ R^n}, exactly.

    Polynomial ρ: the rank over QQ of the matrix whose rows are the x-monomials of the expansion
    of ρ(Σ_i w_i x_i) and whose columns are the w-monomials of their coefficients (the span of
    the functions x ↦ ρ(⟨w, x⟩) as w varies is the row space of this matrix). Non-polynomial ρ:
    ``sympy.oo``. Refused (InputError) above ``MAX_RANK_FEATURES`` features, where the closed
    form :func:`intrinsic_dimension_closed_form` is the only answer.

    >>> intrinsic_dimension("z**2", 3)
    6
    >>> intrinsic_dimension("tanh(z)", 3)
    oo
    """
    _check_n(n)
    expr, z = parse_activation(activation)
    if not expr.is_polynomial(z):
        return sp.oo
    count = sum(math.comb(n + j - 1, j) for j in activation_coefficients(expr))
    if count > MAX_RANK_FEATURES:
        raise InputError(
            f"activation {expr} in n = {n}: the exact rank is limited to MAX_RANK_FEATURES = "
            f"{MAX_RANK_FEATURES} features (here {count}); use intrinsic_dimension_closed_form"
        )
    w = sp.symbols(f"w0:{n}")
    x = sp.symbols(f"x0:{n}")
    poly = sp.Poly(sp.expand(expr), z)
    # ρ(Σ w_i x_i) as a polynomial in x and w jointly, by Horner on the Poly in z
    lin = sp.Poly(sum(wi * xi for wi, xi in zip(w, x)), *x, *w)
    total = sp.Poly(0, *x, *w)
    for c in poly.all_coeffs():
        total = total * lin + sp.Poly(c, *x, *w)
    rows: dict[tuple[int, ...], dict[tuple[int, ...], Any]] = {}
    domain = sp.QQ if all(c.is_Rational for c in poly.coeffs()) else sp.EX
    for monom, coeff in total.terms():
        xm, wm = monom[:n], monom[n:]
        rows.setdefault(xm, {})[wm] = coeff
    if not rows:
        return 0
    w_index = {m: i for i, m in enumerate(sorted({wm for r in rows.values() for wm in r}))}
    sdm = {
        i: {w_index[wm]: domain.convert(c) for wm, c in r.items() if c != 0}
        for i, r in enumerate(rows.values())
    }
    sdm = {i: r for i, r in sdm.items() if r}
    if not sdm:
        return 0
    M = DomainMatrix(sdm, (len(rows), len(w_index)), domain)
    return int(M.rank())


def _exact_rows(X: Any) -> list[list[sp.Rational]]:
    from sublevel.theory.exact import to_rational

    try:
        rows = [list(r) for r in X]
    except TypeError as exc:
        raise InputError(f"data X must be a 2-D array of numbers: {exc}") from None
    if not rows:
        raise InputError("data X has L = 0 samples")
    width = len(rows[0])
    if width < 1 or any(len(r) != width for r in rows):
        raise InputError("data X must be a non-empty (L, n) array with rows of equal length")
    return [
        [to_rational(v, name=f"X[{i}, {j}]") for j, v in enumerate(r)] for i, r in enumerate(rows)
    ]


def empirical_intrinsic_dimension(
    activation: Any,
    X: Any,
    *,
    rtol: float = 1e-10,
    n_directions: int | None = None,
    seed: int = 0,
) -> int:
    """q_emp = dim span{(ρ(⟨w, x_l⟩))_{l ≤ L} : w ∈ R^n} ≤ min(L, q).

    Polynomial ρ: the exact rank over QQ of the L × (features) matrix Ψ_X = [Ψ(x_l)] restricted
    to the active features (floats in X are converted exactly). Non-polynomial ρ: the numerical
    rank (singular values above ``rtol``·σ_max) of [ρ(⟨w_j, x_l⟩)] for ``n_directions``
    (default 4L) Gaussian directions w_j — a numerical rank, not an exact one.
    """
    expr, z = parse_activation(activation)
    rows = _exact_rows(X)
    L, n = len(rows), len(rows[0])
    if expr.is_polynomial(z):
        fm = feature_map(expr, n)
        psi = sp.lambdify(fm.x, list(fm.Psi), modules=[{"Rational": sp.Rational}, "sympy"])
        mat = [[sp.QQ.convert(sp.Rational(v)) for v in psi(*r)] for r in rows]
        M = DomainMatrix(mat, (L, len(fm.monomials)), sp.QQ)
        return int(M.rank())
    import numpy as np

    Xf = np.array([[float(v) for v in r] for r in rows])
    if not np.all(np.isfinite(Xf)):
        raise InputError("data X has non-finite entries")
    rng = np.random.default_rng(seed)
    m = n_directions or 4 * L
    Wd = rng.normal(size=(m, n))
    f = sp.lambdify(z, expr, modules="numpy")
    F = np.asarray(f(Xf @ Wd.T), dtype=float) * np.ones((L, m))
    if not np.all(np.isfinite(F)):
        raise InputError(f"activation {expr} is not finite on the data")
    s = np.linalg.svd(F, compute_uv=False)
    if s.size == 0 or s[0] == 0:
        return 0
    return int(np.sum(s > rtol * s[0]))
