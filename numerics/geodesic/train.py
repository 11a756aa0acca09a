"""Training a point until its energy is below a target: the "projection" of BF'16's DSS.

BF'16 (papers.md §5.1–5.2) trains each new bead with the task's optimiser (Adam, lr 1e-3)
from the interpolant until E < α·L0 (α = 0.95 or 0.98); there is no proximity term. Here the
optimiser is full-batch Adam on the landscape (Kingma & Ba 2015, with bias correction):

    m ← β1 m + (1 − β1) g,  v ← β2 v + (1 − β2) g²,  θ ← θ − lr · m̂ / (√v̂ + ε),

optionally with the gradient and the step projected by ``project`` (a linear projection onto the
directions of an affine constraint set, e.g. a hyperplane: the iterate then stays on it) and
with gradients taken from a separate differentiable ``objective`` while the stopping test uses
the landscape (e.g. a test-error level with a cross-entropy trainer). A non-finite energy,
gradient or iterate stops the descent with the reason recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from sublevel.theory.errors import InputError

__all__ = ["Adam", "Descent", "descend"]


@dataclass(frozen=True)
class Adam:
    """Adam's constants and the step budget of one descent (every constant a parameter)."""

    lr: float = 1e-3
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    max_steps: int = 5000

    def __post_init__(self) -> None:
        if not (self.lr > 0 and np.isfinite(self.lr)):
            raise InputError(f"learning rate {self.lr!r} must be positive")
        if not (0 <= self.beta1 < 1 and 0 <= self.beta2 < 1):
            raise InputError(f"Adam betas ({self.beta1}, {self.beta2}) must lie in [0, 1)")
        if not (isinstance(self.max_steps, (int, np.integer)) and self.max_steps >= 0):
            raise InputError(f"max_steps {self.max_steps!r} must be an integer ≥ 0")

    def to_dict(self) -> dict[str, Any]:
        """The constants and the step budget by name (lr, beta1, beta2, eps, max_steps)."""
        return asdict(self)


@dataclass
class Descent:
    """Outcome of :func:`descend`."""

    theta: np.ndarray
    energy: float
    steps: int
    converged: bool
    reason: str
    gradient_evaluations: int = 0


def descend(
    landscape: Any,
    theta: np.ndarray,
    target: float,
    *,
    optimizer: Adam | None = None,
    project: Callable[[np.ndarray], np.ndarray] | None = None,
    objective: Any | None = None,
) -> Descent:
    """Adam from θ until E(θ) ≤ ``target`` (checked before every step) or the budget ends."""
    opt = optimizer or Adam()
    th = np.array(theta, dtype=np.float64)
    m = np.zeros_like(th)
    v = np.zeros_like(th)
    n_grad = 0
    b1t = b2t = 1.0
    for step in range(int(opt.max_steps) + 1):
        if not np.all(np.isfinite(th)):
            return Descent(
                th, float("nan"), step, False, f"non-finite iterate at step {step}", n_grad
            )
        if objective is None:
            e, g = landscape.energy_and_grad(th)
            n_grad += 1
        else:
            e = float(landscape.energy(th))
            if e <= target:
                return Descent(th, e, step, True, "target reached", n_grad)
            _, g = objective.energy_and_grad(th)
            n_grad += 1
        e = float(e)
        if not np.isfinite(e):
            return Descent(th, e, step, False, f"non-finite energy {e} at step {step}", n_grad)
        if e <= target:
            return Descent(th, e, step, True, "target reached", n_grad)
        if step == opt.max_steps:
            break
        g = np.asarray(g, dtype=np.float64)
        if not np.all(np.isfinite(g)):
            return Descent(th, e, step, False, f"non-finite gradient at step {step}", n_grad)
        if project is not None:
            g = project(g)
        b1t *= opt.beta1
        b2t *= opt.beta2
        m = opt.beta1 * m + (1 - opt.beta1) * g
        v = opt.beta2 * v + (1 - opt.beta2) * g * g
        update = (m / (1 - b1t)) / (np.sqrt(v / (1 - b2t)) + opt.eps)
        if project is not None:
            update = project(update)  # Adam rescales coordinates: project the step itself too
        th = th - opt.lr * update
    return Descent(
        th,
        e,
        int(opt.max_steps),
        False,
        f"step budget {opt.max_steps} exhausted at E = {e:.6g} > {target:.6g}",
        n_grad,
    )
