"""Certificates from evaluations of t ↦ E(γ(t)) on a grid: ``bounded`` or ``sampled``.

* :func:`certify_bounded` — samples plus a proven constant: a Lipschitz constant Λ gives
  max ≤ max_i E(t_i) + Λh/2, a smoothness constant M (|E''| ≤ M) gives max ≤ max_i E(t_i) +
  Mh²/8 (h the grid step), plus a proven bound on each evaluation's rounding; ``bounded`` only
  with that rounding bound, else ``sampled``.
* :func:`certify_sampled` — a grid and golden-section refinement of its largest local maxima:
  an estimate, never a proof.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar
from sublevel.numerics.tolerances import resolve_tolerances
from sublevel.theory.certificate import Certificate
from sublevel.theory.errors import InputError

__all__ = ["EnergyOfT", "certify_sampled", "certify_bounded", "sampled_scale", "sampled_outcome"]

EnergyOfT = Callable[[np.ndarray], np.ndarray]


def sampled_scale(bound: float, values: np.ndarray) -> float:
    """The size that ``sampled_rtol`` is relative to: max(1, |bound|, max |E| over the finite
    samples)."""
    finite = values[np.isfinite(values)]
    return max(1.0, abs(float(bound)), float(np.max(np.abs(finite))) if finite.size else 0.0)


def sampled_outcome(excess: float, scale: float, tol: dict[str, float]) -> str:
    """holds when the sampled excess over the bound is ≤ τ; inconclusive when it is within
    ``sampled_rtol``·scale of that; fails beyond."""
    if excess <= tol["tau"]:
        return "holds"
    if excess <= tol["tau"] + tol["sampled_rtol"] * scale:
        return "inconclusive"
    return "fails"


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
    tol = resolve_tolerances(tolerances)
    ts = np.linspace(0.0, 1.0, n_grid)
    es = np.asarray(energy_of_t(ts), dtype=np.float64)
    n_eval = n_grid
    if not np.all(np.isfinite(es)):
        bad = float(ts[np.flatnonzero(~np.isfinite(es))[0]])
        return Certificate(
            False,
            float("inf"),
            bad,
            float(bound),
            "sampled",
            tolerances=tol,
            n_evaluations=n_eval,
            label=label,
            promise=promise,
            details={"reason": f"non-finite energy at t = {bad:.6g}"},
            wall_time=time.perf_counter() - start,
        )
    best_i = int(np.argmax(es))
    best_t, best_e = float(ts[best_i]), float(es[best_i])
    if refine:
        interior = np.flatnonzero((es[1:-1] >= es[:-2]) & (es[1:-1] >= es[2:])) + 1
        for i in interior[np.argsort(es[interior])[::-1][:refine]]:
            res = minimize_scalar(
                lambda t: -float(energy_of_t(np.array([t]))[0]),
                bounds=(ts[i - 1], ts[i + 1]),
                method="bounded",
                options={"xatol": xtol},
            )
            n_eval += int(res.nfev)
            if -res.fun > best_e:
                best_e, best_t = float(-res.fun), float(res.x)
    outcome = sampled_outcome(best_e - float(bound), sampled_scale(bound, es), tol)
    return Certificate(
        outcome == "holds",
        best_e,
        best_t,
        float(bound),
        "sampled",
        tolerances=tol,
        n_evaluations=n_eval,
        label=label,
        promise=promise,
        outcome=outcome,
        holds_within=tol["tau"] if outcome == "holds" and best_e > bound else 0.0,
        details={"n_grid": n_grid, "refined_maxima": int(refine)},
        wall_time=time.perf_counter() - start,
    )


def certify_bounded(
    energy_of_t: EnergyOfT,
    bound: float,
    *,
    lipschitz: float | None = None,
    smoothness: float | None = None,
    evaluation_error: float | None = None,
    n_grid: int = 257,
    tolerances: dict[str, float] | None = None,
    label: str = "",
    promise: str = "",
) -> Certificate:
    """Upper bound from samples and a proven constant of t ↦ E(γ(t)) on [0, 1]:
    Λ (Lipschitz) gives max ≤ max_i E(t_i) + Λh/2; M (|E''| ≤ M) gives max ≤ max_i E(t_i) + Mh²/8.

    ``method="bounded"`` only when ``evaluation_error`` — a proven bound on the rounding of each
    evaluation E(t_i) — is given too (it is added to the bound); the constants themselves must
    be exact or rigorous (the caller's responsibility, recorded). Without ``evaluation_error``
    the result is labelled ``sampled``. Outcome: holds if the bound is ≤ bound + τ; fails if a
    sample minus its rounding exceeds it; inconclusive otherwise."""
    if lipschitz is None and smoothness is None:
        raise InputError("certify_bounded needs a lipschitz or a smoothness constant")
    for name, c in (
        ("lipschitz", lipschitz),
        ("smoothness", smoothness),
        ("evaluation_error", evaluation_error),
    ):
        if c is not None and not (np.isfinite(c) and c >= 0):
            raise InputError(f"{name} constant {c!r} must be finite and ≥ 0")
    if n_grid < 2:
        raise InputError(f"n_grid = {n_grid}: need at least 2 points")
    start = time.perf_counter()
    tol = resolve_tolerances(tolerances)
    ts = np.linspace(0.0, 1.0, n_grid)
    es = np.asarray(energy_of_t(ts), dtype=np.float64)
    h = 1.0 / (n_grid - 1)
    gaps = []
    if lipschitz is not None:
        gaps.append(lipschitz * h / 2)
    if smoothness is not None:
        gaps.append(smoothness * h * h / 8)
    gap = min(gaps)
    err = 0.0 if evaluation_error is None else float(evaluation_error)
    i = int(np.argmax(es))
    finite = bool(np.all(np.isfinite(es)))
    # upward rounding of the float sums keeps the bound an upper bound
    upper = float(np.nextafter(np.nextafter(float(es[i]) + gap, np.inf) + err, np.inf))
    lower = float(np.nextafter(float(es[i]) - err, -np.inf))
    if not finite:
        outcome = "inconclusive"
    elif upper <= bound + tol["tau"]:
        outcome = "holds"
    elif lower > bound + tol["tau"] and evaluation_error is not None:
        outcome = "fails"
    else:
        outcome = "inconclusive"
    method = "bounded" if evaluation_error is not None else "sampled"
    details: dict[str, Any] = {
        "n_grid": n_grid,
        "sampled_max": float(es[i]),
        "gap": gap,
        "lipschitz": lipschitz,
        "smoothness": smoothness,
        "evaluation_error": evaluation_error,
    }
    if evaluation_error is None:
        details["reason"] = "the evaluations' rounding is not enclosed (no evaluation_error)"
    return Certificate(
        outcome == "holds",
        upper,
        float(ts[i]),
        float(bound),
        method,
        tolerances=tol,
        n_evaluations=n_grid,
        label=label,
        promise=promise,
        outcome=outcome,
        max_energy_enclosure=(lower, upper) if finite else None,
        holds_within=tol["tau"] if outcome == "holds" and upper > bound else 0.0,
        details=details,
        wall_time=time.perf_counter() - start,
    )
