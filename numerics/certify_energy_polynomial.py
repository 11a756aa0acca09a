"""Certificates of an energy that is a polynomial in t along a segment: exact, rigorous or sampled.

* exact rational coefficients (``energy_polynomial_exact``): **exact**, decided by
  :func:`sublevel.theory.exact.certify_polynomial`;
* float coefficients c̃ with proven radii r, |c_k − c̃_k| ≤ r_k (``energy_polynomial_enclosure``):
  **rigorous** — on [0, 1], |p(t) − p̃(t)| ≤ R = Σ_k r_k, so p ≤ b holds if p̃ ≤ b − R (decided
  exactly on p̃), fails if max p̃ > b + R, and is ``inconclusive`` in between;
* float coefficients whose rounding is not enclosed (``energy_polynomial``): decided exactly
  *about those floats* but labelled **sampled**.

The pieces' promises (constant energy, non-increasing, ≤ max of endpoints) are decided
structurally on the same polynomial (:func:`certify_polynomial_promise`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from flint import fmpq, fmpq_poly
from sublevel.numerics.paths.base import (
    CONSTANT,
    LE_BOUND,
    LE_MAX_ENDPOINTS,
    NO_PROMISE,
    NON_INCREASING,
)
from sublevel.numerics.tolerances import resolve_tolerances
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
    "EnergyPolynomial",
    "as_energy_polynomial",
    "energy_polynomial_of",
    "certify_energy_polynomial",
    "certify_exact",
    "certify_polynomial_promise",
]


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
    if (
        isinstance(polynomial, tuple)
        and len(polynomial) == 2
        and all(isinstance(x, (list, tuple, np.ndarray)) for x in polynomial)
    ):
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
    tol = resolve_tolerances(tolerances)
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
    tol = resolve_tolerances(tolerances)
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
    # float coefficients are decided exactly about themselves (radius 0), then relabelled sampled
    method = "rigorous" if poly.kind == "rigorous" else "exact"
    e0, e1 = p(fmpq(0)), p(fmpq(1))
    if promise == CONSTANT:
        dev = p - fmpq_poly([e0])
        cert = _two_sided(dev, R + R, tol, label, promise, quantity="E(t) − E(0)", method=method)
    elif promise == NON_INCREASING:
        deriv = p.derivative()
        k_radius = (
            sum((to_fmpq(float(r)) * k for k, r in enumerate(poly.radii)), fmpq(0))
            if poly.radii is not None
            else fmpq(0)
        )
        cert = _one_sided(deriv, fmpq(0), k_radius, tol, label, promise, method=method)
        cert.details.update(
            {
                "quantity": "dE/dt",
                "drop": float(_f(e0 - e1)),
                "strictly_decreasing": bool(
                    cert.holds and cert.holds_within == 0.0 and not deriv.is_zero() and e1 < e0
                ),
            }
        )
    else:
        cert = _one_sided(p, max(e0, e1), R + R, tol, label, promise, method=method)
        cert.details["quantity"] = "E(t) − max(E(0), E(1))"
    if poly.kind == "float":
        # the energy's own size sets the rounding scale (dE/dt is a difference of such terms)
        cert = _as_sampled(cert, tol, scale=max(abs(_f(e0)), abs(_f(e1))))
    if promise == CONSTANT:
        # recorded for the reader after the decision: the deviation's own bound is 0 (± τ)
        cert.bound = float(_f(e0))
    cert.tolerances = dict(tol)
    return cert


def _f(q: fmpq) -> float:
    return fmpq_to_float(q)


def _one_sided(
    p: fmpq_poly,
    bound: fmpq,
    radius: fmpq,
    tol: dict[str, float],
    label: str,
    promise: str,
    *,
    method: str = "exact",
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
        method,
        margin=margin,
        label=label,
        promise=promise,
        outcome=outcome,
        max_energy_enclosure=(round_down(mx.lower - radius), round_up(mx.upper + radius)),
        holds_within=within,
        wall_time=time.perf_counter() - start,
        details={"radius": rf, "max_exact": str(mx.exact) if mx.exact is not None else None},
    )


def _two_sided(
    dev: fmpq_poly,
    radius: fmpq,
    tol: dict[str, float],
    label: str,
    promise: str,
    *,
    quantity: str,
    method: str = "exact",
) -> Certificate:
    """|dev| ≤ τ on [0, 1] when |true − dev| ≤ radius: with τ = 0 and radius 0 this is
    ``dev ≡ 0``, decided structurally."""
    if dev.is_zero() and radius == 0:
        return Certificate(
            True,
            0.0,
            0.0,
            0.0,
            method,
            margin=0.0,
            label=label,
            promise=promise,
            outcome="holds",
            max_energy_enclosure=(0.0, 0.0),
            details={"quantity": quantity, "identically_zero": True},
        )
    up = _one_sided(dev, fmpq(0), radius, tol, label, promise, method=method)
    down = _one_sided(-dev, fmpq(0), radius, tol, label, promise, method=method)
    out = combine([up, down], label=label)
    out.promise = promise
    # the deviation's size, whichever side is worse
    out.max_energy = max(up.max_energy, down.max_energy)
    out.details.update({"quantity": f"|{quantity}|", "identically_zero": False})
    return out
