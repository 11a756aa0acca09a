"""Rigorous maximum of the loss of a deep ReLU network along a straight segment in weight space.

The network's outputs along θ(t) = θ_A + t(θ_B − θ_A) come as float polynomial pieces with
proven radii from :mod:`sublevel.numerics.deep_relu_pieces` (issue 14).

The energy E(t) = mean_n ℓ(Φ(x_n; θ(t)), y_n) (square loss or cross-entropy, as
:class:`~sublevel.numerics.energies.mlp.MLPLandscape`; plus ½λ‖θ(t)‖² with weight decay) then satisfies
|E − Ê| ≤ δ with Ê built from the float polynomials. Its maximum is enclosed by branch and
bound over cells [c − r, c + r]: per sample and cell, either one piece covers the cell, which
gives a second-order bound ℓ(c) + ℓ′(c)s + ½ sup|ℓ″| s², or several do, which gives a
first-order bound max_P [ℓ_P(c) + sup|ℓ_P′| r]; the sample terms are summed before the
s-maximisation, so the first derivatives cancel at the maximum and the bound converges
quadratically. A cell is dropped once its upper bound is below a value E provably attains
(pruning with per-cell bounds, not a global Lipschitz constant).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import log
from typing import Any

import numpy as np
from sublevel.numerics.deep_relu_pieces import ROUNDOFF as ROUNDOFF
from sublevel.numerics.deep_relu_pieces import UP as _UP
from sublevel.numerics.deep_relu_pieces import DeepReLUSegment as DeepReLUSegment
from sublevel.numerics.deep_relu_pieces import OutputPieces as OutputPieces
from sublevel.numerics.deep_relu_pieces import output_pieces as output_pieces
from sublevel.numerics.rounding import gamma as _gamma

__all__ = [
    "DeepReLUSegment",
    "OutputPieces",
    "MaxEnclosure",
    "output_pieces",
    "maximise_energy",
    "energy_enclosure",
    "ROUNDOFF",
]


@dataclass
class MaxEnclosure:
    """lo ≤ max_{t ∈ [0, 1]} [E(t) − (α + βt)] ≤ hi, attained within the enclosure at ``argmax_t``
    (E(argmax_t) − … ≥ lo is proven); ``outcome`` against ``bound`` when one was given."""

    lo: float
    hi: float
    argmax_t: float
    value: float
    outcome: str
    n_cells: int
    delta: float
    details: dict[str, Any] = field(default_factory=dict)


class _Energy:
    """Ê and its per-cell bounds from the output pieces (plus weight decay, minus α + βt)."""

    def __init__(self, net: DeepReLUSegment, out: OutputPieces):
        self.net, self.out = net, out
        self.key = out.sample + 1j * out.lo  # lexicographic (sample, lo): numpy sorts complex so
        self.N = net.X.shape[0]
        self.C = out.coeffs.shape[1]
        self.deg = out.coeffs.shape[2] - 1
        if net.loss == "cross-entropy":
            self.labels = np.asarray(net.Y).astype(np.int64).reshape(-1)
        absc = np.abs(out.coeffs).sum(axis=2)
        if net.loss == "cross-entropy":
            dp = 2 * out.rho.max(axis=1)
        else:
            dp = np.mean(2 * absc * out.rho + out.rho**2, axis=1)
        first = np.searchsorted(self.key, np.arange(self.N) + 0j)
        dn = np.maximum.reduceat(dp, first)
        self.delta = float(np.sum(dn) / self.N * (1 + _gamma(self.N + 2))) * _UP
        self.wd = self._weight_decay()
        # output-major copies for the cell bounds: coefficients (d + 1, C, P) and the rounding
        # bound of a Taylor shift to c ∈ [0, 1], γ_{2d+4}·2^d·Σ_k|ĉ_k| (C, P)
        self.cm = np.ascontiguousarray(out.coeffs.transpose(2, 1, 0))
        self.shift_err = (_gamma(2 * self.deg + 4) * 2.0**self.deg * absc.T) * _UP

    def _weight_decay(self) -> tuple[float, float, float, float]:
        lam = self.net.weight_decay
        if not lam:
            return 0.0, 0.0, 0.0, 0.0
        a = np.concatenate([np.concatenate([W.ravel(), b]) for W, b in self.net.layers_a])
        b = np.concatenate([np.concatenate([W.ravel(), b]) for W, b in self.net.layers_b])
        d = b - a
        w0, w1, w2 = 0.5 * lam * (a @ a), lam * (a @ d), 0.5 * lam * (d @ d)
        err = _gamma(a.size + 8) * lam * (a @ a + 2 * np.abs(a) @ np.abs(d) + 2 * (d @ d)) * 2
        return float(w0), float(w1), float(w2), float(err)

    def _local(self, idx: np.ndarray, c: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, ...]:
        """Per (piece, cell): value v and slope g of ℓ̂_P at c, sup|ℓ̂_P″| and sup|ℓ̂_P′| on the
        cell, and the rounding bound e on v (+ r·error of g). Output-major arrays (C, Q)."""
        q = self.cm[:, :, idx]  # (d + 1, C, Q), a copy: shifted in place to t = c + s
        d = self.deg
        for i in range(d):
            for j in range(d - 1, i - 1, -1):
                q[j] += c * q[j + 1]
        e = self.shift_err[:, idx]
        Aa = np.abs(q) + e
        M1 = sum(k * Aa[k] * r ** (k - 1) for k in range(1, d + 1))
        M2 = (
            sum(k * (k - 1) * Aa[k] * r ** (k - 2) for k in range(2, d + 1))
            if d >= 2
            else np.zeros_like(M1)
        )
        y0, y1 = q[0], q[1]
        C = self.C
        if self.net.loss == "cross-entropy":
            lab = self.labels[self.out.sample[idx]]
            pick = np.arange(idx.size)
            mx = y0.max(axis=0)
            ex = np.exp(y0 - mx)
            se = ex.sum(axis=0)
            v = mx + np.log(se) - y0[lab, pick]
            g = (ex * y1).sum(axis=0) / se - y1[lab, pick]
            emax = e.max(axis=0)
            ev = 2 * emax + 8 * (C + 8) * ROUNDOFF * (np.abs(y0).max(axis=0) + log(C) + 1)
            eg = 2 * emax + 8 * (C + 8) * ROUNDOFF * np.abs(y1).max(axis=0) * 2
            m1 = M1.max(axis=0)
            kk = m1 * m1 + 2 * M2.max(axis=0)
            L = 2 * m1
        else:
            R = sum(Aa[k] * r**k for k in range(d + 1))
            v = np.mean(y0 * y0, axis=0)
            g = np.mean(2 * y0 * y1, axis=0)
            ev = np.mean(2 * np.abs(y0) * e + e * e, axis=0) + _gamma(C + 2) * v
            eg = np.mean(2 * (np.abs(y1) + np.abs(y0) + e) * e, axis=0) + _gamma(C + 3) * np.mean(
                np.abs(2 * y0 * y1), axis=0
            )
            kk = np.mean(2 * (M1 * M1 + R * M2), axis=0)
            L = np.mean(2 * R * M1, axis=0)
        return v, g, kk * _UP, L * _UP, (ev + eg * r) * _UP

    def cells(
        self, c: np.ndarray, r: np.ndarray, alpha: float, beta: float, max_pairs: int = 16_384
    ) -> tuple[np.ndarray, np.ndarray]:
        """Upper bounds of E − (α + βt) on the cells [c − r, c + r] and lower bounds at c
        (−inf where some sample has a breakpoint in the cell); in chunks of ≤ ``max_pairs``
        (sample, cell) pairs (bounded memory)."""
        step = max(1, max_pairs // self.N)
        if c.size <= step:
            return self._cells(c, r, alpha, beta)
        parts = [
            self._cells(c[s : s + step], r[s : s + step], alpha, beta)
            for s in range(0, c.size, step)
        ]
        return np.concatenate([u for u, _ in parts]), np.concatenate([v for _, v in parts])

    def _cells(
        self, c: np.ndarray, r: np.ndarray, alpha: float, beta: float
    ) -> tuple[np.ndarray, np.ndarray]:
        M, N = c.size, self.N
        n = np.repeat(np.arange(N), M)
        cc, rr = np.tile(c, N), np.tile(r, N)
        first = np.searchsorted(self.key, n + 1j * (cc - rr), side="right") - 1
        last = np.maximum(np.searchsorted(self.key, n + 1j * (cc + rr), side="left") - 1, first)
        single = first == last
        up_const = np.zeros(M)
        V, G, KK, E, absV = (np.zeros(M) for _ in range(5))
        lower_ok = np.ones(M, dtype=bool)
        si = np.nonzero(single)[0]
        v, g, kk, _, e = self._local(first[si], cc[si], rr[si])
        cell = si % M
        absv = np.abs(v) + np.abs(g) * rr[si] + e + 0.5 * kk * rr[si] ** 2
        for acc, val in ((V, v), (G, g), (KK, 0.5 * kk), (E, e), (absV, absv)):
            np.add.at(acc, cell, val)
        mi = np.nonzero(~single)[0]
        if mi.size:
            lower_ok[np.unique(mi % M)] = False
            cnt = last[mi] - first[mi] + 1
            pair = np.repeat(mi, cnt)
            piece = np.repeat(first[mi], cnt) + (
                np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
            )
            v2, g2, kk2, L2, e2 = self._local(piece, cc[pair], rr[pair])
            u = v2 + e2 + L2 * rr[pair]
            best = np.full(mi.size, -np.inf)
            np.maximum.at(best, np.repeat(np.arange(mi.size), cnt), u)
            np.add.at(up_const, mi % M, best)
            np.add.at(absV, mi % M, np.abs(best))
        w0, w1, w2, werr = self.wd
        wc, wg = w0 + c * (w1 + c * w2), w1 + 2 * c * w2
        lin = alpha + beta * c
        rest = np.abs(wc) + np.abs(lin) + (np.abs(wg) + abs(beta)) * r + w2 * r * r
        rnd = (_gamma(N + 16) * 4 * (absV / N + rest) + 1e-300) * _UP
        base = (V + up_const) / N + wc - lin
        slope = G / N + wg - beta
        upper = base + E / N + np.abs(slope) * r + (KK / N + w2) * r * r + self.delta + werr + rnd
        lower = np.where(lower_ok, V / N + wc - lin - E / N - self.delta - werr - rnd, -np.inf)
        return upper, lower

    def values(self, t: np.ndarray) -> np.ndarray:
        """Ê(t) (float, no enclosure): for the profile."""
        t = np.asarray(t, dtype=np.float64)
        n = np.repeat(np.arange(self.N), t.size)
        tt = np.tile(t, self.N)
        idx = np.searchsorted(self.key, n + 1j * tt, side="right") - 1
        v, *_ = self._local(idx, tt, np.zeros_like(tt))
        w0, w1, w2, _ = self.wd
        return v.reshape(self.N, t.size).mean(axis=0) + w0 + t * (w1 + t * w2)


def energy_enclosure(energy: _Energy, t: float) -> tuple[float, float]:
    """A proven enclosure of E(t) at one point."""
    up, lo = energy.cells(np.array([float(t)]), np.zeros(1), 0.0, 0.0)
    return float(lo[0]), float(up[0])


def maximise_energy(
    energy: _Energy,
    *,
    alpha: float = 0.0,
    beta: float = 0.0,
    bound: float | None = None,
    rel_tol: float = 1e-9,
    abs_tol: float = 1e-12,
    initial_cells: int = 64,
    max_cells: int = 200_000,
    probes: int = 4,
    scale: float = 0.0,
    floor_factor: float = 2.0,
) -> MaxEnclosure:
    """Branch and bound for max_t E(t) − (α + βt) on [0, 1]: stop when the enclosure is narrower
    than max(abs_tol, rel_tol·max(|lo|, scale)), or (with ``bound``) as soon as it decides E ≤ bound, or
    after ``max_cells`` cell evaluations (then ``inconclusive`` if undecided). Each round the
    centres of the ``probes`` cells with the highest upper bounds are evaluated rigorously: the
    best of these proven values is the lower end and prunes every cell whose bound is below it.

    Subdividing cannot make the enclosure narrower than the proven enclosure of E at a single
    point (the pieces' radii δ and the rounding of the sums): the resolution is also reached
    when the width is ≤ ``floor_factor`` × that point width at the best point (recorded as
    ``details["resolution_floor"]``), so that an unattainable ``rel_tol`` does not run the
    search to ``max_cells``."""
    M = int(initial_cells)
    c = (np.arange(M) + 0.5) / M
    r = np.full(M, 0.5 / M)
    best_lo, best_t, total, floor = -np.inf, 0.0, 0, np.inf
    ends_up, ends = energy.cells(np.array([0.0, 1.0]), np.zeros(2), alpha, beta)
    for t_end, val, val_up in zip((0.0, 1.0), ends, ends_up):
        if val > best_lo:
            best_lo, best_t, floor = float(val), t_end, float(val_up - val)
    hi = np.inf
    rounds = 0
    while True:
        up, _ = energy.cells(c, r, alpha, beta)
        total += c.size
        rounds += 1
        top = np.argsort(up)[-probes:]
        low_up, low = energy.cells(c[top], np.zeros(top.size), alpha, beta)
        j = int(np.argmax(low))
        if low[j] > best_lo:
            best_lo, best_t, floor = float(low[j]), float(c[top][j]), float(low_up[j] - low[j])
        hi = max(float(up.max()), best_lo)
        keep = up >= best_lo
        c, r = c[keep], r[keep]
        width = hi - best_lo
        done_tol = width <= max(abs_tol, rel_tol * max(abs(best_lo), scale), floor_factor * floor)
        if bound is not None and (hi <= bound or best_lo > bound):
            break
        if done_tol or c.size == 0 or total + 2 * c.size > max_cells:
            break
        c = np.concatenate([c - 0.5 * r, c + 0.5 * r])
        r = np.concatenate([0.5 * r, 0.5 * r])
        order = np.argsort(c)
        c, r = c[order], r[order]
    if bound is None:
        outcome = "holds" if done_tol else "inconclusive"
    else:
        outcome = "holds" if hi <= bound else "fails" if best_lo > bound else "inconclusive"
    return MaxEnclosure(
        lo=best_lo,
        hi=hi,
        argmax_t=best_t,
        value=best_lo,
        outcome=outcome,
        n_cells=total,
        delta=energy.delta,
        details={
            "rounds": rounds,
            "active_cells": int(c.size),
            "resolution_floor": floor,
            "floor_factor": floor_factor,
        },
    )
