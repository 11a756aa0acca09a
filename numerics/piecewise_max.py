"""Proven maxima of piecewise polynomials (degree ≤ 4) with float coefficients.

The coefficients and piece ends are taken as the exact rationals they store; the maximum over
real t is enclosed: cheap chord-plus-curvature bounds prune, the surviving pieces are cut at the
stationary points found in floating point (closed form, vectorised) and every window is bounded
by a Taylor quadratic majorant whose terms carry a priori rounding bounds (γ_n, Higham §3.1).
The floating-point root finder only chooses where to cut: the bounds hold whatever it returns.
Used by the ReLU segment certificate (:mod:`sublevel.numerics.certify_relu`, issue 11).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sublevel.numerics.rounding import U as _U
from sublevel.numerics.rounding import gamma
from sublevel.theory.errors import InputError

__all__ = ["PiecewiseMaximum", "maximise_piecewise", "maximise_pieces"]


@dataclass
class PiecewiseMaximum:
    """max_t p(t) of a piecewise polynomial with float coefficients, t real: ``value`` (computed
    at ``argmax_t`` in piece ``piece``), ``lower`` ≤ the exact value of that piece at
    ``argmax_t`` (proven) and ``upper`` ≥ the exact maximum over every piece (proven: window
    bounds on the examined pieces, chord-plus-curvature bounds on the pruned ones)."""

    value: float
    argmax_t: float
    piece: int
    upper: float
    n_pieces: int
    n_candidates: int
    lower: float = -np.inf
    windows: int = 0


def _taylor_shift(coeffs: np.ndarray, t0: np.ndarray, h: np.ndarray) -> np.ndarray:
    """q(s) = p(t0 + h s) for every row: q_k = h^k Σ_{d ≥ k} C(d, k) c_d t0^{d−k}."""
    from math import comb

    deg = coeffs.shape[1] - 1
    tp = np.ones((deg + 1,) + t0.shape)
    for j in range(1, deg + 1):
        tp[j] = tp[j - 1] * t0
    q = np.zeros_like(coeffs)
    hk = np.ones_like(h)
    for k in range(deg + 1):
        acc = np.zeros_like(t0)
        for d in range(k, deg + 1):
            acc += comb(d, k) * coeffs[:, d] * tp[d - k]
        q[:, k] = acc * hk
        hk = hk * h
    return q


def _polyval(q: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Σ_k q[i, k] s[i, …]^k (Horner), rows of q against rows of s."""
    out = np.zeros_like(s)
    for k in range(q.shape[1] - 1, -1, -1):
        out = out * s + q[:, k][:, None]
    return out


def _stationary_points(q: np.ndarray) -> np.ndarray:
    """Real roots in [0, 1] of q'(s) for each row of q (degree ≤ 4), padded with 0: (K, 3).

    Closed form, vectorised: companion-matrix eigenvalues of the cubic q' where its leading
    coefficient matters, the quadratic or linear formula where it does not, then two Newton
    steps; roots outside [0, 1] or far from real are replaced by the endpoint 0.
    """
    K, deg = q.shape[0], q.shape[1] - 1
    out = np.zeros((K, 3))
    if deg < 2 or K == 0:
        return out
    dq = np.zeros((K, 4))
    for k in range(1, deg + 1):
        dq[:, k - 1] = k * q[:, k]
    scale = np.abs(dq).max(axis=1)
    scale[scale == 0] = 1.0
    rel = np.abs(dq) / scale[:, None]
    cubic = rel[:, 3] > 1e-10
    quad = ~cubic & (rel[:, 2] > 1e-10)
    lin = ~cubic & ~quad & (rel[:, 1] > 0)
    if cubic.any():
        c = dq[cubic] / dq[cubic, 3:4]
        comp = np.zeros((c.shape[0], 3, 3))
        comp[:, 1, 0] = comp[:, 2, 1] = 1.0
        comp[:, :, 2] = -c[:, :3]
        out[cubic] = _real_part(np.linalg.eigvals(comp))
    if quad.any():
        a, b, c = dq[quad, 2], dq[quad, 1], dq[quad, 0]
        disc = b * b - 4 * a * c
        ok = disc >= 0
        sq = np.sqrt(np.where(ok, disc, 0.0))
        # stable quadratic formula: r1 = (−b − sign(b)√disc)/(2a), r2 = c/(a r1)
        qq = -0.5 * (b + np.where(b >= 0, sq, -sq))
        with np.errstate(divide="ignore", invalid="ignore"):
            r1 = np.where(ok & (a != 0), qq / a, np.nan)
            r2 = np.where(ok & (qq != 0), c / qq, np.nan)
        out[quad, 0], out[quad, 1] = r1, r2
    if lin.any():
        out[lin, 0] = -dq[lin, 0] / dq[lin, 1]
    out = np.where(np.isfinite(out), out, 0.0)
    dd = np.stack([dq[:, 1], 2 * dq[:, 2], 3 * dq[:, 3]], axis=1)
    for _ in range(2):  # Newton polish on q'
        f = _polyval(dq, out)
        fp = _polyval(dd, out)
        step = np.divide(f, fp, out=np.zeros_like(f), where=np.abs(fp) > 1e-300)
        out = np.where(np.isfinite(step), out - step, out)
    return np.clip(out, 0.0, 1.0)


def _real_part(z: np.ndarray) -> np.ndarray:
    r = np.real(z)
    far = np.abs(np.imag(z)) > 1e-6 * (1.0 + np.abs(r))
    return np.where(far, 0.0, r)


def _taylor_at(c: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Taylor coefficients p_k(x) = Σ_{d ≥ k} C(d, k) c_d x^{d−k} (k = 0 … deg) of each row of c
    at the points x (rows of c against rows of x, shape (K, P)), by repeated synthetic division
    (a Taylor shift by Horner's rule), and proven bounds of their rounding errors: the same
    recurrence on |c| and |x| gives Σ_{d ≥ k} C(d, k)|c_d||x|^{d−k}, and each p_k is within
    γ_12 of that of the exact value (≤ 2·deg ≤ 8 roundings on every path; Higham §5.1)."""
    deg = c.shape[1] - 1
    val = [np.broadcast_to(c[:, d][:, None], x.shape).copy() for d in range(deg + 1)]
    mag = [np.broadcast_to(np.abs(c[:, d])[:, None], x.shape).copy() for d in range(deg + 1)]
    ax = np.abs(x)
    for k in range(deg):
        for j in range(deg - 1, k - 1, -1):
            val[j] += x * val[j + 1]
            mag[j] += ax * mag[j + 1]
    return np.stack(val), gamma(12) * np.stack(mag) * (1 + gamma(12))


def _side(p: np.ndarray, a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """max over ε ∈ [0, w] of p ε + a ε² (elementwise, w ≥ 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        v = -p / (2 * a)
        inside = (a < 0) & (v > 0) & (v < w)
        top = np.where(inside, -p * p / (4 * a), 0.0)
    return np.maximum(np.where(inside, top, 0.0), p * w + a * w * w)


def _window_bounds(c: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Proven upper bounds of max_{t ∈ [x, y]} Σ_d c_d t^d (exact, real t) for every window
    (row i of c with windows x[i, :], y[i, :]), and the computed values at x.

    Taylor at a window end z with |δ| ≤ w: p(z + δ) = Σ p_k δ^k exactly (degree ≤ 4), and with
    the proven errors e_k, p(z + δ) ≤ (p₀ + e₀) + p₁δ + e₁|δ| + a δ², a = p₂ + e₂ + (|p₃| + e₃)w
    + max(p₄ + e₄, 0)w²: a quadratic majorant, maximised in closed form on [0, w] from x and on
    [−w, 0] from y; the smaller of the two bounds is kept. Tight at a stationary point (p₁ ≈ 0,
    a < 0) and at the higher end of a monotone window. Every bound is raised by γ_16 times the
    magnitude of its terms (its own rounding) and by 2⁻¹⁰⁰⁰ (underflow).
    """
    deg = c.shape[1] - 1
    w = (y - x) * (1 + 2 * _U)
    out = []
    vx = None
    for z, sgn in ((x, 1.0), (y, -1.0)):
        v, e = _taylor_at(c, z)
        if vx is None:
            vx = v[0]
        pk = [v[k] if k <= deg else np.zeros_like(z) for k in range(5)]
        ek = [e[k] if k <= deg else np.zeros_like(z) for k in range(5)]
        a = pk[2] + ek[2] + (np.abs(pk[3]) + ek[3]) * w + np.maximum(pk[4] + ek[4], 0.0) * w * w
        slope = sgn * pk[1] + ek[1]
        s = _side(slope, a, w)
        # magnitudes of every term (a itself may cancel: its terms, not |a|, bound its rounding)
        amag = np.abs(pk[2]) + ek[2] + (np.abs(pk[3]) + ek[3]) * w + np.abs(pk[4] + ek[4]) * w * w
        mag = np.abs(pk[0]) + ek[0] + (np.abs(pk[1]) + ek[1]) * w + amag * w * w + np.abs(s)
        out.append(pk[0] + ek[0] + s + gamma(16) * mag + 2.0**-1000)
    assert vx is not None
    return np.minimum(out[0], out[1]), vx


def maximise_piecewise(
    breakpoints: Any, coeffs: Any, *, prune_tol: float = 0.0
) -> PiecewiseMaximum:
    """Maximum of a piecewise polynomial (degree ≤ 4) on [breakpoints[0], breakpoints[-1]]
    (piece i on [breakpoints[i], breakpoints[i+1]]); see :func:`maximise_pieces`."""
    bps = np.asarray(breakpoints, dtype=np.float64)
    c = np.atleast_2d(np.asarray(coeffs, dtype=np.float64))
    if bps.ndim != 1 or bps.size != c.shape[0] + 1:
        raise InputError(f"{bps.size} breakpoints for {c.shape[0]} pieces: need pieces + 1")
    if not np.all(np.isfinite(bps)) or np.any(np.diff(bps) < 0):
        raise InputError("breakpoints must be finite and non-decreasing")
    return maximise_pieces(bps[:-1], bps[1:], c, prune_tol=prune_tol)


def maximise_pieces(
    lo: Any, hi: Any, coeffs: Any, *, prune_tol: float = 0.0, max_rounds: int = 40
) -> PiecewiseMaximum:
    """Maximum over pieces Σ_d coeffs[i, d] t^d on [lo[i], hi[i]] (degree ≤ 4, t real), with a
    proven enclosure: the coefficients and ends are taken as the exact rationals they store.

    Every piece of width h gets a cheap proven upper bound, max(p(lo), p(hi)) + M h²/8 with
    M = Σ_d d(d−1)|c_d| r^{d−2} ≥ |p''| (r = max(|lo|, |hi|); the gap between a C² function and
    its chord), each evaluation raised by its rounding bound γ_10·Σ_d |c_d| r^d. Pieces whose
    bound is ≤ (best value + ``prune_tol``) are pruned; the others are cut at the real roots of
    p' found in floating point (closed form, vectorised) into windows, each bounded by
    :func:`_window_bounds` (proven whether or not the roots are accurate); a window whose bound
    still exceeds the best value by more than max(``prune_tol``, 64u·max(1, |best|), 4× the
    evaluation error) is bisected, at most ``max_rounds`` times (and while the windows number
    ≤ 64 per piece + 4096). ``upper`` is the largest bound, ``lower`` the best value minus
    its rounding bound.
    """
    t0 = np.asarray(lo, dtype=np.float64)
    t1 = np.asarray(hi, dtype=np.float64)
    c = np.atleast_2d(np.asarray(coeffs, dtype=np.float64))
    deg = c.shape[1] - 1
    if deg > 4:
        raise InputError(f"maximise_pieces handles degree ≤ 4, got degree {deg}")
    if t0.shape != (c.shape[0],) or t1.shape != t0.shape or c.shape[0] == 0:
        raise InputError(f"{t0.size} piece starts, {t1.size} ends for {c.shape[0]} pieces")
    if not (np.all(np.isfinite(t0)) and np.all(np.isfinite(t1))) or np.any(t1 < t0):
        raise InputError("piece ends must be finite with lo ≤ hi")
    if not np.all(np.isfinite(c)):
        raise InputError("piece coefficients must be finite")
    if not (prune_tol >= 0 or prune_tol == -np.inf):
        raise InputError(f"prune_tol = {prune_tol!r} must be ≥ 0 (or -inf: examine every piece)")
    h = (t1 - t0) * (1 + 2 * _U)
    r = np.maximum(np.abs(t0), np.abs(t1))
    ac = np.abs(c)
    v0 = _horner(c, t0)
    v1 = _horner(c, t1)
    ev = gamma(10) * _horner(ac, r) * (1 + gamma(10))
    curv = np.zeros_like(h)
    for d in range(2, deg + 1):
        curv += d * (d - 1) * ac[:, d] * r ** (d - 2)
    top = np.maximum(v0, v1) + ev
    bump = curv * (1 + gamma(8)) * h * h / 8
    upper = top + bump + gamma(4) * (np.abs(top) + bump) + 2.0**-1000
    i0, i1 = int(np.argmax(v0)), int(np.argmax(v1))
    if v0[i0] >= v1[i1]:
        best, best_t, i_best, best_err = float(v0[i0]), float(t0[i0]), i0, float(ev[i0])
    else:
        best, best_t, i_best, best_err = float(v1[i1]), float(t1[i1]), i1, float(ev[i1])
    cand = np.flatnonzero((upper > best + prune_tol) & (h > 0))
    up_cand = -np.inf
    n_windows = 0
    if cand.size:
        cc = c[cand]
        q = _taylor_shift(cc, t0[cand], t1[cand] - t0[cand])
        s = _stationary_points(q)
        ts = np.clip(t0[cand, None] + (t1 - t0)[cand, None] * s, t0[cand, None], t1[cand, None])
        pts = np.sort(np.concatenate([t0[cand, None], ts, t1[cand, None]], axis=1), axis=1)
        vals = _horner(cc, pts) if pts.size else pts
        evp = gamma(10) * _horner(np.abs(cc), np.abs(pts)) * (1 + gamma(10))
        j, k = np.unravel_index(int(np.argmax(vals)), vals.shape)
        if vals[j, k] > best:
            best, best_t, i_best = float(vals[j, k]), float(pts[j, k]), int(cand[j])
            best_err = float(evp[j, k])
        # windows between consecutive points, bisected where their bound is not yet tight
        rows = np.repeat(np.arange(cand.size), pts.shape[1] - 1)
        x, y = pts[:, :-1].ravel(), pts[:, 1:].ravel()
        resolve = max(prune_tol, 64 * _U * max(1.0, abs(best)), 4 * float(evp.max()))
        cap = 64 * cand.size + 4096  # windows per round
        bounds: list[np.ndarray] = []
        for _ in range(max_rounds + 1):
            b, vx = _window_bounds(cc[rows], x[:, None], y[:, None])
            b, vx = b[:, 0], vx[:, 0]
            n_windows += b.size
            i = int(np.argmax(vx))
            if vx[i] > best:
                best, best_t, i_best = float(vx[i]), float(x[i]), int(cand[rows[i]])
                best_err = float(
                    gamma(10)
                    * _horner(np.abs(cc[rows[i]][None]), np.abs(x[i : i + 1]))[0]
                    * (1 + gamma(10))
                )
            split = (b > best + resolve) & (y - x > 0)
            mid = 0.5 * (x + y)
            split &= (mid > x) & (mid < y)
            if 2 * int(split.sum()) > cap:
                split[:] = False
            bounds.append(b[~split])
            if not split.any() or _ == max_rounds:
                bounds.append(b[split])
                break
            rows = np.repeat(rows[split], 2)
            x, y = (
                np.stack([x[split], mid[split]], 1).ravel(),
                np.stack([mid[split], y[split]], 1).ravel(),
            )
        up_cand = float(max(bb.max() for bb in bounds if bb.size))
    rest = np.ones(upper.shape, dtype=bool)
    rest[cand] = False
    up_rest = float(upper[rest].max()) if rest.any() else -np.inf
    top_all = max(up_cand, up_rest, best + best_err)
    return PiecewiseMaximum(
        best,
        best_t,
        i_best,
        float(np.nextafter(top_all, np.inf)),
        int(c.shape[0]),
        int(cand.size),
        float(np.nextafter(best - best_err, -np.inf)),
        n_windows,
    )


def _horner(c: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Σ_d c[i, d] t[i, …]^d, rows of c against the leading axis of t (Horner)."""
    tt = t if t.ndim > 1 else t
    cf = (lambda d: c[:, d][:, None]) if t.ndim > 1 else (lambda d: c[:, d])
    out = np.broadcast_to(cf(c.shape[1] - 1), tt.shape).copy()
    for d in range(c.shape[1] - 2, -1, -1):
        out *= tt
        out += cf(d)
    return out
