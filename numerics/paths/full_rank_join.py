"""SO(h) paths and the full-column-rank join of BF'16 Prop. 2.2's main part (papers.md §3.2).

:func:`so_log` writes R ∈ SO(h) as Z exp(L) Zᵀ (real Schur form); :func:`so_path` is the
geodesic u ↦ U_a Z exp(uL) Zᵀ from U_a to U_b; :class:`FullRankJoin` joins two injective
h × n matrices (h > n) through full-column-rank matrices — W = QR, R → I on a straight line,
Q_a → Q_b in the Stiefel manifold (the first n columns of an SO(h) path), I → R_b — with the
pseudo-inverse in closed form, so that the lifted layer W_2(s) = M(s)W_1(s)⁺ keeps the product
M(s) (:mod:`sublevel.numerics.paths.linear`).

Source: Freeman & Bruna, ICLR 2017, proof of Prop. 2.2, step 3.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sublevel.theory.errors import InputError

__all__ = ["so_log", "so_path", "FullRankJoin"]


# -------------------------------------------------------------------------------- SO(h) paths


def so_log(R: np.ndarray, *, atol: float = 1e-9) -> tuple[np.ndarray, list[tuple[int, int, float]]]:
    """R ∈ SO(h) as R = Z exp(L) Zᵀ with Z orthogonal and L block-skew: returns Z and the
    rotation planes (i, j, angle). Uses the real Schur form (R is normal, so it is block
    diagonal); eigenvalue pairs at −1 become rotations by π."""
    from scipy.linalg import schur

    R = np.asarray(R, dtype=np.float64)
    h = R.shape[0]
    if R.shape != (h, h) or not _max_abs(R.T @ R - np.eye(h)) <= atol:
        raise InputError(
            f"so_log needs an orthogonal matrix (|RᵀR − I| ≤ atol = {atol:g}), got shape {R.shape}"
        )
    if np.linalg.det(R) < 0:
        raise InputError("so_log needs det R = +1 (R is in the other component of O(h))")
    # R is finite here (a NaN or inf fails the orthogonality test above)
    T, Z = schur(R, output="real", check_finite=False)
    t = T.tolist()  # Python floats: the scan below reads single entries
    planes: list[tuple[int, int, float]] = []
    minus: list[int] = []
    k = 0
    while k < h:
        if k + 1 < h and t[k + 1][k] != 0.0:
            angle = math.atan2(t[k + 1][k] - t[k][k + 1], t[k][k] + t[k + 1][k + 1])
            planes.append((k, k + 1, angle))
            k += 2
        else:
            if t[k][k] < 0:
                minus.append(k)
            k += 1
    if len(minus) % 2:
        raise InputError("so_log: odd number of eigenvalues −1 (det R is not +1)")
    planes += [(minus[i], minus[i + 1], math.pi) for i in range(0, len(minus), 2)]
    back = Z @ _rotation(h, planes) @ Z.T
    if not _max_abs(back - R) <= atol:
        raise InputError(f"so_log failed to reproduce R (error {_max_abs(back - R):.2g})")
    return Z, planes


def _rotation(h: int, planes: list[tuple[int, int, float]]) -> np.ndarray:
    """exp(L): the block rotation by each plane's angle (h × h)."""
    E = np.eye(h)
    for i, j, angle in planes:
        c, s = math.cos(angle), math.sin(angle)
        E[i, i], E[i, j], E[j, i], E[j, j] = c, -s, s, c
    return E


def _max_abs(A: np.ndarray) -> float:
    """max |A_ij| (NaN when A has a NaN — max propagates it — so a comparison with it fails)."""
    return float(np.abs(A).max())


def so_path(
    U_a: np.ndarray, U_b: np.ndarray, *, columns: int | None = None
) -> Callable[[np.ndarray], np.ndarray]:
    """u ↦ U(u) ∈ SO(h) with U(0) = U_a, U(1) = U_b (both in SO(h)): U_a Z exp(uL) Zᵀ with
    U_aᵀU_b = Z exp(L) Zᵀ (:func:`so_log`); returns a batched function (T,) → (T, h, h), or
    (T, h, ``columns``) for the first ``columns`` columns only (a path in the Stiefel manifold,
    without computing the rest).

    exp(uL) is the identity off the rotation planes and a rotation by uθ_p in plane p = (i, j),
    so with G = U_aZ and H = Zᵀ (its first ``columns`` columns):
    U(u) = Σ_{k fixed} g_k h_kᵀ + Σ_p [cos(uθ_p)(g_i h_iᵀ + g_j h_jᵀ) + sin(uθ_p)(g_j h_iᵀ − g_i h_jᵀ)]
    — a few elementwise operations per plane, no h × h matrix per point."""
    Z, planes = so_log(U_a.T @ U_b)
    h = U_a.shape[0]
    G, H = U_a @ Z, Z.T if columns is None else Z.T[:, :columns]
    cols = H.shape[1]
    angles = np.array([p[2] for p in planes], dtype=np.float64)
    i, j = [p[0] for p in planes], [p[1] for p in planes]
    gi, gj, hi, hj = G.T[i, :, None], G.T[j, :, None], H[i, None, :], H[j, None, :]
    # each plane's cosine and sine parts (planes, h·cols); D = GH without the planes' parts
    C = (gi * hi + gj * hj).reshape(-1, h * cols)
    S = (gj * hi - gi * hj).reshape(-1, h * cols)
    D = (G @ H).reshape(1, h * cols) - C.sum(axis=0)

    def path(us: np.ndarray) -> np.ndarray:
        theta = np.multiply.outer(np.asarray(us, dtype=np.float64).ravel(), angles)
        c, s = np.cos(theta), np.sin(theta)
        flat = np.repeat(D, theta.shape[0], axis=0)
        # plane by plane, elementwise: each point's value does not depend on the batch it is
        # in (a BLAS product may sum in another order for another batch size)
        for p in range(angles.size):
            flat += c[:, p, None] * C[p]
            flat += s[:, p, None] * S[p]
        return flat.reshape(-1, h, cols)

    return path


def _qr_special(W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """W (h × n, h > n) = Q R with R upper triangular (n × n, diagonal ≥ 0), from one complete
    QR (LAPACK dgeqrf/dorgqr: Householder reflectors, then all h columns of their product):
    returns [Q, Q⊥] ∈ SO(h) (its first n columns are Q; the last column's sign makes the
    determinant +1) and R."""
    from scipy.linalg.lapack import dgeqrf, dorgqr

    h, n = W.shape
    factors, tau, _, info = dgeqrf(W)
    reflectors = np.zeros((h, h))
    reflectors[:, :n] = factors
    U, _, info_q = dorgqr(reflectors, tau)
    if info or info_q:  # LAPACK's report of an illegal argument: never for a finite h × n array
        raise InputError(f"QR of a {h} × {n} matrix failed (LAPACK info {info}, {info_q})")
    R = factors[:n] * _upper(n)
    d = np.where(np.diagonal(R) < 0, -1.0, 1.0)
    U[:, :n] *= d
    if np.linalg.det(U) < 0:
        U[:, -1] *= -1.0
    return U, d[:, None] * R


@functools.lru_cache(maxsize=16)
def _upper(n: int) -> np.ndarray:
    """The n × n mask of the upper triangle (diagonal included)."""
    mask = np.triu(np.ones((n, n)))
    mask.flags.writeable = False
    return mask


# -------------------------------------------------------------------------------- full-rank join


@dataclass
class FullRankJoin:
    """A path s ↦ W(s) of full column rank h × n (h > n) from W_a to W_b (both injective),
    with its pseudo-inverse in closed form. Three equal phases of s ∈ [0, 1]:
    Q_a((1−u)R_a + uI) → Stiefel path Q(u) (first n columns of a path in SO(h)) →
    Q_b((1−u)I + uR_b); W = QR with R upper triangular, positive diagonal."""

    W_a: np.ndarray
    W_b: np.ndarray
    Q_a: np.ndarray = field(init=False)
    R_a: np.ndarray = field(init=False)
    Q_b: np.ndarray = field(init=False)
    R_b: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.W_a = np.asarray(self.W_a, dtype=np.float64)
        self.W_b = np.asarray(self.W_b, dtype=np.float64)
        if self.W_a.ndim != 2 or self.W_b.shape != self.W_a.shape:
            raise InputError(
                f"FullRankJoin needs two matrices of one shape, got {self.W_a.shape} and "
                f"{self.W_b.shape}"
            )
        for name, W in (("W_a", self.W_a), ("W_b", self.W_b)):
            if not np.isfinite(W).all():
                raise InputError(f"FullRankJoin: {name} has non-finite entries")
        h, n = self.W_a.shape
        if h <= n:
            raise InputError(f"FullRankJoin needs h > n, got shape {self.W_a.shape}")
        U_a, self.R_a = _qr_special(self.W_a)
        U_b, self.R_b = _qr_special(self.W_b)
        self.Q_a, self.Q_b = U_a[:, :n], U_b[:, :n]
        for name, R in (("W_a", self.R_a), ("W_b", self.R_b)):
            if np.min(np.abs(np.diag(R))) == 0.0:
                raise InputError(f"FullRankJoin: {name} does not have full column rank")
        self._stiefel = so_path(U_a, U_b, columns=n)
        self._Q_ab, self._R_ab = np.stack([self.Q_a, self.Q_b]), np.stack([self.R_a, self.R_b])

    def __call__(self, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(W(s), W(s)⁺) for a batch of s ∈ [0, 1]: shapes (T, h, n), (T, n, h).

        Phases 0 and 2: W = QR with R = (1−u)R_a + uI (resp. (1−u)I + uR_b) and W⁺ = R⁻¹Qᵀ,
        one batched solve; phase 1: W = Q(u) with orthonormal columns and W⁺ = Q(u)ᵀ."""
        s = np.asarray(s, dtype=np.float64)
        h, n = self.W_a.shape
        phase = np.minimum((s * 3).astype(int), 2)
        u = s * 3 - phase
        middle = phase == 1
        W = np.empty((s.size, h, n))
        Wp = np.empty((s.size, n, h))
        if middle.any():  # the Stiefel phase: orthonormal columns, W⁺ = Wᵀ, no solve
            Q = self._stiefel(u[middle])
            W[middle], Wp[middle] = Q, np.swapaxes(Q, 1, 2)
        ends = ~middle
        if ends.any():  # phases 0 and 2: W = QR, W⁺ = R⁻¹Qᵀ (one batched solve)
            ue, last = u[ends], phase[ends] == 2
            side = last.astype(np.intp)
            keep = np.where(last, ue, 1 - ue)[:, None, None]  # weight of R_a (phase 0), R_b (2)
            move = np.where(last, 1 - ue, ue)[:, None, None]  # weight of I
            Q = self._Q_ab[side]
            R = keep * self._R_ab[side] + move * np.eye(n)
            W[ends], Wp[ends] = Q @ R, np.linalg.solve(R, np.swapaxes(Q, 1, 2))
        return W, Wp
