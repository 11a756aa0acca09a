"""Critical points of every index of a landscape on the sphere S^{N−1}(r), and de-duplication.

* :func:`critical_points` — batched, damped Riemannian Newton, or eigenvector following
  (Cerjan & Miller 1981; Wales 2003 §6.2), from many uniform random starts: critical points of
  every index, classified by the tangent Hessian spectrum, with a discovery curve;
* :func:`deduplicate` — one representative per cluster of overlap R = ⟨x, y⟩/r² > threshold.

The geometry (projection, retraction, tangent Hessian) is :mod:`sublevel.numerics.sphere`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
from sublevel.numerics.sphere import (
    DEFAULT_GTOL,
    EIG_TOL,
    Sphere,
    energies_and_grads_of,
    sphere_of,
    tangent_bases,
    tangent_hessians,
)
from sublevel.theory.errors import InputError

__all__ = ["CriticalPoints", "critical_points", "deduplicate"]


@dataclass
class CriticalPoints:
    """Distinct critical points found by :func:`critical_points` (rows of ``points``), with
    their energies, indices and gradient norms; ``n_starts`` Newton runs, ``n_converged`` of
    them converged; ``discovery`` is the number of distinct points after each batch of starts
    (a saturation curve: flat at the end suggests the search found (nearly) all)."""

    points: np.ndarray
    energies: np.ndarray
    indices: np.ndarray
    grad_norms: np.ndarray
    n_starts: int
    n_converged: int
    discovery: list[int]
    overlap_threshold: float
    gtol: float

    def __len__(self) -> int:
        return int(self.points.shape[0])

    def count(self, index: int | None = None, below: float | None = None) -> int:
        """Number of points of the given index (any if None) with energy ≤ ``below``."""
        mask = np.ones(len(self), dtype=bool)
        if index is not None:
            mask &= self.indices == index
        if below is not None:
            mask &= self.energies <= below
        return int(np.sum(mask))


def critical_points(
    landscape: Any,
    n_starts: int,
    seed: int,
    *,
    gtol: float = DEFAULT_GTOL,
    max_iter: int = 60,
    batch: int = 256,
    overlap_threshold: float = 0.99,
    radius: float | None = None,
    method: str = "mode-following",
    trust: float = 0.2,
    antipodal: bool = False,
) -> CriticalPoints:
    """Critical points of every index from ``n_starts`` uniform random points (batched).

    ``method="newton"``: damped Riemannian Newton (Hess_sph ξ = −grad_sph on the tangent space,
    halved until ‖grad_sph‖ decreases). ``method="mode-following"`` (default; eigenvector
    following, Cerjan & Miller 1981, Wales 2003 §6.2): start i targets index k = i mod N;
    in the tangent Hessian eigenbasis (λ_1 ≤ … ≤ λ_{N−1}) the step is +g_j/|λ_j| on the k
    lowest modes (ascent) and −g_j/|λ_j| on the others (descent), capped at ``trust``·r: it is
    Newton once the local index is k, and it reaches saddles a plain Newton search rarely finds.
    Converged points (‖grad_sph‖/√N ≤ gtol) are de-duplicated by overlap; ``antipodal=True``
    adds −x for each x found (valid when E(−x) = ±E(x), e.g. the p-spin: −σ is critical with
    index k for even p and N − 1 − k for odd p). Needs ``energies_and_grads`` (or
    ``energy_and_grad``) and ``hessians`` (or ``hessian``)."""
    if method not in ("newton", "mode-following"):
        raise InputError(f"method {method!r} is not one of newton, mode-following")
    if not (trust > 0 and math.isfinite(trust)):
        raise InputError(f"trust = {trust!r} must be finite and > 0")
    for name, v in (("n_starts", n_starts), ("batch", batch), ("max_iter", max_iter)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
            raise InputError(f"{name} = {v!r} must be an integer ≥ 1")
    if not (0 < overlap_threshold < 1):
        raise InputError(f"overlap_threshold = {overlap_threshold!r} must be in (0, 1)")
    sphere = sphere_of(landscape, radius)
    starts = sphere.random(int(n_starts), seed)
    found: list[np.ndarray] = []
    discovery: list[int] = []
    n_conv = 0
    for lo in range(0, int(n_starts), int(batch)):
        if method == "newton":
            X = _newton_batch(landscape, sphere, starts[lo : lo + batch], gtol, int(max_iter))
        else:
            targets = np.arange(lo, min(lo + int(batch), int(n_starts))) % sphere.N
            X = _mode_following_batch(
                landscape, sphere, starts[lo : lo + batch], targets, gtol, int(max_iter), trust
            )
        if antipodal:
            X = np.concatenate([X, -X])
        _, G = energies_and_grads_of(landscape, X)
        gn = np.linalg.norm(sphere.projection(X, G), axis=1) / math.sqrt(sphere.N)
        ok = gn <= gtol
        n_conv += int(np.sum(ok))
        found.extend(X[ok])
        if found:
            keep = deduplicate(np.stack(found), overlap_threshold, radius=sphere.radius)
            found = [found[i] for i in keep]
        discovery.append(len(found))
    P = np.stack(found) if found else np.zeros((0, sphere.N))
    if len(P):
        E, G = energies_and_grads_of(landscape, P)
        gn = np.linalg.norm(sphere.projection(P, G), axis=1) / math.sqrt(sphere.N)
        ev = np.linalg.eigvalsh(tangent_hessians(landscape, sphere, P, G))
        scale = np.maximum(1.0, np.max(np.abs(ev), axis=1))
        idx = np.sum(ev < -EIG_TOL * scale[:, None], axis=1)
        order = np.argsort(E)
        P, E, idx, gn = P[order], E[order], idx[order], gn[order]
    else:
        E, idx, gn = np.zeros(0), np.zeros(0, dtype=int), np.zeros(0)
    return CriticalPoints(
        points=P,
        energies=np.asarray(E, dtype=np.float64),
        indices=idx,
        grad_norms=gn,
        n_starts=int(n_starts),
        n_converged=n_conv,
        discovery=discovery,
        overlap_threshold=float(overlap_threshold),
        gtol=float(gtol),
    )


def _mode_following_batch(
    landscape: Any,
    sphere: Sphere,
    X: np.ndarray,
    targets: np.ndarray,
    gtol: float,
    max_iter: int,
    trust: float,
) -> np.ndarray:
    X = X.copy()
    active = np.ones(X.shape[0], dtype=bool)
    cap = trust * sphere.radius
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        Xa = X[idx]
        _, G = energies_and_grads_of(landscape, Xa)
        gn = np.linalg.norm(sphere.projection(Xa, G), axis=1) / math.sqrt(sphere.N)
        done = gn <= gtol * 1e-2
        active[idx[done]] = False
        idx, Xa, G = idx[~done], Xa[~done], G[~done]
        if idx.size == 0:
            break
        Q = tangent_bases(Xa)
        w, V = np.linalg.eigh(tangent_hessians(landscape, sphere, Xa, G))
        gt = np.einsum("tij,ti->tj", V, np.einsum("tni,tn->ti", Q, G))
        floor = 1e-10 * np.maximum(1.0, np.max(np.abs(w), axis=1, keepdims=True))
        sign = np.where(np.arange(sphere.N - 1)[None, :] < targets[idx][:, None], 1.0, -1.0)
        coef = sign * gt / np.maximum(np.abs(w), floor)
        step = np.einsum("tni,ti->tn", Q, np.einsum("tij,tj->ti", V, coef))
        norm = np.linalg.norm(step, axis=1, keepdims=True)
        step *= np.minimum(1.0, cap / np.maximum(norm, 1e-300))
        X[idx] = sphere.retraction(Xa, step)
    return X


def _newton_batch(
    landscape: Any, sphere: Sphere, X: np.ndarray, gtol: float, max_iter: int
) -> np.ndarray:
    X = X.copy()
    active = np.ones(X.shape[0], dtype=bool)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        Xa = X[idx]
        _, G = energies_and_grads_of(landscape, Xa)
        RG = sphere.projection(Xa, G)
        gn = np.linalg.norm(RG, axis=1)
        done = gn / math.sqrt(sphere.N) <= gtol * 1e-2
        active[idx[done]] = False
        keep = ~done
        if not np.any(keep):
            break
        idx, Xa, G, gn = idx[keep], Xa[keep], G[keep], gn[keep]
        Q = tangent_bases(Xa)
        H = tangent_hessians(landscape, sphere, Xa, G)
        w, V = np.linalg.eigh(H)
        rhs = -np.einsum("tni,tn->ti", Q, G)
        coef = np.einsum("tij,ti->tj", V, rhs)
        big = np.abs(w) > 1e-12 * np.maximum(1.0, np.max(np.abs(w), axis=1, keepdims=True))
        coef = np.where(big, coef / np.where(big, w, 1.0), 0.0)
        step = np.einsum("tni,ti->tn", Q, np.einsum("tij,tj->ti", V, coef))
        # damping: halve until the gradient norm decreases (at most 20 halvings)
        t = np.ones(idx.size)
        accepted = np.zeros(idx.size, dtype=bool)
        Xnew = Xa.copy()
        for _h in range(20):
            todo = np.flatnonzero(~accepted)
            if todo.size == 0:
                break
            trial = sphere.retraction(Xa[todo], t[todo, None] * step[todo])
            _, Gt = energies_and_grads_of(landscape, trial)
            gt = np.linalg.norm(sphere.projection(trial, Gt), axis=1)
            good = gt < gn[todo]
            Xnew[todo[good]] = trial[good]
            accepted[todo[good]] = True
            t[todo[~good]] *= 0.5
        stuck = ~accepted
        active[idx[stuck]] = False  # no decrease even for tiny steps: converged or stuck
        X[idx] = Xnew
    return X


def deduplicate(
    points: Any, overlap_threshold: float = 0.99, *, radius: float | None = None
) -> list[int]:
    """Indices of representatives: a point is dropped when its overlap R = ⟨x, y⟩/r² with an
    earlier kept point exceeds the threshold (R, not |R|: for odd p, −σ is another critical
    point, with energy −H(σ) and index N − 1 − k)."""
    P = np.asarray(points, dtype=np.float64)
    if P.ndim != 2:
        raise InputError(f"points have shape {P.shape}; expected (T, N)")
    r2 = (radius**2) if radius is not None else float(P.shape[1])
    keep: list[int] = []
    for i in range(P.shape[0]):
        if keep:
            R = P[keep] @ P[i] / r2
            if np.max(R) > overlap_threshold:
                continue
        keep.append(i)
    return keep
