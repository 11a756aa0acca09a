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

The parts live in their own modules and are re-exported here:
:mod:`sublevel.numerics.certify_energy_polynomial` (exact / rigorous / float polynomial energies
and promises), :mod:`sublevel.numerics.certify_grid` (bounded and sampled grid certificates),
:mod:`sublevel.numerics.tolerances` (the named tolerances). This module chooses among them per
piece and certifies whole paths.

Each piece is also checked against its own *promise* (constant energy, non-increasing,
≤ max of its endpoints), so a failure names the proof step that broke.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sublevel.numerics.certify_energy_polynomial import (
    EnergyPolynomial as EnergyPolynomial,
)
from sublevel.numerics.certify_energy_polynomial import (
    as_energy_polynomial as as_energy_polynomial,
)
from sublevel.numerics.certify_energy_polynomial import (
    certify_energy_polynomial as certify_energy_polynomial,
)
from sublevel.numerics.certify_energy_polynomial import certify_exact as certify_exact
from sublevel.numerics.certify_energy_polynomial import (
    certify_polynomial_promise as certify_polynomial_promise,
)
from sublevel.numerics.certify_energy_polynomial import (
    energy_polynomial_of as energy_polynomial_of,
)
from sublevel.numerics.certify_grid import EnergyOfT, sampled_outcome, sampled_scale
from sublevel.numerics.certify_grid import certify_bounded as certify_bounded
from sublevel.numerics.certify_grid import certify_sampled as certify_sampled
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
from sublevel.numerics.tolerances import DEFAULT_TOLERANCES as DEFAULT_TOLERANCES
from sublevel.numerics.tolerances import bound_slack as bound_slack
from sublevel.numerics.tolerances import resolve_tolerances
from sublevel.numerics.tolerances import resolve_tolerances as _tolerances  # noqa: F401
from sublevel.theory.certificate import Certificate, combine
from sublevel.theory.errors import InputError

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


def energy_along(landscape: Any, piece: Piece) -> EnergyOfT:
    """t ↦ E(γ(t)) for a batch of local times, using ``energies`` when the landscape has it."""
    if hasattr(landscape, "energies"):
        return lambda ts: np.asarray(landscape.energies(piece.points(ts)), dtype=np.float64)
    return lambda ts: np.array([landscape.energy(p) for p in piece.points(ts)], dtype=np.float64)


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
    tol = resolve_tolerances(tolerances)
    if piece.promise in (NO_PROMISE, LE_BOUND):
        return None
    label = f"{piece.label} [{piece.promise}]"
    if poly is not None and poly.pieces is None:
        return certify_polynomial_promise(poly, piece.promise, tolerances=tol, label=label)
    f = energy_along(landscape, piece)
    e0, e1 = (float(v) for v in f(np.array([0.0, 1.0])))
    if piece.promise == LE_MAX_ENDPOINTS:
        return _certify_bound(landscape, piece, max(e0, e1), method, tol, poly, options)
    n_grid = int(options.get("n_grid", 101))
    if n_grid < 2:
        raise InputError(f"n_grid = {n_grid}: need at least 2 points")
    ts = np.linspace(0.0, 1.0, n_grid)
    es = f(ts)
    scale = sampled_scale(e0, es)
    if piece.promise == CONSTANT:
        dev = float(np.max(np.abs(es - e0)))
        outcome = sampled_outcome(dev, scale, tol)
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
        outcome = sampled_outcome(rise, scale, tol)
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
        """All the pieces' and promises' certificates combined (:func:`combine`): the weakest
        method, the worst outcome, the smallest margin."""
        return combine(self.pieces + self.promises, label="path")

    @property
    def holds(self) -> bool:
        """True iff every piece's bound and every promise holds (outcome ``holds``)."""
        return all(c.holds for c in self.pieces + self.promises)

    @property
    def all(self) -> list[Certificate]:
        """The pieces' certificates followed by the promises'."""
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
