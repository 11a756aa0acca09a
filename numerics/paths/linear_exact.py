"""The proof's path of BF'16 Prop. 2.2 (κ = 0) built in exact rational arithmetic.

The floating-point path of :mod:`sublevel.numerics.paths.linear` is what users and DSS get; its
intermediates (projectors, kernel bases, merged products) are rounded, which breaks the
proof's identities at the 1e-17…1e-15 level ("constant energy" pieces drift, the lifted
straight path can exceed max(E_A, E_B) by rounding). Here the same construction is carried
out on the *exact* inputs — θ_A, θ_B, X, Y taken as the dyadic rationals their floats store —
in python-flint ``fmpq_mat`` (FLINT, C speed; the linear algebra is
:mod:`sublevel.numerics.paths.exact_linalg`):

* range and kernel bases from the exact reduced row echelon form; projectors
  Π = B(BᵀB)⁻¹Bᵀ onto range W_1 (rational), Π⊥ = I − Π;
* pre-processing (a) W_2 ← W_2(I − sΠ⊥) and (b) W_1 ← W_1 + s Σ b_i a_iᵀ with {a_i} a basis
  of ker W_1 and {b_i} independent columns of Π⊥ (orthonormality is not needed: W_1 + BAᵀ is
  injective for any bases, and W_2Π kills range(Π⊥)); the product is *exactly* constant;
* merged products M = W_2W_1 and the induction on K; at K = 1 the straight path in the product;
* the descent: P* = Σ_YX Σ_X⁺ (the unconstrained least-squares optimum, rational; the rank
  constraint is inactive because min_k n_k = min(n, m) under the hypothesis) and
  W_K(t) = W_K + t(P* − P_A)M⁺, M⁺ = (MᵀM)⁻¹Mᵀ exact.

The lifted pieces of the proof (W_1 joined through full-column-rank matrices by QR and an
SO(n_1) path, W_2(s) = M(s)W_1(s)⁺) are irrational (square roots, angles), but they never enter
the energy: W_1(s) has full column rank on the whole join (positive-diagonal triangular factor,
orthonormal Stiefel factor), so W_2(s)W_1(s) = M(s) *exactly* and the lifted energy is the
energy of the merged network's straight segment. That segment is the piece's reference here.

The energy along every reference segment is a polynomial in t with rational coefficients
(:func:`exact_energy_polynomial`), and each piece's promise is decided exactly, with τ = 0:
``constant energy`` — the polynomial minus E(0) is identically zero; ``non-increasing`` —
E′ ≤ 0 on [0, 1]; ``≤ max of endpoints`` — E ≤ max(E(0), E(1)), decided structurally for a
convex quadratic (leading coefficient ≥ 0: the maximum is an endpoint) and by
:func:`sublevel.theory.exact.certify_polynomial` otherwise. The bound max(E_A, E_B) is itself an exact
rational, so the endpoint-equality case needs no slack.

Source: Freeman & Bruna, ICLR 2017, Prop. 2.2 and its proof (papers.md §3.2).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from flint import fmpq, fmpq_mat
from sublevel.numerics.energies.linear import as_data, as_weights, widths_of
from sublevel.numerics.paths.base import CONSTANT, LE_MAX_ENDPOINTS, NON_INCREASING
from sublevel.numerics.paths.exact_linalg import (
    columns,
    enclosure,
    identity_matrix,
    inner,
    is_zero,
    kernel_basis,
    pinv_injective,
    pivots,
    project_rows,
    qmat,
    range_projector,
    stack,
    zero_matrix,
)
from sublevel.theory.certificate import Certificate
from sublevel.theory.errors import InputError
from sublevel.theory.rational import fmpq_to_float, rounded

__all__ = [
    "ExactMoments",
    "exact_energy_polynomial",
    "ExactPiece",
    "ExactPath",
    "connect_exact",
    "descend_exact",
    "certify_exact_path",
]

QMats = list[fmpq_mat]


# -------------------------------------------------------------------------------- energy


#: how many recent exact energies an :class:`ExactMoments` remembers
_RECENT_ENERGIES = 4


@dataclass
class ExactMoments:
    """Σ_X = XᵀX/L, Σ_XY = XᵀY/L, σ_Y = ‖Y‖²/L of the float data taken exactly; E(P) =
    tr(PΣ_XPᵀ) − 2tr(PΣ_XY) + σ_Y = (1/L)Σ_l ‖Px_l − y_l‖² (BF'16 eq. (1), κ = 0)."""

    sigma_x: fmpq_mat
    sigma_xy: fmpq_mat
    sigma_y: fmpq
    #: the last few (P, F(P)) evaluated: a path's constant pieces share their product exactly
    #: (P_A or P_B at every induction level), and an exact matrix comparison is far cheaper
    #: than an exact energy
    _recent: list[tuple[fmpq_mat, fmpq]] = field(default_factory=list, repr=False, compare=False)

    @classmethod
    def from_data(cls, X: Any, Y: Any) -> ExactMoments:
        """Exact moments of data X (L, n), Y (L, m)."""
        Xa, Ya = as_data(X, Y)
        L = Xa.shape[0]
        Xq, Yq = qmat(Xa), qmat(Ya)
        Xt = Xq.transpose()
        inv_l = fmpq(1, L)
        YtY = Yq.transpose() * Yq  # ‖Y‖² = tr(YᵀY), one FLINT product instead of L·m in Python
        sy = sum((YtY[i, i] for i in range(YtY.nrows())), fmpq(0)) * inv_l
        return cls((Xt * Xq) * inv_l, (Xt * Yq) * inv_l, sy)

    def energy(self, P: fmpq_mat) -> fmpq:
        """F(P) exactly."""
        for Q, value in self._recent:
            if Q == P:  # exact equality (False for different shapes)
                return value
        value = inner(P * self.sigma_x, P) - 2 * inner(P, self.sigma_xy.transpose()) + self.sigma_y
        self._recent = [(fmpq_mat(P), value), *self._recent[: _RECENT_ENERGIES - 1]]  # a copy
        return value

    def least_squares(self) -> fmpq_mat:
        """P* with P*Σ_X = Σ_YX (a global minimiser of F): Σ_YX B(BᵀΣ_XB)⁻¹Bᵀ, B a basis of
        range Σ_X (= Σ_YX Σ_X⁻¹ when Σ_X is invertible; Σ_XY ∈ range Σ_X always)."""
        S = self.sigma_x
        syx = self.sigma_xy.transpose()
        if S.rank() == S.nrows():
            return S.solve(self.sigma_xy).transpose()  # Σ_X symmetric: (Σ_X⁻¹Σ_XY)ᵀ
        _, piv = pivots(S)
        if not piv:
            return zero_matrix(syx.nrows(), S.ncols())
        B = columns(S, piv)
        Bt = B.transpose()
        return syx * B * (Bt * S * B).inv() * Bt


def _product_polynomial(a: QMats, b: QMats) -> QMats:
    """Coefficient matrices (increasing degree) of W_K(t)⋯W_1(t), W_k(t) = (1−t)A_k + tB_k."""
    coeffs: QMats = []
    for k, (A, B) in enumerate(zip(a, b)):
        # a layer that does not move (the same matrix, or equal entries) contributes A alone
        layer = [A] if A is B or A == B else [A, B - A]
        if k == 0:
            coeffs = layer
            continue
        out: list[fmpq_mat | None] = [None] * (len(coeffs) + len(layer) - 1)
        for i, Li in enumerate(layer):
            for j, Cj in enumerate(coeffs):
                term = Li * Cj
                prev = out[i + j]
                out[i + j] = term if prev is None else prev + term
        coeffs = [C for C in out if C is not None]
    return coeffs


def exact_energy_polynomial(moments: ExactMoments, a: QMats, b: QMats) -> list[fmpq]:
    """Coefficients (increasing degree, rationals) of E((1−t)a + tb) for weight lists a, b:
    with P(t) = Σ_j C_j t^j, the t^k coefficient is Σ_{i+j=k} ⟨C_iΣ_X, C_j⟩ − 2⟨C_k, Σ_YX⟩
    + [k = 0]σ_Y (exact; degree 2·#moving layers)."""
    C = _product_polynomial(a, b)
    while len(C) > 1 and is_zero(C[-1]):
        C.pop()
    if len(C) == 1:  # the product is exactly constant, so is the energy: E(t) ≡ F(C_0)
        return [moments.energy(C[0])]
    d, m = len(C) - 1, C[0].nrows()
    out = [fmpq(0)] * (2 * d + 1)
    S = stack(C)
    G = S * moments.sigma_x * S.transpose()  # blocks ⟨C_iΣ_X, C_j⟩ on block diagonals
    H = S * moments.sigma_xy  # blocks C_kΣ_XY: traces ⟨C_k, Σ_YX⟩
    for i in range(d + 1):
        for j in range(d + 1):
            out[i + j] += sum((G[i * m + r, j * m + r] for r in range(m)), fmpq(0))
        out[i] -= 2 * sum((H[i * m + r, r] for r in range(m)), fmpq(0))
    out[0] += moments.sigma_y
    while len(out) > 1 and out[-1] == 0:
        out.pop()
    return out


def _evaluate(coeffs: Sequence[fmpq], t: fmpq) -> fmpq:
    value = fmpq(0)
    for c in reversed(coeffs):
        value = value * t + c
    return value


# -------------------------------------------------------------------------------- the path


@dataclass
class ExactPiece:
    """A piece of the exact proof's path: its reference segment (weights of some merged
    network, original orientation) on which the piece's energy is read off exactly."""

    label: str
    promise: str
    step: str
    a: QMats
    b: QMats

    @property
    def widths(self) -> list[int]:
        """[n_0, n_1, …, n_K] of the reference segment's network (a merged network's widths
        on a lifted piece, fewer layers than the path's)."""
        return [self.a[0].ncols()] + [W.nrows() for W in self.a]


@dataclass
class ExactPath:
    """The exact path: pieces in order, the data's exact moments, and the construction."""

    pieces: list[ExactPiece]
    moments: ExactMoments
    construction: str
    widths: list[int]
    details: dict[str, Any] = field(default_factory=dict)

    def labels(self) -> list[str]:
        """The pieces' labels, in path order."""
        return [p.label for p in self.pieces]


_STEPS = {
    "a": "W_2 ← W_2(I − sΠ⊥) vanishes off range W_1 (product exactly constant)",
    "b": "W_1 ← W_1 + s Σ b_i a_iᵀ made injective (product exactly constant)",
}


def _transpose(mats: QMats) -> QMats:
    return [W.transpose() for W in reversed(mats)]


def _preprocess(
    W1: fmpq_mat, W2: fmpq_mat
) -> tuple[list[tuple[str, fmpq_mat, fmpq_mat, fmpq_mat, fmpq_mat]], fmpq_mat, fmpq_mat]:
    """Steps (a), (b) exactly for W_2W_1 (W_1: h × n, h > n); returns the non-trivial steps
    (name, W1 start, W1 end, W2 start, W2 end) and the processed (W_1', W_2')."""
    h, n = W1.nrows(), W1.ncols()
    steps = []
    _, piv_w = pivots(W1)
    r = len(piv_w)
    W2_new = project_rows(W2, columns(W1, piv_w))  # W_2Π, Π the projector onto range W_1
    if W2_new != W2:
        steps.append(("a", W1, W1, W2, W2_new))
    W2 = W2_new
    if r < n:
        perp = identity_matrix(h) - range_projector(W1)[0]
        A = kernel_basis(W1)  # n × (n − r)
        _, piv = pivots(perp)  # rank h − r ≥ n − r independent columns
        Bp = columns(perp, piv[: n - r])  # h × (n − r), in range(W1)^⊥
        W1_new = W1 + Bp * A.transpose()
        steps.append(("b", W1, W1_new, W2, W2))
        W1 = W1_new
    return steps, W1, W2


def _connect(wa: QMats, wb: QMats) -> list[tuple[str, str, str, QMats, QMats]]:
    K = len(wa)
    if K == 1:
        return [
            ("lifted P(t)", LE_MAX_ENDPOINTS, "lifted straight path P(t) = (1−t)P_A + tP_B", wa, wb)
        ]
    rest_a, rest_b = wa[2:], wb[2:]
    steps_a, W1a, W2a = _preprocess(wa[0], wa[1])
    steps_b, W1b, W2b = _preprocess(wb[0], wb[1])
    pre_a = [
        (f"A·{nm} K={K}", CONSTANT, f"pre-{nm}: {_STEPS[nm]}", [s1, s2, *rest_a], [e1, e2, *rest_a])
        for nm, s1, e1, s2, e2 in steps_a
    ]
    post_b = [
        (
            f"B·{nm} K={K}",
            CONSTANT,
            f"post-{nm}: {_STEPS[nm]}",
            [e1, e2, *rest_b],
            [s1, s2, *rest_b],
        )
        for nm, s1, e1, s2, e2 in reversed(steps_b)
    ]
    # lifted pieces: energy ≡ the merged network's reference segment (W_1(s) injective)
    inner = _connect([W2a * W1a, *rest_a], [W2b * W1b, *rest_b])
    return pre_a + inner + post_b


def _prepare(
    weights_a: Any, weights_b: Any | None, X: Any, Y: Any, moments: ExactMoments | None
) -> tuple[list[int], bool, QMats, QMats | None, ExactMoments]:
    from sublevel.numerics.paths.linear import check_widths

    wa = as_weights(weights_a, name="weights_a")
    widths = widths_of(wa)
    Xa, Ya = as_data(X, Y)
    if Xa.shape[1] != widths[0] or Ya.shape[1] != widths[-1]:
        raise InputError(
            f"weights_a have n = {widths[0]}, m = {widths[-1]} but X has "
            f"{Xa.shape[1]} columns and Y {Ya.shape[1]}"
        )
    wb = None
    if weights_b is not None:
        wb = as_weights(weights_b, name="weights_b")
        if widths_of(wb) != widths:
            raise InputError(f"weights_b have widths {widths_of(wb)} but weights_a have {widths}")
    check_widths(widths)
    transposed = widths[0] > widths[-1]
    qa = [qmat(W) for W in wa]
    qb = None if wb is None else [qmat(W) for W in wb]
    if transposed:
        qa = _transpose(qa)
        qb = None if qb is None else _transpose(qb)
    if moments is None:
        moments = ExactMoments.from_data(Xa, Ya)
    return widths, transposed, qa, qb, moments


def connect_exact(
    weights_a: Any, weights_b: Any, X: Any, Y: Any, *, moments: ExactMoments | None = None
) -> ExactPath:
    """The proof's path θ_A → θ_B (BF'16 Prop. 2.2, κ = 0) in exact rationals (see the
    module docstring): constant-energy pre/post-processing segments at every induction level
    and the lifted straight product path, each as an exact reference segment. Raises
    :class:`~sublevel.theory.errors.HypothesisError` (the registry's refusal) if n_k ≤ min(n, m).
    ``moments``: the data's :class:`ExactMoments`, when already computed (same X, Y)."""
    widths, transposed, qa, qb, mom = _prepare(weights_a, weights_b, X, Y, moments)
    assert qb is not None
    orient = _transpose if transposed else (lambda m: m)
    pieces = [
        ExactPiece(label, promise, step, orient(a), orient(b))
        for label, promise, step, a, b in _connect(qa, qb)
    ]
    ea = mom.energy(_full_product(orient(qa)))
    eb = mom.energy(_full_product(orient(qb)))
    return ExactPath(pieces, mom, "connect", widths, {"E_A": ea, "E_B": eb, "bound": max(ea, eb)})


def _full_product(mats: QMats) -> fmpq_mat:
    P = mats[0]
    for W in mats[1:]:
        P = W * P
    return P


def descend_exact(
    weights: Any, X: Any, Y: Any, *, moments: ExactMoments | None = None
) -> ExactPath:
    """The strictly decreasing path θ → global minimum of BF'16 Prop. 2.2, exactly: constant
    steps making each partial product injective, then W_K(t) = W_K + t(P* − P_A)M⁺ with P*
    the rational least-squares optimum (``details["E_star"]`` = F(P*), exact)."""
    widths, transposed, w, _, mom = _prepare(weights, None, X, Y, moments)
    e_a = mom.energy(_full_product(_transpose(w) if transposed else w))
    target = mom.least_squares()
    e_star = mom.energy(target)
    if transposed:
        target = target.transpose()
    orient = _transpose if transposed else (lambda m: m)
    pieces: list[ExactPiece] = []
    w = list(w)
    K, n = len(w), w[0].ncols()
    below = identity_matrix(n)
    for j in range(K - 1):
        M = w[j] * below
        if M.rank() < n:
            Pi, r = range_projector(M)
            h = M.nrows()
            if w[j + 1] * (identity_matrix(h) - Pi) != zero_matrix(w[j + 1].nrows(), h):
                new = [*w]
                new[j + 1] = w[j + 1] * Pi
                pieces.append(
                    ExactPiece(
                        f"a: layer {j + 2}",
                        CONSTANT,
                        f"pre-a: W_{j + 2} vanishes off range W_{j + 1}⋯W_1",
                        orient(w),
                        orient(new),
                    )
                )
                w = new
            A = kernel_basis(M)
            _, piv = pivots(identity_matrix(h) - Pi)
            Bp = columns(identity_matrix(h) - Pi, piv[: n - r])
            new = [*w]
            new[j] = w[j] + Bp * A.transpose() * pinv_injective(below)
            pieces.append(
                ExactPiece(
                    f"b: layer {j + 1}",
                    CONSTANT,
                    f"pre-b: W_{j + 1}⋯W_1 made injective",
                    orient(w),
                    orient(new),
                )
            )
            w = new
        below = w[j] * below
    P_a = w[-1] * below
    last = [*w]
    last[-1] = w[-1] + (target - P_a) * pinv_injective(below)
    pieces.append(
        ExactPiece(
            "descent",
            NON_INCREASING,
            "descent: W_K(t) = W_K + t(P* − P_A)(W_{K−1}⋯W_1)⁺",
            orient(w),
            orient(last),
        )
    )
    return ExactPath(pieces, mom, "descend", widths, {"E_A": e_a, "E_star": e_star, "bound": e_a})


# -------------------------------------------------------------------------------- certificates


def _frac(q: fmpq) -> Fraction:
    return Fraction(int(q.p), int(q.q))


def _max_on_unit(coeffs: list[fmpq]) -> tuple[fmpq, fmpq, str]:
    """(max, argmax, how) of the polynomial on [0, 1]: exact. Degree ≤ 1 or a convex quadratic:
    an endpoint (structural); a concave quadratic: endpoints and vertex; otherwise
    :func:`sublevel.theory.exact.certify_polynomial` against the endpoint maximum (exact decision)."""
    e0, e1 = coeffs[0], _evaluate(coeffs, fmpq(1))
    best, arg = (e1, fmpq(1)) if e1 > e0 else (e0, fmpq(0))
    d = len(coeffs) - 1
    if d <= 1 or (d == 2 and coeffs[2] >= 0):
        return best, arg, "endpoint (degree ≤ 1 or convex quadratic)"
    if d == 2:
        v = -coeffs[1] / (2 * coeffs[2])
        if 0 < v < 1:
            ev = _evaluate(coeffs, v)
            if ev > best:
                return ev, v, "vertex of a concave quadratic"
        return best, arg, "endpoint (concave quadratic, vertex outside (0, 1))"
    from sublevel.theory.exact import certify_polynomial

    cert = certify_polynomial([_frac(c) for c in coeffs], _frac(best), (0, 1), tolerance=0)
    if cert.holds:
        return best, arg, "endpoint (exact root isolation: p ≤ max(p(0), p(1)))"
    exact_max = cert.details.get("max_energy_exact")
    value = (
        fmpq(*Fraction(exact_max).as_integer_ratio())
        if exact_max
        else fmpq(*Fraction(cert.max_energy).as_integer_ratio())
    )
    return value, fmpq(*Fraction(cert.argmax_t).as_integer_ratio()), "interior (root isolation)"


def _certificate(
    holds: bool,
    value: fmpq,
    arg: fmpq,
    bound: fmpq,
    label: str,
    promise: str,
    start: float,
    details: dict[str, Any],
) -> Certificate:
    """An exact certificate of ``value`` ≤ ``bound``."""
    lo, hi = enclosure(bound - value)
    # a certificate that holds has bound − max ≥ 0 exactly: report the lower float, never < 0
    margin = max(lo, 0.0) if holds else min(hi, -0.0)
    x, v_lo, v_hi = rounded(value)
    return Certificate(
        holds=bool(holds),
        max_energy=x,
        argmax_t=fmpq_to_float(arg),
        bound=fmpq_to_float(bound),
        method="exact",
        margin=margin,
        tolerances={"tau": 0.0},
        wall_time=time.perf_counter() - start,
        label=label,
        promise=promise,
        outcome="holds" if holds else "fails",
        max_energy_enclosure=(v_lo, v_hi),
        details={"max_energy_exact": str(value), "bound_exact": str(bound), **details},
    )


def certify_exact_path(
    path: ExactPath, bound: Any = None
) -> tuple[list[Certificate], list[Certificate]]:
    """(bound certificates, promise certificates) of every piece, exact with τ = 0.

    Bound: max_t E(t) ≤ ``bound`` (default: the path's own, max(E_A, E_B) for connect, E_A for
    descend), compared as rationals. Promise: ``constant energy`` — E(t) − E(0) ≡ 0;
    ``non-increasing`` — E′ ≤ 0 on [0, 1] (and ``strictly_decreasing`` when E(1) < E(0));
    ``≤ max of endpoints`` — max_t E = max(E(0), E(1))."""
    b = path.details["bound"] if bound is None else bound
    if not isinstance(b, fmpq):
        b = fmpq(*Fraction(b).as_integer_ratio())
    bounds, promises = [], []
    for piece in path.pieces:
        start = time.perf_counter()
        coeffs = exact_energy_polynomial(path.moments, piece.a, piece.b)
        value, arg, how = _max_on_unit(coeffs)
        info = {
            "degree": len(coeffs) - 1,
            "reference_widths": piece.widths,
            "step": piece.step,
            "maximum": how,
            "construction": "exact (fmpq_mat): " + path.construction,
        }
        if piece.widths != path.widths:
            info["identity"] = (
                "lifted piece: its energy is this merged network's segment exactly — W_1(s) "
                "has full column rank on the join, so W_2(s)W_1(s) = M(s); the join's "
                "irrational factors (QR, SO(n_1) angles) cancel and are not computed"
            )
        bounds.append(
            _certificate(value <= b, value, arg, b, piece.label, piece.promise, start, info)
        )
        start = time.perf_counter()
        e0, e1 = coeffs[0], _evaluate(coeffs, fmpq(1))
        if piece.promise == CONSTANT:
            ok = len(coeffs) == 1
            pinfo = {
                "quantity": "E(t) − E(0) identically zero",
                "nonzero_coefficients": sum(c != 0 for c in coeffs[1:]),
            }
            pbound = e0
        elif piece.promise == NON_INCREASING:
            deriv = [c * k for k, c in enumerate(coeffs)][1:] or [fmpq(0)]
            dmax, darg, dhow = _max_on_unit(deriv)
            ok = dmax <= 0
            pinfo = {
                "quantity": "E′(t) ≤ 0 on [0, 1]",
                "max_derivative": str(dmax),
                "strictly_decreasing": bool(ok and e1 < e0),
                "E_end": str(e1),
                "maximum": dhow,
            }
            pbound = e0
        else:
            pbound = max(e0, e1)
            ok = value <= pbound
            pinfo = {"quantity": "max E = max(E(0), E(1))", "maximum": how}
        promises.append(
            _certificate(
                ok,
                value,
                arg,
                pbound,
                f"{piece.label} [{piece.promise}]",
                piece.promise,
                start,
                {**pinfo, "step": piece.step},
            )
        )
    return bounds, promises
