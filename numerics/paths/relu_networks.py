"""Scalar-output two-layer ReLU networks with unit rows: the objects of BF'16 Theorem 2.4.

Hidden units z(w) = ρ(⟨w, x̄⟩) with x̄ = (x, 1) and joint rows w = (w, b) on the unit sphere
(BF'16 §2.3.2, digest §3.5): teacher–student data, positive homogeneity (rescaling rows to the
sphere), training with unit rows (L-BFGS), the lasso refit of the second layer (δ_W(m, 0; m),
eq. 8) and the oracle e(l) — an l-unit network with unit rows and its lasso second layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sublevel.numerics.energies.relu import TwoLayerReLU, relu
from sublevel.numerics.landscape import as_theta
from sublevel.numerics.paths.lasso import LassoFit, lasso
from sublevel.theory.errors import HypothesisError, InputError

__all__ = [
    "teacher_data",
    "row_norms",
    "to_unit_rows",
    "second_moment_norm",
    "single_thread",
    "fit_network",
    "refit_second_layer",
    "OracleFit",
    "fit_oracle",
]

#: the claim whose hypotheses these constructions check (its refusals name it)
CLAIM = "bf16.thm2.4.relu-path"


def teacher_data(
    rng: np.random.Generator, n: int, samples: int, teacher: int, *, noise: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Teacher–student data: X ~ N(0, I_n), y = Σ_j a_j ρ(⟨v_j, x̄⟩) (+ noise), teacher rows v_j
    (with bias) on the unit sphere, a_j ~ N(0, 1). Returns (X, y, rows, a)."""
    if n < 1 or samples < 1 or teacher < 1:
        raise InputError(f"n = {n}, samples = {samples}, teacher = {teacher}: all must be ≥ 1")
    X = rng.normal(size=(samples, n))
    V = rng.normal(size=(teacher, n + 1))
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    a = rng.normal(size=teacher)
    y = relu(np.concatenate([X, np.ones((samples, 1))], axis=1) @ V.T) @ a
    if noise:
        y = y + noise * rng.normal(size=samples)
    return X, y, V, a


def _check_scalar(land: TwoLayerReLU) -> None:
    if not isinstance(land, TwoLayerReLU):
        raise InputError(f"expected a TwoLayerReLU landscape, got {type(land).__name__}")
    if land.k != 1 or land.output_bias:
        raise HypothesisError(
            f"Theorem 2.4 is for a scalar output without output bias; got k = {land.k}, "
            f"output_bias = {land.output_bias}",
            claim=CLAIM,
        )


def _rows(land: TwoLayerReLU, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(joint rows (m, n+1) = [w_i, b_i], β (m,))."""
    P = land.unflatten(theta)
    return np.concatenate([P.W, P.b[:, None]], axis=1), P.U[0]


def _theta(land: TwoLayerReLU, rows: np.ndarray, beta: np.ndarray) -> np.ndarray:
    n = land.n
    b = rows[:, n] if land.hidden_bias else None
    if not land.hidden_bias and np.any(rows[:, n] != 0):
        raise InputError("rows carry a bias but the landscape has hidden_bias=False")
    return land.flatten(rows[:, :n], b, beta[None, :])


def _augment(land: TwoLayerReLU) -> np.ndarray:
    ones = np.ones((land.L, 1)) if land.hidden_bias else np.zeros((land.L, 1))
    return np.concatenate([land.X, ones], axis=1)


def _features(land: TwoLayerReLU, rows: np.ndarray) -> np.ndarray:
    """z_l(w_i) = ρ(⟨w_i, x̄_l⟩): (L, m)."""
    return relu(_augment(land) @ rows.T)


def row_norms(land: TwoLayerReLU, theta: Any) -> np.ndarray:
    """‖(w_i, b_i)‖ for every hidden unit."""
    rows, _ = _rows(land, as_theta(theta, land.dim))
    return np.linalg.norm(rows, axis=1)


def to_unit_rows(land: TwoLayerReLU, theta: Any) -> np.ndarray:
    """Positive homogeneity (BF'16 Cor. 2.5 proof, step 1): (w_i, b_i, β_i) → (w_i, b_i, β_i)
    rescaled so that ‖(w_i, b_i)‖ = 1, β_i multiplied by the norm; Φ is unchanged (the ℓ1 term
    changes). Zero rows are left as they are."""
    norms = row_norms(land, theta)
    scales = np.where(norms > 0, 1.0 / np.where(norms > 0, norms, 1.0), 1.0)
    return land.rescale(theta, scales)


def second_moment_norm(land: TwoLayerReLU) -> float:
    """‖Σ_x̄‖ = ‖(1/L) Σ_l x̄_l x̄_lᵀ‖₂ (operator norm), x̄ = (x, 1)."""
    Xa = _augment(land)
    return float(np.linalg.norm(Xa.T @ Xa / land.L, 2))


def single_thread() -> Any:
    """A context limiting BLAS to one thread: small dense problems (L-BFGS on a few hundred
    parameters) run up to 10× slower with a multi-threaded BLAS on a loaded 2-core machine."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        from contextlib import nullcontext

        return nullcontext()
    return threadpool_limits(1)


def fit_network(
    land: TwoLayerReLU,
    rng: np.random.Generator,
    *,
    theta0: Any = None,
    unit_rows: bool = True,
    maxiter: int = 500,
    gtol: float = 1e-9,
) -> np.ndarray:
    """A trained point: L-BFGS on F from a random (or given) start. With ``unit_rows`` the rows
    are parametrised as v_i/‖v_i‖ (the constraint set of Theorem 2.4)."""
    with single_thread():
        return _fit_network(land, rng, theta0, unit_rows, maxiter, gtol)


def _fit_network(
    land: TwoLayerReLU,
    rng: np.random.Generator,
    theta0: Any,
    unit_rows: bool,
    maxiter: int,
    gtol: float,
) -> np.ndarray:
    from scipy.optimize import minimize

    if theta0 is None:
        rows = rng.normal(size=(land.m, land.n + 1))
        if not land.hidden_bias:
            rows[:, -1] = 0.0
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        P0 = land.unflatten(np.zeros(land.dim))
        theta0 = land.flatten(
            rows[:, : land.n],
            rows[:, land.n] if land.hidden_bias else None,
            rng.normal(size=(land.k, land.m)) / np.sqrt(land.m),
            P0.c if land.output_bias else None,
        )
    theta0 = as_theta(theta0, land.dim)
    if not unit_rows:
        res = minimize(
            land.energy_and_grad,
            theta0,
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": maxiter, "gtol": gtol},
        )
        return np.asarray(res.x)
    m, n, k = land.m, land.n, land.k
    nv = m * (n + 1)
    rows0, _ = _rows_any(land, theta0)
    rest0 = theta0[land._offsets[2] :]  # U and c

    def split(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        V = x[:nv].reshape(m, n + 1)
        nrm = np.linalg.norm(V, axis=1)
        nrm = np.where(nrm > 0, nrm, 1.0)
        return V, nrm, V / nrm[:, None]

    def fg(x: np.ndarray) -> tuple[float, np.ndarray]:
        V, nrm, R = split(x)
        th = np.concatenate([R[:, :n].ravel(), R[:, n] if land.hidden_bias else [], x[nv:]])
        e, g = land.energy_and_grad(th)
        gW = g[: m * n].reshape(m, n)
        gb = g[m * n : m * n + m] if land.hidden_bias else np.zeros(m)
        gR = np.concatenate([gW, gb[:, None]], axis=1)
        gV = (gR - (gR * R).sum(axis=1, keepdims=True) * R) / nrm[:, None]
        if not land.hidden_bias:
            gV[:, n] = 0.0
        return e, np.concatenate([gV.ravel(), g[land._offsets[2] :]])

    x0 = np.concatenate([rows0.ravel(), rest0])
    res = minimize(fg, x0, jac=True, method="L-BFGS-B", options={"maxiter": maxiter, "gtol": gtol})
    _, _, R = split(np.asarray(res.x))
    return land.flatten(
        R[:, :n],
        R[:, n] if land.hidden_bias else None,
        res.x[nv : nv + k * m].reshape(k, m),
        res.x[nv + k * m :] if land.output_bias else None,
    )


def _rows_any(land: TwoLayerReLU, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    P = land.unflatten(theta)
    return np.concatenate([P.W, P.b[:, None]], axis=1), P.U


def refit_second_layer(
    land: TwoLayerReLU, theta: Any, *, tol: float = 1e-12
) -> tuple[np.ndarray, LassoFit]:
    """θ with β replaced by the lasso fit for its first layer: F = δ_W(m, 0; m) (BF'16 eq. 8)."""
    _check_scalar(land)
    rows, _ = _rows(land, as_theta(theta, land.dim))
    fit = lasso(_features(land, rows), land.Y[:, 0], land.l1, tol=tol)
    return _theta(land, rows, fit.coef), fit


@dataclass
class OracleFit:
    """An l-unit network with unit rows and its lasso second layer: F = e(l) (estimate from
    ``restarts`` trainings; the true e(l) is a minimum, this is the value attained)."""

    ell: int
    rows: np.ndarray
    beta: np.ndarray
    value: float


def fit_oracle(
    land: TwoLayerReLU, ell: int, rng: np.random.Generator, *, restarts: int = 2, maxiter: int = 300
) -> OracleFit:
    """e(l) (BF'16 §3.5): train an l-unit network with unit rows, refit its second layer."""
    _check_scalar(land)
    if not (isinstance(ell, (int, np.integer)) and 1 <= ell <= land.m):
        raise InputError(f"oracle width l = {ell!r} must be in 1..{land.m}")
    small = land.with_width(int(ell))
    best: OracleFit | None = None
    for _ in range(max(1, restarts)):
        th = fit_network(small, rng, maxiter=maxiter)
        th, fit = refit_second_layer(small, th)
        rows, beta = _rows(small, th)
        if best is None or fit.objective < best.value:
            best = OracleFit(int(ell), rows, beta, fit.objective)
    assert best is not None
    return best
