"""The sphere S^{N−1}(r) = {‖x‖ = r} and the Riemannian geometry of a landscape restricted to it.

A *sphere landscape* is any object with ``dim``, ``energy_and_grad(x)`` (Euclidean, on R^N) and,
for the batched routines, ``energies_and_grads(X)`` and ``hessians(X)`` — e.g.
:class:`sublevel.numerics.energies.spin_glass.SpinGlass`. With P_x = I − xxᵀ/r² (the tangent projector):

    grad_sph E(x) = P_x ∇E(x),
    Hess_sph E(x) = P_x (∇²E(x) − (⟨∇E(x), x⟩/r²) I) P_x      (Absil, Mahony & Sepulchre 2008,
                                                               §5.5 and eq. (5.16)–(7.13)).

Here: :class:`Sphere` (projection, tangent projector, retraction x ↦ r x/‖x‖, uniform points,
overlaps), the tangent Hessian in orthonormal tangent bases and its spectrum
(:func:`tangent_spectrum`; the index counts eigenvalues below −``EIG_TOL``·max(1, max|λ|)), and
:func:`blas_threads`. Built on it: descent to minima (:mod:`sublevel.numerics.sphere_minima`) and
critical points of every index (:mod:`sublevel.numerics.sphere_critical`).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from sublevel.theory.errors import InputError

__all__ = [
    "Sphere",
    "sphere_of",
    "tangent_bases",
    "tangent_hessians",
    "tangent_spectrum",
    "energies_and_grads_of",
    "blas_threads",
    "DEFAULT_GTOL",
    "EIG_TOL",
]

#: convergence: ‖grad_sph E‖ / √N ≤ gtol (root mean square per coordinate)
DEFAULT_GTOL = 1e-9

#: relative tolerance for counting a tangent Hessian eigenvalue as negative
EIG_TOL = 1e-8


class Sphere:
    """S^{N−1}(r); r defaults to √N (the spin-glass normalisation ‖σ‖² = N)."""

    N: int
    radius: float

    def __init__(self, N: int, radius: float | None = None):
        if isinstance(N, bool) or not isinstance(N, numbers.Integral) or N < 2:
            raise InputError(f"N = {N!r} must be an integer ≥ 2")
        self.N = int(N)
        self.radius = math.sqrt(self.N) if radius is None else float(radius)
        if not (self.radius > 0 and math.isfinite(self.radius)):
            raise InputError(f"radius = {radius!r} must be finite and > 0")

    def project(self, x: np.ndarray) -> np.ndarray:
        """x ↦ r x/‖x‖ (row-wise); the origin has no projection."""
        norms = np.linalg.norm(x, axis=-1, keepdims=True)
        if np.any(norms == 0):
            raise InputError("cannot project the origin onto the sphere")
        return self.radius * x / norms

    def projection(self, x: np.ndarray, v: np.ndarray) -> np.ndarray:
        """P_x v = v − (⟨v, x⟩/r²) x (row-wise)."""
        return v - (np.sum(v * x, axis=-1, keepdims=True) / self.radius**2) * x

    def retraction(self, x: np.ndarray, v: np.ndarray) -> np.ndarray:
        """R_x(v) = r(x + v)/‖x + v‖ (row-wise; the metric projection, a retraction on the
        sphere)."""
        return self.project(x + v)

    def random(self, n_points: int, seed: int) -> np.ndarray:
        """``n_points`` uniform points, shape (n_points, N)."""
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise InputError(f"seed = {seed!r} must be a non-negative integer")
        rng = np.random.default_rng(int(seed))
        return self.project(rng.standard_normal((int(n_points), self.N)))

    def overlap(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """R = ⟨x, y⟩/r²."""
        return np.sum(x * y, axis=-1) / self.radius**2


def sphere_of(landscape: Any, radius: float | None) -> Sphere:
    """The sphere S^{N−1}(r) of a landscape with ``dim`` = N ≥ 2 (r = √N by default);
    :class:`InputError` when the landscape has no such dimension."""
    dim = getattr(landscape, "dim", None)
    if not isinstance(dim, numbers.Integral) or dim < 2:
        raise InputError(f"landscape {landscape!r} has no dimension ≥ 2 (dim = {dim!r})")
    return Sphere(int(dim), radius)


def tangent_spectrum(landscape: Any, x: np.ndarray, radius: float | None = None) -> np.ndarray:
    """Eigenvalues (ascending) of the Riemannian Hessian restricted to the tangent space at x
    (N − 1 of them): needs ``landscape.hessian``."""
    sphere = sphere_of(landscape, radius)
    x = sphere.project(np.asarray(x, dtype=np.float64))
    H = tangent_hessians(landscape, sphere, x[None, :])[0]
    return np.linalg.eigvalsh(H)


def tangent_bases(X: np.ndarray) -> np.ndarray:
    """Orthonormal bases of x^⊥ for each row x of X (T, N): (T, N, N−1), the last N − 1
    columns of the Householder reflection that maps x/‖x‖ to ∓e_1."""
    T, N = X.shape
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    sign = np.where(U[:, 0] < 0, -1.0, 1.0)
    V = U.copy()
    V[:, 0] += sign
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    Hh = np.eye(N)[None] - 2.0 * V[:, :, None] * V[:, None, :]
    return Hh[:, :, 1:]


def _hessians(landscape: Any, X: np.ndarray) -> np.ndarray:
    """Euclidean Hessians ∇²E of the rows of X: (T, N, N)."""
    if hasattr(landscape, "hessians"):
        return np.asarray(landscape.hessians(X))
    if hasattr(landscape, "hessian"):
        return np.stack([landscape.hessian(x) for x in X])
    raise InputError(f"landscape {landscape!r} has no hessian; Newton steps need one")


def energies_and_grads_of(landscape: Any, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(E (T,), ∇E (T, N)) at the rows of X: one ``energies_and_grads`` call when the landscape
    has it, else ``energy_and_grad`` row by row (Euclidean gradients, not projected)."""
    if hasattr(landscape, "energies_and_grads"):
        e, g = landscape.energies_and_grads(X)
        return np.asarray(e), np.asarray(g)
    pairs = [landscape.energy_and_grad(x) for x in X]
    return np.array([e for e, _ in pairs]), np.stack([g for _, g in pairs])


def tangent_hessians(
    landscape: Any, sphere: Sphere, X: np.ndarray, G: np.ndarray | None = None
) -> np.ndarray:
    """Hess_sph E in the tangent bases Q of :func:`tangent_bases`: Qᵀ(∇²E − (⟨∇E, x⟩/r²) I)Q for
    each row x of X, symmetrised, (T, N−1, N−1) (Absil, Mahony & Sepulchre 2008, eq. (5.16));
    ``G``: the Euclidean gradients at X when already computed."""
    if G is None:
        _, G = energies_and_grads_of(landscape, X)
    Q = tangent_bases(X)
    shift = np.sum(G * X, axis=1) / sphere.radius**2
    H = _hessians(landscape, X)
    HT = np.einsum("tij,tjk->tik", H, Q)
    HT = np.einsum("tji,tjk->tik", Q, HT)
    HT -= shift[:, None, None] * np.eye(sphere.N - 1)[None]
    return 0.5 * (HT + np.swapaxes(HT, 1, 2))


def blas_threads(n: int | None) -> Any:
    """A context limiting BLAS to ``n`` threads (threadpoolctl, a scikit-learn dependency); None
    leaves it alone. For N ≲ 200 one thread is several times faster on a busy 2-core machine
    (the GEMVs are too small to share; measured in benchmarks/bench_spin_glass.py)."""
    from contextlib import nullcontext

    if n is None:
        return nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return nullcontext()
    return threadpool_limits(limits=int(n), user_api="blas")
