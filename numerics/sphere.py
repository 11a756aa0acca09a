"""Optimisation on the sphere S^{N−1}(r) = {‖x‖ = r}: descent to minima, Newton to critical points.

A *sphere landscape* is any object with ``dim``, ``energy_and_grad(x)`` (Euclidean, on R^N) and,
for the batched routines, ``energies_and_grads(X)`` and ``hessians(X)`` — e.g.
:class:`sublevel.numerics.energies.spin_glass.SpinGlass`. With P_x = I − xxᵀ/r² (the tangent projector):

    grad_sph E(x) = P_x ∇E(x),
    Hess_sph E(x) = P_x (∇²E(x) − (⟨∇E(x), x⟩/r²) I) P_x      (Absil, Mahony & Sepulchre 2008,
                                                               §5.5 and eq. (5.16)–(7.13)).

* :func:`minimize` — Riemannian gradient descent (Armijo backtracking, Barzilai–Borwein trial
  steps, retraction x ↦ r x/‖x‖), or Riemannian L-BFGS, each followed by a Riemannian Newton polish when the Hessian is positive definite;
* :func:`critical_points` — batched, damped Riemannian Newton from many starts: critical points
  of every index, classified by the tangent Hessian spectrum;
* :func:`deduplicate` — one representative per cluster of overlap R = ⟨x, y⟩/r² > threshold.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sublevel.theory.errors import InputError

__all__ = [
    "Sphere",
    "SphereMinimum",
    "CriticalPoints",
    "minimize",
    "minimize_many",
    "minimize_batch",
    "critical_points",
    "deduplicate",
    "tangent_spectrum",
    "sample_minima",
    "MinimaSample",
    "blas_threads",
    "DEFAULT_GTOL",
]

#: convergence: ‖grad_sph E‖ / √N ≤ gtol (root mean square per coordinate)
DEFAULT_GTOL = 1e-9


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


def _sphere_of(landscape: Any, radius: float | None) -> Sphere:
    dim = getattr(landscape, "dim", None)
    if not isinstance(dim, numbers.Integral) or dim < 2:
        raise InputError(f"landscape {landscape!r} has no dimension ≥ 2 (dim = {dim!r})")
    return Sphere(int(dim), radius)


def _start(sphere: Sphere, x0: Any) -> np.ndarray:
    x = np.asarray(x0, dtype=np.float64)
    if x.shape != (sphere.N,):
        raise InputError(f"start point has shape {x.shape}; expected ({sphere.N},)")
    if not np.all(np.isfinite(x)):
        raise InputError("start point has non-finite entries")
    return sphere.project(x)  # documented: starts are projected onto the sphere


def tangent_spectrum(landscape: Any, x: np.ndarray, radius: float | None = None) -> np.ndarray:
    """Eigenvalues (ascending) of the Riemannian Hessian restricted to the tangent space at x
    (N − 1 of them): needs ``landscape.hessian``."""
    sphere = _sphere_of(landscape, radius)
    x = sphere.project(np.asarray(x, dtype=np.float64))
    H = _tangent_hessians(landscape, sphere, x[None, :])[0]
    return np.linalg.eigvalsh(H)


def _tangent_bases(X: np.ndarray) -> np.ndarray:
    """Orthonormal bases of x^⊥ for each row: (T, N, N−1) (Householder)."""
    T, N = X.shape
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    sign = np.where(U[:, 0] < 0, -1.0, 1.0)
    V = U.copy()
    V[:, 0] += sign
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    Hh = np.eye(N)[None] - 2.0 * V[:, :, None] * V[:, None, :]
    return Hh[:, :, 1:]


def _hessians(landscape: Any, X: np.ndarray) -> np.ndarray:
    if hasattr(landscape, "hessians"):
        return np.asarray(landscape.hessians(X))
    if hasattr(landscape, "hessian"):
        return np.stack([landscape.hessian(x) for x in X])
    raise InputError(f"landscape {landscape!r} has no hessian; Newton steps need one")


def _grads(landscape: Any, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if hasattr(landscape, "energies_and_grads"):
        e, g = landscape.energies_and_grads(X)
        return np.asarray(e), np.asarray(g)
    pairs = [landscape.energy_and_grad(x) for x in X]
    return np.array([e for e, _ in pairs]), np.stack([g for _, g in pairs])


def _tangent_hessians(
    landscape: Any, sphere: Sphere, X: np.ndarray, G: np.ndarray | None = None
) -> np.ndarray:
    """Qᵀ(∇²E − (⟨∇E, x⟩/r²) I)Q for each row: (T, N−1, N−1)."""
    if G is None:
        _, G = _grads(landscape, X)
    Q = _tangent_bases(X)
    shift = np.sum(G * X, axis=1) / sphere.radius**2
    H = _hessians(landscape, X)
    HT = np.einsum("tij,tjk->tik", H, Q)
    HT = np.einsum("tji,tjk->tik", Q, HT)
    HT -= shift[:, None, None] * np.eye(sphere.N - 1)[None]
    return 0.5 * (HT + np.swapaxes(HT, 1, 2))


# ------------------------------------------------------------------------------ minimisation


@dataclass
class SphereMinimum:
    """The end of one descent: ``point`` on the sphere, its energy, ‖grad_sph‖/√N, the
    iterations, whether ``converged`` (gradient below gtol), and the tangent Hessian's smallest
    eigenvalue and index when computed (index 0 and converged: a local minimum)."""

    point: np.ndarray
    energy: float
    grad_norm: float
    iterations: int
    converged: bool
    method: str
    min_eigenvalue: float = math.nan
    index: int | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def is_minimum(self) -> bool:
        return self.converged and self.index == 0


def _rms_grad(sphere: Sphere, x: np.ndarray, g: np.ndarray) -> float:
    return float(np.linalg.norm(sphere.projection(x, g)) / math.sqrt(sphere.N))


def minimize(
    landscape: Any,
    x0: Any,
    *,
    method: str = "lbfgs",
    gtol: float = DEFAULT_GTOL,
    max_iter: int = 5000,
    radius: float | None = None,
    polish: bool = True,
    classify: bool = True,
) -> SphereMinimum:
    """Minimise E on the sphere from x0 (projected onto it first).

    ``method="gd"``: Riemannian gradient descent, x ← R_x(−η grad_sph E) with a Barzilai–Borwein
    trial step and Armijo backtracking (sufficient decrease 1e-4). ``method="lbfgs"``: Riemannian
    L-BFGS (memory 20, pairs transported by projection, Armijo backtracking).
    Then (``polish``) Riemannian Newton steps while the tangent Hessian is positive definite, and
    (``classify``, needs ``landscape.hessian``) the index from the tangent spectrum.
    """
    if method not in ("gd", "lbfgs"):
        raise InputError(f"method {method!r} is not one of gd, lbfgs")
    if not (gtol > 0 and math.isfinite(gtol)):
        raise InputError(f"gtol = {gtol!r} must be finite and > 0")
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        raise InputError(f"max_iter = {max_iter!r} must be an integer ≥ 1")
    sphere = _sphere_of(landscape, radius)
    x = _start(sphere, x0)
    can_hess = hasattr(landscape, "hessian") or hasattr(landscape, "hessians")
    # energy-based line searches cannot resolve gradients near rounding: descend to
    # DESCENT_GTOL, and let the Newton polish (gradient-norm based) finish when it can
    descent_gtol = max(gtol, DESCENT_GTOL) if (polish and can_hess) else gtol
    if method == "gd":
        x, iters = _riemannian_gd(landscape, sphere, x, descent_gtol, int(max_iter))
    else:
        x, iters = _lbfgs(landscape, sphere, x, descent_gtol, int(max_iter))
    newton_steps = 0
    if polish and can_hess:
        x, newton_steps = _newton_polish(landscape, sphere, x, gtol)
    e, g = landscape.energy_and_grad(x)
    gn = _rms_grad(sphere, x, g)
    out = SphereMinimum(
        point=x,
        energy=float(e),
        grad_norm=gn,
        iterations=iters,
        converged=gn <= gtol,
        method=method,
        details={"gtol": gtol, "newton_steps": newton_steps},
    )
    if classify and can_hess:
        ev = np.linalg.eigvalsh(_tangent_hessians(landscape, sphere, x[None, :], g[None, :])[0])
        out.min_eigenvalue = float(ev[0])
        out.index = int(np.sum(ev < -_EIG_TOL * max(1.0, float(np.max(np.abs(ev))))))
    return out


#: the descent phase stops at this gradient (RMS) when a Newton polish follows
DESCENT_GTOL = 1e-6
#: relative tolerance for counting a tangent Hessian eigenvalue as negative
_EIG_TOL = 1e-8


def _roundoff(e: float) -> float:
    """Energy differences below this are rounding noise (the Armijo test ignores them)."""
    return 64 * np.finfo(np.float64).eps * max(1.0, abs(float(e)))


def _riemannian_gd(
    landscape: Any, sphere: Sphere, x: np.ndarray, gtol: float, max_iter: int
) -> tuple[np.ndarray, int]:
    e, g = landscape.energy_and_grad(x)
    rg = sphere.projection(x, g)
    step = 1.0 / max(1.0, float(np.linalg.norm(rg)))
    prev = None
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (the count is returned)
        if np.linalg.norm(rg) / math.sqrt(sphere.N) <= gtol:
            break
        if prev is not None:  # Barzilai–Borwein step from the last (transported) pair
            s, y = x - prev[0], rg - sphere.projection(x, prev[1])
            sy = float(s @ y)
            if sy > 0:
                step = float(s @ s) / sy
        gg = float(rg @ rg)
        while True:
            x_new = sphere.retraction(x, -step * rg)
            e_new, g_new = landscape.energy_and_grad(x_new)
            if e_new <= e - 1e-4 * step * gg + _roundoff(e) or step < 1e-16:
                break
            step *= 0.5
        prev = (x, rg)
        x, e = x_new, e_new
        rg = sphere.projection(x, g_new)
    return x, it


def _lbfgs(
    landscape: Any, sphere: Sphere, x: np.ndarray, gtol: float, max_iter: int, memory: int = 20
) -> tuple[np.ndarray, int]:
    """Riemannian L-BFGS (Huang, Gallivan & Absil 2015, Alg. 1 without the locking condition):
    the two-loop recursion on pairs (s, y) transported by projection onto the current tangent
    space, Armijo backtracking along the retraction; pure numpy (no second BLAS thread pool)."""
    e, g = landscape.energy_and_grad(x)
    rg = sphere.projection(x, g)
    S: list[np.ndarray] = []
    Y: list[np.ndarray] = []
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 (the count is returned)
        gn = float(np.linalg.norm(rg))
        if gn / math.sqrt(sphere.N) <= gtol:
            break
        q = rg.copy()
        alphas = []
        for s, y in zip(reversed(S), reversed(Y)):
            a = float(s @ q) / float(s @ y)
            alphas.append(a)
            q -= a * y
        if S:
            q *= float(S[-1] @ Y[-1]) / float(Y[-1] @ Y[-1])
        else:
            q /= max(1.0, gn)
        for (s, y), a in zip(zip(S, Y), reversed(alphas)):
            q += (a - float(y @ q) / float(s @ y)) * s
        d = -sphere.projection(x, q)
        slope = float(d @ rg)
        if slope >= 0:  # not a descent direction: restart with the gradient
            S.clear()
            Y.clear()
            d = -rg / max(1.0, gn)
            slope = float(d @ rg)
        step = 1.0
        while True:
            x_new = sphere.retraction(x, step * d)
            e_new, g_new = landscape.energy_and_grad(x_new)
            if e_new <= e + 1e-4 * step * slope + _roundoff(e) or step < 1e-12:
                break
            step *= 0.5
        rg_new = sphere.projection(x_new, g_new)
        s_vec = sphere.projection(x_new, step * d)
        y_vec = rg_new - sphere.projection(x_new, rg)
        S = [sphere.projection(x_new, v) for v in S]
        Y = [sphere.projection(x_new, v) for v in Y]
        if float(s_vec @ y_vec) > 1e-12 * float(np.linalg.norm(s_vec) * np.linalg.norm(y_vec)):
            S.append(s_vec)
            Y.append(y_vec)
            if len(S) > memory:
                S.pop(0)
                Y.pop(0)
        if step < 1e-12:
            break
        x, e, rg = x_new, e_new, rg_new
    return x, it


def _newton_polish(
    landscape: Any, sphere: Sphere, x: np.ndarray, gtol: float, max_steps: int = 8
) -> tuple[np.ndarray, int]:
    """Riemannian Newton while the tangent Hessian is positive definite and the gradient falls."""
    e, g = landscape.energy_and_grad(x)
    gn = _rms_grad(sphere, x, g)
    steps = 0
    for _ in range(max_steps):
        if gn <= gtol * 1e-3:
            break
        Q = _tangent_bases(x[None, :])[0]
        H = _tangent_hessians(landscape, sphere, x[None, :], g[None, :])[0]
        ev = np.linalg.eigvalsh(H)
        if ev[0] <= 0:
            break
        xi = np.linalg.solve(H, -(Q.T @ g))
        x_new = sphere.retraction(x, Q @ xi)
        e_new, g_new = landscape.energy_and_grad(x_new)
        gn_new = _rms_grad(sphere, x_new, g_new)
        if not gn_new < gn:
            break
        x, g, gn = x_new, g_new, gn_new
        steps += 1
    return x, steps


def minimize_batch(
    landscape: Any,
    starts: Any,
    *,
    gtol: float = DEFAULT_GTOL,
    max_iter: int = 5000,
    memory: int = 20,
    radius: float | None = None,
    polish: bool = True,
    classify: bool = True,
) -> list[SphereMinimum]:
    """Riemannian L-BFGS from every row of ``starts`` (T, N) at once: the same iteration as
    ``minimize(method="lbfgs")`` row by row, but each energy/gradient evaluation is one call
    of ``landscape.energies_and_grads`` on the rows still running — for the p-spin a GEMM pass
    over the tensor shared by the batch instead of one GEMV pass per point (measured in
    benchmarks/bench_spin_glass.py). Then the per-point Newton polish and classification."""
    if not (gtol > 0 and math.isfinite(gtol)):
        raise InputError(f"gtol = {gtol!r} must be finite and > 0")
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        raise InputError(f"max_iter = {max_iter!r} must be an integer ≥ 1")
    sphere = _sphere_of(landscape, radius)
    X0 = np.asarray(starts, dtype=np.float64)
    if X0.ndim != 2 or X0.shape[1] != sphere.N:
        raise InputError(f"starts have shape {X0.shape}; expected (T, {sphere.N})")
    if not np.all(np.isfinite(X0)):
        raise InputError("starts have non-finite entries")
    can_hess = hasattr(landscape, "hessian") or hasattr(landscape, "hessians")
    descent_gtol = max(gtol, DESCENT_GTOL) if (polish and can_hess) else gtol
    X, iters = _lbfgs_batch(
        landscape, sphere, sphere.project(X0), descent_gtol, int(max_iter), int(memory)
    )
    out = []
    for x, it in zip(X, iters):
        steps = 0
        if polish and can_hess:
            x, steps = _newton_polish(landscape, sphere, x, gtol)
        e, g = landscape.energy_and_grad(x)
        gn = _rms_grad(sphere, x, g)
        res = SphereMinimum(
            point=x,
            energy=float(e),
            grad_norm=gn,
            iterations=int(it),
            converged=gn <= gtol,
            method="lbfgs-batch",
            details={"gtol": gtol, "newton_steps": steps},
        )
        if classify and can_hess:
            ev = np.linalg.eigvalsh(_tangent_hessians(landscape, sphere, x[None, :], g[None, :])[0])
            res.min_eigenvalue = float(ev[0])
            res.index = int(np.sum(ev < -_EIG_TOL * max(1.0, float(np.max(np.abs(ev))))))
        out.append(res)
    return out


def _lbfgs_batch(
    landscape: Any, sphere: Sphere, X: np.ndarray, gtol: float, max_iter: int, memory: int
) -> tuple[np.ndarray, np.ndarray]:
    T, N = X.shape
    E, G = _grads(landscape, X)
    RG = sphere.projection(X, G)
    Sh = np.zeros((memory, T, N))
    Yh = np.zeros((memory, T, N))
    rho = np.zeros((memory, T))  # 0 marks an empty (or rejected) slot
    gamma = np.zeros(T)
    iters = np.zeros(T, dtype=int)
    active = np.ones(T, dtype=bool)
    tiny = np.finfo(np.float64).eps * 64
    for _ in range(max_iter):
        gn = np.linalg.norm(RG, axis=1)
        active &= gn / math.sqrt(N) > gtol
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        iters[idx] += 1
        x, rg, e = X[idx], RG[idx], E[idx]
        S_, Y_, R_ = Sh[:, idx], Yh[:, idx], rho[:, idx]
        q = rg.copy()
        alpha = np.zeros((memory, idx.size))
        for i in range(memory - 1, -1, -1):  # newest slot last
            alpha[i] = R_[i] * np.einsum("tn,tn->t", S_[i], q)
            q -= alpha[i][:, None] * Y_[i]
        g0 = np.where(gamma[idx] > 0, gamma[idx], 1.0 / np.maximum(1.0, gn[idx]))
        q *= g0[:, None]
        for i in range(memory):
            beta = R_[i] * np.einsum("tn,tn->t", Y_[i], q)
            q += (alpha[i] - beta)[:, None] * S_[i]
        d = -sphere.projection(x, q)
        slope = np.einsum("tn,tn->t", d, rg)
        bad = slope >= 0  # not a descent direction: restart those rows from the gradient
        if np.any(bad):
            d[bad] = -rg[bad] / np.maximum(1.0, gn[idx][bad])[:, None]
            slope[bad] = np.einsum("tn,tn->t", d[bad], rg[bad])
            rho[:, idx[bad]] = 0.0
            gamma[idx[bad]] = 0.0
        step = np.ones(idx.size)
        done = np.zeros(idx.size, dtype=bool)
        Xn, En, Gn = x.copy(), e.copy(), np.zeros_like(x)
        for _h in range(60):
            todo = np.flatnonzero(~done)
            if todo.size == 0:
                break
            trial = sphere.retraction(x[todo], step[todo, None] * d[todo])
            et, gt = _grads(landscape, trial)
            ok = (
                et
                <= e[todo]
                + 1e-4 * step[todo] * slope[todo]
                + tiny * np.maximum(1.0, np.abs(e[todo]))
            ) | (step[todo] < 1e-12)
            Xn[todo[ok]], En[todo[ok]], Gn[todo[ok]] = trial[ok], et[ok], gt[ok]
            done[todo[ok]] = True
            step[todo[~ok]] *= 0.5
        stalled = step < 1e-12
        RGn = sphere.projection(Xn, Gn)
        s_vec = sphere.projection(Xn, step[:, None] * d)
        y_vec = RGn - sphere.projection(Xn, rg)
        sy = np.einsum("tn,tn->t", s_vec, y_vec)
        valid = sy > 1e-12 * np.linalg.norm(s_vec, axis=1) * np.linalg.norm(y_vec, axis=1)
        # transport the history to the new tangent spaces, then shift in the new pair
        for i in range(memory):
            Sh[i, idx] = sphere.projection(Xn, Sh[i, idx])
            Yh[i, idx] = sphere.projection(Xn, Yh[i, idx])
        Sh[:, idx] = np.roll(Sh[:, idx], -1, axis=0)
        Yh[:, idx] = np.roll(Yh[:, idx], -1, axis=0)
        rho[:, idx] = np.roll(rho[:, idx], -1, axis=0)
        Sh[-1, idx], Yh[-1, idx] = s_vec, y_vec
        rho[-1, idx] = np.where(valid, 1.0 / np.where(valid, sy, 1.0), 0.0)
        yy = np.einsum("tn,tn->t", y_vec, y_vec)
        gamma[idx] = np.where(valid, sy / np.where(valid, yy, 1.0), gamma[idx])
        X[idx], E[idx], RG[idx] = Xn, En, RGn
        active[idx[stalled]] = False
    return X, iters


def minimize_many(landscape: Any, starts: Any, **options: Any) -> list[SphereMinimum]:
    """:func:`minimize` from each row of ``starts`` (T, N)."""
    X = np.asarray(starts, dtype=np.float64)
    if X.ndim != 2:
        raise InputError(f"starts have shape {X.shape}; expected (T, N)")
    return [minimize(landscape, x, **options) for x in X]


# ------------------------------------------------------------------------------ critical points


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
    sphere = _sphere_of(landscape, radius)
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
        _, G = _grads(landscape, X)
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
        E, G = _grads(landscape, P)
        gn = np.linalg.norm(sphere.projection(P, G), axis=1) / math.sqrt(sphere.N)
        ev = np.linalg.eigvalsh(_tangent_hessians(landscape, sphere, P, G))
        scale = np.maximum(1.0, np.max(np.abs(ev), axis=1))
        idx = np.sum(ev < -_EIG_TOL * scale[:, None], axis=1)
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
        _, G = _grads(landscape, Xa)
        gn = np.linalg.norm(sphere.projection(Xa, G), axis=1) / math.sqrt(sphere.N)
        done = gn <= gtol * 1e-2
        active[idx[done]] = False
        idx, Xa, G = idx[~done], Xa[~done], G[~done]
        if idx.size == 0:
            break
        Q = _tangent_bases(Xa)
        w, V = np.linalg.eigh(_tangent_hessians(landscape, sphere, Xa, G))
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
        _, G = _grads(landscape, Xa)
        RG = sphere.projection(Xa, G)
        gn = np.linalg.norm(RG, axis=1)
        done = gn / math.sqrt(sphere.N) <= gtol * 1e-2
        active[idx[done]] = False
        keep = ~done
        if not np.any(keep):
            break
        idx, Xa, G, gn = idx[keep], Xa[keep], G[keep], gn[keep]
        Q = _tangent_bases(Xa)
        H = _tangent_hessians(landscape, sphere, Xa, G)
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
            _, Gt = _grads(landscape, trial)
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


# ------------------------------------------------------------------------------ Monte Carlo


@dataclass
class MinimaSample:
    """Descents from ``n_starts`` random starts: the local minima reached (converged, index 0;
    rows of ``points``, energies in ``energies``), and how the other runs ended."""

    points: np.ndarray
    energies: np.ndarray
    n_starts: int
    n_converged: int
    n_saddles: int
    iterations: list[int]
    method: str
    gtol: float
    seed: int

    @property
    def n_minima(self) -> int:
        return int(self.energies.size)


def sample_minima(
    landscape: Any,
    n_starts: int,
    seed: int,
    *,
    method: str = "lbfgs",
    gtol: float = DEFAULT_GTOL,
    max_iter: int = 5000,
    radius: float | None = None,
) -> MinimaSample:
    """Descents from ``n_starts`` uniform random points (drawn from ``seed``): ``method`` is
    "lbfgs" or "gd" (:func:`minimize`, one start at a time) or "lbfgs-batch"
    (:func:`minimize_batch`, all starts at once). Keeps the converged runs whose tangent Hessian
    has index 0 (a converged run of index > 0 — a saddle reached exactly — is counted in
    ``n_saddles``, an unconverged one is dropped)."""
    if isinstance(n_starts, bool) or not isinstance(n_starts, numbers.Integral) or n_starts < 1:
        raise InputError(f"n_starts = {n_starts!r} must be an integer ≥ 1")
    sphere = _sphere_of(landscape, radius)
    starts = sphere.random(int(n_starts), seed)
    if method == "lbfgs-batch":
        runs = minimize_batch(landscape, starts, gtol=gtol, max_iter=max_iter, radius=radius)
    else:
        runs = [
            minimize(landscape, x, method=method, gtol=gtol, max_iter=max_iter, radius=radius)
            for x in starts
        ]
    mins = [r for r in runs if r.is_minimum]
    P = np.stack([r.point for r in mins]) if mins else np.zeros((0, sphere.N))
    return MinimaSample(
        points=P,
        energies=np.array([r.energy for r in mins], dtype=np.float64),
        n_starts=int(n_starts),
        n_converged=sum(r.converged for r in runs),
        n_saddles=sum(r.converged and r.index != 0 for r in runs),
        iterations=[r.iterations for r in runs],
        method=method,
        gtol=float(gtol),
        seed=int(seed),
    )


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
