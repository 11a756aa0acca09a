"""Optimisation experiments: random initialisations, L-BFGS to a stationary point, each run
classified against the global (lifted) optimum.

A run is a success when it reaches the optimum F*; otherwise it is a saddle, a poor minimum
(strictly positive Hessian above F*), a degenerate point above the optimum (PSD Hessian with
zero eigenvalues, which the second-order test cannot decide; :func:`stable_minimum` re-descends
from perturbations for evidence) or not converged — by
:func:`sublevel.numerics.critical.minimise` and :func:`sublevel.numerics.critical.classify`
(papers.md C10). Any landscape with ``random_point`` (or an ``init``) can be run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from sublevel.theory.errors import InputError

__all__ = ["SUCCESS_KINDS", "blas_single_thread", "Run", "optimisation_runs", "stable_minimum"]

SUCCESS_KINDS = ("success", "saddle", "poor minimum", "degenerate above optimum", "not converged")


@contextmanager
def blas_single_thread() -> Iterator[None]:
    """Limit OpenBLAS to one thread inside the block (threadpoolctl, when installed).

    Pitfall: on small problems (D ≲ 10³) a multi-threaded OpenBLAS makes scipy's L-BFGS-B about
    100× slower (measured: 0.65 s vs 0.003 s for 35 iterations in 12 dimensions on 2 cores).
    scipy's BLAS is loaded first, so that the limit applies to it too."""
    import scipy.linalg
    import scipy.optimize  # noqa: F401

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        yield
        return
    with threadpool_limits(1):
        yield


@dataclass
class Run:
    """One optimisation run from a random initialisation."""

    energy: float
    gap: float
    grad_norm: float
    converged: bool
    kind: str
    min_eig: float | None = None
    n_negative: int | None = None
    iterations: int = 0
    theta: np.ndarray | None = field(default=None, repr=False)
    stable: bool | None = None  # poor/degenerate runs: re-descent from perturbations stays

    def to_dict(self) -> dict[str, Any]:
        """Everything but the final point."""
        d = asdict(self)
        d.pop("theta")
        return d


def optimisation_runs(
    landscape: Any,
    optimum: float,
    n_runs: int,
    rng: np.random.Generator,
    *,
    init: Any = None,
    success_rtol: float = 1e-6,
    gtol: float = 1e-9,
    maxiter: int = 5000,
    eig_tol: float = 1e-6,
    classify_failures: bool = True,
    stability_perturbations: int = 0,
) -> list[Run]:
    """``n_runs`` L-BFGS runs from random points (``init(rng)`` or ``landscape.random_point``).

    success: E − F* ≤ success_rtol·max(1, F*). Otherwise: ``not converged`` (‖∇E‖ > gtol),
    ``saddle`` (a Hessian eigenvalue < −eig_tol·max(1, ‖H‖)), ``poor minimum`` (strictly positive
    Hessian) or ``degenerate above optimum`` (PSD with zero eigenvalues — a poor minimum candidate
    that the second-order test cannot decide; symmetries make these common). With
    ``stability_perturbations`` > 0 those two kinds also get ``stable`` from
    :func:`stable_minimum` (re-descent from that many perturbations)."""
    from sublevel.numerics.critical import classify, minimise

    if isinstance(n_runs, bool) or not isinstance(n_runs, (int, np.integer)) or n_runs < 1:
        raise InputError(f"n_runs = {n_runs!r}: need an integer ≥ 1")
    draw = init or landscape.random_point
    runs = []
    for _ in range(int(n_runs)):
        with blas_single_thread():
            res = minimise(landscape, draw(rng), gtol=gtol, maxiter=maxiter)
        gap = res.energy - optimum
        if gap <= success_rtol * max(1.0, abs(optimum)):
            runs.append(
                Run(
                    res.energy,
                    gap,
                    res.grad_norm,
                    res.converged,
                    "success",
                    iterations=res.iterations,
                    theta=res.theta,
                )
            )
            continue
        if not res.converged:
            runs.append(
                Run(
                    res.energy,
                    gap,
                    res.grad_norm,
                    False,
                    "not converged",
                    iterations=res.iterations,
                    theta=res.theta,
                )
            )
            continue
        kind, min_eig, n_neg = "degenerate above optimum", None, None
        if classify_failures:
            with blas_single_thread():
                cl = classify(landscape, res.theta, grad_tol=gtol, eig_tol=eig_tol)
            min_eig, n_neg = cl.min_eig, cl.n_negative
            kind = {"saddle": "saddle", "minimum": "poor minimum"}.get(
                cl.kind, "degenerate above optimum"
            )
        stable = None
        if stability_perturbations > 0 and kind != "saddle":
            tol = success_rtol * max(1.0, abs(res.energy))
            stable = stable_minimum(
                landscape,
                res.theta,
                res.energy,
                rng,
                tol=tol,
                perturbations=stability_perturbations,
                gtol=gtol,
                maxiter=maxiter,
            )[0]
        runs.append(
            Run(
                res.energy,
                gap,
                res.grad_norm,
                True,
                kind,
                min_eig,
                n_neg,
                res.iterations,
                res.theta,
                stable,
            )
        )
    return runs


def stable_minimum(
    landscape: Any,
    theta: np.ndarray,
    energy: float,
    rng: np.random.Generator,
    *,
    tol: float,
    perturbations: int = 3,
    scale: float = 1e-2,
    gtol: float = 1e-9,
    maxiter: int = 5000,
) -> tuple[bool, list[float]]:
    """Re-descend (L-BFGS) from ``perturbations`` random perturbations of θ of relative size
    ``scale``: (every re-descent ends at ≥ energy − tol, their energies). Evidence of a local
    minimum where the Hessian is singular (symmetries) and the second-order test cannot decide."""
    from sublevel.numerics.critical import minimise

    theta = np.asarray(theta, dtype=np.float64)
    energies = []
    with blas_single_thread():
        for _ in range(perturbations):
            step = rng.normal(size=theta.shape)
            step *= scale * max(1.0, float(np.linalg.norm(theta))) / np.linalg.norm(step)
            energies.append(minimise(landscape, theta + step, gtol=gtol, maxiter=maxiter).energy)
    return all(e >= energy - tol for e in energies), energies
