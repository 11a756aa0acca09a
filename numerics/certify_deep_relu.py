"""Rigorous maximum of the loss of a deep ReLU network along a straight segment in weight space.

Network: Φ(x; θ) = W_K σ(⋯σ(W_1 x + b_1)⋯) + b_K with σ = ReLU and a linear output; the segment
θ(t) = θ_A + t(θ_B − θ_A), t ∈ [0, 1]. Layer k's pre-activations are, for each sample, piecewise
polynomials of degree k in t (issue 14). For every sample this module builds them layer by
layer, each as a polynomial with float coefficients ẑ plus a *proven* uniform radius ρ:

    |z_true(t) − ẑ(t)| ≤ ρ   for every t of the sample's piece,

with ρ propagated by a priori dot-product bounds (|fl(x·y) − x·y| ≤ γ_n |x|·|y|, γ_n = nu/(1−nu),
Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1) and |W(t)| ≤ max(|W_A|, |W_B|).
Breakpoints (roots of ẑ on the piece: closed forms for degree 1 and 2, sign changes on a
subdivision plus bisection for degree ≥ 3) only *place* the pieces: they are not trusted. The
sign pattern on each sub-piece is checked with the Bernstein coefficients of ẑ on it (their
minimum bounds the polynomial from below), and the largest wrong-sign value m found there is
added to the radius: |relu(z) − s·ẑ| ≤ ρ + m. A missed or misplaced root therefore only widens the
enclosure; it never makes it wrong.

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
from math import comb, log
from typing import Any

import numpy as np
from sublevel.theory.errors import InputError

__all__ = [
    "DeepReLUSegment",
    "OutputPieces",
    "MaxEnclosure",
    "output_pieces",
    "maximise_energy",
    "energy_enclosure",
    "ROUNDOFF",
]

ROUNDOFF = 2.0**-53
_UP = 1.0 + 2.0**-40  # covers the rounding of the bounds' own computation (≪ 2^13 operations)
_BISECT_GRID = 8
_BISECT_STEPS = 52


def _gamma(n: int) -> float:
    return n * ROUNDOFF / (1.0 - n * ROUNDOFF)


@dataclass
class DeepReLUSegment:
    """A ReLU MLP along θ_A → θ_B on data: layers [(W, b), …] for both ends, X (N, n_0),
    ``loss`` ``mse`` (targets (N, C)) or ``cross-entropy`` (labels (N,))."""

    layers_a: list[tuple[np.ndarray, np.ndarray]]
    layers_b: list[tuple[np.ndarray, np.ndarray]]
    X: np.ndarray
    Y: np.ndarray
    loss: str
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        if self.loss not in ("mse", "cross-entropy"):
            raise InputError(
                f"loss {self.loss!r}: the deep ReLU certificate supports mse and cross-entropy"
            )
        if len(self.layers_a) != len(self.layers_b) or not self.layers_a:
            raise InputError(
                f"the two networks have {len(self.layers_a)} and {len(self.layers_b)} layers"
            )
        la: list[tuple[np.ndarray, np.ndarray]] = []
        lb: list[tuple[np.ndarray, np.ndarray]] = []
        for k, ((Wa, ba), (Wb, bb)) in enumerate(zip(self.layers_a, self.layers_b)):
            Wa, ba, Wb, bb = (np.asarray(v, dtype=np.float64) for v in (Wa, ba, Wb, bb))
            for name, v in (("W", Wa), ("b", ba), ("W", Wb), ("b", bb)):
                if not np.all(np.isfinite(v)):
                    raise InputError(f"layer {k}: {name} has non-finite entries")
            if Wa.shape != Wb.shape or ba.shape != bb.shape or ba.shape != (Wa.shape[0],):
                raise InputError(
                    f"layer {k}: shapes {Wa.shape}/{ba.shape} and {Wb.shape}/"
                    f"{bb.shape} do not match"
                )
            if la and Wa.shape[1] != la[-1][0].shape[0]:
                raise InputError(
                    f"layer {k} takes {Wa.shape[1]} inputs; layer {k - 1} has "
                    f"{la[-1][0].shape[0]} outputs"
                )
            la.append((Wa, ba))
            lb.append((Wb, bb))
        self.layers_a, self.layers_b = la, lb
        self.X = np.asarray(self.X, dtype=np.float64)
        if (
            self.X.ndim != 2
            or self.X.shape[1] != la[0][0].shape[1]
            or not np.all(np.isfinite(self.X))
        ):
            raise InputError(
                f"X has shape {self.X.shape}; expected finite (N, {la[0][0].shape[1]})"
            )

    @property
    def n_layers(self) -> int:
        return len(self.layers_a)


@dataclass
class OutputPieces:
    """Per-sample pieces [lo, hi] of the output polynomials ŷ (``coeffs`` (P, C, K + 1), t^k in
    column k; for mse the target is already subtracted) with proven radii ``rho`` (P, C)."""

    sample: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    coeffs: np.ndarray
    rho: np.ndarray
    n_breakpoints: int = 0
    max_mismatch: float = 0.0

    @property
    def n_pieces(self) -> int:
        return int(self.lo.shape[0])


def _horner(Z: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Z (…, d + 1) coefficients, t broadcast against Z[..., 0]."""
    out = np.zeros(np.broadcast_shapes(Z.shape[:-1], np.shape(t)))
    for k in range(Z.shape[-1] - 1, -1, -1):
        out = out * t + Z[..., k]
    return out


def _shift_cm(Z: np.ndarray, t0: np.ndarray, h: np.ndarray) -> np.ndarray:
    """q(s) = p(t0 + h s) (Ruffini–Horner Taylor shift, then q_k ← h^k q_k): q_k = h^k Σ_{j ≥ k}
    C(j, k) p_j t0^{j−k}; Z (…, d + 1), t0/h broadcast against Z[..., 0]; the result is
    coefficient-major, (d + 1, …) (contiguous per coefficient: the loops below stream)."""
    d = Z.shape[-1] - 1
    q = np.ascontiguousarray(np.moveaxis(Z, -1, 0), dtype=np.float64)
    if q is Z or np.shares_memory(q, Z):
        q = q.copy()
    for i in range(d):
        for j in range(d - 1, i - 1, -1):
            q[j] += t0 * q[j + 1]
    hk = h
    for k in range(1, d + 1):
        q[k] *= hk
        if k < d:
            hk = hk * h
    return q


def _shift(Z: np.ndarray, t0: np.ndarray, h: np.ndarray) -> np.ndarray:
    """:func:`_shift_cm` with the coefficients last, like Z."""
    return np.moveaxis(_shift_cm(Z, t0, h), 0, -1)


def _layer(
    H: np.ndarray,
    rho_h: np.ndarray,
    Wa: np.ndarray,
    D: np.ndarray,
    abs_wmax: np.ndarray,
    abs_wsum: np.ndarray,
    ba: np.ndarray,
    db: np.ndarray,
    bias_err: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """z(t) = (W_A + tD) h(t) + b_A + t·db on every piece: coefficients (P, o, d + 1) and radii.

    ρ_z = max(|W_A|, |W_B|)·ρ_h + γ_{m+4}·(|W_A| + 2|D̂|)·Σ_k|ĥ_k| + γ_{m+4}(|b_A| + 2|db|)
    (the 2|D̂| also covers D̂ = fl(W_B − W_A), |D − D̂| ≤ u|D̂|)."""
    P, d, m = H.shape
    o = Wa.shape[0]
    flat = H.reshape(P * d, m)
    Z = np.zeros((P, d + 1, o))
    Z[:, :d] = (flat @ Wa.T).reshape(P, d, o)
    Z[:, 1:] += (flat @ D.T).reshape(P, d, o)
    Z[:, 0] += ba
    Z[:, 1] += db
    rho = rho_h @ abs_wmax.T + _gamma(m + 4) * (np.abs(H).sum(axis=1) @ abs_wsum.T + bias_err)
    return Z.transpose(0, 2, 1), rho * _UP


def _roots(Z: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Approximate roots of every ẑ (P, o, d + 1) strictly inside (lo, hi), nan elsewhere."""
    d = Z.shape[-1] - 1
    lo3, hi3 = lo[:, None, None], hi[:, None, None]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if d == 1:
            R = (-Z[..., 0] / Z[..., 1])[..., None]
        elif d == 2:
            a, b, c = Z[..., 2], Z[..., 1], Z[..., 0]
            disc = b * b - 4 * a * c
            sq = np.sqrt(np.where(disc >= 0, disc, np.nan))
            q = -0.5 * (b + np.where(b >= 0, sq, -sq))
            lin = a == 0
            r1 = np.where(lin, -c / b, q / a)
            r2 = np.where(lin, np.nan, c / q)
            R = np.stack([r1, r2], axis=-1)
        else:
            B = _bernstein(Z, lo, hi)
            amb = (B.min(axis=0) <= 0) & (B.max(axis=0) >= 0)  # others have no root
            pi, ui = np.nonzero(amb)
            R = np.full(Z.shape[:2] + (_BISECT_GRID,), np.nan)
            if pi.size:
                R[pi, ui] = _bracket_roots(Z[pi, ui], lo[pi], hi[pi])
    return np.where((R > lo3) & (R < hi3), R, np.nan)


def _bracket_roots(Z: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Sign changes of each ẑ (Q, d + 1) on a uniform subdivision of [lo, hi], refined by
    bisection: (Q, grid) roots, nan where none."""
    Q = Z.shape[0]
    G = _BISECT_GRID
    ts = lo[:, None] + (hi - lo)[:, None] * (np.arange(G + 1) / G)[None, :]  # (Q, G + 1)
    V = _horner(Z[:, None, :], ts)  # (Q, G + 1)
    R = np.full((Q, G), np.nan)
    zero = V[:, :-1] == 0
    R[zero] = ts[:, :-1][zero]
    qi, gi = np.nonzero(V[:, :-1] * V[:, 1:] < 0)
    if qi.size:
        a, b = ts[qi, gi], ts[qi, gi + 1]
        sa, coeff = np.sign(V[qi, gi]), Z[qi]
        for _ in range(_BISECT_STEPS):
            mid = 0.5 * (a + b)
            left = np.sign(_horner(coeff, mid)) == sa
            a, b = np.where(left, mid, a), np.where(left, b, mid)
        R[qi, gi] = 0.5 * (a + b)
    return R


def _split(
    lo: np.ndarray, hi: np.ndarray, R: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut each piece at its roots R (P, …): (parent, new lo, new hi), in order."""
    P = lo.shape[0]
    flat = np.sort(R.reshape(P, -1), axis=1)
    cnt = np.sum(~np.isnan(flat), axis=1)
    mc = int(cnt.max()) if P else 0
    filled = np.where(np.isnan(flat[:, :mc]), hi[:, None], flat[:, :mc])
    edges = np.concatenate([lo[:, None], filled, hi[:, None]], axis=1)
    keep = np.arange(mc + 1)[None, :] <= cnt[:, None]
    parent = np.repeat(np.arange(P), cnt + 1)
    nlo, nhi = edges[:, :-1][keep], edges[:, 1:][keep]
    # a piece [x, x] (two units with the same root) adds nothing: its neighbours hold x
    wide = (nlo < nhi) | (np.repeat(cnt, cnt + 1) == 0)
    return parent[wide], nlo[wide], nhi[wide]


def _bernstein(Z: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Bernstein coefficients of every ẑ (P, o, d + 1) on [lo, hi] (P,), coefficient-major
    (d + 1, P, o): b_i = Σ_{k ≤ i} C(i, k)/C(d, k) q_k with q the polynomial in s = (t − lo)/h."""
    d = Z.shape[-1] - 1
    h = np.nextafter(hi - lo, np.inf)  # [lo, lo + h] ⊇ [lo, hi] although hi − lo is rounded
    q = _shift_cm(Z, lo[:, None], h[:, None])
    B = np.empty_like(q)
    for i in range(d + 1):
        B[i] = q[0]
        for k in range(1, i + 1):
            B[i] += (comb(i, k) / comb(d, k)) * q[k]
    return B


def _wrong_sign(Z: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, ...]:
    """Sign s of each ẑ at the piece midpoint, the proven bound on its wrong-sign part on the
    piece, and the rounding part of that bound."""
    d = Z.shape[-1] - 1
    s = _horner(Z, (0.5 * (lo + hi))[:, None]) > 0
    B = _bernstein(Z, lo, hi)
    err = _gamma(6 * d + 6) * (d + 1) * 4.0**d * np.abs(Z).sum(axis=-1)
    wrong = np.where(s, -B.min(axis=0), B.max(axis=0)) + err
    return s, wrong, err


def _refine(
    sample: np.ndarray, lo: np.ndarray, hi: np.ndarray, Z: np.ndarray, rho: np.ndarray, rounds: int
) -> tuple[np.ndarray, ...]:
    """Halve (and re-cut at their roots) the pieces on which some ẑ's Bernstein coefficients
    do not confirm its sign (a near-touching extremum, or roots the isolator missed); returns
    the pieces with their signs and wrong-sign bounds (:func:`_wrong_sign`)."""
    sg, wrong, err = _wrong_sign(Z, lo, hi)
    for _ in range(rounds):
        bad = np.any(wrong > 4 * err, axis=1) & (hi - lo > 4 * ROUNDOFF)
        if not bad.any():
            break
        good = ~bad
        bi = np.nonzero(bad)[0]
        mid = 0.5 * (lo[bi] + hi[bi])
        hlo, hhi = np.concatenate([lo[bi], mid]), np.concatenate([mid, hi[bi]])
        hidx = np.concatenate([bi, bi])
        parent, nlo, nhi = _split(hlo, hhi, _roots(Z[hidx], hlo, hhi))
        src = hidx[parent]
        nsg, nwrong, nerr = _wrong_sign(Z[src], nlo, nhi)
        arrays = [
            (sample, sample[src]),
            (lo, nlo),
            (hi, nhi),
            (Z, Z[src]),
            (rho, rho[src]),
            (sg, nsg),
            (wrong, nwrong),
            (err, nerr),
        ]
        merged = [np.concatenate([old[good], new]) for old, new in arrays]
        order = np.lexsort((merged[1], merged[0]))
        sample, lo, hi, Z, rho, sg, wrong, err = (x[order] for x in merged)
    return sample, lo, hi, Z, rho, sg, wrong, err


def _activate(
    Z: np.ndarray, rho: np.ndarray, sg: np.ndarray, wrong: np.ndarray, err: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """ReLU on each piece: ĥ = s·ẑ with s the sign of ẑ at the midpoint, radius ρ + m where m
    bounds the wrong-sign part of ẑ on the piece (from its Bernstein coefficients)."""
    m = np.maximum(wrong, 0.0) * _UP
    H = np.where(sg[..., None], Z, 0.0)
    # the computed wrong-sign bound is ≥ err > 0 everywhere: report only what exceeds rounding
    mismatch = float(np.max(np.maximum(wrong - 2 * err, 0.0), initial=0.0))
    return H.transpose(0, 2, 1), (rho + m) * _UP, mismatch


def output_pieces(
    net: DeepReLUSegment, *, chunk: int = 256, refine_rounds: int = 30
) -> OutputPieces:
    """The network's outputs on every sample as certified piecewise polynomials in t
    (``refine_rounds``: halvings of pieces whose sign pattern the Bernstein test does not
    confirm; what remains unconfirmed widens the radii)."""
    K = net.n_layers
    prep = []
    for (Wa, ba), (Wb, bb) in zip(net.layers_a, net.layers_b):
        D, db = Wb - Wa, bb - ba
        prep.append(
            (
                Wa,
                D,
                np.maximum(np.abs(Wa), np.abs(Wb)),
                np.abs(Wa) + 2 * np.abs(D),
                ba,
                db,
                np.abs(ba) + 2 * np.abs(db),
            )
        )
    parts: list[tuple[np.ndarray, ...]] = []
    n_break, mismatch = 0, 0.0
    N = net.X.shape[0]
    for s0 in range(0, N, chunk):
        Xc = net.X[s0 : s0 + chunk]
        sample = np.arange(s0, s0 + Xc.shape[0])
        lo, hi = np.zeros(sample.size), np.ones(sample.size)
        H, rho_h = Xc[:, None, :], np.zeros_like(Xc)
        for k, (Wa, D, awm, aws, ba, db, berr) in enumerate(prep):
            Z, rho = _layer(H, rho_h, Wa, D, awm, aws, ba, db, berr)
            if k == K - 1:
                break
            n_before = lo.size
            parent, lo, hi = _split(lo, hi, _roots(Z, lo, hi))
            n_break += int(parent.size - n_before)
            sample, Z, rho = sample[parent], Z[parent], rho[parent]
            sample, lo, hi, Z, rho, sg, wrong, err = _refine(sample, lo, hi, Z, rho, refine_rounds)
            H, rho_h, mis = _activate(Z, rho, sg, wrong, err)
            mismatch = max(mismatch, mis)
        if net.loss == "mse":
            Yc = np.asarray(net.Y, dtype=np.float64)[sample]
            rho = (rho + ROUNDOFF * np.abs(Z[..., 0] - Yc)) * _UP
            Z = Z.copy()
            Z[..., 0] = Z[..., 0] - Yc
        parts.append((sample, lo, hi, Z, rho))
    cat = [np.concatenate([p[i] for p in parts]) for i in range(5)]
    return OutputPieces(
        cat[0], cat[1], cat[2], cat[3], cat[4], n_breakpoints=n_break, max_mismatch=mismatch
    )


# ---------------------------------------------------------------------------- the energy
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
) -> MaxEnclosure:
    """Branch and bound for max_t E(t) − (α + βt) on [0, 1]: stop when the enclosure is narrower
    than max(abs_tol, rel_tol·max(|lo|, scale)), or (with ``bound``) as soon as it decides E ≤ bound, or
    after ``max_cells`` cell evaluations (then ``inconclusive`` if undecided). Each round the
    centres of the ``probes`` cells with the highest upper bounds are evaluated rigorously: the
    best of these proven values is the lower end and prunes every cell whose bound is below it."""
    M = int(initial_cells)
    c = (np.arange(M) + 0.5) / M
    r = np.full(M, 0.5 / M)
    best_lo, best_t, total = -np.inf, 0.0, 0
    _, ends = energy.cells(np.array([0.0, 1.0]), np.zeros(2), alpha, beta)
    for t_end, val in zip((0.0, 1.0), ends):
        if val > best_lo:
            best_lo, best_t = float(val), t_end
    hi = np.inf
    rounds = 0
    while True:
        up, _ = energy.cells(c, r, alpha, beta)
        total += c.size
        rounds += 1
        top = np.argsort(up)[-probes:]
        _, low = energy.cells(c[top], np.zeros(top.size), alpha, beta)
        j = int(np.argmax(low))
        if low[j] > best_lo:
            best_lo, best_t = float(low[j]), float(c[top][j])
        hi = max(float(up.max()), best_lo)
        keep = up >= best_lo
        c, r = c[keep], r[keep]
        width = hi - best_lo
        done_tol = width <= max(abs_tol, rel_tol * max(abs(best_lo), scale))
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
        details={"rounds": rounds, "active_cells": int(c.size)},
    )
