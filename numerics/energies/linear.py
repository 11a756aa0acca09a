"""Deep linear networks Φ(x; θ) = W_K⋯W_1 x with the square loss (and ridge).

Parameters are a list ``[W_1, …, W_K]``, ``W_k`` of shape (n_k, n_{k−1}), widths
``[n_0 = n, n_1, …, n_K = m]``; the flat vector is ``concat(W_1.ravel(), …, W_K.ravel())``
(C order) and :meth:`DeepLinear.unflatten` inverts it. The energy factors through the
product P = W̃ = W_K⋯W_1 (the multilinear lifting, :mod:`sublevel.theory.liftings.multilinear`):

    E(θ) = F(P) + κ Σ_k ‖W_k‖_F²,   F(P) = tr(P Σ_X Pᵀ) − 2 tr(P Σ_XY) + σ_Y,

* empirical (data X (L, n), Y (L, m)): F(P) = (1/L) Σ_l ‖P x_l − y_l‖², computed from the
  residuals (accurate near zero), with Σ_X = XᵀX/L, Σ_XY = XᵀY/L, σ_Y = ‖Y‖²/L;
* population (:meth:`DeepLinear.population`): the same formula from the moments
  (Σ_X, Σ_XY, σ_Y = E‖Y‖²); for Gaussian X with Y = AX + ε see :func:`gaussian_moments`.

∇_P F = 2(P Σ_X − Σ_XYᵀ) and ∇_{W_k} E = (W_K⋯W_{k+1})ᵀ ∇_P F (W_{k−1}⋯W_1)ᵀ + 2κ W_k.
Along a straight segment in θ the product is a polynomial of degree (number of layers that
move) and E is a polynomial of degree twice that (:meth:`DeepLinear.energy_polynomial`),
which lets :mod:`sublevel.numerics.certify` certify it exactly.

Closed forms: the best energy over products of rank ≤ r (reduced-rank regression,
Eckart–Young on C = Σ_YX Σ_X^{+1/2}): E*_r = σ_Y − Σ_{i≤r} s_i(C)² (:func:`reduced_rank_optimum`).

Sources: Freeman & Bruna, ICLR 2017, eq. (1)–(2) and Prop. 2.2; Baldi & Hornik (1989) for
the reduced-rank optimum; papers.md §3.2, §4.4.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np
from sublevel.numerics.landscape import Landscape, as_theta, as_thetas
from sublevel.theory.errors import InputError

__all__ = [
    "DeepLinear",
    "as_widths",
    "as_weights",
    "widths_of",
    "flatten",
    "as_data",
    "moments",
    "gaussian_moments",
    "ReducedRank",
    "reduced_rank_optimum",
    "product_polynomial",
]


# -------------------------------------------------------------------------------- validation


def as_widths(widths: Any) -> list[int]:
    """``[n, n_1, …, n_{K−1}, m]`` as ints ≥ 1 (at least two entries)."""
    try:
        out = [int(w) for w in widths]
    except (TypeError, ValueError):
        raise InputError(f"widths {widths!r} are not a list of integers") from None
    if len(out) < 2:
        raise InputError(f"widths {out!r}: need [n, …, m] with at least two entries")
    if any(w < 1 for w in out) or any(int(w) != float(w) for w in widths):
        raise InputError(f"widths {list(widths)!r}: every width must be an integer ≥ 1")
    return out


def as_weights(
    weights: Any, widths: Sequence[int] | None = None, *, name: str = "weights"
) -> list[np.ndarray]:
    """A list of finite float64 matrices W_k (n_k, n_{k−1}) with chained shapes."""
    if isinstance(weights, np.ndarray) and weights.ndim != 3:
        raise InputError(
            f"{name} must be a list of matrices [W_1, …, W_K], got an array of "
            f"shape {weights.shape}"
        )
    try:
        mats = [np.asarray(W, dtype=np.float64) for W in weights]
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} are not a list of numeric matrices: {exc}") from None
    if not mats:
        raise InputError(f"{name} are empty: need at least one matrix")
    for k, W in enumerate(mats):
        if W.ndim != 2:
            raise InputError(f"{name}: W_{k + 1} has shape {W.shape}; expected a matrix")
        if not np.isfinite(W).all():
            i, j = np.argwhere(~np.isfinite(W))[0]
            raise InputError(f"{name}: W_{k + 1}[{i}, {j}] = {W[i, j]} is not finite")
        if k and W.shape[1] != mats[k - 1].shape[0]:
            raise InputError(
                f"{name}: W_{k + 1} has shape {W.shape} but W_{k} has {mats[k - 1].shape[0]} rows"
            )
    if widths is not None:
        have = widths_of(mats)
        if have != list(widths):
            raise InputError(f"{name} have widths {have}; expected {list(widths)}")
    return mats


def widths_of(weights: Sequence[np.ndarray]) -> list[int]:
    """``[n_0, n_1, …, n_K]`` of a chain of matrices."""
    return [int(weights[0].shape[1])] + [int(W.shape[0]) for W in weights]


def flatten(weights: Sequence[np.ndarray]) -> np.ndarray:
    """``concat(W_1.ravel(), …, W_K.ravel())`` (C order)."""
    return np.concatenate([np.asarray(W, dtype=np.float64).ravel() for W in weights])


def as_data(X: Any, Y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Finite float64 data X (L, n), Y (L, m) with the same L ≥ 1."""
    Xa = np.asarray(X, dtype=np.float64)
    Ya = np.asarray(Y, dtype=np.float64)
    if Xa.ndim != 2:
        raise InputError(f"X has shape {Xa.shape}; expected (L, n)")
    if Ya.ndim != 2:
        raise InputError(f"Y has shape {Ya.shape}; expected (L, m)")
    if Xa.shape[0] != Ya.shape[0]:
        raise InputError(f"X has {Xa.shape[0]} samples but Y has {Ya.shape[0]}")
    if Xa.shape[0] == 0:
        raise InputError("X and Y have L = 0 samples: need at least one")
    if Xa.shape[1] == 0 or Ya.shape[1] == 0:
        raise InputError(f"X has shape {Xa.shape} and Y {Ya.shape}: n and m must be ≥ 1")
    for name, A in (("X", Xa), ("Y", Ya)):
        if not np.isfinite(A).all():
            i, j = np.argwhere(~np.isfinite(A))[0]
            raise InputError(f"{name}[{i}, {j}] = {A[i, j]} is not finite")
    return Xa, Ya


def moments(X: Any, Y: Any) -> tuple[np.ndarray, np.ndarray, float]:
    """(Σ_X, Σ_XY, σ_Y) = (XᵀX/L, XᵀY/L, ‖Y‖_F²/L) of data X (L, n), Y (L, m)."""
    Xa, Ya = as_data(X, Y)
    L = Xa.shape[0]
    return Xa.T @ Xa / L, Xa.T @ Ya / L, float(np.sum(Ya * Ya) / L)


def gaussian_moments(
    A: Any, sigma_x: Any, noise: float = 0.0
) -> tuple[np.ndarray, np.ndarray, float]:
    """Moments of X ~ N(0, Σ_X), Y = A X + ε, ε ~ N(0, noise·I_m) independent of X:
    Σ_XY = Σ_X Aᵀ and σ_Y = E‖Y‖² = tr(A Σ_X Aᵀ) + m·noise."""
    Aa = np.asarray(A, dtype=np.float64)
    S = _psd(sigma_x, "sigma_x")
    if Aa.ndim != 2 or Aa.shape[1] != S.shape[0]:
        raise InputError(f"A has shape {Aa.shape}; expected (m, {S.shape[0]})")
    if not np.isfinite(Aa).all():
        raise InputError("A has non-finite entries")
    if not (np.isfinite(noise) and noise >= 0):
        raise InputError(f"noise variance {noise!r} must be finite and ≥ 0")
    return S, S @ Aa.T, float(np.trace(Aa @ S @ Aa.T) + Aa.shape[0] * noise)


def _psd(S: Any, name: str) -> np.ndarray:
    Sa = np.asarray(S, dtype=np.float64)
    if Sa.ndim != 2 or Sa.shape[0] != Sa.shape[1] or Sa.shape[0] == 0:
        raise InputError(f"{name} has shape {Sa.shape}; expected a non-empty square matrix")
    if not np.isfinite(Sa).all():
        raise InputError(f"{name} has non-finite entries")
    if not np.allclose(Sa, Sa.T, rtol=1e-10, atol=1e-12 * max(1.0, np.abs(Sa).max())):
        raise InputError(f"{name} is not symmetric")
    Sa = 0.5 * (Sa + Sa.T)
    lo = float(np.linalg.eigvalsh(Sa)[0])
    if lo < -1e-10 * max(1.0, float(np.abs(Sa).max())):
        raise InputError(f"{name} is not positive semi-definite (smallest eigenvalue {lo:.3g})")
    return Sa


# -------------------------------------------------------------------------------- closed forms


@dataclass
class ReducedRank:
    """min_{rank P ≤ r} F(P): the minimiser P*, the value E*_r, the singular values s of
    C = Σ_YX Σ_X^{+1/2} and the rank used."""

    product: np.ndarray
    energy: float
    singular_values: np.ndarray
    rank: int


def _psd_sqrt_pinv(S: np.ndarray, rtol: float = 1e-12) -> tuple[np.ndarray, np.ndarray]:
    w, V = np.linalg.eigh(S)
    keep = w > rtol * max(1.0, float(w.max(initial=0.0)))
    r = np.zeros_like(w)
    r[keep] = np.sqrt(w[keep])
    ri = np.zeros_like(w)
    ri[keep] = 1.0 / r[keep]
    return (V * r) @ V.T, (V * ri) @ V.T


def reduced_rank_optimum(sigma_x: Any, sigma_xy: Any, sigma_y: float, rank: int) -> ReducedRank:
    """Best energy over products of rank ≤ r (reduced-rank regression).

    F(P) = ‖P Σ_X^{1/2} − C‖_F² + σ_Y − ‖C‖_F² with C = Σ_YX Σ_X^{+1/2} (valid because
    Σ_XY ∈ range Σ_X for any joint covariance), so by Eckart–Young the optimum keeps the top
    r singular triplets of C = U S Vᵀ: P* = U_r S_r V_rᵀ Σ_X^{+1/2},
    E*_r = σ_Y − Σ_{i≤r} s_i². Works for singular Σ_X (rank-deficient data).
    """
    S = _psd(sigma_x, "sigma_x")
    Sxy = np.asarray(sigma_xy, dtype=np.float64)
    if Sxy.ndim != 2 or Sxy.shape[0] != S.shape[0]:
        raise InputError(f"sigma_xy has shape {Sxy.shape}; expected ({S.shape[0]}, m)")
    if not (isinstance(rank, (int, np.integer)) and rank >= 0):
        raise InputError(f"rank {rank!r} must be an integer ≥ 0")
    return _reduced_rank(S, Sxy, sigma_y, int(rank))


def _reduced_rank(S: np.ndarray, Sxy: np.ndarray, sigma_y: float, rank: int) -> ReducedRank:
    """:func:`reduced_rank_optimum` on moments already validated (S symmetric PSD)."""
    half, half_pinv = _psd_sqrt_pinv(S)
    C = Sxy.T @ half_pinv
    U, s, Vt = np.linalg.svd(C, full_matrices=False)
    r = min(int(rank), s.size)
    P = (U[:, :r] * s[:r]) @ Vt[:r] @ half_pinv
    energy = float(sigma_y - np.sum(s[:r] ** 2))
    return ReducedRank(P, energy, s, r)


# -------------------------------------------------------------------------------- polynomials


def product_polynomial(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> np.ndarray:
    """Coefficients (d + 1, m, n), increasing degree, of P(t) = W_K(t)⋯W_1(t) for
    W_k(t) = (1 − t)A_k + t B_k; layers with A_k = B_k add no degree, so d = #moving layers."""
    coeffs = [np.asarray(a[0], dtype=np.float64)]
    for k, (A, B) in enumerate(zip(a, b)):
        A = np.asarray(A, dtype=np.float64)
        D = np.asarray(B, dtype=np.float64) - A
        layer = [A] if not np.any(D) else [A, D]
        if k == 0:
            coeffs = layer
            continue
        out = [
            np.zeros((A.shape[0], coeffs[0].shape[1])) for _ in range(len(coeffs) + len(layer) - 1)
        ]
        for i, Li in enumerate(layer):
            for j, Cj in enumerate(coeffs):
                out[i + j] += Li @ Cj
        coeffs = out
    return np.stack(coeffs)


# -------------------------------------------------------------------------------- landscape


class DeepLinear(Landscape):
    """E(θ) = F(W_K⋯W_1) + κ‖θ‖² for a deep linear network (see the module docstring).

    ``DeepLinear(widths, X, Y, kappa=0.0)`` (empirical) or
    ``DeepLinear.population(widths, sigma_x, sigma_xy, sigma_y, kappa=0.0)``.
    """

    def __init__(
        self,
        widths: Any,
        X: Any = None,
        Y: Any = None,
        *,
        kappa: float = 0.0,
        _moments: tuple[np.ndarray, np.ndarray, float] | None = None,
    ):
        self.X: np.ndarray | None
        self.Y: np.ndarray | None
        self.widths = as_widths(widths)
        if not (np.isfinite(kappa) and kappa >= 0):
            raise InputError(f"kappa = {kappa!r} must be finite and ≥ 0")
        self.kappa = float(kappa)
        n, m = self.widths[0], self.widths[-1]
        if _moments is None:
            if X is None or Y is None:
                raise InputError("DeepLinear needs data X, Y (or use DeepLinear.population)")
            self.X, self.Y = as_data(X, Y)
            if self.X.shape[1] != n or self.Y.shape[1] != m:
                raise InputError(
                    f"data have n = {self.X.shape[1]}, m = {self.Y.shape[1]} but "
                    f"widths {self.widths} need n = {n}, m = {m}"
                )
            self.sigma_x, self.sigma_xy, self.sigma_y = moments(self.X, self.Y)
            self.L: int | None = int(self.X.shape[0])
        else:
            self.X = self.Y = None
            self.sigma_x, self.sigma_xy, self.sigma_y = _moments
            self.L = None
        self.shapes = [(self.widths[k + 1], self.widths[k]) for k in range(len(self.widths) - 1)]
        sizes = [r * c for r, c in self.shapes]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        self.dim = int(self.offsets[-1])
        self.K = len(self.shapes)

    @classmethod
    def population(
        cls, widths: Any, sigma_x: Any, sigma_xy: Any, sigma_y: float, *, kappa: float = 0.0
    ) -> DeepLinear:
        """The population energy F(P) = tr(PΣ_XPᵀ) − 2tr(PΣ_XY) + σ_Y from the moments."""
        w = as_widths(widths)
        S = _psd(sigma_x, "sigma_x")
        Sxy = np.asarray(sigma_xy, dtype=np.float64)
        if S.shape[0] != w[0] or Sxy.shape != (w[0], w[-1]):
            raise InputError(
                f"moments have shapes Σ_X {S.shape}, Σ_XY {Sxy.shape}; widths {w} "
                f"need ({w[0]}, {w[0]}) and ({w[0]}, {w[-1]})"
            )
        if not (np.isfinite(Sxy).all() and np.isfinite(sigma_y)):
            raise InputError("sigma_xy or sigma_y is not finite")
        return cls(w, kappa=kappa, _moments=(S, Sxy, float(sigma_y)))

    # --- structure --------------------------------------------------------------------------
    @property
    def n(self) -> int:
        """n = n_0, the input dimension (the first width)."""
        return self.widths[0]

    @property
    def m(self) -> int:
        """m = n_K, the output dimension (the last width)."""
        return self.widths[-1]

    def unflatten(self, theta: Any) -> list[np.ndarray]:
        """θ (length D = Σ_k n_k n_{k−1}) → [W_1, …, W_K], W_k of shape (n_k, n_{k−1}),
        row-major; an InputError for a θ of the wrong length or with a non-finite entry."""
        t = as_theta(theta, self.dim)
        return [
            t[self.offsets[k] : self.offsets[k + 1]].reshape(s) for k, s in enumerate(self.shapes)
        ]

    def flatten(self, weights: Any) -> np.ndarray:
        """[W_1, …, W_K] → θ = (vec W_1, …, vec W_K), row-major; an InputError when the shapes
        do not chain along ``widths`` or an entry is not finite."""
        return flatten(as_weights(weights, self.widths))

    def layers(self, thetas: np.ndarray) -> list[np.ndarray]:
        """Batched layers: (T, n_k, n_{k−1}) for each k (views, no copy)."""
        T = thetas.shape[0]
        return [
            thetas[:, self.offsets[k] : self.offsets[k + 1]].reshape(T, *s)
            for k, s in enumerate(self.shapes)
        ]

    def product(self, theta: Any) -> np.ndarray:
        """W̃ = W_K⋯W_1 (m, n)."""
        return self.products(as_theta(theta, self.dim)[None, :])[0]

    def products(self, thetas: Any) -> np.ndarray:
        """W̃ for a batch (T, D) → (T, m, n): K batched matmuls, no loop over points."""
        Ws = self.layers(as_thetas(thetas, self.dim))
        P = Ws[0]
        for W in Ws[1:]:
            P = W @ P
        return P

    # --- the lifted (convex) energy F on products ---------------------------------------------
    def lifted_energies(self, Ps: Any) -> np.ndarray:
        """F(P) for a batch (T, m, n)."""
        P = np.asarray(Ps, dtype=np.float64)
        if P.ndim == 2:
            P = P[None]
        if P.shape[1:] != (self.m, self.n):
            raise InputError(f"products have shape {P.shape[1:]}; expected {(self.m, self.n)}")
        if self.X is not None and self.Y is not None:  # both or neither
            R = P @ self.X.T - self.Y.T  # (T, m, L) residuals
            return np.einsum("tml,tml->t", R, R) / self.L
        quad = np.einsum("tmi,ij,tmj->t", P, self.sigma_x, P)
        lin = np.einsum("tmi,im->t", P, self.sigma_xy)
        return quad - 2.0 * lin + self.sigma_y

    def lifted_energy(self, P: Any) -> float:
        """F(P) for one product P = W_K⋯W_1 (m, n): the convex energy of the lifted problem."""
        return float(self.lifted_energies(P)[0])

    def lifted_gradient(self, P: Any) -> np.ndarray:
        """∇F(P) = 2(P Σ_X − Σ_XYᵀ) (m, n); from the residuals for empirical data."""
        P = np.asarray(P, dtype=np.float64)
        if self.X is not None:
            R = self.X @ P.T - self.Y
            return 2.0 * R.T @ self.X / self.L
        return 2.0 * (P @ self.sigma_x - self.sigma_xy.T)

    # --- Landscape ----------------------------------------------------------------------------
    def _energies(self, thetas: np.ndarray) -> np.ndarray:
        out = self.lifted_energies(self.products(thetas))
        if self.kappa:
            out = out + self.kappa * np.einsum("td,td->t", thetas, thetas)
        return out

    def _energy_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        Ws = self.unflatten(theta)
        K = len(Ws)
        below = [np.eye(self.n)]  # below[k] = W_k⋯W_1 (below[0] = I)
        for W in Ws:
            below.append(W @ below[-1])
        P = below[-1]
        G = self.lifted_gradient(P)
        grads: list[np.ndarray] = [np.empty(0)] * K
        above = np.eye(self.m)  # W_K⋯W_{k+1}
        for k in range(K - 1, -1, -1):
            grads[k] = above.T @ G @ below[k].T
            above = above @ Ws[k]
        e = self.lifted_energy(P)
        g = np.concatenate([gk.ravel() for gk in grads])
        if self.kappa:
            e += self.kappa * float(theta @ theta)
            g = g + 2.0 * self.kappa * theta
        return e, g

    # --- exact certificates ------------------------------------------------------------------
    def energy_polynomial(self, a: Any, b: Any) -> np.ndarray:
        """Coefficients in t (increasing degree) of E((1 − t)a + t b): degree 2d (+2 with
        ridge), d = number of layers that differ between a and b."""
        ta, tb = as_theta(a, self.dim, name="a"), as_theta(b, self.dim, name="b")
        C = product_polynomial(self.unflatten(ta), self.unflatten(tb))
        d = C.shape[0] - 1
        out = np.zeros(2 * d + 1)
        if self.X is not None:
            R = np.einsum("ln,jmn->jlm", self.X, C)
            R[0] -= self.Y
            G = np.einsum("ilm,jlm->ij", R, R) / self.L
        else:
            G = np.einsum("imp,pq,jmq->ij", C, self.sigma_x, C)
            lin = np.einsum("jmp,pm->j", C, self.sigma_xy)
            out[: d + 1] -= 2.0 * lin
            out[0] += self.sigma_y
        for i in range(d + 1):
            out[i : i + d + 1] += G[i]
        if self.kappa:
            D = tb - ta
            ridge = self.kappa * np.array([ta @ ta, 2.0 * ta @ D, D @ D])
            if out.size < 3:
                out = np.concatenate([out, np.zeros(3 - out.size)])
            out[:3] += ridge
        return out

    @cached_property
    def sigma_x_norm(self) -> float:
        """‖Σ_X‖₂, the largest eigenvalue of Σ_X (computed once: the moments never change)."""
        return float(np.linalg.norm(self.sigma_x, 2))

    @cached_property
    def sigma_xy_norm(self) -> float:
        """‖Σ_XY‖_F (computed once)."""
        return float(np.linalg.norm(self.sigma_xy))

    def gradient_norm_bound(self, product_norm: float) -> float:
        """sup ‖∇F(P)‖_F over ‖P‖_F ≤ product_norm: ≤ 2(‖Σ_X‖₂·product_norm + ‖Σ_XY‖_F)."""
        return 2.0 * (self.sigma_x_norm * product_norm + self.sigma_xy_norm)

    def lifted_difference_bound(self, P: np.ndarray, residual: float) -> float:
        """|F(P + Δ) − F(P)| ≤ ‖∇F(P)‖_F‖Δ‖_F + ‖Σ_X‖₂‖Δ‖_F² for every ‖Δ‖_F ≤ residual
        (F is quadratic: F(P + Δ) − F(P) = ⟨∇F(P), Δ⟩ + tr(Δ Σ_X Δᵀ))."""
        return (
            float(np.linalg.norm(self.lifted_gradient(P))) * residual
            + self.sigma_x_norm * residual**2
        )

    # --- optimum -------------------------------------------------------------------------------
    def reduced_rank(self, rank: int | None = None) -> ReducedRank:
        """min F over products of rank ≤ ``rank`` (default: min of the widths, what the
        network can represent); the global minimum of E when κ = 0."""
        r = min(self.widths) if rank is None else rank
        if not (isinstance(r, (int, np.integer)) and r >= 0):
            raise InputError(f"rank {rank!r} must be an integer ≥ 0")
        # the moments were validated when the landscape was built (or are XᵀX/L, XᵀY/L):
        # symmetrise as reduced_rank_optimum does, without checking them again. The moments
        # never change, so each rank is solved once (a copy is returned: the caller may write)
        memo = self.__dict__.setdefault("_reduced_rank_memo", {})
        if int(r) not in memo:
            S = np.asarray(self.sigma_x, dtype=np.float64)
            memo[int(r)] = _reduced_rank(0.5 * (S + S.T), self.sigma_xy, self.sigma_y, int(r))
        best = memo[int(r)]
        return replace(
            best, product=best.product.copy(), singular_values=best.singular_values.copy()
        )

    def global_minimum(self) -> float:
        """min_θ E(θ) for κ = 0 (closed form, reduced-rank regression)."""
        if self.kappa:
            raise InputError(
                "global_minimum is the closed form for kappa = 0; with ridge use "
                "the nuclear-norm oracle (sublevel.numerics.paths.ridge)"
            )
        return self.reduced_rank().energy


def landscape_on(
    widths: list[int], X: np.ndarray, Y: np.ndarray, landscape: DeepLinear | None = None
) -> DeepLinear:
    """The κ = 0 landscape of ``widths`` on the data (X, Y) (already validated arrays):
    ``landscape`` itself when the caller has built it already — refused with
    :class:`InputError` unless it has these widths, κ = 0 and exactly this data — else a new
    :class:`DeepLinear`."""
    if landscape is None:
        return DeepLinear(widths, X, Y)
    if (
        list(landscape.widths) != list(widths)
        or landscape.kappa != 0.0
        or landscape.X is None
        or landscape.Y is None
        or not (np.array_equal(landscape.X, X) and np.array_equal(landscape.Y, Y))
    ):
        raise InputError(
            f"landscape has widths {list(landscape.widths)} (κ = {landscape.kappa:g}) on other "
            f"data; expected widths {list(widths)}, κ = 0, on the X, Y given"
        )
    return landscape
