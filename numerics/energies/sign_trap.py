"""A certified poor local minimum of the two-layer quadratic network with trained output weights.

Φ(x) = Σ_i u_i (w_i·x)²: with every u_i of one sign the lift A = Wᵀdiag(u)W stays in a cone
(sign·A ⪰ 0), so the network at the cone's optimum (an SDP, cvxpy) is a local minimum, poor
when the unconstrained lifted optimum has an eigenvalue of the other sign — at every width
p ≥ n. It is not a spurious valley: a spare unit escapes at constant energy. Bruna's talk (T9)
against Soltanolkotabi, Javanmard & Lee (2017), who fix u; papers.md §4.3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sublevel.numerics.energies.optimisation_runs import blas_single_thread
from sublevel.numerics.energies.quadratic_deep import quadratic_lifted_optimum
from sublevel.theory.errors import InputError

__all__ = ["SignTrap", "sign_trap"]


@dataclass
class SignTrap:
    """A certified poor local minimum of the two-layer quadratic network with *trained* output
    weights (:func:`sign_trap`) — non-strict (the symmetry (w, u) → (cw, u/c²) makes every
    minimum non-strict), and ``escape`` records why it is not a spurious valley."""

    theta: np.ndarray
    energy: float
    cone_optimum: float
    cone_status: str
    global_theta: np.ndarray
    global_energy: float
    sign: int
    grad_norm: float
    certified: bool
    tolerances: dict[str, float] = field(default_factory=dict)
    escape: dict[str, Any] | None = None

    @property
    def gap(self) -> float:
        """E(θ) − E(θ_global), θ_global the spectral factorisation of the least-squares A (it
        attains F*): the height of the trap above the global minimum (> 0 when poor)."""
        return self.energy - self.global_energy

    def to_dict(self) -> dict[str, Any]:
        """The JSON record: the energies, the cone optimum and its status, the gap, the sign, the
        gradient norm, ``certified``, the tolerances and the escape (the points are left out)."""
        return {
            "energy": self.energy,
            "cone_optimum": self.cone_optimum,
            "cone_status": self.cone_status,
            "global_energy": self.global_energy,
            "gap": self.gap,
            "sign": self.sign,
            "grad_norm": self.grad_norm,
            "certified": self.certified,
            "tolerances": dict(self.tolerances),
            "escape": self.escape,
        }


def _escape(land: Any, theta: np.ndarray, sign: int) -> dict[str, Any] | None:
    """The way out of a sign trap at constant energy, then down: a unit with w = 0 flips its
    output weight −sign·1 → +… (constant energy, exactly: its feature is 0), then its row grows
    along the eigenvector v of G = ∇_A F with the most negative −sign·vᵀGv (first-order
    descent). None when no unit has w = 0."""
    W, U = land.unflatten(theta)
    norms = np.linalg.norm(W, axis=1)
    dead = np.flatnonzero(norms <= 1e-12 * max(1.0, float(norms.max())))
    if dead.size == 0:
        return None
    j = int(dead[0])
    W = W.copy()
    W[j] = 0.0
    flipped_U = U.copy()
    flipped_U[0, j] = -sign
    flipped = land.flatten(W, flipped_U)
    r = (land.outputs(theta)[0] - land.Y)[:, 0]
    G = 2.0 / land.L * np.einsum("l,li,lj->ij", r, land.X, land.X)
    lam, V = np.linalg.eigh(-sign * G)
    v = V[:, 0]
    W2 = W.copy()
    W2[j] = 1e-3 * np.sqrt(max(1.0, float(np.max(np.abs(G))))) * v
    return {
        "unit": j,
        "flip_energy_change": land.energy(flipped) - land.energy(theta),
        "first_order_slope": float(lam[0]),
        "descends_to": land.energy(land.flatten(W2, flipped_U)) - land.energy(land.flatten(W, U)),
    }


def sign_trap(
    X: Any, y: Any, p: int, *, sign: int | None = None, tol: float = 1e-6
) -> SignTrap | None:
    """A poor local minimum of Φ(x) = Σ_i u_i (w_i·x)² with u trained, at any width p ≥ n.

    Take every u_i < 0 (``sign = −1``) when the lifted optimum A_LS (over Sym(n)) has a positive
    eigenvalue, or every u_i > 0 (``+1``) when it has a negative one; ``sign=None`` tries both and
    returns the higher certified trap (None if there is none). Near such a point the u_i keep
    their sign, so A = Wᵀdiag(u)W stays in the cone sign·A ⪰ 0 and E ≥ c* = min over the cone (an
    SDP, cvxpy). The network at the cone optimum (u_i = sign, w_i = √λ_i v_i, extra units w = 0,
    polished by L-BFGS) is therefore a local minimum, and it is poor: the spectral factorisation
    of A_LS (n units) attains F* < c*. ``certified``: every u strictly signed, E(θ) = c* to
    tol·max(1, c*), E(θ) − F* > tol·max(1, E) — up to the SDP solver's accuracy this refutes
    'no poor local minima' (non-strict ones, the talk's definition) for trained output weights
    at every width. It is not a spurious valley: a spare unit (w = 0) flips its output weight at
    constant energy and then descends (``escape``). Bruna's talk (T9) vs Soltanolkotabi,
    Javanmard & Lee (2017), who fix u."""
    from sublevel.numerics.critical import minimise
    from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer

    land = EmpiricalTwoLayer("quadratic", X, y, p)
    if land.m != 1:
        raise InputError(f"y has {land.m} columns; the quadratic network has a scalar output")
    n = land.n
    if p < n:
        raise InputError(
            f"sign_trap needs p ≥ n: p = {p} < n = {n} (the cone optimum needs n units)"
        )
    if sign not in (None, -1, 1):
        raise InputError(f"sign = {sign!r} must be −1, +1 or None")
    A_ls, f_star = quadratic_lifted_optimum(land.X, land.Y)
    lam, V = np.linalg.eigh(A_ls)
    scale = max(1.0, float(np.max(np.abs(lam))))
    feasible = [s for s, ok in ((-1, lam.max() > tol * scale), (1, lam.min() < -tol * scale)) if ok]
    signs = feasible if sign is None else [s for s in feasible if s == sign]

    def network(eigs: np.ndarray, vecs: np.ndarray, signs_n: np.ndarray, rest: float) -> np.ndarray:
        W = np.zeros((p, n))
        W[:n] = np.sqrt(np.abs(eigs))[:, None] * vecs.T
        u = np.full((1, p), rest)
        u[0, :n] = signs_n
        return land.flatten(W, u)

    global_theta = network(lam, V, np.where(lam >= 0, 1.0, -1.0), 1.0)
    e_global = land.energy(global_theta)
    best: SignTrap | None = None
    for s in signs:
        B, c_star = quadratic_lifted_optimum(land.X, s * land.Y, sign="nonnegative")
        mu, Vb = np.linalg.eigh(B)
        theta = network(np.clip(mu, 0.0, None), Vb, np.full(n, float(s)), float(s))
        with blas_single_thread():
            res = minimise(land, theta, gtol=1e-10, maxiter=5000)
        _, U = land.unflatten(res.theta)
        certified = (
            bool(np.all(s * U > 0))
            and abs(res.energy - c_star) <= tol * max(1.0, abs(c_star))
            and res.energy - e_global > tol * max(1.0, abs(res.energy))
        )
        trap = SignTrap(
            res.theta,
            res.energy,
            c_star,
            "CLARABEL optimal",
            global_theta,
            e_global,
            s,
            res.grad_norm,
            certified,
            {"tol": tol, "gtol": 1e-10, "lifted_optimum": f_star},
            _escape(land, res.theta, s),
        )
        if certified and (best is None or trap.energy > best.energy):
            best = trap
    return best
