"""The population energy of a two-layer network in closed form, E(θ) = E‖U ρ(WX) − Y‖².

Y = U_t ρ(W_t X) + σε (a teacher plus noise). Polynomial ρ with X ~ N(0, I_n): through the
Gaussian moments of the lifted features (E x^α = Π_k (α_k − 1)!! for even α_k, 0 otherwise);
ReLU with X a mixture of centred Gaussians X = C_k G: through the arc-cosine kernel of degree 1
(Cho & Saul 2009)

    E[ρ(a·G) ρ(b·G)] = ‖a‖‖b‖ (sin φ + (π − φ) cos φ) / (2π),   φ = ∠(a, b),

and its gradient (Tian, ICML 2017, eq. (3)): :func:`relu_kernel`, :func:`relu_kernel_grad`.
Sources: Venturi, Bandeira & Bruna, JMLR 20 (2019), §2; papers.md §4.1, §4.5(a).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sublevel.numerics.energies.activations import make_activation
from sublevel.numerics.energies.convex_lifting import (
    LiftedProblem,
    PolynomialFeatures,
    polynomial_features,
)
from sublevel.numerics.energies.two_layer import (
    TwoLayerEnergy,
    _binomial_powers,
    _check_int,
    _finite_matrix,
    _poly_square_form,
)
from sublevel.theory.errors import InputError

__all__ = ["PopulationTwoLayer", "relu_kernel", "relu_kernel_grad"]


class PopulationTwoLayer(TwoLayerEnergy):
    """E(θ) = E‖U ρ(WX) − Y‖² in closed form, Y = U_t ρ_t(W_t X) + σε (ε ~ N(0, I_m)).

    ``mixture`` is a list of (weight π_k, factor C_k (n × r_k)): X = C_k G with probability π_k,
    G ~ N(0, I_{r_k}) (default: X ~ N(0, I_n)). Polynomial ρ (with ρ_t polynomial) needs the
    standard Gaussian; ReLU (with a ReLU teacher) takes any mixture. Other activations have no
    closed form here: use :class:`EmpiricalTwoLayer`.
    """

    def __init__(
        self,
        activation: Any,
        n: int,
        p: int,
        *,
        teacher_W: Any,
        teacher_U: Any,
        teacher_activation: Any = None,
        noise_variance: float = 0.0,
        mixture: Sequence[tuple[float, Any]] | None = None,
    ):
        self.activation = make_activation(activation)
        self.teacher_activation = (
            self.activation if teacher_activation is None else make_activation(teacher_activation)
        )
        n = _check_int(n, "n")
        Wt = _finite_matrix(teacher_W, "teacher_W")
        Ut = np.asarray(teacher_U, dtype=np.float64)
        if Ut.ndim == 1:
            Ut = Ut[None, :]
        Ut = _finite_matrix(Ut, "teacher_U")
        if Wt.shape[1] != n or Ut.shape[1] != Wt.shape[0]:
            raise InputError(f"teacher shapes W_t {Wt.shape}, U_t {Ut.shape} do not fit n = {n}")
        if not (math.isfinite(noise_variance) and noise_variance >= 0):
            raise InputError(f"noise_variance = {noise_variance!r} must be finite and ≥ 0")
        self.Wt, self.Ut, self.noise_variance = Wt, Ut, float(noise_variance)
        self._init_sizes(n, _check_int(p, "p"), Ut.shape[0])
        kinds = {self.activation.kind, self.teacher_activation.kind}
        if kinds == {"polynomial"}:
            self.mode = "polynomial"
            if mixture is not None:
                raise InputError(
                    "a Gaussian mixture is supported for ReLU only; polynomial "
                    "population energies use X ~ N(0, I_n)"
                )
            self.mixture = [(1.0, np.eye(n))]
            self._setup_polynomial()
        elif kinds == {"relu"}:
            self.mode = "relu"
            self.mixture = self._check_mixture(mixture, n)
        else:
            raise InputError(
                f"no closed-form population energy for activation {self.activation.name} with "
                f"teacher {self.teacher_activation.name}; polynomial or ReLU only (use the "
                "empirical energy)"
            )

    @staticmethod
    def _check_mixture(mixture: Any, n: int) -> list[tuple[float, np.ndarray]]:
        if mixture is None:
            return [(1.0, np.eye(n))]
        out = []
        for i, item in enumerate(mixture):
            try:
                w, C = item
            except (TypeError, ValueError):
                raise InputError(f"mixture[{i}] must be a pair (weight, factor C)") from None
            C = _finite_matrix(C, f"mixture[{i}] factor")
            if C.shape[0] != n or not (math.isfinite(w) and w > 0):
                raise InputError(f"mixture[{i}]: weight {w!r} must be > 0 and C have {n} rows")
            out.append((float(w), C))
        total = sum(w for w, _ in out)
        if not out or abs(total - 1.0) > 1e-12:
            raise InputError(f"mixture weights sum to {total!r}; they must sum to 1")
        return out

    # ---- polynomial: the lifted Gram form
    def _setup_polynomial(self) -> None:
        fa = polynomial_features(self.activation, self.n)
        ft = polynomial_features(self.teacher_activation, self.n)
        keys = {tuple(e): i for i, e in enumerate(fa.exponents.tolist())}
        union = list(keys)
        for e in ft.exponents.tolist():
            if tuple(e) not in keys:
                keys[tuple(e)] = len(union)
                union.append(tuple(e))
        E = np.array(union, dtype=np.int64).reshape(len(union), self.n)
        ca = np.zeros(len(union))
        ca[: fa.size] = fa.coefficients
        ct = np.zeros(len(union))
        for e, c in zip(ft.exponents.tolist(), ft.coefficients):
            ct[keys[tuple(e)]] = c
        self._model = PolynomialFeatures(E, ca, fa.q)
        self._teacher = PolynomialFeatures(E, ct, ft.q)
        self._n_model = fa.size
        self.G = self._model.gaussian_gram()
        self.beta_t = self.Ut @ self._teacher.unit_features(self.Wt)  # (m, Q)

    def _energies(self, thetas: np.ndarray) -> np.ndarray:
        W, U = self._split(thetas)
        if self.mode == "polynomial":
            D = np.einsum("tmp,tpq->tmq", U, self._model.unit_features(W)) - self.beta_t[None]
            return np.einsum("tmq,qr,tmr->t", D, self.G, D) + self.m * self.noise_variance
        out = np.full(thetas.shape[0], self.m * self.noise_variance)
        for w, C in self.mixture:
            A = W @ C  # (T, p, r)
            B = self.Wt @ C  # (p_t, r)
            Kww = relu_kernel(A, A)
            Kwt = relu_kernel(A, np.broadcast_to(B, (A.shape[0],) + B.shape))
            Ktt = relu_kernel(B, B)
            out += w * (
                np.einsum("tmi,tij,tmj->t", U, Kww, U)
                - 2 * np.einsum("tmi,tij,mj->t", U, Kwt, self.Ut)
                + float(np.einsum("mi,ij,mj->", self.Ut, Ktt, self.Ut))
            )
        return out

    def _energy_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        W, U = self.unflatten(theta)
        if self.mode == "polynomial":
            A = self._model.unit_features(W)  # (p, Q)
            D = U @ A - self.beta_t
            GD = 2 * D @ self.G  # dE/dβ (m, Q)
            e = float(np.einsum("mq,qr,mr->", D, self.G, D)) + self.m * self.noise_variance
            gU = GD @ A.T
            gA = U.T @ GD  # (p, Q)
            gW = np.einsum("pq,pqn->pn", gA, self._model.unit_features_jacobian(W))
            return e, np.concatenate([gW.ravel(), gU.ravel()])
        e = self.m * self.noise_variance
        gW = np.zeros_like(W)
        gU = np.zeros_like(U)
        P = U.T @ U
        Pt = U.T @ self.Ut
        for (w, C), c_tt in zip(self.mixture, self._teacher_terms()):
            A = W @ C
            K, G = _relu_kernel_and_grad(A, np.vstack([A, self.Wt @ C]))
            Kww, Kwt = K[:, : self.p], K[:, self.p :]
            e += w * (float(np.sum(P * Kww)) - 2 * float(np.sum(Pt * Kwt)) + c_tt)
            gU += w * (2 * U @ Kww - 2 * self.Ut @ Kwt.T)
            gA = 2 * np.einsum("ij,ijr->ir", P, G[:, : self.p]) - 2 * np.einsum(
                "ij,ijr->ir", Pt, G[:, self.p :]
            )
            gW += w * gA @ C.T
        return float(e), np.concatenate([gW.ravel(), gU.ravel()])

    def _teacher_terms(self) -> list[float]:
        """E‖U_t ρ(W_t X)‖² per mixture component (constant; cached)."""
        if getattr(self, "_tt", None) is None:
            self._tt = [
                float(np.einsum("mi,ij,mj->", self.Ut, relu_kernel(B, B), self.Ut))
                for B in (self.Wt @ C for _, C in self.mixture)
            ]
        return self._tt

    # ---- exact energy along segments
    def output_quadratic(self, W: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        """For fixed W: (U0, ΔU) ↦ (c0, c1, c2) of E(U0 + tΔU) in closed form — through the
        Gaussian Gram G of the lifted features (polynomial ρ) or the ReLU kernels of W and W_t
        in every mixture component (ReLU); c0 includes the noise mσ²."""
        if self.mode == "polynomial":
            A = self._model.unit_features(W)

            def coeffs(U0: np.ndarray, dU: np.ndarray) -> np.ndarray:
                R0, D = U0 @ A - self.beta_t, dU @ A
                g = self.G
                return np.array(
                    [
                        np.einsum("mq,qr,mr->", R0, g, R0) + self.m * self.noise_variance,
                        2 * np.einsum("mq,qr,mr->", D, g, R0),
                        np.einsum("mq,qr,mr->", D, g, D),
                    ]
                )

            return coeffs
        mats = []
        for w, C in self.mixture:
            A, B = W @ C, self.Wt @ C
            mats.append((w, relu_kernel(A, A), relu_kernel(A, B), relu_kernel(B, B)))

        def coeffs_relu(U0: np.ndarray, dU: np.ndarray) -> np.ndarray:
            c = np.array([self.m * self.noise_variance, 0.0, 0.0])
            for w, Kww, Kwt, Ktt in mats:
                c[0] += w * (
                    np.sum(U0 @ Kww * U0)
                    - 2 * np.sum(U0 @ Kwt * self.Ut)
                    + np.sum(self.Ut @ Ktt * self.Ut)
                )
                c[1] += w * (2 * np.sum(dU @ Kww * U0) - 2 * np.sum(dU @ Kwt * self.Ut))
                c[2] += w * np.sum(dU @ Kww * dU)
            return c

        return coeffs_relu

    def _polynomial_along(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        Wa, Ua = self.unflatten(a)
        Wb, Ub = self.unflatten(b)
        feats = self._model
        k = int(feats.exponents.sum(axis=1).max())
        P = _binomial_powers(Wa, Wb - Wa, k)  # (k+1 [e], k+1 [s], p, n)
        Apoly = np.zeros((k + 1, self.p, feats.size))
        Apoly[0] = 1.0
        for j in range(self.n):
            factor = P[feats.exponents[:, j], :, :, j]  # (Q, k+1 [s], p)
            factor = np.transpose(factor, (1, 2, 0))  # (s, p, Q)
            new = np.zeros_like(Apoly)
            for s1 in range(k + 1):
                for s2 in range(k + 1 - s1):
                    new[s1 + s2] += Apoly[s1] * factor[s2]
            Apoly = new
        Apoly *= feats.coefficients
        beta = np.zeros((k + 2, self.m, feats.size))
        beta[:-1] += np.einsum("mp,spq->smq", Ua, Apoly)
        beta[1:] += np.einsum("mp,spq->smq", Ub - Ua, Apoly)
        beta[0] -= self.beta_t
        g = self.G
        out = _poly_square_form(beta, lambda r, s: float(np.einsum("mq,qr,mr->", r, g, s)))
        out[0] += self.m * self.noise_variance
        return out

    def function_values(self, thetas: Any) -> np.ndarray:
        """The lifted coefficients β(θ) (T, m·Q) that determine the function (polynomial ρ)."""
        if self.mode != "polynomial":
            raise InputError("function_values needs a polynomial activation (the lifted β)")
        W, U = self._split(np.atleast_2d(np.asarray(thetas, dtype=np.float64)))
        beta = np.einsum("tmp,tpq->tmq", U, self._model.unit_features(W))
        return beta.reshape(beta.shape[0], -1)

    def lifted_problem(self, kind: str = "auto", **options: Any) -> LiftedProblem:
        """F(β) = tr((β − β_t) G (β − β_t)ᵀ) + mσ² with G the Gaussian moment matrix, restricted
        to the model's monomials (polynomial ρ, X ~ N(0, I_n))."""
        if kind not in ("auto", "polynomial"):
            raise InputError(f"population lifting kind {kind!r}: only 'polynomial' is available")
        if self.mode != "polynomial":
            raise InputError(
                f"activation {self.activation.name} is not a polynomial; the "
                "population lifting needs one"
            )
        Q = np.eye(self._model.size)[:, : self._n_model]
        model = self._model
        problem = LiftedProblem(
            "polynomial",
            model.unit_features,
            self.G,
            self.beta_t.copy(),
            self.m * self.noise_variance,
            Q,
            None,
            {"q": model.q, "monomials": self._n_model},
        )
        return problem

    # ---- Monte Carlo
    def sample(self, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(X, Y) drawn from the population (the mixture and the teacher plus noise)."""
        size = _check_int(size, "size")
        weights = np.array([w for w, _ in self.mixture])
        comp = rng.choice(len(self.mixture), size=size, p=weights)
        X = np.zeros((size, self.n))
        for k, (_, C) in enumerate(self.mixture):
            idx = np.flatnonzero(comp == k)
            X[idx] = rng.normal(size=(idx.size, C.shape[1])) @ C.T
        Y = self.teacher_activation(X @ self.Wt.T) @ self.Ut.T
        if self.noise_variance:
            Y = Y + np.sqrt(self.noise_variance) * rng.normal(size=Y.shape)
        return X, Y

    def monte_carlo(self, theta: Any, size: int, seed: int = 0) -> tuple[float, float]:
        """(mean, standard error) of ‖Uρ(WX) − Y‖² over ``size`` samples: an independent check
        of the closed form."""
        X, Y = self.sample(size, np.random.default_rng(seed))
        W, U = self.unflatten(theta)
        R = self.activation(X @ W.T) @ U.T - Y
        losses = np.sum(R * R, axis=1)
        return float(losses.mean()), float(losses.std(ddof=1) / np.sqrt(size))


def _cosines(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    na = np.linalg.norm(A, axis=-1)
    nb = np.linalg.norm(B, axis=-1)
    dots = np.einsum("...ir,...jr->...ij", A, B)
    denom = na[..., :, None] * nb[..., None, :]
    safe = np.where(denom > 0, denom, 1.0)
    cos = np.clip(np.where(denom > 0, dots / safe, 1.0), -1.0, 1.0)
    return cos, na, nb


def relu_kernel(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """K_ij = E[ρ(a_i·G) ρ(b_j·G)] = ‖a_i‖‖b_j‖ (sin φ + (π − φ) cos φ)/(2π), G ~ N(0, I)
    (arc-cosine kernel of degree 1, Cho & Saul 2009); rows of A (..., p, r), B (..., q, r)."""
    cos, na, nb = _cosines(A, B)
    phi = np.arccos(cos)
    return (
        na[..., :, None]
        * nb[..., None, :]
        * (np.sqrt(1 - cos**2) + (np.pi - phi) * cos)
        / (2 * np.pi)
    )


def _relu_kernel_and_grad(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(relu_kernel(A, B), relu_kernel_grad(A, B)) for 2-D A, B with one pass over the angles."""
    cos, na, nb = _cosines(A, B)
    phi = np.arccos(cos)
    sin = np.sqrt(1 - cos**2)
    K = na[:, None] * nb[None, :] * (sin + (np.pi - phi) * cos) / (2 * np.pi)
    unit_a = A / np.where(na > 0, na, 1.0)[:, None]
    G = (
        (np.pi - phi)[..., None] * B[None, :, :]
        + (nb[None, :] * sin)[..., None] * unit_a[:, None, :]
    ) / (2 * np.pi)
    alive = (na[:, None] > 0) & (nb[None, :] > 0)
    return K, G * alive[..., None]


def relu_kernel_grad(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """∇_a K(a_i, b_j) = ((π − φ) b_j + ‖b_j‖ sin φ · a_i/‖a_i‖)/(2π), shape (p, q, r); 0 where
    a_i = 0 (the ρ'(0) = 0 convention) or b_j = 0 (then K ≡ 0). Tian (ICML 2017), eq. (3)."""
    cos, na, nb = _cosines(A, B)
    phi = np.arccos(cos)
    sin = np.sqrt(1 - cos**2)
    unit_a = A / np.where(na > 0, na, 1.0)[..., None]
    g = (
        (np.pi - phi)[..., None] * B[..., None, :, :]
        + (nb[..., None, :] * sin)[..., None] * unit_a[..., :, None, :]
    ) / (2 * np.pi)
    alive = (na[..., :, None] > 0) & (nb[..., None, :] > 0)
    return g * alive[..., None]
