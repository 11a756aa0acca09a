"""The convex lifting of a two-layer network (VBB §2): ρ(⟨w, x⟩) = ⟨A(w), Ψ(x)⟩, β = U A(W)ᵀ.

For a polynomial activation the features are monomials: Ψ(x)_α = x^α and A(w)_α = coef_α w^α
(:class:`PolynomialFeatures`, from :func:`sublevel.theory.liftings.feature_map`), with the
Gaussian moments E x^α = Π_k (α_k − 1)!! of :func:`gaussian_moment`. Every two-layer square-loss
energy is then E(θ) = F(β(θ)) with F a convex quadratic over β whose rows lie in a
q-dimensional span (q the intrinsic dimension): :class:`LiftedProblem`. Sources: Venturi,
Bandeira & Bruna, JMLR 20 (2019), §2; papers.md §4.1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp
from sublevel.numerics.energies.activations import _Z, make_activation
from sublevel.theory.errors import InputError
from sublevel.theory.liftings.feature_map import feature_map, intrinsic_dimension

__all__ = ["PolynomialFeatures", "polynomial_features", "gaussian_moment", "LiftedProblem"]


@dataclass(frozen=True)
class PolynomialFeatures:
    """Numerical lifting ρ(⟨w, x⟩) = ⟨A(w), Ψ(x)⟩ of a polynomial activation (VBB §2).

    ``exponents`` (Q, n) are the monomials x^α of :func:`sublevel.theory.liftings.feature_map` in its
    order; ``coefficients`` (Q,) are a_{|α|}·C(|α|; α), so A(w)_α = coef_α w^α, Ψ(x)_α = x^α.
    """

    exponents: np.ndarray
    coefficients: np.ndarray
    q: int

    @property
    def size(self) -> int:
        """Q, the number of monomials: the length of A(w) and Ψ(x) (Q ≥ q)."""
        return int(self.exponents.shape[0])

    def unit_features(self, W: np.ndarray) -> np.ndarray:
        """A(w_i) for the rows of W (..., p, n) → (..., p, Q)."""
        W = np.asarray(W, dtype=np.float64)
        return self.coefficients * np.prod(W[..., None, :] ** self.exponents, axis=-1)

    def unit_features_jacobian(self, W: np.ndarray) -> np.ndarray:
        """∂A(w_i)_α / ∂w_ik for W (p, n) → (p, Q, n)."""
        W = np.asarray(W, dtype=np.float64)
        E = self.exponents
        powers = W[:, None, :] ** E  # (p, Q, n)
        lowered = W[:, None, :] ** np.maximum(E - 1, 0)
        out = np.empty(powers.shape)
        for k in range(E.shape[1]):
            others = np.prod(np.delete(powers, k, axis=-1), axis=-1)
            out[:, :, k] = E[:, k] * lowered[:, :, k] * others
        return out * self.coefficients[None, :, None]

    def data_features(self, X: np.ndarray) -> np.ndarray:
        """Ψ(x_l) for the rows of X (L, n) → (L, Q)."""
        return np.prod(np.asarray(X, dtype=np.float64)[:, None, :] ** self.exponents, axis=-1)

    def gaussian_gram(self) -> np.ndarray:
        """G = E[Ψ(X) Ψ(X)ᵀ] for X ~ N(0, I_n), exactly from the moments (Q, Q)."""
        return gaussian_moment(self.exponents[:, None, :] + self.exponents[None, :, :])


def gaussian_moment(alpha: np.ndarray) -> np.ndarray:
    """E Π_k G_k^{α_k} for G ~ N(0, I): Π_k (α_k − 1)!! (0 if some α_k is odd), over the last axis."""
    alpha = np.asarray(alpha, dtype=np.int64)
    top = int(alpha.max()) if alpha.size else 0
    table = np.zeros(top + 1)
    table[0] = 1.0
    for e in range(2, top + 1, 2):
        table[e] = table[e - 2] * (e - 1)
    return np.prod(table[alpha], axis=-1)


@lru_cache(maxsize=64)
def _features_cached(expr_text: str, n: int) -> PolynomialFeatures:
    expr = sp.sympify(expr_text)
    fm = feature_map(expr, n)
    coefs = []
    for a in fm.A:
        poly = sp.Poly(a, *fm.w)
        coefs.append(float(poly.coeffs()[0]) if not poly.is_zero else 0.0)
    exps = np.array(fm.monomials, dtype=np.int64).reshape(len(fm.monomials), n)
    q = intrinsic_dimension(expr, n)
    return PolynomialFeatures(exps, np.array(coefs), int(q))


def polynomial_features(activation: Any, n: int) -> PolynomialFeatures:
    """The numerical lifting of a polynomial activation in dimension n (cached)."""
    act = make_activation(activation)
    if not act.is_polynomial:
        raise InputError(f"activation {act.name} is not a polynomial; the lifting needs one")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"n = {n!r}: need an integer ≥ 1")
    return _features_cached(sp.srepr(act.expr.subs(act.variable, _Z)), int(n))


@dataclass
class LiftedProblem:
    """The convex lifting of a two-layer energy: E(θ) = F(β(θ)), β(θ) = U A(W)ᵀ ∈ R^{m×d},

        F(β) = tr((β − β_c) H (β − β_c)ᵀ) + F_c,   H ⪰ 0,

    over β whose rows lie in span(``basis``) (d × q, orthonormal columns; q = the intrinsic
    dimension, or q_emp for the ``values`` lifting). ``design`` = (Ψ_X, Y) when F is an empirical
    least-squares objective (1/L)‖Ψ_X βᵀ − Y‖², used for accurate values and solves.
    """

    kind: str
    unit_features: Callable[[np.ndarray], np.ndarray]
    H: np.ndarray
    center: np.ndarray
    offset: float
    basis: np.ndarray
    design: tuple[np.ndarray, np.ndarray] | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def q(self) -> int:
        """The dimension of the span the rows of β lie in (the columns of ``basis``): the
        intrinsic dimension, or q_emp for the ``values`` lifting."""
        return int(self.basis.shape[1])

    @property
    def d(self) -> int:
        """The number of lifted coordinates, d × d the shape of H: Q monomials, or the L samples
        for the ``values`` lifting."""
        return int(self.H.shape[0])

    def value(self, beta: np.ndarray) -> float:
        """F(β)."""
        beta = np.atleast_2d(np.asarray(beta, dtype=np.float64))
        if self.design is not None:
            Psi, Y = self.design
            R = Psi @ beta.T - Y
            return float(np.sum(R * R) / Psi.shape[0])
        D = beta - self.center
        return float(np.einsum("md,de,me->", D, self.H, D) + self.offset)

    def minimiser(self) -> tuple[np.ndarray, float]:
        """(β*, F*) with β* = γ* Qᵀ, γ* the least-squares minimiser over the span (min-norm)."""
        Q = self.basis
        if self.design is not None:
            Psi, Y = self.design
            gamma = np.linalg.lstsq(Psi @ Q, Y, rcond=None)[0].T
        else:
            M = Q.T @ self.H @ Q
            gamma = (self.center @ self.H @ Q) @ np.linalg.pinv(M, rcond=1e-13, hermitian=True)
        beta = gamma @ Q.T
        return beta, self.value(beta)

    def minimum_cvxpy(self) -> tuple[np.ndarray, float, str]:
        """(β*, F*, solver status) from cvxpy (an independent solve of the same convex problem)."""
        import cvxpy as cp

        Q = self.basis
        m = self.center.shape[0]
        gamma = cp.Variable((m, self.q))
        if self.design is not None:
            Psi, Y = self.design
            obj = cp.sum_squares((Psi @ Q) @ gamma.T - Y) / Psi.shape[0]
            offset = 0.0
        else:
            evals, evecs = np.linalg.eigh(self.H)
            S = evecs * np.sqrt(np.clip(evals, 0.0, None))
            obj = cp.sum_squares(gamma @ (Q.T @ S) - self.center @ S)
            offset = self.offset
        prob = cp.Problem(cp.Minimize(obj))
        prob.solve(solver=cp.CLARABEL)
        beta = np.asarray(gamma.value) @ Q.T
        return beta, float(prob.value) + offset, str(prob.status)
