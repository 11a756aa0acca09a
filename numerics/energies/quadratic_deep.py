"""Quadratic networks: K layers of z² and their lifted problems.

* :class:`DeepQuadratic` — z_0 = x, z_k = (W_k z_{k−1})² (elementwise), ŷ = U z_K, with
  E = (1/L) Σ_l ‖ŷ(x_l) − y_l‖²; W_k ∈ R^{M_k×M_{k−1}}, U ∈ R^{m×M_K}. Every output is a
  homogeneous form of degree 2^K in the n inputs (the lifting of ``lift.quadratic``), so the
  lifted problem is least squares over the C(n + 2^K − 1, 2^K) monomials of degree 2^K.
* :func:`quadratic_lifted_optimum` — the two-layer scalar-output case Φ(x) = xᵀAx,
  A = Wᵀdiag(u)W ∈ Sym(n): least squares on the n(n+1)/2 symmetric coordinates of vec(xxᵀ)
  (free output signs), or the SDP min over A ⪰ 0 with cvxpy (output weights u ≥ 0).

The optimisation experiments on these networks are in
:mod:`sublevel.numerics.energies.optimisation_runs` (random starts, classified),
:mod:`sublevel.numerics.energies.quadratic_widths` (success against the width) and
:mod:`sublevel.numerics.energies.sign_trap` (a certified poor minimum with trained output
weights).

Sources: Bruna's talk (quadratic networks: M ≥ 2N for two layers, M_k ≥ 3N^{2^k} for K
layers); Venturi, Bandeira & Bruna, JMLR 2019; papers.md §4.3, C10.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
from sublevel.numerics.landscape import Landscape, as_theta
from sublevel.theory.errors import InputError
from sublevel.theory.liftings.feature_map import feature_map
from sublevel.theory.liftings.quadratic import deep_quadratic_span_dimension, lifted_dimension

__all__ = [
    "DeepQuadraticParams",
    "DeepQuadratic",
    "form_features",
    "quadratic_lifted_optimum",
    "lifted_dimensions",
]


class DeepQuadraticParams(NamedTuple):
    """θ unpacked: the hidden layers W_1 … W_K (W_k of shape (M_k, M_{k−1}), M_0 = n) and the
    output layer U (m, M_K)."""

    weights: list[np.ndarray]  # W_1 .. W_K
    U: np.ndarray


def _data(X: Any, Y: Any) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise InputError(f"data X has shape {X.shape}; expected (L, n) with L, n ≥ 1")
    if Y.ndim != 2 or Y.shape[0] != X.shape[0]:
        raise InputError(f"data Y has shape {Y.shape}; expected ({X.shape[0]}, m)")
    for name, arr in (("X", X), ("Y", Y)):
        if not np.all(np.isfinite(arr)):
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
            raise InputError(f"data {name}{list(bad)} = {arr[bad]} is not finite")
    return X, Y


def form_features(X: np.ndarray, degree: int) -> np.ndarray:
    """x^α for the monomials of total degree ``degree`` (the feature map of z^degree): (L, C(n+d−1, d))."""
    fm = feature_map(f"z**{int(degree)}", X.shape[1])
    E = np.array(fm.monomials, dtype=np.int64)
    return np.prod(X[:, None, :] ** E, axis=-1)


class DeepQuadratic(Landscape):
    """E(W_1, …, W_K, U) = (1/L) Σ_l ‖U z_K(x_l) − y_l‖², z_k = (W_k z_{k−1})², z_0 = x."""

    def __init__(self, X: Any, Y: Any, hidden: Sequence[int]):
        self.X, self.Y = _data(X, Y)
        hidden = list(hidden)
        if not hidden or any(
            isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1 for h in hidden
        ):
            raise InputError(f"hidden widths {hidden!r}: need a non-empty list of integers ≥ 1")
        self.L, self.n = self.X.shape
        self.m = self.Y.shape[1]
        self.hidden = [int(h) for h in hidden]
        self.K = len(self.hidden)
        widths = [self.n] + self.hidden
        self.shapes = [(widths[k + 1], widths[k]) for k in range(self.K)] + [(self.m, widths[-1])]
        self.sizes = [a * b for a, b in self.shapes]
        self.dim = int(sum(self.sizes))

    def unflatten(self, theta: Any) -> DeepQuadraticParams:
        """θ (length D = Σ_k M_k M_{k−1} + m M_K) → (W_1 … W_K, U), each row-major; an
        InputError for a θ of the wrong length or with a non-finite entry."""
        t = as_theta(theta, self.dim)
        mats, start = [], 0
        for shape, size in zip(self.shapes, self.sizes):
            mats.append(t[start : start + size].reshape(shape))
            start += size
        return DeepQuadraticParams(mats[:-1], mats[-1])

    def flatten(self, weights: Sequence[Any], U: Any) -> np.ndarray:
        """(W_1 … W_K, U) → θ = (vec W_1, …, vec W_K, vec U), row-major; an InputError when a
        shape differs from ``shapes`` or an entry is not finite."""
        mats = [np.asarray(w, dtype=np.float64) for w in weights] + [
            np.asarray(U, dtype=np.float64)
        ]
        if len(mats) != len(self.shapes) or any(a.shape != s for a, s in zip(mats, self.shapes)):
            raise InputError(f"shapes {[a.shape for a in mats]} do not match {self.shapes}")
        return as_theta(np.concatenate([a.ravel() for a in mats]), self.dim)

    def random_point(self, rng: np.random.Generator) -> np.ndarray:
        """W_k ~ N(0, 1/M_{k−1}), U ~ N(0, 1/M_K): pre-activations of order 1 at every layer."""
        mats = [rng.normal(size=s) / math.sqrt(s[1]) for s in self.shapes]
        return np.concatenate([a.ravel() for a in mats])

    def _split(self, thetas: np.ndarray) -> list[np.ndarray]:
        out, start = [], 0
        for shape, size in zip(self.shapes, self.sizes):
            out.append(thetas[:, start : start + size].reshape((thetas.shape[0],) + shape))
            start += size
        return out

    def outputs(self, thetas: Any) -> np.ndarray:
        """ŷ(x_l) for a batch (T, D) → (T, L, m)."""
        thetas = np.atleast_2d(np.asarray(thetas, dtype=np.float64))
        mats = self._split(thetas)
        z = np.broadcast_to(self.X, (thetas.shape[0],) + self.X.shape)
        for W in mats[:-1]:
            z = np.einsum("tlj,tij->tli", z, W) ** 2
        return np.einsum("tlj,tmj->tlm", z, mats[-1])

    def _energies(self, thetas: np.ndarray) -> np.ndarray:
        R = self.outputs(thetas) - self.Y[None]
        return np.einsum("tlm,tlm->t", R, R) / self.L

    def _energy_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        weights, U = self.unflatten(theta)
        zs, pre = [self.X], []
        for W in weights:
            a = zs[-1] @ W.T
            pre.append(a)
            zs.append(a * a)
        R = zs[-1] @ U.T - self.Y
        e = float(np.sum(R * R) / self.L)
        g_out = 2.0 / self.L * R
        grads = [g_out.T @ zs[-1]]
        g_z = g_out @ U
        for k in range(self.K - 1, -1, -1):
            g_a = 2.0 * g_z * pre[k]
            grads.append(g_a.T @ zs[k])
            g_z = g_a @ weights[k]
        grads = grads[::-1]  # W_1 .. W_K, U
        return e, np.concatenate([g.ravel() for g in grads])

    def lifted_optimum(self) -> float:
        """min over all forms of degree 2^K of (1/L) Σ (f(x_l) − y_l)²: a lower bound on E, attained
        when the widths can represent every form (least squares on the monomials)."""
        Psi = form_features(self.X, 2**self.K)
        beta = np.linalg.lstsq(Psi, self.Y, rcond=None)[0]
        R = Psi @ beta - self.Y
        return float(np.sum(R * R) / self.L)


def lifted_dimensions(n: int, K: int, *, seed: int = 0) -> list[dict[str, int]]:
    """Per layer k = 1..K: the closed form C(n + 2^k − 1, 2^k) (``sublevel.theory.liftings.quadratic``) and
    the exact rank over QQ of the span of the unit outputs of random integer networks."""
    return [
        {
            "layer": k,
            "degree": 2**k,
            "closed_form": lifted_dimension(n, k),
            "exact_rank": deep_quadratic_span_dimension(n, k, seed=seed + k),
            "talk_width_bound": 3 * n ** (2**k),
        }
        for k in range(1, K + 1)
    ]


def quadratic_lifted_optimum(X: Any, y: Any, *, sign: str = "free") -> tuple[np.ndarray, float]:
    """(A*, F*) of min_A (1/L) Σ_l (x_lᵀ A x_l − y_l)² over A ∈ Sym(n) (``sign="free"``: least
    squares on the symmetric coordinates of vec(xxᵀ)) or over A ⪰ 0 (``"nonnegative"``: the lift
    of networks with output weights u ≥ 0, an SDP solved with cvxpy).

    Rank-deficient data (the L lifted samples x_l x_lᵀ span fewer than n(n+1)/2 dimensions, so
    the optimum is not unique) is an InputError naming the rank."""
    X, Y = _data(X, y)
    if Y.shape[1] != 1:
        raise InputError(f"y has {Y.shape[1]} columns; the quadratic claim has a scalar output")
    L, n = X.shape
    fm = feature_map("z**2", n)
    E = np.array(fm.monomials, dtype=np.int64)
    Psi = np.prod(X[:, None, :] ** E, axis=-1)
    rank = int(np.linalg.matrix_rank(Psi))
    if rank < E.shape[0]:
        raise InputError(
            f"data X is rank-deficient for the quadratic lift: rank {rank} < n(n+1)/2 = "
            f"{E.shape[0]} (L = {L} samples); the lifted optimum is not unique"
        )

    def to_matrix(c: np.ndarray) -> np.ndarray:
        A = np.zeros((n, n))
        for coef, alpha in zip(c, E):
            idx = np.flatnonzero(alpha)
            if idx.size == 1:
                A[idx[0], idx[0]] = coef
            else:
                A[idx[0], idx[1]] = A[idx[1], idx[0]] = coef / 2
        return A

    if sign == "free":
        c = np.linalg.lstsq(Psi, Y[:, 0], rcond=None)[0]
        A = to_matrix(c)
    elif sign == "nonnegative":
        import cvxpy as cp

        Av = cp.Variable((n, n), PSD=True)
        fit = cp.hstack([x @ Av @ x for x in X])
        prob = cp.Problem(cp.Minimize(cp.sum_squares(fit - Y[:, 0]) / L))
        prob.solve(solver=cp.CLARABEL)
        if prob.status != cp.OPTIMAL:
            raise InputError(f"the SDP over A ⪰ 0 ended with status {prob.status!r}")
        A = np.asarray(Av.value)
        A = 0.5 * (A + A.T)
    else:
        raise InputError(f"sign {sign!r} is not one of free, nonnegative")
    r = np.einsum("li,ij,lj->l", X, A, X) - Y[:, 0]
    return A, float(np.mean(r * r))
