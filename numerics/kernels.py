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
from typing import Any

import numpy as np

from theory.errors import InputError

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
        raise InputError(f"covariance has shape {C.shape}; need a finite symmetric ({n}, {n}) matrix")
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
        return self.kernel - self.lower

    @property
    def upper_margin(self) -> float:
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
