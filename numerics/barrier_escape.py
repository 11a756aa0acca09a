"""Is a poor local minimum of E(W, u) = (1/L)Σ_l ‖U ρ(W x_l) − y_l‖², ρ = a z^k, a spurious valley?

A point found by optimisation above the barrier is a counterexample to "no spurious valleys
above β" only if no path from it descends without first rising. Two things make poor-looking
minima of homogeneous networks harmless (issue 12 §3):

* **flat escapes** — a unit with w_i = 0 contributes nothing whatever u_i is, so u_i can move
  (e.g. change sign) at *exactly* constant energy (ρ(0) = 0), and a unit with u_i = 0 lets w_i
  move freely; from the new point the energy may descend. :func:`flat_escape` sets the dead
  rows to 0 (recording the energy change, at most the dead units' contribution), flips or
  re-draws the free weights and re-descends (L-BFGS, monotone); an end below E(θ) − gap is an
  escape: the point is a *degenerate minimum with a flat escape*, not a spurious valley.
* **non-strictness** — every minimum is non-strict along the rescaling orbits
  (w_i, u_i) ↦ (c w_i, c^{−k} u_i) (and along the flat directions above). :func:`strict_modulo_symmetries`
  decides *exactly* (rational arithmetic on the float point) whether the Hessian, restricted to
  the orthogonal complement of the rescaling tangents (w_i, −k u_i) of the live units, minus
  ``eig_tol``·I is positive definite. Dead units make the point non-strict.

A counterexample must pass both: the escape search fails and the minimum is strict modulo the
symmetries. The point itself is critical only to the optimiser's gtol (recorded); this is a
certified second-order statement at that point, not a proof that a true critical point is near.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, cast

import numpy as np
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer

__all__ = [
    "ESCAPE_TOLERANCES",
    "dead_units",
    "flat_escape",
    "exact_hessian",
    "strict_modulo_symmetries",
    "classify_poor_minimum",
]

#: named tolerances of the classification (recorded with every result)
ESCAPE_TOLERANCES = {
    "dead_rtol": 1e-8,  # ‖w_i‖ (or |u_i|) ≤ dead_rtol·max(1, ‖θ‖_∞): the unit is dead
    "gap_rtol": 1e-6,  # an escape ends below E(θ) − gap_rtol·max(1, E(θ))
    "eig_tol": 1e-8,  # strict: projected Hessian − eig_tol·I positive definite (exact test)
}


def dead_units(
    land: EmpiricalTwoLayer, theta: np.ndarray, dead_rtol: float
) -> dict[str, list[int]]:
    """Units whose input row (``dead_w``) or output weights (``dead_u``) are negligible."""
    W, U = land.unflatten(np.asarray(theta, dtype=np.float64))
    scale = dead_rtol * max(1.0, float(np.max(np.abs(theta))))
    return {
        "dead_w": [i for i in range(land.p) if float(np.max(np.abs(W[i]))) <= scale],
        "dead_u": [i for i in range(land.p) if float(np.max(np.abs(U[:, i]))) <= scale],
    }


def flat_escape(
    land: EmpiricalTwoLayer,
    theta: np.ndarray,
    energy: float,
    rng: np.random.Generator,
    *,
    tries: int = 4,
    gap_rtol: float = ESCAPE_TOLERANCES["gap_rtol"],
    dead_rtol: float = ESCAPE_TOLERANCES["dead_rtol"],
    gtol: float = 1e-9,
    maxiter: int = 2000,
) -> dict[str, Any]:
    """Search for a non-increasing escape along the flat directions (module docstring).

    Step 1 (flat): dead rows W_i := 0 and dead output weights U_i := 0 (energy change recorded
    as ``flat_change``); then, at exactly constant energy, flip the sign of U_i or re-draw it
    (dead w) / re-draw w_i (dead u). Step 2: a tiny re-entry step, kept only if it does not
    raise the energy above E(θ), and L-BFGS (each step decreases E). ``found`` when the end
    energy is below E(θ) − gap: the path is non-increasing up to ``flat_change``."""
    from sublevel.numerics.critical import minimise
    from sublevel.numerics.energies.optimisation_runs import blas_single_thread

    dead = dead_units(land, theta, dead_rtol)
    out: dict[str, Any] = {
        "found": False,
        "dead_w": dead["dead_w"],
        "dead_u": dead["dead_u"],
        "tries": 0,
        "end_energies": [],
    }
    if not dead["dead_w"] and not dead["dead_u"]:
        return out
    W, U = land.unflatten(np.asarray(theta, dtype=np.float64).copy())
    W[dead["dead_w"]] = 0.0
    U[:, dead["dead_u"]] = 0.0
    base = land.flatten(W, U)
    flat_change = float(land.energy(base)) - energy
    out["flat_change"] = flat_change
    gap = gap_rtol * max(1.0, abs(energy))
    scale = max(1.0, float(np.max(np.abs(theta))))
    for t in range(tries):
        W2, U2 = land.unflatten(base.copy())
        for i in dead["dead_w"]:  # w_i = 0: u_i is free (exactly constant energy)
            U2[:, i] = (
                -U[:, i] if t == 0 and np.any(U[:, i]) else rng.normal(size=U.shape[0]) * scale
            )
            W2[i] = 1e-3 * rng.normal(size=W.shape[1])  # re-entry step off the flat set
        for i in dead["dead_u"]:  # u_i = 0: w_i is free
            W2[i] = rng.normal(size=W.shape[1]) * scale
            U2[:, i] = 1e-3 * rng.normal(size=U.shape[0])
        start = land.flatten(W2, U2)
        out["tries"] = t + 1
        if land.energy(start) > energy:  # the re-entry step must not rise: try another
            out["end_energies"].append(None)
            continue
        with blas_single_thread():
            res = minimise(land, start, gtol=gtol, maxiter=maxiter)
        out["end_energies"].append(float(res.energy))
        if res.energy < energy - gap:
            out.update(
                found=True,
                escape_energy=float(res.energy),
                escape_path="dead weights set to 0 (energy change "
                f"{flat_change:.3g}), free weights moved at constant energy, "
                "then a 1e-3 re-entry step and L-BFGS descent",
            )
            break
    return out


def _frac(v: float) -> Fraction:
    return Fraction(float(v))


def exact_hessian(land: EmpiricalTwoLayer, theta: np.ndarray) -> list[list[Fraction]]:
    """∇²E at θ in exact rational arithmetic (θ, X, Y, a as the dyadic rationals they store),
    for ρ = a z^k and one output: E = (1/L)Σ_l r_l², r_l = Σ_i u_i a z_il^k − y_l, z_il = w_i·x_l;
    ∇²E = (2/L)Σ_l (∇Φ_l ∇Φ_lᵀ + r_l ∇²Φ_l). Coordinates in ``land.flatten`` order."""
    k = land.activation.homogeneous_degree
    if k is None or land.m != 1:
        raise ValueError("exact_hessian needs ρ = a z^k and one output")
    a = _frac(cast("tuple[float, ...]", land.activation.coefficients)[k])  # ρ = a z^k
    W, U = land.unflatten(np.asarray(theta, dtype=np.float64))
    p, n = W.shape
    Wq = [[_frac(v) for v in row] for row in W]
    uq = [_frac(v) for v in U[0]]
    D = land.dim
    # index maps: flatten order of (W, U)
    probe = np.arange(D, dtype=np.float64)
    Wi, Ui = land.unflatten(probe)
    w_idx = [[int(Wi[i, j]) for j in range(n)] for i in range(p)]
    u_idx = [int(Ui[0, i]) for i in range(p)]
    H = [[Fraction(0)] * D for _ in range(D)]
    for x_row, y in zip(land.X, land.Y[:, 0]):
        x = [_frac(v) for v in x_row]
        z = [sum((wij * xj for wij, xj in zip(Wq[i], x)), Fraction(0)) for i in range(p)]
        r = sum((uq[i] * a * z[i] ** k for i in range(p)), Fraction(0)) - _frac(y)
        grad = [Fraction(0)] * D
        for i in range(p):
            grad[u_idx[i]] = a * z[i] ** k
            for j in range(n):
                grad[w_idx[i][j]] = uq[i] * a * k * z[i] ** (k - 1) * x[j]
        nz = [c for c in range(D) if grad[c] != 0]
        for c1 in nz:
            for c2 in nz:
                H[c1][c2] += grad[c1] * grad[c2]
        for i in range(p):
            for j in range(n):
                cross = r * a * k * z[i] ** (k - 1) * x[j]
                H[u_idx[i]][w_idx[i][j]] += cross
                H[w_idx[i][j]][u_idx[i]] += cross
                if k >= 2:
                    c = r * uq[i] * a * k * (k - 1) * z[i] ** (k - 2) * x[j]
                    for j2 in range(n):
                        H[w_idx[i][j]][w_idx[i][j2]] += c * x[j2]
    scale = Fraction(2, land.L)
    return [[scale * h for h in row] for row in H]


def _positive_definite(A: list[list[Fraction]]) -> bool:
    """Exact test: symmetric A ≻ 0 iff every pivot of Gaussian elimination is > 0."""
    A = [row[:] for row in A]
    n = len(A)
    for c in range(n):
        if A[c][c] <= 0:
            return False
        for r in range(c + 1, n):
            f = A[r][c] / A[c][c]
            if f:
                for j in range(c, n):
                    A[r][j] -= f * A[c][j]
    return True


def _complement_basis(V: list[list[Fraction]], D: int) -> list[list[Fraction]]:
    """An exact basis of {d ∈ Q^D : ⟨v, d⟩ = 0 for every row v of V} (rational nullspace)."""
    import sympy as sp

    if not V:
        return [[Fraction(int(i == j)) for j in range(D)] for i in range(D)]
    M = sp.Matrix([[sp.Rational(v.numerator, v.denominator) for v in row] for row in V])
    return [
        [Fraction(int(sp.fraction(e)[0]), int(sp.fraction(e)[1])) for e in vec]
        for vec in M.nullspace()
    ]


def strict_modulo_symmetries(
    land: EmpiricalTwoLayer,
    theta: np.ndarray,
    *,
    eig_tol: float = ESCAPE_TOLERANCES["eig_tol"],
    dead_rtol: float = ESCAPE_TOLERANCES["dead_rtol"],
) -> dict[str, Any]:
    """Exact: is Pᵀ(∇²E − eig_tol·I)P ≻ 0, P a basis of the complement of the rescaling tangents
    (w_i, −k u_i) of the live units? False at once if a unit is dead (a flat direction that is
    not a symmetry). Also the float minimum eigenvalue of the projected Hessian, for the report."""
    dead = dead_units(land, theta, dead_rtol)
    if dead["dead_w"] or dead["dead_u"]:
        return {
            "strict": False,
            "reason": f"dead units {dead} (flat directions)",
            "method": "exact",
        }
    k = land.activation.homogeneous_degree
    if k is None:
        raise ValueError("the exact escape test needs ρ = a z^k")
    D = land.dim
    probe = np.arange(D, dtype=np.float64)
    Wi, Ui = land.unflatten(probe)
    W, U = land.unflatten(np.asarray(theta, dtype=np.float64))
    V = []
    for i in range(land.p):
        v = [Fraction(0)] * D
        for j in range(land.n):
            v[int(Wi[i, j])] = _frac(W[i, j])
        v[int(Ui[0, i])] = -k * _frac(U[0, i])
        V.append(v)
    P = _complement_basis(V, D)
    H = exact_hessian(land, theta)
    tol = _frac(eig_tol)
    K = [
        [
            sum(
                (
                    P[a][r] * (H[r][c] - (tol if r == c else 0)) * P[b][c]
                    for r in range(D)
                    for c in range(D)
                    if P[a][r] and P[b][c]
                ),
                Fraction(0),
            )
            for b in range(len(P))
        ]
        for a in range(len(P))
    ]
    strict = _positive_definite(K) if K else True
    Pf = np.array([[float(v) for v in row] for row in P]).T if P else np.zeros((D, 0))
    Hf = np.array([[float(v) for v in row] for row in H])
    if Pf.size:
        Q = np.linalg.qr(Pf)[0]
        min_eig = float(np.linalg.eigvalsh(Q.T @ Hf @ Q).min())
    else:
        min_eig = float("nan")
    return {
        "strict": bool(strict),
        "method": "exact",
        "eig_tol": eig_tol,
        "projected_min_eig_float": min_eig,
        "symmetry_dimension": len(V),
    }


def classify_poor_minimum(
    land: EmpiricalTwoLayer,
    theta: np.ndarray,
    energy: float,
    rng: np.random.Generator,
    *,
    tries: int = 4,
    tolerances: dict[str, float] | None = None,
) -> dict[str, Any]:
    """``spurious valley`` (escape search fails and strict modulo symmetries: a counterexample),
    ``degenerate minimum with a flat escape`` or ``non-strict minimum, no escape found``."""
    tol = dict(ESCAPE_TOLERANCES, **(tolerances or {}))
    escape = flat_escape(
        land, theta, energy, rng, tries=tries, gap_rtol=tol["gap_rtol"], dead_rtol=tol["dead_rtol"]
    )
    strict = (
        strict_modulo_symmetries(land, theta, eig_tol=tol["eig_tol"], dead_rtol=tol["dead_rtol"])
        if land.activation.homogeneous_degree is not None and land.m == 1
        else {"strict": False, "reason": "exact Hessian needs ρ = a z^k and one output"}
    )
    if escape["found"]:
        kind = "degenerate minimum with a flat escape"
    elif strict["strict"]:
        kind = "spurious valley"
    else:
        kind = "non-strict minimum, no escape found"
    return {"classification": kind, "escape": escape, "strictness": strict, "tolerances": tol}
