"""The output of a deep ReLU network along a segment in weight space, as proven polynomial pieces.

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
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb

import numpy as np
from sublevel.numerics.rounding import gamma as _gamma
from sublevel.theory.errors import InputError

__all__ = ["DeepReLUSegment", "OutputPieces", "output_pieces", "ROUNDOFF", "UP"]

ROUNDOFF = 2.0**-53
UP = 1.0 + 2.0**-40  # covers the rounding of the bounds' own computation (≪ 2^13 operations)
_BISECT_GRID = 8
_BISECT_STEPS = 52


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
        """K, the number of weight layers (K − 1 hidden ReLU layers)."""
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
        """The number of (sample, piece) pairs: Σ_n (breakpoints of sample n + 1)."""
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
    return Z.transpose(0, 2, 1), rho * UP


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
    m = np.maximum(wrong, 0.0) * UP
    H = np.where(sg[..., None], Z, 0.0)
    # the computed wrong-sign bound is ≥ err > 0 everywhere: report only what exceeds rounding
    mismatch = float(np.max(np.maximum(wrong - 2 * err, 0.0), initial=0.0))
    return H.transpose(0, 2, 1), (rho + m) * UP, mismatch


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
            rho = (rho + ROUNDOFF * np.abs(Z[..., 0] - Yc)) * UP
            Z = Z.copy()
            Z[..., 0] = Z[..., 0] - Yc
        parts.append((sample, lo, hi, Z, rho))
    cat = [np.concatenate([p[i] for p in parts]) for i in range(5)]
    return OutputPieces(
        cat[0], cat[1], cat[2], cat[3], cat[4], n_breakpoints=n_break, max_mismatch=mismatch
    )
