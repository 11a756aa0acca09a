"""Quadratic networks: K layers of z², their lifted problems, and the optimisation experiments.

* :class:`DeepQuadratic` — z_0 = x, z_k = (W_k z_{k−1})² (elementwise), ŷ = U z_K, with
  E = (1/L) Σ_l ‖ŷ(x_l) − y_l‖²; W_k ∈ R^{M_k×M_{k−1}}, U ∈ R^{m×M_K}. Every output is a
  homogeneous form of degree 2^K in the n inputs (the lifting of ``lift.quadratic``), so the
  lifted problem is least squares over the C(n + 2^K − 1, 2^K) monomials of degree 2^K.
* :func:`quadratic_lifted_optimum` — the two-layer scalar-output case Φ(x) = xᵀAx,
  A = Wᵀdiag(u)W ∈ Sym(n): least squares on the n(n+1)/2 symmetric coordinates of vec(xxᵀ)
  (free output signs), or the SDP min over A ⪰ 0 with cvxpy (output weights u ≥ 0).
* :func:`optimisation_runs` / :func:`width_experiment` — random initialisations, L-BFGS to a
  stationary point (:func:`sublevel.numerics.critical.minimise`), success = reaching the lifted optimum,
  the others classified by their Hessian (:func:`sublevel.numerics.critical.classify`): saddle, poor
  minimum (PSD Hessian above the optimum), or not converged (papers.md C10).

Sources: Bruna's talk (quadratic networks: M ≥ 2N for two layers, M_k ≥ 3N^{2^k} for K
layers); Venturi, Bandeira & Bruna, JMLR 2019; papers.md §4.3, C10.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path as FsPath
from typing import Any, NamedTuple

import numpy as np
from sublevel.numerics.landscape import Landscape, as_theta
from sublevel.theory.errors import InputError
from sublevel.theory.liftings.feature_map import feature_map
from sublevel.theory.liftings.quadratic import deep_quadratic_span_dimension, lifted_dimension

__all__ = [
    "DeepQuadraticParams",
    "DeepQuadratic",
    "form_features",
    "quadratic_lifted_optimum",
    "lifted_dimensions",
    "Run",
    "optimisation_runs",
    "WidthRow",
    "width_experiment",
    "plot_success_fraction",
    "SUCCESS_KINDS",
    "blas_single_thread",
    "stable_minimum",
    "SIGNS",
    "quadratic_network",
    "SignTrap",
    "sign_trap",
]

SUCCESS_KINDS = ("success", "saddle", "poor minimum", "degenerate above optimum", "not converged")


class DeepQuadraticParams(NamedTuple):
    weights: list[np.ndarray]  # W_1 .. W_K
    U: np.ndarray


def _data(X: Any, Y: Any) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim == 1:
        Y = Y[:, None]
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise InputError(f"data X has shape {X.shape}; expected (L, n) with L, n ≥ 1")
    if Y.ndim != 2 or Y.shape[0] != X.shape[0]:
        raise InputError(f"data Y has shape {Y.shape}; expected ({X.shape[0]}, m)")
    for name, arr in (("X", X), ("Y", Y)):
        if not np.all(np.isfinite(arr)):
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
            raise InputError(f"data {name}{list(bad)} = {arr[bad]} is not finite")
    return X, Y


def form_features(X: np.ndarray, degree: int) -> np.ndarray:
    """x^α for the monomials of total degree ``degree`` (the feature map of z^degree): (L, C(n+d−1, d))."""
    fm = feature_map(f"z**{int(degree)}", X.shape[1])
    E = np.array(fm.monomials, dtype=np.int64)
    return np.prod(X[:, None, :] ** E, axis=-1)


class DeepQuadratic(Landscape):
    """E(W_1, …, W_K, U) = (1/L) Σ_l ‖U z_K(x_l) − y_l‖², z_k = (W_k z_{k−1})², z_0 = x."""

    def __init__(self, X: Any, Y: Any, hidden: Sequence[int]):
        self.X, self.Y = _data(X, Y)
        hidden = list(hidden)
        if not hidden or any(
            isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1 for h in hidden
        ):
            raise InputError(f"hidden widths {hidden!r}: need a non-empty list of integers ≥ 1")
        self.L, self.n = self.X.shape
        self.m = self.Y.shape[1]
        self.hidden = [int(h) for h in hidden]
        self.K = len(self.hidden)
        widths = [self.n] + self.hidden
        self.shapes = [(widths[k + 1], widths[k]) for k in range(self.K)] + [(self.m, widths[-1])]
        self.sizes = [a * b for a, b in self.shapes]
        self.dim = int(sum(self.sizes))

    def unflatten(self, theta: Any) -> DeepQuadraticParams:
        t = as_theta(theta, self.dim)
        mats, start = [], 0
        for shape, size in zip(self.shapes, self.sizes):
            mats.append(t[start : start + size].reshape(shape))
            start += size
        return DeepQuadraticParams(mats[:-1], mats[-1])

    def flatten(self, weights: Sequence[Any], U: Any) -> np.ndarray:
        mats = [np.asarray(w, dtype=np.float64) for w in weights] + [
            np.asarray(U, dtype=np.float64)
        ]
        if len(mats) != len(self.shapes) or any(a.shape != s for a, s in zip(mats, self.shapes)):
            raise InputError(f"shapes {[a.shape for a in mats]} do not match {self.shapes}")
        return as_theta(np.concatenate([a.ravel() for a in mats]), self.dim)

    def random_point(self, rng: np.random.Generator) -> np.ndarray:
        """W_k ~ N(0, 1/M_{k−1}), U ~ N(0, 1/M_K): pre-activations of order 1 at every layer."""
        mats = [rng.normal(size=s) / math.sqrt(s[1]) for s in self.shapes]
        return np.concatenate([a.ravel() for a in mats])

    def _split(self, thetas: np.ndarray) -> list[np.ndarray]:
        out, start = [], 0
        for shape, size in zip(self.shapes, self.sizes):
            out.append(thetas[:, start : start + size].reshape((thetas.shape[0],) + shape))
            start += size
        return out

    def outputs(self, thetas: Any) -> np.ndarray:
        """ŷ(x_l) for a batch (T, D) → (T, L, m)."""
        thetas = np.atleast_2d(np.asarray(thetas, dtype=np.float64))
        mats = self._split(thetas)
        z = np.broadcast_to(self.X, (thetas.shape[0],) + self.X.shape)
        for W in mats[:-1]:
            z = np.einsum("tlj,tij->tli", z, W) ** 2
        return np.einsum("tlj,tmj->tlm", z, mats[-1])

    def _energies(self, thetas: np.ndarray) -> np.ndarray:
        R = self.outputs(thetas) - self.Y[None]
        return np.einsum("tlm,tlm->t", R, R) / self.L

    def _energy_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        weights, U = self.unflatten(theta)
        zs, pre = [self.X], []
        for W in weights:
            a = zs[-1] @ W.T
            pre.append(a)
            zs.append(a * a)
        R = zs[-1] @ U.T - self.Y
        e = float(np.sum(R * R) / self.L)
        g_out = 2.0 / self.L * R
        grads = [g_out.T @ zs[-1]]
        g_z = g_out @ U
        for k in range(self.K - 1, -1, -1):
            g_a = 2.0 * g_z * pre[k]
            grads.append(g_a.T @ zs[k])
            g_z = g_a @ weights[k]
        grads = grads[::-1]  # W_1 .. W_K, U
        return e, np.concatenate([g.ravel() for g in grads])

    def lifted_optimum(self) -> float:
        """min over all forms of degree 2^K of (1/L) Σ (f(x_l) − y_l)²: a lower bound on E, attained
        when the widths can represent every form (least squares on the monomials)."""
        Psi = form_features(self.X, 2**self.K)
        beta = np.linalg.lstsq(Psi, self.Y, rcond=None)[0]
        R = Psi @ beta - self.Y
        return float(np.sum(R * R) / self.L)


def lifted_dimensions(n: int, K: int, *, seed: int = 0) -> list[dict[str, int]]:
    """Per layer k = 1..K: the closed form C(n + 2^k − 1, 2^k) (``sublevel.theory.liftings.quadratic``) and
    the exact rank over QQ of the span of the unit outputs of random integer networks."""
    return [
        {
            "layer": k,
            "degree": 2**k,
            "closed_form": lifted_dimension(n, k),
            "exact_rank": deep_quadratic_span_dimension(n, k, seed=seed + k),
            "talk_width_bound": 3 * n ** (2**k),
        }
        for k in range(1, K + 1)
    ]


def quadratic_lifted_optimum(X: Any, y: Any, *, sign: str = "free") -> tuple[np.ndarray, float]:
    """(A*, F*) of min_A (1/L) Σ_l (x_lᵀ A x_l − y_l)² over A ∈ Sym(n) (``sign="free"``: least
    squares on the symmetric coordinates of vec(xxᵀ)) or over A ⪰ 0 (``"nonnegative"``: the lift
    of networks with output weights u ≥ 0, an SDP solved with cvxpy).

    Rank-deficient data (the L lifted samples x_l x_lᵀ span fewer than n(n+1)/2 dimensions, so
    the optimum is not unique) is an InputError naming the rank."""
    X, Y = _data(X, y)
    if Y.shape[1] != 1:
        raise InputError(f"y has {Y.shape[1]} columns; the quadratic claim has a scalar output")
    L, n = X.shape
    fm = feature_map("z**2", n)
    E = np.array(fm.monomials, dtype=np.int64)
    Psi = np.prod(X[:, None, :] ** E, axis=-1)
    rank = int(np.linalg.matrix_rank(Psi))
    if rank < E.shape[0]:
        raise InputError(
            f"data X is rank-deficient for the quadratic lift: rank {rank} < n(n+1)/2 = "
            f"{E.shape[0]} (L = {L} samples); the lifted optimum is not unique"
        )

    def to_matrix(c: np.ndarray) -> np.ndarray:
        A = np.zeros((n, n))
        for coef, alpha in zip(c, E):
            idx = np.flatnonzero(alpha)
            if idx.size == 1:
                A[idx[0], idx[0]] = coef
            else:
                A[idx[0], idx[1]] = A[idx[1], idx[0]] = coef / 2
        return A

    if sign == "free":
        c = np.linalg.lstsq(Psi, Y[:, 0], rcond=None)[0]
        A = to_matrix(c)
    elif sign == "nonnegative":
        import cvxpy as cp

        Av = cp.Variable((n, n), PSD=True)
        fit = cp.hstack([x @ Av @ x for x in X])
        prob = cp.Problem(cp.Minimize(cp.sum_squares(fit - Y[:, 0]) / L))
        prob.solve(solver=cp.CLARABEL)
        if prob.status != cp.OPTIMAL:
            raise InputError(f"the SDP over A ⪰ 0 ended with status {prob.status!r}")
        A = np.asarray(Av.value)
        A = 0.5 * (A + A.T)
    else:
        raise InputError(f"sign {sign!r} is not one of free, nonnegative")
    r = np.einsum("li,ij,lj->l", X, A, X) - Y[:, 0]
    return A, float(np.mean(r * r))


# ---------------------------------------------------------------------------- experiments


@contextmanager
def blas_single_thread() -> Iterator[None]:
    """Limit OpenBLAS to one thread inside the block (threadpoolctl, when installed).

    Pitfall: on small problems (D ≲ 10³) a multi-threaded OpenBLAS makes scipy's L-BFGS-B about
    100× slower (measured: 0.65 s vs 0.003 s for 35 iterations in 12 dimensions on 2 cores).
    scipy's BLAS is loaded first, so that the limit applies to it too."""
    import scipy.linalg
    import scipy.optimize  # noqa: F401

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        yield
        return
    with threadpool_limits(1):
        yield


@dataclass
class Run:
    """One optimisation run from a random initialisation."""

    energy: float
    gap: float
    grad_norm: float
    converged: bool
    kind: str
    min_eig: float | None = None
    n_negative: int | None = None
    iterations: int = 0
    theta: np.ndarray | None = field(default=None, repr=False)
    stable: bool | None = None  # poor/degenerate runs: re-descent from perturbations stays

    def to_dict(self) -> dict[str, Any]:
        """Everything but the final point."""
        d = asdict(self)
        d.pop("theta")
        return d


def optimisation_runs(
    landscape: Any,
    optimum: float,
    n_runs: int,
    rng: np.random.Generator,
    *,
    init: Any = None,
    success_rtol: float = 1e-6,
    gtol: float = 1e-9,
    maxiter: int = 5000,
    eig_tol: float = 1e-6,
    classify_failures: bool = True,
    stability_perturbations: int = 0,
) -> list[Run]:
    """``n_runs`` L-BFGS runs from random points (``init(rng)`` or ``landscape.random_point``).

    success: E − F* ≤ success_rtol·max(1, F*). Otherwise: ``not converged`` (‖∇E‖ > gtol),
    ``saddle`` (a Hessian eigenvalue < −eig_tol·max(1, ‖H‖)), ``poor minimum`` (strictly positive
    Hessian) or ``degenerate above optimum`` (PSD with zero eigenvalues — a poor minimum candidate
    that the second-order test cannot decide; symmetries make these common). With
    ``stability_perturbations`` > 0 those two kinds also get ``stable`` from
    :func:`stable_minimum` (re-descent from that many perturbations)."""
    from sublevel.numerics.critical import classify, minimise

    if isinstance(n_runs, bool) or not isinstance(n_runs, (int, np.integer)) or n_runs < 1:
        raise InputError(f"n_runs = {n_runs!r}: need an integer ≥ 1")
    draw = init or landscape.random_point
    runs = []
    for _ in range(int(n_runs)):
        with blas_single_thread():
            res = minimise(landscape, draw(rng), gtol=gtol, maxiter=maxiter)
        gap = res.energy - optimum
        if gap <= success_rtol * max(1.0, abs(optimum)):
            runs.append(
                Run(
                    res.energy,
                    gap,
                    res.grad_norm,
                    res.converged,
                    "success",
                    iterations=res.iterations,
                    theta=res.theta,
                )
            )
            continue
        if not res.converged:
            runs.append(
                Run(
                    res.energy,
                    gap,
                    res.grad_norm,
                    False,
                    "not converged",
                    iterations=res.iterations,
                    theta=res.theta,
                )
            )
            continue
        kind, min_eig, n_neg = "degenerate above optimum", None, None
        if classify_failures:
            with blas_single_thread():
                cl = classify(landscape, res.theta, grad_tol=gtol, eig_tol=eig_tol)
            min_eig, n_neg = cl.min_eig, cl.n_negative
            kind = {"saddle": "saddle", "minimum": "poor minimum"}.get(
                cl.kind, "degenerate above optimum"
            )
        stable = None
        if stability_perturbations > 0 and kind != "saddle":
            tol = success_rtol * max(1.0, abs(res.energy))
            stable = stable_minimum(
                landscape,
                res.theta,
                res.energy,
                rng,
                tol=tol,
                perturbations=stability_perturbations,
                gtol=gtol,
                maxiter=maxiter,
            )[0]
        runs.append(
            Run(
                res.energy,
                gap,
                res.grad_norm,
                True,
                kind,
                min_eig,
                n_neg,
                res.iterations,
                res.theta,
                stable,
            )
        )
    return runs


def stable_minimum(
    landscape: Any,
    theta: np.ndarray,
    energy: float,
    rng: np.random.Generator,
    *,
    tol: float,
    perturbations: int = 3,
    scale: float = 1e-2,
    gtol: float = 1e-9,
    maxiter: int = 5000,
) -> tuple[bool, list[float]]:
    """Re-descend (L-BFGS) from ``perturbations`` random perturbations of θ of relative size
    ``scale``: (every re-descent ends at ≥ energy − tol, their energies). Evidence of a local
    minimum where the Hessian is singular (symmetries) and the second-order test cannot decide."""
    from sublevel.numerics.critical import minimise

    theta = np.asarray(theta, dtype=np.float64)
    energies = []
    with blas_single_thread():
        for _ in range(perturbations):
            step = rng.normal(size=theta.shape)
            step *= scale * max(1.0, float(np.linalg.norm(theta))) / np.linalg.norm(step)
            energies.append(minimise(landscape, theta + step, gtol=gtol, maxiter=maxiter).energy)
    return all(e >= energy - tol for e in energies), energies


@dataclass
class WidthRow:
    """The runs at one width."""

    p: int
    runs: list[Run] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {k: sum(r.kind == k for r in self.runs) for k in SUCCESS_KINDS}

    @property
    def success_fraction(self) -> float:
        return self.counts["success"] / len(self.runs) if self.runs else float("nan")

    @property
    def stable_poor(self) -> int:
        """Failed runs that re-descend to the same energy from every perturbation."""
        return sum(bool(r.stable) for r in self.runs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "p": self.p,
            "runs": len(self.runs),
            "success_fraction": self.success_fraction,
            **self.counts,
            "stable_poor": self.stable_poor,
        }


SIGNS = ("free", "balanced", "nonnegative")


def quadratic_network(X: Any, y: Any, p: int, sign: str = "free") -> tuple[Any, Any, float]:
    """(landscape, init, F*) for the two-layer quadratic network with scalar output.

    ``free``: u trained (the literal L(U, W)); ``balanced``: u fixed, ⌈p/2⌉ entries +1 and ⌊p/2⌋
    entries −1 (the setting of Soltanolkotabi, Javanmard & Lee 2017: with ≥ n of each sign every
    A ∈ Sym(n) is Wᵀdiag(u)W); ``nonnegative``: u = 1 fixed (A ⪰ 0). F* is the lifted optimum
    over Sym(n) (free, balanced — for balanced a lower bound, attained when both signs have ≥ n
    units) or over A ⪰ 0 (nonnegative)."""
    from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer, FixedOutput

    if sign not in SIGNS:
        raise InputError(f"sign {sign!r} is not one of {', '.join(SIGNS)}")
    land = EmpiricalTwoLayer("quadratic", X, y, p)
    _, f_star = quadratic_lifted_optimum(
        land.X, land.Y, sign="nonnegative" if sign == "nonnegative" else "free"
    )
    if sign == "free":
        return land, land.random_point, f_star
    u = np.ones((1, land.p))
    if sign == "balanced":
        u[0, (land.p + 1) // 2 :] = -1.0
    fixed = FixedOutput(land, u)
    return fixed, lambda rng: land.random_point(rng)[: fixed.dim], f_star


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
        return self.energy - self.global_energy

    def to_dict(self) -> dict[str, Any]:
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


def width_experiment(
    n: int,
    widths: Sequence[int],
    n_runs: int,
    *,
    L: int | None = None,
    seed: int = 0,
    noise: float = 0.1,
    sign: str = "free",
    **options: Any,
) -> tuple[list[WidthRow], float]:
    """Two-layer quadratic network, scalar output: data X ~ N(0, I_n) (L = 3·n(n+1)/2 by
    default), y = xᵀA*x + noise with A* a random symmetric (indefinite) matrix; at each width p,
    ``n_runs`` runs against the lifted optimum (:func:`quadratic_network` for ``sign``).
    Returns (rows, F*)."""
    rng = np.random.default_rng(seed)
    L = L or 3 * n * (n + 1) // 2
    X = rng.normal(size=(L, n))
    A_star = rng.normal(size=(n, n))
    A_star = (A_star + A_star.T) / 2
    y = np.einsum("li,ij,lj->l", X, A_star, X) + noise * rng.normal(size=L)
    rows, f_star = [], 0.0
    for p in widths:
        land, init, f_star = quadratic_network(X, y, int(p), sign)
        rows.append(
            WidthRow(int(p), optimisation_runs(land, f_star, n_runs, rng, init=init, **options))
        )
    return rows, f_star


def plot_success_fraction(
    rows: Sequence[WidthRow], n: int, file: str | FsPath, *, title: str = ""
) -> FsPath:
    """Success fraction against width p, with the lines p = n and p = 2n (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = FsPath(file)
    if out.parent and not out.parent.exists():
        raise InputError(
            f"cannot write plot {str(out)!r}: folder {str(out.parent)!r} does not exist"
        )
    fig, ax = plt.subplots(figsize=(6, 4))
    ps = [r.p for r in rows]
    ax.plot(
        ps,
        [r.success_fraction for r in rows],
        "o-",
        color="#1f4e9c",
        label="runs reaching the lifted optimum",
    )
    ax.axvline(n, color="#888", ls=":", label="p = n")
    ax.axvline(2 * n, color="#c0392b", ls="--", label="p = 2n (talk)")
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("hidden units p")
    ax.set_ylabel("success fraction")
    ax.set_title(title or f"two-layer quadratic network, n = {n}")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
