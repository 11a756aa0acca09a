"""VBB's Constructions A and B built in exact rational arithmetic (the proof's path).

The float path of :mod:`sublevel.numerics.paths.intrinsic` is what users and DSS see; its compression
coefficients come from a float least-squares solve and its descent target from a float
optimum, so β is only approximately unchanged on "constant" pieces. Here the same construction
is carried out on the *exact* inputs — θ, X, Y (and the teacher) taken as the dyadic rationals
their floats store — in python-flint ``fmpq_mat``:

* features A(w) rational: a_{|α|}·C(|α|; α)·w^α (polynomial ρ with rational coefficients, the
  monomial lifting) or ρ(⟨w, x_l⟩) (the empirical ``values`` lifting, for ReLU — max(0, ·) of
  a rational is rational — and polynomial ρ); Ψ(W) = [A(w_1) … A(w_p)]ᵀ an ``fmpq_mat``;
* *compress*: the basis I = the pivot units of rref(Ψ(W)ᵀ), and the coefficients c_ji of
  A(w_j) = Σ_{i∈I} c_ji A(w_i) read off the reduced echelon form (an exact solve);
  u'_i = u_i + Σ_j c_ji u_j, u'_j = 0 leaves β = UΨ(W) *exactly* unchanged;
* *free moves*: rows with small dyadic entries (seeded) put on zero-output units until the
  exact rank of the features reaches the target dimension;
* *descent*: β* = γ*B the exact minimiser of the lifted quadratic F over the row space of the
  features (B = their pivot rows; γ* from the normal equations γ*(BSBᵀ) = (BC)ᵀ, a pivot basis
  of the range when BSBᵀ is singular); U* puts γ* on the pivot units, so β(U*) = β* exactly;
* Construction B: the same moves as the float path on exact compressions of θ_A and θ_B.

Every piece moves only U, or rows of units whose output weight is zero at both ends, so with
β(t) = β₀ + tΔ (Δ = (U_b − U_a)Ψ(W_a)) the energy is the exact quadratic
E(t) = F(β₀) + 2t(⟨ΔS, β₀⟩ − ⟨Δ, Cᵀ⟩) + t²⟨ΔS, Δ⟩ for F(β) = ⟨βS, β⟩ − 2⟨β, Cᵀ⟩ + c
(:func:`sublevel.numerics.paths.intrinsic_exact_model.exact_energy_polynomial`). Each piece is decided with τ = 0: the bound by
:func:`sublevel.theory.exact.certify_polynomial` against the exact E(θ₀) (A) or max(E_A, E_B) (B), the
promise by :func:`sublevel.numerics.certify.certify_polynomial_promise` (constant: E − E(0) is the zero
polynomial; non-increasing: E′ ≤ 0; ≤ max of the endpoints).

Activations with irrational features (tanh) have no exact path here
(:func:`~sublevel.numerics.paths.intrinsic_exact_model.exact_model` raises
:class:`~sublevel.numerics.paths.intrinsic_exact_model.ExactUnavailable`).

Sources: Venturi, Bandeira & Bruna, JMLR 20 (2019), Theorem 8; papers.md §4.2 [D].
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from flint import fmpq, fmpq_mat, fmpq_poly
from sublevel.numerics.certify import certify_polynomial_promise
from sublevel.numerics.energies.two_layer import TwoLayerEnergy
from sublevel.numerics.paths.base import CONSTANT, LE_MAX_ENDPOINTS, NON_INCREASING
from sublevel.numerics.paths.exact_linalg import pivots, qmat, rank, rows, zero_matrix
from sublevel.numerics.paths.intrinsic_exact_model import (
    ExactModel,
    ExactUnavailable,
    exact_energy_polynomial,
    exact_model,
)
from sublevel.theory.certificate import Certificate
from sublevel.theory.claims import construction_a_refusal
from sublevel.theory.errors import HypothesisError, InputError
from sublevel.theory.exact import certify_polynomial

__all__ = [
    "ExactPiece",
    "ExactConstruction",
    "exact_construction_a",
    "exact_construction_b",
    "certify_exact_construction",
    "certified_exact",
]


# -------------------------------------------------------------------------------- the path


@dataclass
class ExactPiece:
    """One piece of the exact path: W, U at both ends (rationals) and the proof step."""

    label: str
    promise: str
    Wa: fmpq_mat
    Ua: fmpq_mat
    Wb: fmpq_mat
    Ub: fmpq_mat


@dataclass
class ExactConstruction:
    """The exact path of a construction, its exact bound and (A) the exact lifted optimum."""

    kind: str
    model: ExactModel
    pieces: list[ExactPiece]
    bound: fmpq
    optimum: fmpq | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def labels(self) -> list[str]:
        """The pieces' labels, in path order."""
        return [p.label for p in self.pieces]


@dataclass
class _Compression:
    active: list[int]
    U: fmpq_mat
    rank: int


def _compress(model: ExactModel, W: fmpq_mat, U: fmpq_mat) -> _Compression:
    """I = pivot units of rref(Ψ(W)ᵀ); A(w_j) = Σ_k R[k, j] A(w_{I_k}) for j ∉ I (R the rref),
    so U'_{I_k} = U_{I_k} + Σ_j R[k, j] U_j, U'_J = 0 keeps β exactly."""
    F = model.features(W)
    p = F.nrows()
    R, piv = pivots(F.transpose())
    Up = zero_matrix(U.nrows(), p)
    rest = [j for j in range(p) if j not in piv]
    for k, i in enumerate(piv):
        for r in range(U.nrows()):
            Up[r, i] = U[r, i] + sum((R[k, j] * U[r, j] for j in rest), fmpq(0))
    return _Compression(piv, Up, len(piv))


def _free_rows(
    model: ExactModel,
    W: fmpq_mat,
    keep: list[int],
    free: list[int],
    target: int,
    rng: np.random.Generator,
    candidates: np.ndarray | None,
    max_tries: int = 200,
) -> tuple[fmpq_mat, list[int]]:
    """Rows for units of ``free`` (dyadic rationals: first the float path's, then seeded random
    ones with entries in 2⁻³Z) until the features of keep ∪ moved have exact rank ``target``."""
    W = fmpq_mat(W)
    spanned = [i for i in keep]
    current = rank(model.features(rows(W, spanned))) if spanned else 0
    moved: list[int] = []
    pool = list(candidates) if candidates is not None else []
    n = W.ncols()
    tries = 0
    for j in free:
        if current >= target:
            break
        while tries < max_tries:
            tries += 1
            cand = pool.pop(0) if pool else np.round(rng.normal(size=n) * 8) / 8
            row = qmat(cand[None, :])
            trial = fmpq_mat(W)
            for k in range(n):
                trial[j, k] = row[0, k]
            r2 = rank(model.features(rows(trial, spanned + [j])))
            if r2 > current:
                W, current = trial, r2
                spanned.append(j)
                moved.append(j)
                break
    if current < target:
        raise InputError(
            f"exact free moves: the features reach rank {current} < {target} after "
            f"{tries} candidate rows"
        )
    return W, moved


def _target_dimension(model: ExactModel, q: int) -> int:
    return model.d if model.kind == "polynomial" else q


def exact_construction_a(
    landscape: TwoLayerEnergy,
    theta: Any,
    *,
    q: int | None = None,
    kind: str = "auto",
    seed: int = 0,
    float_targets: np.ndarray | None = None,
) -> ExactConstruction:
    """Construction A from θ in exact arithmetic (module docstring). ``q``: the dimension the
    features must span (default: d, the number of monomials; for ReLU ``values`` the caller's
    q_emp). ``float_targets``: candidate rows for the free moves (e.g. the float path's)."""
    model = exact_model(landscape, kind)
    W, U = (qmat(v) for v in landscape.unflatten(theta))
    p = W.nrows()
    q = model.d if q is None else int(q)
    refusal = construction_a_refusal(p, q)
    if refusal is not None:
        raise refusal
    e0 = model.energy(W, U)
    comp = _compress(model, W, U)
    pieces: list[ExactPiece] = []
    if comp.U != U:
        pieces.append(ExactPiece("compress (basis of active features)", CONSTANT, W, U, W, comp.U))
    U2 = comp.U
    W2: fmpq_mat = W
    moved: list[int] = []
    target = _target_dimension(model, q)
    if comp.rank < target:
        free = [j for j in range(p) if j not in comp.active]
        rng = np.random.default_rng(seed)
        W2, moved = _free_rows(model, W, comp.active, free, target, rng, float_targets)
        pieces.append(ExactPiece("free moves (span R^q)", CONSTANT, W, U2, W2, U2))
    F2 = model.features(W2)
    _, piv = pivots(F2.transpose())
    B = rows(F2, piv)
    gamma = model.minimiser(B)
    U3 = zero_matrix(U2.nrows(), p)
    for col, i in enumerate(piv):
        for r in range(U3.nrows()):
            U3[r, i] = gamma[r, col]
    optimum = model.value(gamma * B)
    if U3 != U2:
        pieces.append(ExactPiece("convex descent in U", NON_INCREASING, W2, U2, W2, U3))
    if not pieces:
        pieces.append(ExactPiece("already at the end point", CONSTANT, W, U, W, U))
    details = {
        "rank_start": comp.rank,
        "active": comp.active,
        "moved": moved,
        "span_rank": len(piv),
        "lifting": model.kind,
        "d": model.d,
        "energy_start": str(e0),
        "lifted_optimum": str(optimum),
        "spans_lifting": len(piv) == model.d,
    }
    return ExactConstruction("A", model, pieces, e0, optimum, details)


def exact_construction_b(
    landscape: TwoLayerEnergy, theta_a: Any, theta_b: Any, *, kind: str = "auto"
) -> ExactConstruction:
    """Construction B between θ_A and θ_B in exact arithmetic (the float path's moves on exact
    compressions); the bound max(E_A, E_B) is exact."""
    model = exact_model(landscape, kind)
    Wa, Ua = (qmat(v) for v in landscape.unflatten(theta_a))
    Wb, Ub = (qmat(v) for v in landscape.unflatten(theta_b))
    p = Wa.nrows()
    ca, cb = _compress(model, Wa, Ua), _compress(model, Wb, Ub)
    IA, IB = set(ca.active), set(cb.active)
    if len(IA | IB) + len(IA & IB) > p:
        raise HypothesisError(
            f"Construction B needs p ≥ |I_A ∪ I_B| + |I_A ∩ I_B|: p = {p}",
            claim="vbb.finite-dim.p-ge-2q",
        )
    shared = sorted(IA & IB)
    spare = [j for j in range(p) if j not in IA | IB][: len(shared)]
    carrier = {k: k for k in sorted(IB - IA)} | dict(zip(shared, spare))
    steps: list[tuple[fmpq_mat, fmpq_mat, str, str]] = []
    W, U = fmpq_mat(Wa), fmpq_mat(ca.U)
    steps.append((W, U, "compress θ_A", CONSTANT))
    W = fmpq_mat(W)
    for k, s in carrier.items():
        for j in range(W.ncols()):
            W[s, j] = Wb[k, j]
    steps.append((W, U, "copy B's rows to free units", CONSTANT))
    U = zero_matrix(U.nrows(), p)
    for k, s in carrier.items():
        for r in range(U.nrows()):
            U[r, s] = cb.U[r, k]
    steps.append((W, U, "interpolate outputs β", LE_MAX_ENDPOINTS))
    if shared:
        W = fmpq_mat(W)
        for k in shared:
            for j in range(W.ncols()):
                W[k, j] = Wb[k, j]
        steps.append((W, U, "duplicate into B's slots", CONSTANT))
        U = fmpq_mat(U)
        for k in shared:
            for r in range(U.nrows()):
                U[r, k] = U[r, carrier[k]]
                U[r, carrier[k]] = 0
        steps.append((W, U, "shift output weight", CONSTANT))
    steps.append((fmpq_mat(Wb), U, "move zero-output rows", CONSTANT))
    steps.append((Wb, Ub, "undo B's compression", CONSTANT))
    pieces, prevW, prevU = [], Wa, Ua
    for W_, U_, label, promise in steps:
        if W_ != prevW or U_ != prevU:
            pieces.append(ExactPiece(label, promise, prevW, prevU, W_, U_))
            prevW, prevU = W_, U_
    if not pieces:
        pieces.append(ExactPiece("already at the end point", CONSTANT, Wa, Ua, Wa, Ua))
    ea, eb = model.energy(Wa, Ua), model.energy(Wb, Ub)
    details = {
        "rank_a": ca.rank,
        "rank_b": cb.rank,
        "active_a": sorted(IA),
        "active_b": sorted(IB),
        "carriers": {int(k): int(s) for k, s in carrier.items()},
        "energy_a": str(ea),
        "energy_b": str(eb),
        "lifting": model.kind,
    }
    return ExactConstruction("B", model, pieces, max(ea, eb), None, details)


# -------------------------------------------------------------------------------- certificates


def certify_exact_construction(cons: ExactConstruction) -> list[Certificate]:
    """Certificates (``exact``, τ = 0) of every piece against the exact bound and against its
    promise: bound certificates first, then promise certificates. For A, the end energy equals
    the exact lifted optimum over the features' row space (recorded on the last certificate's
    details as ``ends_at_optimum``)."""
    bounds, promises = [], []
    energies = []
    for piece in cons.pieces:
        start = time.perf_counter()
        coeffs = exact_energy_polynomial(cons.model, piece.Wa, piece.Ua, piece.Wb, piece.Ub)
        energies.append(coeffs)
        cert = certify_polynomial(
            fmpq_poly(coeffs),
            cons.bound,
            (0, 1),
            tolerance=0,
            label=piece.label,
            promise=piece.promise,
        )
        cert.details.update(
            {
                "construction": f"exact (fmpq_mat): Construction {cons.kind}",
                "bound_exact": str(cons.bound),
                "degree": len(coeffs) - 1,
            }
        )
        cert.wall_time = time.perf_counter() - start
        if cert.holds:
            cert.margin = max(cert.margin, 0.0)
        bounds.append(cert)
        pc = certify_polynomial_promise(
            coeffs, piece.promise, label=f"{piece.label} [{piece.promise}]"
        )
        if pc is not None:
            if pc.holds:
                pc.margin = max(pc.margin, 0.0)
            pc.details["construction"] = f"exact (fmpq_mat): Construction {cons.kind}"
            promises.append(pc)
    if cons.optimum is not None and energies:
        end = sum(energies[-1], fmpq(0))
        cons.details["energy_end"] = str(end)
        cons.details["ends_at_optimum"] = bool(end == cons.optimum)
    return bounds + promises


def certified_exact(
    build: Callable[[], ExactConstruction], fallback: Callable[[], Any] | None = None
) -> tuple[list[Certificate], dict[str, Any]]:
    """(certificates, details) of the exact construction ``build()``; when the activation has
    no exact path (:class:`ExactUnavailable`), ``fallback()`` (e.g. the formal-feature / ball
    path of :mod:`sublevel.numerics.paths.intrinsic_ball`) or ([], reason)."""
    try:
        cons = build()
    except ExactUnavailable as exc:
        if fallback is not None:
            try:
                return fallback()
            except ExactUnavailable as exc2:
                return [], {"unavailable": f"{exc}; {exc2}"}
        return [], {"unavailable": str(exc)}
    certs = certify_exact_construction(cons)
    return certs, {"pieces": cons.labels(), "bound_exact": str(cons.bound), **cons.details}
