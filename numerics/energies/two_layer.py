"""Two-layer networks Φ(x) = U ρ(Wx) with the square loss: the common structure and the
empirical energy.

θ = (vec W, vec U) with W ∈ R^{p×n} (rows w_i) and U ∈ R^{m×p}, both row-major.

* :class:`TwoLayerEnergy` — what every two-layer energy shares: the parameters, the energy as a
  quadratic in U for fixed W, and ``energy_polynomial(a, b)``: the energy along the straight
  segment a → b as a polynomial in t (increasing degree) — for polynomial ρ on any segment
  (degree 2(deg ρ + 1)), and for every ρ on segments that move only U and the rows of units
  whose output weights vanish on the whole segment (then E is quadratic in t);
* :class:`EmpiricalTwoLayer` — E(θ) = (1/L) Σ_l ‖U ρ(W x_l) − y_l‖², any activation, with its
  convex lifting (``lifted_problem()``, VBB §2: Φ(x) = β Ψ(x), β = U A(W)ᵀ, E = F(β) with F a
  convex quadratic);
* :class:`FixedOutput` — the energy as a function of W alone, U held fixed.

The population energy in closed form is in :mod:`sublevel.numerics.energies.two_layer_population`,
the activations in :mod:`sublevel.numerics.energies.activations`, the lifting in
:mod:`sublevel.numerics.energies.convex_lifting`. Sources: Venturi, Bandeira & Bruna, JMLR 20
(2019), §2 (model, intrinsic dimension); papers.md §4.1.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
from sublevel.numerics.energies.activations import Activation, make_activation
from sublevel.numerics.energies.convex_lifting import LiftedProblem, polynomial_features
from sublevel.numerics.landscape import Landscape, as_theta
from sublevel.theory.errors import InputError

__all__ = ["TwoLayerParams", "TwoLayerEnergy", "EmpiricalTwoLayer", "FixedOutput"]


class TwoLayerParams(NamedTuple):
    """θ = (vec W, vec U) unpacked: W (p, n) holds the rows w_i, U (m, p) the output weights."""

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
        """θ (length D = pn + mp) → (W (p, n), U (m, p)), row-major; an InputError for a θ of
        the wrong length or with a non-finite entry."""
        t = as_theta(theta, self.dim)
        k = self.p * self.n
        return TwoLayerParams(t[:k].reshape(self.p, self.n), t[k:].reshape(self.m, self.p))

    def flatten(self, W: Any, U: Any) -> np.ndarray:
        """(W (p, n), U (m, p)) → θ = (vec W, vec U), row-major; an InputError for a wrong shape
        or a non-finite entry."""
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
        """The convex lifting E(θ) = F(β(θ)), β = U A(W)ᵀ (VBB §2) as a :class:`LiftedProblem`;
        ``kind`` picks the lifting (each energy lists the kinds it offers)."""
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
        """For fixed W, with H = ρ(X Wᵀ) (L, p) and R0 = H U0ᵀ − Y: (U0, ΔU) ↦ (c0, c1, c2) =
        (‖R0‖², 2⟨H ΔUᵀ, R0⟩, ‖H ΔUᵀ‖²)/L, the coefficients of E(U0 + tΔU)."""
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
        """θ_W (length pn) → the two-layer energy's θ = (vec W, vec U) with the fixed U."""
        return np.concatenate([as_theta(theta, self.dim), self.U.ravel()])

    def _energies(self, thetas: np.ndarray) -> np.ndarray:
        U = np.broadcast_to(self.U.ravel(), (thetas.shape[0], self.U.size))
        return self.energy_full.energies(np.concatenate([thetas, U], axis=1))

    def _energy_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        e, g = self.energy_full.energy_and_grad(self.full(theta))
        return e, g[: self.dim]
