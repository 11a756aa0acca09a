"""The experiments of ``sublevel geodesic``: a landscape, how to draw endpoints, default levels
and the DSS constants of the paper for each model.

=============  ============================================================  ===============
model          landscape                                                     level quantity
=============  ============================================================  ===============
convex         random convex quadratic in R^6 (exact certificates)           E
double-well    rotated double well in R^3, ridge h = 1 (exact)               E
ring           ring valley (‖x‖² − 1)² in R^3 (exact)                        E
cubic          BF'16 cubic regression, 1-4-4-1 sigmoid, MAE (numpy)          MAE
quadratic      BF'16 quadratic regression, 1-4-4-1 sigmoid/sigmoid, MAE      MAE
digits-mlp     MLP 64-32-10 tanh on scikit-learn digits (numpy)              train cross-entropy
digits-cnn     small CNN on digits 8×8 (torch)                               train cross-entropy
fashion-cnn    small CNN on Fashion-MNIST 28×28 (torch; Debian files)        train cross-entropy
=============  ============================================================  ===============

BF'16 thresholds test error for MNIST/CIFAR; here the level is the (differentiable) training
loss on a fixed subset, stated in every result (papers.md §9.9).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sublevel.numerics.geodesic import paper
from sublevel.theory.errors import InputError

__all__ = ["Experiment", "MODELS", "build_experiment"]

MODELS = (
    "convex",
    "double-well",
    "ring",
    "cubic",
    "quadratic",
    "digits-mlp",
    "digits-cnn",
    "fashion-cnn",
)

_POLY = {"train_factor": 0.95, "accept_factor": 1.1, "n_interp": 100}
_MNIST = {
    "train_factor": 0.98,
    "accept_factor": 1.02,
    "n_interp": 20,
    "certify_options": {"refine": 1, "xtol": 1e-4},
}
_EXACT = {"train_factor": 0.95, "accept_factor": 1.0, "n_interp": 100}


@dataclass
class Experiment:
    """A landscape with endpoint generation and the paper's constants."""

    name: str
    landscape: Any
    endpoints: Callable[[float], tuple[np.ndarray, np.ndarray]]
    levels: list[float]
    dss_options: dict[str, Any]
    level_quantity: str
    length_on: str = "weights"
    reference: list[tuple[float, float]] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)
    minima: Callable[[float, int], list[np.ndarray]] | None = None
    bead_optimizer: Any = None  # Adam for the beads (None: the DSS default, the paper's lr 1e-3)


def _trained(
    land: Any, init: Callable[[int], np.ndarray], seed: int, lr: float, max_steps: int
) -> Callable[[float, int], list[np.ndarray]]:
    """``minima(target, count)``: ``count`` points trained by Adam from independent seeded
    inits until E ≤ target."""
    from sublevel.numerics.geodesic.train import Adam, descend

    def minima(target: float, count: int) -> list[np.ndarray]:
        out = []
        for k in range(count):
            res = descend(
                land, init(seed * 7919 + k + 1), target, optimizer=Adam(lr=lr, max_steps=max_steps)
            )
            if not res.converged:
                raise InputError(
                    f"minimum {k} could not be trained below {target:.4g} "
                    f"({res.reason}); raise the lowest level or the step budget"
                )
            out.append(res.theta)
        return out

    return minima


def _experiment(
    model: str,
    land: Any,
    init: Callable[[int], np.ndarray],
    seed: int,
    max_steps: int,
    levels: list[float],
    options: dict[str, Any],
    quantity: str,
    reference: list[tuple[float, float]],
    info: dict[str, Any],
) -> Experiment:
    minima = _trained(land, init, seed, 1e-2, max_steps)

    def endpoints(target: float) -> tuple[np.ndarray, np.ndarray]:
        a, b = minima(target, 2)
        return a, b

    from sublevel.numerics.geodesic.train import Adam

    # cross-entropy networks: full-batch Adam at 1e-2 (the paper's 1e-4 was for minibatches)
    bead = Adam(lr=1e-2, max_steps=2000) if quantity != "MAE" else None
    return Experiment(
        model, land, endpoints, levels, options, quantity, "weights", reference, info, minima, bead
    )


def build_experiment(
    model: str,
    *,
    seed: int = 0,
    n_train: int | None = None,
    device: str | None = None,
    batchnorm: str = "recompute",
    hidden: int | None = None,
    max_steps: int = 20000,
) -> Experiment:
    """The experiment called ``model`` (see the module table)."""
    if model not in MODELS:
        raise InputError(f"model {model!r} is not one of {', '.join(MODELS)}")
    if device not in (None, "cpu") and model not in ("digits-cnn", "fashion-cnn"):
        raise InputError(
            f"--device {device!r} applies to the torch models (digits-cnn, fashion-cnn)"
        )
    rng = np.random.default_rng(seed)
    if model == "convex":
        from sublevel.numerics.geodesic.landscapes import ConvexQuadratic

        quad = ConvexQuadratic.random(6, seed=seed)

        def convex_ends(target: float) -> tuple[np.ndarray, np.ndarray]:
            pts = []
            for _ in range(2):
                v = rng.standard_normal(quad.dim)
                pts.append(
                    quad.center
                    + v * np.sqrt(target * rng.uniform(0.3, 1) / quad.energy(quad.center + v))
                )
            return pts[0], pts[1]

        return Experiment(
            model,
            quad,
            convex_ends,
            [4.0, 2.0, 1.0, 0.5],
            dict(_EXACT),
            "E",
            "all",
            info={"dim": quad.dim},
        )
    if model == "double-well":
        from sublevel.numerics.geodesic.landscapes import DoubleWell

        well = DoubleWell.random(3, seed=seed)
        v = np.concatenate([[0.0], rng.standard_normal(2)])
        v *= np.sqrt(0.3 / float(well.c @ v[1:] ** 2))
        e1 = np.eye(3)[0]
        ends = (well.from_y(-e1 + v), well.from_y(e1 + v))
        return Experiment(
            model,
            well,
            lambda target: ends,
            [1.5, 1.15, 1.05, 0.9, 0.6],
            dict(_EXACT, max_depth=8),
            "E",
            "all",
            info={"ridge": well.height},
        )
    if model == "ring":
        from sublevel.numerics.geodesic.landscapes import RingValley

        valley = RingValley(3)
        w = np.array([0.0, 0.01, 0.0])
        ends = (np.array([-1.0, 0, 0]) + w, np.array([1.0, 0, 0]) + w)
        return Experiment(
            model,
            valley,
            lambda target: ends,
            [0.5, 0.2, 0.1, 0.05, 0.01],
            dict(_EXACT, max_depth=12),
            "E",
            "all",
            reference=[(0.0, np.pi / 2)],
            info={"limit_length": np.pi / 2},
        )
    if model in ("cubic", "quadratic"):
        from sublevel.numerics.data import cubic_data, quadratic_data
        from sublevel.numerics.energies.mlp import MLPLandscape

        n = n_train or 1000
        data = (cubic_data if model == "cubic" else quadratic_data)(n, 1, seed)
        h = hidden or 4
        mlp = MLPLandscape(
            [1, h, h, 1],
            data.X_train,
            data.y_train,
            activation="sigmoid",
            output="linear" if model == "cubic" else "sigmoid",
            loss="mae",
            name=f"{model} 1-{h}-{h}-1",
        )
        levels = [0.3, 0.17, 0.1, 0.05] if model == "cubic" else [0.1, 0.05, 0.025, 0.01]
        ref = paper.CUBIC_LENGTH if model == "cubic" else paper.QUADRATIC_LENGTH
        return _experiment(
            model,
            mlp,
            lambda s: mlp.init(s, "paper"),
            seed,
            max_steps,
            levels,
            dict(_POLY),
            "MAE",
            ref,
            {"n_points": n},
        )
    if model == "digits-mlp":
        from sublevel.numerics.energies.mlp import digits_mlp

        mlp = digits_mlp((hidden or 32,), n_train=n_train or 500, seed=seed)
        return _experiment(
            model,
            mlp,
            lambda s: mlp.init(s, "glorot"),
            seed,
            max_steps,
            [1.0, 0.5, 0.2, 0.1],
            dict(_MNIST),
            "train cross-entropy",
            paper.MNIST_LENGTH,
            {"n_train": n_train or 500},
        )
    from sublevel.numerics.backends.models import small_cnn
    from sublevel.numerics.backends.torch import TorchLandscape

    if model == "digits-cnn":
        from sublevel.numerics.data import digits

        data = digits(n_train or 100, None, seed)
        kw: dict[str, Any] = {"c1": 4, "c2": 8, "hidden": hidden or 16, "image_size": 8}
        levels = [1.0, 0.5, 0.3]
    else:
        from sublevel.numerics.data import fashion_mnist

        data = fashion_mnist(n_train or 1000, 1000, seed)
        kw = {"c1": 8, "c2": 16, "hidden": hidden or 32, "image_size": 28, "kernel": 5}
        levels = [1.5, 1.0, 0.7]
    net = TorchLandscape(
        small_cnn(seed=seed, **kw),
        "cross-entropy",
        (data.images("train"), data.y_train),
        device=device,
        batchnorm=batchnorm,
        name=f"{model}",
    )

    def init(s: int) -> np.ndarray:
        return net.theta_of(small_cnn(seed=s, **kw))

    return _experiment(
        model,
        net,
        init,
        seed,
        max_steps,
        levels,
        dict(_MNIST),
        "train cross-entropy",
        paper.MNIST_LENGTH,
        {**net.info, "test_samples": int(data.X_test.shape[0]), "dataset": data.info},
    )
