"""A priori bounds of floating-point rounding (IEEE 754 binary64, round to nearest).

u = 2⁻⁵³ is the unit round-off; γ_n = n·u/(1 − n·u) bounds the relative error of a sum or dot
product of n terms computed in any order (Higham, *Accuracy and Stability of Numerical
Algorithms*, 2nd ed., §3.1). Used to make float computations *rigorous*: every computed
quantity comes with a proven bound of its distance to the exact value (issue 11).
"""

from __future__ import annotations

import numpy as np
from sublevel.theory.errors import InputError

__all__ = ["U", "gamma", "up"]

U = float(np.finfo(np.float64).eps) / 2  # unit round-off 2^-53


def gamma(n: float) -> float:
    """γ_n = n·u/(1 − n·u), u = 2⁻⁵³: a sum or dot product of n terms computed in float64 (any
    order, with or without FMA) differs from the exact one by ≤ γ_n·Σ|terms| (Higham, *Accuracy
    and Stability of Numerical Algorithms*, 2nd ed., §3.1, Lemma 3.1 and eq. 3.5)."""
    nu = float(n) * U
    if not 0 <= nu < 0.5:
        raise InputError(f"γ_n needs 0 ≤ n·u < 1/2, got n = {n!r}")
    return nu / (1.0 - nu)


def up(x: float, n: float = 64) -> float:
    """x ≥ 0 computed in float64 from n non-negative operations, rounded up past their error:
    x·(1 + γ_n) (Higham §3.1: the exact value is ≤ computed·(1 + γ_n))."""
    return float(x) * (1.0 + gamma(n) + 2 * U)
