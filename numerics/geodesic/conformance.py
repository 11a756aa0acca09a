"""Invariants every path finder must satisfy, written once (in the spirit of scikit-learn's
``check_estimator`` and geomstats' property mixins) and applied to DSS, the straight segment,
Bezier/PolyChain and AutoNEB — and to a user's own finder with the same signature
``finder(landscape, theta_a, theta_b, level, **options) -> StringResult``.

Checks: the endpoints are fixed exactly; the normalised length is ≥ 1; the maximum on the path
is ≥ the maximum at the endpoints; every certificate agrees with a dense evaluation of its piece
(the dense maximum never exceeds a proof-grade certificate's maximum, nor a sampled one's by
more than ``sampled_rtol``); ``connected`` is true exactly when every certificate holds; the
reported length equals the path's own length.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from numerics.certify import energy_along
from numerics.geodesic.result import StringResult, normalized_length

__all__ = ["PathFinderReport", "check_path_finder", "check_result"]


@dataclass
class PathFinderReport:
    """Which invariants held, with the numbers behind them."""

    ok: bool
    checks: dict[str, bool]
    details: dict[str, Any] = field(default_factory=dict)
    result: StringResult | None = None

    def failures(self) -> list[str]:
        return [k for k, v in self.checks.items() if not v]


def check_result(result: StringResult, landscape: Any, theta_a: Any, theta_b: Any, *,
                 n_dense: int = 513, atol: float = 1e-9, sampled_rtol: float = 1e-3) -> PathFinderReport:
    """Check the invariants on a finder's result (see the module doc)."""
    a, b = np.asarray(theta_a, dtype=np.float64), np.asarray(theta_b, dtype=np.float64)
    ends = np.asarray(landscape.energies(np.stack([a, b])))
    pieces = result.pieces()
    dense_max, agree = [], []
    for piece, cert in zip(pieces, result.certificates):
        e = energy_along(landscape, piece)(np.linspace(0.0, 1.0, n_dense))
        m = float(np.max(e))
        dense_max.append(m)
        scale = max(1.0, abs(m))
        slack = atol * scale if cert.is_proof else (sampled_rtol * scale + atol)
        agree.append(bool(m <= cert.max_energy + slack) and (not cert.holds or m <= cert.bound + slack))
    path_max = max(c.max_energy for c in result.certificates)
    own = normalized_length(result.polyline(), None) if result.length_on == "all parameters" else None
    checks = {
        "endpoints_fixed": bool(np.array_equal(result.beads[0], a) and np.array_equal(result.beads[-1], b)),
        "length_at_least_one": bool(result.normalized_length >= 1.0 - 1e-12),
        "max_at_least_endpoint_max": bool(path_max >= float(np.max(ends)) - atol * max(1.0, abs(float(np.max(ends))))),
        "one_certificate_per_piece": len(result.certificates) == len(pieces),
        "certificates_agree_with_dense_evaluation": all(agree),
        "connected_iff_all_certificates_hold": result.connected == all(c.holds for c in result.certificates)
        or (not result.connected and bool(result.failed_beads)),
        "reported_length_consistent": own is None or abs(own - result.normalized_length) <= 1e-9 * own,
    }
    return PathFinderReport(all(checks.values()), checks,
                            {"dense_max": dense_max, "certificate_max": [c.max_energy for c in result.certificates],
                             "endpoint_energies": ends.tolist(), "n_dense": n_dense}, result)


def check_path_finder(finder: Callable[..., StringResult], landscape: Any, theta_a: Any, theta_b: Any,
                      level: float, **options: Any) -> PathFinderReport:
    """Run ``finder`` and check every invariant on its result."""
    result = finder(landscape, theta_a, theta_b, level, **options)
    return check_result(result, landscape, theta_a, theta_b)
