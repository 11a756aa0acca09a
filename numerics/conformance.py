"""Conformance suites for landscapes, paths and path finders (in the spirit of scikit-learn's
``check_estimator``): every invariant is written once and applied to every implementation —
the built-in ones in the test suite, and a user's own model or solver the same way::

    from sublevel.numerics.conformance import check_landscape, check_path_finder
    report = check_landscape(my_landscape)          # -> ConformanceReport
    print(report)                                   # one line per check, with its numbers
    report.raise_if_failed()                        # AssertionError naming the failed checks

Each check returns *evidence*, not a bool (pymanopt's ``check_gradient``): the fitted slope of
the Taylor remainder, the largest finite-difference error, the largest batch/point gap.

**Landscapes** (:func:`check_landscape`): energy finite and float; ``energy_and_grad`` agrees
with ``energy``; the gradient has shape (D,); the Taylor remainder
r(s) = |E(θ + s v) − E(θ) − s⟨∇E(θ), v⟩| has log-log slope ≈ 2 on its smallest resolved steps
(slope 1 means a wrong gradient); central differences (E(θ + hv) − E(θ − hv))/2h agree with
⟨∇E, v⟩; ``energies`` of a batch (T, D) is (T,) float64 and equals ``energy`` pointwise;
repeated calls are bitwise identical (and a landscape rebuilt from the same seed gives the same
energies, when a ``rebuild`` factory is given); a point of the wrong dimension or with a NaN is
rejected with a ``ValueError``; ``energy_polynomial(a, b)`` (when present) equals the energy
along the segment.

**Paths** (:func:`check_path`, :func:`check_profile`): endpoints fixed, consecutive pieces meet,
length ≥ ‖θ_B − θ_A‖, the reversed path is the same curve, every certificate's maximum is ≥ a
dense evaluation of its piece (for exact/rigorous/bounded certificates the top of the proven
enclosure, with no slack — a sample above it by no more than the float evaluation's rounding is
reported as "within rounding", not passed; ``sampled_rtol`` for sampled ones), its outcome does
not contradict its own maximum and bound, and the path maximum is ≥ the endpoint energies.

**Path finders** (:func:`check_path_finder`): ``finder(landscape, θ_A, θ_B, level, **options)
-> StringResult`` is run on a catalogue of problems with known answers (a convex quadratic,
where it must connect; a double well below its ridge, where connecting would be a false claim —
the wells are certified disconnected in closed form; the same double well above its ridge) and
every result is checked as a path (above), plus: the reported normalised length is ≥ 1 and
matches the beads, ``connected`` is true exactly when every certificate holds, and a second run
with the same arguments gives bitwise the same beads (determinism under a seed).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sublevel.numerics.backends.function import as_landscape
from sublevel.numerics.certify import certify_path, energy_along
from sublevel.numerics.landscape import as_theta
from sublevel.numerics.paths.base import Path, Piece
from sublevel.theory.errors import InputError

__all__ = [
    "ConformanceCheck",
    "ConformanceReport",
    "check_landscape",
    "check_path",
    "check_profile",
    "check_path_finder",
    "taylor_slope",
    "PathFinderProblem",
    "path_finder_problems",
]

EPS = float(np.finfo(np.float64).eps)


# ---------------------------------------------------------------------------- reports


@dataclass
class ConformanceCheck:
    """One invariant: passed (True/False, or None when it does not apply), why, the numbers."""

    name: str
    passed: bool | None
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "message": self.message,
            "details": _jsonable(self.details),
        }


@dataclass
class ConformanceReport:
    """Every check run on one subject (a landscape, a path, a finder on a problem)."""

    subject: str
    checks: list[ConformanceCheck] = field(default_factory=list)
    wall_time: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no check failed (checks that do not apply are not failures)."""
        return all(c.passed is not False for c in self.checks)

    def __bool__(self) -> bool:
        return self.ok

    def failures(self) -> list[ConformanceCheck]:
        return [c for c in self.checks if c.passed is False]

    def __getitem__(self, name: str) -> ConformanceCheck:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"no check named {name!r}; checks: {', '.join(c.name for c in self.checks)}")

    def names(self) -> list[str]:
        return [c.name for c in self.checks]

    def add(self, name: str, passed: bool | None, message: str = "", **details: Any) -> None:
        self.checks.append(
            ConformanceCheck(name, None if passed is None else bool(passed), message, details)
        )

    def extend(self, other: ConformanceReport, prefix: str = "") -> None:
        for c in other.checks:
            self.checks.append(ConformanceCheck(prefix + c.name, c.passed, c.message, c.details))

    def __str__(self) -> str:
        mark = {True: "ok  ", False: "FAIL", None: "n/a "}
        lines = [
            f"conformance of {self.subject}: {'ok' if self.ok else 'FAILED'} "
            f"({len(self.failures())} of {len(self.checks)} checks failed)"
        ]
        lines += [f"  {mark[c.passed]} {c.name}: {c.message}" for c in self.checks]
        return "\n".join(lines)

    def raise_if_failed(self) -> None:
        """``AssertionError`` naming every failed check with its message."""
        if not self.ok:
            failed = "; ".join(f"{c.name}: {c.message}" for c in self.failures())
            raise AssertionError(f"{self.subject} fails conformance: {failed}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "ok": self.ok,
            "wall_time": self.wall_time,
            "checks": [c.to_dict() for c in self.checks],
        }


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (np.floating, np.integer, np.bool_)):
        return x.item()
    return x


def _guard(report: ConformanceReport, name: str, fn: Callable[[], None]) -> None:
    """Run one check; an exception inside it is that check's failure, never the suite's."""
    try:
        fn()
    except Exception as exc:  # a conformance suite reports, it does not crash
        report.add(name, False, f"raised {type(exc).__name__}: {exc}")


# ---------------------------------------------------------------------------- landscapes


def taylor_slope(
    energies: Callable[[np.ndarray], np.ndarray],
    theta: np.ndarray,
    e0: float,
    grad: np.ndarray,
    direction: np.ndarray,
    *,
    steps: np.ndarray | None = None,
    window: int = 6,
    noise_factor: float = 1e4,
) -> dict[str, Any]:
    """Slope of log r(s) against log s, r(s) = |E(θ + s v) − E(θ) − s⟨∇E(θ), v⟩|, fitted on
    the ``window`` smallest steps whose remainder is above rounding (r > noise_factor·ε·|E|).

    A correct gradient gives slope ≈ 2 (r = O(s²)); a wrong one slope ≈ 1 as s → 0. When r is
    at rounding level for every step, E is affine along v to machine precision: slope = inf.
    (pymanopt's ``check_gradient`` fits the same remainder; the smallest resolved steps are
    used because far from 0 the curvature can mask a wrong gradient.)
    """
    s = np.logspace(-8, 0, 33) if steps is None else np.asarray(steps, dtype=np.float64)
    pts = theta[None, :] + s[:, None] * direction[None, :]
    values = np.asarray(energies(pts), dtype=np.float64)
    rem = np.abs(values - e0 - s * float(grad @ direction))
    floor = noise_factor * EPS * max(1.0, abs(e0), float(np.max(np.abs(values))))
    resolved = np.flatnonzero(np.isfinite(rem) & (rem > floor))
    if resolved.size == 0:
        return {"slope": math.inf, "steps": s, "remainders": rem, "window": [], "floor": floor}
    idx = resolved[:window] if resolved.size >= 2 else resolved
    if idx.size < 2:
        return {"slope": math.nan, "steps": s, "remainders": rem, "window": idx, "floor": floor}
    slope = float(np.polyfit(np.log(s[idx]), np.log(rem[idx]), 1)[0])
    return {"slope": slope, "steps": s, "remainders": rem, "window": idx, "floor": floor}


def _default_points(land: Any, theta: Any, rng: np.random.Generator, scale: float) -> np.ndarray:
    if theta is not None:
        return as_theta(theta, land.dim)
    init = getattr(land, "init", None)
    if callable(init):
        try:
            return as_theta(init(seed=int(rng.integers(2**31))), land.dim)
        except TypeError:
            pass
    return scale * rng.standard_normal(land.dim)


def check_landscape(
    landscape: Any,
    theta: Any | None = None,
    *,
    seed: int = 0,
    dim: int | None = None,
    n_points: int = 4,
    scale: float = 0.5,
    rebuild: Callable[[], Any] | None = None,
    slope_min: float = 1.8,
    fd_step: float = 1e-6,
    fd_rtol: float = 1e-5,
    batch_rtol: float = 1e-9,
    polynomial_rtol: float = 1e-7,
    name: str | None = None,
) -> ConformanceReport:
    """Run the landscape conformance suite (see the module doc) at ``theta`` (default: the
    landscape's ``init(seed=…)`` when it has one, else a Gaussian point of scale ``scale``).

    ``rebuild`` (optional) constructs the same landscape again from the same seed; the two
    must give bitwise the same energies. Tolerances are named and recorded in the details.
    """
    if isinstance(n_points, bool) or not isinstance(n_points, int) or n_points < 1:
        raise InputError(f"n_points = {n_points!r}: need an integer ≥ 1")
    for label, value in (
        ("scale", scale),
        ("fd_step", fd_step),
        ("fd_rtol", fd_rtol),
        ("batch_rtol", batch_rtol),
        ("polynomial_rtol", polynomial_rtol),
    ):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise InputError(f"{label} = {value!r} must be positive and finite")
    start = time.perf_counter()
    report = ConformanceReport(name or type(landscape).__name__)
    try:
        land = as_landscape(landscape, dim)
    except InputError as exc:
        report.add("interface", False, str(exc))
        return report
    report.add("interface", True, f"dimension {land.dim}", dim=land.dim)
    # the object's own methods where it has them (an adapter would hide their disagreements)
    energy_fn = landscape.energy if hasattr(landscape, "energy") else land.energy
    energies_fn = landscape.energies if hasattr(landscape, "energies") else land.energies
    grad_fn = (
        landscape.energy_and_grad if hasattr(landscape, "energy_and_grad") else land.energy_and_grad
    )
    rng = np.random.default_rng(seed)
    th = _default_points(land, theta, rng, scale)
    D = land.dim
    state: dict[str, Any] = {}

    def energy_finite() -> None:
        e = energy_fn(th)
        state["e"] = float(e)
        ok = isinstance(e, (float, np.floating)) and math.isfinite(float(e))
        report.add("energy_finite", ok, f"E(θ) = {float(e):.6g}", energy=float(e))

    _guard(report, "energy_finite", energy_finite)
    if "e" not in state or not math.isfinite(state["e"]):
        report.wall_time = time.perf_counter() - start
        return report
    e = state["e"]

    def grad_checks() -> None:
        e2, g = grad_fn(th)
        g = np.asarray(g)
        state["g"] = np.asarray(g, dtype=np.float64)
        gap = abs(float(e2) - e)
        report.add(
            "energy_and_grad_consistent",
            gap <= 1e-12 * max(1.0, abs(e)),
            f"|E from energy_and_grad − energy| = {gap:.3g}",
            gap=gap,
            rtol=1e-12,
        )
        ok = g.shape == (D,) and g.dtype == np.float64 and bool(np.all(np.isfinite(g)))
        report.add(
            "grad_shape",
            ok,
            f"shape {g.shape}, dtype {g.dtype}, finite {bool(np.all(np.isfinite(g)))}",
        )

    _guard(report, "energy_and_grad", grad_checks)
    v = rng.standard_normal(D)
    v /= np.linalg.norm(v)

    if "g" in state:
        g = state["g"]

        def taylor() -> None:
            fit = taylor_slope(energies_fn, th, e, g, v)
            slope = fit["slope"]
            ok = bool(slope >= slope_min)  # NaN (not enough resolved steps) fails
            msg = (
                "E is affine along v (remainder at rounding level)"
                if slope == math.inf
                else f"Taylor remainder slope {slope:.3f} (≥ {slope_min} expected; ≈ 1 means a wrong gradient)"
            )
            report.add(
                "gradient_taylor_slope",
                ok,
                msg,
                slope=slope,
                slope_min=slope_min,
                steps=fit["steps"],
                remainders=fit["remainders"],
                window=fit["window"],
            )

        def finite_differences() -> None:
            dirs = rng.standard_normal((3, D))
            dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
            h = fd_step * max(1.0, float(np.max(np.abs(th))))
            pts = np.concatenate([th + h * dirs, th - h * dirs])
            vals = np.asarray(energies_fn(pts), dtype=np.float64)
            fd = (vals[:3] - vals[3:]) / (2 * h)
            an = dirs @ g
            err = np.abs(fd - an) / np.maximum(1.0, np.maximum(np.abs(an), np.linalg.norm(g)))
            worst = float(np.max(err))
            report.add(
                "gradient_finite_differences",
                worst <= fd_rtol,
                f"largest relative error of ⟨∇E, v⟩ against central differences {worst:.3g} "
                f"(≤ {fd_rtol:g})",
                error=worst,
                fd_rtol=fd_rtol,
                step=h,
                directional=an,
                finite_difference=fd,
            )

        _guard(report, "gradient_taylor_slope", taylor)
        _guard(report, "gradient_finite_differences", finite_differences)

    pts = th[None, :] + scale * rng.standard_normal((n_points, D))

    def batch() -> None:
        out = energies_fn(pts)
        arr = np.asarray(out)
        shape_ok = arr.shape == (n_points,) and arr.dtype == np.float64
        report.add(
            "batch_shape",
            shape_ok,
            f"energies of ({n_points}, {D}) has shape {arr.shape}, dtype {arr.dtype}",
        )
        single = np.array([energy_fn(p) for p in pts], dtype=np.float64)
        gap = np.abs(arr.reshape(-1)[:n_points] - single) / np.maximum(1.0, np.abs(single))
        worst = float(np.max(gap))
        report.add(
            "batch_matches_pointwise",
            worst <= batch_rtol,
            f"largest relative gap between energies(Θ) and energy(θ_i) {worst:.3g} (≤ {batch_rtol:g})",
            gap=worst,
            batch_rtol=batch_rtol,
        )
        one = np.asarray(energies_fn(th[None, :]))
        report.add(
            "batch_of_one",
            one.shape == (1,) and abs(float(one[0]) - e) <= batch_rtol * max(1.0, abs(e)),
            f"energies of (1, {D}) has shape {one.shape}",
        )

    def deterministic() -> None:
        e_again = energy_fn(th)
        b1, b2 = np.asarray(energies_fn(pts)), np.asarray(energies_fn(pts))
        ok = e_again == e and np.array_equal(b1, b2)
        if "g" in state:
            ok = ok and np.array_equal(np.asarray(grad_fn(th)[1]), state["g"])
        report.add(
            "deterministic",
            ok,
            "repeated energy, energies and energy_and_grad are bitwise equal"
            if ok
            else "repeated calls gave different values",
        )

    _guard(report, "batch", batch)
    _guard(report, "deterministic", deterministic)

    if rebuild is not None:

        def rebuilt() -> None:
            other = as_landscape(rebuild(), dim)
            same = np.array_equal(np.asarray(other.energies(pts)), np.asarray(energies_fn(pts)))
            report.add(
                "rebuild_deterministic",
                same,
                "a landscape rebuilt from the same seed gives "
                + ("bitwise the same energies" if same else "different energies"),
            )

        _guard(report, "rebuild_deterministic", rebuilt)

    def rejects_bad_input() -> None:
        bad = {
            "wrong dimension": np.zeros(D + 1),
            "NaN entry": np.where(np.arange(D) == 0, np.nan, th),
        }
        accepted = []
        for what, x in bad.items():
            try:
                value = energy_fn(x)
            except ValueError:
                continue
            accepted.append(f"{what} → {value!r}")
        report.add(
            "rejects_bad_input",
            not accepted,
            "a point of the wrong dimension and a NaN entry raise ValueError (InputError)"
            if not accepted
            else "accepted " + "; ".join(accepted),
        )

    _guard(report, "rejects_bad_input", rejects_bad_input)

    poly_fn = getattr(land, "energy_polynomial", None)
    if callable(poly_fn):

        def polynomial() -> None:
            b = th + scale * rng.standard_normal(D)
            poly = poly_fn(th, b)
            if poly is None:  # the contract: None where the energy is not polynomial in t
                report.add(
                    "energy_polynomial_matches",
                    None,
                    "energy_polynomial returned None on a generic segment (not polynomial there)",
                )
                return
            gap = _polynomial_gap(land, poly, th, b)
            report.add(
                "energy_polynomial_matches",
                gap <= polynomial_rtol,
                f"energy_polynomial(a, b) against the energy along the segment: relative gap "
                f"{gap:.3g} (≤ {polynomial_rtol:g})",
                gap=gap,
                polynomial_rtol=polynomial_rtol,
            )

        _guard(report, "energy_polynomial_matches", polynomial)
    else:
        report.add("energy_polynomial_matches", None, "no energy_polynomial (float coefficients)")
    _check_polynomial_capabilities(report, land, th, scale, rng, polynomial_rtol)
    report.wall_time = time.perf_counter() - start
    return report


def _check_polynomial_capabilities(
    report: ConformanceReport,
    land: Any,
    th: np.ndarray,
    scale: float,
    rng: np.random.Generator,
    polynomial_rtol: float,
) -> None:
    """``energy_polynomial_exact`` (rationals; what makes certificates ``exact``) and
    ``energy_polynomial_enclosure`` (float coefficients with radii ≥ 0; ``rigorous``), when
    present, agree with the energy along a segment (the float evaluation, to
    ``polynomial_rtol``)."""
    from sublevel.numerics.certify import energy_polynomial_of

    for name in ("energy_polynomial_exact", "energy_polynomial_enclosure"):
        if not callable(getattr(land, name, None)):
            report.add(f"{name}_matches", None, f"no {name}")
            continue

        def check(name: str = name) -> None:
            b = th + scale * rng.standard_normal(th.size)
            poly = energy_polynomial_of(land, th, b)
            if poly is None or (name.endswith("exact") and poly.kind != "exact"):
                report.add(f"{name}_matches", None, f"{name} returned None on a generic segment")
                return
            radius = float(np.sum(poly.radii)) if poly.radii is not None else 0.0
            gap = _polynomial_gap(land, list(poly.float_coefficients), th, b)
            report.add(
                f"{name}_matches",
                gap <= polynomial_rtol,
                f"{name}(a, b) ({poly.kind}) against the energy along the segment: "
                f"relative gap {gap:.3g} (≤ {polynomial_rtol:g}), radius {radius:.3g}",
                gap=gap,
                radius=radius,
                polynomial_rtol=polynomial_rtol,
            )

        _guard(report, f"{name}_matches", check)


def _polynomial_gap(land: Any, poly: Any, a: np.ndarray, b: np.ndarray, n: int = 33) -> float:
    """Largest |p(t) − E((1 − t)a + tb)| / max(1, |E|) on a grid (and inside every piece)."""
    P = np.polynomial.polynomial
    if isinstance(poly, tuple) and len(poly) == 2:
        breaks = [float(x) for x in poly[0]]
        ts, vals = [], []
        for (lo, hi), coeffs in zip(zip(breaks, breaks[1:]), poly[1]):
            local = np.linspace(lo, hi, 5)[1:-1]
            ts.append(local)
            vals.append(P.polyval(local, np.asarray([float(c) for c in coeffs])))
        t = np.concatenate(ts)
        p = np.concatenate(vals)
    else:
        t = np.linspace(0.0, 1.0, n)
        p = P.polyval(t, np.asarray([float(c) for c in poly], dtype=np.float64))
    pts = (1.0 - t)[:, None] * a[None, :] + t[:, None] * b[None, :]
    e = np.asarray(land.energies(pts), dtype=np.float64)
    return float(np.max(np.abs(p - e) / np.maximum(1.0, np.abs(e))))


# ---------------------------------------------------------------------------- paths


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


# ---------------------------------------------------------------------------- path finders


@dataclass
class PathFinderProblem:
    """A problem with a known answer: ``expect`` is "connected", "not connected" (a false
    "connected" would contradict a closed-form disconnection certificate) or "either"."""

    name: str
    landscape: Any
    theta_a: np.ndarray
    theta_b: np.ndarray
    level: float
    expect: str


def path_finder_problems(seed: int = 0) -> list[PathFinderProblem]:
    """The catalogue: a convex quadratic in R⁴ (must connect); a double well in R² below its
    ridge (must not claim to connect) and above it (either, but consistently)."""
    from sublevel.numerics.geodesic.landscapes import ConvexQuadratic, DoubleWell

    rng = np.random.default_rng(seed)
    convex = ConvexQuadratic.random(4, seed=seed, condition=5.0)
    a = convex.center + rng.standard_normal(4)
    b = convex.center + rng.standard_normal(4)
    level = 1.05 * float(max(convex.energy(a), convex.energy(b)))
    well = DoubleWell(2, height=1.0)
    ma, mb = well.minima
    wa = ma + 0.05 * rng.standard_normal(2)
    wb = mb + 0.05 * rng.standard_normal(2)
    floor = float(max(well.energy(wa), well.energy(wb)))
    return [
        PathFinderProblem("convex quadratic", convex, a, b, level, "connected"),
        PathFinderProblem(
            "double well below its ridge", well, wa, wb, max(0.4, 1.2 * floor), "not connected"
        ),
        PathFinderProblem("double well above its ridge", well, wa, wb, 1.5, "either"),
    ]


def check_path_finder(
    finder: Callable[..., Any],
    *,
    problems: Sequence[PathFinderProblem] | None = None,
    seed: int = 0,
    options: dict[str, Any] | None = None,
    determinism: bool = True,
    n_dense: int = 257,
    sampled_rtol: float = 1e-3,
    name: str | None = None,
) -> ConformanceReport:
    """Run ``finder(landscape, θ_A, θ_B, level, **options)`` on every problem of the catalogue
    (:func:`path_finder_problems`) and check every result (see the module doc). Check names are
    prefixed with the problem's name."""
    if not callable(finder):
        raise InputError(f"finder {finder!r} is not callable")
    start = time.perf_counter()
    label = name or getattr(finder, "__name__", type(finder).__name__)
    report = ConformanceReport(f"path finder {label}")
    opts = dict(options or {})
    for prob in path_finder_problems(seed) if problems is None else problems:
        prefix = f"{prob.name}: "
        try:
            result = finder(
                prob.landscape, prob.theta_a.copy(), prob.theta_b.copy(), prob.level, **opts
            )
        except Exception as exc:
            report.add(prefix + "runs", False, f"raised {type(exc).__name__}: {exc}")
            continue
        missing = [
            k
            for k in ("beads", "certificates", "connected", "normalized_length", "pieces")
            if not hasattr(result, k)
        ]
        if missing:
            report.add(
                prefix + "returns_string_result", False, f"result lacks {', '.join(missing)}"
            )
            continue
        report.add(prefix + "returns_string_result", True, type(result).__name__)
        pieces = result.pieces()
        sub = check_path(
            prob.landscape,
            Path(pieces, check_continuity=False),
            certificates=result.certificates,
            pieces=pieces,
            theta_a=prob.theta_a,
            theta_b=prob.theta_b,
            n_dense=n_dense,
            sampled_rtol=sampled_rtol,
        )
        report.extend(sub, prefix)
        beads_ok = np.array_equal(result.beads[0], prob.theta_a) and np.array_equal(
            result.beads[-1], prob.theta_b
        )
        report.add(
            prefix + "bead_endpoints_fixed",
            beads_ok,
            "first and last beads are θ_A and θ_B exactly",
        )
        report.add(
            prefix + "normalized_length_at_least_one",
            result.normalized_length >= 1 - 1e-12,
            f"normalised length {result.normalized_length:.6g}",
        )
        if getattr(result, "length_on", "all parameters") == "all parameters" and hasattr(
            result, "polyline"
        ):
            pts = result.polyline()
            own = float(
                np.linalg.norm(np.diff(pts, axis=0), axis=1).sum()
                / np.linalg.norm(pts[-1] - pts[0])
            )
            report.add(
                prefix + "normalized_length_matches_beads",
                abs(own - result.normalized_length) <= 1e-9 * own,
                f"reported {result.normalized_length:.9g}, from the beads {own:.9g}",
            )
        all_hold = all(c.holds for c in result.certificates)
        failed = bool(getattr(result, "failed_beads", []))
        consistent = result.connected == (all_hold and not failed)
        report.add(
            prefix + "connected_iff_certificates_hold",
            consistent,
            f"connected = {result.connected}, every certificate holds = {all_hold}",
        )
        if hasattr(result, "is_proof"):
            proven = bool(result.connected) and all(
                c.decided and c.holds for c in result.certificates
            )
            report.add(
                prefix + "proof_iff_every_certificate_proven",
                result.is_proof == proven,
                f"is_proof = {result.is_proof}; every certificate holds with a proof "
                f"(never inconclusive or sampled) = {proven}",
            )
        if prob.expect == "connected":
            report.add(
                prefix + "connects",
                bool(result.connected),
                f"{result.status if hasattr(result, 'status') else result.connected} at level {prob.level:.4g}",
            )
        elif prob.expect == "not connected":
            report.add(
                prefix + "never_claims_a_false_connection",
                not result.connected,
                f"the wells are disconnected below the ridge; the finder reports "
                f"connected = {result.connected}",
            )
        if determinism:
            try:
                again = finder(
                    prob.landscape, prob.theta_a.copy(), prob.theta_b.copy(), prob.level, **opts
                )
                same = (
                    np.array_equal(again.beads, result.beads)
                    and again.connected == result.connected
                )
                report.add(
                    prefix + "deterministic",
                    same,
                    "a second run gives bitwise the same beads"
                    if same
                    else "a second run gave different beads",
                )
            except Exception as exc:
                report.add(
                    prefix + "deterministic",
                    False,
                    f"second run raised {type(exc).__name__}: {exc}",
                )
    report.wall_time = time.perf_counter() - start
    return report
