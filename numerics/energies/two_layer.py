"""Two-layer networks Φ(x) = U ρ(Wx) with the square loss: empirical and population energies.

θ = (vec W, vec U) with W ∈ R^{p×n} (rows w_i) and U ∈ R^{m×p}, both row-major.

* :class:`EmpiricalTwoLayer` — E(θ) = (1/L) Σ_l ‖U ρ(W x_l) − y_l‖², any activation;
* :class:`PopulationTwoLayer` — E(θ) = E‖U ρ(WX) − Y‖², Y = U_t ρ(W_t X) + σε, in closed form:
  polynomial ρ and X ~ N(0, I_n) through Gaussian moments of the lifted features
  (E x^α = Π_k (α_k − 1)!! for even α_k, 0 otherwise); ReLU and X a mixture of centred
  Gaussians X = C_k G through the arc-cosine kernel (Cho & Saul 2009)
  E[ρ(a·G) ρ(b·G)] = ‖a‖‖b‖ (sin φ + (π − φ) cos φ) / (2π), φ = ∠(a, b).

Both give analytic gradients, batched energies (T, D) without a loop over points, and
``energy_polynomial(a, b)``: the energy along the straight segment a → b as a polynomial in t
(increasing degree) — for polynomial ρ on any segment (degree 2(deg ρ + 1)), and for every ρ
on segments that move only U and the rows of units whose output weights vanish on the whole
segment (then E is quadratic in t). ``lifted_problem()`` is the convex lifting of VBB §2:
Φ(x) = β Ψ(x), β = U A(W)ᵀ, E = F(β) with F a convex quadratic.

Sources: Venturi, Bandeira & Bruna, JMLR 20 (2019), §2 (model, intrinsic dimension) and
Theorem 13 (the ReLU valley, :func:`relu_valley`); papers.md §4.1, §4.5(a).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple, cast

import numpy as np
import sympy as sp
from sublevel.numerics.landscape import Landscape, as_theta
from sublevel.theory.errors import InputError
from sublevel.theory.exact import to_rational
from sublevel.theory.liftings.feature_map import (
    activation_coefficients,
    feature_map,
    intrinsic_dimension,
    parse_activation,
)

__all__ = [
    "Activation",
    "make_activation",
    "PolynomialFeatures",
    "polynomial_features",
    "gaussian_moment",
    "LiftedProblem",
    "TwoLayerParams",
    "TwoLayerEnergy",
    "EmpiricalTwoLayer",
    "PopulationTwoLayer",
    "FixedOutput",
    "relu_kernel",
    "relu_kernel_grad",
    "relu_valley",
    "ReluValley",
]

_Z = sp.Symbol("z")
_NAMED = {"quadratic": _Z**2, "cubic": _Z**3, "linear": _Z}


# ---------------------------------------------------------------------------- activations


@dataclass(frozen=True)
class Activation:
    """ρ with its numpy evaluation and derivative.

    ``kind`` is ``polynomial`` (``coefficients`` a_0..a_k, increasing degree), ``relu``,
    ``tanh`` or ``other`` (any sympy expression of one variable, evaluated by lambdify).
    """

    name: str
    expr: sp.Expr
    variable: sp.Symbol
    kind: str
    coefficients: tuple[float, ...] | None = None
    _fn: Callable[[np.ndarray], np.ndarray] | None = field(default=None, repr=False, compare=False)
    _dfn: Callable[[np.ndarray], np.ndarray] | None = field(default=None, repr=False, compare=False)
    #: a_1, 2a_2, …, k a_k (set for polynomials by __post_init__)
    _derivative_coefficients: tuple[float, ...] = field(
        init=False, default=(), repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.coefficients is not None:
            d = tuple(j * c for j, c in enumerate(self.coefficients))[1:] or (0.0,)
            object.__setattr__(self, "_derivative_coefficients", d)

    @property
    def is_polynomial(self) -> bool:
        return self.kind == "polynomial"

    @property
    def degree(self) -> int:
        if self.coefficients is None:
            raise InputError(f"activation {self.name} is not a polynomial: it has no degree")
        return len(self.coefficients) - 1

    @property
    def homogeneous_degree(self) -> int | None:
        """k when ρ(z) = a z^k (a ≠ 0), else None."""
        if self.coefficients is None:
            return None
        nonzero = [j for j, c in enumerate(self.coefficients) if c != 0]
        return nonzero[0] if len(nonzero) == 1 else None

    def __call__(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=np.float64)
        if self.kind == "polynomial":
            return _horner(cast("tuple[float, ...]", self.coefficients), z)
        if self.kind == "relu":
            return np.maximum(z, 0.0)
        if self.kind == "tanh":
            return np.tanh(z)
        fn = cast("Callable[[np.ndarray], np.ndarray]", self._fn)  # set for kind "other"
        return np.asarray(fn(z), dtype=np.float64) * np.ones_like(z)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        """ρ'(z); for ReLU the convention ρ'(0) = 0 (what autograd uses)."""
        z = np.asarray(z, dtype=np.float64)
        if self.kind == "polynomial":
            return _horner(self._derivative_coefficients, z)
        if self.kind == "relu":
            return (z > 0).astype(np.float64)
        if self.kind == "tanh":
            return 1.0 - np.tanh(z) ** 2
        dfn = cast("Callable[[np.ndarray], np.ndarray]", self._dfn)  # set for kind "other"
        return np.asarray(dfn(z), dtype=np.float64) * np.ones_like(z)


def _horner(coefficients: tuple[float, ...], z: np.ndarray) -> np.ndarray:
    """Σ_j c_j z^j (increasing degree) by Horner's rule, elementwise."""
    out = np.full(z.shape, coefficients[-1])
    for c in coefficients[-2::-1]:
        out = out * z + c
    return out


def _polynomial_activation(expr: sp.Expr, z: sp.Symbol, name: str) -> Activation:
    coeffs = activation_coefficients(expr)
    if not coeffs:
        raise InputError(f"activation {name!r} is identically zero")
    k = max(coeffs)
    values = tuple(float(coeffs.get(j, 0)) for j in range(k + 1))
    if not all(math.isfinite(c) for c in values):
        raise InputError(f"activation {name!r} has a non-finite coefficient")
    return Activation(name, sp.expand(expr), z, "polynomial", values)


def make_activation(spec: Any) -> Activation:
    """An :class:`Activation` from a name (``"quadratic"``, ``"cubic"``, ``"linear"``,
    ``"relu"``, ``"tanh"``), a sympy expression or string of one variable (``"z**3 - z"``), or a
    coefficient list a_0, a_1, … (increasing degree). Anything else is an InputError."""
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, str) and spec.strip().lower() in _NAMED:
        return _polynomial_activation(_NAMED[spec.strip().lower()], _Z, spec.strip().lower())
    if isinstance(spec, str) and spec.strip().lower() == "relu":
        return Activation("relu", sp.Max(0, _Z), _Z, "relu")
    if isinstance(spec, str) and spec.strip().lower() == "tanh":
        return Activation("tanh", sp.tanh(_Z), _Z, "tanh")
    if isinstance(spec, (list, tuple, np.ndarray)):
        arr = np.asarray(spec)
        if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.number):
            raise InputError(
                f"activation coefficients {spec!r} must be a non-empty list of numbers"
            )
        if not np.all(np.isfinite(arr.astype(np.float64))):
            raise InputError(f"activation coefficients {spec!r} are not all finite")
        expr = sp.sympify(sum(to_rational(float(c)) * _Z**j for j, c in enumerate(arr)))
        return _polynomial_activation(expr, _Z, str(expr))
    expr, z = parse_activation(spec)
    name = str(expr)
    if expr.is_polynomial(z):
        return _polynomial_activation(expr, z, name)
    if expr == sp.Max(0, z):
        return Activation("relu", expr, z, "relu")
    if expr == sp.tanh(z):
        return Activation("tanh", expr, z, "tanh")
    fn = sp.lambdify(z, expr, modules="numpy")
    dfn = sp.lambdify(z, sp.diff(expr, z), modules="numpy")
    return Activation(name, expr, z, "other", None, fn, dfn)


# ---------------------------------------------------------------------------- polynomial lifting


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


# ---------------------------------------------------------------------------- the lifted problem


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
        return int(self.basis.shape[1])

    @property
    def d(self) -> int:
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


# ---------------------------------------------------------------------------- the energies


class TwoLayerParams(NamedTuple):
    W: np.ndarray  # (p, n)
    U: np.ndarray  # (m, p)


def _check_int(value: Any, name: str, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise InputError(f"{name} = {value!r}: need an integer ≥ {low}")
    return int(value)


def _finite_matrix(a: Any, name: str, ndim: int | tuple[int, ...] = 2) -> np.ndarray:
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{name} is not an array of numbers") from None
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if arr.ndim not in allowed:
        raise InputError(
            f"{name} has shape {arr.shape}; expected {' or '.join(map(str, allowed))} dimensions"
        )
    if not np.all(np.isfinite(arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise InputError(f"{name}{list(bad)} = {arr[bad]} is not finite")
    return arr


def _binomial_powers(a: np.ndarray, b: np.ndarray, degree: int) -> np.ndarray:
    """Coefficients in t of (a + t b)^e for e = 0..degree: (degree+1 [e], degree+1 [s], *a.shape)."""
    out = np.zeros((degree + 1, degree + 1) + a.shape)
    for e in range(degree + 1):
        for s in range(e + 1):
            out[e, s] = math.comb(e, s) * a ** (e - s) * b**s
    return out


def _poly_square_form(
    R: np.ndarray, weight: Callable[[np.ndarray, np.ndarray], float]
) -> np.ndarray:
    """Coefficients of Σ_{i,j} weight(R_i, R_j) t^{i+j} for R (k+1, ...) polynomial coefficients."""
    k = R.shape[0] - 1
    out = np.zeros(2 * k + 1)
    for i in range(k + 1):
        for j in range(k + 1):
            out[i + j] += weight(R[i], R[j])
    return out


class TwoLayerEnergy(Landscape):
    """Common structure of Φ(x) = U ρ(Wx): θ = (vec W, vec U), sizes n, p, m."""

    activation: Activation
    n: int
    p: int
    m: int

    def _init_sizes(self, n: int, p: int, m: int) -> None:
        self.n, self.p, self.m = n, p, m
        self.dim = p * n + m * p

    # ---- parameters
    def unflatten(self, theta: Any) -> TwoLayerParams:
        t = as_theta(theta, self.dim)
        k = self.p * self.n
        return TwoLayerParams(t[:k].reshape(self.p, self.n), t[k:].reshape(self.m, self.p))

    def flatten(self, W: Any, U: Any) -> np.ndarray:
        W = _finite_matrix(W, "W")
        U = _finite_matrix(U, "U")
        if W.shape != (self.p, self.n):
            raise InputError(f"W has shape {W.shape}; expected (p, n) = {(self.p, self.n)}")
        if U.shape != (self.m, self.p):
            raise InputError(f"U has shape {U.shape}; expected (m, p) = {(self.m, self.p)}")
        return np.concatenate([W.ravel(), U.ravel()])

    def _split(self, thetas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = self.p * self.n
        T = thetas.shape[0]
        return thetas[:, :k].reshape(T, self.p, self.n), thetas[:, k:].reshape(T, self.m, self.p)

    def random_point(self, rng: np.random.Generator, scale: float = 1.0) -> np.ndarray:
        """θ with Gaussian entries, rows of W of norm ≈ 1, output weights of size ``scale``."""
        W = rng.normal(size=(self.p, self.n)) / np.sqrt(self.n)
        U = scale * rng.normal(size=(self.m, self.p)) / np.sqrt(self.p)
        return self.flatten(W, U)

    # ---- the energy as a quadratic in U (W fixed)
    def output_quadratic(self, W: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        """For fixed W: (U0, ΔU) ↦ coefficients (c0, c1, c2) of E(U0 + tΔU) (a quadratic)."""
        raise NotImplementedError

    def _moving_live_units(self, a: np.ndarray, b: np.ndarray) -> bool:
        Wa, Ua = self.unflatten(a)
        Wb, Ub = self.unflatten(b)
        moving = np.any(Wa != Wb, axis=1)
        live = np.any(Ua != 0, axis=0) | np.any(Ub != 0, axis=0)
        return bool(np.any(moving & live))

    def energy_polynomial(self, a: Any, b: Any) -> np.ndarray | None:
        """E((1 − t)a + tb) as polynomial coefficients in t (increasing degree), or None.

        Exact form (no sampling): a quadratic when only U and the rows of units with zero
        output weight at both ends move (any ρ); degree 2(deg ρ + 1) for polynomial ρ."""
        a = as_theta(a, self.dim, name="segment start")
        b = as_theta(b, self.dim, name="segment end")
        if not self._moving_live_units(a, b):
            Wa, Ua = self.unflatten(a)
            _, Ub = self.unflatten(b)
            return self.output_quadratic(Wa)(Ua, Ub - Ua)
        if self.activation.is_polynomial:
            return self._polynomial_along(a, b)
        return None

    def _polynomial_along(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def lifted_problem(
        self,
        kind: str = "auto",
        *,
        rank_rtol: float = 1e-9,
        n_directions: int | None = None,
        seed: int = 0,
    ) -> LiftedProblem:
        raise NotImplementedError

    def function_values(self, thetas: Any) -> np.ndarray:
        """What fixes the energy, for a batch of θ: the outputs on the data (empirical) or the
        lifted coefficients β (population)."""
        raise NotImplementedError

    def lifted(self, theta: Any, problem: LiftedProblem | None = None) -> np.ndarray:
        """β(θ) = U A(W)ᵀ in the coordinates of ``problem`` (default: ``lifted_problem()``)."""
        problem = problem or self.lifted_problem()
        W, U = self.unflatten(theta)
        return U @ problem.unit_features(W)


class EmpiricalTwoLayer(TwoLayerEnergy):
    """E(θ) = (1/L) Σ_l ‖U ρ(W x_l) − y_l‖² on data X (L, n), Y (L, m) (or (L,) for m = 1)."""

    def __init__(self, activation: Any, X: Any, Y: Any, p: int):
        self.activation = make_activation(activation)
        X = _finite_matrix(X, "data X")
        Y = _finite_matrix(Y, "data Y", ndim=(1, 2))
        if Y.ndim == 1:
            Y = Y[:, None]
        if X.shape[0] < 1 or X.shape[1] < 1:
            raise InputError(f"data X has shape {X.shape}; need L ≥ 1 samples of dimension n ≥ 1")
        if Y.shape[0] != X.shape[0]:
            raise InputError(f"data Y has {Y.shape[0]} samples but X has {X.shape[0]}")
        self.X, self.Y = X, Y
        self.L = X.shape[0]
        self._init_sizes(X.shape[1], _check_int(p, "p"), Y.shape[1])

    # ---- energies
    def outputs(self, thetas: Any) -> np.ndarray:
        """Φ(x_l; θ) for a batch (T, D) → (T, L, m)."""
        thetas = np.atleast_2d(np.asarray(thetas, dtype=np.float64))
        W, U = self._split(thetas)
        H = self.activation(np.einsum("ln,tpn->tlp", self.X, W))
        return np.einsum("tlp,tmp->tlm", H, U)

    def function_values(self, thetas: Any) -> np.ndarray:
        """What determines the energy: the outputs on the data, flattened (T, L·m)."""
        out = self.outputs(thetas)
        return out.reshape(out.shape[0], -1)

    def _energies(self, thetas: np.ndarray) -> np.ndarray:
        R = self.outputs(thetas) - self.Y[None]
        return np.einsum("tlm,tlm->t", R, R) / self.L

    def _energy_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        W, U = self.unflatten(theta)
        Z = self.X @ W.T  # (L, p)
        H = self.activation(Z)
        R = H @ U.T - self.Y  # (L, m)
        e = float(np.sum(R * R) / self.L)
        gU = 2.0 / self.L * R.T @ H
        gZ = 2.0 / self.L * (R @ U) * self.activation.derivative(Z)
        gW = gZ.T @ self.X
        return e, np.concatenate([gW.ravel(), gU.ravel()])

    # ---- exact energy along segments
    def output_quadratic(self, W: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        H = self.activation(self.X @ W.T)

        def coeffs(U0: np.ndarray, dU: np.ndarray) -> np.ndarray:
            R0 = H @ U0.T - self.Y
            D = H @ dU.T
            return np.array([np.sum(R0 * R0), 2 * np.sum(D * R0), np.sum(D * D)]) / self.L

        return coeffs

    def _polynomial_along(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        Wa, Ua = self.unflatten(a)
        Wb, Ub = self.unflatten(b)
        c = np.asarray(self.activation.coefficients)
        k = c.size - 1
        Z0, dZ = self.X @ Wa.T, self.X @ (Wb - Wa).T  # (L, p)
        P = _binomial_powers(Z0, dZ, k)  # (k+1, k+1, L, p)
        rho = np.einsum("j,jslp->slp", c, P)  # ρ(z(t)) coefficients (k+1, L, p)
        out = np.zeros((k + 2, self.L, self.m))
        out[:-1] += np.einsum("slp,mp->slm", rho, Ua)
        out[1:] += np.einsum("slp,mp->slm", rho, Ub - Ua)
        out[0] -= self.Y
        return _poly_square_form(out, lambda r, s: float(np.sum(r * s))) / self.L

    # ---- the convex lifting
    def lifted_problem(
        self,
        kind: str = "auto",
        *,
        rank_rtol: float = 1e-9,
        n_directions: int | None = None,
        seed: int = 0,
    ) -> LiftedProblem:
        """The lifting of VBB §2 on these data.

        ``polynomial``: β ∈ R^{m×Q} over the monomials of ρ (q = dim*(ρ, n)), F(β) =
        (1/L)‖Ψ_X βᵀ − Y‖². ``values`` (any ρ; VBB v1 'generic activations in the empirical risk
        case'): A(w) = (ρ(⟨w, x_l⟩))_l ∈ R^L, β = the outputs on the samples, F(β) = (1/L)‖β − Yᵀ‖²,
        over the span V = span{A(w)} of dimension q_emp ≤ L, computed as the numerical rank (rtol
        ``rank_rtol``) of A at ``n_directions`` (default 4L + 8) random w.
        ``auto``: polynomial when ρ is a polynomial, else values."""
        if kind == "auto":
            kind = "polynomial" if self.activation.is_polynomial else "values"
        if kind == "polynomial":
            feats = polynomial_features(self.activation, self.n)
            Psi = feats.data_features(self.X)
            Q = np.eye(feats.size)
            H = Psi.T @ Psi / self.L
            center = np.linalg.lstsq(Psi, self.Y, rcond=None)[0].T
            problem = LiftedProblem(
                "polynomial",
                feats.unit_features,
                H,
                center,
                0.0,
                Q,
                (Psi, self.Y),
                {"q": feats.q, "monomials": feats.size},
            )
            problem.offset = problem.value(center)
            return problem
        if kind == "values":
            basis, svals = self.value_span(
                rank_rtol=rank_rtol, n_directions=n_directions, seed=seed
            )
            Psi = np.eye(self.L)
            act = self.activation
            X = self.X
            problem = LiftedProblem(
                "values",
                lambda W: act(np.asarray(W) @ X.T),
                np.eye(self.L) / self.L,
                self.Y.T.copy(),
                0.0,
                basis,
                (Psi, self.Y),
                {
                    "q_emp": int(basis.shape[1]),
                    "L": self.L,
                    "rank_rtol": rank_rtol,
                    "singular_values": svals.tolist(),
                },
            )
            return problem
        raise InputError(f"lifting kind {kind!r} is not one of auto, polynomial, values")

    def value_span(
        self, *, rank_rtol: float = 1e-9, n_directions: int | None = None, seed: int = 0
    ) -> tuple[np.ndarray, np.ndarray]:
        """Orthonormal basis (L, q_emp) of V = span{(ρ(⟨w, x_l⟩))_l : w ∈ R^n} and the singular
        values, from random directions w of random scale (numerical rank, rtol ``rank_rtol``)."""
        rng = np.random.default_rng(seed)
        M = n_directions or 4 * self.L + 8
        Wd = rng.normal(size=(M, self.n)) * np.exp(rng.normal(scale=0.5, size=(M, 1)))
        F = self.activation(self.X @ Wd.T)  # (L, M)
        if not np.all(np.isfinite(F)):
            raise InputError(f"activation {self.activation.name} is not finite on the data")
        Uf, s, _ = np.linalg.svd(F, full_matrices=False)
        r = int(np.sum(s > rank_rtol * s[0])) if s.size and s[0] > 0 else 0
        return Uf[:, :r], s


class PopulationTwoLayer(TwoLayerEnergy):
    """E(θ) = E‖U ρ(WX) − Y‖² in closed form, Y = U_t ρ_t(W_t X) + σε (ε ~ N(0, I_m)).

    ``mixture`` is a list of (weight π_k, factor C_k (n × r_k)): X = C_k G with probability π_k,
    G ~ N(0, I_{r_k}) (default: X ~ N(0, I_n)). Polynomial ρ (with ρ_t polynomial) needs the
    standard Gaussian; ReLU (with a ReLU teacher) takes any mixture. Other activations have no
    closed form here: use :class:`EmpiricalTwoLayer`.
    """

    def __init__(
        self,
        activation: Any,
        n: int,
        p: int,
        *,
        teacher_W: Any,
        teacher_U: Any,
        teacher_activation: Any = None,
        noise_variance: float = 0.0,
        mixture: Sequence[tuple[float, Any]] | None = None,
    ):
        self.activation = make_activation(activation)
        self.teacher_activation = (
            self.activation if teacher_activation is None else make_activation(teacher_activation)
        )
        n = _check_int(n, "n")
        Wt = _finite_matrix(teacher_W, "teacher_W")
        Ut = np.asarray(teacher_U, dtype=np.float64)
        if Ut.ndim == 1:
            Ut = Ut[None, :]
        Ut = _finite_matrix(Ut, "teacher_U")
        if Wt.shape[1] != n or Ut.shape[1] != Wt.shape[0]:
            raise InputError(f"teacher shapes W_t {Wt.shape}, U_t {Ut.shape} do not fit n = {n}")
        if not (math.isfinite(noise_variance) and noise_variance >= 0):
            raise InputError(f"noise_variance = {noise_variance!r} must be finite and ≥ 0")
        self.Wt, self.Ut, self.noise_variance = Wt, Ut, float(noise_variance)
        self._init_sizes(n, _check_int(p, "p"), Ut.shape[0])
        kinds = {self.activation.kind, self.teacher_activation.kind}
        if kinds == {"polynomial"}:
            self.mode = "polynomial"
            if mixture is not None:
                raise InputError(
                    "a Gaussian mixture is supported for ReLU only; polynomial "
                    "population energies use X ~ N(0, I_n)"
                )
            self.mixture = [(1.0, np.eye(n))]
            self._setup_polynomial()
        elif kinds == {"relu"}:
            self.mode = "relu"
            self.mixture = self._check_mixture(mixture, n)
        else:
            raise InputError(
                f"no closed-form population energy for activation {self.activation.name} with "
                f"teacher {self.teacher_activation.name}; polynomial or ReLU only (use the "
                "empirical energy)"
            )

    @staticmethod
    def _check_mixture(mixture: Any, n: int) -> list[tuple[float, np.ndarray]]:
        if mixture is None:
            return [(1.0, np.eye(n))]
        out = []
        for i, item in enumerate(mixture):
            try:
                w, C = item
            except (TypeError, ValueError):
                raise InputError(f"mixture[{i}] must be a pair (weight, factor C)") from None
            C = _finite_matrix(C, f"mixture[{i}] factor")
            if C.shape[0] != n or not (math.isfinite(w) and w > 0):
                raise InputError(f"mixture[{i}]: weight {w!r} must be > 0 and C have {n} rows")
            out.append((float(w), C))
        total = sum(w for w, _ in out)
        if not out or abs(total - 1.0) > 1e-12:
            raise InputError(f"mixture weights sum to {total!r}; they must sum to 1")
        return out

    # ---- polynomial: the lifted Gram form
    def _setup_polynomial(self) -> None:
        fa = polynomial_features(self.activation, self.n)
        ft = polynomial_features(self.teacher_activation, self.n)
        keys = {tuple(e): i for i, e in enumerate(fa.exponents.tolist())}
        union = list(keys)
        for e in ft.exponents.tolist():
            if tuple(e) not in keys:
                keys[tuple(e)] = len(union)
                union.append(tuple(e))
        E = np.array(union, dtype=np.int64).reshape(len(union), self.n)
        ca = np.zeros(len(union))
        ca[: fa.size] = fa.coefficients
        ct = np.zeros(len(union))
        for e, c in zip(ft.exponents.tolist(), ft.coefficients):
            ct[keys[tuple(e)]] = c
        self._model = PolynomialFeatures(E, ca, fa.q)
        self._teacher = PolynomialFeatures(E, ct, ft.q)
        self._n_model = fa.size
        self.G = self._model.gaussian_gram()
        self.beta_t = self.Ut @ self._teacher.unit_features(self.Wt)  # (m, Q)

    def _energies(self, thetas: np.ndarray) -> np.ndarray:
        W, U = self._split(thetas)
        if self.mode == "polynomial":
            D = np.einsum("tmp,tpq->tmq", U, self._model.unit_features(W)) - self.beta_t[None]
            return np.einsum("tmq,qr,tmr->t", D, self.G, D) + self.m * self.noise_variance
        out = np.full(thetas.shape[0], self.m * self.noise_variance)
        for w, C in self.mixture:
            A = W @ C  # (T, p, r)
            B = self.Wt @ C  # (p_t, r)
            Kww = relu_kernel(A, A)
            Kwt = relu_kernel(A, np.broadcast_to(B, (A.shape[0],) + B.shape))
            Ktt = relu_kernel(B, B)
            out += w * (
                np.einsum("tmi,tij,tmj->t", U, Kww, U)
                - 2 * np.einsum("tmi,tij,mj->t", U, Kwt, self.Ut)
                + float(np.einsum("mi,ij,mj->", self.Ut, Ktt, self.Ut))
            )
        return out

    def _energy_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        W, U = self.unflatten(theta)
        if self.mode == "polynomial":
            A = self._model.unit_features(W)  # (p, Q)
            D = U @ A - self.beta_t
            GD = 2 * D @ self.G  # dE/dβ (m, Q)
            e = float(np.einsum("mq,qr,mr->", D, self.G, D)) + self.m * self.noise_variance
            gU = GD @ A.T
            gA = U.T @ GD  # (p, Q)
            gW = np.einsum("pq,pqn->pn", gA, self._model.unit_features_jacobian(W))
            return e, np.concatenate([gW.ravel(), gU.ravel()])
        e = self.m * self.noise_variance
        gW = np.zeros_like(W)
        gU = np.zeros_like(U)
        P = U.T @ U
        Pt = U.T @ self.Ut
        for (w, C), c_tt in zip(self.mixture, self._teacher_terms()):
            A = W @ C
            K, G = _relu_kernel_and_grad(A, np.vstack([A, self.Wt @ C]))
            Kww, Kwt = K[:, : self.p], K[:, self.p :]
            e += w * (float(np.sum(P * Kww)) - 2 * float(np.sum(Pt * Kwt)) + c_tt)
            gU += w * (2 * U @ Kww - 2 * self.Ut @ Kwt.T)
            gA = 2 * np.einsum("ij,ijr->ir", P, G[:, : self.p]) - 2 * np.einsum(
                "ij,ijr->ir", Pt, G[:, self.p :]
            )
            gW += w * gA @ C.T
        return float(e), np.concatenate([gW.ravel(), gU.ravel()])

    def _teacher_terms(self) -> list[float]:
        """E‖U_t ρ(W_t X)‖² per mixture component (constant; cached)."""
        if getattr(self, "_tt", None) is None:
            self._tt = [
                float(np.einsum("mi,ij,mj->", self.Ut, relu_kernel(B, B), self.Ut))
                for B in (self.Wt @ C for _, C in self.mixture)
            ]
        return self._tt

    # ---- exact energy along segments
    def output_quadratic(self, W: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        if self.mode == "polynomial":
            A = self._model.unit_features(W)

            def coeffs(U0: np.ndarray, dU: np.ndarray) -> np.ndarray:
                R0, D = U0 @ A - self.beta_t, dU @ A
                g = self.G
                return np.array(
                    [
                        np.einsum("mq,qr,mr->", R0, g, R0) + self.m * self.noise_variance,
                        2 * np.einsum("mq,qr,mr->", D, g, R0),
                        np.einsum("mq,qr,mr->", D, g, D),
                    ]
                )

            return coeffs
        mats = []
        for w, C in self.mixture:
            A, B = W @ C, self.Wt @ C
            mats.append((w, relu_kernel(A, A), relu_kernel(A, B), relu_kernel(B, B)))

        def coeffs_relu(U0: np.ndarray, dU: np.ndarray) -> np.ndarray:
            c = np.array([self.m * self.noise_variance, 0.0, 0.0])
            for w, Kww, Kwt, Ktt in mats:
                c[0] += w * (
                    np.sum(U0 @ Kww * U0)
                    - 2 * np.sum(U0 @ Kwt * self.Ut)
                    + np.sum(self.Ut @ Ktt * self.Ut)
                )
                c[1] += w * (2 * np.sum(dU @ Kww * U0) - 2 * np.sum(dU @ Kwt * self.Ut))
                c[2] += w * np.sum(dU @ Kww * dU)
            return c

        return coeffs_relu

    def _polynomial_along(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        Wa, Ua = self.unflatten(a)
        Wb, Ub = self.unflatten(b)
        feats = self._model
        k = int(feats.exponents.sum(axis=1).max())
        P = _binomial_powers(Wa, Wb - Wa, k)  # (k+1 [e], k+1 [s], p, n)
        Apoly = np.zeros((k + 1, self.p, feats.size))
        Apoly[0] = 1.0
        for j in range(self.n):
            factor = P[feats.exponents[:, j], :, :, j]  # (Q, k+1 [s], p)
            factor = np.transpose(factor, (1, 2, 0))  # (s, p, Q)
            new = np.zeros_like(Apoly)
            for s1 in range(k + 1):
                for s2 in range(k + 1 - s1):
                    new[s1 + s2] += Apoly[s1] * factor[s2]
            Apoly = new
        Apoly *= feats.coefficients
        beta = np.zeros((k + 2, self.m, feats.size))
        beta[:-1] += np.einsum("mp,spq->smq", Ua, Apoly)
        beta[1:] += np.einsum("mp,spq->smq", Ub - Ua, Apoly)
        beta[0] -= self.beta_t
        g = self.G
        out = _poly_square_form(beta, lambda r, s: float(np.einsum("mq,qr,mr->", r, g, s)))
        out[0] += self.m * self.noise_variance
        return out

    def function_values(self, thetas: Any) -> np.ndarray:
        """The lifted coefficients β(θ) (T, m·Q) that determine the function (polynomial ρ)."""
        if self.mode != "polynomial":
            raise InputError("function_values needs a polynomial activation (the lifted β)")
        W, U = self._split(np.atleast_2d(np.asarray(thetas, dtype=np.float64)))
        beta = np.einsum("tmp,tpq->tmq", U, self._model.unit_features(W))
        return beta.reshape(beta.shape[0], -1)

    def lifted_problem(self, kind: str = "auto", **options: Any) -> LiftedProblem:
        """F(β) = tr((β − β_t) G (β − β_t)ᵀ) + mσ² with G the Gaussian moment matrix, restricted
        to the model's monomials (polynomial ρ, X ~ N(0, I_n))."""
        if kind not in ("auto", "polynomial"):
            raise InputError(f"population lifting kind {kind!r}: only 'polynomial' is available")
        if self.mode != "polynomial":
            raise InputError(
                f"activation {self.activation.name} is not a polynomial; the "
                "population lifting needs one"
            )
        Q = np.eye(self._model.size)[:, : self._n_model]
        model = self._model
        problem = LiftedProblem(
            "polynomial",
            model.unit_features,
            self.G,
            self.beta_t.copy(),
            self.m * self.noise_variance,
            Q,
            None,
            {"q": model.q, "monomials": self._n_model},
        )
        return problem

    # ---- Monte Carlo
    def sample(self, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(X, Y) drawn from the population (the mixture and the teacher plus noise)."""
        size = _check_int(size, "size")
        weights = np.array([w for w, _ in self.mixture])
        comp = rng.choice(len(self.mixture), size=size, p=weights)
        X = np.zeros((size, self.n))
        for k, (_, C) in enumerate(self.mixture):
            idx = np.flatnonzero(comp == k)
            X[idx] = rng.normal(size=(idx.size, C.shape[1])) @ C.T
        Y = self.teacher_activation(X @ self.Wt.T) @ self.Ut.T
        if self.noise_variance:
            Y = Y + np.sqrt(self.noise_variance) * rng.normal(size=Y.shape)
        return X, Y

    def monte_carlo(self, theta: Any, size: int, seed: int = 0) -> tuple[float, float]:
        """(mean, standard error) of ‖Uρ(WX) − Y‖² over ``size`` samples: an independent check
        of the closed form."""
        X, Y = self.sample(size, np.random.default_rng(seed))
        W, U = self.unflatten(theta)
        R = self.activation(X @ W.T) @ U.T - Y
        losses = np.sum(R * R, axis=1)
        return float(losses.mean()), float(losses.std(ddof=1) / np.sqrt(size))


class FixedOutput(Landscape):
    """The energy as a function of W alone, U held fixed (e.g. sign-constrained output weights
    u = 1 of a quadratic network, where the lift is A = WᵀW ⪰ 0)."""

    def __init__(self, energy: TwoLayerEnergy, U: Any):
        self.energy_full = energy
        U = _finite_matrix(np.atleast_2d(U), "U")
        if U.shape != (energy.m, energy.p):
            raise InputError(f"U has shape {U.shape}; expected {(energy.m, energy.p)}")
        self.U = U
        self.dim = energy.p * energy.n

    def full(self, theta: Any) -> np.ndarray:
        return np.concatenate([as_theta(theta, self.dim), self.U.ravel()])

    def _energies(self, thetas: np.ndarray) -> np.ndarray:
        U = np.broadcast_to(self.U.ravel(), (thetas.shape[0], self.U.size))
        return self.energy_full.energies(np.concatenate([thetas, U], axis=1))

    def _energy_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        e, g = self.energy_full.energy_and_grad(self.full(theta))
        return e, g[: self.dim]


# ---------------------------------------------------------------------------- ReLU kernel


def _cosines(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    na = np.linalg.norm(A, axis=-1)
    nb = np.linalg.norm(B, axis=-1)
    dots = np.einsum("...ir,...jr->...ij", A, B)
    denom = na[..., :, None] * nb[..., None, :]
    safe = np.where(denom > 0, denom, 1.0)
    cos = np.clip(np.where(denom > 0, dots / safe, 1.0), -1.0, 1.0)
    return cos, na, nb


def relu_kernel(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """K_ij = E[ρ(a_i·G) ρ(b_j·G)] = ‖a_i‖‖b_j‖ (sin φ + (π − φ) cos φ)/(2π), G ~ N(0, I)
    (arc-cosine kernel of degree 1, Cho & Saul 2009); rows of A (..., p, r), B (..., q, r)."""
    cos, na, nb = _cosines(A, B)
    phi = np.arccos(cos)
    return (
        na[..., :, None]
        * nb[..., None, :]
        * (np.sqrt(1 - cos**2) + (np.pi - phi) * cos)
        / (2 * np.pi)
    )


def _relu_kernel_and_grad(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(relu_kernel(A, B), relu_kernel_grad(A, B)) for 2-D A, B with one pass over the angles."""
    cos, na, nb = _cosines(A, B)
    phi = np.arccos(cos)
    sin = np.sqrt(1 - cos**2)
    K = na[:, None] * nb[None, :] * (sin + (np.pi - phi) * cos) / (2 * np.pi)
    unit_a = A / np.where(na > 0, na, 1.0)[:, None]
    G = (
        (np.pi - phi)[..., None] * B[None, :, :]
        + (nb[None, :] * sin)[..., None] * unit_a[:, None, :]
    ) / (2 * np.pi)
    alive = (na[:, None] > 0) & (nb[None, :] > 0)
    return K, G * alive[..., None]


def relu_kernel_grad(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """∇_a K(a_i, b_j) = ((π − φ) b_j + ‖b_j‖ sin φ · a_i/‖a_i‖)/(2π), shape (p, q, r); 0 where
    a_i = 0 (the ρ'(0) = 0 convention) or b_j = 0 (then K ≡ 0). Tian (ICML 2017), eq. (3)."""
    cos, na, nb = _cosines(A, B)
    phi = np.arccos(cos)
    sin = np.sqrt(1 - cos**2)
    unit_a = A / np.where(na > 0, na, 1.0)[..., None]
    g = (
        (np.pi - phi)[..., None] * B[..., None, :, :]
        + (nb[..., None, :] * sin)[..., None] * unit_a[..., :, None, :]
    ) / (2 * np.pi)
    alive = (na[..., :, None] > 0) & (nb[..., None, :] > 0)
    return g * alive[..., None]


# ---------------------------------------------------------------------------- the ReLU valley


@dataclass
class ReluValley:
    """The explicit spurious valley of VBB Theorem 13 (papers.md §4.5(a))."""

    landscape: PopulationTwoLayer
    theta_bad: np.ndarray
    theta_good: np.ndarray
    n: int
    p: int
    alpha: float
    beta: float

    @property
    def energy_bad(self) -> float:
        """Closed form β²/4: branch 1 fitted exactly, branch 2 predicted 0, E[ρ(G)²] = 1/2."""
        return self.beta**2 / 4

    @property
    def energy_good(self) -> float:
        """Closed form α²/4: one branch-1 unit lost, branch 2 fitted."""
        return self.alpha**2 / 4

    def in_valley(self, theta: Any, *, atol: float = 0.0) -> bool:
        """θ ∈ V_p^+: every row of W in span(e_1..e_{n−1}) (|w_in| ≤ atol) and u > 0."""
        W, U = self.landscape.unflatten(theta)
        return bool(np.all(np.abs(W[:, -1]) <= atol) and np.all(U > 0))


def relu_valley(n: int, p: int, alpha: float = 2.0, beta: float = 3.0) -> ReluValley:
    """VBB Thm 13: X = (G_1..G_{n−1}, 0) or (0, …, 0, G_n) with probability ½ each,
    Y = Σ_{i≤p} α ρ(X_i) − β ρ(X_n); θ_bad = (W = [e_1..e_p], u = α),
    θ_good = (W = [e_1..e_{p−1}, e_n], u = (α, …, α, −β)). Needs n ≥ 3, 2 ≤ p ≤ n − 1."""
    n, p = _check_int(n, "n", 3), _check_int(p, "p", 2)
    if p > n - 1:
        raise InputError(f"p = {p} > n − 1 = {n - 1}: the valley needs 2 ≤ p ≤ n − 1")
    for name, v in (("alpha", alpha), ("beta", beta)):
        if not (math.isfinite(v) and v > 0):
            raise InputError(f"{name} = {v!r} must be finite and > 0")
    eye = np.eye(n)
    Wt = np.vstack([eye[:p], eye[n - 1]])
    Ut = np.concatenate([np.full(p, alpha), [-beta]])[None, :]
    mixture = [(0.5, eye[:, : n - 1]), (0.5, eye[:, n - 1 :])]
    land = PopulationTwoLayer("relu", n, p, teacher_W=Wt, teacher_U=Ut, mixture=mixture)
    bad = land.flatten(eye[:p], np.full((1, p), alpha))
    good_W = np.vstack([eye[: p - 1], eye[n - 1]])
    good = land.flatten(good_W, np.concatenate([np.full(p - 1, alpha), [-beta]])[None, :])
    return ReluValley(land, bad, good, n, p, float(alpha), float(beta))
