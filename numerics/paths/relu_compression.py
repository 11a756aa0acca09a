"""Compression of a two-layer ReLU network: freeing l hidden units by rotating rows ≤ α.

δ_W(m − l, α; m) of BF'16 eq. (8), attained greedily (sub-paths (2) and (5) of Theorem 2.4,
digest §3.5–§3.6): unit rows are agglomerated cheapest merge first, every member of a cluster
moves to the cluster's unit centre (within angle α), and the second layer is the lasso fit on
the m − l centres, so l units are freed (zero output weight).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sublevel.numerics.energies.relu import TwoLayerReLU
from sublevel.numerics.landscape import as_theta
from sublevel.numerics.paths.lasso import lasso
from sublevel.numerics.paths.relu_networks import CLAIM, _check_scalar, _features, _rows
from sublevel.theory.errors import HypothesisError, InputError

__all__ = ["Compression", "MergeSequence", "merge_sequence", "compress"]


@dataclass
class Compression:
    """δ_W(m − l, α; m) (BF'16 eq. 8), attained greedily: rows W̃ within angle α of W (every
    member of a cluster moved to the cluster's unit centre), γ the lasso fit on the m − l
    centres, carried by one representative per cluster; the l others are freed (γ = 0)."""

    rows: np.ndarray
    gamma: np.ndarray
    kept: np.ndarray
    freed: np.ndarray
    value: float
    max_angle: float
    chords: np.ndarray


def _angles(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.arccos(np.clip(u @ v.T, -1.0, 1.0))


@dataclass
class MergeSequence:
    """Greedy agglomeration of unit rows, cheapest merge first: merge k joins the clusters
    ``pairs[k]`` = (i, j) (j into i) at cost ``costs[k]``, the largest angle between the merged
    cluster's unit centre (normalised sum) and its members. The order does not depend on α, so
    one sequence serves every (l, α): l units can be freed within α iff max(costs[:l]) ≤ α."""

    rows: np.ndarray
    pairs: list[tuple[int, int]]
    costs: np.ndarray

    def angle_needed(self, ell: int) -> float:
        """The smallest α for which the greedy frees ``ell`` units (inf if it cannot)."""
        if ell == 0:
            return 0.0
        return float(np.max(self.costs[:ell])) if ell <= self.costs.size else float("inf")

    def state(self, ell: int) -> tuple[np.ndarray, np.ndarray]:
        """(labels, unit centres per label) after ``ell`` merges."""
        lab = np.arange(self.rows.shape[0])
        for i, j in self.pairs[:ell]:
            lab[lab == j] = i
        sums = np.zeros_like(self.rows)
        np.add.at(sums, lab, self.rows)
        nrm = np.linalg.norm(sums, axis=1, keepdims=True)
        return lab, np.divide(sums, nrm, out=np.zeros_like(sums), where=nrm > 0)


def merge_sequence(rows: Any, max_merges: int) -> MergeSequence:
    """The greedy merges of :class:`MergeSequence`, vectorised: O(m·d) per merge."""
    R = np.asarray(rows, dtype=np.float64)
    m = R.shape[0]
    lab = np.arange(m)
    sums = R.copy()
    alive = np.ones(m, dtype=bool)
    ang = _angles(R, R)
    C = np.where(np.triu(np.ones((m, m), dtype=bool), 1) & (ang < np.pi - 1e-12), ang / 2, np.inf)
    pairs: list[tuple[int, int]] = []
    costs: list[float] = []
    idx = np.full(m, -1)
    for _ in range(min(max_merges, m - 1)):
        flat = int(np.argmin(C))
        i, j = divmod(flat, m)
        if not np.isfinite(C[i, j]):
            break
        pairs.append((i, j))
        costs.append(float(C[i, j]))
        lab[lab == j] = i
        sums[i] += sums[j]
        alive[j] = False
        C[j, :] = C[:, j] = np.inf
        others = np.flatnonzero(alive)
        others = others[others != i]
        if others.size == 0:
            continue
        S = sums[i] + sums[others]
        nrm = np.linalg.norm(S, axis=1)
        c = np.divide(S, nrm[:, None], out=np.zeros_like(S), where=nrm[:, None] > 0)
        low = (R[lab == i] @ c.T).min(axis=0)  # members of i against every candidate centre
        idx[:] = -1
        idx[others] = np.arange(others.size)
        rr = np.flatnonzero(idx[lab] >= 0)
        dots = (R[rr] * c[idx[lab[rr]]]).sum(axis=1)
        np.minimum.at(low, idx[lab[rr]], dots)  # members of each other cluster
        cost = np.where(nrm > 0, np.arccos(np.clip(low, -1.0, 1.0)), np.inf)
        C[np.minimum(i, others), np.maximum(i, others)] = cost
    return MergeSequence(R, pairs, np.asarray(costs))


def compress(
    land: TwoLayerReLU, theta: Any, ell: int, alpha: float, *, sequence: MergeSequence | None = None
) -> Compression | None:
    """Free l units by merging clusters of rows whose unit centre is within α of every member
    (greedy, cheapest merge first, :func:`merge_sequence`); None when the first l merges do not
    all fit within α. Every member of a cluster moves to the centre; γ is the lasso fit on the
    m − l centres, carried by the cluster's first unit."""
    _check_scalar(land)
    rows, _ = _rows(land, as_theta(theta, land.dim))
    m = rows.shape[0]
    if not (isinstance(ell, (int, np.integer)) and 0 <= ell < m):
        raise InputError(f"compression l = {ell!r} must be in 0..{m - 1}")
    nrm = np.linalg.norm(rows, axis=1)
    if np.any(np.abs(nrm - 1) > 1e-9):
        raise HypothesisError(
            "Theorem 2.4 needs rows on the unit sphere: use to_unit_rows", claim=CLAIM
        )
    seq = sequence if sequence is not None else merge_sequence(rows, ell)
    if seq.angle_needed(ell) > alpha:
        return None
    lab, centres = seq.state(ell)
    new_rows = centres[lab]
    kept_a = np.unique(lab)
    freed_a = np.setdiff1d(np.arange(m), kept_a)
    fit = lasso(_features(land, new_rows[kept_a]), land.Y[:, 0], land.l1)
    gamma = np.zeros(m)
    gamma[kept_a] = fit.coef
    angles = np.arccos(np.clip((rows * new_rows).sum(axis=1), -1.0, 1.0))
    return Compression(
        new_rows,
        gamma,
        kept_a,
        freed_a,
        fit.objective,
        float(angles.max()),
        np.linalg.norm(rows - new_rows, axis=1),
    )
