"""The named tolerances every certificate records, and their validation.

No slack decides a theorem: ``tau`` is the user's tolerance τ (E ≤ bound + τ, default 0,
recorded as ``holds_within`` when it was needed) and ``sampled_rtol`` only keeps a *sampled*
excess within rounding from being reported as a failure (it is ``inconclusive``, never
``holds``). See :mod:`sublevel.numerics.certify`.
"""

from __future__ import annotations

import numpy as np
from sublevel.theory.errors import InputError

__all__ = ["DEFAULT_TOLERANCES", "bound_slack", "resolve_tolerances"]

#: named tolerances; every certificate records the ones it used
DEFAULT_TOLERANCES = {
    "tau": 0.0,  # the user's tolerance τ: E ≤ bound + τ (theorem checks: 0)
    "sampled_rtol": 1e-9,  # sampled excess below this (relative) is inconclusive, not a failure
}


def bound_slack(bound: float, tol: dict[str, float]) -> float:
    """The allowance on E ≤ bound: the user's τ only (``tol["tau"]``, 0 by default) — no slack
    decides a theorem."""
    return float(tol.get("tau", 0.0))


def resolve_tolerances(tolerances: dict[str, float] | None) -> dict[str, float]:
    """:data:`DEFAULT_TOLERANCES` updated with the user's ``tolerances``; an unknown key, a
    negative or a non-finite value raises :class:`InputError` naming it."""
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
