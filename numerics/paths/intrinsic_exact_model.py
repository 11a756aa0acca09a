"""The exact model of VBB's two-layer energies: E(θ) = F(UΨ(W)) in rational arithmetic.

The exact constructions of :mod:`sublevel.numerics.paths.intrinsic_exact` read every energy off
this model. With θ = (W, U), the features Ψ(W) = [A(w_1) … A(w_p)]ᵀ (p × d) and β = UΨ(W)
(m × d), the energy is the quadratic F(β) = ⟨βS, β⟩ − 2⟨β, Cᵀ⟩ + c with S, C, c exact:

* ``polynomial`` lifting (ρ a polynomial with rational coefficients a_j): A(w) has the entries
  a_{|α|}·C(|α|; α)·w^α, one per monomial (d = their number); on empirical data S, C, c are the
  data's monomial moments, on Gaussian population data the moments of N(0, I) (products of
  odd double factorials) against the teacher's β;
* ``values`` lifting (ReLU — max(0, ·) of a rational is rational — or polynomial ρ) on
  empirical data: A(w) = (ρ(⟨w, x_l⟩))_l (d = L), S = I/L, C = Y/L.

A piece that moves only U, or rows of units whose output weight is zero at both ends, has
β(t) = β₀ + tΔ, so its energy is the exact quadratic in t of :func:`exact_energy_polynomial`.
Activations with irrational features (tanh) raise :class:`ExactUnavailable`.

Sources: Venturi, Bandeira & Bruna, JMLR 20 (2019), Theorem 8; the lifting L(θ) = F(𝒜(θ))
and the intrinsic dimensions: papers.md §4.1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from flint import fmpq, fmpq_mat
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer, TwoLayerEnergy
from sublevel.numerics.energies.two_layer_population import PopulationTwoLayer
from sublevel.numerics.paths.exact_linalg import columns, inner, pivots, qmat, rank, zero_matrix
from sublevel.theory.errors import InputError
from sublevel.theory.exact import to_fmpq

__all__ = [
    "ExactUnavailable",
    "ExactModel",
    "exact_model",
    "exact_energy_polynomial",
]


class ExactUnavailable(InputError):
    """The activation's features are not rational: no exact path (use rigorous/sampled)."""


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
        """The dimension d of the lifted space: the number of monomials (``polynomial``) or of
        data points L (``values``)."""
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
        return inner(beta * self.S, beta) - 2 * inner(beta, self.C.transpose()) + self.c

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
            return zero_matrix(self.C.ncols(), 0)
        if rank(M) == k:
            return M.solve(N, algorithm="dixon").transpose()  # type: ignore[call-arg]
        _, piv = pivots(M)
        if not piv:
            return zero_matrix(N.ncols(), k)
        P = columns(M, piv)
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
            from sublevel.numerics.energies.convex_lifting import polynomial_features

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
        c = inner(beta_t * G, beta_t) + landscape.m * to_fmpq(landscape.noise_variance)
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
    c1 = 2 * (inner(dS, beta0) - inner(delta, model.C.transpose()))
    out = [model.value(beta0), c1, inner(dS, delta)]
    while len(out) > 1 and out[-1] == 0:
        out.pop()
    return out
