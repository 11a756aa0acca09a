"""Disconnected level sets of ReLU networks (BF'16 §2.3.1, digest §3.3, papers.md C8).

(a) a certified lower bound on the risk of every two-unit network whose first layer has rank
≤ 1 (:func:`rank_one_lower_bound`); (b) the genericity hypotheses under which the zero level
set of the oracle risk has ≥ m! components, one per permutation of the hidden units
(:func:`check_genericity`, :func:`zero_level_components`); and the way round the permutation
barrier when a spare unit is free: a constant-function path swapping two units
(:func:`swap_via_free_unit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sublevel.numerics.energies.relu import TwoLayerReLU
from sublevel.numerics.landscape import as_theta
from sublevel.numerics.paths.base import CONSTANT, Path, Segment
from sublevel.theory.errors import HypothesisError, InputError

__all__ = [
    "RankOneBound",
    "rank_one_lower_bound",
    "swap_via_free_unit",
    "Genericity",
    "check_genericity",
    "zero_level_components",
]


@dataclass
class RankOneBound:
    """A certified lower bound on the empirical risk of every two-unit network whose first layer
    (2 × 2, no bias) has rank ≤ 1 (BF'16 §2.3.1(a)): such a network computes
    g(⟨v, x⟩) = a ρ(⟨v, x⟩) + b ρ(−⟨v, x⟩), so its risk is at least
    min_v [E y² − q₊(v) − q₋(v)], q_±(v) = (c_±·v)²/(vᵀM_±v) over the half-planes ±⟨v, x⟩ > 0.
    On each arc of directions between consecutive sample boundaries the half-planes are fixed
    and each q_± is maximised exactly (endpoints and the critical direction M_±⁻¹c_±); their sum
    of maxima bounds the risk from below on the arc."""

    value: float
    sampled_min: float
    arcs: int
    argmin_angle: float
    rounding: float


def rank_one_lower_bound(
    X: Any, y: Any, *, n_check: int = 2048, max_arc: float = 0.01
) -> RankOneBound:
    """min over rank ≤ 1 first layers of the two-unit risk, bounded below on every arc of
    directions (arcs between sample boundaries, split to width ≤ ``max_arc``; exact per arc up
    to rounding); ``sampled_min`` is the risk minimised on ``n_check`` directions (closed-form
    a, b), which the bound must not exceed."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).ravel()
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] != y.size or y.size == 0:
        raise InputError(f"X has shape {X.shape} for {y.size} targets; need (L, 2)")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise InputError("X or y has non-finite entries")
    L = y.size
    y2 = float(y @ y / L)
    phi = np.arctan2(X[:, 1], X[:, 0])
    bnd = np.sort(np.mod(np.concatenate([phi + np.pi / 2, phi - np.pi / 2]), 2 * np.pi))
    lo = bnd
    hi = np.concatenate([bnd[1:], [bnd[0] + 2 * np.pi]])
    keep = hi > lo
    lo, hi = lo[keep], hi[keep]
    # split wide arcs (the sign pattern is unchanged; the decoupled maxima get tighter)
    parts = np.maximum(1, np.ceil((hi - lo) / max_arc).astype(int))
    start = np.repeat(lo, parts)
    width = np.repeat((hi - lo) / parts, parts)
    offset = np.arange(parts.sum()) - np.repeat(np.cumsum(parts) - parts, parts)
    lo, hi = start + offset * width, start + (offset + 1) * width
    mid = 0.5 * (lo + hi)
    V = np.stack([np.cos(mid), np.sin(mid)], axis=1)
    s = X @ V.T  # (L, arcs)
    total = np.zeros(mid.size)
    for side in (1.0, -1.0):
        mask = (side * s > 0).astype(np.float64)
        M = np.einsum("la,li,lj->aij", mask, X, X) / L
        c = np.einsum("la,li,l->ai", mask, X, y) / L
        ymass = mask.T @ (y * y) / L
        total += _max_rayleigh_on_arcs(M, c, lo, hi, ymass)
    lbs = y2 - total
    rounding = 64 * np.finfo(np.float64).eps * max(1.0, y2)
    i = int(np.argmin(lbs))
    return RankOneBound(
        float(max(0.0, lbs[i] - rounding)),
        _rank_one_sampled(X, y, n_check),
        int(mid.size),
        float(mid[i]),
        float(rounding),
    )


def _max_rayleigh_on_arcs(
    M: np.ndarray, c: np.ndarray, lo: np.ndarray, hi: np.ndarray, cap: np.ndarray
) -> np.ndarray:
    """max over v = (cos φ, sin φ), φ ∈ [lo, hi] of (c·v)²/(vᵀMv) for every arc (capped by
    Σ y²/L on the half-plane, Cauchy–Schwarz; the cap is used where M is near singular)."""

    def q(phi: np.ndarray) -> np.ndarray:
        v = np.stack([np.cos(phi), np.sin(phi)], axis=1)
        num = np.einsum("ai,ai->a", c, v) ** 2
        den = np.einsum("ai,aij,aj->a", v, M, v)
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)

    best = np.maximum(q(lo), q(hi))
    det = M[:, 0, 0] * M[:, 1, 1] - M[:, 0, 1] * M[:, 1, 0]
    tr = M[:, 0, 0] + M[:, 1, 1]
    regular = det > 1e-10 * np.maximum(tr, 1e-300) ** 2
    crit = np.zeros_like(c)
    crit[:, 0] = M[:, 1, 1] * c[:, 0] - M[:, 0, 1] * c[:, 1]  # adj(M) c ∝ M⁻¹c
    crit[:, 1] = -M[:, 1, 0] * c[:, 0] + M[:, 0, 0] * c[:, 1]
    ang = np.arctan2(crit[:, 1], crit[:, 0])
    for shift in (0.0, np.pi):  # q(v) = q(−v): both directions of the critical line
        a = np.mod(ang + shift - lo, 2 * np.pi) + lo
        inside = regular & (a >= lo) & (a <= hi)
        peak = np.where(regular, np.einsum("ai,ai->a", c, _solve2(M, c)), 0.0)
        best = np.where(inside, np.maximum(best, peak), best)
    return np.where(regular, np.minimum(best, cap), cap)


def _solve2(M: np.ndarray, c: np.ndarray) -> np.ndarray:
    det = M[:, 0, 0] * M[:, 1, 1] - M[:, 0, 1] * M[:, 1, 0]
    det = np.where(det != 0, det, 1.0)
    return np.stack(
        [
            (M[:, 1, 1] * c[:, 0] - M[:, 0, 1] * c[:, 1]) / det,
            (-M[:, 1, 0] * c[:, 0] + M[:, 0, 0] * c[:, 1]) / det,
        ],
        axis=1,
    )


def _rank_one_sampled(X: np.ndarray, y: np.ndarray, n: int) -> float:
    phi = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    s = X @ np.stack([np.cos(phi), np.sin(phi)])  # (L, n)
    out = np.full(n, float(y @ y))
    for side in (1.0, -1.0):
        h = np.maximum(side * s, 0.0)
        hh = (h * h).sum(axis=0)
        hy = h.T @ y
        out -= np.where(hh > 0, hy * hy / np.where(hh > 0, hh, 1.0), 0.0)
    return float(out.min() / y.size)


def swap_via_free_unit(land: TwoLayerReLU, theta: Any, i: int, j: int, free: int) -> Path:
    """A constant-function path from θ to θ with hidden units i and j swapped, through a unit
    ``free`` whose output weights are zero: copy a row onto the free unit, hand its weights
    over, and so on (7 straight segments, every one with constant energy)."""
    th = as_theta(theta, land.dim)
    P = land.unflatten(th)
    if len({i, j, free}) != 3 or not all(0 <= u < land.m for u in (i, j, free)):
        raise InputError(
            f"units i = {i}, j = {j}, free = {free} must be distinct in 0..{land.m - 1}"
        )
    if np.any(P.U[:, free] != 0):
        raise HypothesisError(
            f"unit {free} has nonzero output weights: it is not free", claim="bf16.relu.two-unit"
        )
    W, b, U = P.W.copy(), P.b.copy(), P.U.copy()
    w3, b3 = W[free].copy(), b[free]
    wi, bi, ui = W[i].copy(), b[i], U[:, i].copy()
    wj, bj, uj = W[j].copy(), b[j], U[:, j].copy()
    steps = [
        ("row of the free unit → row i", {"W": {free: wi}, "b": {free: bi}}),
        ("weights i → free unit", {"U": {free: ui, i: 0 * ui}}),
        ("row i → row j (zero weight)", {"W": {i: wj}, "b": {i: bj}}),
        ("weights j → unit i", {"U": {i: uj, j: 0 * uj}}),
        ("row j → old row i (zero weight)", {"W": {j: wi}, "b": {j: bi}}),
        ("weights free unit → unit j", {"U": {j: ui, free: 0 * ui}}),
        ("free unit → its row", {"W": {free: w3}, "b": {free: b3}}),
    ]
    pieces, cur = [], th
    for label, change in steps:
        for col, val in change.get("W", {}).items():
            W[col] = val
        for col, val in change.get("b", {}).items():
            b[col] = val
        for col, val in change.get("U", {}).items():
            U[:, col] = val
        nxt = land.flatten(W, b if land.hidden_bias else None, U, P.c if land.output_bias else None)
        if not np.array_equal(cur, nxt):
            pieces.append(Segment(cur, nxt, label, CONSTANT))
        cur = nxt
    return Path(pieces)


@dataclass
class Genericity:
    """The hypotheses of the tessellation argument, checked exactly on rational parameters:
    (G1) u_j ≠ 0 and w_j ≠ 0; (G2) no two rows (w_j, b_j) parallel; (G3) Σ_{j∈J} u_j w_j ≠ 0 for
    every non-empty J. Under them the parameters computing Φ(·; θ) are exactly the m! classes
    {permutation π, positive rescaling} — disjoint, closed, connected — so with X of positive
    density everywhere Ω_0 of the oracle risk has ≥ m! components (BF'16 §2.3.1(b))."""

    holds: bool
    failures: list[str]
    subsets_checked: int
    m: int

    @property
    def components_lower_bound(self) -> int:
        """m! components of Ω_0 when the hypotheses hold (1: no conclusion)."""
        from math import factorial

        return factorial(self.m) if self.holds else 1


def check_genericity(land: TwoLayerReLU, theta: Any, *, max_units: int = 14) -> Genericity:
    """Exact (rational) check of (G1)–(G3) for a scalar-output teacher (floats are read as the
    dyadic rationals they store)."""
    from fractions import Fraction
    from itertools import combinations

    P = land.unflatten(as_theta(theta, land.dim))
    if land.k != 1:
        raise InputError(f"genericity is checked for a scalar output; got k = {land.k}")
    m = land.m
    if m > max_units:
        raise InputError(f"width {m} > {max_units}: the subset check (G3) is 2^m")
    rows = [[Fraction(float(v)) for v in np.append(P.W[j], P.b[j])] for j in range(m)]
    u = [Fraction(float(v)) for v in P.U[0]]
    fails: list[str] = []
    for j in range(m):
        if u[j] == 0:
            fails.append(f"(G1) output weight of unit {j} is 0")
        if all(v == 0 for v in rows[j][:-1]):
            fails.append(f"(G1) row of unit {j} is 0")
    for p, q in combinations(range(m), 2):
        a, b = rows[p], rows[q]
        if all(a[r] * b[s] == a[s] * b[r] for r in range(len(a)) for s in range(r + 1, len(a))):
            fails.append(f"(G2) units {p} and {q} have parallel rows (w, b)")
    count = 0
    for size in range(1, m + 1):
        for J in combinations(range(m), size):
            count += 1
            if all(sum(u[j] * rows[j][d] for j in J) == 0 for d in range(land.n)):
                fails.append(f"(G3) Σ u_j w_j = 0 over units {list(J)}")
    return Genericity(not fails, fails, count, m)


def zero_level_components(land: TwoLayerReLU, theta: Any) -> int:
    """The certified lower bound m! on the number of components of Ω_0 (oracle risk, X with a
    positive density) for the teacher θ, by the tessellation argument (BF'16 §2.3.1(b)); a
    :class:`HypothesisError` naming the failed condition when θ is not generic."""
    gen = check_genericity(land, theta)
    if not gen.holds:
        raise HypothesisError(
            f"teacher is not generic: {gen.failures[0]}", claim="bf16.relu.permutation"
        )
    return gen.components_lower_bound
