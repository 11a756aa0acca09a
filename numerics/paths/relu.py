"""Theorem 2.4 of Freeman & Bruna (ICLR 2017): the six-part path between two-layer ReLU networks.

Setting (BF'16 §2.3.2, digest §3.5–§3.6): one hidden layer, scalar output, hidden units
z(w) = ρ(⟨w, x̄⟩) with x̄ = (x, 1) (the bias is part of the row w = (w, b)), rows on the unit
sphere, ℓ1 penalty κ‖β‖₁ on the second layer:

    F(W, β) = (1/L) Σ_l (Σ_i β_i z_l(w_i) − y_l)² + κ ‖β‖₁.

For θ_A, θ_B with F ≤ λ the path stays below max(λ, ε), with

    ε = max{e(l), δ_{W_A}(m,0;m), δ_{W_A}(m−l,α;m), δ_{W_B}(m,0;m), δ_{W_B}(m−l,α;m)} + C₁α + O(α²).

Its six sub-paths, all chains of straight segments here (so every one is certified exactly by
:func:`sublevel.numerics.certify_relu.certify_relu_path`):

(1) θ_A → θ_lA: W_A fixed, β moves linearly to the lasso fit for W_A — convex, ≤ max of ends;
(2) θ_lA → θ_sA: rows rotate by ≤ α to W̃_A (greedy angle clustering, every member of a
    cluster moved to the cluster's centre) while β moves linearly to γ_A, the lasso fit on the
    m − l cluster centres (l units get γ = 0) — ≤ (√max(F_lA, F_sA) + D_A)², where
    D_A = √‖Σ_x̄‖ Σ_i ‖w_i − w̃_i‖(|β_i| + |γ_i|)/4 (the proof's eq. bub2, made explicit:
    ‖z(w) − z(w')‖ ≤ √‖Σ_x̄‖ ‖w − w'‖ because ρ is 1-Lipschitz);
(3) θ_sA → θ*: the l freed rows move to the rows of an l-unit oracle network (their weights are
    0: constant energy), then the weights move linearly to the oracle's (convex);
    then the oracle is handed from A's freed units to B's (copy rows onto zero-weight units,
    transfer the weights — both constant energy) and the zero-weight rows move to W̃_B;
(4)–(6) the mirror images for B.

e(l) and the δ's are the values the construction attains (upper estimates of the paper's
minima), so the bound reported is the one the path actually proves. For each l on a grid the
greedy merges give the smallest α that frees l units; the l minimising ε is used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any, cast

import numpy as np
from sublevel.numerics.energies.relu import TwoLayerReLU, relu
from sublevel.numerics.landscape import as_theta
from sublevel.numerics.paths.base import CONSTANT, LE_BOUND, LE_MAX_ENDPOINTS, Path, Segment
from sublevel.theory.errors import HypothesisError, InputError

__all__ = [
    "LassoFit",
    "lasso",
    "row_norms",
    "to_unit_rows",
    "single_thread",
    "fit_network",
    "refit_second_layer",
    "OracleFit",
    "fit_oracle",
    "Compression",
    "MergeSequence",
    "merge_sequence",
    "compress",
    "second_moment_norm",
    "c1_alpha_paper",
    "SixPartPath",
    "six_part_path",
    "plot_six_part_path",
    "teacher_data",
    "RankOneBound",
    "rank_one_lower_bound",
    "swap_via_free_unit",
    "Genericity",
    "check_genericity",
    "zero_level_components",
    "WidthStudy",
    "fit_exponent",
    "width_study",
    "plot_width_study",
]

CLAIM = "bf16.thm2.4.relu-path"


# ---------------------------------------------------------------------------------- lasso
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


# ---------------------------------------------------------------------------------- networks
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


# ---------------------------------------------------------------------------------- compression
@dataclass
class Compression:
    """δ_W(m − l, α; m) (BF'16 eq. 8), attained greedily: rows W̃ within angle α of W (every
    member of a cluster moved to the cluster's unit centre), γ the lasso fit on the m − l
    centres, carried by one representative per cluster; the l others are freed (γ = 0)."""

    rows: np.ndarray
    gamma: np.ndarray
    kept: np.ndarray
    freed: np.ndarray
    value: float
    max_angle: float
    chords: np.ndarray


def _angles(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.arccos(np.clip(u @ v.T, -1.0, 1.0))


@dataclass
class MergeSequence:
    """Greedy agglomeration of unit rows, cheapest merge first: merge k joins the clusters
    ``pairs[k]`` = (i, j) (j into i) at cost ``costs[k]``, the largest angle between the merged
    cluster's unit centre (normalised sum) and its members. The order does not depend on α, so
    one sequence serves every (l, α): l units can be freed within α iff max(costs[:l]) ≤ α."""

    rows: np.ndarray
    pairs: list[tuple[int, int]]
    costs: np.ndarray

    def angle_needed(self, ell: int) -> float:
        """The smallest α for which the greedy frees ``ell`` units (inf if it cannot)."""
        if ell == 0:
            return 0.0
        return float(np.max(self.costs[:ell])) if ell <= self.costs.size else float("inf")

    def state(self, ell: int) -> tuple[np.ndarray, np.ndarray]:
        """(labels, unit centres per label) after ``ell`` merges."""
        lab = np.arange(self.rows.shape[0])
        for i, j in self.pairs[:ell]:
            lab[lab == j] = i
        sums = np.zeros_like(self.rows)
        np.add.at(sums, lab, self.rows)
        nrm = np.linalg.norm(sums, axis=1, keepdims=True)
        return lab, np.divide(sums, nrm, out=np.zeros_like(sums), where=nrm > 0)


def merge_sequence(rows: Any, max_merges: int) -> MergeSequence:
    """The greedy merges of :class:`MergeSequence`, vectorised: O(m·d) per merge."""
    R = np.asarray(rows, dtype=np.float64)
    m = R.shape[0]
    lab = np.arange(m)
    sums = R.copy()
    alive = np.ones(m, dtype=bool)
    ang = _angles(R, R)
    C = np.where(np.triu(np.ones((m, m), dtype=bool), 1) & (ang < np.pi - 1e-12), ang / 2, np.inf)
    pairs: list[tuple[int, int]] = []
    costs: list[float] = []
    idx = np.full(m, -1)
    for _ in range(min(max_merges, m - 1)):
        flat = int(np.argmin(C))
        i, j = divmod(flat, m)
        if not np.isfinite(C[i, j]):
            break
        pairs.append((i, j))
        costs.append(float(C[i, j]))
        lab[lab == j] = i
        sums[i] += sums[j]
        alive[j] = False
        C[j, :] = C[:, j] = np.inf
        others = np.flatnonzero(alive)
        others = others[others != i]
        if others.size == 0:
            continue
        S = sums[i] + sums[others]
        nrm = np.linalg.norm(S, axis=1)
        c = np.divide(S, nrm[:, None], out=np.zeros_like(S), where=nrm[:, None] > 0)
        low = (R[lab == i] @ c.T).min(axis=0)  # members of i against every candidate centre
        idx[:] = -1
        idx[others] = np.arange(others.size)
        rr = np.flatnonzero(idx[lab] >= 0)
        dots = (R[rr] * c[idx[lab[rr]]]).sum(axis=1)
        np.minimum.at(low, idx[lab[rr]], dots)  # members of each other cluster
        cost = np.where(nrm > 0, np.arccos(np.clip(low, -1.0, 1.0)), np.inf)
        C[np.minimum(i, others), np.maximum(i, others)] = cost
    return MergeSequence(R, pairs, np.asarray(costs))


def compress(
    land: TwoLayerReLU, theta: Any, ell: int, alpha: float, *, sequence: MergeSequence | None = None
) -> Compression | None:
    """Free l units by merging clusters of rows whose unit centre is within α of every member
    (greedy, cheapest merge first, :func:`merge_sequence`); None when the first l merges do not
    all fit within α. Every member of a cluster moves to the centre; γ is the lasso fit on the
    m − l centres, carried by the cluster's first unit."""
    _check_scalar(land)
    rows, _ = _rows(land, as_theta(theta, land.dim))
    m = rows.shape[0]
    if not (isinstance(ell, (int, np.integer)) and 0 <= ell < m):
        raise InputError(f"compression l = {ell!r} must be in 0..{m - 1}")
    nrm = np.linalg.norm(rows, axis=1)
    if np.any(np.abs(nrm - 1) > 1e-9):
        raise HypothesisError(
            "Theorem 2.4 needs rows on the unit sphere: use to_unit_rows", claim=CLAIM
        )
    seq = sequence if sequence is not None else merge_sequence(rows, ell)
    if seq.angle_needed(ell) > alpha:
        return None
    lab, centres = seq.state(ell)
    new_rows = centres[lab]
    kept_a = np.unique(lab)
    freed_a = np.setdiff1d(np.arange(m), kept_a)
    fit = lasso(_features(land, new_rows[kept_a]), land.Y[:, 0], land.l1)
    gamma = np.zeros(m)
    gamma[kept_a] = fit.coef
    angles = np.arccos(np.clip((rows * new_rows).sum(axis=1), -1.0, 1.0))
    return Compression(
        new_rows,
        gamma,
        kept_a,
        freed_a,
        fit.objective,
        float(angles.max()),
        np.linalg.norm(rows - new_rows, axis=1),
    )


def c1_alpha_paper(land: TwoLayerReLU, alpha: float) -> float:
    """The paper's bound on sub-path (2), eq. (bub2) with the statement's κ-exponents:
    4α·max(E|Y|², √E|Y|²)·‖Σ_X‖·(κ^{−1/2} + α√E|Y|²·κ^{−1}) (inf when κ = 0)."""
    if land.l1 <= 0:
        return float("inf")
    ey2 = float(np.mean(land.Y[:, 0] ** 2))
    kap = land.l1
    return (
        4
        * alpha
        * max(ey2, np.sqrt(ey2))
        * second_moment_norm(land)
        * (kap**-0.5 + alpha * np.sqrt(ey2) / kap)
    )


# ---------------------------------------------------------------------------------- the path
@dataclass
class SixPartPath:
    """The path of Theorem 2.4 with the quantities of its bound.

    ``quantities``: λ, e(l), δ_A(m,0;m), δ_A(m−l,α;m), δ_B(m,0;m), δ_B(m−l,α;m), the C₁α terms
    (instance: explicit bub2; paper: the statement's formula), ε and the path bound max(λ, ε).
    ``piece_bounds``: the bound each piece's proof step promises (pieces (2) and (5): the
    explicit bub2 bound; the others: their promise, checked separately).
    """

    path: Path
    ell: int
    alpha: float
    quantities: dict[str, float]
    piece_bounds: list[float | None]
    grid: list[dict[str, float]] = field(default_factory=list)
    points: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def bound(self) -> float:
        return self.quantities["bound"]


def _bub2(M: float, sigma: float, comp: Compression, beta: np.ndarray) -> float:
    """Bound on sub-path (2): (√M + D)² with D = √‖Σ‖ Σ_i ‖w_i − w̃_i‖(|β_i| + |γ_i|)/4."""
    D = np.sqrt(sigma) * float(np.sum(comp.chords * (np.abs(beta) + np.abs(comp.gamma)))) / 4
    return (np.sqrt(max(M, 0.0)) + D) ** 2


def six_part_path(
    land: TwoLayerReLU,
    theta_A: Any,
    theta_B: Any,
    rng: np.random.Generator,
    *,
    ls: Any = None,
    max_alpha: float = 2.5,
    oracle_restarts: int = 2,
    oracle_maxiter: int = 300,
) -> SixPartPath:
    """Build the six-part path of Theorem 2.4 between θ_A and θ_B (rows on the unit sphere).

    For each l in ``ls`` (default {m/4, m/2, 3m/4}) the greedy merges give the smallest α that
    frees l units at each endpoint (α ≤ ``max_alpha``); the l minimising ε is used."""
    _check_scalar(land)
    tA = as_theta(theta_A, land.dim, name="theta_A")
    tB = as_theta(theta_B, land.dim, name="theta_B")
    for name, th in (("theta_A", tA), ("theta_B", tB)):
        if np.any(np.abs(row_norms(land, th) - 1) > 1e-9):
            raise HypothesisError(
                f"{name} has rows off the unit sphere: use to_unit_rows", claim=CLAIM
            )
    m = land.m
    if m < 2:
        raise HypothesisError(f"width m = {m}: the construction needs m ≥ 2", claim=CLAIM)
    if ls is None:
        ls = sorted({max(1, m // 4), max(1, m // 2), max(1, (3 * m) // 4)} - {m})
    ls = sorted({int(v) for v in ls if 1 <= int(v) < m})
    if not ls:
        raise InputError(f"no admissible l in {ls!r} for width {m}")
    if not (0 < max_alpha <= np.pi):
        raise InputError(f"max_alpha = {max_alpha!r} must lie in (0, π]")
    sigma = second_moment_norm(land)
    FA, FB = land.energy(tA), land.energy(tB)
    lam = max(FA, FB)
    tlA, fitA = refit_second_layer(land, tA)
    tlB, fitB = refit_second_layer(land, tB)
    _, betaA = _rows(land, tlA)
    _, betaB = _rows(land, tlB)
    seqA = merge_sequence(_rows(land, tlA)[0], max(ls))
    seqB = merge_sequence(_rows(land, tlB)[0], max(ls))
    dA0, dB0 = land.energy(tlA), land.energy(tlB)
    oracles: dict[int, OracleFit] = {}
    grid: list[dict[str, float]] = []
    best: tuple[float, int, float, Compression, Compression] | None = None
    for ell in ls:
        alpha = max(seqA.angle_needed(ell), seqB.angle_needed(ell))
        if alpha > max_alpha:
            continue
        cA = compress(land, tlA, ell, alpha, sequence=seqA)
        cB = compress(land, tlB, ell, alpha, sequence=seqB)
        if cA is None or cB is None:
            continue
        if ell not in oracles:
            oracles[ell] = fit_oracle(
                land, ell, rng, restarts=oracle_restarts, maxiter=oracle_maxiter
            )
        e_l = oracles[ell].value
        bA = _bub2(max(dA0, cA.value), sigma, cA, betaA)
        bB = _bub2(max(dB0, cB.value), sigma, cB, betaB)
        base = max(e_l, dA0, cA.value, dB0, cB.value)
        c1 = max(bA - max(dA0, cA.value), bB - max(dB0, cB.value))
        eps = base + c1
        grid.append(
            {
                "l": ell,
                "alpha": alpha,
                "e_l": e_l,
                "delta_A": cA.value,
                "delta_B": cB.value,
                "c1_alpha": c1,
                "epsilon": eps,
            }
        )
        if best is None or eps < best[0]:
            best = (eps, ell, alpha, cA, cB)
    if best is None:
        raise HypothesisError(
            f"no l in {ls} can be freed within the angle max_alpha = {max_alpha} at both "
            "endpoints: raise max_alpha or lower l",
            claim=CLAIM,
        )
    eps, ell, alpha, cA, cB = best
    orc = oracles[ell]
    path, bounds, pts = _assemble(
        land, tA, tB, tlA, tlB, cA, cB, orc, sigma, betaA, betaB, dA0, dB0
    )
    q = {
        "lambda": lam,
        "F_A": FA,
        "F_B": FB,
        "e_l": orc.value,
        "delta_A_m0": dA0,
        "delta_A_ml_alpha": cA.value,
        "delta_B_m0": dB0,
        "delta_B_ml_alpha": cB.value,
        "c1_alpha_instance": float(eps - max(orc.value, dA0, cA.value, dB0, cB.value)),
        "c1_alpha_paper": c1_alpha_paper(land, alpha),
        "max_angle_A": cA.max_angle,
        "max_angle_B": cB.max_angle,
        "sigma_norm": sigma,
        "epsilon": float(eps),
        "bound": float(max(lam, eps)),
        "lasso_gap_A": fitA.gap,
        "lasso_gap_B": fitB.gap,
    }
    return SixPartPath(path, ell, alpha, q, bounds, grid, pts)


def _assemble(
    land: TwoLayerReLU,
    tA: np.ndarray,
    tB: np.ndarray,
    tlA: np.ndarray,
    tlB: np.ndarray,
    cA: Compression,
    cB: Compression,
    orc: OracleFit,
    sigma: float,
    betaA: np.ndarray,
    betaB: np.ndarray,
    dA0: float,
    dB0: float,
) -> tuple[Path, list[float | None], dict[str, np.ndarray]]:
    """The segments of sub-paths (1)–(6) with labels, promises and their own bounds."""
    m = land.m
    SA, SB = cA.freed, cB.freed
    # the oracle's units sit on A's freed units, later on B's; the match pairs the differences
    slot = dict(zip(SA.tolist(), range(orc.ell)))  # A's freed unit → oracle unit
    onlyA = [i for i in SA.tolist() if i not in set(SB.tolist())]
    onlyB = [j for j in SB.tolist() if j not in set(SA.tolist())]
    # B's freed units carry the oracle at the end: units shared by SA and SB keep their oracle
    # unit; each unit of SB \ SA takes the oracle unit of its partner in SA \ SB
    slotB = {j: slot[j] for j in SB.tolist() if j in slot}
    for i, j in zip(onlyA, onlyB):
        slotB[j] = slot[i]

    pieces: list[Segment] = []
    bounds: list[float | None] = []

    def add(
        a: np.ndarray, b: np.ndarray, label: str, promise: str, bound: float | None, step: str
    ) -> None:
        if np.array_equal(a, b):
            return
        pieces.append(Segment(a, b, label, promise, info={"step": step, "bound": bound}))
        bounds.append(bound)

    th = lambda R, beta: _theta(land, R, beta)  # noqa: E731
    b2A = _bub2(max(dA0, cA.value), sigma, cA, betaA)
    b2B = _bub2(max(dB0, cB.value), sigma, cB, betaB)
    sA = th(cA.rows, cA.gamma)
    sB = th(cB.rows, cB.gamma)
    add(
        tA,
        tlA,
        "(1) β→lasso",
        LE_MAX_ENDPOINTS,
        None,
        "A: second layer → lasso fit for W_A (convex)",
    )
    add(
        tlA,
        sA,
        "(2) rotate, sparsify",
        LE_BOUND,
        b2A,
        "A: rows rotate ≤ α, second layer → (m−l)-sparse γ_A (explicit bub2 bound)",
    )
    # (3) free rows to the oracle, then the weights
    R = cA.rows.copy()
    R[SA] = orc.rows[[slot[i] for i in SA.tolist()]]
    p3a = th(R, cA.gamma)
    add(sA, p3a, "(3) rows→oracle", CONSTANT, None, "A: freed rows → oracle rows (zero weight)")
    beta_star = np.zeros(m)
    beta_star[SA] = orc.beta[[slot[i] for i in SA.tolist()]]
    p3b = th(R, beta_star)
    add(
        p3a,
        p3b,
        "(3) γ_A→oracle",
        LE_MAX_ENDPOINTS,
        None,
        "second layer γ_A → oracle weights (convex)",
    )
    # hand the oracle from SA to SB
    if onlyB:
        R2 = R.copy()
        R2[onlyB] = orc.rows[[slotB[j] for j in onlyB]]
        p_copy = th(R2, beta_star)
        add(
            p3b,
            p_copy,
            "(3|4) copy rows",
            CONSTANT,
            None,
            "copy oracle rows onto zero-weight units of B",
        )
        beta2 = beta_star.copy()
        beta2[onlyB] = beta_star[onlyA]
        beta2[onlyA] = 0.0
        p_move = th(R2, beta2)
        add(
            p_copy,
            p_move,
            "(3|4) hand over",
            CONSTANT,
            None,
            "transfer the oracle weights to B's units (identical rows)",
        )
        R, beta_star = R2, beta2
    star = th(R, beta_star)
    Rb = cB.rows.copy()
    Rb[SB] = R[SB]
    p4 = th(Rb, beta_star)
    add(star, p4, "(3|4) rows→W̃_B", CONSTANT, None, "zero-weight rows → W̃_B")
    p4b = th(Rb, cB.gamma)
    add(p4, p4b, "(4) oracle→γ_B", LE_MAX_ENDPOINTS, None, "second layer oracle → γ_B (convex)")
    add(p4b, sB, "(4) rows→W̃_B", CONSTANT, None, "freed rows of B → W̃_B (zero weight)")
    add(
        sB,
        tlB,
        "(5) rotate back",
        LE_BOUND,
        b2B,
        "B: rows rotate back, second layer → lasso fit (explicit bub2 bound)",
    )
    add(tlB, tB, "(6) β→θ_B", LE_MAX_ENDPOINTS, None, "B: second layer → θ_B (convex)")
    pts = {
        "theta_A": tA,
        "theta_lA": tlA,
        "theta_sA": sA,
        "theta_star": star,
        "theta_sB": sB,
        "theta_lB": tlB,
        "theta_B": tB,
    }
    return Path(pieces), bounds, pts


# ---------------------------------------------------------------------------------- data
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


# ---------------------------------------------------------------------------------- disconnection
@dataclass
class RankOneBound:
    """A certified lower bound on the empirical risk of every two-unit network whose first layer
    (2 × 2, no bias) has rank ≤ 1 (BF'16 §2.3.1(a)): such a network computes
    g(⟨v, x⟩) = a ρ(⟨v, x⟩) + b ρ(−⟨v, x⟩), so its risk is at least
    min_v [E y² − q₊(v) − q₋(v)], q_±(v) = (c_±·v)²/(vᵀM_±v) over the half-planes ±⟨v, x⟩ > 0.
    On each arc of directions between consecutive sample boundaries the half-planes are fixed
    and each q_± is maximised exactly (endpoints and the critical direction M_±⁻¹c_±); their sum
    of maxima bounds the risk from below on the arc."""

    value: float
    sampled_min: float
    arcs: int
    argmin_angle: float
    rounding: float


def rank_one_lower_bound(
    X: Any, y: Any, *, n_check: int = 2048, max_arc: float = 0.01
) -> RankOneBound:
    """min over rank ≤ 1 first layers of the two-unit risk, bounded below on every arc of
    directions (arcs between sample boundaries, split to width ≤ ``max_arc``; exact per arc up
    to rounding); ``sampled_min`` is the risk minimised on ``n_check`` directions (closed-form
    a, b), which the bound must not exceed."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).ravel()
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] != y.size or y.size == 0:
        raise InputError(f"X has shape {X.shape} for {y.size} targets; need (L, 2)")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise InputError("X or y has non-finite entries")
    L = y.size
    y2 = float(y @ y / L)
    phi = np.arctan2(X[:, 1], X[:, 0])
    bnd = np.sort(np.mod(np.concatenate([phi + np.pi / 2, phi - np.pi / 2]), 2 * np.pi))
    lo = bnd
    hi = np.concatenate([bnd[1:], [bnd[0] + 2 * np.pi]])
    keep = hi > lo
    lo, hi = lo[keep], hi[keep]
    # split wide arcs (the sign pattern is unchanged; the decoupled maxima get tighter)
    parts = np.maximum(1, np.ceil((hi - lo) / max_arc).astype(int))
    start = np.repeat(lo, parts)
    width = np.repeat((hi - lo) / parts, parts)
    offset = np.arange(parts.sum()) - np.repeat(np.cumsum(parts) - parts, parts)
    lo, hi = start + offset * width, start + (offset + 1) * width
    mid = 0.5 * (lo + hi)
    V = np.stack([np.cos(mid), np.sin(mid)], axis=1)
    s = X @ V.T  # (L, arcs)
    total = np.zeros(mid.size)
    for side in (1.0, -1.0):
        mask = (side * s > 0).astype(np.float64)
        M = np.einsum("la,li,lj->aij", mask, X, X) / L
        c = np.einsum("la,li,l->ai", mask, X, y) / L
        ymass = mask.T @ (y * y) / L
        total += _max_rayleigh_on_arcs(M, c, lo, hi, ymass)
    lbs = y2 - total
    rounding = 64 * np.finfo(np.float64).eps * max(1.0, y2)
    i = int(np.argmin(lbs))
    return RankOneBound(
        float(max(0.0, lbs[i] - rounding)),
        _rank_one_sampled(X, y, n_check),
        int(mid.size),
        float(mid[i]),
        float(rounding),
    )


def _max_rayleigh_on_arcs(
    M: np.ndarray, c: np.ndarray, lo: np.ndarray, hi: np.ndarray, cap: np.ndarray
) -> np.ndarray:
    """max over v = (cos φ, sin φ), φ ∈ [lo, hi] of (c·v)²/(vᵀMv) for every arc (capped by
    Σ y²/L on the half-plane, Cauchy–Schwarz; the cap is used where M is near singular)."""

    def q(phi: np.ndarray) -> np.ndarray:
        v = np.stack([np.cos(phi), np.sin(phi)], axis=1)
        num = np.einsum("ai,ai->a", c, v) ** 2
        den = np.einsum("ai,aij,aj->a", v, M, v)
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)

    best = np.maximum(q(lo), q(hi))
    det = M[:, 0, 0] * M[:, 1, 1] - M[:, 0, 1] * M[:, 1, 0]
    tr = M[:, 0, 0] + M[:, 1, 1]
    regular = det > 1e-10 * np.maximum(tr, 1e-300) ** 2
    crit = np.zeros_like(c)
    crit[:, 0] = M[:, 1, 1] * c[:, 0] - M[:, 0, 1] * c[:, 1]  # adj(M) c ∝ M⁻¹c
    crit[:, 1] = -M[:, 1, 0] * c[:, 0] + M[:, 0, 0] * c[:, 1]
    ang = np.arctan2(crit[:, 1], crit[:, 0])
    for shift in (0.0, np.pi):  # q(v) = q(−v): both directions of the critical line
        a = np.mod(ang + shift - lo, 2 * np.pi) + lo
        inside = regular & (a >= lo) & (a <= hi)
        peak = np.where(regular, np.einsum("ai,ai->a", c, _solve2(M, c)), 0.0)
        best = np.where(inside, np.maximum(best, peak), best)
    return np.where(regular, np.minimum(best, cap), cap)


def _solve2(M: np.ndarray, c: np.ndarray) -> np.ndarray:
    det = M[:, 0, 0] * M[:, 1, 1] - M[:, 0, 1] * M[:, 1, 0]
    det = np.where(det != 0, det, 1.0)
    return np.stack(
        [
            (M[:, 1, 1] * c[:, 0] - M[:, 0, 1] * c[:, 1]) / det,
            (-M[:, 1, 0] * c[:, 0] + M[:, 0, 0] * c[:, 1]) / det,
        ],
        axis=1,
    )


def _rank_one_sampled(X: np.ndarray, y: np.ndarray, n: int) -> float:
    phi = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    s = X @ np.stack([np.cos(phi), np.sin(phi)])  # (L, n)
    out = np.full(n, float(y @ y))
    for side in (1.0, -1.0):
        h = np.maximum(side * s, 0.0)
        hh = (h * h).sum(axis=0)
        hy = h.T @ y
        out -= np.where(hh > 0, hy * hy / np.where(hh > 0, hh, 1.0), 0.0)
    return float(out.min() / y.size)


def swap_via_free_unit(land: TwoLayerReLU, theta: Any, i: int, j: int, free: int) -> Path:
    """A constant-function path from θ to θ with hidden units i and j swapped, through a unit
    ``free`` whose output weights are zero: copy a row onto the free unit, hand its weights
    over, and so on (7 straight segments, every one with constant energy)."""
    th = as_theta(theta, land.dim)
    P = land.unflatten(th)
    if len({i, j, free}) != 3 or not all(0 <= u < land.m for u in (i, j, free)):
        raise InputError(
            f"units i = {i}, j = {j}, free = {free} must be distinct in 0..{land.m - 1}"
        )
    if np.any(P.U[:, free] != 0):
        raise HypothesisError(
            f"unit {free} has nonzero output weights: it is not free", claim="bf16.relu.two-unit"
        )
    W, b, U = P.W.copy(), P.b.copy(), P.U.copy()
    w3, b3 = W[free].copy(), b[free]
    wi, bi, ui = W[i].copy(), b[i], U[:, i].copy()
    wj, bj, uj = W[j].copy(), b[j], U[:, j].copy()
    steps = [
        ("row of the free unit → row i", {"W": {free: wi}, "b": {free: bi}}),
        ("weights i → free unit", {"U": {free: ui, i: 0 * ui}}),
        ("row i → row j (zero weight)", {"W": {i: wj}, "b": {i: bj}}),
        ("weights j → unit i", {"U": {i: uj, j: 0 * uj}}),
        ("row j → old row i (zero weight)", {"W": {j: wi}, "b": {j: bi}}),
        ("weights free unit → unit j", {"U": {j: ui, free: 0 * ui}}),
        ("free unit → its row", {"W": {free: w3}, "b": {free: b3}}),
    ]
    pieces, cur = [], th
    for label, change in steps:
        for col, val in change.get("W", {}).items():
            W[col] = val
        for col, val in change.get("b", {}).items():
            b[col] = val
        for col, val in change.get("U", {}).items():
            U[:, col] = val
        nxt = land.flatten(W, b if land.hidden_bias else None, U, P.c if land.output_bias else None)
        if not np.array_equal(cur, nxt):
            pieces.append(Segment(cur, nxt, label, CONSTANT))
        cur = nxt
    return Path(pieces)


@dataclass
class Genericity:
    """The hypotheses of the tessellation argument, checked exactly on rational parameters:
    (G1) u_j ≠ 0 and w_j ≠ 0; (G2) no two rows (w_j, b_j) parallel; (G3) Σ_{j∈J} u_j w_j ≠ 0 for
    every non-empty J. Under them the parameters computing Φ(·; θ) are exactly the m! classes
    {permutation π, positive rescaling} — disjoint, closed, connected — so with X of positive
    density everywhere Ω_0 of the oracle risk has ≥ m! components (BF'16 §2.3.1(b))."""

    holds: bool
    failures: list[str]
    subsets_checked: int
    m: int

    @property
    def components_lower_bound(self) -> int:
        """m! components of Ω_0 when the hypotheses hold (1: no conclusion)."""
        from math import factorial

        return factorial(self.m) if self.holds else 1


def check_genericity(land: TwoLayerReLU, theta: Any, *, max_units: int = 14) -> Genericity:
    """Exact (rational) check of (G1)–(G3) for a scalar-output teacher (floats are read as the
    dyadic rationals they store)."""
    from fractions import Fraction
    from itertools import combinations

    P = land.unflatten(as_theta(theta, land.dim))
    if land.k != 1:
        raise InputError(f"genericity is checked for a scalar output; got k = {land.k}")
    m = land.m
    if m > max_units:
        raise InputError(f"width {m} > {max_units}: the subset check (G3) is 2^m")
    rows = [[Fraction(float(v)) for v in np.append(P.W[j], P.b[j])] for j in range(m)]
    u = [Fraction(float(v)) for v in P.U[0]]
    fails: list[str] = []
    for j in range(m):
        if u[j] == 0:
            fails.append(f"(G1) output weight of unit {j} is 0")
        if all(v == 0 for v in rows[j][:-1]):
            fails.append(f"(G1) row of unit {j} is 0")
    for p, q in combinations(range(m), 2):
        a, b = rows[p], rows[q]
        if all(a[r] * b[s] == a[s] * b[r] for r in range(len(a)) for s in range(r + 1, len(a))):
            fails.append(f"(G2) units {p} and {q} have parallel rows (w, b)")
    count = 0
    for size in range(1, m + 1):
        for J in combinations(range(m), size):
            count += 1
            if all(sum(u[j] * rows[j][d] for j in J) == 0 for d in range(land.n)):
                fails.append(f"(G3) Σ u_j w_j = 0 over units {list(J)}")
    return Genericity(not fails, fails, count, m)


def zero_level_components(land: TwoLayerReLU, theta: Any) -> int:
    """The certified lower bound m! on the number of components of Ω_0 (oracle risk, X with a
    positive density) for the teacher θ, by the tessellation argument (BF'16 §2.3.1(b)); a
    :class:`HypothesisError` naming the failed condition when θ is not generic."""
    gen = check_genericity(land, theta)
    if not gen.holds:
        raise HypothesisError(
            f"teacher is not generic: {gen.failures[0]}", claim="bf16.relu.permutation"
        )
    return gen.components_lower_bound


# ---------------------------------------------------------------------------------- width study
@dataclass
class WidthStudy:
    """Corollary 2.5: the certified connection level between two solutions against the width.

    level(m) = min(certified max on the straight segment, certified max on the Theorem 2.4
    path); barrier(m) = level(m) − max(F_A, F_B) (0 below 1e-10 relative: rounding);
    ``exponent`` is the least-squares slope of
    log level against log m (the paper's worst case: −1/n)."""

    n: int
    widths: list[int]
    levels: list[float]
    barriers: list[float]
    segment_max: list[float]
    path_max: list[float]
    endpoint_max: list[float]
    epsilons: list[float]
    exponent: float
    certificates: list[Any] = field(default_factory=list)

    @property
    def reference_exponent(self) -> float:
        return -1.0 / self.n


def fit_exponent(widths: Any, values: Any) -> float:
    """Least-squares slope of log(values) against log(widths)."""
    w = np.log(np.asarray(widths, dtype=np.float64))
    v = np.log(np.maximum(np.asarray(values, dtype=np.float64), 1e-300))
    if w.size < 2:
        raise InputError("an exponent needs at least two widths")
    return float(np.polyfit(w, v, 1)[0])


def width_study(
    seed: int,
    *,
    n: int,
    widths: Any,
    samples: int,
    teacher: int,
    l1: float,
    maxiter: int = 300,
    oracle_restarts: int = 1,
    fixed_width: int | None = None,
) -> WidthStudy:
    """For each width m: two independently trained students, the exact straight-segment maximum
    and the Theorem 2.4 path, both certified (:func:`sublevel.numerics.certify_relu.certify_relu_path`).

    The data come from ``seed``; the students of width m from the seed (seed, m), so a study is
    reproducible entry by entry. ``fixed_width`` (the negative control: the hypothesis m → ∞
    broken) trains every entry at that width with the same seed while keeping the nominal
    ``widths`` as the abscissa."""
    from sublevel.numerics.certify_relu import certify_relu_path, certify_relu_segment

    widths = [int(w) for w in widths]
    if len(widths) < 2 or any(w < 2 for w in widths) or len(set(widths)) < 2:
        raise InputError(f"widths {widths!r}: need at least two distinct widths, each ≥ 2")
    if fixed_width is not None and fixed_width < 2:
        raise InputError(f"fixed_width = {fixed_width!r} must be ≥ 2")
    X, y, _, _ = teacher_data(np.random.default_rng([seed, 0]), n, samples, teacher)
    levels, barriers, seg, pth, ends, epss, certs = [], [], [], [], [], [], []
    for nominal in widths:
        m = fixed_width or nominal
        rng = np.random.default_rng([seed, 1, m])
        land = TwoLayerReLU(X, y, m, l1=l1)
        tA = to_unit_rows(land, fit_network(land, rng, maxiter=maxiter))
        tB = to_unit_rows(land, fit_network(land, rng, maxiter=maxiter))
        lam = max(land.energy(tA), land.energy(tB))
        cs = certify_relu_segment(land, tA, tB, lam, label=f"segment m={m}")
        try:
            sp = six_part_path(
                land, tA, tB, rng, oracle_restarts=oracle_restarts, oracle_maxiter=maxiter
            )
        except HypothesisError:  # no (l, α) on the grid: the straight segment alone
            pmax, eps, path_certs = float("inf"), float("nan"), []
        else:
            pc = certify_relu_path(land, sp.path, sp.bound)
            pmax, eps, path_certs = (
                max(c.max_energy for c in pc.pieces),
                sp.quantities["epsilon"],
                pc.all,
            )
        level = min(cs.max_energy, pmax)
        levels.append(level)
        barriers.append(level - lam if level - lam > 1e-10 * max(1.0, lam) else 0.0)
        seg.append(cs.max_energy)
        pth.append(pmax)
        ends.append(lam)
        epss.append(eps)
        certs.extend([cs] + path_certs)
    return WidthStudy(
        n, widths, levels, barriers, seg, pth, ends, epss, fit_exponent(widths, levels), certs
    )


def plot_width_study(studies: list[WidthStudy], file: Any) -> Any:
    """Log–log plot of the certified connection level (and barrier) against the width, with the
    worst-case reference slope m^{−1/n} for each n."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = FsPath(file)
    if out.parent and not out.parent.exists():
        raise InputError(
            f"cannot write plot {str(out)!r}: folder {str(out.parent)!r} does not exist"
        )
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for k, st in enumerate(studies):
        col = f"C{k}"
        w = np.asarray(st.widths, dtype=np.float64)
        ax.loglog(
            w, st.levels, "o-", color=col, label=f"n = {st.n}: level, slope {st.exponent:.2f}"
        )
        pos = np.asarray(st.barriers) > 0
        if pos.any():
            ax.loglog(
                w[pos],
                np.asarray(st.barriers)[pos],
                "s--",
                color=col,
                alpha=0.6,
                label=f"n = {st.n}: barrier above max(F_A, F_B)",
            )
        ref = st.levels[0] * (w / w[0]) ** st.reference_exponent
        ax.loglog(w, ref, ":", color=col, label=f"m^(-1/{st.n}) (worst case)")
    ax.set_xlabel("width m")
    ax.set_ylabel("certified connection level / barrier")
    ax.set_title("Corollary 2.5: barrier between trained solutions against width")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out


def plot_six_part_path(
    land: TwoLayerReLU,
    sp: SixPartPath,
    file: Any,
    *,
    certificates: list[Any] | None = None,
    n_per_piece: int = 101,
) -> Any:
    """Energy along the sub-paths of Theorem 2.4 (log scale), each piece numbered and tagged
    with its proof step, with λ, the path bound max(λ, ε), the explicit bub2 bounds of pieces
    (2) and (5) and, when given, the certified maxima of the pieces."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = FsPath(file)
    if out.parent and not out.parent.exists():
        raise InputError(
            f"cannot write plot {str(out)!r}: folder {str(out.parent)!r} does not exist"
        )
    pieces = cast("list[Segment]", sp.path.pieces)  # the six-part path is made of segments
    k = len(pieces)
    local = np.linspace(0.0, 1.0, n_per_piece)
    fig, ax = plt.subplots(figsize=(10, 4.8))
    for i, (piece, bound) in enumerate(zip(pieces, sp.piece_bounds)):
        ts = (i + local) / k
        es = land.segment_energies(piece.a, piece.b, local)
        ax.axvspan(i / k, (i + 1) / k, color=("#eef3ff" if i % 2 == 0 else "#fff6e8"), zorder=0)
        ax.plot(
            ts, np.maximum(es, 1e-300), color="#1f4e9c", lw=1.6, label="E(γ(t))" if i == 0 else None
        )
        if bound is not None:
            ax.hlines(
                bound,
                i / k,
                (i + 1) / k,
                colors="#c0392b",
                linestyles=":",
                lw=1.6,
                label="explicit bub2 bound of (2), (5)" if i == 1 else "_nolegend_",
            )
        if certificates is not None and i < len(certificates):
            c = certificates[i]
            ax.plot(
                (i + c.argmax_t) / k,
                max(c.max_energy, 1e-300),
                "v",
                color="#1f4e9c",
                ms=5,
                label="certified maximum (exact)" if i == 0 else None,
            )
    q = sp.quantities
    ax.axhline(
        q["lambda"],
        color="#777777",
        ls="--",
        lw=1.0,
        label=f"λ = max(F_A, F_B) = {q['lambda']:.3g}",
    )
    ax.axhline(sp.bound, color="#c0392b", ls="--", lw=1.2, label=f"max(λ, ε) = {sp.bound:.3g}")
    ax.set_yscale("log")
    ax.set_xticks([(i + 0.5) / k for i in range(k)])
    ax.set_xticklabels([p.label for p in pieces], rotation=35, ha="right", fontsize=7)
    ax.set_ylabel("energy F (empirical risk + κ‖β‖₁)")
    ax.set_title(
        f"Theorem 2.4: six sub-paths, m = {land.m}, l = {sp.ell}, α = {sp.alpha:.3g}, "
        f"e(l) = {q['e_l']:.3g}, C₁α = {q['c1_alpha_instance']:.3g}",
        fontsize=9,
    )
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
