"""The explicit spurious valley of a two-layer ReLU network (VBB Theorem 13, papers.md §4.5(a)).

Population energy (:class:`sublevel.numerics.energies.two_layer_population.PopulationTwoLayer`)
with X = (G_1..G_{n−1}, 0) or (0, …, 0, G_n) with probability ½ each and a ReLU teacher; the
set V_p^+ of networks whose rows ignore the last coordinate and whose output weights are
positive contains θ_bad (energy β²/4) but not θ_good (energy α²/4).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from sublevel.numerics.energies.two_layer import _check_int
from sublevel.numerics.energies.two_layer_population import PopulationTwoLayer
from sublevel.theory.errors import InputError

__all__ = ["ReluValley", "relu_valley"]


@dataclass
class ReluValley:
    """The explicit spurious valley of VBB Theorem 13 (papers.md §4.5(a))."""

    landscape: PopulationTwoLayer
    theta_bad: np.ndarray
    theta_good: np.ndarray
    n: int
    p: int
    alpha: float
    beta: float

    @property
    def energy_bad(self) -> float:
        """Closed form β²/4: branch 1 fitted exactly, branch 2 predicted 0, E[ρ(G)²] = 1/2."""
        return self.beta**2 / 4

    @property
    def energy_good(self) -> float:
        """Closed form α²/4: one branch-1 unit lost, branch 2 fitted."""
        return self.alpha**2 / 4

    def in_valley(self, theta: Any, *, atol: float = 0.0) -> bool:
        """θ ∈ V_p^+: every row of W in span(e_1..e_{n−1}) (|w_in| ≤ atol) and u > 0."""
        W, U = self.landscape.unflatten(theta)
        return bool(np.all(np.abs(W[:, -1]) <= atol) and np.all(U > 0))


def relu_valley(n: int, p: int, alpha: float = 2.0, beta: float = 3.0) -> ReluValley:
    """VBB Thm 13: X = (G_1..G_{n−1}, 0) or (0, …, 0, G_n) with probability ½ each,
    Y = Σ_{i≤p} α ρ(X_i) − β ρ(X_n); θ_bad = (W = [e_1..e_p], u = α),
    θ_good = (W = [e_1..e_{p−1}, e_n], u = (α, …, α, −β)). Needs n ≥ 3, 2 ≤ p ≤ n − 1."""
    n, p = _check_int(n, "n", 3), _check_int(p, "p", 2)
    if p > n - 1:
        raise InputError(f"p = {p} > n − 1 = {n - 1}: the valley needs 2 ≤ p ≤ n − 1")
    for name, v in (("alpha", alpha), ("beta", beta)):
        if not (math.isfinite(v) and v > 0):
            raise InputError(f"{name} = {v!r} must be finite and > 0")
    eye = np.eye(n)
    Wt = np.vstack([eye[:p], eye[n - 1]])
    Ut = np.concatenate([np.full(p, alpha), [-beta]])[None, :]
    mixture = [(0.5, eye[:, : n - 1]), (0.5, eye[:, n - 1 :])]
    land = PopulationTwoLayer("relu", n, p, teacher_W=Wt, teacher_U=Ut, mixture=mixture)
    bad = land.flatten(eye[:p], np.full((1, p), alpha))
    good_W = np.vstack([eye[: p - 1], eye[n - 1]])
    good = land.flatten(good_W, np.concatenate([np.full(p - 1, alpha), [-beta]])[None, :])
    return ReluValley(land, bad, good, n, p, float(alpha), float(beta))
