"""Proven rounding bounds for the two-layer ReLU energy along a segment (issue 11).

:meth:`sublevel.numerics.energies.relu.TwoLayerReLU.energy_pieces` computes the piecewise-quartic energy
in float64; the functions here bound, a priori and vectorised, how far its pieces can be from
the exact energy of the inputs (floats taken as the rationals they are): the matrix products,
the breakpoints, the per-sample residuals and their squares (:func:`sweep_error_terms`), and,
for the slope E', the places where a pre-activation's sign is not decided by the float
computation (:func:`slope_ambiguity`). γ_n = nu/(1 − nu) (Higham, *Accuracy and Stability of
Numerical Algorithms*, 2nd ed., §3.1).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sublevel.numerics.rounding import U as _U
from sublevel.numerics.rounding import gamma, up

__all__ = ["sweep_error_terms", "input_errors", "slope_ambiguity"]


def input_errors(land: Any, A: Any, D: Any) -> np.ndarray:
    """dPQ (L, m): |p − p̂| + |q − q̂| ≤ dPQ, p̂ = fl(X W_Aᵀ + b_A), q̂ = fl(X ΔWᵀ + Δb) with
    ΔW = fl(W_B − W_A) (matrix products of n + 1 terms: γ_{n+1}; the difference: γ_1), i.e.
    γ_{2n+4}·(|X|(|W_A| + |ΔW|)ᵀ + |b_A| + |Δb|), rounded up past its own computation."""
    n = land.n
    s = np.abs(land.X) @ (np.abs(A.W) + np.abs(D.W)).T + (np.abs(A.b) + np.abs(D.b))
    return s * (gamma(2 * n + 4) * (1 + gamma(n + 2)) * (1 + gamma(n + 4)))


def sweep_error_terms(
    land: Any, A: Any, D: Any, P: np.ndarray, Q: np.ndarray, rmax: np.ndarray, emax: int
) -> tuple[float, float, np.ndarray]:
    """Proven bounds for the per-sample stage (a priori, γ_n = nu/(1 − nu), Higham §3.1).

    With M_l = Σ_j Σ_k (|u_A| + |Δu|)_kj (|p| + |q|)_jl + Σ_k |c_A| + |Δc| + |y_l| (≥ Σ of the
    absolute residual coefficients of sample l on every piece, and ≥ max_t Σ_k |r_kl(t)|), the
    sum over j restricted to units that can be active somewhere on [0, 1]:

    * inputs: |p − p̂| + |q − q̂| ≤ γ_{2n+4}·(|X|(|W_A| + |ΔW|)ᵀ + |b_A| + |Δb|) (matrix
      products, ΔW = fl(W_B − W_A)), |Δu − fl(Δu)| ≤ γ_1|fl(Δu)|; ρ is 1-Lipschitz, so the
      residual moves by ε_l ≤ Σ_j Σ_k [(|u_A|+|Δu|)·dPQ + γ_1|Δu|(|p̂|+|q̂|)] + γ_1 Σ_k |Δc|;
    * breakpoints: τ̂ = fl(−p̂/q̂) is within u·τ + 2⁻¹⁰⁷⁴ of τ, and the cell of an event may be
      off by one grid point within u: the unit's activation is wrong by ≤ 2u|q̂| there, so the
      residual moves by ≤ 4u·M_l more;
    * coefficients: the residual's (einsum of ≤ 2m + 3 terms, cumulative sum over ≤ emax
      events of 2-term contributions, all bounded by M_l in sum) are off by
      δ_l ≤ γ_{m + 2emax + 8}·M_l in sum; with ``rmax`` the largest computed Σ|coefficients|
      of sample l over its pieces, the exact ones are ≤ R_l = rmax_l(1 + γ_{3k+2}) + δ_l;
    * then |E − Ẽ| ≤ mean_l ε_l(2R_l + ε_l) (+ κ·γ_8·‖ΔU‖₁ for ℓ1), uniformly in t;
    * its square's coefficients are off by 2R_lδ_l + δ_l² + γ_{k+3}R_l² in sum; the initial
      piece summed over samples by γ_{kL+4}·mean R_l² (+ ℓ1 terms).
    """
    m, k, L = land.m, land.k, land.L
    Y = land.Y
    dpq = input_errors(land, A, D)
    # a unit with max(p̂, p̂ + q̂) ≤ −dPQ is inactive on all of [0, 1] for the exact inputs, for
    # p̂, q̂ and in the sweep: it contributes exactly nothing and is left out of every bound
    live = (P > -dpq) | (P + Q > -dpq)
    absPQ = (np.abs(P) + np.abs(Q)) * live
    umax = (np.abs(A.U) + np.abs(D.U)).sum(axis=0) * (1 + gamma(k + 2))
    du = np.abs(D.U).sum(axis=0)
    cy = (np.abs(A.c) + np.abs(D.c)).sum() + np.abs(Y).sum(axis=1)
    M = (absPQ @ umax + cy) * (1 + gamma(2 * m + k + 8))
    g1 = gamma(1)
    eps = (dpq * live) @ umax + g1 * (absPQ @ du + np.abs(D.c).sum())
    eps = eps * (1 + gamma(2 * m + 8)) + 4 * _U * M
    delta = gamma(m + 2 * emax + 8) * M
    R = rmax * (1 + gamma(3 * k + 2)) + delta
    err_f = up(float(np.mean(eps * (2 * R + eps))), L + 8)
    R2 = R * R
    err_r = up(float(np.mean(2 * R * delta + delta * delta + gamma(k + 3) * R2)), L + 8)
    err_r += up(gamma(k * L + 4) * float(np.mean(R2)), L + 8)
    if land.l1:
        ua, ud = float(np.abs(A.U).sum()), float(np.abs(D.U).sum())
        err_f += up(land.l1 * gamma(8) * ud, k * m + 4)
        err_r += up(land.l1 * gamma(k * m + 4) * 2 * (ua + ud), k * m + 4)
    return err_f, err_r, R


def slope_ambiguity(
    land: Any, a: Any, b: Any, breakpoints: np.ndarray, rbound: np.ndarray
) -> tuple[np.ndarray, dict[str, Any]]:
    """Per piece i of a computed sweep (``breakpoints``), a proven bound of how much the exact
    slope E'(t) can exceed the slope of piece i's exact-coefficient polynomial at t in piece i
    because the exact active set differs from the piece's.

    A pre-activation's sign at t is decided by the float computation unless
    |p̂ + t q̂| ≤ w = dPQ + 4u|q̂| (:func:`input_errors`; 4u|q̂| covers the rounded breakpoint and
    its cell): an interval of t around −p̂/q̂ (all of [0, 1] when q̂ = 0 and |p̂| ≤ w). There the
    activation is off by ≤ 2w and its slope by |q| ≤ |q̂| + dPQ, so the residual moves by
    δr ≤ Σ_k max|u_kj|·2w and its slope by δr' ≤ Σ_k (max|u_kj|(|q̂| + dPQ) + |Δu_kj|·2w); with
    |r| ≤ R_l (``rbound``) and |r'| ≤ R'_l, E' = (2/L) Σ_l r·r' moves by
    ≤ (2/L)(δr·(R'_l + Δr'_l) + (R_l + Δr_l)·δr') summed over the undecided units (Δ: all of
    the sample's). An ℓ1 output weight's sign is undecided within 4u of its zero crossing: E'
    moves by ≤ 2κ|Δu| there. Each term is added to every piece its interval meets (a difference
    array, its rounding bounded by γ_{2N}·Σ terms).
    """
    A, D = land._segment(a, b)
    X, L, m = land.X, land.L, land.m
    P = X @ A.W.T + A.b
    Q = X @ D.W.T + D.b
    dpq = input_errors(land, A, D)
    absq = np.abs(Q)
    w = dpq + 4 * _U * absq
    umax = (np.abs(A.U) + np.abs(D.U)).sum(axis=0) * (1 + gamma(land.k + 2))
    du = np.abs(D.U).sum(axis=0) * (1 + gamma(land.k + 2))
    dr = 2 * w * umax  # (L, m)
    drp = (absq + dpq) * umax + 2 * w * du
    Rp = ((np.abs(P) + absq) @ du + absq @ umax + np.abs(D.c).sum()) * (1 + gamma(2 * m + 8))
    dr_tot = dr.sum(axis=1) * (1 + gamma(m + 2))
    drp_tot = drp.sum(axis=1) * (1 + gamma(m + 2))
    # the exact inputs' residual on the piece's active set is within ε_l of the sweep's
    eps = dpq @ umax + gamma(2) * ((np.abs(P) + absq) @ du + np.abs(D.c).sum())
    R = rbound * (1 + gamma(8)) + (dr_tot + eps) * (1 + gamma(m + 4))
    s = (2.0 / L) * (dr * (Rp + drp_tot)[:, None] + R[:, None] * drp) * (1 + gamma(8))
    with np.errstate(divide="ignore", invalid="ignore"):  # q̂ = 0: handled below
        c = -P / Q
        r = w / absq
        pad = 4 * _U * (np.abs(c) + r) + 2.0**-1000
        lo, hi = c - r - pad, c + r + pad
    flat = absq == 0
    lo[flat], hi[flat] = np.where(np.abs(P[flat]) <= w[flat], 0.0, np.inf), 1.0
    keep = (hi >= 0) & (lo <= 1) & (s > 0)
    lo_k, hi_k, s_k = np.clip(lo[keep], 0, 1), np.clip(hi[keep], 0, 1), s[keep]
    if land.l1:
        ua, ud = A.U.ravel(), D.U.ravel()
        mov = ud != 0
        cu = -ua[mov] / ud[mov]
        pu = 8 * _U * (np.abs(cu) + 1) + 2.0**-1000
        lo_u, hi_u = cu - pu, cu + pu
        ku = (hi_u >= 0) & (lo_u <= 1)
        lo_k = np.concatenate([lo_k, np.clip(lo_u[ku], 0, 1)])
        hi_k = np.concatenate([hi_k, np.clip(hi_u[ku], 0, 1)])
        s_k = np.concatenate([s_k, 2 * land.l1 * np.abs(ud[mov][ku]) * (1 + gamma(4))])
    n_pieces = breakpoints.size - 1
    first = np.searchsorted(breakpoints[1:], lo_k, side="left")
    last = np.searchsorted(breakpoints[:-1], hi_k, side="right") - 1
    diff = np.zeros(n_pieces + 1)
    np.add.at(diff, first, s_k)
    np.add.at(diff, np.maximum(last + 1, first), -s_k)
    amb = np.maximum(np.cumsum(diff[:-1]), 0.0)
    amb += up(gamma(2 * s_k.size + 4) * 2 * float(s_k.sum()), s_k.size + 2)
    return amb, {"undecided_signs": int(s_k.size), "max_ambiguity": float(amb.max())}
