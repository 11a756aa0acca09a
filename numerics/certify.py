"""Certify E(γ(t)) ≤ b along a path: exact | rigorous | bounded | sampled → Certificate.

The energy along a straight segment, from the landscape's capabilities, best first:

* ``certify_segment(a, b, bound, ...)`` — the landscape's own certificate (ReLU sweeps, the
  spherical spin glass);
* ``energy_polynomial_exact(a, b)`` — the energy as a polynomial in t with *rational*
  coefficients computed exactly from the inputs (floats taken as the rationals they are):
  **exact**, decided by :func:`sublevel.theory.exact.certify_polynomial`;
* ``energy_polynomial_enclosure(a, b)`` — float coefficients c̃ with proven radii r
  (|c_k − c̃_k| ≤ r_k): **rigorous**. On [0, 1], |p(t) − p̃(t)| ≤ R = Σ_k r_k, so
  p ≤ b holds if p̃ ≤ b − R (decided exactly on p̃), fails if max p̃ > b + R, and is
  ``inconclusive`` ("within rounding") in between;
* ``energy_polynomial(a, b)`` — float coefficients whose rounding is not enclosed: decided
  exactly *about those floats*, but labelled **sampled** (not a proof about the inputs).

Otherwise the energy is evaluated on a grid: **bounded** when a Lipschitz or smoothness
constant *and* a bound on the evaluations' rounding are given (all proven), else **sampled**
(grid plus golden-section refinement; never a proof).

No slack decides: a user tolerance τ (``tolerances["tau"]``, default 0) relaxes E ≤ b to
E ≤ b + τ and is recorded as ``holds_within`` when it was needed. Sampled evidence uses one
more named tolerance, ``sampled_rtol``: a sampled excess smaller than it (relative to the
energy's size) is reported ``inconclusive`` rather than ``fails``, never ``holds``.

Each piece is also checked against its own *promise* (constant energy, non-increasing,
≤ max of its endpoints), so a failure names the proof step that broke.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from flint import fmpq, fmpq_poly
from scipy.optimize import minimize_scalar
from sublevel.numerics.paths.base import (
    CONSTANT,
    LE_BOUND,
    LE_MAX_ENDPOINTS,
    NO_PROMISE,
    NON_INCREASING,
    Path,
    Piece,
    Segment,
)
from sublevel.theory.certificate import Certificate, combine
from sublevel.theory.errors import InputError
from sublevel.theory.exact import (
    certify_piecewise_polynomial,
    certify_polynomial,
    exact_maximum,
    fmpq_to_float,
    nonnegative_on,
    rational_polynomial,
    round_down,
    round_up,
    to_fmpq,
)

__all__ = [
    "energy_along",
    "EnergyPolynomial",
    "energy_polynomial_of",
    "certify_sampled",
    "certify_bounded",
    "certify_exact",
    "certify_energy_polynomial",
    "certify_piece",
    "certify_promise",
    "certify_polynomial_promise",
    "certify_piece_and_promise",
    "certify_path",
    "PathCertificate",
    "DEFAULT_TOLERANCES",
    "bound_slack",
]

#: named tolerances; every certificate records the ones it used
DEFAULT_TOLERANCES = {
    "tau": 0.0,  # the user's tolerance τ: E ≤ bound + τ (theorem checks: 0)
    "sampled_rtol": 1e-9,  # sampled excess below this (relative) is inconclusive, not a failure
}

EnergyOfT = Callable[[np.ndarray], np.ndarray]


def energy_along(landscape: Any, piece: Piece) -> EnergyOfT:
    """t ↦ E(γ(t)) for a batch of local times, using ``energies`` when the landscape has it."""
    if hasattr(landscape, "energies"):
        return lambda ts: np.asarray(landscape.energies(piece.points(ts)), dtype=np.float64)
    return lambda ts: np.array([landscape.energy(p) for p in piece.points(ts)], dtype=np.float64)


def bound_slack(bound: float, tol: dict[str, float]) -> float:
    """The allowance on E ≤ bound: the user's τ only (``tol["tau"]``, 0 by default) — no slack
    decides a theorem."""
    return float(tol.get("tau", 0.0))


def _tolerances(tolerances: dict[str, float] | None) -> dict[str, float]:
    tol = dict(DEFAULT_TOLERANCES)
    for key, value in (tolerances or {}).items():
        if key not in tol:
            raise InputError(
                f"unknown tolerance {key!r}; known: {', '.join(tol)} "
                "(certificates decide with the user's τ only, no slack)"
            )
        if not (value >= 0 and np.isfinite(value)):
            raise InputError(f"tolerance {key}={value!r} must be finite and ≥ 0")
        tol[key] = float(value)
    return tol


def _sampled_scale(bound: float, values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return max(1.0, abs(float(bound)), float(np.max(np.abs(finite))) if finite.size else 0.0)


def _sampled_outcome(excess: float, scale: float, tol: dict[str, float]) -> str:
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
    tol = _tolerances(tolerances)
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
    outcome = _sampled_outcome(best_e - float(bound), _sampled_scale(bound, es), tol)
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
    tol = _tolerances(tolerances)
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


# ------------------------------------------------------------------------------------------
# polynomial energies along a segment: exact, enclosed or float
# ------------------------------------------------------------------------------------------


@dataclass
class EnergyPolynomial:
    """The energy along a segment as a polynomial in t ∈ [0, 1].

    ``kind`` is ``"exact"`` (``exact``: rational coefficients computed exactly from the inputs),
    ``"rigorous"`` (float ``coefficients`` with proven ``radii``, |c_k − c̃_k| ≤ r_k) or
    ``"float"`` (float coefficients, rounding not enclosed). ``piecewise``: breakpoints and
    one coefficient list per piece (float only)."""

    kind: str
    exact: fmpq_poly | None = None
    coefficients: np.ndarray | None = None
    radii: np.ndarray | None = None
    breakpoints: Sequence[float] | None = None
    pieces: Sequence[Sequence[float]] | None = None

    @property
    def radius(self) -> fmpq:
        """R = Σ_k r_k exactly (a bound on |p − p̃| on [0, 1])."""
        if self.radii is None:
            return fmpq(0)
        return sum((to_fmpq(float(r)) for r in self.radii), fmpq(0))

    @property
    def float_coefficients(self) -> np.ndarray:
        """Coefficients as floats (rounded when exact)."""
        if self.exact is not None:
            return np.array([fmpq_to_float(c) for c in self.exact.coeffs()] or [0.0])
        assert self.coefficients is not None
        return np.asarray(self.coefficients, dtype=np.float64)


def _is_rational_sequence(coefficients: Any) -> bool:
    if isinstance(coefficients, fmpq_poly):
        return True
    if isinstance(coefficients, np.ndarray):
        return coefficients.dtype == object and all(
            isinstance(c, (int, Fraction, fmpq)) for c in coefficients.ravel()
        )
    try:
        items = list(coefficients)
    except TypeError:
        return False
    return bool(items) and all(
        isinstance(c, (int, Fraction, fmpq)) and not isinstance(c, bool) for c in items
    )


def as_energy_polynomial(polynomial: Any) -> EnergyPolynomial:
    """Wrap a polynomial: rationals (int, Fraction, fmpq, ``fmpq_poly``) are exact; float
    coefficients are computed values, labelled ``float``; ``(breakpoints, pieces)`` is a float
    piecewise polynomial; an :class:`EnergyPolynomial` is returned as it is."""
    if isinstance(polynomial, EnergyPolynomial):
        return polynomial
    if isinstance(polynomial, tuple) and len(polynomial) == 2:
        breakpoints, pieces = polynomial
        return EnergyPolynomial("float", breakpoints=breakpoints, pieces=pieces)
    if _is_rational_sequence(polynomial):
        return EnergyPolynomial("exact", exact=rational_polynomial(polynomial))
    coeffs = np.atleast_1d(np.asarray(polynomial, dtype=np.float64))
    if not np.all(np.isfinite(coeffs)):
        raise InputError(f"polynomial coefficients {coeffs.tolist()!r} are not all finite")
    return EnergyPolynomial("float", coefficients=coeffs)


def energy_polynomial_of(landscape: Any, a: Any, b: Any) -> EnergyPolynomial | None:
    """The landscape's best polynomial form of E((1 − t)a + tb): exact, enclosed or float."""
    exact_of = getattr(landscape, "energy_polynomial_exact", None)
    if callable(exact_of):
        exact = exact_of(a, b)
        if exact is not None:
            return EnergyPolynomial("exact", exact=rational_polynomial(exact))
    enclosure_of = getattr(landscape, "energy_polynomial_enclosure", None)
    if callable(enclosure_of):
        enc = enclosure_of(a, b)
        if enc is not None:
            coeffs, radii = (np.asarray(v, dtype=np.float64) for v in enc)
            if (
                coeffs.shape != radii.shape
                or np.any(radii < 0)
                or not np.all(np.isfinite(coeffs))
                or not np.all(np.isfinite(radii))
            ):
                raise InputError(
                    "energy_polynomial_enclosure must give finite coefficients and "
                    "radii ≥ 0 of one shape"
                )
            return EnergyPolynomial("rigorous", coefficients=coeffs, radii=radii)
    float_of = getattr(landscape, "energy_polynomial", None)
    if callable(float_of):
        poly = float_of(a, b)
        if poly is not None:
            return as_energy_polynomial(poly)
    return None


def _rounded_bounds(mx: Any) -> tuple[float, float]:
    """The exact maximum's enclosure, rounded outward to floats."""
    return round_down(mx.lower), round_up(mx.upper)


def certify_energy_polynomial(
    poly: EnergyPolynomial,
    bound: float,
    *,
    tolerances: dict[str, float] | None = None,
    label: str = "",
    promise: str = "",
) -> Certificate:
    """E ≤ bound + τ on [0, 1] for an :class:`EnergyPolynomial`: ``exact`` for exact
    coefficients, ``rigorous`` for enclosed ones (holds iff p̃ ≤ b + τ − R, fails iff
    max p̃ > b + τ + R, both decided exactly on p̃), ``sampled`` for float ones."""
    tol = _tolerances(tolerances)
    if not np.isfinite(bound):
        raise InputError(f"bound {bound!r} is not finite")
    start = time.perf_counter()
    if poly.kind == "exact":
        cert = certify_polynomial(
            poly.exact, bound, tolerance=tol["tau"], label=label, promise=promise
        )
    elif poly.kind == "float" and poly.pieces is not None:
        assert poly.breakpoints is not None
        cert = certify_piecewise_polynomial(
            poly.breakpoints, poly.pieces, bound, tolerance=tol["tau"], label=label, promise=promise
        )
        cert = _as_sampled(cert, tol)
    elif poly.kind == "float":
        cert = certify_polynomial(
            list(poly.float_coefficients), bound, tolerance=tol["tau"], label=label, promise=promise
        )
        cert = _as_sampled(cert, tol)
    else:
        cert = _certify_enclosed(poly, bound, tol, label, promise, start)
    cert.tolerances = dict(tol)
    return cert


def _as_sampled(cert: Certificate, tol: dict[str, float], scale: float = 1.0) -> Certificate:
    """Relabel a certificate decided about float coefficients as ``sampled``; an excess over
    the bound within ``sampled_rtol``·max(1, |bound|, |max|, scale) is ``inconclusive`` (it may
    be rounding), never ``fails``."""
    cert.method = "sampled"
    cert.details["reason"] = (
        "decided exactly about float coefficients whose rounding is not "
        "enclosed: not a proof about the inputs"
    )
    if cert.outcome == "fails":
        size = max(1.0, abs(cert.bound), abs(cert.max_energy), abs(scale))
        if cert.max_energy - cert.bound <= tol["tau"] + tol["sampled_rtol"] * size:
            cert.outcome, cert.holds = "inconclusive", False
    return cert


def _certify_enclosed(
    poly: EnergyPolynomial,
    bound: float,
    tol: dict[str, float],
    label: str,
    promise: str,
    start: float,
) -> Certificate:
    p = rational_polynomial(list(poly.float_coefficients))
    R = poly.radius
    top = to_fmpq(bound) + to_fmpq(tol["tau"])
    b_q = to_fmpq(bound)
    mx = exact_maximum(p, 0, 1)
    if nonnegative_on(fmpq_poly([b_q - R]) - p, fmpq(0), fmpq(1)):
        outcome, within = "holds", 0.0
    elif nonnegative_on(fmpq_poly([top - R]) - p, fmpq(0), fmpq(1)):
        outcome, within = "holds", tol["tau"]
    elif not nonnegative_on(fmpq_poly([top + R]) - p, fmpq(0), fmpq(1)):
        outcome, within = "fails", 0.0
    else:
        outcome, within = "inconclusive", 0.0
    lo, hi = _rounded_bounds(mx)
    Rf = fmpq_to_float(R)
    enclosure = (float(np.nextafter(lo - Rf, -np.inf)), float(np.nextafter(hi + Rf, np.inf)))
    value = fmpq_to_float(mx.value)
    margin = float(bound) - enclosure[1]
    if outcome == "holds" and within == 0.0:
        margin = max(margin, 0.0)
    return Certificate(
        outcome == "holds",
        value,
        fmpq_to_float(mx.argmax),
        float(bound),
        "rigorous",
        margin=margin,
        label=label,
        promise=promise,
        outcome=outcome,
        max_energy_enclosure=enclosure,
        holds_within=within,
        wall_time=time.perf_counter() - start,
        details={
            "degree": max(p.degree(), 0),
            "coefficient_radius": Rf,
            "algorithm": "exact decision on the float coefficients, "
            "widened by the proven radius R = Σ r_k",
        },
    )


def certify_exact(
    polynomial: Any,
    bound: float,
    *,
    tolerances: dict[str, float] | None = None,
    label: str = "",
    promise: str = "",
) -> Certificate:
    """Certificate of a polynomial energy on [0, 1] (see :func:`as_energy_polynomial` for what
    counts as exact): ``exact`` for rational coefficients, ``sampled`` for float ones."""
    return certify_energy_polynomial(
        as_energy_polynomial(polynomial), bound, tolerances=tolerances, label=label, promise=promise
    )


def _polynomial_of(landscape: Any, piece: Piece) -> EnergyPolynomial | None:
    if isinstance(piece, Segment):
        return energy_polynomial_of(landscape, piece.a, piece.b)
    return None


def certify_piece(
    landscape: Any,
    piece: Piece,
    bound: float,
    *,
    method: str = "auto",
    tolerances: dict[str, float] | None = None,
    **options: Any,
) -> Certificate:
    """E ≤ bound on one piece, with the best method the landscape supports (``auto``), or the
    one asked for (``exact``, ``bounded`` with ``lipschitz=``/``smoothness=``, ``sampled``).

    In order of preference (module docstring): the landscape's ``certify_segment``, then its
    exact, enclosed or float polynomial energy, then bounded or sampled evaluation."""
    _check_method(method)
    poly = _polynomial_of(landscape, piece) if method in ("auto", "exact", "rigorous") else None
    return _certify_bound(landscape, piece, bound, method, tolerances, poly, options)


def _check_method(method: str) -> None:
    if method not in ("auto", "exact", "rigorous", "bounded", "sampled"):
        raise InputError(f"method {method!r} is not one of auto, exact, rigorous, bounded, sampled")


def _certify_bound(
    landscape: Any,
    piece: Piece,
    bound: float,
    method: str,
    tolerances: dict[str, float] | None,
    poly: Any,
    options: dict[str, Any],
) -> Certificate:
    kw: dict[str, Any] = {"tolerances": tolerances, "label": piece.label, "promise": piece.promise}
    if (
        method in ("auto", "exact", "rigorous")
        and isinstance(piece, Segment)
        and hasattr(landscape, "certify_segment")
    ):
        # the landscape's own certificate (e.g. the vectorised ReLU sweep)
        return landscape.certify_segment(piece.a, piece.b, bound, **kw)
    if method in ("auto", "exact", "rigorous"):
        if poly is not None and (method == "auto" or poly.kind == method):
            return certify_energy_polynomial(poly, bound, **kw)
        if method != "auto":
            raise InputError(
                f"piece {piece.label!r}: the landscape gives no {method} polynomial energy"
            )
    if method == "bounded" or (
        method == "auto" and ("lipschitz" in options or "smoothness" in options)
    ):
        return certify_bounded(energy_along(landscape, piece), bound, **kw, **options)
    return certify_sampled(energy_along(landscape, piece), bound, **kw, **options)


def certify_polynomial_promise(
    polynomial: Any, promise: str, *, tolerances: dict[str, float] | None = None, label: str = ""
) -> Certificate | None:
    """Certificate of a promise about E(t) = Σ_k c_k t^k on [0, 1] (None for ≤ bound / no
    promise), decided structurally, with τ = ``tolerances["tau"]`` (default 0):

    * constant energy: E(t) − E(0) ≡ 0 (exact: the polynomial minus its constant term is the
      zero polynomial; with τ > 0, |E(t) − E(0)| ≤ τ);
    * non-increasing: E′(t) ≤ τ on [0, 1] (``strictly_decreasing`` recorded: E′ ≤ 0, E′ ≢ 0);
    * ≤ max of endpoints: E(t) ≤ max(E(0), E(1)) + τ — the endpoint values are the polynomial's
      own, so the usual case (the maximum *is* an endpoint) is decided exactly, never by slack.

    ``polynomial``: an :class:`EnergyPolynomial` or coefficients (rationals: exact; floats:
    labelled sampled). Enclosed (rigorous) polynomials widen every decision by the proven
    radius: holds only outside it, ``inconclusive`` within it.
    """
    tol = _tolerances(tolerances)
    if promise in (NO_PROMISE, LE_BOUND):
        return None
    if promise not in (CONSTANT, NON_INCREASING, LE_MAX_ENDPOINTS):
        raise InputError(f"unknown promise {promise!r}")
    poly = as_energy_polynomial(polynomial)
    if poly.pieces is not None:
        raise InputError("a piecewise polynomial has no single promise certificate")
    if poly.kind == "exact":
        assert poly.exact is not None
        p = poly.exact
    else:
        p = rational_polynomial(list(poly.float_coefficients))
    R = poly.radius
    e0, e1 = p(fmpq(0)), p(fmpq(1))
    if promise == CONSTANT:
        dev = p - fmpq_poly([e0])
        cert = _two_sided(dev, R + R, tol, label, promise, quantity="E(t) − E(0)")
        cert.bound = float(_f(e0))
    elif promise == NON_INCREASING:
        deriv = p.derivative()
        k_radius = (
            sum((to_fmpq(float(r)) * k for k, r in enumerate(poly.radii)), fmpq(0))
            if poly.radii is not None
            else fmpq(0)
        )
        cert = _one_sided(deriv, fmpq(0), k_radius, tol, label, promise)
        cert.details.update(
            {
                "quantity": "dE/dt",
                "drop": float(_f(e0 - e1)),
                "strictly_decreasing": bool(cert.holds and not deriv.is_zero() and e1 < e0),
            }
        )
    else:
        cert = _one_sided(p, max(e0, e1), R + R, tol, label, promise)
        cert.details["quantity"] = "E(t) − max(E(0), E(1))"
    if poly.kind == "float":
        # the energy's own size sets the rounding scale (dE/dt is a difference of such terms)
        cert = _as_sampled(cert, tol, scale=max(abs(_f(e0)), abs(_f(e1))))
    elif poly.kind == "rigorous":
        cert.method = "rigorous"
    cert.tolerances = dict(tol)
    return cert


def _f(q: fmpq) -> float:
    return fmpq_to_float(q)


def _one_sided(
    p: fmpq_poly, bound: fmpq, radius: fmpq, tol: dict[str, float], label: str, promise: str
) -> Certificate:
    """p ≤ bound + τ on [0, 1] when |true − p| ≤ radius: holds iff p ≤ bound + τ − radius,
    fails iff max p > bound + τ + radius (exact decisions on p), else inconclusive."""
    start = time.perf_counter()
    tau = to_fmpq(tol["tau"])
    zero, one = fmpq(0), fmpq(1)
    if nonnegative_on(fmpq_poly([bound - radius]) - p, zero, one):
        outcome, within = "holds", 0.0
    elif nonnegative_on(fmpq_poly([bound + tau - radius]) - p, zero, one):
        outcome, within = "holds", tol["tau"]
    elif not nonnegative_on(fmpq_poly([bound + tau + radius]) - p, zero, one):
        outcome, within = "fails", 0.0
    else:
        outcome, within = "inconclusive", 0.0
    mx = exact_maximum(p, 0, 1)
    lo, hi = _rounded_bounds(mx)
    rf = _f(radius)
    margin = _f(bound - mx.value) - rf
    if outcome == "holds" and within == 0.0:
        margin = max(margin, 0.0)
    elif outcome == "fails":
        margin = min(margin, -0.0)
    return Certificate(
        outcome == "holds",
        _f(mx.value),
        _f(mx.argmax),
        _f(bound),
        "exact",
        margin=margin,
        label=label,
        promise=promise,
        outcome=outcome,
        max_energy_enclosure=(lo - rf if rf else lo, hi + rf if rf else hi),
        holds_within=within,
        wall_time=time.perf_counter() - start,
        details={"radius": rf, "max_exact": str(mx.exact) if mx.exact is not None else None},
    )


def _two_sided(
    dev: fmpq_poly, radius: fmpq, tol: dict[str, float], label: str, promise: str, *, quantity: str
) -> Certificate:
    """|dev| ≤ τ on [0, 1] when |true − dev| ≤ radius: with τ = 0 and radius 0 this is
    ``dev ≡ 0``, decided structurally."""
    if dev.is_zero() and radius == 0:
        return Certificate(
            True,
            0.0,
            0.0,
            0.0,
            "exact",
            margin=0.0,
            label=label,
            promise=promise,
            outcome="holds",
            max_energy_enclosure=(0.0, 0.0),
            details={"quantity": quantity, "identically_zero": True},
        )
    up = _one_sided(dev, fmpq(0), radius, tol, label, promise)
    down = _one_sided(-dev, fmpq(0), radius, tol, label, promise)
    out = combine([up, down], label=label)
    out.promise = promise
    # the deviation's size, whichever side is worse
    out.max_energy = max(up.max_energy, down.max_energy)
    out.details.update({"quantity": f"|{quantity}|", "identically_zero": False})
    return out


def certify_promise(
    landscape: Any,
    piece: Piece,
    *,
    method: str = "auto",
    tolerances: dict[str, float] | None = None,
    **options: Any,
) -> Certificate | None:
    """Certificate of the piece's own promise (None for ≤ bound / no promise): exact through
    :func:`certify_polynomial_promise` when the landscape gives the energy along the piece as one
    polynomial; otherwise ≤ max of endpoints is certified like a bound (:func:`certify_piece`)
    and constant / non-increasing are sampled (consecutive samples)."""
    _check_method(method)
    poly = _polynomial_of(landscape, piece) if method in ("auto", "exact", "rigorous") else None
    return _certify_promise(landscape, piece, method, tolerances, poly, options)


def _certify_promise(
    landscape: Any,
    piece: Piece,
    method: str,
    tolerances: dict[str, float] | None,
    poly: Any,
    options: dict[str, Any],
) -> Certificate | None:
    tol = _tolerances(tolerances)
    if piece.promise in (NO_PROMISE, LE_BOUND):
        return None
    label = f"{piece.label} [{piece.promise}]"
    if poly is not None and poly.pieces is None:
        return certify_polynomial_promise(poly, piece.promise, tolerances=tol, label=label)
    f = energy_along(landscape, piece)
    e0, e1 = (float(v) for v in f(np.array([0.0, 1.0])))
    if piece.promise == LE_MAX_ENDPOINTS:
        return _certify_bound(landscape, piece, max(e0, e1), method, tol, poly, options)
    ts = np.linspace(0.0, 1.0, int(options.get("n_grid", 101)))
    es = f(ts)
    scale = _sampled_scale(e0, es)
    if piece.promise == CONSTANT:
        dev = float(np.max(np.abs(es - e0)))
        outcome = _sampled_outcome(dev, scale, tol)
        return Certificate(
            outcome == "holds",
            dev,
            float(ts[np.argmax(np.abs(es - e0))]),
            0.0,
            "sampled",
            tolerances=tol,
            n_evaluations=ts.size,
            label=label,
            promise=piece.promise,
            outcome=outcome,
            details={"quantity": "max |E(t) − E(0)| over samples", "energy_at_start": e0},
        )
    if piece.promise == NON_INCREASING:
        rise = float(np.max(np.diff(es))) if es.size > 1 else 0.0
        outcome = _sampled_outcome(rise, scale, tol)
        return Certificate(
            outcome == "holds",
            rise,
            float(ts[int(np.argmax(np.diff(es)))]),
            0.0,
            "sampled",
            tolerances=tol,
            n_evaluations=ts.size,
            label=label,
            promise=piece.promise,
            outcome=outcome,
            details={"quantity": "largest rise between samples"},
        )
    raise InputError(f"unknown promise {piece.promise!r}")


def certify_piece_and_promise(
    landscape: Any,
    piece: Piece,
    bound: float,
    *,
    method: str = "auto",
    tolerances: dict[str, float] | None = None,
    **options: Any,
) -> tuple[Certificate, Certificate | None]:
    """(E ≤ bound, the piece's promise) with the energy polynomial computed once."""
    _check_method(method)
    poly = _polynomial_of(landscape, piece) if method in ("auto", "exact", "rigorous") else None
    return (
        _certify_bound(landscape, piece, bound, method, tolerances, poly, options),
        _certify_promise(landscape, piece, method, tolerances, poly, options),
    )


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


def certify_path(
    landscape: Any,
    path: Path,
    bound: float,
    *,
    method: str = "auto",
    check_promises: bool = True,
    tolerances: dict[str, float] | None = None,
    **options: Any,
) -> PathCertificate:
    """Certify E ≤ bound on every piece of ``path`` and, optionally, every piece's promise.

    >>> from sublevel.numerics.geodesic.landscapes import RingValley
    >>> from sublevel.numerics.paths import Path, Segment
    >>> pc = certify_path(RingValley(2), Path([Segment([1.0, 0.0], [0.0, 1.0])]), 1.0)
    >>> pc.holds, pc.pieces[0].method                  # (‖x‖² − 1)² ≤ 1/4 on the chord
    (True, 'exact')
    """
    if not np.isfinite(bound):
        raise InputError(f"bound {bound!r} is not finite")
    pieces, promises = [], []
    for p in path.pieces:
        if check_promises:
            cert, promise = certify_piece_and_promise(
                landscape, p, bound, method=method, tolerances=tolerances, **options
            )
            if promise is not None:
                promises.append(promise)
        else:
            cert = certify_piece(
                landscape, p, bound, method=method, tolerances=tolerances, **options
            )
        pieces.append(cert)
    return PathCertificate(pieces, promises)
