"""Critical points of a landscape: minimise, Hessian, second-order classification.

* :func:`minimise` — scipy's quasi-Newton methods on the analytic gradient, run until the
  gradient norm is ≤ ``gtol`` (restarted from the last point when the line search stalls);
* :func:`hessian` — the landscape's own ``hessian(theta)`` when it has one, otherwise central
  differences of the analytic gradient, symmetrised;
* :func:`classify` — the second-order test at θ: ``not critical`` (‖∇E‖ > grad_tol),
  ``saddle`` (an eigenvalue < −threshold: a direction of strict descent), ``minimum`` (every
  eigenvalue > threshold: a strict, non-degenerate local minimum), ``degenerate`` (PSD with
  eigenvalues in [−threshold, threshold]: the second-order test is inconclusive). The
  threshold is ``eig_tol · max(1, ‖H‖₂)``, recorded in ``Classification.tolerances``.

Pitfall (papers.md §9.3): energies with a continuous symmetry (GL orbits of deep linear
networks, positive rescaling of ReLU units) have zero Hessian eigenvalues along the orbit, so
their minima classify as ``degenerate``, never ``minimum``: strictness is not available there.
A ``saddle`` verdict is a proof up to the finite-difference error of the Hessian
(≈ eps² · |∇³E| + 1e-16 · |∇E| / eps), which the threshold is chosen to exceed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sublevel.numerics.landscape import as_theta
from sublevel.theory.errors import InputError

__all__ = ["MinimiseResult", "minimise", "hessian", "Classification", "classify", "KINDS"]

KINDS = ("minimum", "saddle", "degenerate", "not critical")
_METHODS = ("L-BFGS-B", "BFGS", "CG", "Newton-CG", "TNC", "SLSQP", "trust-constr")


@dataclass
class MinimiseResult:
    """Outcome of :func:`minimise`: the final point, its energy and gradient norm (2-norm),
    whether ‖∇E(θ)‖₂ ≤ gtol was reached, the iteration count and scipy's message."""

    theta: np.ndarray
    energy: float
    grad_norm: float
    converged: bool
    iterations: int
    message: str


def _dim(landscape: Any) -> int | None:
    d = getattr(landscape, "dim", None)
    return int(d) if d else None


def _check_landscape(landscape: Any) -> None:
    if not hasattr(landscape, "energy_and_grad"):
        raise InputError(
            f"{type(landscape).__name__} has no energy_and_grad(theta): not a landscape"
        )


_CONTROLLER: Any = None


def _single_thread_blas() -> Any:
    """A context limiting BLAS to one thread (threadpoolctl, a scikit-learn dependency).

    scipy's L-BFGS-B calls BLAS on vectors of length D; with a multi-threaded OpenBLAS each
    call pays a thread hand-off, which made a 12-iteration run take ~200 ms instead of ~1 ms
    on a 2-core machine (measured). Falls back to a no-op without threadpoolctl."""
    global _CONTROLLER
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - optional
        from contextlib import nullcontext

        return nullcontext()
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


def minimise(
    landscape: Any,
    theta0: Any,
    *,
    method: str = "L-BFGS-B",
    gtol: float = 1e-10,
    maxiter: int = 10_000,
) -> MinimiseResult:
    """Minimise E from θ_0 with scipy ``method`` on the analytic gradient.

    Converged means ‖∇E(θ)‖₂ ≤ ``gtol`` at the returned θ (re-evaluated, not scipy's flag).
    L-BFGS-B runs with ``ftol = 0`` so that only the gradient test (or ``maxiter``) stops it;
    a stalled line search is retried from the last point (at most 3 restarts), then (D ≤ 400)
    polished by Newton steps on the positive-curvature eigenspace of the Hessian.
    """
    from scipy.optimize import minimize

    _check_landscape(landscape)
    if method not in _METHODS:
        raise InputError(f"method {method!r} is not one of {', '.join(_METHODS)}")
    if not (np.isfinite(gtol) and gtol > 0):
        raise InputError(f"gtol = {gtol!r} must be finite and > 0")
    if not (isinstance(maxiter, (int, np.integer)) and maxiter >= 1):
        raise InputError(f"maxiter = {maxiter!r} must be an integer ≥ 1")
    theta = as_theta(theta0, _dim(landscape), name="theta0")

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        e, g = landscape.energy_and_grad(x)
        return float(e), np.asarray(g, dtype=np.float64)

    if method == "L-BFGS-B":
        options: dict[str, Any] = {
            "gtol": gtol / np.sqrt(theta.size),
            "ftol": 0.0,
            "maxcor": 30,
            "maxls": 50,
        }
    elif method in ("BFGS", "CG"):
        options = {"gtol": gtol / np.sqrt(theta.size)}
    else:
        options = {}
    iterations = 0
    messages: list[str] = []
    e, g = fun(theta)
    with _single_thread_blas():
        theta, e, g, iterations = _run(
            minimize, fun, theta, e, g, method, options, gtol, int(maxiter), messages
        )
        if np.linalg.norm(g) > gtol and theta.size <= _POLISH_MAX_DIM:
            theta, e, g = _polish(landscape, fun, theta, e, g, gtol, messages)
    grad_norm = float(np.linalg.norm(g))
    converged = bool(np.isfinite(e) and grad_norm <= gtol)
    message = "; ".join(messages) or "already stationary at theta0"
    return MinimiseResult(theta, float(e), grad_norm, converged, iterations, message)


def _run(
    minimize: Any,
    fun: Any,
    theta: np.ndarray,
    e: float,
    g: np.ndarray,
    method: str,
    options: dict[str, Any],
    gtol: float,
    maxiter: int,
    messages: list[str],
) -> tuple[np.ndarray, float, np.ndarray, int]:
    """Restart scipy's minimiser from its last point while it stalls short of gtol."""
    iterations = 0
    for _ in range(4):
        left = maxiter - iterations
        if left <= 0 or np.linalg.norm(g) <= gtol:
            break
        res = minimize(fun, theta, jac=True, method=method, options={**options, "maxiter": left})
        iterations += int(getattr(res, "nit", 0) or 0)
        messages.append(str(res.message))
        e_new, g_new = fun(np.asarray(res.x, dtype=np.float64))
        if not np.isfinite(e_new):
            break
        improved = e_new < e or np.linalg.norm(g_new) < np.linalg.norm(g)
        theta, e, g = np.asarray(res.x, dtype=np.float64), e_new, g_new
        if not improved:
            break
    return theta, e, g, iterations


_POLISH_MAX_DIM = 400


def _polish(
    landscape: Any,
    fun: Any,
    theta: np.ndarray,
    e: float,
    g: np.ndarray,
    gtol: float,
    messages: list[str],
    steps: int = 8,
) -> tuple[np.ndarray, float, np.ndarray]:
    """Newton steps restricted to the positive-curvature eigenspace of ∇²E.

    Line searches stall when E stops resolving progress (‖∇E‖ ≈ sqrt(eps·|E|·‖H‖)), above a
    tight gtol; a Newton step uses the gradient only and reaches ‖∇E‖ ~ 1e-15. A step is kept
    only if it lowers ‖∇E‖ without raising E beyond rounding (1e-13·max(1, |E|))."""
    done = 0
    for _ in range(steps):
        w, V = np.linalg.eigh(hessian(landscape, theta))
        keep = w > 1e-10 * max(1.0, float(np.abs(w).max()))
        if not np.any(keep):
            break
        step = -(V[:, keep] @ ((V[:, keep].T @ g) / w[keep]))
        e_new, g_new = fun(theta + step)
        if not (
            np.linalg.norm(g_new) < np.linalg.norm(g) and e_new <= e + 1e-13 * max(1.0, abs(e))
        ):
            break
        theta, e, g = theta + step, e_new, g_new
        done += 1
        if np.linalg.norm(g) <= gtol:
            break
    if done:
        messages.append(f"Newton polish: {done} step(s)")
    return theta, e, g


def hessian(landscape: Any, theta: Any, *, eps: float = 1e-6) -> np.ndarray:
    """∇²E(θ): ``landscape.hessian(theta)`` if present, else central differences of ∇E,
    H[:, i] = (∇E(θ + h_i e_i) − ∇E(θ − h_i e_i)) / (2 h_i), h_i = eps·max(1, |θ_i|),
    symmetrised as (H + Hᵀ)/2."""
    _check_landscape(landscape)
    if not (np.isfinite(eps) and eps > 0):
        raise InputError(f"eps = {eps!r} must be finite and > 0")
    x = as_theta(theta, _dim(landscape))
    if hasattr(landscape, "hessian"):
        H = np.asarray(landscape.hessian(x), dtype=np.float64)
        if H.shape != (x.size, x.size):
            raise InputError(
                f"landscape.hessian returned shape {H.shape}; expected {(x.size, x.size)}"
            )
        return 0.5 * (H + H.T)
    D = x.size
    H = np.empty((D, D))
    for i in range(D):  # D gradient pairs: a loop over coordinates, not over data
        h = eps * max(1.0, abs(x[i]))
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        H[:, i] = (landscape.energy_and_grad(xp)[1] - landscape.energy_and_grad(xm)[1]) / (2 * h)
    return 0.5 * (H + H.T)


@dataclass
class Classification:
    """Second-order classification of θ (see the module docstring for the kinds)."""

    kind: str
    grad_norm: float
    min_eig: float
    max_eig: float
    n_negative: int
    tolerances: dict[str, float] = field(default_factory=dict)

    @property
    def is_saddle(self) -> bool:
        """``kind == "saddle"``: a critical point whose Hessian has an eigenvalue below
        −eig_tol·max(1, ‖H‖₂) (a direction of strict descent)."""
        return self.kind == "saddle"

    def to_dict(self) -> dict[str, Any]:
        """JSON form: kind, gradient norm, extreme Hessian eigenvalues, the number of negative
        ones and the tolerances used."""
        return {
            "kind": self.kind,
            "grad_norm": self.grad_norm,
            "min_eig": self.min_eig,
            "max_eig": self.max_eig,
            "n_negative": self.n_negative,
            "tolerances": dict(self.tolerances),
        }


def classify(
    landscape: Any, theta: Any, *, grad_tol: float = 1e-8, eig_tol: float = 1e-8, eps: float = 1e-6
) -> Classification:
    """Classify θ by ‖∇E(θ)‖₂ and the spectrum of ∇²E(θ) (:func:`hessian`).

    ``not critical`` if ‖∇E‖ > grad_tol; otherwise with threshold τ = eig_tol·max(1, ‖H‖₂):
    ``saddle`` if λ_min < −τ, ``minimum`` if λ_min > τ, else ``degenerate``. ``n_negative``
    counts eigenvalues < −τ (also reported for non-critical points)."""
    _check_landscape(landscape)
    for name, v in (("grad_tol", grad_tol), ("eig_tol", eig_tol)):
        if not (np.isfinite(v) and v >= 0):
            raise InputError(f"{name} = {v!r} must be finite and ≥ 0")
    x = as_theta(theta, _dim(landscape))
    grad_norm = float(np.linalg.norm(landscape.energy_and_grad(x)[1]))
    eigs = np.linalg.eigvalsh(hessian(landscape, x, eps=eps))
    scale = max(1.0, float(np.max(np.abs(eigs))) if eigs.size else 1.0)
    tau = eig_tol * scale
    n_negative = int(np.sum(eigs < -tau))
    min_eig = float(eigs[0]) if eigs.size else 0.0
    max_eig = float(eigs[-1]) if eigs.size else 0.0
    if not np.isfinite(grad_norm) or grad_norm > grad_tol:
        kind = "not critical"
    elif n_negative:
        kind = "saddle"
    elif eigs.size and min_eig > tau:
        kind = "minimum"
    else:
        kind = "degenerate"
    tol = {
        "grad_tol": float(grad_tol),
        "eig_tol": float(eig_tol),
        "eig_threshold": tau,
        "eps": float(eps),
    }
    return Classification(kind, grad_norm, min_eig, max_eig, n_negative, tol)
