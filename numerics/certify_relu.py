"""ReLU segment certificates: the energy of a two-layer ReLU network along a straight segment.

The landscape provides ``energy_pieces(a, b)`` / ``energy_candidates(a, b)``
(:class:`sublevel.numerics.energies.relu.TwoLayerReLU`): the energy is piecewise quartic in t, with
breakpoints where a pre-activation changes sign, computed in float64 with a proven a priori
bound of the distance to the exact energy of the inputs (:mod:`sublevel.numerics.energies.relu_bounds`).
The maximum of the float pieces is enclosed by :mod:`sublevel.numerics.piecewise_max`. Every
certificate here is ``rigorous`` (issue 11): it holds only if the upper end of its proven
enclosure is ≤ the bound, fails only if the lower end is above it, and is ``inconclusive``
("within rounding") otherwise — no slack decides; a user tolerance τ (``tolerances["tau"]``,
default 0) is recorded in ``holds_within`` when it was needed. Promises that follow from the
structure of a segment (convex energy when the first layer is fixed; constant energy when
nothing that contributes moves) are decided ``exact``.
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any

import numpy as np
from sublevel.numerics.certify import (
    PathCertificate,
    certify_piece,
    certify_promise,
)
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
from sublevel.numerics.piecewise_max import (
    PiecewiseMaximum,
    maximise_pieces,
    maximise_piecewise,
)
from sublevel.numerics.rounding import U as _U
from sublevel.numerics.tolerances import resolve_tolerances
from sublevel.theory.certificate import Certificate, combine
from sublevel.theory.errors import InputError

__all__ = [
    "PiecewiseMaximum",
    "maximise_piecewise",
    "maximise_pieces",
    "certify_relu_segment",
    "certify_relu_slope",
    "certify_relu_promise",
    "certify_relu_path",
]


def _split_tolerances(tolerances: dict[str, float] | None) -> tuple[dict[str, float], float]:
    """The named tolerances (:data:`sublevel.numerics.certify.DEFAULT_TOLERANCES`) and the user's τ ≥ 0
    (``tau``, default 0): a certificate answers E ≤ bound + τ."""
    tol_in = dict(tolerances or {})
    tau = tol_in.pop("tau", 0.0)
    tol = resolve_tolerances(tol_in)
    if not (isinstance(tau, (int, float, np.floating)) and np.isfinite(tau) and tau >= 0):
        raise InputError(f"tolerance tau={tau!r} must be finite and ≥ 0")
    tol["tau"] = float(tau)
    return tol, float(tau)


def _up1(x: float) -> float:
    """The next float up: above the exact result of the one rounded operation that gave x."""
    return float(np.nextafter(x, np.inf))


def _dn1(x: float) -> float:
    """The next float down (see :func:`_up1`)."""
    return float(np.nextafter(x, -np.inf))


def _decide(lo: float, hi: float, bound: float, tau: float) -> tuple[str, float]:
    """Outcome of "max ≤ bound + τ" from a proven enclosure [lo, hi] of the max, compared exactly
    (rationals): holds iff hi ≤ bound + τ, fails iff lo > bound + τ, else inconclusive. Also
    ``holds_within``: τ when it was needed, else 0."""
    b = Fraction(bound) + Fraction(tau)
    if np.isfinite(hi) and Fraction(hi) <= b:
        return "holds", (tau if Fraction(hi) > Fraction(bound) else 0.0)
    if np.isfinite(lo) and Fraction(lo) > b:
        return "fails", 0.0
    return "inconclusive", 0.0


def _hull(lo: float, hi: float) -> tuple[float, float]:
    """(lo, hi), or (−inf, inf) when an overflow made either end NaN (nothing is proven)."""
    return (lo, hi) if lo <= hi else (-np.inf, np.inf)


def certify_relu_segment(
    landscape: Any,
    a: Any,
    b: Any,
    bound: float,
    *,
    tolerances: dict[str, float] | None = None,
    label: str = "",
    promise: str = "",
    offset: float = 0.0,
    sign: float = 1.0,
    quantity: str = "energy",
) -> Certificate:
    """Rigorous certificate of ``sign·(E(t) − offset) ≤ bound (+ τ)`` on the segment a → b.

    E is the exact energy of the inputs (X, Y, θ_A = a, θ_B = b taken as the rationals their
    floats are) on θ(t) = (1 − t)a + tb: piecewise quartic, with a breakpoint wherever a
    pre-activation (or, with ℓ1, an output weight) changes sign. The landscape's sweep computes
    the pieces in float64 with a proven a priori bound ``error_bound`` on |E(t) − piece(t)|
    (:meth:`sublevel.numerics.energies.relu.TwoLayerReLU.energy_pieces`); :func:`maximise_pieces` then
    encloses the maximum of the float pieces (window bounds, proven). For the energy itself
    (``sign = 1``, ``offset = 0``) ``energy_candidates`` prunes first: cells whose proven
    Lipschitz bound on √E cannot exceed the best cell-end value are bounded, not sorted.

    ``method="rigorous"``, ``max_energy_enclosure = (lo, hi)`` with lo ≤ max_t sign·(E − offset)
    ≤ hi proven (lo is a value taken: sign·(E(argmax_t) − offset) ≥ lo); ``outcome`` holds iff hi ≤ bound + τ, fails iff lo > bound + τ (a value the
    quantity provably takes above it), else inconclusive ("within rounding"); ``margin`` =
    bound − hi. No slack decides (τ = ``tolerances["tau"]``, default 0, recorded in
    ``holds_within`` when needed).
    """
    if not hasattr(landscape, "energy_pieces"):
        raise InputError(
            f"{type(landscape).__name__} has no energy_pieces(a, b): use certify_piece"
        )
    if not isinstance(bound, (int, float, np.integer, np.floating)) or not np.isfinite(bound):
        raise InputError(f"bound {bound!r} is not a finite number")
    if sign not in (1.0, -1.0) or not np.isfinite(offset):
        raise InputError(f"sign {sign!r} must be ±1 and offset {offset!r} finite")
    start = time.perf_counter()
    tol, tau = _split_tolerances(tolerances)
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    pruned = sign == 1.0 and offset == 0.0 and hasattr(landscape, "energy_candidates")
    if pruned:  # cells that cannot hold the maximum are bounded, not sorted (issue 5)
        pr = landscape.energy_candidates(a, b)
        err = pr.error_bound
        value, argmax = pr.best, pr.best_t
        hi, lo = max(pr.upper_rest, _up1(pr.best + err)), _dn1(pr.best - err)
        closed_form, windows = 0, 0
        if pr.lo.size:  # (no surviving piece: E is constant, every cell end attains it)
            # pieces and windows within err/4 of the best value are not refined further: the
            # enclosure is then at most 2.25·err wide
            res = maximise_pieces(pr.lo, pr.hi, pr.coeffs, prune_tol=err / 4)
            if _dn1(res.lower - err) > lo:  # argmax_t is where the lower end is proven
                value, argmax, lo = res.value, res.argmax_t, _dn1(res.lower - err)
            hi = max(hi, _up1(res.upper + err))
            closed_form, windows = res.n_candidates, res.windows
        info = pr.details
    else:
        pq = landscape.energy_pieces(a, b)
        coeffs = sign * pq.coeffs
        coeffs[:, 0] -= sign * offset
        # the shift rounds each constant term once: ≤ u·|result|
        err = pq.error_bound + float(np.abs(coeffs[:, 0]).max()) * 2 * _U
        res = maximise_piecewise(pq.breakpoints, coeffs, prune_tol=err / 4)
        value, argmax = res.value, res.argmax_t
        hi, lo = _up1(res.upper + err), _dn1(res.lower - err)
        info, closed_form, windows = pq.details, res.n_candidates, res.windows
    if pruned and hi >= 0:
        lo = max(lo, 0.0)  # E ≥ 0: a sum of squares plus κ‖U‖₁
    lo, hi = _hull(lo, hi)
    return _enclosure_certificate(
        lo,
        hi,
        value,
        argmax,
        bound,
        tol,
        tau,
        label=label,
        promise=promise,
        start=start,
        details={
            "quantity": quantity,
            "pieces": info.get("pieces", 0),
            "events": info.get("events", 0),
            "closed_form_pieces": closed_form,
            "windows": windows,
            "pruned_cells": (info["cells"] - info["candidate_cells"]) if pruned else 0,
            "upper_bound": hi,
            "error_bound": err,
            "error_terms": {k: v for k, v in info.items() if k.startswith("error_")},
        },
    )


def _enclosure_certificate(
    lo: float,
    hi: float,
    value: float,
    argmax: float,
    bound: float,
    tol: dict[str, float],
    tau: float,
    *,
    label: str,
    promise: str,
    start: float,
    details: dict[str, Any],
) -> Certificate:
    """The ``rigorous`` certificate of a proven enclosure [lo, hi] of a maximum against
    ``bound`` (+ τ): holds iff hi ≤ bound (+ τ), fails iff lo > bound + τ (:func:`_decide`);
    the reported value is clamped into the enclosure."""
    outcome, within = _decide(lo, hi, float(bound), tau)
    return Certificate(
        outcome == "holds",
        float(min(max(value, lo), hi)),
        argmax,
        float(bound),
        "rigorous",
        margin=float(bound) - hi,
        tolerances=tol,
        n_evaluations=1,
        label=label,
        promise=promise,
        wall_time=time.perf_counter() - start,
        outcome=outcome,
        max_energy_enclosure=(lo, hi),
        holds_within=within,
        details=details,
    )


def certify_relu_slope(
    landscape: Any,
    a: Any,
    b: Any,
    bound: float = 0.0,
    *,
    tolerances: dict[str, float] | None = None,
    label: str = "",
    promise: str = "",
) -> Certificate:
    """Rigorous certificate of ``E'(t) ≤ bound (+ τ)`` for almost every t on the segment a → b
    (with bound 0: E is non-increasing, E being continuous and piecewise polynomial).

    On piece i of the sweep, E'(t) ≤ p_i'(t) + 4·error_bound + ambiguity_i: p_i' is the float
    piece's derivative (coefficients c₁, 2c₂, 3c₃, 4c₄; 3c₃ rounds once), 4·error_bound bounds
    the derivative of a coefficient error of ℓ1 size error_bound on t ∈ [0, 1], and
    ambiguity_i (:func:`sublevel.numerics.energies.relu_bounds.slope_ambiguity`) the slivers where a
    sign is not decided by the float computation. These terms are added to each derivative
    piece's constant coefficient, whose maximum is then enclosed by :func:`maximise_piecewise`.
    Fails only if, on a piece of positive width, the lower end exceeds bound + τ.
    """
    from sublevel.numerics.energies.relu_bounds import slope_ambiguity

    if not isinstance(bound, (int, float, np.integer, np.floating)) or not np.isfinite(bound):
        raise InputError(f"bound {bound!r} is not a finite number")
    start = time.perf_counter()
    tol, tau = _split_tolerances(tolerances)
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    pq = landscape.energy_pieces(a, b)
    amb, info = slope_ambiguity(landscape, a, b, pq.breakpoints, pq.residual_bound)
    c = pq.coeffs
    d = c[:, 1:] * np.arange(1, c.shape[1])[None, :]
    const = 4 * pq.error_bound + amb + 3 * _U * np.abs(c[:, 3])
    # d₀ + const rounded up past the two roundings of this line (≤ 3.01u(|d₀| + const))
    shift = const * (1 + 4 * _U) + 4 * _U * np.abs(d[:, 0])
    d[:, 0] = d[:, 0] + shift
    res = maximise_piecewise(pq.breakpoints, d, prune_tol=0.0)
    hi = res.upper
    width = pq.breakpoints[res.piece + 1] - pq.breakpoints[res.piece]
    lo = res.lower - 2 * float(shift[res.piece]) if width > 0 else -np.inf
    lo, hi = _hull(float(np.nextafter(min(lo, hi), -np.inf)), hi)
    return _enclosure_certificate(
        lo,
        hi,
        res.value - float(shift[res.piece]),
        res.argmax_t,
        bound,
        tol,
        tau,
        label=label,
        promise=promise,
        start=start,
        details={
            "quantity": "dE/dt",
            "pieces": pq.n_pieces,
            "error_bound": pq.error_bound,
            "upper_bound": hi,
            **info,
        },
    )


def _endpoint_energy(landscape: Any, theta: np.ndarray) -> float:
    return float(landscape.energy(theta))


def _point_enclosure(landscape: Any, theta: np.ndarray) -> tuple[float, float]:
    """Proven enclosure of the exact E(θ) (the zero-length segment θ → θ: one piece, no event)."""
    enc = certify_relu_segment(landscape, theta, theta, 0.0).max_energy_enclosure
    assert enc is not None
    return enc


def _relu_segments(piece: Piece) -> list[tuple[np.ndarray, np.ndarray]] | None:
    from sublevel.numerics.paths.base import Polygonal

    if isinstance(piece, Segment):
        return [(piece.a, piece.b)]
    if isinstance(piece, Polygonal):
        return list(zip(piece.beads[:-1], piece.beads[1:]))
    return None


def first_layer_fixed(landscape: Any, a: np.ndarray, b: np.ndarray) -> bool:
    """True when W and b are bitwise equal at a and b: along a → b the hidden activations are
    fixed and the residuals affine in t, so E(t) = (1/L) Σ_l ‖r_l(t)‖² + κ‖U(t)‖₁ is convex in t
    (exactly, for the exact inputs)."""
    A, B = landscape.unflatten(a), landscape.unflatten(b)
    return bool(np.array_equal(A.W, B.W) and np.array_equal(A.b, B.b))


def exactly_constant(landscape: Any, a: np.ndarray, b: np.ndarray) -> bool:
    """True when E is exactly constant along a → b by structure (exact rational sums):

    * c is unchanged and every hidden unit whose row (w_j, b_j) moves has output weight exactly
      0 at both ends (it contributes nothing at any t);
    * the other units, grouped by bitwise-identical rows (identical activations), keep each
      group's total output weight: Σ_{j∈G} u_A,kj = Σ_{j∈G} u_B,kj, so every output is constant;
    * with ℓ1 (κ > 0): no output weight changes sign and ‖U_A‖₁ = ‖U_B‖₁, so
      κ‖(1 − t)U_A + tU_B‖₁ = κ((1 − t)‖U_A‖₁ + t‖U_B‖₁) is constant.
    """
    A, B = landscape.unflatten(a), landscape.unflatten(b)
    if not np.array_equal(A.c, B.c):
        return False
    moved = np.any(A.W != B.W, axis=1) | (A.b != B.b)
    if np.any(A.U[:, moved] != 0) or np.any(B.U[:, moved] != 0):
        return False
    groups: dict[bytes, list[int]] = {}
    for j in np.flatnonzero(~moved):
        groups.setdefault(np.append(A.W[j], A.b[j]).tobytes(), []).append(int(j))
    exact = lambda xs: sum((Fraction(float(x)) for x in xs), Fraction(0))  # noqa: E731
    for js in groups.values():
        for k in range(A.U.shape[0]):
            if exact(A.U[k, js]) != exact(B.U[k, js]):
                return False
    if getattr(landscape, "l1", 0.0):
        if np.any(np.sign(A.U) * np.sign(B.U) < 0):
            return False
        if exact(np.abs(A.U).ravel()) != exact(np.abs(B.U).ravel()):
            return False
    return True


def _widen_fails(cert: Certificate, ref_hi: float) -> Certificate:
    """A certificate decided against the proven lower end of a reference value: it fails only if
    its enclosure's lower end also exceeds the reference's upper end, else it is inconclusive."""
    enc = cert.max_energy_enclosure
    if cert.outcome == "fails" and enc is not None and not enc[0] > ref_hi:
        cert.outcome, cert.holds = "inconclusive", False
    return cert


def _structural(
    label: str,
    promise: str,
    value: float,
    enclosure: tuple[float, float],
    tol: dict[str, float],
    why: str,
    start: float,
) -> Certificate:
    return Certificate(
        True,
        value,
        0.0,
        value,
        "exact",
        margin=0.0,
        tolerances=tol,
        label=label,
        promise=promise,
        wall_time=time.perf_counter() - start,
        max_energy_enclosure=enclosure,
        details={"structural": why},
    )


def certify_relu_promise(
    landscape: Any, piece: Piece, *, tolerances: dict[str, float] | None = None
) -> Certificate | None:
    """Certificate of a straight (or polygonal) piece's own promise on a ReLU landscape.

    * ≤ max of endpoints: a segment whose first layer is fixed has convex energy
      (:func:`first_layer_fixed`), so it holds by structure (``exact``); otherwise each segment's
      rigorous enclosure is compared with proven enclosures [lo, hi] of E(start), E(end): holds if
      its top ≤ max(lo), fails if its bottom > max(hi), else inconclusive (``rigorous``);
    * constant energy: holds by structure when nothing that contributes moves
      (:func:`exactly_constant`, ``exact``); otherwise |E − E(start)| ≤ τ by two rigorous
      segment certificates of ±(E − e) (e = E(start) in float) widened by the proven distance
      of e to the exact E(start) — with τ = 0 at best ``inconclusive`` (within rounding);
    * non-increasing: a rigorous enclosure of max E' (:func:`certify_relu_slope`) ≤ 0.

    τ = ``tolerances["tau"]`` (default 0) relaxes each comparison and is recorded when used. None
    for ≤ bound / no promise; falls back to :func:`certify_promise` for curved pieces."""
    if piece.promise in (NO_PROMISE, LE_BOUND):
        return None
    segs = _relu_segments(piece)
    if segs is None:
        return certify_promise(landscape, piece, tolerances=tolerances)
    tol, tau = _split_tolerances(tolerances)
    label = f"{piece.label} [{piece.promise}]"
    start = time.perf_counter()
    certs: list[Certificate] = []
    if piece.promise == LE_MAX_ENDPOINTS:
        e0, e1 = _point_enclosure(landscape, segs[0][0]), _point_enclosure(landscape, segs[-1][1])
        ref_lo, ref_hi = max(e0[0], e1[0]), max(e0[1], e1[1])
        if len(segs) == 1 and first_layer_fixed(landscape, *segs[0]):
            value = max(
                _endpoint_energy(landscape, segs[0][0]), _endpoint_energy(landscape, segs[0][1])
            )
            return _structural(
                label,
                piece.promise,
                value,
                (ref_lo, ref_hi),
                tol,
                "first layer fixed: E convex in t, so E(t) ≤ max(E(0), E(1))",
                start,
            )
        for i, (a, b) in enumerate(segs):
            if first_layer_fixed(landscape, a, b):  # convex: only the inner beads need a check
                beads = [x for x, inner in ((a, i > 0), (b, i < len(segs) - 1)) if inner]
                certs += [
                    certify_relu_segment(
                        landscape, x, x, ref_lo, tolerances=tol, label=label, promise=piece.promise
                    )
                    for x in beads
                ]
            else:
                certs.append(
                    certify_relu_segment(
                        landscape, a, b, ref_lo, tolerances=tol, label=label, promise=piece.promise
                    )
                )
        certs = [_widen_fails(c, ref_hi) for c in certs]
        if not certs:  # every segment convex and no inner bead: impossible for > 1 segment
            raise AssertionError("a polygonal piece has inner beads")
    elif piece.promise == CONSTANT:
        e_start = _endpoint_energy(landscape, segs[0][0])
        if all(exactly_constant(landscape, a, b) for a, b in segs):
            enc = _point_enclosure(landscape, segs[0][0])
            cert = _structural(
                label,
                piece.promise,
                0.0,
                (0.0, 0.0),
                tol,
                "nothing that contributes moves: E(t) = E(start) exactly",
                start,
            )
            cert.details["quantity"] = "±(E − E(start))"
            cert.details["energy_enclosure"] = enc
            return cert
        s_lo, s_hi = _point_enclosure(landscape, segs[0][0])
        dist = max(e_start - s_lo, s_hi - e_start)  # |e_start − E(start)| ≤ dist (proven)
        for a, b in segs:
            for sgn in (1.0, -1.0):
                cert = certify_relu_segment(
                    landscape,
                    a,
                    b,
                    0.0,
                    tolerances=tol,
                    label=label,
                    promise=piece.promise,
                    offset=e_start,
                    sign=sgn,
                    quantity="±(E − E(start))",
                )
                assert cert.max_energy_enclosure is not None
                lo = float(np.nextafter(cert.max_energy_enclosure[0] - dist, -np.inf))
                hi = float(np.nextafter(cert.max_energy_enclosure[1] + dist, np.inf))
                cert.outcome, cert.holds_within = _decide(lo, hi, 0.0, tau)
                cert.holds = cert.outcome == "holds"
                cert.max_energy_enclosure, cert.margin = (lo, hi), -hi
                cert.details["start_energy_distance"] = dist
                certs.append(cert)
    elif piece.promise == NON_INCREASING:
        certs = [
            certify_relu_slope(
                landscape, a, b, 0.0, tolerances=tol, label=label, promise=piece.promise
            )
            for a, b in segs
        ]
    else:
        raise InputError(f"unknown promise {piece.promise!r}")
    out = combine(certs, label=label) if len(certs) > 1 else certs[0]
    out.promise = piece.promise
    return out


def certify_relu_path(
    landscape: Any,
    path: Path,
    bound: float,
    *,
    check_promises: bool = True,
    tolerances: dict[str, float] | None = None,
    **options: Any,
) -> PathCertificate:
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
            certs = [
                certify_relu_segment(
                    landscape,
                    a,
                    b,
                    bound,
                    tolerances=tolerances,
                    label=piece.label,
                    promise=piece.promise,
                )
                for a, b in segs
            ]
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
