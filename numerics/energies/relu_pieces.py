"""The piecewise-quartic energy of a two-layer ReLU network along a segment, as data.

:class:`PiecewiseQuartic` (every piece) and :class:`PrunedQuartic` (the pieces that can hold the
maximum) are what :meth:`sublevel.numerics.energies.relu.TwoLayerReLU.energy_pieces` and
``energy_candidates`` return, each with a proven ``error_bound``; :func:`quartic_of_residual`
and :func:`blocked_cumsum` are the two arithmetic steps of the sweep that builds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["PiecewiseQuartic", "PrunedQuartic", "quartic_of_residual", "blocked_cumsum"]


def quartic_of_residual(r: np.ndarray) -> np.ndarray:
    """Coefficients of r(t)² for r(t) = a0 + a1 t + a2 t² given coefficient-first (3, ...): (5, ...)."""
    a0, a1, a2 = r[0], r[1], r[2]
    out = np.empty((5,) + a0.shape)
    np.multiply(a0, a0, out=out[0])
    np.multiply(a0, a1, out=out[1])
    out[1] *= 2
    np.multiply(a0, a2, out=out[2])
    out[2] *= 2
    out[2] += a1 * a1
    np.multiply(a1, a2, out=out[3])
    out[3] *= 2
    np.multiply(a2, a2, out=out[4])
    return out


def blocked_cumsum(x: np.ndarray, block: int = 512) -> np.ndarray:
    """Cumulative sum along the last axis in two levels (within blocks, then over block totals).

    Same result as ``np.cumsum`` in exact arithmetic; the rounding error of entry i is
    ≲ u·(block + i/block)·max|partial sum| instead of u·i·max|partial sum| (Higham, *Accuracy
    and Stability of Numerical Algorithms*, §4.2).
    """
    n = x.shape[-1]
    if n <= block:
        return np.cumsum(x, axis=-1)
    nb = -(-n // block)
    xp = np.zeros(x.shape[:-1] + (nb * block,))
    xp[..., :n] = x
    xb = xp.reshape(x.shape[:-1] + (nb, block))
    np.cumsum(xb, axis=-1, out=xb)
    offsets = np.cumsum(xb[..., -1], axis=-1)
    xb[..., 1:, :] += offsets[..., :-1, None]
    return xp[..., :n]


def _blocked_cumsum_padded(x: np.ndarray, block: int) -> None:
    """:func:`blocked_cumsum` in place along the last axis of a C-contiguous (rows, nb·block)
    array (the caller pads with zeros): accumulate within blocks, then add the block offsets."""
    rows, n = x.shape
    xb = x.reshape(rows, n // block, block)
    np.add.accumulate(xb, axis=2, out=xb)
    offsets = np.cumsum(xb[:, :, -1], axis=1)
    xb[:, 1:, :] += offsets[:, :-1, None]


@dataclass
class PiecewiseQuartic:
    """E(t) on [0, 1]: piece i is Σ_d coeffs[i, d] t^d (global t) on [breakpoints[i], breakpoints[i+1]].

    ``error_bound`` is a *proven* bound (energy units): for every piece i and every real t in
    [breakpoints[i], breakpoints[i+1]], |E(t) − Σ_d coeffs[i, d] t^d| ≤ error_bound, where E is the
    exact energy of the inputs (X, Y, θ_A, θ_B taken as the rationals their floats are) on
    θ(t) = (1 − t)θ_A + tθ_B; ``details`` records its terms and the sweep's sizes.
    """

    breakpoints: np.ndarray
    coeffs: np.ndarray
    error_bound: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)
    #: (L,) R_l ≥ max_t Σ_k |r_kl(t)| for the exact-coefficient pieces (see relu_bounds)
    residual_bound: Any = field(default=None, repr=False)
    #: t ↦ coefficients of the piece holding at t recomputed from scratch (a posteriori check)
    recompute: Any = field(default=None, repr=False)
    #: t ↦ the energy at θ(t) evaluated directly (not from the coefficients)
    energy_at: Any = field(default=None, repr=False)

    @property
    def n_pieces(self) -> int:
        """The number of polynomial pieces (len(breakpoints) − 1, one row of ``coeffs`` each)."""
        return int(self.coeffs.shape[0])

    def locate(self, ts: Any) -> np.ndarray:
        """Index of the piece holding each t (the right one at a breakpoint)."""
        t = np.atleast_1d(np.asarray(ts, dtype=np.float64))
        idx = np.searchsorted(self.breakpoints, t, side="right") - 1
        return np.clip(idx, 0, self.n_pieces - 1)

    def __call__(self, ts: Any) -> np.ndarray:
        t = np.atleast_1d(np.asarray(ts, dtype=np.float64))
        c = self.coeffs[self.locate(t)]
        return (((c[:, 4] * t + c[:, 3]) * t + c[:, 2]) * t + c[:, 1]) * t + c[:, 0]

    def merged(self) -> tuple[list[float], list[list[float]]]:
        """(breakpoints, pieces) with zero-width pieces dropped: the input of
        :func:`sublevel.theory.exact.certify_piecewise_polynomial`."""
        keep = np.flatnonzero(np.diff(self.breakpoints) > 0)
        bps = np.concatenate([self.breakpoints[keep], [self.breakpoints[-1]]])
        return [float(b) for b in bps], [list(map(float, self.coeffs[i])) for i in keep]


@dataclass
class PrunedQuartic:
    """The pieces of E(t) that can hold its maximum (``lo``, ``hi``, ``coeffs``: piece i is
    Σ_d coeffs[i, d] t^d on [lo[i], hi[i]], global t), the best value attained at a cell end
    (``best`` at ``best_t``, computed from the coefficients) and ``upper_rest``, a proven upper
    bound of the exact E on every pruned cell. ``error_bound``: as in :class:`PiecewiseQuartic`,
    for the candidate pieces and for ``best`` (E(best_t) ≥ best − error_bound, proven). See
    :meth:`TwoLayerReLU.energy_candidates`."""

    lo: np.ndarray
    hi: np.ndarray
    coeffs: np.ndarray
    best: float
    best_t: float
    upper_rest: float
    error_bound: float
    details: dict[str, Any] = field(default_factory=dict)
    recompute: Any = field(default=None, repr=False)
    energy_at: Any = field(default=None, repr=False)


def _horner_rows(C: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Σ_d C[d, i] t_i^d for coefficient-first C (5, n)."""
    out = C[-1].copy()
    for d in range(C.shape[0] - 2, -1, -1):
        out *= t
        out += C[d]
    return out
