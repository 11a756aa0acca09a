"""The path conformance suite (:func:`check_path`, :func:`check_profile`): the invariants every
path and its certificates must satisfy, whichever construction or finder produced them.

Endpoints fixed, consecutive pieces meet, length ≥ ‖θ_B − θ_A‖, the reversed path is the same
curve, every certificate's maximum is ≥ a dense evaluation of its piece (for exact, rigorous and
bounded certificates the top of the proven enclosure, with no slack — a sample above it by no
more than the float evaluation's rounding is reported as "within rounding", not passed;
``sampled_rtol`` for sampled ones), its outcome does not contradict its own maximum and bound,
and the path maximum is ≥ the endpoint energies.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from sublevel.numerics.backends.function import as_landscape
from sublevel.numerics.certify import certify_path, energy_along
from sublevel.numerics.conformance.report import ConformanceReport
from sublevel.numerics.landscape import as_theta
from sublevel.numerics.paths.base import Path, Piece
from sublevel.theory.errors import InputError

__all__ = ["check_path", "check_profile"]


def _proven_upper(cert: Any) -> float:
    """The certificate's upper claim on its piece's maximum: the enclosure's top when it has
    one, else ``max_energy`` (exact: the rounded exact maximum; bounded: the bound itself)."""
    enc = getattr(cert, "max_energy_enclosure", None)
    return float(enc[1]) if enc is not None else float(cert.max_energy)


def _proven_lower(cert: Any) -> float:
    enc = getattr(cert, "max_energy_enclosure", None)
    return float(enc[0]) if enc is not None else float(cert.max_energy)


def _verdict_consistent(cert: Any) -> bool:
    """No contradiction between a certificate's outcome and its own numbers: ``holds`` needs the
    lower end of its maximum ≤ bound + holds_within and, without τ, a margin ≥ 0; a proven
    ``fails`` needs the upper end above the bound + τ. No slack."""
    tau = float((cert.tolerances or {}).get("tau", 0.0))
    if cert.holds:
        if cert.holds_within == 0 and cert.margin < 0:
            return False
        return _proven_lower(cert) <= cert.bound + cert.holds_within
    if getattr(cert, "outcome", "fails") == "fails" and cert.is_proof:
        return _proven_upper(cert) > cert.bound + tau
    return True


def check_path(
    landscape: Any,
    path: Path,
    *,
    certificates: Sequence[Any] | None = None,
    pieces: Sequence[Piece] | None = None,
    bound: float | None = None,
    theta_a: Any | None = None,
    theta_b: Any | None = None,
    n_dense: int = 257,
    sampled_rtol: float = 1e-3,
    continuity_atol: float = 1e-9,
    evaluation_rtol: float = 1e-12,
    name: str = "path",
) -> ConformanceReport:
    """The path invariants (see the module doc). ``certificates[i]`` certifies ``pieces[i]``
    (default: the path's pieces; default certificates: :func:`certify_path` against ``bound``,
    or against the larger endpoint energy when no bound is given).

    A proof certificate's maximum (its enclosure's top) must be ≥ every dense float sample of
    its piece: no slack passes it. A sample above it by at most ``evaluation_rtol``·max(1, |E|)
    — the size of the float evaluation's own rounding — is reported as *within rounding*
    (``n/a``), not as passed; beyond that the check fails. Sampled certificates are estimates:
    a sample may exceed them by ``sampled_rtol``·max(1, |E|)."""
    if not isinstance(path, Path):
        raise InputError(
            f"path must be a sublevel.numerics.paths.base.Path, not {type(path).__name__}"
        )
    if isinstance(n_dense, bool) or not isinstance(n_dense, int) or n_dense < 2:
        raise InputError(f"n_dense = {n_dense!r}: need an integer ≥ 2")
    start = time.perf_counter()
    report = ConformanceReport(name)
    land = as_landscape(landscape)
    p0, p1 = path.start, path.end
    if theta_a is not None or theta_b is not None:
        ok = (theta_a is None or np.array_equal(p0, as_theta(theta_a, land.dim))) and (
            theta_b is None or np.array_equal(p1, as_theta(theta_b, land.dim))
        )
        report.add(
            "endpoints_fixed",
            ok,
            "the path starts at θ_A and ends at θ_B exactly" if ok else "an endpoint moved",
        )
    gaps = [
        float(np.linalg.norm(p.end - q.start)) / (1.0 + float(np.linalg.norm(p.end)))
        for p, q in zip(path.pieces, path.pieces[1:])
    ]
    worst_gap = max(gaps, default=0.0)
    report.add(
        "pieces_meet",
        worst_gap <= continuity_atol,
        f"largest relative gap between consecutive pieces {worst_gap:.3g}",
        gap=worst_gap,
    )
    length, chord = path.length(), float(np.linalg.norm(p1 - p0))
    report.add(
        "length_at_least_distance",
        length >= chord * (1 - 1e-12),
        f"length {length:.6g} ≥ ‖θ_B − θ_A‖ = {chord:.6g}",
        length=length,
        distance=chord,
    )
    ts = np.linspace(0.0, 1.0, 17)
    rev = path.reversed().points(ts)
    fwd = path.points(1.0 - ts)
    dev = float(np.max(np.abs(rev - fwd))) / (1.0 + float(np.max(np.abs(fwd))))
    report.add(
        "reversal_is_same_curve", dev <= 1e-12, f"γ_rev(t) vs γ(1 − t): {dev:.3g}", deviation=dev
    )

    ends = np.asarray(land.energies(np.stack([p0, p1])), dtype=np.float64)
    if certificates is None:
        b = float(np.max(ends)) if bound is None else float(bound)
        certificates = certify_path(land, path, b, check_promises=False).pieces
        pieces = path.pieces
    pieces = list(path.pieces if pieces is None else pieces)
    certs = list(certificates)
    if len(certs) != len(pieces):
        report.add(
            "one_certificate_per_piece",
            False,
            f"{len(certs)} certificates for {len(pieces)} pieces",
        )
        report.wall_time = time.perf_counter() - start
        return report
    report.add("one_certificate_per_piece", True, f"{len(certs)} pieces, {len(certs)} certificates")
    below: bool | None = True
    verdicts, rows, rounding = True, [], []
    for piece, cert in zip(pieces, certs):
        e = np.asarray(energy_along(land, piece)(np.linspace(0.0, 1.0, n_dense)), dtype=np.float64)
        m = float(np.max(e))
        scale = max(1.0, abs(m))
        top = (
            _proven_upper(cert) if cert.is_proof else float(cert.max_energy) + sampled_rtol * scale
        )
        if not m <= top:
            if cert.is_proof and m - top <= evaluation_rtol * scale:
                rounding.append(cert.label)
            else:
                below = False
        verdicts &= _verdict_consistent(cert)
        rows.append(
            {
                "label": cert.label,
                "method": cert.method,
                "outcome": cert.outcome,
                "dense_max": m,
                "certificate_max": cert.max_energy,
                "certificate_upper": _proven_upper(cert),
                "bound": cert.bound,
                "holds": cert.holds,
            }
        )
    if below and rounding:
        below = None
    report.add(
        "certificate_max_at_least_samples",
        below,
        "every certificate's maximum is ≥ the dense samples of its piece"
        if below
        else (
            f"dense float samples exceed the proven maximum of {rounding} by at most "
            f"{evaluation_rtol:g}·|E|: within the evaluation's rounding, not decided"
        )
        if below is None
        else "a dense sample exceeds a certificate's maximum",
        pieces=rows,
        n_dense=n_dense,
        sampled_rtol=sampled_rtol,
        evaluation_rtol=evaluation_rtol,
        within_rounding=rounding,
    )
    report.add(
        "certificate_verdicts_consistent",
        verdicts,
        "every outcome agrees with its certificate's maximum, bound and τ (no slack)"
        if verdicts
        else "a certificate's outcome contradicts its own maximum and bound",
    )
    path_max = max(_proven_upper(c) if c.is_proof else float(c.max_energy) for c in certs)
    emax = float(np.max(ends))
    above: bool | None = path_max >= emax
    if not above and emax - path_max <= evaluation_rtol * max(1.0, abs(emax)):
        above = None
    report.add(
        "max_at_least_endpoint_max",
        above,
        f"path maximum {path_max:.17g} ≥ endpoint maximum {emax:.17g}"
        if above
        else f"path maximum {path_max:.17g} < endpoint maximum {emax:.17g}"
        + (" (within the evaluation's rounding)" if above is None else ""),
        path_max=path_max,
        endpoint_energies=ends,
    )
    report.wall_time = time.perf_counter() - start
    return report


def check_profile(profile: Any, *, name: str | None = None, **options: Any) -> ConformanceReport:
    """:func:`check_path` on a :class:`~sublevel.numerics.profile.PathProfile` (what a claim's
    ``@path_builder`` returns), with fresh certificates of every piece against its bound; the
    certificates the profile carries must also have verdicts consistent with their maxima."""
    if not all(hasattr(profile, k) for k in ("path", "landscape", "bound")):
        raise InputError(
            f"{type(profile).__name__} is not a PathProfile (needs path, landscape, bound)"
        )
    report = check_path(
        profile.landscape,
        profile.path,
        bound=profile.bound,
        name=name or (profile.title or "path profile"),
        **options,
    )
    carried = list(profile.certificates or [])
    if carried:
        bad = [c.label for c in carried if not _verdict_consistent(c)]
        report.add(
            "carried_certificates_consistent",
            not bad,
            f"{len(carried)} carried certificates, verdicts consistent"
            if not bad
            else f"certificates {bad} hold with their maximum above their bound",
        )
    return report
