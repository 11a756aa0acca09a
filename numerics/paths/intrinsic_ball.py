"""Construction A for activations with irrational features (tanh): formal identities and balls.

The value features ρ(⟨w_i, x_l⟩) of tanh are irrational, so the exact path of
:mod:`sublevel.numerics.paths.intrinsic_exact` is not available. What the proof needs is still decided:

* **formal features**: every argument z = ⟨w_i, x_l⟩ is an exact rational; ρ(z) is written as
  ±[atom |z|] (tanh is odd, tanh(0) = 0). A unit's feature vector is a rational vector over the
  pairs (sample, atom). A linear relation between these *formal* vectors (duplicate rows,
  antipodal rows, zero rows, …) is a relation between the real features, whatever the atoms'
  values: the compression by the exact rref of the formal features therefore leaves
  β = UΨ(W) *identically* unchanged, and so does moving the rows of zero-output units. These
  constant pieces are certified ``exact`` (τ = 0): E(t) − E(0) is formally the zero polynomial,
  and E ≡ E(θ₀) = the bound, so their bound certificates hold with margin 0 by that identity.
* **descent** (``rigorous``): the direction ΔU is a float least-squares solve on the spanned
  features; the energy E(s) = c₀ + c₁s + c₂s² along U₂ + sΔU has coefficients enclosed in
  ball arithmetic (python-flint ``arb``, 256 bits). The step s′ is a dyadic rational *below*
  the vertex s* = −c₁/(2c₂) (its proven lower end shrunk by 2⁻³⁰), so E′ ≤ 0 on the piece
  holds by c₁ + 2c₂s′ < 0, decided on the enclosure; the piece's maximum is then E(0), which
  is the bound by the formal identity above. A decision the enclosure cannot make is
  ``inconclusive``, never ``fails``.

The end is the minimiser along the float direction (``end_gap`` to the float lifted optimum is
recorded as a cross-check, not a certificate).

Source: Venturi, Bandeira & Bruna, JMLR 20 (2019), Theorem 8 (v1: generic activations in the
empirical risk); papers.md §4.2 [D].
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from flint import arb, arb_mat, ctx, fmpq, fmpq_mat
from sublevel.numerics.energies.convex_lifting import LiftedProblem
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer
from sublevel.numerics.paths.base import CONSTANT, NON_INCREASING
from sublevel.numerics.paths.exact_linalg import pivots, qmat
from sublevel.numerics.paths.intrinsic_exact_model import ExactUnavailable
from sublevel.theory.certificate import Certificate
from sublevel.theory.errors import InputError

__all__ = ["ball_construction_a", "PRECISION_BITS", "STEP_SHRINK"]

#: working precision of the ball arithmetic (bits)
PRECISION_BITS = 256
#: the descent step is the vertex's proven lower end times (1 − STEP_SHRINK)
STEP_SHRINK = 2.0**-30


def _check(land: Any) -> None:
    if not isinstance(land, EmpiricalTwoLayer) or land.activation.kind != "tanh":
        raise ExactUnavailable("the formal-feature path is implemented for tanh on empirical data")


def _formal_features(W: fmpq_mat, X: fmpq_mat) -> fmpq_mat:
    """Row i = the formal feature vector of unit i over (sample l, atom |z|): tanh(z) =
    sign(z)·[|z|], tanh(0) = 0."""
    Z = W * X.transpose()
    p, L = Z.nrows(), Z.ncols()
    keys: dict[Any, int] = {}
    entries: list[tuple[int, int, int]] = []
    for i in range(p):
        for l_ in range(L):
            z = Z[i, l_]
            if z == 0:
                continue
            key = (l_, z if z > 0 else -z)
            col = keys.setdefault(key, len(keys))
            entries.append((i, col, 1 if z > 0 else -1))
    out = fmpq_mat(p, max(len(keys), 1))
    for i, col, s in entries:
        out[i, col] = s
    return out


def _features_arb(W: fmpq_mat, X: fmpq_mat) -> arb_mat:
    """Ψ(W) = (tanh⟨w_i, x_l⟩) enclosed in balls (p × L)."""
    Z = W * X.transpose()
    return arb_mat([[arb(Z[i, j]).tanh() for j in range(Z.ncols())] for i in range(Z.nrows())])


def _sum_sq(M: arb_mat) -> arb:
    return sum((v * v for v in M.entries()), arb(0))


def _dot(A: arb_mat, B: arb_mat) -> arb:
    return sum((a * b for a, b in zip(A.entries(), B.entries())), arb(0))


def _bounds(x: arb) -> tuple[float, float]:
    lo, hi = float(x.lower()), float(x.upper())
    return float(np.nextafter(lo, -np.inf)), float(np.nextafter(hi, np.inf))


def _energy(Psi: arb_mat, U: fmpq_mat, Yt: arb_mat, L: int) -> arb:
    return _sum_sq(arb_mat(U) * Psi - Yt) / L


def _constant_certs(label: str, e0: arb, bound: arb, step: str) -> list[Certificate]:
    lo, hi = _bounds(e0)
    mid = float(e0.mid())
    common = {"construction": "formal features (exact identities) + arb enclosures", "step": step}
    bound_cert = Certificate(
        True,
        mid,
        0.0,
        float(bound.mid()),
        "exact",
        margin=0.0,
        label=label,
        promise=CONSTANT,
        outcome="holds",
        max_energy_enclosure=(lo, hi),
        tolerances={"tau": 0.0},
        details={
            **common,
            "reason": "E ≡ E(θ₀) = the bound: β is formally unchanged along "
            "every earlier piece and this one",
        },
    )
    promise_cert = Certificate(
        True,
        0.0,
        0.0,
        0.0,
        "exact",
        margin=0.0,
        label=f"{label} [{CONSTANT}]",
        promise=CONSTANT,
        outcome="holds",
        max_energy_enclosure=(0.0, 0.0),
        tolerances={"tau": 0.0},
        details={**common, "quantity": "E(t) − E(0)", "identically_zero": True},
    )
    return [bound_cert, promise_cert]


def ball_construction_a(
    landscape: EmpiricalTwoLayer,
    theta: Any,
    problem: LiftedProblem,
    *,
    seed: int = 0,
    max_tries: int = 20,
) -> tuple[list[Certificate], dict[str, Any]]:
    """Construction A for tanh on the exact inputs (module docstring): (certificates, details).

    Bound certificates come first, then promise certificates (as for the exact path)."""
    from sublevel.numerics.paths.intrinsic import _spanning_targets

    _check(landscape)
    old = ctx.prec
    ctx.prec = PRECISION_BITS
    try:
        return _build(landscape, theta, problem, seed, max_tries, _spanning_targets)
    finally:
        ctx.prec = old


def _build(
    land: EmpiricalTwoLayer,
    theta: Any,
    problem: LiftedProblem,
    seed: int,
    max_tries: int,
    spanning: Any,
) -> tuple[list[Certificate], dict[str, Any]]:
    start = time.perf_counter()
    W0f, U0f = land.unflatten(theta)
    W, U = qmat(W0f), qmat(U0f)
    X = qmat(land.X)
    Yt = arb_mat(qmat(land.Y.T))
    L, p = land.L, W.nrows()
    Psi = _features_arb(W, X)
    e0 = _energy(Psi, U, Yt, L)
    bounds: list[Certificate] = []
    promises: list[Certificate] = []
    details: dict[str, Any] = {"method": "formal features + arb", "energy_start": float(e0.mid())}
    # compress on the formal features (exact rref): β identically unchanged
    Fm = _formal_features(W, X)
    R, piv = pivots(Fm.transpose())
    rest = [j for j in range(p) if j not in piv]
    Up = fmpq_mat(U.nrows(), p)
    for k, i in enumerate(piv):
        for r in range(U.nrows()):
            Up[r, i] = U[r, i] + sum((R[k, j] * U[r, j] for j in rest), fmpq(0))
    if (Up - U) * Fm != fmpq_mat(U.nrows(), Fm.ncols()):  # pragma: no cover - by construction
        raise InputError("formal compression changed β")
    if Up != U:
        for c, lst in zip(
            _constant_certs("compress (basis of active features)", e0, e0, "formal rref"),
            (bounds, promises),
        ):
            lst.append(c)
    details.update(rank_start_formal=len(piv), active=piv)
    # free moves: rows of zero-output units (float spanning targets, taken exactly)
    W2 = W
    active = np.array(piv, dtype=int)
    free = np.array(rest, dtype=int)
    keep_rank = (
        int(np.linalg.matrix_rank(problem.unit_features(W0f[active]) @ problem.basis, tol=None))
        if active.size
        else 0
    )
    need = max(0, problem.q - keep_rank)
    if need and free.size:
        moved = free[:need]
        W2f = spanning(problem, W0f, active, moved, np.random.default_rng(seed), 1e-8, max_tries)
        W2 = qmat(W2f)
        if W2 != W:
            for c, lst in zip(
                _constant_certs("free moves (span R^q)", e0, e0, "rows of zero-output units"),
                (bounds, promises),
            ):
                lst.append(c)
        details["moved"] = moved.tolist()
    # descent: float direction, step below the proven vertex
    W2f = np.array([[float(W2[i, j]) for j in range(W2.ncols())] for i in range(p)])
    F2 = land.activation(W2f @ land.X.T)  # (p, L)
    Ustar = np.linalg.lstsq(F2.T, land.Y, rcond=None)[0].T
    dU = qmat(Ustar) - Up  # exactly U* − U'
    Psi2 = _features_arb(W2, X)
    R0 = arb_mat(Up) * Psi2 - Yt
    D = arb_mat(dU) * Psi2
    c1, c2 = 2 * _dot(R0, D) / L, _sum_sq(D) / L
    details["seconds_setup"] = time.perf_counter() - start
    if c2 > 0 and c1 < 0:
        vertex = -c1 / (2 * c2)
        s = float(vertex.lower()) * (1.0 - STEP_SHRINK)
        sq = fmpq(*float(np.nextafter(s, 0.0)).as_integer_ratio())
        U3 = Up + dU * sq
        sa = arb(sq)
        d1, d2 = c1 * sa, c2 * sa * sa  # E(t) = c0 + d1 t + d2 t² on the rescaled piece
        slope_end = d1 + 2 * d2  # E′(1); E′ is affine with E′(0) = d1 < 0
        label = "convex descent in U"
        if slope_end < 0 and d1 < 0:
            outcome = "holds"
        elif slope_end > 0 or d1 > 0:
            outcome = "fails"
        else:
            outcome = "inconclusive"
        lo, hi = _bounds(e0)
        e_end = _energy(Psi2, U3, Yt, L)
        common = {
            "construction": "formal features + arb: descent along a float direction",
            "step_exact": str(sq),
            "vertex_enclosure": [float(vertex.lower()), float(vertex.upper())],
            "precision_bits": PRECISION_BITS,
        }
        s_lo, s_hi = _bounds(slope_end)
        bounds.append(
            Certificate(
                outcome == "holds",
                float(e0.mid()),
                0.0,
                float(e0.mid()),
                "rigorous",
                margin=0.0 if outcome == "holds" else -max(s_hi, 0.0),
                label=label,
                promise=NON_INCREASING,
                outcome=outcome,
                max_energy_enclosure=(lo, hi),
                tolerances={"tau": 0.0},
                details={
                    **common,
                    "reason": "E′ ≤ 0 on the piece, so max E = E(0) = E(θ₀) (formal "
                    "identity of the constant pieces)",
                },
            )
        )
        promises.append(
            Certificate(
                outcome == "holds",
                s_hi,
                1.0,
                0.0,
                "rigorous",
                margin=-s_hi if outcome == "holds" else min(-s_lo, -0.0),
                label=f"{label} [{NON_INCREASING}]",
                promise=NON_INCREASING,
                outcome=outcome,
                max_energy_enclosure=(s_lo, s_hi),
                tolerances={"tau": 0.0},
                details={
                    **common,
                    "quantity": "dE/dt at the end (affine, E′(0) < 0)",
                    "strictly_decreasing": outcome == "holds",
                },
            )
        )
        details["energy_end"] = float(e_end.mid())
    else:
        details["energy_end"] = float(e0.mid())
        details["descent"] = "none: already at the minimum along the spanned features"
    f_star = problem.minimiser()[1]
    details["end_gap_to_float_optimum"] = details["energy_end"] - f_star
    details["pieces"] = [c.label for c in bounds]
    if not bounds:
        bounds, promises = _constant_certs("already at the end point", e0, e0, "no move"), []
        bounds = bounds[:1]
    return bounds + promises, details
