"""The Landscape contract: an energy on a flat parameter vector θ ∈ R^D.

Any object with ``energy(theta)`` and ``energy_and_grad(theta)`` (optionally
``energies(thetas)`` for a batch (T, D), the hot path of every certificate) is a landscape.
:class:`Landscape` is a convenience base class: it validates inputs at the boundary and
provides a (looping) ``energies`` fallback that concrete energies override with a vectorised
one. ``dim`` is D; ``unflatten(theta)`` returns the named structure (e.g. a list of layers).

Optional capabilities, discovered by :mod:`sublevel.numerics.certify`:
``certify_segment(a, b, bound, tolerances=, label=, promise=)`` — the landscape's own exact
certificate of E ≤ bound on the straight segment a → b (e.g. the ReLU sweep);
``energy_polynomial(a, b)`` — the energy along the straight segment a → b as polynomial
coefficients in t (increasing degree), or a piecewise ``(breakpoints, pieces)`` pair; enables
exact certificates through :mod:`sublevel.theory.exact`.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np
from sublevel.theory.errors import InputError

__all__ = ["LandscapeLike", "Landscape", "as_theta", "as_thetas"]


@runtime_checkable
class LandscapeLike(Protocol):
    """The minimal landscape protocol (structural: no base class needed): ``energy`` and
    ``energy_and_grad`` of a flat θ ∈ R^D (``isinstance`` checks that both methods exist)."""

    def energy(self, theta: np.ndarray) -> float:
        """E(θ), a finite float."""
        ...

    def energy_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """(E(θ), ∇E(θ)) with the gradient of shape (D,), float64."""
        ...


def as_theta(theta: Any, dim: int | None = None, *, name: str = "theta") -> np.ndarray:
    """θ as a finite float64 vector of length ``dim`` (InputError naming what is wrong)."""
    arr = np.asarray(theta, dtype=np.float64)
    if arr.ndim != 1:
        raise InputError(f"{name} has shape {arr.shape}; expected a flat vector")
    if dim is not None and arr.shape[0] != dim:
        raise InputError(f"{name} has {arr.shape[0]} entries; the landscape has dimension {dim}")
    if not np.isfinite(arr).all():
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise InputError(f"{name}[{bad}] = {arr[bad]} is not finite")
    return arr


def as_thetas(thetas: Any, dim: int | None = None, *, name: str = "thetas") -> np.ndarray:
    """A batch (T, D) of finite float64 points."""
    arr = np.asarray(thetas, dtype=np.float64)
    if arr.ndim != 2:
        raise InputError(f"{name} has shape {arr.shape}; expected (T, D)")
    if dim is not None and arr.shape[1] != dim:
        raise InputError(f"{name} has points of dimension {arr.shape[1]}; the landscape has {dim}")
    if not np.isfinite(arr).all():
        raise InputError(f"{name} has non-finite entries")
    return arr


class Landscape:
    """Base class: subclasses implement ``_energies`` (vectorised) and ``_energy_and_grad``."""

    dim: int = 0

    def energy(self, theta: Any) -> float:
        """E(θ) for one point of length ``dim``; a wrong length or a non-finite entry raises
        :class:`InputError` (a ``ValueError``)."""
        return float(self._energies(as_theta(theta, self.dim)[None, :])[0])

    def energies(self, thetas: Any) -> np.ndarray:
        """E at each row of a batch (T, D): a float64 array of shape (T,)."""
        return np.asarray(self._energies(as_thetas(thetas, self.dim)), dtype=np.float64)

    def energy_and_grad(self, theta: Any) -> tuple[float, np.ndarray]:
        """(E(θ), ∇E(θ)), the gradient a float64 array of shape (D,); inputs checked as in
        :meth:`energy`."""
        e, g = self._energy_and_grad(as_theta(theta, self.dim))
        return float(e), np.asarray(g, dtype=np.float64)

    def grad(self, theta: Any) -> np.ndarray:
        """∇E(θ), shape (D,) (the second half of :meth:`energy_and_grad`)."""
        return self.energy_and_grad(theta)[1]

    def unflatten(self, theta: Any) -> Any:
        """θ in the landscape's named structure (e.g. a list of weight matrices); the base
        class returns the checked flat vector itself."""
        return as_theta(theta, self.dim)

    # --- to implement ---------------------------------------------------------------------
    def _energies(self, thetas: np.ndarray) -> np.ndarray:
        return np.array([self._energy_and_grad(t)[0] for t in thetas])

    def _energy_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        raise NotImplementedError(f"{type(self).__name__} must implement _energy_and_grad")
