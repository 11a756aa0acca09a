"""Landscapes from plain callables, and adapters that make any landscape-like object complete.

* :class:`FunctionLandscape` — ``energy(θ)`` (and optionally ``grad(θ)``, ``energies(Θ)``) as
  plain numpy callables; a missing gradient is replaced by central differences
  (∂_i E ≈ (E(θ + h e_i) − E(θ − h e_i)) / 2h, error O(h²·|∂³E|) + O(ε_mach·|E|/h)).
* :func:`as_landscape` — any object with ``energy`` and ``energy_and_grad`` (optionally
  ``energies``) or a bare callable, as a :class:`~sublevel.numerics.landscape.Landscape`.
* :class:`CountingLandscape` — counts energy points, gradient evaluations and the wall time
  spent inside the wrapped landscape (what the DSS overhead benchmark measures).

The conformance suite for any landscape (gradient slope, batch = pointwise, determinism) is
:func:`sublevel.numerics.conformance.check_landscape`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
from sublevel.numerics.landscape import Landscape
from sublevel.theory.errors import InputError

__all__ = [
    "FunctionLandscape",
    "LandscapeAdapter",
    "as_landscape",
    "CountingLandscape",
    "finite_difference_grad",
]


def finite_difference_grad(
    energies: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, step: float = 1e-6
) -> np.ndarray:
    """Central differences of a batched energy at θ (2D points in one batch)."""
    d = theta.shape[0]
    h = step * max(1.0, float(np.max(np.abs(theta))))
    pts = np.concatenate([theta + h * np.eye(d), theta - h * np.eye(d)])
    e = np.asarray(energies(pts), dtype=np.float64)
    return (e[:d] - e[d:]) / (2 * h)


class FunctionLandscape(Landscape):
    """E given as callables: ``energy(θ) -> float``, optional ``grad(θ) -> (D,)`` and
    ``energies(Θ) -> (T,)``. Without ``grad``, central differences with step ``fd_step``.

    >>> land = FunctionLandscape(lambda th: float(th @ th), dim=2)
    >>> land.energy([3.0, 4.0])
    25.0
    """

    def __init__(
        self,
        energy: Callable[[np.ndarray], float],
        dim: int,
        *,
        grad: Callable[[np.ndarray], np.ndarray] | None = None,
        energies: Callable[[np.ndarray], np.ndarray] | None = None,
        fd_step: float = 1e-6,
        name: str = "function",
    ):
        if not callable(energy):
            raise InputError(f"energy {energy!r} is not callable")
        for label, fn in (("grad", grad), ("energies", energies)):
            if fn is not None and not callable(fn):
                raise InputError(f"{label} {fn!r} is not callable")
        if not isinstance(dim, (int, np.integer)) or dim < 1:
            raise InputError(f"dim {dim!r} must be a positive integer")
        if not (np.isfinite(fd_step) and fd_step > 0):
            raise InputError(f"fd_step {fd_step!r} must be positive")
        self.dim, self.name, self.fd_step = int(dim), name, float(fd_step)
        self._energy, self._grad, self._batch = energy, grad, energies

    def _energies(self, thetas: np.ndarray) -> np.ndarray:
        if self._batch is not None:
            return np.asarray(self._batch(thetas), dtype=np.float64).reshape(thetas.shape[0])
        return np.array([float(self._energy(t)) for t in thetas], dtype=np.float64)

    def _energy_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        e = float(self._energy(theta))
        if self._grad is not None:
            return e, np.asarray(self._grad(theta), dtype=np.float64).reshape(self.dim)
        return e, finite_difference_grad(self._energies, theta, self.fd_step)

    @property
    def has_analytic_grad(self) -> bool:
        """Whether a gradient function was given; without one, ``energy_and_grad`` uses
        central finite differences of step ``fd_step``."""
        return self._grad is not None


class LandscapeAdapter(Landscape):
    """Any object with ``energy`` and ``energy_and_grad`` as a complete Landscape.

    Optional capabilities of the wrapped object (``energies``, ``energy_polynomial``,
    ``weight_mask``, ``layers``, ``unflatten``…) are forwarded unchanged.
    """

    def __init__(self, inner: Any, dim: int):
        self.inner, self.dim = inner, int(dim)

    def __getattr__(self, name: str) -> Any:
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def _energies(self, thetas: np.ndarray) -> np.ndarray:
        if hasattr(self.inner, "energies"):
            return np.asarray(self.inner.energies(thetas), dtype=np.float64)
        return np.array([float(self.inner.energy(t)) for t in thetas], dtype=np.float64)

    def _energy_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        e, g = self.inner.energy_and_grad(theta)
        return float(e), np.asarray(g, dtype=np.float64)


def as_landscape(obj: Any, dim: int | None = None) -> Landscape:
    """A :class:`Landscape` from a Landscape, a landscape-like object or a callable E(θ).

    ``dim`` is required unless the object has a ``dim`` attribute.
    """
    if isinstance(obj, Landscape):
        return obj
    d = getattr(obj, "dim", dim) if dim is None else dim
    if hasattr(obj, "energy") and hasattr(obj, "energy_and_grad"):
        if d is None:
            raise InputError(f"{type(obj).__name__} has no dim; pass dim=")
        return LandscapeAdapter(obj, int(d))
    if callable(obj):
        if d is None:
            raise InputError("a callable energy needs dim=")
        return FunctionLandscape(obj, int(d))
    raise InputError(
        f"{type(obj).__name__} is not a landscape: it needs energy(θ) and "
        "energy_and_grad(θ), or must be a callable E(θ)"
    )


class CountingLandscape(Landscape):
    """Counts energy points, gradient evaluations and the time spent in ``inner``.

    Capabilities of ``inner`` (``energy_polynomial``, ``weight_mask``, ``layers``…) are
    forwarded, so certificates and lengths see the same landscape.
    """

    def __init__(self, inner: Any):
        base = as_landscape(inner)
        self.inner, self.dim = base, base.dim
        self.n_energy = 0
        self.n_grad = 0
        self.seconds = 0.0

    def __getattr__(self, name: str) -> Any:
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)

    def energy(self, theta: Any) -> float:
        """``inner.energy(θ)``, counted as one energy evaluation (the time spent is added
        even when it raises)."""
        start = time.perf_counter()
        try:
            return self.inner.energy(theta)
        finally:
            self.n_energy += 1
            self.seconds += time.perf_counter() - start

    def energies(self, thetas: Any) -> np.ndarray:
        """``inner.energies(Θ)`` for a batch (T, D), counted as T energy evaluations."""
        start = time.perf_counter()
        try:
            out = self.inner.energies(thetas)
        finally:
            self.seconds += time.perf_counter() - start
        self.n_energy += int(np.shape(thetas)[0])
        return out

    def energy_and_grad(self, theta: Any) -> tuple[float, np.ndarray]:
        """``inner.energy_and_grad(θ)``, counted as one gradient evaluation."""
        start = time.perf_counter()
        try:
            return self.inner.energy_and_grad(theta)
        finally:
            self.n_grad += 1
            self.seconds += time.perf_counter() - start

    def counts(self) -> dict[str, Any]:
        """The counters so far: energy_evaluations (points), gradient_evaluations and
        landscape_seconds (wall time inside ``inner``)."""
        return {
            "energy_evaluations": self.n_energy,
            "gradient_evaluations": self.n_grad,
            "landscape_seconds": self.seconds,
        }
