"""``sublevel geodesic --compare``: DSS against the field's path finders at *their own* settings.

A fair comparison (issue 12 §6) does not hand Bezier and AutoNEB DSS's gradient budget at one
learning rate. Here each baseline gets

1. a learning-rate search per landscape: pilot runs at every rate of ``LR_GRID`` with
   ``pilot_fraction`` of the budget; the rate whose final dense maximum is lowest wins (ties:
   the smaller rate); the pilots' gradients are reported (``tuning_gradient_evaluations``);
2. a full run at the chosen rate with ``budget`` = max(``budget_factor``·DSS's gradients,
   ``min_budget``) gradient evaluations, traced every ``budget // trace_points`` gradients.

Reported per method: the cost to reach the level — gradient evaluations until the path's
densely evaluated maximum is ≤ the level (``grads_to_level``; None if never) — and the final
dense maximum, next to the certified maximum against the bound accept_factor·level. The
straight segment costs 0; DSS's cost is its total if its final path's dense maximum is ≤ the
level.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["LR_GRID", "tuned_comparison", "dense_max"]

#: learning rates searched for each baseline (SGD with momentum 0.9)
LR_GRID = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1)


def dense_max(landscape: Any, result: Any, n: int = 257) -> float:
    """max E over ``n`` points equally spaced in arc length along the result's path."""
    from sublevel.numerics.paths.base import Path as CurvePath

    path = CurvePath(result.pieces())
    pts = path.reparametrise(n=n).points(np.linspace(0, 1, n))
    return float(np.max(landscape.energies(pts)))


def _run(
    kind: str,
    land: Any,
    a: Any,
    b: Any,
    u: float,
    budget: int,
    lr: float,
    seed: int,
    common: dict[str, Any],
    trace_every: int,
) -> Any:
    from sublevel.numerics.geodesic.baselines import autoneb, bezier_curve

    if kind == "bezier":
        return bezier_curve(
            land, a, b, u, steps=budget, lr=lr, seed=seed, trace_every=trace_every, **common
        )
    return autoneb(
        land,
        a,
        b,
        u,
        cycles=4,
        steps_per_cycle=max(1, budget // 8),
        lr=lr,
        max_gradient_evaluations=budget,
        trace_every=trace_every,
        **common,
    )


def tuned_comparison(
    exp: Any,
    a: Any,
    b: Any,
    dss_result: Any,
    seed: int,
    *,
    lr_grid: tuple[float, ...] = LR_GRID,
    budget_factor: float = 2.0,
    min_budget: int = 200,
    pilot_fraction: float = 0.25,
    trace_points: int = 20,
) -> tuple[list[Any], list[dict[str, Any]]]:
    """(results, rows): DSS, the straight segment, Bezier and AutoNEB (module docstring)."""
    from sublevel.numerics.geodesic.baselines import straight_segment

    land = exp.landscape
    u, factor = dss_result.level, dss_result.params["accept_factor"]
    common = {
        "accept_factor": factor,
        "length_on": exp.length_on,
        "n_interp": dss_result.params["n_interp"],
        "certify_options": dss_result.params["certify_options"],
    }
    budget = max(int(budget_factor * dss_result.n_gradient_evaluations), int(min_budget))
    pilot = max(8, int(pilot_fraction * budget))
    results = [dss_result, straight_segment(land, a, b, u, **common)]
    tuning: dict[str, dict[str, Any]] = {"dss (breadth-first)": {}, "straight segment": {}}
    for kind in ("bezier", "autoneb"):
        scores = []
        pilot_grads = 0
        for lr in lr_grid:
            r = _run(kind, land, a, b, u, pilot, lr, seed, common, 0)
            pilot_grads += r.n_gradient_evaluations
            scores.append((dense_max(land, r), lr))
        best_lr = min(scores, key=lambda s: (s[0] if np.isfinite(s[0]) else np.inf, s[1]))[1]
        res = _run(
            kind, land, a, b, u, budget, best_lr, seed, common, max(1, budget // trace_points)
        )
        results.append(res)
        tuning[res.method] = {
            "lr": best_lr,
            "pilot_budget": pilot,
            "pilot_dense_max": {f"{lr:g}": m for m, lr in scores},
            "tuning_gradient_evaluations": pilot_grads,
            "budget": budget,
        }
    rows = []
    for r in results:
        top = dense_max(land, r)
        if r.method == "straight segment":
            to_level = 0 if top <= u else None
        elif r.method in ("bezier", "autoneb"):
            to_level = r.info.get("grads_to_level")
        else:
            to_level = r.n_gradient_evaluations if top <= u else None
        proof = bool(r.certificates) and all(c.is_proof for c in r.certificates)
        certified = (
            max(
                (c.max_energy_enclosure[1] if c.max_energy_enclosure else c.max_energy)
                for c in r.certificates
            )
            if proof
            else None
        )
        rows.append(
            {
                **r.summary(),
                "accept_factor": factor,
                "dense_max": top,
                "certified_max": certified,
                "grads_to_level": to_level,
                "trace": r.info.get("trace", []),
                **tuning.get(r.method, {}),
            }
        )
    return results, rows
