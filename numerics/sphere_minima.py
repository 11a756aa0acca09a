"""Descent to local minima on the sphere S^{N−1}(r), and Monte Carlo samples of them.

* :func:`minimize` — Riemannian gradient descent (Armijo backtracking, Barzilai–Borwein trial
  steps, retraction x ↦ r x/‖x‖), or Riemannian L-BFGS (Huang, Gallivan & Absil 2015, Alg. 1),
  each followed by a Riemannian Newton polish when the tangent Hessian is positive definite, and
  classified by the tangent spectrum (index 0 and converged: a local minimum);
* :func:`minimize_batch` — the same L-BFGS from many starts at once (one batched energy and
  gradient evaluation per iteration); :func:`minimize_many` — :func:`minimize` row by row;
* :func:`sample_minima` — descents from uniform random starts, keeping the local minima.

The geometry (projection, retraction, tangent Hessian) is :mod:`sublevel.numerics.sphere`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
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

__all__ = [
    "SphereMinimum",
    "minimize",
    "minimize_batch",
    "minimize_many",
    "MinimaSample",
    "sample_minima",
    "DESCENT_GTOL",
]


#: the descent phase stops at this gradient (RMS) when a Newton polish follows
DESCENT_GTOL = 1e-6


def _start(sphere: Sphere, x0: Any) -> np.ndarray:
    x = np.asarray(x0, dtype=np.float64)
    if x.shape != (sphere.N,):
        raise InputError(f"start point has shape {x.shape}; expected ({sphere.N},)")
    if not np.all(np.isfinite(x)):
        raise InputError("start point has non-finite entries")
    return sphere.project(x)  # documented: starts are projected onto the sphere


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
        """Converged with tangent index 0 (False when the index was not computed)."""
        return self.converged and self.index == 0


def _rms_grad(sphere: Sphere, x: np.ndarray, g: np.ndarray) -> float:
    return float(np.linalg.norm(sphere.projection(x, g)) / math.sqrt(sphere.N))


def _check_options(gtol: float, max_iter: int) -> None:
    if not (gtol > 0 and math.isfinite(gtol)):
        raise InputError(f"gtol = {gtol!r} must be finite and > 0")
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        raise InputError(f"max_iter = {max_iter!r} must be an integer ≥ 1")


def _finish(
    landscape: Any,
    sphere: Sphere,
    x: np.ndarray,
    iterations: int,
    method: str,
    gtol: float,
    *,
    polish: bool,
    classify: bool,
    can_hess: bool,
) -> SphereMinimum:
    """The end of a descent at x: the Newton polish (``polish``), the result, and its tangent
    spectrum's smallest eigenvalue and index (``classify``), both only with Hessians."""
    newton_steps = 0
    if polish and can_hess:
        x, newton_steps = _newton_polish(landscape, sphere, x, gtol)
    e, g = landscape.energy_and_grad(x)
    gn = _rms_grad(sphere, x, g)
    out = SphereMinimum(
        point=x,
        energy=float(e),
        grad_norm=gn,
        iterations=iterations,
        converged=gn <= gtol,
        method=method,
        details={"gtol": gtol, "newton_steps": newton_steps},
    )
    if classify and can_hess:
        ev = np.linalg.eigvalsh(tangent_hessians(landscape, sphere, x[None, :], g[None, :])[0])
        out.min_eigenvalue = float(ev[0])
        out.index = int(np.sum(ev < -EIG_TOL * max(1.0, float(np.max(np.abs(ev))))))
    return out


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
    _check_options(gtol, max_iter)
    sphere = sphere_of(landscape, radius)
    x = _start(sphere, x0)
    can_hess = hasattr(landscape, "hessian") or hasattr(landscape, "hessians")
    # energy-based line searches cannot resolve gradients near rounding: descend to
    # DESCENT_GTOL, and let the Newton polish (gradient-norm based) finish when it can
    descent_gtol = max(gtol, DESCENT_GTOL) if (polish and can_hess) else gtol
    if method == "gd":
        x, iters = _riemannian_gd(landscape, sphere, x, descent_gtol, int(max_iter))
    else:
        x, iters = _lbfgs(landscape, sphere, x, descent_gtol, int(max_iter))
    return _finish(
        landscape,
        sphere,
        x,
        iters,
        method,
        gtol,
        polish=polish,
        classify=classify,
        can_hess=can_hess,
    )


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
        Q = tangent_bases(x[None, :])[0]
        H = tangent_hessians(landscape, sphere, x[None, :], g[None, :])[0]
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
    _check_options(gtol, max_iter)
    sphere = sphere_of(landscape, radius)
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
    return [
        _finish(
            landscape,
            sphere,
            x,
            int(it),
            "lbfgs-batch",
            gtol,
            polish=polish,
            classify=classify,
            can_hess=can_hess,
        )
        for x, it in zip(X, iters)
    ]


def _lbfgs_batch(
    landscape: Any, sphere: Sphere, X: np.ndarray, gtol: float, max_iter: int, memory: int
) -> tuple[np.ndarray, np.ndarray]:
    T, N = X.shape
    E, G = energies_and_grads_of(landscape, X)
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
            et, gt = energies_and_grads_of(landscape, trial)
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
        """The number of local minima kept (rows of ``points``; not de-duplicated)."""
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
    sphere = sphere_of(landscape, radius)
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
