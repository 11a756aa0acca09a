"""The energy barrier β(M, N) of the talk's conjecture [LBB'18] and a counterexample search.

The talk (papers.md §4.6, OCR-garbled): for ρ homogeneous with ρ(⟨w, X⟩) = ⟨A_w, ψ(X)⟩,
dim ψ = f(N),

    β(M, N) = inf_{S: dim S = f⁻¹(M)} inf_{U, W} sup_{Z: ‖Z‖ ≤ r, P_S Z = 0} E‖U ρ(W P_S X + Z) − Y‖²,

"β decreases with M and β(f(N), N) = min E"; Conjecture: E(U, W) = E‖Uρ(WX) − Y‖² has no poor
local minima above β(M, N).

**The reading implemented here** (:data:`READING`). f(d) = dim* (ρ, d) = C(d + k − 1, k) for
ρ(z) = a z^k and f⁻¹(M) = max{d ≤ N : f(d) ≤ M}: the largest input dimension on which M units
have the full lifted dimension (Construction A applies there). Z is a perturbation of the input
in S^⊥ of norm ≤ r (the radius is unreadable in the OCR). We compute

    β̄(M, N) = min_{S: dim S = f⁻¹(M)} min_{U, W: rows of W in S} E‖Uρ(WX) − Y‖²,

which is an **upper bound on β(M, N) for every radius r** and for both ways of reading where W
acts (on P_S X + Z with W ∈ R^{M×N}, or on the coordinates of P_S X with W ∈ R^{M×f⁻¹(M)}):
a network whose rows lie in S does not see Z, so its sup over Z is its plain energy. Because
M ≥ f(d) on S, the inner min is the least-squares fit of Y by the degree-k forms of the
projected data (Construction A reaches it); the min over S (a Grassmannian) is searched by
optimisation with restarts, and any S found gives a valid upper bound. The bound is attained by
an explicit network θ_S, whose energy is evaluated directly. β̄(f(N), N) = min E (S = R^N) and
β̄ is non-increasing in M (a subspace of a larger one), matching the two stated properties.

A **counterexample** (a spurious valley) is a local minimum θ (gradient ≤ gtol, no negative
Hessian eigenvalue, re-descent from random perturbations returns to the same energy) with
E(θ) > β̄(M, N) + tol ≥ β(M, N) + tol and E(θ) > E(θ') + tol for some θ' found (so θ is poor),
that moreover passes :func:`sublevel.numerics.barrier_escape.classify_poor_minimum`: the escape search
along flat directions and sign flips fails, and the Hessian is positive definite modulo the
rescaling symmetries (an exact rational test at the float point). Poor minima failing either
test (e.g. the zero network with u < 0: at W = 0 the sign of u flips at constant energy and the
energy then descends) are reported separately in ``degenerate`` with their θ.

Sources: Bruna's talk (Conjecture [LBB'18], energy barrier); papers.md §4.6, §9.13.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
from sublevel.numerics.barrier_escape import ESCAPE_TOLERANCES, classify_poor_minimum
from sublevel.numerics.energies.activations import Activation, make_activation
from sublevel.numerics.energies.convex_lifting import polynomial_features
from sublevel.numerics.energies.optimisation_runs import (
    Run,
    blas_single_thread,
    optimisation_runs,
    stable_minimum,
)
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer
from sublevel.theory.errors import InputError

__all__ = [
    "READING",
    "homogeneous_degree",
    "feature_dimension",
    "barrier_dimension",
    "projected_fit",
    "BarrierBound",
    "barrier_upper_bound",
    "BarrierSearch",
    "counterexample_search",
]

READING = (
    "β̄(M,N) = min over subspaces S of dimension d = f⁻¹(M) = max{d : f(d) ≤ M} of the best energy "
    "of a network whose rows lie in S; an upper bound on the talk's β(M,N) for every noise radius "
    "(rows in S do not see noise in S^⊥) and for both placements of W; equal to β when the radius "
    "is 0 and the optimal W has its rows in S."
)


def homogeneous_degree(activation: Any) -> tuple[Activation, int]:
    """(ρ, k) for ρ(z) = a z^k, k ≥ 1; anything else is an InputError (the talk assumes ρ
    homogeneous; a non-polynomial ρ has f(N) = ∞)."""
    act = make_activation(activation)
    if not act.is_polynomial:
        raise InputError(f"activation {act.name} is not a polynomial: β(M, N) needs ρ(z) = a z^k")
    k = act.homogeneous_degree
    if k is None or k < 1:
        raise InputError(
            f"activation {act.name} is not homogeneous: β(M, N) needs ρ(z) = a z^k, k ≥ 1"
        )
    return act, k


def feature_dimension(activation: Any, N: int) -> int:
    """f(N) = dim ψ = C(N + k − 1, k) for ρ = a z^k (f(0) = 0)."""
    act, _ = homogeneous_degree(activation)
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)) or N < 0:
        raise InputError(f"N = {N!r}: need an integer ≥ 0")
    return 0 if N == 0 else polynomial_features(act, int(N)).q


def barrier_dimension(activation: Any, M: int, N: int) -> int:
    """f⁻¹(M) = max{d ≤ N : f(d) ≤ M} (0 when even one direction needs more than M units)."""
    if isinstance(M, bool) or not isinstance(M, (int, np.integer)) or M < 1:
        raise InputError(f"M = {M!r}: need an integer ≥ 1")
    return max(d for d in range(int(N) + 1) if feature_dimension(activation, d) <= M)


def _check_data(X: Any, Y: Any) -> tuple[np.ndarray, np.ndarray]:
    land = EmpiricalTwoLayer("linear", X, Y, 1)  # validates shapes and finiteness
    rank = int(np.linalg.matrix_rank(land.X))
    if rank < land.n:
        raise InputError(
            f"data X has rank {rank} < N = {land.n}: the samples lie on a subspace "
            "(papers.md §9.5); project them first"
        )
    return land.X, land.Y


def projected_fit(X: np.ndarray, Y: np.ndarray, activation: Any, V: np.ndarray) -> float:
    """min over degree-k forms g of the d = V.shape[1] coordinates s = Vᵀx of (1/L)Σ‖g(s_l) − y_l‖²
    (least squares on ψ_d(Vᵀx)); d = 0 gives (1/L)Σ‖y_l‖²."""
    act, _ = homogeneous_degree(activation)
    if V.shape[1] == 0:
        return float(np.sum(Y * Y) / Y.shape[0])
    Psi = polynomial_features(act, V.shape[1]).data_features(X @ V)
    coef = np.linalg.lstsq(Psi, Y, rcond=None)[0]
    R = Psi @ coef - Y
    return float(np.sum(R * R) / Y.shape[0])


@dataclass
class BarrierBound:
    """β̄(M, N) with the subspace and the explicit network that attain it."""

    value: float
    M: int
    N: int
    d: int
    f_N: int
    subspace: np.ndarray
    theta: np.ndarray
    network_energy: float
    restarts: int
    reading: str = READING

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the value β̄(M, N), M, N, d, f_N, the network's energy, the restarts, the
        subspace (rows) and the reading of the bound; θ itself is not included."""
        return {
            "value": self.value,
            "M": self.M,
            "N": self.N,
            "d": self.d,
            "f_N": self.f_N,
            "network_energy": self.network_energy,
            "restarts": self.restarts,
            "subspace": self.subspace.tolist(),
            "reading": self.reading,
        }


def _orth(Z: np.ndarray) -> np.ndarray:
    return np.linalg.qr(Z)[0]


def barrier_upper_bound(
    X: Any,
    Y: Any,
    activation: Any,
    M: int,
    *,
    restarts: int = 6,
    seed: int = 0,
    warm_start: np.ndarray | None = None,
) -> BarrierBound:
    """β̄(M, N) (module docstring): optimise S over the Grassmannian Gr(d, N) from ``restarts``
    random starts (and ``warm_start``, e.g. the best subspace for a smaller M), then build the
    network θ_S (rows W = W_S Vᵀ, U by least squares) and evaluate its energy."""
    from scipy.optimize import minimize

    X, Y = _check_data(X, Y)
    act, _ = homogeneous_degree(activation)
    L, N = X.shape
    d = barrier_dimension(act, M, N)
    f_N = feature_dimension(act, N)
    rng = np.random.default_rng(seed)
    if d in (0, N):
        V = np.eye(N)[:, :d]
    else:
        starts = [rng.normal(size=(N, d)) for _ in range(max(1, restarts))]
        if warm_start is not None:
            ws = np.asarray(warm_start, dtype=np.float64)
            if ws.ndim != 2 or ws.shape[0] != N or ws.shape[1] > d:
                raise InputError(f"warm_start has shape {ws.shape}; expected ({N}, ≤ {d})")
            starts.insert(0, np.hstack([ws, rng.normal(size=(N, d - ws.shape[1]))]))
        best_V: np.ndarray | None = None
        best = np.inf
        with blas_single_thread():
            for Z0 in starts:
                res = minimize(
                    lambda z: projected_fit(X, Y, act, _orth(z.reshape(N, d))),
                    Z0.ravel(),
                    method="L-BFGS-B",
                    options={"maxiter": 200},
                )
                val = projected_fit(X, Y, act, _orth(res.x.reshape(N, d)))
                if val < best:
                    best, best_V = val, _orth(res.x.reshape(N, d))
        if best_V is None:
            raise FloatingPointError("every start gave a non-finite projected fit (overflow)")
        V = best_V
    land = EmpiricalTwoLayer(act, X, Y, int(M))
    if d == 0:
        theta = np.zeros(land.dim)
    else:
        feats = polynomial_features(act, d)
        W_S = rng.normal(size=(int(M), d))
        A = feats.unit_features(W_S)  # (M, f(d)), rank f(d) for generic W_S
        Psi = feats.data_features(X @ V)
        coef = np.linalg.lstsq(Psi, Y, rcond=None)[0]  # (f(d), m)
        U = coef.T @ np.linalg.pinv(A)
        theta = land.flatten(W_S @ V.T, U)
    energy = land.energy(theta)
    return BarrierBound(energy, int(M), N, d, f_N, V, theta, energy, int(restarts))


@dataclass
class BarrierSearch:
    """Outcome of :func:`counterexample_search`."""

    bound: BarrierBound
    lifted_optimum: float
    best_energy: float
    runs: list[Run]
    counterexamples: list[dict[str, Any]]
    candidates: int
    tolerances: dict[str, float] = field(default_factory=dict)
    #: stable poor minima that are not spurious valleys: a flat escape, or non-strict
    degenerate: list[dict[str, Any]] = field(default_factory=list)

    @property
    def found(self) -> bool:
        """Whether any counterexample (a strict poor minimum above β̄ with no flat escape) was
        found."""
        return bool(self.counterexamples)

    @property
    def message(self) -> str:
        """One line for the report: the worst counterexample against β̄ and the best energy,
        or how many runs and poor stationary points found none; degenerate minima noted."""
        b = self.bound
        if self.found:
            worst = max(c["energy"] for c in self.counterexamples)
            certified = sum(bool(c.get("certified")) for c in self.counterexamples)
            return (
                f"COUNTEREXAMPLE: a spurious valley at E = {worst:.6g} > β̄(M={b.M}, N={b.N}) = "
                f"{b.value:.6g} and > the best energy found {self.best_energy:.6g} "
                f"({len(self.counterexamples) - certified} from {len(self.runs)} runs, "
                f"{certified} certified sign trap; each strict modulo rescaling (exact "
                "Hessian test) with no flat escape found)" + self._degenerate_note()
            )
        return (
            f"no counterexample in {len(self.runs)} runs at M = {b.M}, N = {b.N} "
            f"(β̄ = {b.value:.6g}, best energy {self.best_energy:.6g}, {self.candidates} poor "
            "stationary points examined)" + self._degenerate_note()
        )

    def _degenerate_note(self) -> str:
        if not self.degenerate:
            return ""
        kinds: dict[str, int] = {}
        for d in self.degenerate:
            kinds[d["classification"]] = kinds.get(d["classification"], 0) + 1
        return "; not spurious valleys: " + ", ".join(f"{n} {k}" for k, n in kinds.items())

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the bound's ``to_dict``, the lifted optimum, best energy, every run,
        counterexamples, degenerate minima, candidates, found, message and tolerances."""
        return {
            "bound": self.bound.to_dict(),
            "lifted_optimum": self.lifted_optimum,
            "best_energy": self.best_energy,
            "runs": [r.to_dict() for r in self.runs],
            "counterexamples": self.counterexamples,
            "degenerate_minima": self.degenerate,
            "candidates": self.candidates,
            "found": self.found,
            "message": self.message,
            "tolerances": self.tolerances,
        }


def counterexample_search(
    X: Any,
    Y: Any,
    activation: Any,
    M: int,
    *,
    n_runs: int = 10,
    seed: int = 0,
    bound: BarrierBound | None = None,
    gap_rtol: float = 1e-6,
    gtol: float = 1e-9,
    eig_tol: float = 1e-6,
    perturbations: int = 3,
    perturbation_scale: float = 1e-2,
    restarts: int = 6,
    maxiter: int = 5000,
) -> BarrierSearch:
    """Local minima above β̄(M, N) that are not global (module docstring).

    ``n_runs`` L-BFGS runs from random points; every converged run that is not a saddle and
    lies above both β̄ and the best energy found (by gap_rtol·max(1, |E|)) is re-descended from
    ``perturbations`` random perturbations of relative size ``perturbation_scale``; it is a
    counterexample when every re-descent ends at an energy ≥ E − tol (a stable local minimum)."""
    X, Y = _check_data(X, Y)
    act, _ = homogeneous_degree(activation)
    rng = np.random.default_rng(seed)
    bound = bound or barrier_upper_bound(X, Y, act, M, restarts=restarts, seed=seed)
    land = EmpiricalTwoLayer(act, X, Y, int(M))
    Psi = polynomial_features(act, land.n).data_features(X)
    R = Psi @ np.linalg.lstsq(Psi, Y, rcond=None)[0] - Y
    f_star = float(np.sum(R * R) / land.L)
    runs = optimisation_runs(
        land,
        f_star,
        n_runs,
        rng,
        success_rtol=gap_rtol,
        gtol=gtol,
        eig_tol=eig_tol,
        maxiter=maxiter,
    )
    best = min([r.energy for r in runs] + [bound.network_energy])
    counterexamples: list[dict[str, Any]] = []
    degenerate: list[dict[str, Any]] = []
    candidates = 0
    escape_tol = dict(ESCAPE_TOLERANCES, gap_rtol=gap_rtol)

    def file(entry: dict[str, Any], theta: np.ndarray, energy: float) -> None:
        """A spurious valley (counterexample) or a degenerate minimum: classify_poor_minimum."""
        cls = classify_poor_minimum(land, theta, energy, rng, tolerances=escape_tol)
        entry.update(
            classification=cls["classification"],
            escape=cls["escape"],
            strictness=cls["strictness"],
            theta=np.asarray(theta).tolist(),
        )
        (counterexamples if cls["classification"] == "spurious valley" else degenerate).append(
            entry
        )

    for r in runs:
        tol = gap_rtol * max(1.0, abs(r.energy))
        if not r.converged or r.kind == "saddle" or r.kind == "success":
            continue
        if r.energy <= bound.value + tol or r.energy <= best + tol:
            continue
        candidates += 1
        theta = cast(np.ndarray, r.theta)  # optimisation_runs keeps every run's point
        stable, redescents = stable_minimum(
            land,
            theta,
            r.energy,
            rng,
            tol=tol,
            perturbations=perturbations,
            scale=perturbation_scale,
            gtol=gtol,
            maxiter=maxiter,
        )
        if stable:
            file(
                {
                    "energy": r.energy,
                    "kind": r.kind,
                    "grad_norm": r.grad_norm,
                    "min_eig": r.min_eig,
                    "redescent_energies": redescents,
                    "excess_over_bound": r.energy - bound.value,
                    "excess_over_best": r.energy - best,
                    "certified": False,
                },
                theta,
                r.energy,
            )
    trap = _certified_sign_trap(X, Y, act, int(M))
    if trap is not None:
        best = min(best, trap.global_energy)
        tol = gap_rtol * max(1.0, abs(trap.energy))
        if trap.energy > bound.value + tol and trap.energy > best + tol:
            file(
                {
                    "energy": trap.energy,
                    "kind": "certified sign trap",
                    "certified": True,
                    "grad_norm": trap.grad_norm,
                    "excess_over_bound": trap.energy - bound.value,
                    "excess_over_best": trap.energy - best,
                    "sign_trap": trap.to_dict(),
                },
                trap.theta,
                trap.energy,
            )
    tolerances = {
        "gap_rtol": gap_rtol,
        "gtol": gtol,
        "eig_tol": eig_tol,
        "perturbation_scale": perturbation_scale,
        "perturbations": perturbations,
    }
    tolerances.update({f"escape_{k}": v for k, v in escape_tol.items()})
    return BarrierSearch(
        bound, f_star, best, runs, counterexamples, candidates, tolerances, degenerate
    )


def _certified_sign_trap(X: np.ndarray, Y: np.ndarray, act: Activation, M: int) -> Any:
    """For ρ = a z² with one output and M ≥ N: the certified sign trap (a local minimum with all
    output weights of one sign, :func:`sublevel.numerics.energies.sign_trap.sign_trap`), else None.
    A negative a flips the roles of the signs; it is absorbed by negating y."""
    from sublevel.numerics.energies.sign_trap import sign_trap

    if act.homogeneous_degree != 2 or Y.shape[1] != 1 or M < X.shape[1]:
        return None
    a = cast("tuple[float, ...]", act.coefficients)[2]  # ρ = a z²
    trap = sign_trap(X * np.sqrt(abs(a)), Y[:, 0] * np.sign(a), M)
    if trap is None or not trap.certified:
        return None
    # a Σ u_i (w_i·x)² = sign(a) Σ u_i (w_i·√|a| x)²: the same θ, the same energy
    return trap
