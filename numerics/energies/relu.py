"""Two-layer ReLU network with biases: empirical square loss (+ ℓ1 on the second layer).

    Φ(x; θ) = U ρ(W x + b) + c,   ρ(z) = max(0, z),   W ∈ R^{m×n}, b ∈ R^m, U ∈ R^{k×m}, c ∈ R^k,
    E(θ) = (1/L) Σ_l ‖Φ(x_l; θ) − y_l‖² + κ ‖U‖₁                    (BF'16 eq. 1–2, §3.5)

θ is flat: ``[W (row-major), b (if hidden_bias), U (row-major), c (if output_bias)]``.

**Exact energy along a straight segment.** On θ(t) = (1 − t)θ_A + tθ_B the pre-activations
z_jl(t) = p_jl + t q_jl are linear in t (two matrix products), the output weights are linear in
t, so while the set of active units is fixed every residual is a quadratic in t and the energy
a quartic; |u_kj(t)| is linear between its zero crossings. All breakpoints τ_jl = −p_jl/q_jl ∈
(0, 1) (and the zero crossings of the output weights when κ > 0) come from one vectorised sweep:

1. per sample l, sort its events and accumulate the residual's coefficient changes
   ``±(contribution of unit j)`` with a cumulative sum (a sort along the rows of an (L, m) array);
2. each event changes the energy by (1/L)(‖r_l after‖² − ‖r_l before‖²), a quartic;
3. :meth:`TwoLayerReLU.energy_pieces` sorts all events globally and accumulates those changes
   (a blocked cumulative sum, rounding error ∝ block + E/block rather than E): the whole
   piecewise quartic. :meth:`TwoLayerReLU.energy_candidates` instead sums the changes per cell
   of a uniform grid (cell-end energies), prunes the cells that a proven Lipschitz bound keeps
   below the best cell-end value, and sorts only the events of the other cells — all the
   maximum needs.

All of this runs in float64; every result carries a *proven* ``error_bound`` on its distance to
the exact energy of the inputs (floats taken as the rationals they are), computed alongside
from a priori rounding bounds (:mod:`sublevel.numerics.energies.relu_bounds`, issue 11). No Python loop
runs over pieces or samples. Source: BF'16 §2 (the model), issue 5.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sublevel.numerics.energies.relu_bounds import sweep_error_terms
from sublevel.numerics.energies.relu_pieces import (
    PiecewiseQuartic,
    PrunedQuartic,
    _blocked_cumsum_padded,
    _horner_rows,
    blocked_cumsum,
    quartic_of_residual,
)
from sublevel.numerics.landscape import Landscape, as_theta
from sublevel.numerics.rounding import U as _U
from sublevel.numerics.rounding import gamma, up
from sublevel.theory.errors import InputError

__all__ = [
    "ReluParams",
    "TwoLayerReLU",
    "PiecewiseQuartic",
    "PrunedQuartic",
    "relu",
    "quartic_of_residual",
    "blocked_cumsum",
]

_CHUNK = 1 << 22  # entries of one (T, L, m) block of pre-activations


def relu(z: np.ndarray) -> np.ndarray:
    """ρ(z) = max(0, z)."""
    return np.maximum(z, 0.0)


@dataclass(frozen=True)
class ReluParams:
    """The layers of one parameter point: W (m, n), b (m,), U (k, m), c (k,)."""

    W: np.ndarray
    b: np.ndarray
    U: np.ndarray
    c: np.ndarray


def _finite_array(x: Any, name: str, ndim: tuple[int, ...]) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim not in ndim:
        raise InputError(
            f"{name} has shape {arr.shape}; expected {' or '.join(f'{d}-D' for d in ndim)}"
        )
    if arr.size and not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise InputError(f"{name}{list(bad)} = {arr[tuple(bad)]} is not finite")
    return arr


@dataclass
class _Sweep:
    A: ReluParams
    D: ReluParams
    P: np.ndarray
    Q: np.ndarray
    e0: np.ndarray
    tau: np.ndarray  # event times, inf for padding
    dE: np.ndarray  # (5, N) energy change at each event
    n_events: int
    emax: int
    err_function: float  # |E − Ẽ| ≤ this for all t ∈ [0, 1] (inputs, breakpoints; proven)
    err_residual: float  # Σ_d |coefficient error| from the per-sample stage (proven)
    rbound: np.ndarray  # (L,) R_l ≥ max_t Σ_k |r_kl(t)| of the exact-coefficient pieces


class TwoLayerReLU(Landscape):
    """E(θ) = (1/L) Σ_l ‖U ρ(W x_l + b) + c − y_l‖² + κ‖U‖₁ (BF'16 §2, §3.5).

    ``X`` (L, n) inputs, ``Y`` (L,) or (L, k) targets, ``width`` m hidden units. ``hidden_bias``
    (default True) and ``output_bias`` (default False) add b and c to θ; ``l1`` is κ ≥ 0.
    """

    def __init__(
        self,
        X: Any,
        Y: Any,
        width: int,
        *,
        hidden_bias: bool = True,
        output_bias: bool = False,
        l1: float = 0.0,
    ):
        X = _finite_array(X, "X", (2,))
        Y = _finite_array(Y, "Y", (1, 2))
        if Y.ndim == 1:
            Y = Y[:, None]
        if X.shape[0] == 0:
            raise InputError("X has no samples")
        if X.shape[0] != Y.shape[0]:
            raise InputError(f"X has {X.shape[0]} samples but Y has {Y.shape[0]}")
        if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
            raise InputError(f"width {width!r} must be a positive integer")
        if not (np.isfinite(l1) and l1 >= 0):
            raise InputError(f"l1 = {l1!r} must be finite and ≥ 0")
        self.X, self.Y = X, Y
        self.L, self.n = X.shape
        self.k = Y.shape[1]
        self.m = int(width)
        self.hidden_bias, self.output_bias = bool(hidden_bias), bool(output_bias)
        self.l1 = float(l1)
        m, n, k = self.m, self.n, self.k
        sizes = [m * n, m if hidden_bias else 0, k * m, k if output_bias else 0]
        self._offsets = np.cumsum([0] + sizes)
        self.dim = int(self._offsets[-1])

    # ------------------------------------------------------------------ structure
    def __repr__(self) -> str:
        return (
            f"TwoLayerReLU(n={self.n}, m={self.m}, k={self.k}, L={self.L}, "
            f"hidden_bias={self.hidden_bias}, output_bias={self.output_bias}, l1={self.l1})"
        )

    def same_architecture(self, other: Any) -> bool:
        """``other`` is a TwoLayerReLU with the same n, m, k and bias options, so that the same θ
        means the same network (the data and κ may differ)."""
        return (
            isinstance(other, TwoLayerReLU)
            and (self.n, self.m, self.k) == (other.n, other.m, other.k)
            and (self.hidden_bias, self.output_bias) == (other.hidden_bias, other.output_bias)
        )

    def with_width(self, width: int) -> TwoLayerReLU:
        """The same data and options with another width."""
        return TwoLayerReLU(
            self.X,
            self.Y,
            width,
            hidden_bias=self.hidden_bias,
            output_bias=self.output_bias,
            l1=self.l1,
        )

    def unflatten(self, theta: Any) -> ReluParams:
        """θ → (W (m, n), b (m,), U (k, m), c (k,)), row-major; b and c are zeros when the
        landscape has no hidden / output bias. An InputError for a θ of the wrong length or
        with a non-finite entry."""
        th = as_theta(theta, self.dim)
        o = self._offsets
        m, n, k = self.m, self.n, self.k
        W = th[o[0] : o[1]].reshape(m, n)
        b = th[o[1] : o[2]] if self.hidden_bias else np.zeros(m)
        U = th[o[2] : o[3]].reshape(k, m)
        c = th[o[3] : o[4]] if self.output_bias else np.zeros(k)
        return ReluParams(W, b, U, c)

    def flatten(self, W: Any, b: Any = None, U: Any = None, c: Any = None) -> np.ndarray:
        """θ from layers; b and c may be omitted (zeros) and must be zero without their option."""
        m, n, k = self.m, self.n, self.k
        W = np.asarray(W, dtype=np.float64).reshape(m, n)
        U = np.asarray(U, dtype=np.float64).reshape(k, m)
        parts = [W.ravel()]
        if self.hidden_bias:
            parts.append(np.zeros(m) if b is None else np.asarray(b, dtype=np.float64).reshape(m))
        elif b is not None and np.any(np.asarray(b) != 0):
            raise InputError("hidden biases given but the landscape has hidden_bias=False")
        parts.append(U.ravel())
        if self.output_bias:
            parts.append(np.zeros(k) if c is None else np.asarray(c, dtype=np.float64).reshape(k))
        elif c is not None and np.any(np.asarray(c) != 0):
            raise InputError("output biases given but the landscape has output_bias=False")
        return as_theta(np.concatenate(parts), self.dim)

    def permute(self, theta: Any, perm: Any) -> np.ndarray:
        """θ_σ: hidden unit j of the result is unit perm[j] of θ (the function is unchanged)."""
        p = np.asarray(perm)
        if p.shape != (self.m,) or sorted(p.tolist()) != list(range(self.m)):
            raise InputError(f"perm {perm!r} is not a permutation of range({self.m})")
        P = self.unflatten(theta)
        return self.flatten(P.W[p], P.b[p], P.U[:, p], P.c)

    def rescale(self, theta: Any, scales: Any) -> np.ndarray:
        """Positive homogeneity: (w_j, b_j, u_j) → (s_j w_j, s_j b_j, u_j / s_j), s_j > 0."""
        s = np.broadcast_to(np.asarray(scales, dtype=np.float64), (self.m,))
        if not np.all(np.isfinite(s) & (s > 0)):
            raise InputError(f"scales {scales!r} must be finite and > 0")
        P = self.unflatten(theta)
        return self.flatten(P.W * s[:, None], P.b * s, P.U / s[None, :], P.c)

    def outputs(self, theta: Any, X: Any = None) -> np.ndarray:
        """Φ(x_l; θ) for every sample (L, k) (or for the rows of ``X``)."""
        P = self.unflatten(theta)
        X = self.X if X is None else _finite_array(X, "X", (2,))
        return relu(X @ P.W.T + P.b) @ P.U.T + P.c

    def data_energy(self, theta: Any) -> float:
        """(1/L) Σ_l ‖Φ(x_l) − y_l‖² without the ℓ1 term."""
        r = self.outputs(theta) - self.Y
        return float(np.sum(r * r) / self.L)

    # ------------------------------------------------------------------ energies
    def _energies(self, thetas: np.ndarray) -> np.ndarray:
        T = thetas.shape[0]
        out = np.empty(T)
        step = max(1, _CHUNK // max(1, self.L * self.m))
        o, m, n, k = self._offsets, self.m, self.n, self.k
        for s in range(0, T, step):  # a loop over memory-sized blocks, not over points
            th = thetas[s : s + step]
            W = th[:, o[0] : o[1]].reshape(-1, m, n)
            Z = np.einsum("ln,tmn->tlm", self.X, W)
            if self.hidden_bias:
                Z += th[:, None, o[1] : o[2]]
            U = th[:, o[2] : o[3]].reshape(-1, k, m)
            F = np.einsum("tlm,tkm->tlk", relu(Z), U)
            if self.output_bias:
                F += th[:, None, o[3] : o[4]]
            R = F - self.Y[None]
            out[s : s + step] = np.einsum("tlk,tlk->t", R, R) / self.L
            if self.l1:
                out[s : s + step] += self.l1 * np.abs(U).sum(axis=(1, 2))
        return out

    def _energy_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        P = self.unflatten(theta)
        Z = self.X @ P.W.T + P.b
        H = relu(Z)
        R = H @ P.U.T + P.c - self.Y
        e = float(np.sum(R * R) / self.L + self.l1 * np.abs(P.U).sum())
        dF = (2.0 / self.L) * R
        gU = dF.T @ H + self.l1 * np.sign(P.U)
        dZ = (dF @ P.U) * (Z > 0)
        parts = [(dZ.T @ self.X).ravel()]
        if self.hidden_bias:
            parts.append(dZ.sum(axis=0))
        parts.append(gU.ravel())
        if self.output_bias:
            parts.append(dF.sum(axis=0))
        return e, np.concatenate(parts)

    # ------------------------------------------------------------------ segments
    def _segment(self, a: Any, b: Any) -> tuple[ReluParams, ReluParams]:
        A = self.unflatten(as_theta(a, self.dim, name="segment start"))
        B = self.unflatten(as_theta(b, self.dim, name="segment end"))
        D = ReluParams(B.W - A.W, B.b - A.b, B.U - A.U, B.c - A.c)
        return A, D

    def segment_energies(self, a: Any, b: Any, ts: Any) -> np.ndarray:
        """E((1 − t)a + t b) on a grid, the fastest way: p = X W_aᵀ + b_a and q = X ΔWᵀ + Δb
        once (two matrix products), then O(L·m·k) per grid point."""
        A, D = self._segment(a, b)
        t = np.atleast_1d(np.asarray(ts, dtype=np.float64))
        P = self.X @ A.W.T + A.b
        Q = self.X @ D.W.T + D.b
        out = np.empty(t.size)
        step = max(1, _CHUNK // max(1, self.L * self.m))
        for s in range(0, t.size, step):  # memory-sized blocks of grid points
            tt = t[s : s + step]
            H = relu(P[None] + tt[:, None, None] * Q[None])
            U = A.U[None] + tt[:, None, None] * D.U[None]
            F = np.einsum("tlm,tkm->tlk", H, U) + (A.c[None] + tt[:, None] * D.c[None])[:, None, :]
            R = F - self.Y[None]
            out[s : s + step] = np.einsum("tlk,tlk->t", R, R) / self.L
            if self.l1:
                out[s : s + step] += self.l1 * np.abs(U).sum(axis=(1, 2))
        return out

    def _sweep(self, a: Any, b: Any) -> _Sweep:
        """The per-sample stage shared by :meth:`energy_pieces` and :meth:`energy_candidates`:
        every event time and the energy change it causes, unsorted across samples."""
        A, D = self._segment(a, b)
        X, Y, L, m, k = self.X, self.Y, self.L, self.m, self.k
        P = X @ A.W.T + A.b  # (L, m): z_jl(t) = P + t Q
        Q = X @ D.W.T + D.b
        e0, r0 = _first_piece(P, Q, 0.0, A, D, Y)
        rmax = np.abs(r0).sum(axis=(0, 1))  # (L,) max over pieces of Σ |residual coefficients|

        # ---- events of the data term: a pre-activation changes sign inside (0, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            T = -P / Q  # τ_jl; an event iff 0 < τ < 1 (opposite signs and |p| < |q|)
        event = (T > 0) & (T < 1)
        zero = (T == 0) & (P != 0)  # τ underflowed to 0: keep the crossing, at t = 0
        if zero.any():
            zero &= (P > 0) != (Q > 0)
            event |= zero
            T[zero] = 0.0
        T[~event] = np.inf
        emax = int(event.sum(axis=1).max())
        taus: list[np.ndarray] = []
        deltas: list[np.ndarray] = []
        if emax:
            order = np.argsort(T, axis=1)[:, :emax]  # per sample, its events in order of t
            flat = order + (np.arange(L) * m)[:, None]
            Ts = T.ravel()[flat]  # (L, emax), inf where a sample has fewer events
            Ps, Qs = P.ravel()[flat], Q.ravel()[flat]
            sgn = np.where(Qs > 0, 1.0, -1.0)
            sgn[np.isinf(Ts)] = 0.0
            R = np.empty((3, k, L, emax + 1))  # residual after 0, 1, …, emax events
            R[:, :, :, 0] = r0
            for kk in range(k):  # a loop over outputs (k is small)
                ua, ud = A.U[kk][order] * sgn, D.U[kk][order] * sgn
                np.multiply(ua, Ps, out=R[0, kk, :, 1:])
                np.multiply(ua, Qs, out=R[1, kk, :, 1:])
                R[1, kk, :, 1:] += ud * Ps
                np.multiply(ud, Qs, out=R[2, kk, :, 1:])
            np.cumsum(R, axis=-1, out=R)
            rmax = np.abs(R).sum(axis=(0, 1)).max(axis=-1)
            S = quartic_of_residual(R[:, 0]) if k == 1 else quartic_of_residual(R).sum(axis=1)
            de = np.diff(S, axis=-1)  # (5, L, emax): L × the energy change at each event
            de /= L
            taus.append(Ts.ravel())
            deltas.append(de.reshape(5, -1))

        # ---- events of the ℓ1 term: an output weight changes sign inside (0, 1)
        n_l1 = 0
        if self.l1:
            ua, ud = A.U.ravel(), D.U.ravel()
            s0 = np.where(ua != 0, np.sign(ua), np.sign(ud))
            e0[0] += self.l1 * np.sum(s0 * ua)
            e0[1] += self.l1 * np.sum(s0 * ud)
            ev = (np.sign(ua) * np.sign(ud) < 0) & (np.abs(ua) < np.abs(ud))
            if ev.any():
                dl = np.zeros((5, int(ev.sum())))
                dl[0] = -2 * self.l1 * s0[ev] * ua[ev]
                dl[1] = -2 * self.l1 * s0[ev] * ud[ev]
                taus.append(-ua[ev] / ud[ev])
                deltas.append(dl)
                n_l1 = int(ev.sum())
        if len(taus) == 1:
            tau, dE = taus[0], deltas[0]
        else:
            tau = np.concatenate(taus) if taus else np.empty(0)
            dE = np.concatenate(deltas, axis=1) if deltas else np.empty((5, 0))
        err_f, err_r, rbound = sweep_error_terms(self, A, D, P, Q, rmax, emax)
        return _Sweep(A, D, P, Q, e0, tau, dE, int(event.sum()) + n_l1, emax, err_f, err_r, rbound)

    def _finish(
        self,
        sw: _Sweep,
        breakpoints: np.ndarray,
        C: np.ndarray,
        error_bound: float,
        details: dict[str, Any],
    ) -> PiecewiseQuartic:
        return PiecewiseQuartic(
            breakpoints,
            C.T,
            float(error_bound),
            details=details,
            residual_bound=sw.rbound,
            recompute=lambda t: self._recompute(sw.P, sw.Q, sw.A, sw.D, t),
            energy_at=lambda t: self._energy_at(sw.P, sw.Q, sw.A, sw.D, t),
        )

    def energy_pieces(self, a: Any, b: Any, *, block: int = 512) -> PiecewiseQuartic:
        """The exact piecewise-quartic energy on the segment a → b (see the module docstring).

        Returns :class:`PiecewiseQuartic` with every breakpoint (ties kept as zero-width pieces)
        and a proven ``error_bound``: the per-sample terms of :meth:`_error_terms` plus
        γ_{block + E/block + 6}·T for the blocked cumulative sum over the events (and the rounding
        of each event's change), T = Σ_d (|e0_d| + Σ_events |ΔE_d|) measured alongside.
        """
        sw = self._sweep(a, b)
        n_ev = sw.n_events
        width = -(-(n_ev + 1) // block) * block
        C = np.empty((5, width))  # coefficient-first: C[d, i] is the t^d coefficient of piece i
        C[:, 0] = sw.e0
        C[:, n_ev + 1 :] = 0.0
        tau = np.empty(0)
        if n_ev:
            g = np.argsort(sw.tau)[:n_ev]  # padding (inf) sorts last; ties in any order
            tau = sw.tau[g]
            np.take(sw.dE, g, axis=1, out=C[:, 1 : n_ev + 1], mode="clip")
        total = up(float(np.abs(C[:, : n_ev + 1]).sum()), 5 * (n_ev + 1))
        _blocked_cumsum_padded(C, block)
        C = C[:, : n_ev + 1]
        err_sum = up(gamma(block + width // block + 6) * total)
        bound = sw.err_function + sw.err_residual + err_sum
        return self._finish(
            sw,
            np.concatenate([[0.0], tau, [1.0]]),
            C,
            bound,
            {
                "events": n_ev,
                "pieces": n_ev + 1,
                "max_events_per_sample": sw.emax,
                "error_function": sw.err_function,
                "error_residual": sw.err_residual,
                "error_accumulation": err_sum,
            },
        )

    def energy_candidates(self, a: Any, b: Any, *, buckets: int | None = None) -> PrunedQuartic:
        """The pieces of the energy on a → b that can hold its maximum, and a rigorous bound on
        the rest, without sorting every breakpoint (the pruning of issue 5).

        [0, 1] is cut into ``buckets`` equal cells (default: about a quarter of the number of
        events, a power of two between 64 and 2^16). The energy polynomial at every cell end is
        exact (per-cell sums of the event changes, ``np.bincount``, then a cumulative sum); on a
        cell of width h with end values V, √E is Lipschitz — |E'| ≤ 2√E·Ḡ + K, with
        Ḡ² = (1/L) Σ_l ‖r_l'‖²_max from |r_l'| ≤ Σ_j |q_jl| max|u_j| + max|z_jl| |Δu_j| + |Δc|
        and K = κ‖ΔU‖₁ — so its maximum W obeys √W ≤ (Ḡh + √(Ḡ²h² + 4(max V + Kh/2)))/2.
        Every quantity of this bound is rounded up past its own floating-point error (a priori
        γ_n bounds) and V is raised by the proven error of the cell-end values, so W + that error
        is a proven upper bound of the exact E on the cell. Cells whose bound cannot exceed the
        best end value (plus its error) are pruned; the events of the others are sorted and
        their pieces returned, with a proven ``error_bound``.
        """
        if buckets is not None and not (isinstance(buckets, (int, np.integer)) and buckets >= 1):
            raise InputError(f"buckets = {buckets!r} must be a positive integer")
        sw = self._sweep(a, b)
        if buckets is None:
            buckets = 1 << int(np.clip(np.ceil(np.log2(max(sw.n_events, 1) / 4)), 6, 16))
        B = int(buckets)
        tau = sw.tau  # padding entries (inf) carry zero change: they may sit in any cell
        key = np.minimum((np.minimum(tau, 1.0) * B).astype(np.int64), B - 1)
        sums = np.empty((5, B))
        for d in range(5):
            sums[d] = np.bincount(key, weights=sw.dE[d], minlength=B)
        cb = 256  # cumulative sum over the cells in blocks: depth cb + B/cb (blocked_cumsum)
        ends = blocked_cumsum(sums, cb) + sw.e0[:, None]  # polynomial after every event of cell b
        starts = np.concatenate([sw.e0[:, None], ends[:, :-1]], axis=1)
        grid = np.arange(B + 1) / B  # exact 0 and 1; cell assignment within u (see _error_terms)
        h = up(float(np.max(np.diff(grid))), 2)
        e_start = _horner_rows(starts, grid[:-1])
        e_end = _horner_rows(ends, grid[1:])
        i_best = int(np.argmax(np.maximum(e_start, e_end)))
        best_at_start = e_start[i_best] >= e_end[i_best]
        best = float(max(e_start[i_best], e_end[i_best]))
        best_t = float(grid[i_best] if best_at_start else grid[i_best + 1])
        A, D, P, Q = sw.A, sw.D, sw.P, sw.Q
        # proven error of the cell-end values: per-sample stage, per-cell sums (bincount, ≤ count
        # terms), cumulative sum over B cells, rounding of each event's change, Horner (≤ 8 ops)
        total = up(float(np.abs(sw.e0).sum() + np.abs(sw.dE).sum()), 5 * (tau.size + 1))
        counts = np.bincount(key, minlength=B)
        counts[-1] -= tau.size - sw.n_events  # padding (τ = inf, last cell) adds exact zeros
        count = int(counts.max())
        horner = gamma(10) * up(
            float(max(np.abs(starts).sum(axis=0).max(), np.abs(ends).sum(axis=0).max())), 8
        )
        depth = count + min(B, cb) + -(-B // cb) + 8
        err_ends = sw.err_function + sw.err_residual + up(gamma(depth) * total) + horner
        Ua = np.maximum(np.abs(A.U), np.abs(A.U + D.U)) * (1 + 2 * _U)
        Hp = np.maximum(np.abs(P), np.abs(P + Q)) * (1 + 2 * _U)
        G = np.abs(Q) @ Ua.T + Hp @ np.abs(D.U).T + np.abs(D.c)
        gbar = up(float(np.sqrt(np.mean(np.sum(G * G, axis=1)))), 2 * self.m + self.k + 8)
        gbar = up(gbar, self.L + self.k + 4)
        K = up(self.l1 * float(np.abs(D.U).sum()), self.k * self.m + 2)
        V = np.maximum(np.maximum(e_start, e_end) + err_ends, 0.0)
        gh = gbar * h
        W = ((gh + np.sqrt(gh * gh + 4 * (V + K * h / 2))) / 2) ** 2
        # W bounds Ê (exact function of p̂, q̂; its cell-end values are within err_ends of the
        # computed ones); E is within the input part err_function of Ê
        W = np.nextafter(W * (1 + gamma(16)) + sw.err_function, np.inf)  # proven: E ≤ W
        cand = W > best + err_ends
        sel = np.flatnonzero(cand[key] & np.isfinite(tau))
        sel = sel[np.argsort(tau[sel])]
        k_sel = key[sel]  # an event's time and its cell may disagree within u: clip to the cell
        t_sel = np.clip(tau[sel], grid[k_sel], grid[k_sel + 1])
        cs = np.cumsum(sw.dE[:, sel], axis=1)  # running sum over the selected events
        first = np.ones(sel.size, dtype=bool)  # first event of its cell
        first[1:] = k_sel[1:] != k_sel[:-1]
        last = np.ones(sel.size, dtype=bool)  # last event of its cell
        last[:-1] = first[1:]
        start = np.maximum.accumulate(np.where(first, np.arange(sel.size), 0))
        before = np.where(start > 0, cs[:, start - 1], 0.0)  # running sum before the cell
        after = starts[:, k_sel] + cs - before  # the polynomial right after each event
        hi_ev = np.where(last, grid[k_sel + 1], np.append(t_sel[1:], 0.0))
        cells = np.flatnonzero(cand)
        has = np.zeros(B, dtype=bool)
        has[k_sel] = True
        head_hi = grid[cells + 1].copy()
        if sel.size:
            first_t = np.full(B, np.nan)
            first_t[k_sel[first]] = t_sel[first]
            head_hi = np.where(has[cells], first_t[cells], head_hi)
        lo = np.concatenate([grid[cells], t_sel])
        hi = np.concatenate([head_hi, hi_ev])
        coeffs = np.concatenate([starts[:, cells], after], axis=1)
        rest = ~cand
        # the pieces' coefficients add to a cell's start a running sum over the sel selected
        # events minus its value before the cell: two sums of ≤ sel terms, two roundings
        t_sel_abs = up(float(np.abs(sw.dE[:, sel]).sum()), 5 * sel.size + 5) if sel.size else 0.0
        s_max = float(np.abs(starts).sum(axis=0).max())
        err_pieces = err_ends + up(gamma(2 * sel.size + 4) * (2 * t_sel_abs + s_max))
        return PrunedQuartic(
            lo,
            hi,
            coeffs.T,
            best,
            best_t,
            float(W[rest].max()) if rest.any() else float(np.nextafter(best + err_ends, np.inf)),
            float(err_pieces),
            details={
                "events": sw.n_events,
                "pieces": sw.n_events + 1,
                "cells": B,
                "candidate_cells": int(cells.size),
                "candidate_pieces": int(lo.size),
                "gbar": gbar,
                "max_events_per_sample": sw.emax,
                "error_function": sw.err_function,
                "error_residual": sw.err_residual,
                "error_cell_ends": err_ends,
            },
            recompute=lambda t: self._recompute(P, Q, A, D, t),
            energy_at=lambda t: self._energy_at(P, Q, A, D, t),
        )

    #: above this many pieces :meth:`energy_polynomial` returns None (the generic rational
    #: certificate costs milliseconds per piece); :meth:`certify_segment` has no such limit
    max_rational_pieces: int = 512

    def energy_polynomial(self, a: Any, b: Any) -> tuple[list[float], list[list[float]]] | None:
        """(breakpoints, pieces) of the energy on the segment a → b, for the generic exact
        certificate of :mod:`sublevel.numerics.certify` (rational arithmetic), or None when there are more
        than ``max_rational_pieces`` pieces: use :meth:`certify_segment` (closed form, any size)."""
        pq = self.energy_pieces(a, b)
        return pq.merged() if pq.n_pieces <= self.max_rational_pieces else None

    def certify_segment(self, a: Any, b: Any, bound: float, **options: Any) -> Any:
        """The rigorous certificate of E ≤ bound on the segment a → b (a proven enclosure of
        the maximum; :func:`sublevel.numerics.certify_relu.certify_relu_segment`)."""
        from sublevel.numerics.certify_relu import certify_relu_segment

        return certify_relu_segment(self, a, b, bound, **options)

    def recompute_piece(self, a: Any, b: Any, t: float) -> np.ndarray:
        """Coefficients of the quartic holding at time t, recomputed from scratch (the active
        set at t; used to measure the sweep's accumulated rounding a posteriori)."""
        A, D = self._segment(a, b)
        return self._recompute(self.X @ A.W.T + A.b, self.X @ D.W.T + D.b, A, D, t)

    def _energy_at(
        self, P: np.ndarray, Q: np.ndarray, A: ReluParams, D: ReluParams, t: float
    ) -> float:
        U = A.U + t * D.U
        r = np.einsum("lm,km->lk", relu(P + t * Q), U) + (A.c + t * D.c) - self.Y
        return float(np.sum(r * r) / self.L + self.l1 * np.abs(U).sum())

    def _recompute(
        self, P: np.ndarray, Q: np.ndarray, A: ReluParams, D: ReluParams, t: float
    ) -> np.ndarray:
        e, _ = _first_piece(P, Q, t, A, D, self.Y)
        if self.l1:
            ua, ud = A.U.ravel(), D.U.ravel()
            u = ua + t * ud
            s = np.where(u != 0, np.sign(u), np.sign(ud))
            e[0] += self.l1 * np.sum(s * ua)
            e[1] += self.l1 * np.sum(s * ud)
        return e


def _first_piece(
    P: np.ndarray, Q: np.ndarray, t: float, A: ReluParams, D: ReluParams, Y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Data-term quartic (5,) and residual coefficients (3, k, L) of the piece holding at t
    (active set: z > 0, or z = 0 and increasing)."""
    z = P + t * Q if t else P
    act = (z > 0) | ((z == 0) & (Q > 0))
    Hp, Hq = P * act, Q * act
    r = np.empty((3,) + (A.U.shape[0], P.shape[0]))
    r[0] = np.einsum("lm,km->kl", Hp, A.U) + (A.c - Y).T
    r[1] = np.einsum("lm,km->kl", Hq, A.U) + np.einsum("lm,km->kl", Hp, D.U) + D.c[:, None]
    r[2] = np.einsum("lm,km->kl", Hq, D.U)
    return quartic_of_residual(r).sum(axis=(1, 2)) / P.shape[0], r
