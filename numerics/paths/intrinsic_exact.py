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
(:func:`exact_energy_polynomial`). Each piece is decided with τ = 0: the bound by
:func:`sublevel.theory.exact.certify_polynomial` against the exact E(θ₀) (A) or max(E_A, E_B) (B), the
promise by :func:`sublevel.numerics.certify.certify_polynomial_promise` (constant: E − E(0) is the zero
polynomial; non-increasing: E′ ≤ 0; ≤ max of the endpoints).

Activations with irrational features (tanh) have no exact path here
(:func:`exact_model` raises :class:`ExactUnavailable`).

Sources: Venturi, Bandeira & Bruna, JMLR 20 (2019), Theorem 8; papers.md §4.2 [D].
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from flint import fmpq, fmpq_mat, fmpq_poly
from sublevel.numerics.certify import certify_polynomial_promise
from sublevel.numerics.energies.two_layer import (
    EmpiricalTwoLayer,
    PopulationTwoLayer,
    TwoLayerEnergy,
)
from sublevel.numerics.paths.base import CONSTANT, LE_MAX_ENDPOINTS, NON_INCREASING
from sublevel.numerics.paths.linear_exact import qmat
from sublevel.theory.certificate import Certificate
from sublevel.theory.claims import construction_a_refusal
from sublevel.theory.errors import HypothesisError, InputError
from sublevel.theory.exact import certify_polynomial, to_fmpq

__all__ = [
    "ExactUnavailable",
    "ExactModel",
    "exact_model",
    "qmat",
    "exact_energy_polynomial",
    "ExactPiece",
    "ExactConstruction",
    "exact_construction_a",
    "exact_construction_b",
    "certify_exact_construction",
    "certified_exact",
]


class ExactUnavailable(InputError):
    """The activation's features are not rational: no exact path (use rigorous/sampled)."""


# -------------------------------------------------------------------------------- conversions


def _zero(r: int, c: int) -> fmpq_mat:
    return fmpq_mat(r, c)


def _inner(A: fmpq_mat, B: fmpq_mat) -> fmpq:
    """⟨A, B⟩ = Σ A_ij B_ij = tr(ABᵀ) (A, B with few rows: m outputs)."""
    if A.nrows() > A.ncols():
        A, B = A.transpose(), B.transpose()
    C = A * B.transpose()
    return sum((C[i, i] for i in range(C.nrows())), fmpq(0))


def _rows(A: fmpq_mat, idx: list[int]) -> fmpq_mat:
    out = fmpq_mat(len(idx), A.ncols())
    for k, i in enumerate(idx):
        for j in range(A.ncols()):
            out[k, j] = A[i, j]
    return out


def _pivots(A: fmpq_mat) -> tuple[fmpq_mat, list[int]]:
    """(rref(A), pivot columns)."""
    R, rank = A.rref()
    piv: list[int] = []
    j = 0
    for i in range(rank):
        while R[i, j] == 0:
            j += 1
        piv.append(j)
    return R, piv


def _rank(A: fmpq_mat) -> int:
    return int(A.rank()) if A.nrows() and A.ncols() else 0


# -------------------------------------------------------------------------------- the model


def _activation_rationals(activation: Any) -> dict[int, fmpq]:
    """{j: a_j} of a polynomial activation, exactly (cached by expression)."""
    return dict(_rationals_of(str(activation.expr)))


@lru_cache(maxsize=64)
def _rationals_of(expr: str) -> tuple[tuple[int, fmpq], ...]:
    from sublevel.theory.liftings.feature_map import activation_coefficients

    out = {}
    for j, c in activation_coefficients(expr).items():
        if not c.is_Rational:
            raise ExactUnavailable(f"activation {expr}: coefficient {c} of z^{j} is not rational")
        out[int(j)] = fmpq(int(c.p), int(c.q))
    return tuple(out.items())


def _monomial_coefficients(exponents: np.ndarray, a: dict[int, fmpq]) -> list[fmpq]:
    """a_{|α|}·C(|α|; α) for each row α of ``exponents`` (exact)."""
    out = []
    for alpha in exponents.tolist():
        k = sum(alpha)
        multi = math.factorial(k)
        for e in alpha:
            multi //= math.factorial(e)
        out.append(a.get(k, fmpq(0)) * multi)
    return out


def _monomials(
    points: fmpq_mat, exponents: np.ndarray, coefficients: list[fmpq] | None
) -> fmpq_mat:
    """(coef_α x^α) for the rows x of ``points`` (rows × |exponents|), exact."""
    rows, n = points.nrows(), points.ncols()
    E = [[(k, e) for k, e in enumerate(alpha) if e] for alpha in exponents.tolist()]
    top = int(exponents.max()) if exponents.size else 0
    coefs = coefficients if coefficients is not None else [fmpq(1)] * len(E)
    values: list[fmpq] = []
    for i in range(rows):
        powers = []
        for k in range(n):
            x, pk = points[i, k], [fmpq(1)]
            for _ in range(top):
                pk.append(pk[-1] * x)
            powers.append(pk)
        for c, alpha in zip(coefs, E):
            v = c
            for k, e in alpha:
                v *= powers[k][e]
            values.append(v)
    return fmpq_mat(rows, len(E), values) if rows and E else fmpq_mat(rows, len(E))


@dataclass
class ExactModel:
    """E(θ) = F(β), β = UΨ(W) ∈ Q^{m×d}, F(β) = ⟨βS, β⟩ − 2⟨β, Cᵀ⟩ + c, all exact.

    ``kind``: ``polynomial`` (d = number of monomials = q) or ``values`` (ReLU, or polynomial
    ρ with coefficients ``rho``, on the data: d = L). ``features(W)`` gives Ψ(W) (p × d)."""

    kind: str
    S: fmpq_mat
    C: fmpq_mat
    c: fmpq
    exponents: np.ndarray | None = None
    coefficients: list[fmpq] | None = None
    X: fmpq_mat | None = None
    rho: list[tuple[int, fmpq]] | None = None
    _cache: list[tuple[fmpq_mat, fmpq_mat]] = field(default_factory=list, repr=False)

    @property
    def d(self) -> int:
        return int(self.S.nrows())

    def features(self, W: fmpq_mat) -> fmpq_mat:
        """Ψ(W): row i = A(w_i) (exact; the last few W are cached)."""
        for W_, F in self._cache:
            if W_ is W or W_ == W:
                return F
        F = self._features(W)
        self._cache.insert(0, (W, F))
        del self._cache[8:]
        return F

    def _features(self, W: fmpq_mat) -> fmpq_mat:
        if self.kind == "polynomial":
            assert self.exponents is not None
            return _monomials(W, self.exponents, self.coefficients)
        assert self.X is not None
        Z = W * self.X.transpose()
        out = fmpq_mat(Z.nrows(), Z.ncols())
        for i in range(Z.nrows()):
            for j in range(Z.ncols()):
                v = Z[i, j]
                if self.rho is None:  # ReLU
                    out[i, j] = v if v > 0 else fmpq(0)
                else:  # polynomial ρ, exact
                    out[i, j] = sum((a * v**k for k, a in self.rho), fmpq(0))
        return out

    def value(self, beta: fmpq_mat) -> fmpq:
        """F(β) exactly."""
        return _inner(beta * self.S, beta) - 2 * _inner(beta, self.C.transpose()) + self.c

    def energy(self, W: fmpq_mat, U: fmpq_mat) -> fmpq:
        """E(θ) = F(UΨ(W)) exactly."""
        return self.value(U * self.features(W))

    def minimiser(self, B: fmpq_mat) -> fmpq_mat:
        """γ* minimising F(γB) (B: k × d, independent rows): γ*(BSBᵀ) = (BC)ᵀ, exact (a pivot
        basis of the range when BSBᵀ is singular; BC lies in that range)."""
        M = B * self.S * B.transpose()
        N = B * self.C
        k = M.nrows()
        if k == 0:
            return _zero(self.C.ncols(), 0)
        if _rank(M) == k:
            return M.solve(N, algorithm="dixon").transpose()  # type: ignore[call-arg]
        _, piv = _pivots(M)
        if not piv:
            return _zero(N.ncols(), k)
        P = fmpq_mat(k, len(piv))
        for col, j in enumerate(piv):
            for i in range(k):
                P[i, col] = M[i, j]
        Pt = P.transpose()
        return N.transpose() * P * (Pt * M * P).inv() * Pt


def exact_model(landscape: TwoLayerEnergy, kind: str = "auto") -> ExactModel:
    """The exact model of an empirical (polynomial ρ with rational coefficients, or ReLU) or
    population (polynomial ρ) two-layer energy; :class:`ExactUnavailable` otherwise."""
    act = landscape.activation
    if kind == "auto":
        kind = "polynomial" if act.is_polynomial else "values"
    if isinstance(landscape, EmpiricalTwoLayer):
        L = landscape.L
        Xq, Yq = qmat(landscape.X), qmat(landscape.Y)
        inv_l = fmpq(1, L)
        c = sum((v * v for v in Yq.entries()), fmpq(0)) * inv_l
        if kind == "polynomial":
            from sublevel.numerics.energies.two_layer import polynomial_features

            if not act.is_polynomial:
                raise ExactUnavailable(f"activation {act.name} is not a polynomial")
            feats = polynomial_features(act, landscape.n)
            coefs = _monomial_coefficients(feats.exponents, _activation_rationals(act))
            Psi = _monomials(Xq, feats.exponents, None)
            Pt = Psi.transpose()
            return ExactModel(
                "polynomial", (Pt * Psi) * inv_l, (Pt * Yq) * inv_l, c, feats.exponents, coefs
            )
        if kind == "values":
            if act.kind != "relu" and not act.is_polynomial:
                raise ExactUnavailable(
                    f"activation {act.name}: the features ρ(⟨w, x⟩) are not rational, no exact path"
                )
            rho = None if act.kind == "relu" else sorted(_activation_rationals(act).items())
            eye = fmpq_mat(L, L)
            for i in range(L):
                eye[i, i] = inv_l
            return ExactModel("values", eye, Yq * inv_l, c, X=Xq, rho=rho)
        raise InputError(f"lifting kind {kind!r} is not one of auto, polynomial, values")
    if isinstance(landscape, PopulationTwoLayer):
        if landscape.mode != "polynomial" or kind not in ("polynomial",):
            raise ExactUnavailable("exact population energies need a polynomial activation")
        model, teacher = landscape._model, landscape._teacher
        E = model.exponents
        nm = landscape._n_model
        cm = _monomial_coefficients(E[:nm], _activation_rationals(act))
        ct = _monomial_coefficients(E, _activation_rationals(landscape.teacher_activation))
        ct = [c if teacher.coefficients[i] != 0 else fmpq(0) for i, c in enumerate(ct)]
        Q = E.shape[0]
        G = fmpq_mat(Q, Q)
        for i in range(Q):
            for j in range(Q):
                G[i, j] = _gaussian_moment(E[i] + E[j])
        beta_t = qmat(landscape.Ut) * _monomials(qmat(landscape.Wt), E, ct)  # m × Q
        Gmm = fmpq_mat(nm, nm, [G[i, j] for i in range(nm) for j in range(nm)])
        Gmu = fmpq_mat(nm, Q, [G[i, j] for i in range(nm) for j in range(Q)])
        C = Gmu * beta_t.transpose()
        c = _inner(beta_t * G, beta_t) + landscape.m * to_fmpq(landscape.noise_variance)
        return ExactModel("polynomial", Gmm, C, c, E[:nm], cm)
    raise ExactUnavailable(f"{type(landscape).__name__} has no exact model")


def _gaussian_moment(alpha: np.ndarray) -> int:
    out = 1
    for e in alpha.tolist():
        if e % 2:
            return 0
        for k in range(e - 1, 0, -2):
            out *= k
    return out


# -------------------------------------------------------------------------------- energy


def exact_energy_polynomial(
    model: ExactModel, Wa: fmpq_mat, Ua: fmpq_mat, Wb: fmpq_mat, Ub: fmpq_mat
) -> list[fmpq]:
    """Coefficients (rationals, increasing degree) of E along (W_a, U_a) → (W_b, U_b), a piece
    that moves only U and rows of units with zero output weight at both ends (InputError
    otherwise): E(t) = F(β₀ + tΔ) = F(β₀) + 2t(⟨ΔS, β₀⟩ − ⟨Δ, Cᵀ⟩) + t²⟨ΔS, Δ⟩."""
    for i in range(Wa.nrows()):
        if any(Wa[i, k] != Wb[i, k] for k in range(Wa.ncols())):
            if any(Ua[r, i] != 0 or Ub[r, i] != 0 for r in range(Ua.nrows())):
                raise InputError(f"unit {i} moves its row while its output weight is nonzero")
    A = model.features(Wa)
    beta0 = Ua * A
    delta = (Ub - Ua) * A
    dS = delta * model.S
    c1 = 2 * (_inner(dS, beta0) - _inner(delta, model.C.transpose()))
    out = [model.value(beta0), c1, _inner(dS, delta)]
    while len(out) > 1 and out[-1] == 0:
        out.pop()
    return out


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
    R, piv = _pivots(F.transpose())
    Up = _zero(U.nrows(), p)
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
    rows = [i for i in keep]
    rank = _rank(model.features(_rows(W, rows))) if rows else 0
    moved: list[int] = []
    pool = list(candidates) if candidates is not None else []
    n = W.ncols()
    tries = 0
    for j in free:
        if rank >= target:
            break
        while tries < max_tries:
            tries += 1
            cand = pool.pop(0) if pool else np.round(rng.normal(size=n) * 8) / 8
            row = qmat(cand[None, :])
            trial = fmpq_mat(W)
            for k in range(n):
                trial[j, k] = row[0, k]
            r2 = _rank(model.features(_rows(trial, rows + [j])))
            if r2 > rank:
                W, rank = trial, r2
                rows.append(j)
                moved.append(j)
                break
    if rank < target:
        raise InputError(
            f"exact free moves: the features reach rank {rank} < {target} after "
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
    _, piv = _pivots(F2.transpose())
    B = _rows(F2, piv)
    gamma = model.minimiser(B)
    U3 = _zero(U2.nrows(), p)
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
    U = _zero(U.nrows(), p)
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
