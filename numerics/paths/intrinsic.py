"""Finite intrinsic dimension: the paths of VBB's theorem (Construction A and B, papers.md §4.2).

Write Φ(x; θ) = β(θ) Ψ(x) with β(θ) = U Ψ(W), Ψ(W) = [A(w_1) … A(w_p)]ᵀ, and E(θ) = F(β(θ)),
F convex (:class:`sublevel.numerics.energies.convex_lifting.LiftedProblem`). The features A(w)
span a space of dimension q (the intrinsic dimension; q_emp ≤ L for the empirical ``values``
lifting).

**Construction A** (p ≥ q ⇒ from any θ a non-increasing path to a global minimum, VBB Thm 8):

1. *compress* (constant energy): if rank Ψ(W) = r < q, keep a basis I of the active features,
   write A(w_j) = Σ_{i∈I} c_ji A(w_i) and move U linearly to u'_i = u_i + Σ_j c_ji u_j, u'_j = 0;
   β is unchanged along the segment;
2. *free moves* (constant energy): units j ∉ I have zero output weight; move q − r of their rows
   so that the features span R^q (needs p − r ≥ q − r, i.e. p ≥ q);
3. *convex descent* (non-increasing): with W fixed, U ↦ β is onto; move U linearly to U* with
   β(U*) = β* ∈ argmin F. E(t) = F((1 − t)β + tβ*) is a convex quadratic in t, decreasing.

**Construction B** (p ≥ 2q ⇒ any θ_A, θ_B joined with E ≤ max(E_A, E_B)): compress A to I_A;
put copies of B's compressed active rows on free slots S (B's own slots where free, fresh slots
elsewhere); interpolate the output weights from A's units to S (β(t) = (1 − t)β_A + tβ_B, so
E ≤ max by convexity); move the units to B's slots by duplicating a row and shifting output
weight between the duplicates (constant function); undo B's compression.

Every piece moves only U, or rows of units whose output weight is zero on the whole piece, so the
energy along it is a quadratic in t for *every* activation. This module builds the *float* path
(what users, plots and DSS get): its compression coefficients and descent target are float
solves, so β is unchanged only up to rounding and its certificates (float polynomials,
:mod:`sublevel.numerics.certify`) are ``sampled``. The proof's path is built in exact rationals by
:mod:`sublevel.numerics.paths.intrinsic_exact` (polynomial ρ with rational coefficients, ReLU on data)
and, for tanh, from formal-feature identities and ball arithmetic by
:mod:`sublevel.numerics.paths.intrinsic_ball`; those certificates decide the claims with τ = 0.

Sources: Venturi, Bandeira & Bruna, JMLR 20 (2019), Theorem 8 (arXiv 1802.06384); Bruna's talk
(Corollary [BBV'17], M ≥ 2q); the construction as reconstructed in papers.md §4.2 [D].
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import scipy.linalg
import sympy as sp
from sublevel.numerics.certify import DEFAULT_TOLERANCES, certify_piece_and_promise
from sublevel.numerics.energies.activations import make_activation
from sublevel.numerics.energies.convex_lifting import LiftedProblem
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer, TwoLayerEnergy
from sublevel.numerics.landscape import as_theta
from sublevel.numerics.paths.base import (
    CONSTANT,
    LE_MAX_ENDPOINTS,
    NON_INCREASING,
    Path,
    Piece,
    Segment,
)
from sublevel.theory.certificate import Certificate
from sublevel.theory.claims import construction_a_refusal
from sublevel.theory.errors import HypothesisError, InputError
from sublevel.theory.exact import to_rational

__all__ = [
    "Compression",
    "Construction",
    "feature_coordinates",
    "compress",
    "construction_a",
    "construction_b",
    "certify_construction",
    "function_change",
    "symbolic_function_change",
    "SampleDegeneracy",
    "sample_degeneracy",
]

#: named tolerances of the constructions (recorded in every result)
CONSTRUCTION_TOLERANCES = {
    "rank_rtol": 1e-9,  # numerical rank: singular values / pivots above rank_rtol · largest
    "span_rtol": 1e-8,  # free-move targets accepted when σ_min/σ_max of the features > span_rtol
    "function_rtol": 1e-10,  # constant pieces: max |Φ(t) − Φ(0)| ≤ function_rtol · max(1, |Φ|)
    "end_rtol": 1e-8,  # end energy within end_rtol · max(1, F*) of the lifted optimum
}


def _claim_of(problem: LiftedProblem, b: bool = False) -> str:
    if problem.kind == "values":
        return "vbb.empirical-dim"
    return "vbb.finite-dim.p-ge-2q" if b else "vbb.finite-dim.p-ge-q"


def feature_coordinates(problem: LiftedProblem, W: np.ndarray) -> np.ndarray:
    """Ψ(W) in the coordinates of span{A(w)}: (p, q), row i = A(w_i) in the basis."""
    return problem.unit_features(W) @ problem.basis


@dataclass
class Compression:
    """Step 1 of Construction A: a basis ``active`` (I) of the features and the compressed U'."""

    active: np.ndarray
    U: np.ndarray
    rank: int
    coefficients: np.ndarray
    residual: float


def compress(
    problem: LiftedProblem,
    W: np.ndarray,
    U: np.ndarray,
    *,
    rank_rtol: float = CONSTRUCTION_TOLERANCES["rank_rtol"],
) -> Compression:
    """Pick I by QR with column pivoting of Ψ(W)ᵀ (rank r: pivots > rank_rtol·largest), solve
    A(w_j) = Σ_{i∈I} c_ji A(w_i) for j ∉ I by least squares, and return U' with
    U'_I = U_I + U_J cᵀ, U'_J = 0 (so U'Ψ(W) = UΨ(W) up to the recorded ``residual``)."""
    F = feature_coordinates(problem, W)  # (p, q)
    p = F.shape[0]
    scale = float(np.max(np.abs(F))) if F.size else 0.0
    if scale == 0.0:
        return Compression(np.array([], dtype=int), np.zeros_like(U), 0, np.zeros((0, p)), 0.0)
    _, R, piv = scipy.linalg.qr(F.T, mode="economic", pivoting=True)
    diag = np.abs(np.diag(R))
    r = int(np.sum(diag > rank_rtol * diag[0]))
    active, rest = np.sort(piv[:r]), np.sort(piv[r:])
    Up = np.zeros_like(U)
    c = np.zeros((r, rest.size))
    residual = 0.0
    if rest.size:
        c = np.linalg.lstsq(F[active].T, F[rest].T, rcond=None)[0]  # F_J ≈ cᵀ F_I
        residual = float(np.linalg.norm(F[rest] - c.T @ F[active]) / scale)
        Up[:, active] = U[:, active] + U[:, rest] @ c.T
    else:
        Up[:, active] = U[:, active]
    return Compression(active, Up, r, c, residual)


@dataclass
class Construction:
    """A construction's path with everything needed to check it."""

    kind: str
    path: Path
    bound: float
    q: int
    p: int
    lifted_optimum: float | None
    details: dict[str, Any] = field(default_factory=dict)
    tolerances: dict[str, float] = field(default_factory=dict)

    @property
    def start(self) -> np.ndarray:
        """The path's start: the given θ (Construction A) or θ_A (Construction B)."""
        return self.path.start

    @property
    def end(self) -> np.ndarray:
        """The path's end: a global minimum (Construction A, up to the float solve) or θ_B (B)."""
        return self.path.end


def _segments(points: list[tuple[np.ndarray, str, str]], start: np.ndarray) -> list[Segment]:
    """Segments between consecutive points, skipping empty moves (at least one segment)."""
    pieces, prev = [], start
    for point, label, promise in points:
        if not np.array_equal(point, prev):
            pieces.append(Segment(prev, point, label=label, promise=promise))
            prev = point
    if not pieces:
        pieces.append(Segment(start, start, label="already at the end point", promise=CONSTANT))
    return pieces


def _problem(landscape: TwoLayerEnergy, problem: LiftedProblem | None) -> LiftedProblem:
    if not isinstance(landscape, TwoLayerEnergy):
        raise InputError(f"{type(landscape).__name__} is not a two-layer energy Φ = Uρ(Wx)")
    return problem if problem is not None else landscape.lifted_problem()


def _spanning_targets(
    problem: LiftedProblem,
    W: np.ndarray,
    keep: np.ndarray,
    moved: np.ndarray,
    rng: np.random.Generator,
    span_rtol: float,
    max_tries: int,
) -> np.ndarray:
    """New rows for the units ``moved`` such that the features of keep ∪ moved span R^q.

    Candidates are random rows of random scale; the |moved| of them that best complete the span
    are chosen by QR with column pivoting on their features projected off the kept ones (a
    greedy maximal-volume choice), accepted when σ_min/σ_max of the resulting q features exceeds
    ``span_rtol``."""
    n = W.shape[1]
    scale = float(np.mean(np.linalg.norm(W, axis=1))) or 1.0
    Fk = feature_coordinates(problem, W[keep])
    Qk = np.linalg.qr(Fk.T)[0] if keep.size else np.zeros((problem.q, 0))
    best_ratio = -1.0
    for _ in range(max_tries):
        count = max(4 * problem.q, 32)
        C = (
            rng.normal(size=(count, n))
            / np.sqrt(n)
            * scale
            * np.exp(rng.normal(scale=0.5, size=(count, 1)))
        )
        Fc = feature_coordinates(problem, C)
        R = Fc - (Fc @ Qk) @ Qk.T
        piv = scipy.linalg.qr(R.T, mode="r", pivoting=True)[1]
        W2 = W.copy()
        W2[moved] = C[piv[: moved.size]]
        s = np.linalg.svd(
            feature_coordinates(problem, W2[np.concatenate([keep, moved])]), compute_uv=False
        )
        ratio = float(s[-1] / s[0]) if s.size and s[0] > 0 else 0.0
        best_ratio = max(best_ratio, ratio)
        if ratio > span_rtol and s.size == problem.q:
            return W2
    raise InputError(
        f"free moves: no targets spanning R^q (q = {problem.q}) found in {max_tries} tries "
        f"(best σ_min/σ_max = {best_ratio:.3g}); the features are numerically degenerate"
    )


def construction_a(
    landscape: TwoLayerEnergy,
    theta: Any,
    *,
    problem: LiftedProblem | None = None,
    seed: int = 0,
    max_tries: int = 20,
    tolerances: dict[str, float] | None = None,
) -> Construction:
    """Construction A from θ: compress, free moves, convex descent (module docstring).

    Raises :class:`HypothesisError` (naming q and p) when p < q: the free-move step cannot make
    the features span R^q. ``problem`` defaults to ``landscape.lifted_problem()``."""
    tol = dict(CONSTRUCTION_TOLERANCES, **(tolerances or {}))
    problem = _problem(landscape, problem)
    theta = as_theta(theta, landscape.dim)
    q, p = problem.q, landscape.p
    qname = "q_emp" if problem.kind == "values" else "q"
    refusal = construction_a_refusal(p, q, qname=qname, claim_id=_claim_of(problem))
    if refusal is not None:
        raise refusal
    rng = np.random.default_rng(seed)
    W, U = landscape.unflatten(theta)
    comp = compress(problem, W, U, rank_rtol=tol["rank_rtol"])
    steps: list[tuple[np.ndarray, str, str]] = []
    W2, U2 = W, U
    moved = np.array([], dtype=int)
    if comp.rank < q:
        U2 = comp.U
        steps.append((landscape.flatten(W, U2), "compress (basis of active features)", CONSTANT))
        free = np.setdiff1d(np.arange(p), comp.active)
        moved = free[: q - comp.rank]
        W2 = _spanning_targets(problem, W, comp.active, moved, rng, tol["span_rtol"], max_tries)
        steps.append((landscape.flatten(W2, U2), "free moves (span R^q)", CONSTANT))
    beta_star, f_star = problem.minimiser()
    F2 = feature_coordinates(problem, W2)
    gamma2 = U2 @ F2
    gamma_star = beta_star @ problem.basis
    U3 = U2 + (gamma_star - gamma2) @ np.linalg.pinv(F2)
    steps.append((landscape.flatten(W2, U3), "convex descent in U", NON_INCREASING))
    path = Path(_segments(steps, theta))
    e_start = landscape.energy(theta)
    details = {
        "rank_start": comp.rank,
        "active": comp.active.tolist(),
        "moved": moved.tolist(),
        "compression_residual": comp.residual,
        "lifting": problem.kind,
        "energy_start": e_start,
        "energy_end": landscape.energy(path.end),
        "pieces": path.labels(),
    }
    return Construction("A", path, e_start, q, p, f_star, details, tol)


def construction_b(
    landscape: TwoLayerEnergy,
    theta_a: Any,
    theta_b: Any,
    *,
    problem: LiftedProblem | None = None,
    tolerances: dict[str, float] | None = None,
) -> Construction:
    """Construction B between θ_A and θ_B (module docstring); E ≤ max(E(θ_A), E(θ_B)).

    Raises :class:`HypothesisError` (naming 2q and p) when p < 2q."""
    tol = dict(CONSTRUCTION_TOLERANCES, **(tolerances or {}))
    problem = _problem(landscape, problem)
    a = as_theta(theta_a, landscape.dim, name="theta_a")
    b = as_theta(theta_b, landscape.dim, name="theta_b")
    q, p = problem.q, landscape.p
    qname = "q_emp" if problem.kind == "values" else "q"
    if p < 2 * q:
        raise HypothesisError(
            f"Construction B needs p ≥ 2{qname}: p = {p} hidden units < 2{qname} = {2 * q}",
            claim=_claim_of(problem, b=True),
            alternative=_claim_of(problem),
        )
    Wa, Ua = landscape.unflatten(a)
    Wb, Ub = landscape.unflatten(b)
    ca = compress(problem, Wa, Ua, rank_rtol=tol["rank_rtol"])
    cb = compress(problem, Wb, Ub, rank_rtol=tol["rank_rtol"])
    IA, IB = set(ca.active.tolist()), set(cb.active.tolist())
    shared = sorted(IA & IB)
    spare = [j for j in range(p) if j not in IA | IB][: len(shared)]
    carrier = {k: k for k in sorted(IB - IA)} | dict(zip(shared, spare))
    steps: list[tuple[np.ndarray, str, str]] = []
    W, U = Wa.copy(), ca.U.copy()
    steps.append((landscape.flatten(W, U), "compress θ_A", CONSTANT))
    for k, s in carrier.items():
        W[s] = Wb[k]
    steps.append((landscape.flatten(W, U), "copy B's rows to free units", CONSTANT))
    U_target = np.zeros_like(U)
    for k, s in carrier.items():
        U_target[:, s] = cb.U[:, k]
    U = U_target
    steps.append((landscape.flatten(W, U), "interpolate outputs β", LE_MAX_ENDPOINTS))
    if shared:
        for k in shared:
            W[k] = Wb[k]
        steps.append((landscape.flatten(W, U), "duplicate into B's slots", CONSTANT))
        for k in shared:
            U[:, k] = U[:, carrier[k]]
            U[:, carrier[k]] = 0.0
        steps.append((landscape.flatten(W, U), "shift output weight", CONSTANT))
    W = Wb.copy()
    steps.append((landscape.flatten(W, U), "move zero-output rows", CONSTANT))
    steps.append((b, "undo B's compression", CONSTANT))
    path = Path(_segments(steps, a))
    ea, eb = landscape.energy(a), landscape.energy(b)
    details = {
        "rank_a": ca.rank,
        "rank_b": cb.rank,
        "active_a": sorted(IA),
        "active_b": sorted(IB),
        "carriers": {int(k): int(s) for k, s in carrier.items()},
        "energy_a": ea,
        "energy_b": eb,
        "lifting": problem.kind,
        "pieces": path.labels(),
        "compression_residual": max(ca.residual, cb.residual),
    }
    return Construction("B", path, max(ea, eb), q, p, None, details, tol)


# ---------------------------------------------------------------------------- checking


def function_change(landscape: Any, segment: Piece, n_t: int = 9) -> float:
    """max_t ‖Φ(γ(t)) − Φ(γ(0))‖_∞ / max(1, ‖Φ(γ(0))‖_∞) on ``n_t`` times: the outputs on the
    data (empirical) or the lifted coefficients β (population) — what fixes the energy."""
    values = landscape.function_values(segment.points(np.linspace(0.0, 1.0, n_t)))
    ref = values[0]
    return float(np.max(np.abs(values - ref)) / max(1.0, float(np.max(np.abs(ref)))))


def symbolic_function_change(
    activation: Any, a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
) -> sp.Rational:
    """Exact max |coefficient| of the t-dependent part of Φ(x; t) = Σ_i u_i(t) ρ(w_i(t)·x) on the
    segment (W_a, U_a) → (W_b, U_b), parameters converted exactly to rationals, x symbolic.

    0 means the output *function* is exactly constant along the segment; otherwise it bounds the
    change (floating-point rounding of the construction). Polynomial ρ, small sizes only."""
    act = make_activation(activation)
    if not act.is_polynomial:
        raise InputError(f"activation {act.name} is not a polynomial; the symbolic check needs one")
    Wa, Ua = (np.atleast_2d(np.asarray(v, dtype=np.float64)) for v in a)
    Wb, Ub = (np.atleast_2d(np.asarray(v, dtype=np.float64)) for v in b)
    p, n = Wa.shape
    gens = sp.symbols(f"t x0:{n}")
    coeffs = [to_rational(c) for c in cast("tuple[float, ...]", act.coefficients)]  # polynomial

    def lin(a: float, b: float, var: int | None) -> sp.Poly:
        """(a + t(b − a))·x_var (or without x_var) as an exact polynomial in (t, x)."""
        ra, rb = to_rational(float(a)), to_rational(float(b))
        expr = ra + gens[0] * (rb - ra)
        return sp.Poly(expr * (gens[var + 1] if var is not None else 1), *gens, domain=sp.QQ)

    worst = sp.Integer(0)
    for k in range(Ua.shape[0]):
        total = sp.Poly(0, *gens, domain=sp.QQ)
        for i in range(p):
            if Ua[k, i] == 0 and Ub[k, i] == 0:
                continue
            z = sum((lin(Wa[i, j], Wb[i, j], j) for j in range(n)), sp.Poly(0, *gens, domain=sp.QQ))
            rho = sp.Poly(0, *gens, domain=sp.QQ)
            for c in reversed(coeffs):  # Horner
                rho = rho * z + sp.Poly(c, *gens, domain=sp.QQ)
            total += lin(Ua[k, i], Ub[k, i], None) * rho
        for monom, coeff in total.terms():
            if monom[0] >= 1:
                worst = max(worst, abs(coeff))
    return worst


def certify_construction(
    landscape: Any,
    construction: Construction,
    *,
    tolerances: dict[str, float] | None = None,
    function_check: bool = True,
) -> tuple[list[Certificate], dict[str, Any]]:
    """Certificates of every piece of the float path (E ≤ bound) and of its promise — float
    energy polynomials, so ``sampled``; the exact path decides (module docstring) — plus the
    checks that are not certificates: the output function is unchanged on constant pieces (to
    ``function_rtol``) and, for Construction A, the end energy equals the lifted optimum (to
    ``end_rtol``). Returns (certificates, checks)."""
    tol = dict(DEFAULT_TOLERANCES, **(tolerances or {}))
    start = time.perf_counter()
    bounds, promises = [], []
    for piece in construction.path.pieces:
        cert, promise = certify_piece_and_promise(
            landscape, piece, construction.bound, tolerances=tol
        )
        bounds.append(cert)
        if promise is not None:
            promises.append(promise)
    t_cert = time.perf_counter() - start
    ctol = construction.tolerances
    checks: dict[str, Any] = {"certify_seconds": t_cert}
    if function_check and hasattr(landscape, "function_values"):
        changes = [
            function_change(landscape, piece)
            for piece in construction.path.pieces
            if piece.promise == CONSTANT
        ]
        worst = max(changes, default=0.0)
        checks["function_change"] = worst
        checks["function_constant"] = bool(worst <= ctol["function_rtol"])
    if construction.lifted_optimum is not None:
        e_end = float(landscape.energy(construction.end))
        f_star = construction.lifted_optimum
        gap = e_end - f_star
        checks["end_energy"] = e_end
        checks["lifted_optimum"] = f_star
        checks["end_gap"] = gap
        checks["ends_at_optimum"] = bool(abs(gap) <= ctol["end_rtol"] * max(1.0, abs(f_star)))
    checks["tolerances"] = dict(tol, **ctol)
    return bounds + promises, checks


# ---------------------------------------------------------------------------- degenerate data


@dataclass
class SampleDegeneracy:
    """Why the value features of an empirical problem do not span R^L (papers.md C11, §9.5)."""

    L: int
    q_emp: int
    duplicates: list[list[int]]
    dependent: list[int]

    @property
    def degenerate(self) -> bool:
        """q_emp < L: the value features do not span R^L, so some outputs on the samples cannot
        be fitted independently."""
        return self.q_emp < self.L

    @property
    def message(self) -> str:
        """One line for reports: q_emp against L and, when degenerate, the identical samples and
        the samples in a linear dependency of the features."""
        if not self.degenerate:
            return f"features span R^L: q_emp = L = {self.L}"
        parts = [f"degenerate data: q_emp = {self.q_emp} < L = {self.L}"]
        if self.duplicates:
            parts.append(
                "identical samples "
                + "; ".join("{" + ", ".join(map(str, g)) + "}" for g in self.duplicates)
            )
        if self.dependent:
            parts.append(f"samples in a linear dependency of the features: {self.dependent}")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The JSON record: L, q_emp, the duplicate groups, the dependent samples, ``degenerate``
        and ``message``."""
        return {
            "L": self.L,
            "q_emp": self.q_emp,
            "duplicates": self.duplicates,
            "dependent": self.dependent,
            "degenerate": self.degenerate,
            "message": self.message,
        }


def sample_degeneracy(
    landscape: EmpiricalTwoLayer, problem: LiftedProblem | None = None, *, null_atol: float = 1e-8
) -> SampleDegeneracy:
    """Detect (never crash on) degenerate samples: identical rows of X, and the samples carrying
    the left null space of the value-feature matrix (e.g. positively parallel samples for ReLU,
    antipodal ones for odd ρ, zero samples when ρ(0) = 0)."""
    if not isinstance(landscape, EmpiricalTwoLayer):
        raise InputError(f"{type(landscape).__name__} has no samples (empirical energies only)")
    problem = problem or landscape.lifted_problem("values")
    if problem.kind != "values":
        raise InputError(f"sample_degeneracy needs the 'values' lifting, not {problem.kind!r}")
    L, q = landscape.L, problem.q
    _, inverse, counts = np.unique(landscape.X, axis=0, return_inverse=True, return_counts=True)
    inverse = np.asarray(inverse).ravel()
    duplicates = [np.flatnonzero(inverse == g).tolist() for g in np.flatnonzero(counts > 1)]
    dependent: list[int] = []
    if q < L:
        Q = problem.basis
        null = np.linalg.svd(np.eye(L) - Q @ Q.T)[0][:, : L - q]
        dependent = np.flatnonzero(np.max(np.abs(null), axis=1) > null_atol).tolist()
    return SampleDegeneracy(L, q, duplicates, dependent)
