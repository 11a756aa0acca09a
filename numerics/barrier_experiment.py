"""Endpoints for barrier measurements: SGD-trained ReLU MLPs, torch checkpoints, the width sweep.

* :func:`relu_mlp_landscape` — the built-in models' data and loss as a ReLU
  :class:`~sublevel.numerics.energies.mlp.MLPLandscape` (``digits-mlp``: scikit-learn digits, pixels/16;
  ``fashion-mlp``: a seeded subset of Debian's Fashion-MNIST, pixels/255);
* :func:`train_sgd` — minibatch SGD with momentum (torch, float32, seeded), returned as the
  float64 θ whose values the certificate is about (float32 → float64 is exact);
* :func:`theta_from_state_dict` — a torch ``state_dict`` of ``nn.Sequential(Linear, ReLU, …)``
  as θ, with one-line errors naming a missing/unexpected key, a shape mismatch or a
  non-finite entry;
* :func:`width_sweep` — the permutation-conjecture experiment: per width, two SGD runs, the
  certified barrier before/after weight matching and the sampled 25/61-point estimates.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from sublevel.numerics.energies.mlp import MLPLandscape
from sublevel.theory.errors import InputError

__all__ = [
    "relu_mlp_landscape",
    "train_sgd",
    "theta_from_state_dict",
    "width_sweep",
    "sampled_barrier",
    "BUILTIN_MODELS",
]

BUILTIN_MODELS = ("digits-mlp", "fashion-mlp")


def relu_mlp_landscape(
    model: str,
    hidden: Sequence[int],
    *,
    n_train: int | None = None,
    loss: str = "cross-entropy",
    seed: int = 0,
) -> MLPLandscape:
    """ReLU MLP n_in-hidden-10 on a built-in data set (one-hot targets for ``mse``)."""
    from sublevel.numerics.data import digits, fashion_mnist

    if model not in BUILTIN_MODELS:
        raise InputError(f"model {model!r} is not one of {', '.join(BUILTIN_MODELS)}")
    if not hidden or any(int(h) < 1 for h in hidden):
        raise InputError(f"hidden widths {list(hidden)} must be ≥ 1")
    if model == "digits-mlp":
        data = digits(n_train if n_train is not None else 1797, None, seed)
    else:
        data = fashion_mnist(n_train if n_train is not None else 2000, 1, seed)
    X, y = data.X_train, data.y_train
    Y = y if loss == "cross-entropy" else np.eye(10)[y]
    name = f"{model} {X.shape[1]}-{'-'.join(map(str, hidden))}-10 ReLU ({X.shape[0]} samples)"
    return MLPLandscape(
        [X.shape[1], *map(int, hidden), 10], X, Y, activation="relu", loss=loss, name=name
    )


def _torch_mlp(widths: Sequence[int], seed: int) -> Any:
    from sublevel.numerics.backends.models import mlp

    return mlp(list(widths), "relu", seed=seed)


def train_sgd(
    landscape: MLPLandscape,
    seed: int,
    *,
    epochs: int = 30,
    lr: float = 0.1,
    momentum: float = 0.9,
    batch: int = 64,
) -> np.ndarray:
    """θ after minibatch SGD (torch default init and batch order from ``seed``)."""
    import torch

    torch.set_num_threads(1)
    net = _torch_mlp(landscape.widths, seed)
    X = torch.as_tensor(landscape.X, dtype=torch.float32)
    if landscape.loss == "cross-entropy":
        Y = torch.as_tensor(landscape.Y, dtype=torch.long)
        loss_fn: Any = torch.nn.functional.cross_entropy
    else:
        Y = torch.as_tensor(landscape.Y, dtype=torch.float32)
        loss_fn = torch.nn.functional.mse_loss
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    gen = torch.Generator().manual_seed(int(seed))
    for _ in range(int(epochs)):
        order = torch.randperm(X.shape[0], generator=gen)
        for s in range(0, X.shape[0], batch):
            idx = order[s : s + batch]
            opt.zero_grad()
            loss_fn(net(X[idx]), Y[idx]).backward()
            opt.step()
    return theta_from_state_dict(landscape, net.state_dict())


def theta_from_state_dict(landscape: MLPLandscape, state: dict[str, Any]) -> np.ndarray:
    """θ (float64, exact copies of the stored values) from a Sequential MLP's ``state_dict``."""
    keys = []
    for i in range(len(landscape.shapes)):
        keys += [f"{2 * i}.weight", f"{2 * i}.bias"]
    missing = [k for k in keys if k not in state]
    if missing:
        raise InputError(f"state_dict has no key {missing[0]!r} (expected {', '.join(keys)})")
    extra = [k for k in state if k not in keys]
    if extra:
        raise InputError(
            f"state_dict key {extra[0]!r} is not a Linear layer of the "
            f"{landscape.name} architecture (supported: Linear and ReLU only)"
        )
    layers = []
    for i, (o, n) in enumerate(landscape.shapes):
        W = np.asarray(state[f"{2 * i}.weight"].detach().cpu().double().numpy())
        b = np.asarray(state[f"{2 * i}.bias"].detach().cpu().double().numpy())
        for key, v, shape in ((f"{2 * i}.weight", W, (o, n)), (f"{2 * i}.bias", b, (o,))):
            if v.shape != shape:
                raise InputError(
                    f"state_dict[{key!r}] has shape {v.shape}; the architecture needs {shape}"
                )
            if not np.all(np.isfinite(v)):
                raise InputError(f"state_dict[{key!r}] has non-finite entries")
        layers.append((W, b))
    return landscape.theta_from_layers(layers)


def sampled_barrier(landscape: MLPLandscape, a: np.ndarray, b: np.ndarray, n: int) -> float:
    """max over an n-point grid of E(θ(t)) − max(E_A, E_B) (the field's estimate)."""
    t = np.linspace(0.0, 1.0, int(n))
    e = landscape.energies(a[None, :] + t[:, None] * (b - a)[None, :])
    return float(e.max() - max(e[0], e[-1]))


def width_sweep(
    model: str,
    depths: Sequence[int],
    widths: Sequence[int],
    *,
    seeds: tuple[int, int] = (0, 1),
    n_train: int | None = None,
    epochs: int = 30,
    loss: str = "cross-entropy",
    rel_tol: float = 1e-7,
    log: Any = None,
) -> list[dict[str, Any]]:
    """One row per (depth, width): certified barrier unaligned/aligned (enclosures), sampled
    25- and 61-point estimates and by how much they miss the certified value (the maxima
    resolved to ``rel_tol``; the enclosures are proven at any tolerance)."""
    from sublevel.numerics.barrier import barrier

    rows = []
    for depth in depths:
        for width in widths:
            land = relu_mlp_landscape(model, [width] * depth, n_train=n_train, loss=loss)
            t0 = time.perf_counter()
            a = train_sgd(land, seeds[0], epochs=epochs)
            b = train_sgd(land, seeds[1], epochs=epochs)
            t_train = time.perf_counter() - t0
            row: dict[str, Any] = {
                "model": model,
                "depth": depth,
                "width": width,
                "samples": land.X.shape[0],
                "E_A": land.energy(a),
                "E_B": land.energy(b),
                "train_s": t_train,
            }
            for tag, theta_b in (("raw", b), ("aligned", _aligned(land, a, b))):
                t0 = time.perf_counter()
                r = barrier(land, a, theta_b, rel_tol=rel_tol)
                row[f"{tag}_barrier"] = r.barrier
                row[f"{tag}_enclosure"] = r.barrier_enclosure
                row[f"{tag}_interp"] = r.interpolation_barrier
                row[f"{tag}_pieces"] = r.n_pieces
                row[f"{tag}_outcome"] = r.certificate.outcome
                row[f"{tag}_s"] = time.perf_counter() - t0
                for n in (25, 61):
                    s = sampled_barrier(land, a, theta_b, n)
                    row[f"{tag}_grid{n}"] = s
                    row[f"{tag}_miss{n}"] = r.barrier_enclosure[0] - s
            rows.append(row)
            if log is not None:
                log(row)
    return rows


def _aligned(land: MLPLandscape, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    from sublevel.numerics.geodesic.alignment import align

    return align(land, a, b)[0]
