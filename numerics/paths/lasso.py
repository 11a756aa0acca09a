"""The lasso: ℓ1-regularised least squares, the second layer of the ReLU construction.

    min_γ (1/L)‖y − Zγ‖² + κ‖γ‖₁,

solved by accelerated proximal gradient (FISTA with restart) and an active-set polish, with a
duality-gap certificate of the objective. BF'16 §2.3.2 and §3.5 (digest §3.5): the lasso fit
of the second layer for fixed hidden units gives δ_W(m, 0; m) and δ_W(m − l, α; m) of
Theorem 2.4 (:mod:`sublevel.numerics.paths.relu`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sublevel.theory.errors import InputError

__all__ = ["LassoFit", "lasso"]


@dataclass
class LassoFit:
    """argmin_γ (1/L)‖y − Zγ‖² + κ‖γ‖₁ with its objective and duality gap (f − f* ≤ gap)."""

    coef: np.ndarray
    objective: float
    gap: float
    iterations: int


def _lasso_objective(Z: np.ndarray, y: np.ndarray, kappa: float, g: np.ndarray) -> float:
    r = y - Z @ g
    return float(r @ r / y.size + kappa * np.abs(g).sum())


def _lasso_gap(Z: np.ndarray, y: np.ndarray, kappa: float, g: np.ndarray) -> tuple[float, float]:
    """(objective, duality gap). Dual: max ν·y − (L/4)‖ν‖² s.t. ‖Zᵀν‖_∞ ≤ κ, at the scaled
    residual ν = (2/L) r·min(1, κ/‖(2/L)Zᵀr‖_∞)."""
    L = y.size
    r = y - Z @ g
    f = float(r @ r / L + kappa * np.abs(g).sum())
    nu = (2.0 / L) * r
    zmax = float(np.max(np.abs(Z.T @ nu))) if Z.shape[1] else 0.0
    if zmax > kappa:
        nu *= kappa / zmax
    dual = float(nu @ y - 0.25 * L * (nu @ nu))
    return f, max(0.0, f - dual)


def lasso(Z: Any, y: Any, kappa: float, *, tol: float = 1e-12, max_iter: int = 20000) -> LassoFit:
    """ℓ1-regularised least squares, (1/L)‖y − Zγ‖² + κ‖γ‖₁ (BF'16 §3.5, the second layer).

    Accelerated proximal gradient (FISTA with restart) with an active-set polish (the KKT
    system on the current support and signs), stopped when the duality gap is below
    ``tol·max(1, f)``. κ = 0 gives least squares (minimum-norm solution).
    """
    Z = np.asarray(Z, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).ravel()
    if Z.ndim != 2 or Z.shape[0] != y.size:
        raise InputError(f"lasso: Z has shape {Z.shape} for {y.size} targets")
    if not (np.isfinite(kappa) and kappa >= 0):
        raise InputError(f"lasso: kappa = {kappa!r} must be finite and ≥ 0")
    L, p = Z.shape
    if p == 0:
        return LassoFit(np.zeros(0), float(y @ y / L), 0.0, 0)
    if kappa == 0:
        g = np.linalg.lstsq(Z, y, rcond=None)[0]
        return LassoFit(g, _lasso_objective(Z, y, 0.0, g), 0.0, 0)
    lip = 2.0 * np.linalg.norm(Z, 2) ** 2 / L
    if lip == 0:
        return LassoFit(np.zeros(p), float(y @ y / L), 0.0, 0)
    step = 1.0 / lip
    g = np.zeros(p)
    best, (f_best, gap) = g.copy(), _lasso_gap(Z, y, kappa, g)
    x_prev, mom, f_prev = g.copy(), 1.0, f_best
    it = 0
    while it < max_iter and gap > tol * max(1.0, f_best):
        for _ in range(50):
            it += 1
            grad = (2.0 / L) * (Z.T @ (Z @ g - y))
            x = g - step * grad
            x = np.sign(x) * np.maximum(np.abs(x) - step * kappa, 0.0)
            f = _lasso_objective(Z, y, kappa, x)
            if f > f_prev:  # restart the momentum
                mom, g = 1.0, x_prev.copy()
                continue
            mom_next = 0.5 * (1 + np.sqrt(1 + 4 * mom * mom))
            g = x + ((mom - 1) / mom_next) * (x - x_prev)
            x_prev, mom, f_prev = x, mom_next, f
        for cand in (x_prev, _polish(Z, y, kappa, x_prev)):
            if cand is None:
                continue
            fc, gc = _lasso_gap(Z, y, kappa, cand)
            if gc < gap or fc < f_best - 1e-15:
                best, f_best, gap = cand.copy(), fc, gc
        if gap <= tol * max(1.0, f_best):
            break
    return LassoFit(best, f_best, gap, it)


def _polish(Z: np.ndarray, y: np.ndarray, kappa: float, g: np.ndarray) -> np.ndarray | None:
    """Solve the KKT system on the support S with signs s: Z_Sᵀ Z_S γ = Z_Sᵀ y − (Lκ/2) s."""
    S = np.flatnonzero(g)
    if S.size == 0:
        return None
    s = np.sign(g[S])
    A = Z[:, S]
    rhs = A.T @ y - 0.5 * y.size * kappa * s
    sol = np.linalg.lstsq(A.T @ A, rhs, rcond=None)[0]
    if np.any(np.sign(sol) != s):
        return None
    out = np.zeros_like(g)
    out[S] = sol
    return out
