"""The spherical p-spin glass H_{N,p} (Auffinger, Ben Arous & Černý, CPAM 2013, eq. (1.1)).

    H_{N,p}(σ) = N^{−(p−1)/2} Σ_{i_1…i_p} J_{i_1…i_p} σ_{i_1}⋯σ_{i_p},   J iid N(0, 1),

on the sphere S^{N−1}(√N) = {‖σ‖² = N}; E H(σ)H(σ′) = N R^p with R = ⟨σ, σ′⟩/N, so H/N is the
energy per spin (papers.md §7).

Only the symmetrisation S = sym(J) (the average over the p! permutations of the axes, built in
O(p²) passes) is stored: H(σ) = c·S[σ, …, σ] with c = N^{−(p−1)/2}, the same polynomial as
with J. Then, by contraction of S with σ along its last axes (one pass over the N^p entries
for energy and gradient, never a Python loop over terms):

    ∇H(σ)  = p c S[·, σ, …, σ],        ∇²H(σ) = p(p−1) c S[·, ·, σ, …, σ],

and on the sphere (P = I − σσᵀ/N the tangent projector; ⟨∇H, σ⟩ = pH by homogeneity)

    grad_sph H = P ∇H,      Hess_sph H = P (∇²H − (⟨∇H, σ⟩/N) I) P   (on the tangent space).

Off-sphere points, documented contract:

* ``energy``, ``energies``, ``energy_and_grad``, ``hessian`` evaluate the homogeneous
  polynomial on all of R^N (no projection): this is the Euclidean object the tests compare
  with finite differences; on the sphere it is the Hamiltonian;
* the *sphere* methods (``riemannian_gradient``, ``riemannian_hessian``,
  ``tangent_hessian_eigenvalues``, ``index``, ``energy_per_spin``) REJECT a point off the
  sphere: |‖σ‖²/N − 1| > ``sphere_tol`` raises :class:`InputError` naming the radius found;
* :class:`SphereProjected` is the landscape σ ↦ H(√N σ/‖σ‖) on R^N \\ {0}, for path
  searches whose straight segments leave the sphere (DSS, interpolation): it PROJECTS.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from sublevel.numerics.landscape import Landscape, as_theta, as_thetas
from sublevel.theory.certificate import Certificate
from sublevel.theory.errors import InputError

__all__ = [
    "SpinGlass",
    "SphereProjected",
    "symmetrise",
    "project_to_sphere",
    "random_on_sphere",
    "covariance_estimate",
    "tangent_basis",
    "MAX_ENTRIES",
    "SPHERE_TOL",
    "CHUNK_ENTRIES",
]

#: largest tensor (N^p entries) a SpinGlass will allocate (2·10⁸ float64 = 1.6 GB)
MAX_ENTRIES = 200_000_000
#: relative tolerance |‖σ‖²/N − 1| of the sphere methods
SPHERE_TOL = 1e-8
#: a segment whose closest point to the origin has ‖x‖² ≤ ORIGIN_RTOL·max(‖a‖², ‖b‖²) is refused
ORIGIN_RTOL = 1e-8
#: batched contractions are chunked so that an intermediate holds at most this many floats
CHUNK_ENTRIES = 1 << 24


def _int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InputError(f"{name} = {value!r} must be an integer ≥ {minimum}")
    if value < minimum:
        raise InputError(f"{name} = {value!r} must be an integer ≥ {minimum}")
    return int(value)


def _seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise InputError(f"seed = {seed!r} must be a non-negative integer")
    return int(seed)


def symmetrise(J: np.ndarray) -> np.ndarray:
    """sym(J) = (1/p!) Σ_π J∘π, by the coset recursion S_{k+1} = (1/(k+1)) Σ_{j ≤ k} τ_{jk} S_k
    (τ_{jk} swaps axes j and k; S_k is symmetric in its first k axes): O(p²) passes, not p!."""
    S = np.array(J, dtype=np.float64, copy=True)
    for k in range(1, S.ndim):
        acc = S.copy()
        for j in range(k):
            acc += np.swapaxes(S, j, k)
        acc /= k + 1
        S = acc
    return S


def project_to_sphere(sigma: Any, N: int | None = None) -> np.ndarray:
    """σ ↦ √N σ/‖σ‖ (rows of a batch separately); the origin has no projection (InputError)."""
    x = np.asarray(sigma, dtype=np.float64)
    n = x.shape[-1] if N is None else N
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    if np.any(norms == 0) or not np.all(np.isfinite(norms)):
        raise InputError("cannot project the origin (or a non-finite point) onto the sphere")
    return math.sqrt(n) * x / norms


def random_on_sphere(N: int, n_points: int, seed: int) -> np.ndarray:
    """``n_points`` independent uniform points on S^{N−1}(√N), shape (n_points, N)."""
    N = _int(N, "N", 2)
    n_points = _int(n_points, "n_points", 1)
    rng = np.random.default_rng(_seed(seed))
    return project_to_sphere(rng.standard_normal((n_points, N)))


def _contract(S: np.ndarray, X: np.ndarray, times: int) -> np.ndarray:
    """Contract the last ``times`` axes of S with each row of X (T, N): shape (T, N^{p−times})."""
    N = S.shape[0]
    T = X.shape[0]
    p = S.ndim
    out = np.empty((T, N ** (p - times)))
    if times == 0:
        out[:] = S.reshape(1, -1)
        return out
    first = S.reshape(-1, N)
    step = max(1, CHUNK_ENTRIES // max(1, first.shape[0]))
    for lo in range(0, T, step):
        Xc = X[lo : lo + step]
        V = first @ Xc.T  # (N^{p−1}, t): the pass over the tensor, a GEMM for a batch
        V = V.T  # (t, N^{p−1})
        for _ in range(times - 1):
            V = np.einsum("tan,tn->ta", V.reshape(V.shape[0], -1, N), Xc)
        out[lo : lo + step] = V
    return out


class SpinGlass(Landscape):
    """H_{N,p}(σ) = N^{−(p−1)/2} Σ J σ_{i_1}⋯σ_{i_p}, J iid N(0,1) drawn from ``seed``
    (numpy ``default_rng``); see the module docstring for what happens off the sphere.

    Parameters: N ≥ 2, p ≥ 2 (integers), seed a non-negative integer; ``max_entries`` caps N^p.
    """

    def __init__(
        self,
        N: int,
        p: int,
        seed: int,
        *,
        max_entries: int = MAX_ENTRIES,
        sphere_tol: float = SPHERE_TOL,
    ):
        N = _int(N, "N", 2)
        p = _int(p, "p", 2)
        seed = _seed(seed)
        self._check_size(N, p, max_entries)
        J = np.random.default_rng(seed).standard_normal((N,) * p)
        self._init(symmetrise(J), seed=seed, sphere_tol=sphere_tol)

    @classmethod
    def from_couplings(cls, J: Any, *, sphere_tol: float = SPHERE_TOL) -> SpinGlass:
        """H from given couplings J of shape (N,)*p (symmetrised on entry; N, p ≥ 2)."""
        arr = np.asarray(J, dtype=np.float64)
        if arr.ndim < 2:
            raise InputError(f"couplings have {arr.ndim} axes; p = number of axes must be ≥ 2")
        if len(set(arr.shape)) != 1:
            raise InputError(f"couplings have shape {arr.shape}; expected (N,)*p")
        if arr.shape[0] < 2:
            raise InputError(f"N = {arr.shape[0]} must be an integer ≥ 2")
        if not np.all(np.isfinite(arr)):
            raise InputError("couplings have non-finite entries")
        obj = cls.__new__(cls)
        obj._init(symmetrise(arr), seed=None, sphere_tol=sphere_tol)
        return obj

    @staticmethod
    def _check_size(N: int, p: int, max_entries: int) -> None:
        if N**p > max_entries:
            raise InputError(
                f"N^p = {N}^{p} = {N**p:.3g} entries exceeds max_entries = {max_entries:.3g}"
            )

    def _init(self, S: np.ndarray, *, seed: int | None, sphere_tol: float) -> None:
        if not (sphere_tol > 0 and math.isfinite(sphere_tol)):
            raise InputError(f"sphere_tol = {sphere_tol!r} must be finite and > 0")
        S.setflags(write=False)
        self.S = S
        self.N = S.shape[0]
        self.p = S.ndim
        self.dim = self.N
        self.seed = seed
        self.scale = self.N ** (-(self.p - 1) / 2)
        self.sphere_tol = float(sphere_tol)

    def __repr__(self) -> str:
        return f"SpinGlass(N={self.N}, p={self.p}, seed={self.seed})"

    # --- Euclidean (the homogeneous polynomial on R^N) ---------------------------------------
    def _energies(self, thetas: np.ndarray) -> np.ndarray:
        V = _contract(self.S, thetas, self.p - 1)  # (T, N)
        return self.scale * np.einsum("tn,tn->t", V, thetas)

    def energies_and_grads(self, thetas: Any) -> tuple[np.ndarray, np.ndarray]:
        """H and ∇H for a batch (T, N): one GEMM pass over the tensor per chunk of points."""
        X = as_thetas(thetas, self.dim)
        V = _contract(self.S, X, self.p - 1)
        return self.scale * np.einsum("tn,tn->t", V, X), self.p * self.scale * V

    def _energy_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        v = theta
        M = self.S
        for _ in range(self.p - 1):  # GEMV on (N^{k−1}, N): the first is the pass over S
            M = M.reshape(-1, self.N) @ v
        return float(self.scale * (M @ theta)), self.p * self.scale * M

    def hessian(self, theta: Any) -> np.ndarray:
        """∇²H(σ) = p(p−1)·c·S[·, ·, σ, …, σ] (N × N, symmetric)."""
        x = as_theta(theta, self.dim)
        M = _contract(self.S, x[None, :], self.p - 2)[0].reshape(self.N, self.N)
        return self.p * (self.p - 1) * self.scale * M

    def hessians(self, thetas: Any) -> np.ndarray:
        """∇²H for a batch (T, N) → (T, N, N)."""
        X = as_thetas(thetas, self.dim)
        M = _contract(self.S, X, self.p - 2).reshape(X.shape[0], self.N, self.N)
        return self.p * (self.p - 1) * self.scale * M

    # --- the sphere ------------------------------------------------------------------------
    def check_on_sphere(self, sigma: Any, *, name: str = "sigma") -> np.ndarray:
        """σ as a vector, after checking |‖σ‖²/N − 1| ≤ sphere_tol (InputError otherwise)."""
        x = as_theta(sigma, self.dim, name=name)
        r2 = float(x @ x) / self.N
        if abs(r2 - 1.0) > self.sphere_tol:
            raise InputError(
                f"{name} is off the sphere: ‖{name}‖²/N = {r2:.12g}, expected 1 (± {self.sphere_tol:g});"
                " use project_to_sphere or SphereProjected"
            )
        return x

    def energy_per_spin(self, sigma: Any) -> float:
        """H(σ)/N for σ on the sphere."""
        return self.energy(self.check_on_sphere(sigma)) / self.N

    def riemannian_gradient(self, sigma: Any) -> np.ndarray:
        """grad_sph H(σ) = ∇H − (⟨∇H, σ⟩/N) σ, tangent to the sphere at σ (σ on the sphere)."""
        x = self.check_on_sphere(sigma)
        g = self.grad(x)
        return g - (g @ x / self.N) * x

    def riemannian_hessian(self, sigma: Any) -> np.ndarray:
        """P(∇²H − (⟨∇H, σ⟩/N) I)P, N × N; σ itself is in its kernel (σ on the sphere)."""
        x = self.check_on_sphere(sigma)
        g = self.grad(x)
        H = self.hessian(x) - (g @ x / self.N) * np.eye(self.N)
        P = np.eye(self.N) - np.outer(x, x) / self.N
        return P @ H @ P

    def tangent_hessian_eigenvalues(self, sigma: Any) -> np.ndarray:
        """The N − 1 eigenvalues (ascending) of the Riemannian Hessian on the tangent space."""
        x = self.check_on_sphere(sigma)
        Q = tangent_basis(x)
        g = self.grad(x)
        H = self.hessian(x) - (g @ x / self.N) * np.eye(self.N)
        return np.linalg.eigvalsh(Q.T @ H @ Q)

    def index(self, sigma: Any, *, tol: float = 1e-8) -> int:
        """Number of tangent Hessian eigenvalues < −tol·max(1, |λ|_max)."""
        ev = self.tangent_hessian_eigenvalues(sigma)
        return int(np.sum(ev < -tol * max(1.0, float(np.max(np.abs(ev))))))

    def projected(self) -> SphereProjected:
        """This Hamiltonian seen through σ ↦ √N σ/‖σ‖ (a landscape on R^N \\ {0})."""
        return SphereProjected(self)

    def energy_polynomial_enclosure(self, a: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
        """H(a + t(b − a)) as float coefficients with proven radii (|c_k − c̃_k| ≤ r_k), for
        ``rigorous`` certificates (:func:`sublevel.numerics.energies.spin_glass_certify.
        chord_polynomial_enclosure`: float contraction, a priori γ_n rounding bound; the final
        rounding to float is added to the radius)."""
        from fractions import Fraction

        from sublevel.numerics.energies.spin_glass_certify import chord_polynomial_enclosure

        mids, radii = chord_polynomial_enclosure(self, a, b)
        coeffs, rads = np.empty(len(mids)), np.empty(len(mids))
        for k, (m, r) in enumerate(zip(mids, radii)):
            exact = Fraction(int(m.p), int(m.q))
            coeffs[k] = float(exact)
            rad = Fraction(int(r.p), int(r.q)) + abs(Fraction(coeffs[k]) - exact)
            up = float(rad)
            rads[k] = up if Fraction(up) >= rad else math.nextafter(up, math.inf)
        return coeffs, rads

    def polynomial_along(self, a: Any, b: Any) -> np.ndarray:
        """Coefficients (increasing degree) of t ↦ H(a + t(b − a)), degree p:
        c_j = C(p, j)·c·S[d^{⊗j}, a^{⊗(p−j)}], d = b − a (S symmetric)."""
        a = as_theta(a, self.dim, name="a")
        d = as_theta(b, self.dim, name="b") - a
        coeffs = np.empty(self.p + 1)
        for j in range(self.p + 1):
            M = self.S
            for k in range(self.p):
                M = M.reshape(-1, self.N) @ (a if k < self.p - j else d)
            coeffs[j] = math.comb(self.p, j) * self.scale * float(M.reshape(-1)[0])
        return coeffs


def tangent_basis(sigma: np.ndarray) -> np.ndarray:
    """An orthonormal basis (N × (N−1)) of σ^⊥ (Householder reflection of e_1 onto σ/‖σ‖)."""
    u = sigma / np.linalg.norm(sigma)
    e = np.zeros_like(u)
    e[0] = 1.0
    v = u - e if u[0] < 0 else u + e  # reflect e_1 to ∓u, numerically stable choice
    v /= np.linalg.norm(v)
    Hh = np.eye(u.size) - 2.0 * np.outer(v, v)  # Hh e_1 = ±u, so columns 2..N span u^⊥
    return Hh[:, 1:]


class SphereProjected(Landscape):
    """E(x) = H(√N x/‖x‖)/d + shift on R^N \\ {0} (0-homogeneous; d = N when ``per_spin``, else 1):
    H(√N x/‖x‖) = (N/‖x‖²)^{p/2} H(x), with gradient (N/‖x‖²)^{p/2} (∇H(x) − p H(x) x/‖x‖²)/d.

    What a straight segment or a DSS string sees: the Hamiltonian of the radial projection (a
    segment not through the origin projects onto a great-circle arc). ``per_spin`` and
    ``shift`` put the energy on the H/N scale and, shifted, positive — DSS scales its levels by
    factors, which needs positive levels. ``energies`` returns +inf at the origin (no
    projection there), ``energy_and_grad`` raises. ``certify_segment`` decides E ≤ b along a
    straight segment rigorously (the condition becomes a polynomial inequality in t, decided
    with proven rounding bounds).
    """

    def __init__(self, spin_glass: SpinGlass, *, per_spin: bool = False, shift: float = 0.0):
        if not isinstance(spin_glass, SpinGlass):
            raise InputError(f"SphereProjected needs a SpinGlass, not {type(spin_glass).__name__}")
        if not math.isfinite(shift):
            raise InputError(f"shift = {shift!r} must be finite")
        self.base = spin_glass
        self.dim = spin_glass.N
        self.N = spin_glass.N
        self.p = spin_glass.p
        self.per_spin = bool(per_spin)
        self.shift = float(shift)
        self.divisor = float(self.N) if per_spin else 1.0

    def __repr__(self) -> str:
        return f"SphereProjected({self.base!r}, per_spin={self.per_spin}, shift={self.shift})"

    def to_hamiltonian(self, energy: float) -> float:
        """The value of H (on the sphere) at which this landscape's energy is ``energy``."""
        return (float(energy) - self.shift) * self.divisor

    def _energies(self, thetas: np.ndarray) -> np.ndarray:
        r2 = np.einsum("tn,tn->t", thetas, thetas)
        out = np.full(thetas.shape[0], np.inf)
        ok = r2 > 0
        if np.any(ok):
            h = (self.N / r2[ok]) ** (self.p / 2) * self.base._energies(thetas[ok])
            out[ok] = h / self.divisor + self.shift
        return out

    def _energy_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        r2 = float(theta @ theta)
        if r2 == 0:
            raise InputError("the origin has no projection onto the sphere")
        e, g = self.base._energy_and_grad(theta)
        f = (self.N / r2) ** (self.p / 2) / self.divisor
        return f * e + self.shift, f * (g - self.p * e * theta / r2)

    def energies_and_grads(self, thetas: Any) -> tuple[np.ndarray, np.ndarray]:
        """E and ∇E for a batch (T, N), from the base Hamiltonian's batched pass; an InputError
        when a point is the origin (no projection there)."""
        X = as_thetas(thetas, self.dim)
        r2 = np.einsum("tn,tn->t", X, X)
        if np.any(r2 == 0):
            raise InputError("the origin has no projection onto the sphere")
        e, g = self.base.energies_and_grads(X)
        f = (self.N / r2) ** (self.p / 2) / self.divisor
        return f * e + self.shift, f[:, None] * (g - self.p * (e / r2)[:, None] * X)

    def certify_segment(
        self,
        a: Any,
        b: Any,
        bound: float,
        *,
        tolerances: dict[str, float] | None = None,
        label: str = "projected segment",
        promise: str = "",
        **options: Any,
    ) -> Certificate:
        """``rigorous`` certificate of E(a + t(b − a)) ≤ bound + τ on [0, 1]
        (:func:`sublevel.numerics.energies.spin_glass_certify.certify_projected_segment`): float
        contraction of S with a proven a priori rounding radius, decided exactly on the
        widened polynomial — holds / fails / inconclusive, no slack; an inconclusive chord is
        decided ``exact`` (rationals) when N^p is small enough (``exact_fallback=False`` turns
        that off); odd p with a bound on H ≥ 0 is ``sampled`` only. ``max_energy`` is a float
        estimate, ``max_energy_enclosure`` proven. :func:`sublevel.numerics.certify.certify_piece`
        (hence DSS) uses it for every straight segment."""
        from sublevel.numerics.energies.spin_glass_certify import certify_projected_segment

        return certify_projected_segment(
            self,
            a,
            b,
            bound,
            tolerances=tolerances,
            label=label,
            promise=promise,
            origin_rtol=ORIGIN_RTOL,
            **options,
        )


def _power(poly: np.ndarray, k: int) -> np.ndarray:
    from numpy.polynomial import polynomial as npoly

    out = np.array([1.0])
    for _ in range(k):
        out = npoly.polymul(out, poly)
    return out


def covariance_estimate(
    N: int, p: int, overlaps: Any, n_samples: int, seed: int, *, disorder: Any = None
) -> dict[str, Any]:
    """Monte Carlo of E H(σ)H(σ′)/N over independent disorders, for pairs on the sphere with
    prescribed overlaps R = ⟨σ, σ′⟩/N; the theory (papers.md §7, [D]) says R^p.

    Returns ``{"overlaps", "estimate", "stderr", "theory", "z"}`` (z = (estimate − R^p)/stderr).
    Every disorder is a fresh :class:`SpinGlass` (so the class's normalisation is what is tested),
    or ``disorder(seed)`` when given (a callable seed ↦ landscape of dimension N).
    """
    N = _int(N, "N", 2)
    p = _int(p, "p", 2)
    n_samples = _int(n_samples, "n_samples", 2)
    seed = _seed(seed)
    R = np.atleast_1d(np.asarray(overlaps, dtype=np.float64))
    if R.ndim != 1 or np.any(np.abs(R) > 1) or not np.all(np.isfinite(R)):
        raise InputError(f"overlaps {overlaps!r} must be numbers in [−1, 1]")
    rng = np.random.default_rng(seed)
    e = project_to_sphere(rng.standard_normal(N))
    v = rng.standard_normal(N)
    v -= (v @ e) / N * e
    v = project_to_sphere(v)  # ⟂ e, on the sphere
    pairs = np.concatenate([np.stack([e, r * e + math.sqrt(max(0.0, 1 - r * r)) * v]) for r in R])
    seeds = rng.integers(0, 2**63 - 1, size=n_samples)
    products = np.empty((n_samples, R.size))
    for s, sd in enumerate(seeds):
        land = SpinGlass(N, p, int(sd)) if disorder is None else disorder(int(sd))
        h = np.asarray(land.energies(pairs)).reshape(R.size, 2)
        products[s] = h[:, 0] * h[:, 1] / N
    est = products.mean(axis=0)
    err = products.std(axis=0, ddof=1) / math.sqrt(n_samples)
    theory = R**p
    return {
        "overlaps": R.tolist(),
        "estimate": est.tolist(),
        "stderr": err.tolist(),
        "theory": theory.tolist(),
        "z": ((est - theory) / err).tolist(),
    }
