"""The ridge case of BF'16 Prop. 2.2 (K = 2, κ > 0): the balanced-factorisation path.

E_κ(W_1, W_2) = F(W_2 W_1) + κ(‖W_1‖_F² + ‖W_2‖_F²) ≥ G(W̃) := F(W̃) + 2κ‖W̃‖_*, W̃ = W_2W_1,
with equality exactly at *balanced* factorisations (W_1W_1ᵀ = W_2ᵀW_2), by the variational
form ‖W̃‖_* = min_{UV = W̃} ½(‖U‖² + ‖V‖²). G is convex. The path (papers.md §3.2 "Ridge case"):

(i) at θ_A, inside the fibre {W_2W_1 = W̃_A}, with ‖W_1‖² + ‖W_2‖² non-increasing:
   (a) W_2 ← W_2(I − sΠ), Π the projector onto range(W_1)^⊥;
   (a') W_1 ← (I − sΠ')W_1, Π' the projector onto ker W_2 — now range W_1 = row W_2 = V,
   dim V = r = rank W̃; write W_1 = QC, W_2 = DQᵀ with Q an orthonormal basis of V;
   (bal) W_1(s) = Q M^{s/2} C, W_2(s) = D M^{−s/2} Qᵀ with M the geometric mean of (CCᵀ)^{−1}
   and DᵀD (M·CCᵀ·M = DᵀD): ‖·‖² = Σ_i μ_i^s a_i + μ_i^{−s} b_i (a_i, b_i ≥ 0) is convex
   in s and stationary at s = 1 (balanced), hence non-increasing on [0, 1];
(ii) along W̃(t) = (1 − t)W̃_A + tW̃_B, balanced factors of W̃(t) from its SVD, each aligned to
   the previous bead by orthogonal Procrustes on the hidden units (a continuous selection
   where one exists): ‖W_1‖² + ‖W_2‖² = 2‖W̃(t)‖_*, so E_κ = G(W̃(t)) ≤ max(G_A, G_B);
(iii) a rotation of the hidden units (SO(h), constant energy) onto the balanced factors at B,
   then (i) at B reversed.

The selection in (ii) is the gap in the paper (a continuous selection of balanced factors is
asserted, not proven): :func:`detect_discontinuities` looks for jumps that persist under
refinement, for the aligned selection and for the naive one (sorted SVD, fixed sign
convention), which jumps where singular values cross — reported, never hidden. With n_1 =
min(n, m) (square factors) step (iii) can need a rotation of determinant −1: the construction
refuses (HypothesisError, ``alternative="bf16.linear.square-boundary"``).

The global optimum of G, min_W̃ F(W̃) + 2κ‖W̃‖_*, comes from cvxpy (:func:`ridge_oracle`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sublevel.numerics.energies.linear import DeepLinear, as_data, as_weights, flatten, widths_of
from sublevel.numerics.paths.base import (
    CONSTANT,
    LE_MAX_ENDPOINTS,
    NON_INCREASING,
    FunctionPiece,
    Path,
    Polygonal,
    Segment,
)
from sublevel.numerics.paths.linear import DEFAULT_RANK_TOL, so_path
from sublevel.theory.errors import HypothesisError, InputError

__all__ = [
    "nuclear_norm",
    "balanced_factors",
    "align",
    "balancing_steps",
    "RidgePath",
    "connect_ridge",
    "detect_discontinuities",
    "bernstein_upper_bound",
    "ridge_oracle",
    "RidgeOracle",
]


def nuclear_norm(P: np.ndarray) -> float:
    """‖P‖_* = Σ singular values."""
    return float(np.sum(np.linalg.svd(np.asarray(P, dtype=np.float64), compute_uv=False)))


def balanced_factors(P: np.ndarray, h: int) -> tuple[np.ndarray, np.ndarray]:
    """The SVD balanced factorisation of P (m × n) through h ≥ rank P hidden units:
    W_1 = [S^{1/2}Vᵀ; 0] (h × n), W_2 = [U S^{1/2}, 0] (m × h), singular values sorted and
    each pair (u_i, v_i) signed so that the largest |entry| of u_i is positive (the naive
    selection: it jumps where singular values cross or that entry changes)."""
    U, s, Vt = np.linalg.svd(P, full_matrices=False)
    k = s.size
    if k > h:
        if np.any(s[h:] > 1e-12 * max(1.0, s[0])):
            raise InputError(
                f"rank {int(np.sum(s > 1e-12 * max(1.0, s[0])))} product does not "
                f"factor through h = {h} hidden units"
            )
        U, s, Vt, k = U[:, :h], s[:h], Vt[:h], h
    idx = np.argmax(np.abs(U), axis=0)
    sign = np.sign(U[idx, np.arange(k)])
    sign[sign == 0] = 1.0
    U, Vt = U * sign, Vt * sign[:, None]
    root = np.sqrt(s)
    W1 = np.zeros((h, P.shape[1]))
    W2 = np.zeros((P.shape[0], h))
    W1[:k] = root[:, None] * Vt
    W2[:, :k] = U * root
    return W1, W2


def align(
    W1: np.ndarray, W2: np.ndarray, ref1: np.ndarray, ref2: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(R W_1, W_2 Rᵀ) with R ∈ O(h) minimising ‖RW_1 − ref_1‖² + ‖W_2Rᵀ − ref_2‖²
    (orthogonal Procrustes: R = UVᵀ from the SVD of ref_1W_1ᵀ + ref_2ᵀW_2). Product and norms
    are unchanged."""
    U, _, Vt = np.linalg.svd(ref1 @ W1.T + ref2.T @ W2)
    R = U @ Vt
    return R @ W1, W2 @ R.T


# -------------------------------------------------------------------------------- step (i)


@dataclass
class _Balancing:
    steps: list[tuple[str, list[np.ndarray], list[np.ndarray]]]  # straight segments (a), (a')
    Q: np.ndarray
    C: np.ndarray
    D: np.ndarray
    mu: np.ndarray
    V: np.ndarray
    start: list[np.ndarray]
    end: list[np.ndarray]

    def factors(self, s: np.ndarray) -> list[np.ndarray]:
        """(W_1(s), W_2(s)) batched over s for the (bal) piece."""
        s = np.asarray(s, dtype=np.float64)[:, None]
        up = (self.V[None] * self.mu[None, None, :] ** (s[:, None] / 2)) @ self.V.T
        down = (self.V[None] * self.mu[None, None, :] ** (-s[:, None] / 2)) @ self.V.T
        return [self.Q @ up @ self.C, self.D @ down @ self.Q.T]

    def norm_derivative_at_one(self) -> float:
        """d/ds (‖W_1‖² + ‖W_2‖²) at s = 1: zero in exact arithmetic (balanced)."""
        A = self.V.T @ self.C @ self.C.T @ self.V
        B = self.V.T @ self.D.T @ self.D @ self.V
        a, b, lm = np.diag(A), np.diag(B), np.log(self.mu)
        return float(np.sum(lm * (self.mu * a - b / self.mu)))

    def convex_weights(self) -> tuple[np.ndarray, np.ndarray]:
        A = self.V.T @ self.C @ self.C.T @ self.V
        B = self.V.T @ self.D.T @ self.D @ self.V
        return np.diag(A), np.diag(B)


def _sqrtm_psd(S: np.ndarray) -> np.ndarray:
    w, V = np.linalg.eigh(0.5 * (S + S.T))
    return (V * np.sqrt(np.clip(w, 0.0, None))) @ V.T


def balancing_steps(
    W1: np.ndarray, W2: np.ndarray, *, rank_tol: float = DEFAULT_RANK_TOL
) -> _Balancing:
    """Step (i) of the ridge path for one endpoint (module docstring)."""
    steps = []
    start = [W1, W2]
    U, s, _ = np.linalg.svd(W1, full_matrices=True)
    r1 = int(np.sum(s > rank_tol * max(1.0, float(s.max(initial=0.0)))))
    perp = U[:, r1:] @ U[:, r1:].T
    if np.any(W2 @ perp):
        new2 = W2 - W2 @ perp
        steps.append(("a", [W1, W2], [W1, new2]))
        W2 = new2
    _, s2, Vt2 = np.linalg.svd(W2, full_matrices=True)
    r2 = int(np.sum(s2 > rank_tol * max(1.0, float(s2.max(initial=0.0)))))
    kernel = Vt2[r2:].T @ Vt2[r2:]
    if np.any(kernel @ W1):
        new1 = W1 - kernel @ W1
        steps.append(("a'", [W1, W2], [new1, W2]))
        W1 = new1
    Q = Vt2[:r2].T  # orthonormal basis of row W_2 = range W_1 (h × r)
    C, D = Q.T @ W1, W2 @ Q
    r = Q.shape[1]
    if r == 0:
        return _Balancing(steps, Q, C, D, np.ones(0), np.zeros((0, 0)), start, [W1, W2])
    A, B = C @ C.T, D.T @ D
    Ah = _sqrtm_psd(A)
    Ahi = np.linalg.inv(Ah)
    M = Ahi @ _sqrtm_psd(Ah @ B @ Ah) @ Ahi  # geometric mean: M A M = B
    mu, V = np.linalg.eigh(0.5 * (M + M.T))
    bal = _Balancing(steps, Q, C, D, mu, V, start, [])
    bal.end = [m[0] for m in bal.factors(np.array([1.0]))]
    return bal


# -------------------------------------------------------------------------------- main path


def _selection(kind: str, h: int):
    if kind not in ("aligned", "naive"):
        raise InputError(f"selection {kind!r} is not one of aligned, naive")

    def select(
        P: np.ndarray, previous: tuple[np.ndarray, np.ndarray] | None
    ) -> tuple[np.ndarray, np.ndarray]:
        W1, W2 = balanced_factors(P, h)
        if kind == "aligned" and previous is not None:
            W1, W2 = align(W1, W2, *previous)
        return W1, W2

    return select


def _beads(
    P_a: np.ndarray,
    P_b: np.ndarray,
    first: tuple[np.ndarray, np.ndarray],
    h: int,
    ts: np.ndarray,
    kind: str,
) -> list[tuple[np.ndarray, np.ndarray]]:
    select = _selection(kind, h)
    out = [first if kind == "aligned" else select(P_a, None)]
    for t in ts[1:]:
        out.append(select((1 - t) * P_a + t * P_b, out[-1]))
    return out


def _bead_vector(b: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return np.concatenate([b[0].ravel(), b[1].ravel()])


def detect_discontinuities(
    P_a: np.ndarray,
    P_b: np.ndarray,
    h: int,
    *,
    selection: str = "aligned",
    first: tuple[np.ndarray, np.ndarray] | None = None,
    n_grid: int = 65,
    depth: int = 18,
    jump_tol: float = 1e-3,
) -> list[dict[str, float]]:
    """Jumps of a selection of balanced factors along W̃(t) = (1−t)P_a + tP_b that do not
    shrink under refinement: every grid interval whose step is ≥ 4× the median step is bisected
    ``depth`` times (following the larger half-step); a step still > ``jump_tol``·scale at
    width 2^−depth/n_grid is a discontinuity (a continuous selection's steps shrink, even at a
    rank drop where the factors behave like √t)."""
    select = _selection(selection, h)
    if first is None:
        first = select(P_a, None)
    ts = np.linspace(0.0, 1.0, n_grid)
    beads = _beads(P_a, P_b, first, h, ts, selection)
    vec = np.array([_bead_vector(b) for b in beads])
    steps = np.linalg.norm(np.diff(vec, axis=0), axis=1)
    scale = max(1.0, float(np.max(np.linalg.norm(vec, axis=1))))
    threshold = max(4.0 * float(np.median(steps)), jump_tol * scale)
    found = []
    for i in np.flatnonzero(steps > threshold):
        lo, hi = float(ts[i]), float(ts[i + 1])
        left, right = beads[i], beads[i + 1]
        jump = float(steps[i])
        for _ in range(depth):
            mid = 0.5 * (lo + hi)
            middle = select((1 - mid) * P_a + mid * P_b, left)
            j1 = float(np.linalg.norm(_bead_vector(middle) - _bead_vector(left)))
            if selection == "aligned":
                right = select((1 - hi) * P_a + hi * P_b, middle)
            j2 = float(np.linalg.norm(_bead_vector(right) - _bead_vector(middle)))
            if j1 >= j2:
                hi, right, jump = mid, middle, j1
            else:
                lo, left, jump = mid, middle, j2
        if jump > jump_tol * scale:
            found.append({"t": 0.5 * (lo + hi), "jump": jump, "width": hi - lo})
    return found


def bernstein_upper_bound(coefficients: np.ndarray) -> np.ndarray:
    """max_k b_k ≥ max_{[0,1]} p for each row of power coefficients (S, d + 1): the Bernstein
    coefficients b_k = Σ_{j≤k} C(k, j)/C(d, j) c_j (convex-hull property)."""
    from math import comb

    c = np.atleast_2d(np.asarray(coefficients, dtype=np.float64))
    d = c.shape[1] - 1
    T = np.zeros((d + 1, d + 1))
    for k in range(d + 1):
        for j in range(k + 1):
            T[k, j] = comb(k, j) / comb(d, j)
    return np.max(c @ T.T, axis=1)


# -------------------------------------------------------------------------------- connect


@dataclass
class RidgePath:
    """The ridge path with what its construction measured: the bead times t_i of the main
    part (W̃(t_i) on the straight product path), the nuclear-norm identity error at the beads,
    the balancing data at both ends and the discontinuities found."""

    path: Path
    bead_times: np.ndarray
    beads: list[tuple[np.ndarray, np.ndarray]]
    P_a: np.ndarray
    P_b: np.ndarray
    balancing: tuple[_Balancing, _Balancing]
    nuclear_identity_error: float
    refinements: int
    landscape: DeepLinear
    details: dict[str, Any] = field(default_factory=dict)


def _rotation_onto(
    W1: np.ndarray, W2: np.ndarray, T1: np.ndarray, T2: np.ndarray, rank_tol: float
) -> np.ndarray:
    """R ∈ SO(h) with (RW_1, W_2Rᵀ) = (T_1, T_2) for two balanced factorisations of one
    matrix; a reflection on range(W_1)^⊥ fixes det R when h > rank. Raises HypothesisError
    when only det R = −1 is possible (square factors)."""
    U, _, Vt = np.linalg.svd(T1 @ W1.T + T2.T @ W2)
    R = U @ Vt
    if np.linalg.det(R) < 0:
        Uw, s, _ = np.linalg.svd(W1, full_matrices=True)
        r = int(np.sum(s > rank_tol * max(1.0, float(s.max(initial=0.0)))))
        if r >= W1.shape[0]:
            raise HypothesisError(
                f"the balanced factors at B are reached from the end of the main path only by a "
                f"rotation of determinant −1 (h = {W1.shape[0]} = rank): square factors",
                claim="bf16.prop2.2.ridge",
                alternative="bf16.linear.square-boundary",
            )
        u = Uw[:, -1:]
        R = R @ (np.eye(W1.shape[0]) - 2 * u @ u.T)
    return R


def connect_ridge(
    weights_a: Any,
    weights_b: Any,
    X: Any,
    Y: Any,
    kappa: float,
    *,
    n_beads: int = 33,
    max_refine: int = 3,
    rank_tol: float = DEFAULT_RANK_TOL,
    enforce_hypothesis: bool = True,
) -> RidgePath:
    """The balanced-factorisation path θ_A → θ_B for the two-layer ridge energy (module
    docstring). Bead spacing is refined (≤ ``max_refine`` times) where the Bernstein bound of
    the realised polygon exceeds max(E_A, E_B). ``enforce_hypothesis=False`` runs the
    construction even when n_1 ≤ min(n, m), so that its failure can be shown."""
    wa = as_weights(weights_a, name="weights_a")
    wb = as_weights(weights_b, name="weights_b")
    widths = widths_of(wa)
    if len(wa) != 2:
        raise InputError(f"the ridge construction is for K = 2 layers; got K = {len(wa)}")
    if widths_of(wb) != widths:
        raise InputError(f"weights_b have widths {widths_of(wb)} but weights_a have {widths}")
    if not (np.isfinite(kappa) and kappa > 0):
        raise InputError(f"kappa = {kappa!r} must be finite and > 0 (κ = 0: use connect)")
    Xa, Ya = as_data(X, Y)
    if Xa.shape[1] != widths[0] or Ya.shape[1] != widths[-1]:
        raise InputError(
            f"weights have n = {widths[0]}, m = {widths[-1]} but X has "
            f"{Xa.shape[1]} columns and Y {Ya.shape[1]}"
        )
    n, h, m = widths
    if enforce_hypothesis and h <= min(n, m):
        raise HypothesisError(
            f"layer 1 has width n_1 = {h} ≤ min(n, m) = {min(n, m)} (widths {widths}); the ridge "
            f"case of BF'16 Prop. 2.2 needs n_1 > min(n, m)",
            claim="bf16.prop2.2.ridge",
            alternative="bf16.linear.square-boundary" if h == min(n, m) else "lbb.multilinear",
        )
    E = DeepLinear(widths, Xa, Ya, kappa=kappa)
    bound = max(E.energy(flatten(wa)), E.energy(flatten(wb)))
    bal_a = balancing_steps(wa[0], wa[1], rank_tol=rank_tol)
    bal_b = balancing_steps(wb[0], wb[1], rank_tol=rank_tol)
    P_a, P_b = wa[1] @ wa[0], wb[1] @ wb[0]
    ts = np.linspace(0.0, 1.0, n_beads)
    refinements = 0
    while True:
        beads = _beads(P_a, P_b, (bal_a.end[0], bal_a.end[1]), h, ts, "aligned")
        vecs = np.array([_bead_vector(b) for b in beads])
        polys = np.array([_pad(E.energy_polynomial(a, b), 5) for a, b in zip(vecs[:-1], vecs[1:])])
        upper = bernstein_upper_bound(polys)
        bad = np.flatnonzero(upper > bound + 1e-10 * max(1.0, abs(bound)))
        if bad.size == 0 or refinements >= max_refine:
            break
        ts = np.sort(np.concatenate([ts, 0.5 * (ts[bad] + ts[bad + 1])]))
        refinements += 1
    R = _rotation_onto(beads[-1][0], beads[-1][1], bal_b.end[0], bal_b.end[1], rank_tol)
    rot = so_path(np.eye(h), R)
    last1, last2 = beads[-1]
    pieces = _balancing_pieces(bal_a, "A")
    pieces.append(
        Polygonal(
            vecs,
            label="balanced W̃(t)",
            promise=LE_MAX_ENDPOINTS,
            info={
                "step": "(ii) balanced factorisation of the straight product path",
                "bead_times": ts,
            },
        )
    )
    pieces.append(
        FunctionPiece(
            lambda s: _flat_pair(rot(s) @ last1, last2 @ np.swapaxes(rot(s), 1, 2)),
            label="rotate",
            promise=CONSTANT,
            info={"step": "(iii) R(s) ∈ SO(h) onto the balanced factors at B", "rotation": R},
        )
    )
    pieces += [p.reversed() for p in reversed(_balancing_pieces(bal_b, "B"))]
    path = Path(pieces)
    nuc = max(
        abs(float(np.sum(b[0] ** 2) + np.sum(b[1] ** 2)) - 2 * nuclear_norm(b[1] @ b[0]))
        for b in beads
    )
    return RidgePath(
        path,
        ts,
        beads,
        P_a,
        P_b,
        (bal_a, bal_b),
        nuc,
        refinements,
        E,
        {
            "bound": bound,
            "bernstein_max": float(np.max(upper)),
            "segments_above_bound": int(bad.size),
        },
    )


def _pad(c: np.ndarray, size: int) -> np.ndarray:
    out = np.zeros(max(size, c.size))
    out[: c.size] = c
    return out


def _flat_pair(W1: np.ndarray, W2: np.ndarray) -> np.ndarray:
    T = W1.shape[0]
    return np.concatenate([W1.reshape(T, -1), W2.reshape(T, -1)], axis=1)


def _balancing_pieces(bal: _Balancing, end: str) -> list[Any]:
    pieces: list[Any] = []
    for name, a, b in bal.steps:
        text = "W_2 vanishes off range W_1" if name == "a" else "W_1 vanishes on ker W_2"
        pieces.append(
            Segment(
                flatten(a),
                flatten(b),
                label=f"{end}·{name}",
                promise=NON_INCREASING,
                info={"step": f"(i{name}) {text}; product constant, norm decreasing"},
            )
        )
    if bal.Q.shape[1]:
        pieces.append(
            FunctionPiece(
                lambda s: _flat_pair(*bal.factors(s)),
                label=f"{end}·balance",
                promise=NON_INCREASING,
                info={"step": "(i bal) W_1 = QM^{s/2}C, W_2 = DM^{−s/2}Qᵀ", "balancing": bal},
            )
        )
    return pieces


# -------------------------------------------------------------------------------- oracle


@dataclass
class RidgeOracle:
    """min_W̃ G(W̃) = F(W̃) + 2κ‖W̃‖_* from cvxpy: the minimiser, the value, solver status."""

    product: np.ndarray
    value: float
    status: str
    solver: str


def ridge_oracle(X: Any, Y: Any, kappa: float) -> RidgeOracle:
    """The convex lifted problem min (1/L)‖XW̃ᵀ − Y‖² + 2κ‖W̃‖_* solved by cvxpy; its value is
    the global minimum of the two-layer ridge energy whenever n_1 ≥ min(n, m)."""
    import cvxpy as cp

    Xa, Ya = as_data(X, Y)
    if not (np.isfinite(kappa) and kappa > 0):
        raise InputError(f"kappa = {kappa!r} must be finite and > 0")
    L, n = Xa.shape
    m = Ya.shape[1]
    W = cp.Variable((m, n))
    objective = cp.sum_squares(Xa @ W.T - Ya) / L + 2 * kappa * cp.normNuc(W)
    problem = cp.Problem(cp.Minimize(objective))
    solver = "CLARABEL" if "CLARABEL" in cp.installed_solvers() else None
    problem.solve(solver=solver)
    if W.value is None:
        raise InputError(f"cvxpy failed on the ridge oracle: status {problem.status}")
    P = np.asarray(W.value, dtype=np.float64)
    E = DeepLinear([n, m], Xa, Ya)
    value = E.lifted_energy(P) + 2 * kappa * nuclear_norm(P)
    return RidgeOracle(P, float(value), str(problem.status), str(problem.solver_stats.solver_name))
