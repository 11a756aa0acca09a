"""Certify E(γ(t)) ≤ b along a path: exact | bounded | sampled → Certificate.

* **exact** — when the landscape can give the energy along a straight segment as a
  (piecewise) polynomial in t (``landscape.energy_polynomial(a, b)``), the decision is made by
  :func:`theory.exact.certify_polynomial` (rational arithmetic, real-root isolation);
* **bounded** — given a Lipschitz constant Λ of t ↦ E(γ(t)) (max ≤ max over grid + Λh/2) or a
  smoothness constant M = sup|d²E/dt²| (max ≤ max over grid + Mh²/8), the bound is rigorous;
* **sampled** — a grid plus golden-section refinement around the largest samples: a good
  estimate, never a proof (``Certificate.is_proof`` is False).

Each piece is also checked against its own *promise* (constant energy, non-increasing,
≤ max of its endpoints), so a failure names the proof step that broke.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar

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
from theory.exact import certify_piecewise_polynomial, certify_polynomial

__all__ = [
    "energy_along",
    "certify_sampled",
    "certify_bounded",
    "certify_exact",
    "certify_piece",
    "certify_promise",
    "certify_path",
    "PathCertificate",
    "DEFAULT_TOLERANCES",
]

#: named tolerances; every certificate records the ones it used
DEFAULT_TOLERANCES = {
    "absolute": 1e-10,  # slack on E ≤ bound, in energy units
    "relative": 1e-10,  # slack relative to max(1, |bound|)
    "constant": 1e-10,  # |E(t) − E(0)| ≤ constant·max(1, |E(0)|) on "constant energy" pieces
}

EnergyOfT = Callable[[np.ndarray], np.ndarray]


def energy_along(landscape: Any, piece: Piece) -> EnergyOfT:
    """t ↦ E(γ(t)) for a batch of local times, using ``energies`` when the landscape has it."""
    if hasattr(landscape, "energies"):
        return lambda ts: np.asarray(landscape.energies(piece.points(ts)), dtype=np.float64)
    return lambda ts: np.array([landscape.energy(p) for p in piece.points(ts)], dtype=np.float64)


def _slack(bound: float, tol: dict[str, float]) -> float:
    return tol["absolute"] + tol["relative"] * max(1.0, abs(bound))


def _tolerances(tolerances: dict[str, float] | None) -> dict[str, float]:
    tol = dict(DEFAULT_TOLERANCES)
    for key, value in (tolerances or {}).items():
        if key not in tol:
            raise InputError(f"unknown tolerance {key!r}; known: {', '.join(tol)}")
        if not (value >= 0 and np.isfinite(value)):
            raise InputError(f"tolerance {key}={value!r} must be finite and ≥ 0")
        tol[key] = float(value)
    return tol


def certify_sampled(
    energy_of_t: EnergyOfT,
    bound: float,
    *,
    n_grid: int = 101,
    refine: int = 3,
    xtol: float = 1e-10,
    tolerances: dict[str, float] | None = None,
    label: str = "",
    promise: str = "",
) -> Certificate:
    """Grid of ``n_grid`` points, then golden-section refinement around the ``refine`` largest
    local maxima. ``method="sampled"``: an estimate of the maximum, never a proof."""
    if n_grid < 2:
        raise InputError(f"n_grid = {n_grid}: need at least 2 points")
    start = time.perf_counter()
    tol = _tolerances(tolerances)
    ts = np.linspace(0.0, 1.0, n_grid)
    es = np.asarray(energy_of_t(ts), dtype=np.float64)
    n_eval = n_grid
    if not np.all(np.isfinite(es)):
        bad = float(ts[np.flatnonzero(~np.isfinite(es))[0]])
        return Certificate(False, float("inf"), bad, float(bound), "sampled",
                           tolerances=tol, n_evaluations=n_eval, label=label, promise=promise,
                           details={"reason": f"non-finite energy at t = {bad:.6g}"},
                           wall_time=time.perf_counter() - start)
    best_i = int(np.argmax(es))
    best_t, best_e = float(ts[best_i]), float(es[best_i])
    if refine:
        interior = np.flatnonzero((es[1:-1] >= es[:-2]) & (es[1:-1] >= es[2:])) + 1
        for i in interior[np.argsort(es[interior])[::-1][:refine]]:
            res = minimize_scalar(lambda t: -float(energy_of_t(np.array([t]))[0]),
                                  bounds=(ts[i - 1], ts[i + 1]), method="bounded",
                                  options={"xatol": xtol})
            n_eval += int(res.nfev)
            if -res.fun > best_e:
                best_e, best_t = float(-res.fun), float(res.x)
    holds = best_e <= bound + _slack(bound, tol)
    return Certificate(holds, best_e, best_t, float(bound), "sampled", tolerances=tol,
                       n_evaluations=n_eval, label=label, promise=promise,
                       details={"n_grid": n_grid, "refined_maxima": int(refine)},
                       wall_time=time.perf_counter() - start)


def certify_bounded(
    energy_of_t: EnergyOfT,
    bound: float,
    *,
    lipschitz: float | None = None,
    smoothness: float | None = None,
    n_grid: int = 257,
    tolerances: dict[str, float] | None = None,
    label: str = "",
    promise: str = "",
) -> Certificate:
    """Rigorous upper bound from samples and a constant of t ↦ E(γ(t)) on [0, 1]:
    Λ (Lipschitz) gives max ≤ max_i E(t_i) + Λh/2; M (|E''| ≤ M) gives max ≤ max_i E(t_i) + Mh²/8."""
    if lipschitz is None and smoothness is None:
        raise InputError("certify_bounded needs a lipschitz or a smoothness constant")
    for name, c in (("lipschitz", lipschitz), ("smoothness", smoothness)):
        if c is not None and not (np.isfinite(c) and c >= 0):
            raise InputError(f"{name} constant {c!r} must be finite and ≥ 0")
    start = time.perf_counter()
    tol = _tolerances(tolerances)
    ts = np.linspace(0.0, 1.0, n_grid)
    es = np.asarray(energy_of_t(ts), dtype=np.float64)
    h = 1.0 / (n_grid - 1)
    slacks = []
    if lipschitz is not None:
        slacks.append(lipschitz * h / 2)
    if smoothness is not None:
        slacks.append(smoothness * h * h / 8)
    gap = min(slacks)
    i = int(np.argmax(es))
    upper = float(es[i]) + gap
    holds = bool(np.all(np.isfinite(es))) and upper <= bound + _slack(bound, tol)
    return Certificate(holds, upper, float(ts[i]), float(bound), "bounded", tolerances=tol,
                       n_evaluations=n_grid, label=label, promise=promise,
                       details={"n_grid": n_grid, "sampled_max": float(es[i]), "gap": gap,
                                "lipschitz": lipschitz, "smoothness": smoothness},
                       wall_time=time.perf_counter() - start)


def certify_exact(polynomial: Any, bound: float, *, tolerances: dict[str, float] | None = None,
                  label: str = "", promise: str = "") -> Certificate:
    """Exact certificate of a polynomial (coefficients, increasing degree) or a piecewise one
    given as ``(breakpoints, pieces)`` on [0, 1]."""
    tol = _tolerances(tolerances)
    slack = _slack(bound, tol)
    if isinstance(polynomial, tuple) and len(polynomial) == 2:
        breakpoints, pieces = polynomial
        cert = certify_piecewise_polynomial(breakpoints, pieces, bound, tolerance=slack,
                                            label=label, promise=promise)
    else:
        cert = certify_polynomial(list(np.asarray(polynomial, dtype=np.float64)), bound,
                                  tolerance=slack, label=label, promise=promise)
    cert.tolerances = dict(tol, slack=slack)
    return cert


def _polynomial_of(landscape: Any, piece: Piece) -> Any | None:
    if isinstance(piece, Segment) and hasattr(landscape, "energy_polynomial"):
        return landscape.energy_polynomial(piece.a, piece.b)
    return None


def certify_piece(landscape: Any, piece: Piece, bound: float, *, method: str = "auto",
                  tolerances: dict[str, float] | None = None, **options: Any) -> Certificate:
    """E ≤ bound on one piece, with the best method the landscape supports (``auto``), or the
    one asked for (``exact``, ``bounded`` with ``lipschitz=``/``smoothness=``, ``sampled``)."""
    if method not in ("auto", "exact", "bounded", "sampled"):
        raise InputError(f"method {method!r} is not one of auto, exact, bounded, sampled")
    kw = {"tolerances": tolerances, "label": piece.label, "promise": piece.promise}
    if method in ("auto", "exact"):
        poly = _polynomial_of(landscape, piece)
        if poly is not None:
            return certify_exact(poly, bound, **kw)
        if method == "exact":
            raise InputError(f"piece {piece.label!r}: the landscape gives no polynomial energy")
    if method == "bounded" or (method == "auto" and ("lipschitz" in options or "smoothness" in options)):
        return certify_bounded(energy_along(landscape, piece), bound, **kw, **options)
    return certify_sampled(energy_along(landscape, piece), bound, **kw, **options)


def certify_promise(landscape: Any, piece: Piece, *, method: str = "auto",
                    tolerances: dict[str, float] | None = None, **options: Any) -> Certificate | None:
    """Certificate of the piece's own promise (None for ≤ bound / no promise).

    constant energy: E(t) − E(0) ≤ c and E(0) − E(t) ≤ c, c = constant·max(1, |E(0)|);
    non-increasing: E'(t) ≤ slack (exact when polynomial, else consecutive samples);
    ≤ max of endpoints: E(t) ≤ max(E(0), E(1)).
    """
    tol = _tolerances(tolerances)
    if piece.promise in (NO_PROMISE, LE_BOUND):
        return None
    f = energy_along(landscape, piece)
    e0, e1 = (float(v) for v in f(np.array([0.0, 1.0])))
    poly = _polynomial_of(landscape, piece) if method in ("auto", "exact") else None
    label = f"{piece.label} [{piece.promise}]"
    if piece.promise == LE_MAX_ENDPOINTS:
        return certify_piece(landscape, piece, max(e0, e1), method=method, tolerances=tol, **options)
    if piece.promise == CONSTANT:
        c = tol["constant"] * max(1.0, abs(e0))
        if poly is not None and not isinstance(poly, tuple):
            p = np.asarray(poly, dtype=np.float64)
            dev = p.copy()
            dev[0] = 0.0
            up = certify_exact(dev, c, tolerances=tol, label=label, promise=piece.promise)
            down = certify_exact(-dev, c, tolerances=tol, label=label, promise=piece.promise)
            out = combine([up, down], label=label)
            out.details["deviation_bound"] = c
            return out
        ts = np.linspace(0.0, 1.0, int(options.get("n_grid", 101)))
        es = f(ts)
        dev = float(np.max(np.abs(es - e0)))
        return Certificate(dev <= c, float(np.max(es)), float(ts[np.argmax(np.abs(es - e0))]),
                           e0 + c, "sampled", tolerances=tol, n_evaluations=ts.size, label=label,
                           promise=piece.promise, details={"max_deviation": dev, "allowed": c})
    if piece.promise == NON_INCREASING:
        if poly is not None and not isinstance(poly, tuple):
            p = np.polynomial.polynomial.polyder(np.asarray(poly, dtype=np.float64))
            if p.size == 0:
                p = np.zeros(1)
            cert = certify_exact(p, 0.0, tolerances=tol, label=label, promise=piece.promise)
            cert.details["quantity"] = "dE/dt"
            return cert
        ts = np.linspace(0.0, 1.0, int(options.get("n_grid", 101)))
        es = f(ts)
        rise = float(np.max(np.diff(es))) if es.size > 1 else 0.0
        slack = _slack(e0, tol)
        return Certificate(rise <= slack, rise, float(ts[int(np.argmax(np.diff(es)))]), 0.0,
                           "sampled", tolerances=tol, n_evaluations=ts.size, label=label,
                           promise=piece.promise, details={"quantity": "largest rise between samples"})
    raise InputError(f"unknown promise {piece.promise!r}")


@dataclass
class PathCertificate:
    """Certificates of a whole path: one per piece against the path's bound, one per promise."""

    pieces: list[Certificate]
    promises: list[Certificate] = field(default_factory=list)

    @property
    def overall(self) -> Certificate:
        return combine(self.pieces + self.promises, label="path")

    @property
    def holds(self) -> bool:
        return all(c.holds for c in self.pieces + self.promises)

    @property
    def all(self) -> list[Certificate]:
        return self.pieces + self.promises


def certify_path(landscape: Any, path: Path, bound: float, *, method: str = "auto",
                 check_promises: bool = True, tolerances: dict[str, float] | None = None,
                 **options: Any) -> PathCertificate:
    """Certify E ≤ bound on every piece of ``path`` and, optionally, every piece's promise."""
    if not np.isfinite(bound):
        raise InputError(f"bound {bound!r} is not finite")
    pieces = [certify_piece(landscape, p, bound, method=method, tolerances=tolerances, **options)
              for p in path.pieces]
    promises = []
    if check_promises:
        for p in path.pieces:
            c = certify_promise(landscape, p, method=method, tolerances=tolerances, **options)
            if c is not None:
                promises.append(c)
    return PathCertificate(pieces, promises)
