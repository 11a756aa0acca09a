"""The ReLU kernel [w₁, w₂]_Z = E ρ(⟨w₁, X⟩) ρ(⟨w₂, X⟩) and the bounds of BF'16 Proposition 2.3.

Notation (BF'16 §2.3.2, digest §3.4): z(w) = ρ(⟨w, X⟩), ‖w‖²_Z = [w, w]_Z, Σ_X = E XXᵀ,
w_m = (w₁ + w₂)/‖w₁ + w₂‖ the bisector, α = ∠(w₁, w₂). Eq. (7), for unit w₁, w₂:

    (1+cos α)/2 · ‖w_m‖²_Z − 2‖Σ_X‖((1−cos α)/2 + sin²α) ≤ [w₁, w₂]_Z ≤ (1+cos α)/2 · ‖w_m‖²_Z.

Closed forms:

* X ~ N(0, Σ): ⟨w₁, X⟩, ⟨w₂, X⟩ are jointly Gaussian with standard deviations σ_i = √(w_iᵀΣw_i)
  and correlation cos φ = w₁ᵀΣw₂/(σ₁σ₂), so [w₁, w₂]_Z = σ₁σ₂ (sin φ + (π − φ) cos φ)/(2π)
  (the degree-1 arc-cosine kernel, Cho & Saul 2009); for Σ = I and unit w it is
  (sin α + (π − α) cos α)/(2π) and ‖w‖²_Z = 1/2, ‖Σ_X‖ = 1;
* X uniform in the unit ball of Rⁿ: X = R·S with R independent of the direction S, E R² = n/(n+2)
  against E R² = n for N(0, I), so [w₁, w₂]_Z is the N(0, I) value divided by n + 2, and
  Σ_X = I/(n + 2).

Monte Carlo estimators return the mean and its standard error; on the sample itself (the
empirical measure) they are exact, and eq. (7) holds for every measure with ‖Σ_X‖ < ∞.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from sublevel.theory.errors import InputError

__all__ = [
    "arccos_kernel",
    "relu_kernel_gaussian",
    "relu_kernel_ball",
    "relu_kernel_empirical",
    "second_moment_norm",
    "bisector",
    "angle",
    "Eq7",
    "eq7_bounds",
    "followup_gap",
    "small_angle_gap",
    "sample_gaussian",
    "sample_uniform_ball",
    "random_covariance",
    "arccos_kernel_exact",
    "arccos_kernel_grad_exact",
    "relu_mixture_risk_exact",
    "relu_mixture_gradient_exact",
    "relu_mixture_one_sided_exact",
]


def _vec(w: Any, name: str, n: int | None = None) -> np.ndarray:
    v = np.asarray(w, dtype=np.float64)
    if v.ndim != 1 or v.size == 0:
        raise InputError(f"{name} has shape {v.shape}; expected a non-empty vector")
    if n is not None and v.size != n:
        raise InputError(f"{name} has {v.size} entries; expected {n}")
    if not np.all(np.isfinite(v)):
        raise InputError(f"{name} = {v.tolist()} is not finite")
    return v


def arccos_kernel(alpha: Any) -> np.ndarray:
    """[w₁, w₂]_Z = (sin α + (π − α) cos α)/(2π) for unit w at angle α, X ~ N(0, I)."""
    a = np.asarray(alpha, dtype=np.float64)
    if np.any(~np.isfinite(a)) or np.any(a < 0) or np.any(a > np.pi):
        raise InputError(f"angle {alpha!r} must lie in [0, π]")
    return (np.sin(a) + (np.pi - a) * np.cos(a)) / (2 * np.pi)


def angle(w1: Any, w2: Any) -> float:
    """∠(w₁, w₂) ∈ [0, π]."""
    u, v = _vec(w1, "w1"), _vec(w2, "w2")
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    if nu == 0 or nv == 0:
        raise InputError("the angle of a zero vector is undefined")
    return float(np.arccos(np.clip(u @ v / (nu * nv), -1.0, 1.0)))


def bisector(w1: Any, w2: Any) -> np.ndarray:
    """w_m = (w₁ + w₂)/‖w₁ + w₂‖ (undefined for antipodal vectors)."""
    s = _vec(w1, "w1") + _vec(w2, "w2")
    ns = np.linalg.norm(s)
    if ns == 0:
        raise InputError("w1 = −w2: the bisector is undefined (α = π)")
    return s / ns


def _cov(cov: Any, n: int) -> np.ndarray:
    if cov is None:
        return np.eye(n)
    C = np.asarray(cov, dtype=np.float64)
    if C.shape != (n, n) or not np.all(np.isfinite(C)) or not np.allclose(C, C.T):
        raise InputError(
            f"covariance has shape {C.shape}; need a finite symmetric ({n}, {n}) matrix"
        )
    if np.linalg.eigvalsh(C).min() < -1e-12 * max(1.0, np.abs(C).max()):
        raise InputError("covariance is not positive semi-definite")
    return C


def relu_kernel_gaussian(w1: Any, w2: Any, cov: Any = None) -> float:
    """E ρ(⟨w₁, X⟩)ρ(⟨w₂, X⟩) for X ~ N(0, Σ): σ₁σ₂(sin φ + (π − φ)cos φ)/(2π) (Cho & Saul 2009)."""
    u = _vec(w1, "w1")
    v = _vec(w2, "w2", u.size)
    C = _cov(cov, u.size)
    s1, s2 = np.sqrt(max(u @ C @ u, 0.0)), np.sqrt(max(v @ C @ v, 0.0))
    if s1 == 0 or s2 == 0:
        return 0.0
    phi = float(np.arccos(np.clip(u @ C @ v / (s1 * s2), -1.0, 1.0)))
    return float(s1 * s2 * (np.sin(phi) + (np.pi - phi) * np.cos(phi)) / (2 * np.pi))


def relu_kernel_ball(w1: Any, w2: Any) -> float:
    """E ρ(⟨w₁, X⟩)ρ(⟨w₂, X⟩) for X uniform in the unit ball of Rⁿ: the N(0, I) value / (n + 2)."""
    u = _vec(w1, "w1")
    return relu_kernel_gaussian(u, w2) / (u.size + 2)


def relu_kernel_empirical(w1: Any, w2: Any, X: Any) -> tuple[float, float]:
    """(mean, standard error) of ρ(⟨w₁, x⟩)ρ(⟨w₂, x⟩) over the rows of X: the Monte Carlo
    estimate of [w₁, w₂]_Z, and its exact value for the empirical measure of X."""
    Xa = np.asarray(X, dtype=np.float64)
    if Xa.ndim != 2 or Xa.shape[0] < 2:
        raise InputError(f"X has shape {Xa.shape}; need (N ≥ 2, n)")
    u = _vec(w1, "w1", Xa.shape[1])
    v = _vec(w2, "w2", Xa.shape[1])
    prod = np.maximum(Xa @ u, 0) * np.maximum(Xa @ v, 0)
    return float(prod.mean()), float(prod.std(ddof=1) / np.sqrt(prod.size))


def second_moment_norm(X: Any = None, *, cov: Any = None) -> float:
    """‖Σ_X‖ = ‖E XXᵀ‖₂ (operator norm): of the rows of X, or of a given covariance."""
    if X is not None:
        Xa = np.asarray(X, dtype=np.float64)
        return float(np.linalg.norm(Xa.T @ Xa / Xa.shape[0], 2))
    C = np.asarray(cov, dtype=np.float64)
    return float(np.linalg.eigvalsh((C + C.T) / 2).max())


@dataclass(frozen=True)
class Eq7:
    """The two sides of eq. (7) at one pair (w₁, w₂) and the kernel between them."""

    alpha: float
    kernel: float
    lower: float
    upper: float

    @property
    def lower_margin(self) -> float:
        """[w₁, w₂]_Z − lower: ≥ 0 when the lower side of eq. (7) holds."""
        return self.kernel - self.lower

    @property
    def upper_margin(self) -> float:
        """upper − [w₁, w₂]_Z: ≥ 0 when the upper side of eq. (7) holds."""
        return self.upper - self.kernel


def eq7_bounds(alpha: float, wm_norm2: float, sigma_norm: float) -> tuple[float, float]:
    """(lower, upper) of eq. (7): r²‖w_m‖²_Z − 2‖Σ_X‖((1 − cos α)/2 + sin²α) and r²‖w_m‖²_Z,
    r² = (1 + cos α)/2 (the paper's "r = (1 + cos α)/2" is a typo for r², digest §3.4)."""
    r2 = (1 + np.cos(alpha)) / 2
    upper = r2 * wm_norm2
    lower = upper - 2 * sigma_norm * ((1 - np.cos(alpha)) / 2 + np.sin(alpha) ** 2)
    return float(lower), float(upper)


def followup_gap(kernel: float, alpha: float, wm_norm2: float) -> float:
    """[w₁, w₂]_Z − cos α‖w_m‖²_Z: positive where the paper's follow-up inequality
    "[w₁, w₂]_Z ≤ ⟨w₁, w₂⟩‖w_m‖²_Z" fails (for N(0, I): (sin α − α cos α)/(2π) > 0 on (0, π])."""
    return float(kernel - np.cos(alpha) * wm_norm2)


def small_angle_gap(kernel: float, alpha: float, sigma_norm: float) -> float:
    """2cos α/(3‖Σ_X‖) − [w₁, w₂]_Z: positive where the paper's small-angle claim
    "2/(3‖Σ_X‖)·cos α ≤ [w₁, w₂]_Z + O(α⁴)" fails without the O(α⁴) term."""
    return float(2 * np.cos(alpha) / (3 * sigma_norm) - kernel)


def random_covariance(rng: np.random.Generator, n: int, *, condition: float = 10.0) -> np.ndarray:
    """An anisotropic covariance Q diag(λ) Qᵀ with eigenvalues spread over [1/condition, 1]·scale."""
    if n < 1 or condition < 1:
        raise InputError(f"n = {n}, condition = {condition}: need n ≥ 1 and condition ≥ 1")
    Qm, _ = np.linalg.qr(rng.normal(size=(n, n)))
    lam = np.geomspace(1.0, 1.0 / condition, n) * rng.uniform(0.5, 2.0)
    return (Qm * lam) @ Qm.T


def sample_gaussian(rng: np.random.Generator, size: int, cov: Any) -> np.ndarray:
    """size draws of N(0, Σ)."""
    C = np.asarray(cov, dtype=np.float64)
    return rng.multivariate_normal(np.zeros(C.shape[0]), C, size=size, method="eigh")


def sample_uniform_ball(rng: np.random.Generator, size: int, n: int) -> np.ndarray:
    """size draws uniform in the unit ball of Rⁿ (Gaussian direction, radius U^{1/n})."""
    g = rng.normal(size=(size, n))
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    return g * rng.uniform(size=(size, 1)) ** (1.0 / n)


# ---------------------------------------------------------------------------- exact moments
#
# The same closed forms in exact arithmetic (sympy), for the ReLU population risk of a
# Gaussian mixture X = C_k G_k (probability π_k, G_k ~ N(0, I_{r_k})):
#
#   L(θ) = Σ_k π_k Σ_o E[(Σ_i U_oi ρ(⟨a_i, G⟩) − Σ_j V_oj ρ(⟨b_j, G⟩))²],  a_i = C_kᵀw_i, b_j = C_kᵀv_j
#        = Σ_k π_k [Σ_ii' (UᵀU)_ii' K(a_i, a_i') − 2 Σ_ij (UᵀV)_ij K(a_i, b_j) + Σ_jj' (VᵀV)_jj' K(b_j, b_j')]
#
# with K the degree-1 arc-cosine kernel (Cho & Saul 2009) and ∇_a K(a, b) =
# ((π − φ) b + ‖b‖ sin φ · a/‖a‖)/(2π) (Tian, ICML 2017, eq. (3)); the gradient uses the
# convention ρ'(0) = 0 (∇_a K(0, b) = 0). Floats are taken as the rationals they store, so
# the values are those of the inputs as given; VBB Theorem 13 (papers.md §4.5(a)) uses them.


def _q(x: Any) -> Any:
    import sympy as sp
    from sublevel.theory.exact import to_rational

    if isinstance(x, sp.Basic):
        return x
    return to_rational(float(x) if isinstance(x, np.floating) else x, name="entry")


def _qvec(v: Any) -> tuple[Any, ...]:
    """A vector of exact numbers (floats as the rationals they store; sympy numbers kept)."""
    return tuple(_q(x) for x in np.asarray(v, dtype=object).ravel())


def _qmat(M: Any) -> list[tuple[Any, ...]]:
    arr = np.asarray(M, dtype=object)
    if arr.ndim == 1:
        arr = arr[None, :]
    return [_qvec(row) for row in arr]


def _dot(a: Any, b: Any) -> Any:
    import sympy as sp

    return sp.Add(*[x * y for x, y in zip(a, b)])


@lru_cache(maxsize=4096)
def _kernel(u: tuple[Any, ...], v: tuple[Any, ...]) -> Any:
    import sympy as sp

    na2, nb2 = _dot(u, u), _dot(v, v)
    if na2 == 0 or nb2 == 0:
        return sp.Integer(0)
    na, nb = sp.sqrt(na2), sp.sqrt(nb2)
    c = _dot(u, v) / (na * nb)
    return na * nb * (sp.sqrt(1 - c**2) + (sp.pi - sp.acos(c)) * c) / (2 * sp.pi)


@lru_cache(maxsize=4096)
def _kernel_grad(u: tuple[Any, ...], v: tuple[Any, ...]) -> tuple[Any, ...]:
    import sympy as sp

    na2, nb2 = _dot(u, u), _dot(v, v)
    if na2 == 0 or nb2 == 0:
        return tuple(sp.Integer(0) for _ in u)
    na, nb = sp.sqrt(na2), sp.sqrt(nb2)
    c = _dot(u, v) / (na * nb)
    phi, sin = sp.acos(c), sp.sqrt(1 - c**2)
    return tuple(((sp.pi - phi) * y + nb * sin * x / na) / (2 * sp.pi) for x, y in zip(u, v))


def arccos_kernel_exact(a: Any, b: Any) -> Any:
    """E ρ(⟨a, G⟩)ρ(⟨b, G⟩), G ~ N(0, I), in exact arithmetic (a sympy number):
    ‖a‖‖b‖(sin φ + (π − φ) cos φ)/(2π), φ = ∠(a, b); 0 when a = 0 or b = 0."""
    u, v = _qvec(a), _qvec(b)
    if len(u) != len(v):
        raise InputError(f"vectors of sizes {len(u)} and {len(v)} do not fit")
    return _kernel(u, v)


def arccos_kernel_grad_exact(a: Any, b: Any) -> list[Any]:
    """∇_a K(a, b) exactly: ((π − φ) b + ‖b‖ sin φ · a/‖a‖)/(2π); 0 when a = 0 (ρ'(0) = 0) or
    b = 0."""
    u, v = _qvec(a), _qvec(b)
    if len(u) != len(v):
        raise InputError(f"vectors of sizes {len(u)} and {len(v)} do not fit")
    return list(_kernel_grad(u, v))


def _branches(
    W: Any, V: Any, mixture: Any
) -> list[tuple[Any, list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    out = []
    Wq, Vq = _qmat(W), _qmat(V)
    for weight, C in mixture:
        Cq = _qmat(np.asarray(C, dtype=np.float64).T)  # columns of C_k
        A = [tuple(_dot(col, w) for col in Cq) for w in Wq]
        B = [tuple(_dot(col, v) for col in Cq) for v in Vq]
        out.append((_q(weight), Cq, A, B))
    return out


def relu_mixture_risk_exact(W: Any, U: Any, V: Any, Vout: Any, mixture: Any) -> Any:
    """The population risk L(θ) above, exactly (sympy number); model (W p×n, U m×p), teacher
    (V s×n, Vout m×s), ``mixture`` = [(π_k, C_k (n × r_k))], no noise."""
    import sympy as sp

    Uq, Tq = _qmat(U), _qmat(Vout)
    total = sp.Integer(0)
    for weight, _C, A, B in _branches(W, V, mixture):
        feats = [(row, a) for row, a in zip(zip(*Uq), A)] + [
            (tuple(-x for x in row), b) for row, b in zip(zip(*Tq), B)
        ]
        for ci, ai in feats:
            for cj, aj in feats:
                coef = _dot(list(ci), list(cj))
                if coef != 0:
                    total += weight * coef * _kernel(ai, aj)
    return sp.simplify(total)


def relu_mixture_gradient_exact(
    W: Any, U: Any, V: Any, Vout: Any, mixture: Any
) -> tuple[list[list[Any]], list[list[Any]]]:
    """(∂L/∂W (p × n), ∂L/∂U (m × p)) exactly, with ρ'(0) = 0:
    ∂L/∂U_oi = 2Σ_k π_k [Σ_i' U_oi' K(a_i, a_i') − Σ_j V_oj K(a_i, b_j)],
    ∂L/∂w_i = 2Σ_k π_k C_k [Σ_i' (UᵀU)_ii' ∇_aK(a_i, a_i') − Σ_j (UᵀV)_ij ∇_aK(a_i, b_j)]."""
    import sympy as sp

    Uq, Tq = _qmat(U), _qmat(Vout)
    p, m = len(Uq[0]), len(Uq)
    n = len(_qmat(W)[0])
    gW = [[sp.Integer(0)] * n for _ in range(p)]
    gU = [[sp.Integer(0)] * p for _ in range(m)]
    for weight, Cq, A, B in _branches(W, V, mixture):
        for i in range(p):
            for o in range(m):
                s = sp.Add(*[Uq[o][k] * _kernel(A[i], A[k]) for k in range(p)]) - sp.Add(
                    *[Tq[o][j] * _kernel(A[i], B[j]) for j in range(len(B))]
                )
                gU[o][i] += 2 * weight * s
            grad_a = [sp.Integer(0)] * len(Cq)
            for k in range(p):
                c = sp.Add(*[Uq[o][i] * Uq[o][k] for o in range(m)])
                if c != 0:
                    g = _kernel_grad(A[i], A[k])
                    grad_a = [x + c * y for x, y in zip(grad_a, g)]
            for j in range(len(B)):
                c = sp.Add(*[Uq[o][i] * Tq[o][j] for o in range(m)])
                if c != 0:
                    g = _kernel_grad(A[i], B[j])
                    grad_a = [x - c * y for x, y in zip(grad_a, g)]
            for col, ga in zip(Cq, grad_a):  # C_k ∇_a: Σ_r col_r · (∇_a)_r
                for d in range(n):
                    gW[i][d] += 2 * weight * col[d] * ga
    return (
        [[sp.simplify(x) for x in row] for row in gW],
        [[sp.simplify(x) for x in row] for row in gU],
    )


def relu_mixture_one_sided_exact(
    W: Any, U: Any, V: Any, Vout: Any, mixture: Any
) -> list[dict[str, Any]]:
    """One-sided derivatives where a pre-activation vanishes on a whole branch (a_i = C_kᵀw_i =
    0, where L is not differentiable): moving w_i by εC_k v (ε ↓ 0) changes L at first order by
    ε·h(v), h(v) = 2π_k [Σ_{i'≠i} (UᵀU)_ii' K(v, a_i') − Σ_j (UᵀV)_ij K(v, b_j)] (K is
    positively homogeneous; the K(a_i, a_i) term is O(ε²)). For one-dimensional branches
    (r_k = 1) h is decided at v = ±1, which covers every direction; wider branches are listed
    with ``decided: False``."""
    import sympy as sp

    Uq, Tq = _qmat(U), _qmat(Vout)
    p, m = len(Uq[0]), len(Uq)
    out: list[dict[str, Any]] = []
    for k, (weight, Cq, A, B) in enumerate(_branches(W, V, mixture)):
        for i in range(p):
            if any(x != 0 for x in A[i]):
                continue
            if len(Cq) != 1:
                out.append({"unit": i, "branch": k, "decided": False})
                continue
            values = {}
            for sign in (1, -1):
                v = (sp.Integer(sign),)
                h = sp.Add(
                    *[
                        sp.Add(*[Uq[o][i] * Uq[o][j] for o in range(m)]) * _kernel(v, A[j])
                        for j in range(p)
                        if j != i
                    ]
                ) - sp.Add(
                    *[
                        sp.Add(*[Uq[o][i] * Tq[o][j] for o in range(m)]) * _kernel(v, B[j])
                        for j in range(len(B))
                    ]
                )
                values["+" if sign > 0 else "-"] = sp.simplify(2 * weight * h)
            out.append({"unit": i, "branch": k, "decided": True, "derivatives": values})
    return out
