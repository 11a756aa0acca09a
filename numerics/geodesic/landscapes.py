"""Landscapes with known answers for the geodesic solver (the catalogue its tests use).

Each is a polynomial energy, so the energy along a straight segment is a polynomial in t.
``energy_polynomial_exact(a, b)`` computes its coefficients in exact rational arithmetic
(python-flint ``fmpq``; the stored float parameters and endpoints taken as the dyadic rationals
they are), so DSS segments are certified ``exact`` (:func:`sublevel.numerics.certify.certify_piece`);
``energy_polynomial(a, b)`` gives the same coefficients in float64 for users who want floats
(a certificate built on those alone is labelled ``sampled``):

* :class:`ConvexQuadratic` — E(x) = ½ (x − c)ᵀ H (x − c), H ≻ 0: every sub-level set is convex,
  the straight segment stays inside, the normalised length is 1 (papers.md C20);
* :class:`DoubleWell` — in rotated coordinates y = Rᵀ(x − s):
  E = h (y₁² − 1)² + Σ_{i≥2} c_i y_i², minima y = ±e₁ (E = 0), saddle y = 0 with E = h.
  The hyperplane {y₁ = 0} separates the wells and E ≥ h on it, so for u < h the two wells lie in
  different components of Ω_u — a closed-form certificate of disconnection
  (:meth:`DoubleWell.disconnection_certificate`); for u > h the path through the saddle connects
  them;
* :class:`RingValley` — E = (‖x‖² − 1)²: the minima form the unit sphere; two antipodal points
  are joined at level u → 0 only around the ring, so the normalised length → π/2, while the
  straight segment crosses the bump E(0) = 1.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from flint import fmpq, fmpq_poly
from sublevel.numerics.landscape import Landscape, as_theta
from sublevel.theory.certificate import Certificate
from sublevel.theory.errors import InputError
from sublevel.theory.exact import to_fmpq

__all__ = ["ConvexQuadratic", "DoubleWell", "RingValley"]

_P = np.polynomial.polynomial


def _q_vector(x: Any, dim: int, name: str) -> list[fmpq]:
    """A point of R^dim exactly as rationals (the floats it stores)."""
    return [to_fmpq(float(v), name=name) for v in as_theta(x, dim, name=name)]


def _q_dot(u: list[fmpq], v: list[fmpq]) -> fmpq:
    return sum((x * y for x, y in zip(u, v)), fmpq(0))


def _q_sub(u: list[fmpq], v: list[fmpq]) -> list[fmpq]:
    return [x - y for x, y in zip(u, v)]


def _q_matrix(M: np.ndarray) -> list[list[fmpq]]:
    return [[to_fmpq(float(v), name="matrix entry") for v in row] for row in np.asarray(M)]


def _q_matvec_t(M: list[list[fmpq]], x: list[fmpq]) -> list[fmpq]:
    """xᵀM (row vector times matrix), exactly."""
    cols = len(M[0]) if M else 0
    out = [fmpq(0)] * cols
    for xi, row in zip(x, M):
        if xi != 0:
            for j, m in enumerate(row):
                out[j] += xi * m
    return out


def _positive(values: Any, name: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if not np.all(np.isfinite(arr) & (arr > 0)):
        raise InputError(f"{name} {arr.tolist()} must be positive and finite")
    return arr


class ConvexQuadratic(Landscape):
    """E(x) = ½ (x − c)ᵀ H (x − c) with H symmetric positive definite."""

    def __init__(self, H: Any, center: Any | None = None):
        H = np.asarray(H, dtype=np.float64)
        if H.ndim != 2 or H.shape[0] != H.shape[1] or not np.allclose(H, H.T):
            raise InputError(f"H has shape {H.shape} or is not symmetric")
        if np.linalg.eigvalsh(H).min() <= 0:
            raise InputError(
                f"H is not positive definite (smallest eigenvalue {np.linalg.eigvalsh(H).min():.3g})"
            )
        self.H, self.dim = H, H.shape[0]
        self.center = (
            np.zeros(self.dim) if center is None else as_theta(center, self.dim, name="center")
        )

    @classmethod
    def random(cls, dim: int, seed: int = 0, condition: float = 10.0) -> ConvexQuadratic:
        """H = Q diag(λ) Qᵀ with Q a random orthogonal matrix and λ geometrically spaced from 1
        to ``condition`` (its condition number), a standard normal centre; from ``seed``."""
        rng = np.random.default_rng(seed)
        Q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
        eig = np.geomspace(1.0, condition, dim)
        return cls(Q @ np.diag(eig) @ Q.T, rng.standard_normal(dim))

    def _energies(self, thetas: np.ndarray) -> np.ndarray:
        r = thetas - self.center
        return 0.5 * np.einsum("ti,ij,tj->t", r, self.H, r)

    def _energy_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        g = self.H @ (theta - self.center)
        return 0.5 * float((theta - self.center) @ g), g

    def energy_polynomial(self, a: Any, b: Any) -> list[float]:
        """Float coefficients of E(a + t(b − a)) (rounding not enclosed)."""
        r, d = np.asarray(a) - self.center, np.asarray(b) - np.asarray(a)
        return [0.5 * float(r @ self.H @ r), float(r @ self.H @ d), 0.5 * float(d @ self.H @ d)]

    def energy_polynomial_exact(self, a: Any, b: Any) -> fmpq_poly:
        """E(a + t(b − a)) exactly: with r = a − c and d = b − a (rationals),
        ½ rᵀHr + ½ (rᵀHd + dᵀHr) t + ½ dᵀHd t² (H as stored, not assumed symmetric)."""
        aq, bq = _q_vector(a, self.dim, "a"), _q_vector(b, self.dim, "b")
        if getattr(self, "_Hq", None) is None:
            self._Hq = _q_matrix(self.H)
        cq = [to_fmpq(float(v)) for v in self.center]
        r, d = _q_sub(aq, cq), _q_sub(bq, aq)
        rH, dH = _q_matvec_t(self._Hq, r), _q_matvec_t(self._Hq, d)
        half = fmpq(1, 2)
        return fmpq_poly(
            [half * _q_dot(rH, r), half * (_q_dot(rH, d) + _q_dot(dH, r)), half * _q_dot(dH, d)]
        )


class DoubleWell(Landscape):
    """E = h (y₁² − 1)² + Σ_{i≥2} c_i y_i², y = Rᵀ(x − shift); ridge (saddle) height h."""

    def __init__(
        self,
        dim: int = 2,
        *,
        height: float = 1.0,
        curvatures: Any | None = None,
        rotation: Any | None = None,
        shift: Any | None = None,
    ):
        if not isinstance(dim, (int, np.integer)) or dim < 1:
            raise InputError(f"dim {dim!r} must be a positive integer")
        self.dim = int(dim)
        self.height = float(_positive(height, "height")[0])
        self.c = (
            np.ones(self.dim - 1) if curvatures is None else _positive(curvatures, "curvatures")
        )
        if self.c.shape != (self.dim - 1,):
            raise InputError(
                f"curvatures have {self.c.shape[0]} entries; need dim − 1 = {self.dim - 1}"
            )
        self.R = np.eye(self.dim) if rotation is None else np.asarray(rotation, dtype=np.float64)
        if self.R.shape != (self.dim, self.dim) or not np.allclose(
            self.R.T @ self.R, np.eye(self.dim)
        ):
            raise InputError("rotation must be an orthogonal dim × dim matrix")
        self.shift = (
            np.zeros(self.dim) if shift is None else as_theta(shift, self.dim, name="shift")
        )

    @classmethod
    def random(cls, dim: int, seed: int = 0, height: float = 1.0) -> DoubleWell:
        """A random orthogonal rotation R, curvatures c_i uniform in [0.5, 3] and a standard
        normal shift, from ``seed``; the ridge height is ``height``."""
        rng = np.random.default_rng(seed)
        Q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
        return cls(
            dim,
            height=height,
            curvatures=rng.uniform(0.5, 3.0, dim - 1),
            rotation=Q,
            shift=rng.standard_normal(dim),
        )

    def to_y(self, x: Any) -> np.ndarray:
        """y = Rᵀ(x − shift), the well's own coordinates (row-wise for a batch)."""
        return (np.asarray(x, dtype=np.float64) - self.shift) @ self.R

    def from_y(self, y: Any) -> np.ndarray:
        """x = Ry + shift, the inverse of :meth:`to_y`."""
        return np.asarray(y, dtype=np.float64) @ self.R.T + self.shift

    @property
    def minima(self) -> tuple[np.ndarray, np.ndarray]:
        """The two global minima, y = ∓e₁ (energy 0)."""
        e1 = np.eye(self.dim)[0]
        return self.from_y(-e1), self.from_y(e1)

    @property
    def saddle(self) -> np.ndarray:
        """The index-1 saddle between the wells, y = 0, at energy ``height`` (the ridge)."""
        return self.from_y(np.zeros(self.dim))

    def _energies(self, thetas: np.ndarray) -> np.ndarray:
        y = self.to_y(thetas)
        return self.height * (y[:, 0] ** 2 - 1) ** 2 + (y[:, 1:] ** 2) @ self.c

    def _energy_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        y = self.to_y(theta)
        e = self.height * (y[0] ** 2 - 1) ** 2 + float(self.c @ y[1:] ** 2)
        gy = np.concatenate([[4 * self.height * y[0] * (y[0] ** 2 - 1)], 2 * self.c * y[1:]])
        return e, self.R @ gy

    def energy_polynomial(self, a: Any, b: Any) -> list[float]:
        """Float coefficients of E(a + t(b − a)) (rounding not enclosed)."""
        ya, yd = self.to_y(a), self.to_y(b) - self.to_y(a)
        q = _P.polysub(_P.polymul([ya[0], yd[0]], [ya[0], yd[0]]), [1.0])
        out = self.height * _P.polymul(q, q)
        for ci, y0, dy in zip(self.c, ya[1:], yd[1:]):
            out = _P.polyadd(out, ci * _P.polymul([y0, dy], [y0, dy]))
        return [float(v) for v in out]

    def _y_exact(self, x: Any, name: str) -> list[fmpq]:
        """y = Rᵀ(x − shift) exactly (R and shift as stored)."""
        if getattr(self, "_Rq", None) is None:
            self._Rq = _q_matrix(self.R)
            self._sq = [to_fmpq(float(v)) for v in self.shift]
        return _q_matvec_t(self._Rq, _q_sub(_q_vector(x, self.dim, name), self._sq))

    def energy_polynomial_exact(self, a: Any, b: Any) -> fmpq_poly:
        """E(a + t(b − a)) exactly: y(t) = y_a + t(y_b − y_a) in rationals, then
        h (y₁(t)² − 1)² + Σ_{i≥2} c_i y_i(t)² (h, c, R, shift as stored)."""
        ya, yb = self._y_exact(a, "a"), self._y_exact(b, "b")
        lines = [fmpq_poly([y0, y1 - y0]) for y0, y1 in zip(ya, yb)]
        q = lines[0] * lines[0] - 1
        out = to_fmpq(self.height) * q * q
        for ci, line in zip(self.c, lines[1:]):
            out += to_fmpq(float(ci)) * line * line
        return out

    def disconnection_certificate(self, a: Any, b: Any, level: float) -> Certificate:
        """Closed form: y₁(x) = Σ_i (x − shift)_i R_{i1} is affine in x, so if y₁(a) and y₁(b)
        have opposite signs every path from a to b crosses {y₁ = 0}, where
        E = h + Σ c_i y_i² ≥ h (whether or not the stored R is exactly orthogonal); so for
        ``level`` < h no path stays in Ω_level. ``exact``: the signs of y₁(a), y₁(b) are decided
        in rational arithmetic on the stored floats, and level < h is a float comparison (exact).
        ``holds`` = disconnection proven; ``margin`` = h − level."""
        if not math.isfinite(level):
            raise InputError(f"level {level!r} is not finite")
        ya, yb = self._y_exact(a, "a")[0], self._y_exact(b, "b")[0]
        separated = bool(ya * yb < 0)
        holds = separated and float(level) < self.height
        return Certificate(
            holds,
            float(level),
            0.5,
            self.height,
            "exact",
            margin=self.height - level,
            label="disconnection: min E on the separating hyperplane {y₁ = 0} = h",
            promise="level < ridge height",
            details={
                "separating_hyperplane": "y1 = 0",
                "ridge_height": self.height,
                "endpoints_on_opposite_sides": separated,
                "y1": [str(ya), str(yb)],
                "arithmetic": "y1 signs in exact rationals",
            },
        )


class RingValley(Landscape):
    """E = (‖x‖² − 1)²: a valley of minima on the unit sphere, a bump of height 1 at 0."""

    def __init__(self, dim: int = 2):
        if not isinstance(dim, (int, np.integer)) or dim < 2:
            raise InputError(f"dim {dim!r} must be an integer ≥ 2")
        self.dim = int(dim)

    def _energies(self, thetas: np.ndarray) -> np.ndarray:
        return (np.sum(thetas * thetas, axis=1) - 1.0) ** 2

    def _energy_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        q = float(theta @ theta) - 1.0
        return q * q, 4.0 * q * theta

    def energy_polynomial(self, a: Any, b: Any) -> list[float]:
        """Float coefficients of E(a + t(b − a)) (rounding not enclosed)."""
        a, d = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64) - np.asarray(a)
        q = [float(a @ a) - 1.0, 2.0 * float(a @ d), float(d @ d)]
        return [float(v) for v in _P.polymul(q, q)]

    def energy_polynomial_exact(self, a: Any, b: Any) -> fmpq_poly:
        """E(a + t(b − a)) = (‖a‖² − 1 + 2⟨a, d⟩ t + ‖d‖² t²)² exactly, d = b − a."""
        aq, bq = _q_vector(a, self.dim, "a"), _q_vector(b, self.dim, "b")
        d = _q_sub(bq, aq)
        q = fmpq_poly([_q_dot(aq, aq) - 1, 2 * _q_dot(aq, d), _q_dot(d, d)])
        return q * q

    @staticmethod
    def limit_length() -> float:
        """Normalised length of the half circle between antipodal minima: π/2."""
        return math.pi / 2
