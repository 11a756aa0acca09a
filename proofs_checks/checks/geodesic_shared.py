"""What the geodesic checks share: the JSON summary of a string result and two trained minima.

Used by the DSS checks (:mod:`~sublevel.proofs_checks.checks.dss_polynomial`,
:mod:`~sublevel.proofs_checks.checks.dss_networks`) and the baselines
(:mod:`~sublevel.proofs_checks.checks.baselines`); papers.md §5, §6.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sublevel.numerics.geodesic.result import StringResult


def string_summary(res: StringResult) -> dict[str, Any]:
    """The JSON row of one DSS (or baseline) result: level, connected, status, beads, normalised
    length (length / straight-line distance, ≥ 1), max energy, certificate methods, gradient
    evaluations and wall time (s)."""
    return {
        "level": res.level,
        "connected": res.connected,
        "status": res.status,
        "beads": res.n_beads,
        "normalized_length": res.normalized_length,
        "max_energy": res.max_energy,
        "methods": res.methods,
        "gradient_evaluations": res.n_gradient_evaluations,
        "wall_time": res.wall_time,
    }


def train_pair(
    landscape: Any,
    seed: int,
    target: float,
    *,
    lr: float = 1e-2,
    max_steps: int = 20000,
    scheme: str = "glorot",
) -> tuple[np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """Two minima of ``landscape`` from independent random inits (init seeds
    7919·seed + 1 and 7919·seed + 2),
    trained by Adam to E ≤ ``target``: (θ_A, θ_B, [energy, steps, converged] per endpoint)."""
    from sublevel.numerics.geodesic.train import Adam, descend

    out, info = [], []
    for k in range(2):
        res = descend(
            landscape,
            landscape.init(seed * 7919 + k + 1, scheme),
            target,
            optimizer=Adam(lr=lr, max_steps=max_steps),
        )
        out.append(res.theta)
        info.append({"energy": res.energy, "steps": res.steps, "converged": res.converged})
    return out[0], out[1], info
