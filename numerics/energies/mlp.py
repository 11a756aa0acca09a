"""Fully connected networks as numpy landscapes: E, ∇E (backpropagation) and batched E.

E(θ) = loss(Φ(X; θ), Y) (+ ½·weight_decay·‖θ‖²), Φ(x; θ) = W_K σ(⋯σ(W_1 x + b_1)⋯) + b_K
(the output activation is ``output``: linear by default, sigmoid for BF'16's quadratic task).
Losses: ``mae`` (mean |Φ − y|, BF'16's polynomial experiments, papers.md §5.2), ``mse``,
``cross-entropy`` (integer labels, log-softmax). θ is laid out layer by layer, each as W (out ×
in, row-major) then b (out). ``energies(Θ)`` evaluates T points at once with batched matrix
products (no loop over points), in chunks bounded by ``max_batch_entries``.

:func:`cubic_regression` builds BF'16's cubic experiment (§5.3, C13): 1-4-4-1, sigmoid hidden
units, linear output, MAE on f(x) = 8x³ − 10x² + 3x; :func:`digits_mlp` an MLP on the
scikit-learn digits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import expit, logsumexp
from sublevel.numerics.data import Dataset, cubic_data, digits
from sublevel.numerics.landscape import Landscape, as_theta
from sublevel.theory.errors import InputError

__all__ = ["MLPLandscape", "cubic_regression", "digits_mlp", "ACTIVATIONS", "LOSSES"]

ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")
LOSSES = ("mae", "mse", "cross-entropy")


def _act(name: str, z: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return expit(z)
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, 0.0)
    return z


def _dact(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return a * (1.0 - a)
    if name == "tanh":
        return 1.0 - a * a
    if name == "relu":
        return (z > 0).astype(np.float64)
    return np.ones_like(z)


class MLPLandscape(Landscape):
    """An MLP with ``widths`` [n_in, h_1, …, n_out] on data (X, Y) as a landscape."""

    def __init__(
        self,
        widths: Sequence[int],
        X: Any,
        Y: Any,
        *,
        activation: str = "sigmoid",
        output: str = "linear",
        loss: str = "mse",
        weight_decay: float = 0.0,
        max_batch_entries: int = 4_000_000,
        name: str = "mlp",
    ):
        w = [int(v) for v in widths]
        if len(w) < 2 or min(w) < 1:
            raise InputError(f"widths {list(widths)} must have ≥ 2 entries, each ≥ 1")
        if activation not in ACTIVATIONS or output not in ACTIVATIONS:
            bad = activation if activation not in ACTIVATIONS else output
            raise InputError(f"activation {bad!r} is not one of {ACTIVATIONS}")
        if loss not in LOSSES:
            raise InputError(f"loss {loss!r} is not one of {LOSSES}")
        if not (np.isfinite(weight_decay) and weight_decay >= 0):
            raise InputError(f"weight_decay {weight_decay!r} must be finite and ≥ 0")
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != w[0] or X.shape[0] == 0:
            raise InputError(f"X has shape {X.shape}; expected (N ≥ 1, {w[0]})")
        if loss == "cross-entropy":
            Y = np.asarray(Y).reshape(-1)
            if Y.shape[0] != X.shape[0] or not np.all((Y >= 0) & (Y < w[-1]) & (Y == np.round(Y))):
                raise InputError(f"labels must be {X.shape[0]} integers in [0, {w[-1]})")
            Y = Y.astype(np.int64)
        else:
            Y = np.asarray(Y, dtype=np.float64).reshape(X.shape[0], -1)
            if Y.shape[1] != w[-1]:
                raise InputError(f"Y has {Y.shape[1]} columns; the network has {w[-1]} outputs")
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(Y))):
            raise InputError("data contain non-finite values")
        self.widths, self.X, self.Y = w, X, Y
        self.activation, self.output, self.loss = activation, output, loss
        self.weight_decay, self.max_batch_entries, self.name = (
            float(weight_decay),
            int(max_batch_entries),
            name,
        )
        self.shapes = [(b, a) for a, b in zip(w[:-1], w[1:])]
        self.dim = int(sum(o * i + o for o, i in self.shapes))
        if activation == "relu" and output == "linear" and loss in ("mse", "cross-entropy"):
            self.certify_segment = self._certify_segment  # DSS certifies segments rigorously

    def _certify_segment(self, a: Any, b: Any, bound: float, **kw: Any) -> Any:
        """``rigorous`` certificate of E ≤ bound on the segment a → b (deep ReLU, issue 14)."""
        from sublevel.numerics.barrier import certify_deep_relu_segment

        return certify_deep_relu_segment(self, a, b, bound, **kw)

    # ------------------------------------------------------------------ structure
    def layers(self, theta: Any) -> list[tuple[np.ndarray, np.ndarray]]:
        """[(W_1, b_1), …, (W_K, b_K)] (views into θ)."""
        th = as_theta(theta, self.dim)
        out, k = [], 0
        for o, i in self.shapes:
            W = th[k : k + o * i].reshape(o, i)
            k += o * i
            out.append((W, th[k : k + o]))
            k += o
        return out

    unflatten = layers

    def theta_from_layers(self, layers: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """[(W_1, b_1), …] → θ = (vec W_1, b_1, vec W_2, b_2, …), the inverse of :meth:`layers`;
        an InputError when the total length is not ``dim`` or an entry is not finite."""
        flat = np.concatenate([np.concatenate([np.ravel(W), np.ravel(b)]) for W, b in layers])
        return as_theta(flat, self.dim, name="layers")

    def weight_mask(self) -> np.ndarray:
        """True on weight entries, False on biases (BF'16's SpringNorm uses weights only)."""
        return np.concatenate(
            [np.concatenate([np.ones(o * i, bool), np.zeros(o, bool)]) for o, i in self.shapes]
        )

    def init(self, seed: int = 0, scheme: str = "paper") -> np.ndarray:
        """A random θ: ``paper`` = U(−1, 1) weights and N(0, 1) biases (BF'16's code);
        ``glorot`` = N(0, 1/fan_in) weights and zero biases."""
        rng = np.random.default_rng(seed)
        parts = []
        for o, i in self.shapes:
            if scheme == "paper":
                parts += [rng.uniform(-1, 1, o * i), rng.standard_normal(o)]
            elif scheme == "glorot":
                parts += [rng.standard_normal(o * i) / np.sqrt(i), np.zeros(o)]
            else:
                raise InputError(f"init scheme {scheme!r} is not 'paper' or 'glorot'")
        return np.concatenate(parts)

    # ------------------------------------------------------------------ forward
    def _forward_batch(self, thetas: np.ndarray, X: np.ndarray) -> np.ndarray:
        T, k = thetas.shape[0], 0
        H = np.broadcast_to(X, (T,) + X.shape)
        for li, (o, i) in enumerate(self.shapes):
            W = thetas[:, k : k + o * i].reshape(T, o, i)
            k += o * i
            b = thetas[:, k : k + o]
            k += o
            Z = np.matmul(H, W.transpose(0, 2, 1)) + b[:, None, :]
            H = _act(self.activation if li < len(self.shapes) - 1 else self.output, Z)
        return H

    def predict(self, theta: Any, X: Any | None = None) -> np.ndarray:
        """The network's outputs (L, d_out) at θ on ``X`` (default: the training inputs), after
        the output activation ``output``."""
        x = self.X if X is None else np.asarray(X, dtype=np.float64)
        return self._forward_batch(as_theta(theta, self.dim)[None, :], x)[0]

    def _loss_batch(self, P: np.ndarray, Y: np.ndarray) -> np.ndarray:
        if self.loss == "mae":
            return np.mean(np.abs(P - Y[None]), axis=(1, 2))
        if self.loss == "mse":
            return np.mean((P - Y[None]) ** 2, axis=(1, 2))
        lse = logsumexp(P, axis=2)
        picked = np.take_along_axis(
            P, np.broadcast_to(Y[None, :, None], P.shape[:2] + (1,)), axis=2
        )[..., 0]
        return np.mean(lse - picked, axis=1)

    def _energies(self, thetas: np.ndarray) -> np.ndarray:
        per_point = self.X.shape[0] * max(self.widths)
        chunk = max(1, self.max_batch_entries // per_point)
        out = np.empty(thetas.shape[0])
        for s in range(0, thetas.shape[0], chunk):
            th = thetas[s : s + chunk]
            out[s : s + chunk] = self._loss_batch(self._forward_batch(th, self.X), self.Y)
        if self.weight_decay:
            out += 0.5 * self.weight_decay * np.sum(thetas * thetas, axis=1)
        return out

    def _energy_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        layers = self.layers(theta)
        acts, zs = [self.X], []
        for li, (W, b) in enumerate(layers):
            z = acts[-1] @ W.T + b
            zs.append(z)
            acts.append(_act(self.activation if li < len(layers) - 1 else self.output, z))
        P, Y, N = acts[-1], self.Y, self.X.shape[0]
        if self.loss == "mae":
            e = float(np.mean(np.abs(P - Y)))
            dP = np.sign(P - Y) / P.size
        elif self.loss == "mse":
            e = float(np.mean((P - Y) ** 2))
            dP = 2.0 * (P - Y) / P.size
        else:
            lse = logsumexp(P, axis=1)
            e = float(np.mean(lse - P[np.arange(N), Y]))
            dP = np.exp(P - lse[:, None])
            dP[np.arange(N), Y] -= 1.0
            dP /= N
        grads: list[np.ndarray] = []
        delta = dP * _dact(self.output, zs[-1], acts[-1])
        for li in range(len(layers) - 1, -1, -1):
            W, _ = layers[li]
            grads.append(delta.sum(axis=0))
            grads.append((delta.T @ acts[li]).ravel())
            if li:
                delta = (delta @ W) * _dact(self.activation, zs[li - 1], acts[li])
        g = np.concatenate(grads[::-1])
        if self.weight_decay:
            e += 0.5 * self.weight_decay * float(theta @ theta)
            g = g + self.weight_decay * theta
        return e, g

    def error_rate(self, theta: Any, X: Any | None = None, y: Any | None = None) -> float:
        """Classification error of argmax Φ(x) (cross-entropy networks)."""
        P = self.predict(theta, X)
        labels = self.Y if y is None else np.asarray(y)
        return float(np.mean(np.argmax(P, axis=1) != labels))


def cubic_regression(
    n: int = 1000, *, widths: Sequence[int] = (1, 4, 4, 1), seed: int = 0, loss: str = "mae"
) -> MLPLandscape:
    """BF'16's cubic experiment: sigmoid hidden units, linear output, MAE on f = 8x³ − 10x² + 3x
    at ``n`` points x ~ U[0, 1] (the paper: 10,000 fixed test points)."""
    data = cubic_data(n, 1, seed)
    return MLPLandscape(
        widths,
        data.X_train,
        data.y_train,
        activation="sigmoid",
        output="linear",
        loss=loss,
        name="cubic 1-4-4-1",
    )


def digits_mlp(
    hidden: Sequence[int] = (16,),
    *,
    n_train: int = 500,
    seed: int = 0,
    activation: str = "tanh",
    weight_decay: float = 0.0,
    dataset: Dataset | None = None,
) -> MLPLandscape:
    """Cross-entropy MLP 64-h-…-10 on ``n_train`` scikit-learn digits (seeded subset)."""
    data = dataset if dataset is not None else digits(n_train, None, seed)
    return MLPLandscape(
        [64, *hidden, 10],
        data.X_train,
        data.y_train,
        activation=activation,
        loss="cross-entropy",
        weight_decay=weight_decay,
        name=f"digits MLP 64-{'-'.join(map(str, hidden))}-10",
    )
