"""The path-finder conformance suite (:func:`check_path_finder`) and its catalogue of problems
with known answers (:func:`path_finder_problems`).

``finder(landscape, θ_A, θ_B, level, **options) -> StringResult`` is run on a convex quadratic,
where it must connect; a double well below its ridge, where connecting would be a false claim
(the wells are certified disconnected in closed form); the same double well above its ridge.
Every result is checked as a path (:func:`~sublevel.numerics.conformance.paths.check_path`),
plus: the first and last beads are θ_A and θ_B exactly, the reported normalised length is ≥ 1
and matches the beads, ``connected`` is true exactly when every certificate holds, and a second
run with the same arguments gives bitwise the same beads (determinism under a seed).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sublevel.numerics.conformance.paths import check_path
from sublevel.numerics.conformance.report import ConformanceReport
from sublevel.numerics.paths.base import Path
from sublevel.theory.errors import InputError

__all__ = ["PathFinderProblem", "path_finder_problems", "check_path_finder"]


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
