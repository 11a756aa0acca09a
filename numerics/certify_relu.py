"""ReLU segment certificate: the energy of a two-layer ReLU network along a straight segment.

The landscape provides ``energy_pieces(a, b)`` (:class:`numerics.energies.relu.TwoLayerReLU`):
the energy is piecewise quartic in t, with breakpoints where a pre-activation changes sign;
each piece is maximised in closed form, vectorised over pieces (issue 5).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from numerics.certify import (
    PathCertificate,
    _tolerances,
    bound_slack,
    certify_piece,
    certify_promise,
)
from numerics.paths.base import (
    CONSTANT,
    LE_BOUND,
    LE_MAX_ENDPOINTS,
    NO_PROMISE,
    NON_INCREASING,
    Path,
    Piece,
    Segment,
)
from theory.certificate import Certificate, combine
from theory.errors import InputError

__all__ = [
    "PiecewiseMaximum",
    "maximise_piecewise",
    "maximise_pieces",
    "certify_relu_segment",
    "certify_relu_promise",
    "certify_relu_path",
]


@dataclass
class PiecewiseMaximum:
    """max_t p(t) of a piecewise polynomial: the value attained (``value`` at ``argmax_t`` in
    piece ``piece``) and ``upper``, a bound on every piece (≥ value; chord-plus-curvature
    bounds on the pieces not maximised in closed form)."""

    value: float
    argmax_t: float
    piece: int
    upper: float
    n_pieces: int
    n_candidates: int


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


def maximise_piecewise(breakpoints: Any, coeffs: Any, *, prune_tol: float = 0.0) -> PiecewiseMaximum:
    """Maximum of a piecewise polynomial (degree ≤ 4) on [breakpoints[0], breakpoints[-1]]
    (piece i on [breakpoints[i], breakpoints[i+1]]); see :func:`maximise_pieces`."""
    bps = np.asarray(breakpoints, dtype=np.float64)
    c = np.atleast_2d(np.asarray(coeffs, dtype=np.float64))
    if bps.ndim != 1 or bps.size != c.shape[0] + 1:
        raise InputError(f"{bps.size} breakpoints for {c.shape[0]} pieces: need pieces + 1")
    if not np.all(np.isfinite(bps)) or np.any(np.diff(bps) < 0):
        raise InputError("breakpoints must be finite and non-decreasing")
    return maximise_pieces(bps[:-1], bps[1:], c, prune_tol=prune_tol)


def maximise_pieces(lo: Any, hi: Any, coeffs: Any, *, prune_tol: float = 0.0) -> PiecewiseMaximum:
    """Maximum over pieces Σ_d coeffs[i, d] t^d on [lo[i], hi[i]] (degree ≤ 4, global t).

    Every piece of width h gets a cheap upper bound, max(p(lo), p(hi)) + M h²/8 with
    M = Σ_d d(d−1)|c_d| ≥ |p''| on [0, 1] (the gap between a C² function and its chord); its end
    values are attained. Pieces whose bound is ≤ (best attained value + ``prune_tol``) are
    pruned; the others are maximised in closed form (endpoints and the real roots of p' in the
    piece). Vectorised over pieces.
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
    h = t1 - t0
    v0 = _horner(c, t0)
    v1 = _horner(c, t1)
    curv = np.zeros_like(h)
    for d in range(2, deg + 1):
        curv += d * (d - 1) * np.abs(c[:, d])
    upper = np.maximum(v0, v1) + curv * h * h / 8
    i0, i1 = int(np.argmax(v0)), int(np.argmax(v1))
    if v0[i0] >= v1[i1]:
        best, best_t, i_best = float(v0[i0]), float(t0[i0]), i0
    else:
        best, best_t, i_best = float(v1[i1]), float(t1[i1]), i1
    cand = np.flatnonzero((upper > best + prune_tol) & (h > 0))
    if cand.size:
        q = _taylor_shift(c[cand], t0[cand], h[cand])
        s = _stationary_points(q)
        vals = _polyval(q, s)
        j, r = np.unravel_index(int(np.argmax(vals)), vals.shape)
        if vals[j, r] > best:
            best = float(vals[j, r])
            i_best = int(cand[j])
            best_t = float(t0[i_best] + h[i_best] * s[j, r])
    rest = np.ones(upper.shape, dtype=bool)
    rest[cand] = False
    up = max(best, float(upper[rest].max()) if rest.any() else best)
    return PiecewiseMaximum(best, best_t, i_best, up, int(c.shape[0]), int(cand.size))


def _horner(c: np.ndarray, t: np.ndarray) -> np.ndarray:
    out = c[:, -1].copy()
    for d in range(c.shape[1] - 2, -1, -1):
        out *= t
        out += c[:, d]
    return out


def _segment_point(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    return a + t * (b - a)


def certify_relu_segment(landscape: Any, a: Any, b: Any, bound: float, *,
                         tolerances: dict[str, float] | None = None, label: str = "",
                         promise: str = "", offset: float = 0.0, sign: float = 1.0,
                         quantity: str = "energy") -> Certificate:
    """Exact certificate of ``sign·(E(t) − offset) ≤ bound`` on the segment a → b.

    E is the piecewise quartic with a breakpoint wherever a pre-activation (or, with ℓ1, an
    output weight) changes sign. For the energy itself (``sign = 1``, ``offset = 0``) the
    landscape's ``energy_candidates`` prunes first: [0, 1] is cut into cells, the energy at every
    cell end is exact, cells whose rigorous Lipschitz bound cannot beat the best end value are
    bounded (``details["upper_bound"]``), and only the pieces of the other cells are sorted and
    maximised. Otherwise every piece of ``energy_pieces`` is examined (cheap chord bound, then
    closed form: endpoints and the roots of E'). ``method="exact"``: the decision is about the
    exact piecewise polynomial, up to the floating-point error estimate in
    ``details["fp_error"]`` (the larger of the sweep's first-order model and 4× the discrepancy
    measured a posteriori against the maximum's piece recomputed from scratch and against the
    energy evaluated directly at the argmax).
    """
    if not hasattr(landscape, "energy_pieces"):
        raise InputError(f"{type(landscape).__name__} has no energy_pieces(a, b): use certify_piece")
    if not np.isfinite(bound):
        raise InputError(f"bound {bound!r} is not finite")
    start = time.perf_counter()
    tol = _tolerances(tolerances)
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    pruned = sign == 1.0 and offset == 0.0 and hasattr(landscape, "energy_candidates")
    if pruned:  # cells that cannot hold the maximum are bounded, not sorted (issue 5)
        pr = landscape.energy_candidates(a, b)
        value, argmax, upper = pr.best, pr.best_t, max(pr.upper_rest, pr.best)
        probe_pieces, closed_form = [], 0
        if pr.lo.size:  # (no surviving piece: E is constant, every cell end attains it)
            res = maximise_pieces(pr.lo, pr.hi, pr.coeffs, prune_tol=pr.fp_error)
            if res.value >= value:
                value, argmax = res.value, res.argmax_t
            upper = max(res.upper, upper, value)
            probe_pieces = [(pr.lo[res.piece], pr.hi[res.piece], pr.coeffs[res.piece])]
            closed_form = res.n_candidates
        model_error, info, src = pr.fp_error, pr.details, pr
    else:
        pq = landscape.energy_pieces(a, b)
        coeffs = sign * pq.coeffs
        coeffs[:, 0] -= sign * offset
        res = maximise_piecewise(pq.breakpoints, coeffs, prune_tol=pq.fp_error)
        value, argmax, upper = res.value, res.argmax_t, res.upper
        probe_pieces = [(pq.breakpoints[i], pq.breakpoints[i + 1], pq.coeffs[i])
                        for i in {res.piece, pq.n_pieces - 1}]
        model_error, info, src, closed_form = pq.fp_error, pq.details, pq, res.n_candidates
    # a posteriori rounding check: recompute the maximum's piece (and, without pruning, the last
    # piece, which accumulated the most) from scratch, and evaluate E directly at the argmax
    drift = 0.0
    for lo, hi, c in probe_pieces:  # pieces between (numerically) tied breakpoints carry no information
        if hi - lo > 1e-9:
            mid = 0.5 * (lo + hi)
            fresh = (src.recompute(mid) if src.recompute is not None
                     else landscape.recompute_piece(a, b, mid))
            drift = max(drift, float(np.abs(fresh - c).sum()))
    direct = (float(src.energy_at(argmax)) if src.energy_at is not None
              else float(landscape.energy(_segment_point(a, b, argmax))))
    from_poly = sign * (direct - offset)
    fp_error = max(model_error, 4 * drift, 4 * abs(from_poly - value))
    slack = bound_slack(bound, tol)
    holds = value <= bound + slack
    margin = float(bound) - value
    return Certificate(
        holds, value, argmax, float(bound), "exact", margin=margin,
        tolerances=dict(tol, slack=slack), n_evaluations=1, label=label, promise=promise,
        wall_time=time.perf_counter() - start,
        details={
            "quantity": quantity,
            "pieces": info.get("pieces", 0),
            "events": info.get("events", 0),
            "closed_form_pieces": closed_form,
            "pruned_cells": (info["cells"] - info["candidate_cells"]) if pruned else 0,
            "upper_bound": upper,
            "fp_error": fp_error,
            "fp_error_model": model_error,
            "coefficient_drift": drift,
            "direct_energy_at_argmax": direct,
            "within_rounding": bool(abs(margin + slack) <= fp_error),
        },
    )


def _endpoint_energy(landscape: Any, theta: np.ndarray) -> float:
    return float(landscape.energy(theta))


def _relu_segments(piece: Piece) -> list[tuple[np.ndarray, np.ndarray]] | None:
    from numerics.paths.base import Polygonal

    if isinstance(piece, Segment):
        return [(piece.a, piece.b)]
    if isinstance(piece, Polygonal):
        return list(zip(piece.beads[:-1], piece.beads[1:]))
    return None


def certify_relu_promise(landscape: Any, piece: Piece, *,
                         tolerances: dict[str, float] | None = None) -> Certificate | None:
    """Exact certificate of a straight (or polygonal) piece's own promise on a ReLU landscape:
    ≤ max of endpoints, non-increasing (max of E' ≤ slack, closed form on each piece of the
    derivative), or constant energy (|E − E(start)| ≤ constant·max(1, |E(start)|)).
    None for ≤ bound / no promise; falls back to :func:`certify_promise` for curved pieces."""
    if piece.promise in (NO_PROMISE, LE_BOUND):
        return None
    segs = _relu_segments(piece)
    if segs is None:
        return certify_promise(landscape, piece, tolerances=tolerances)
    tol = _tolerances(tolerances)
    label = f"{piece.label} [{piece.promise}]"
    e_start = _endpoint_energy(landscape, segs[0][0])
    certs: list[Certificate] = []
    if piece.promise == LE_MAX_ENDPOINTS:
        bound = max(e_start, _endpoint_energy(landscape, segs[-1][1]))
        certs = [certify_relu_segment(landscape, a, b, bound, tolerances=tol, label=label,
                                      promise=piece.promise) for a, b in segs]
    elif piece.promise == CONSTANT:
        c = tol["constant"] * max(1.0, abs(e_start))
        for a, b in segs:
            for sgn in (1.0, -1.0):
                certs.append(certify_relu_segment(
                    landscape, a, b, c, tolerances=dict(tol, absolute=0.0, relative=0.0),
                    label=label, promise=piece.promise, offset=e_start, sign=sgn,
                    quantity="±(E − E(start))"))
    elif piece.promise == NON_INCREASING:
        for a, b in segs:
            start = time.perf_counter()
            pq = landscape.energy_pieces(a, b)
            d = pq.coeffs[:, 1:] * np.arange(1, 5)[None, :]
            res = maximise_piecewise(pq.breakpoints, d, prune_tol=0.0)
            slack = bound_slack(e_start, tol) + 4 * pq.fp_error
            certs.append(Certificate(
                res.value <= slack, res.value, res.argmax_t, 0.0, "exact",
                tolerances=dict(tol, slack=slack), label=label, promise=piece.promise,
                wall_time=time.perf_counter() - start,
                details={"quantity": "dE/dt", "pieces": pq.n_pieces, "fp_error": pq.fp_error}))
    else:
        raise InputError(f"unknown promise {piece.promise!r}")
    out = combine(certs, label=label) if len(certs) > 1 else certs[0]
    out.promise = piece.promise
    return out


def certify_relu_path(landscape: Any, path: Path, bound: float, *, check_promises: bool = True,
                      tolerances: dict[str, float] | None = None, **options: Any) -> PathCertificate:
    """Certify E ≤ bound on every piece of ``path`` for a landscape with ``energy_pieces``:
    straight and polygonal pieces exactly (segment by segment, closed form); any other piece
    falls back to :func:`certify_piece` (bounded or sampled, as its certificate says)."""
    if not np.isfinite(bound):
        raise InputError(f"bound {bound!r} is not finite")
    pieces: list[Certificate] = []
    promises: list[Certificate] = []
    for piece in path.pieces:
        segs = _relu_segments(piece)
        if segs is None:
            pieces.append(certify_piece(landscape, piece, bound, tolerances=tolerances, **options))
        else:
            certs = [certify_relu_segment(landscape, a, b, bound, tolerances=tolerances,
                                          label=piece.label, promise=piece.promise)
                     for a, b in segs]
            if len(certs) == 1:
                pieces.append(certs[0])
            else:
                whole = combine(certs, label=piece.label)
                whole.promise = piece.promise
                pieces.append(whole)
        if check_promises:
            cp = certify_relu_promise(landscape, piece, tolerances=tolerances)
            if cp is not None:
                promises.append(cp)
    return PathCertificate(pieces, promises)
