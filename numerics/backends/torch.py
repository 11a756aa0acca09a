"""Any ``torch.nn.Module`` with a loss and data, as a landscape on a flat parameter vector.

``TorchLandscape(module, loss_fn, data, device=...)`` evaluates

    E(θ) = loss_fn(functional_call(module, unflatten(θ), X), Y)

with :func:`torch.func.functional_call` on a flat θ ∈ R^D (float64 by default), on CPU or CUDA
(the device decides; the solver code is the same). A batch of points Θ (T, D) is evaluated with
:func:`torch.func.vmap` in chunks (``chunk`` points at a time) — the hot path of every segment
certificate. Gradients come from :func:`torch.func.grad_and_value`.

Data: a pair of tensors/arrays ``(X, Y)`` (full batch) or a DataLoader, read once into a fixed
evaluation set; ``eval_subset=n`` keeps a seeded random subset of n samples. Which one was used
is recorded in :attr:`TorchLandscape.info`.

BatchNorm (papers.md §9.10): at interpolated weights the stored running statistics are stale.
``batchnorm="recompute"`` (default) evaluates every BatchNorm layer with the statistics of the
evaluation set at θ itself (Garipov et al.'s ``update_bn``, exact for the full evaluation set);
``batchnorm="stored"`` uses the module's stored running statistics. Dropout is always off.

torch is an optional dependency: this module imports it at import time, so import it only when
needed (``sublevel.numerics.backends`` does so lazily).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from sublevel.numerics.landscape import Landscape, as_theta, as_thetas
from sublevel.theory.errors import InputError
from torch.func import functional_call, grad_and_value, vmap

__all__ = ["TorchLandscape", "resolve_device", "available_devices"]

_BN = (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d, torch.nn.BatchNorm3d)
_LOSSES: dict[str, Callable[..., Any]] = {
    "cross-entropy": torch.nn.functional.cross_entropy,
    "mse": torch.nn.functional.mse_loss,
    "mae": torch.nn.functional.l1_loss,
}


def available_devices() -> list[str]:
    """Devices torch can use here: ``cpu`` and ``cuda:i`` for each visible GPU."""
    out = ["cpu"]
    if torch.cuda.is_available():
        out += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    return out


def resolve_device(device: Any = None) -> torch.device:
    """``None``/``"cpu"``/``"cuda"``/``"cuda:1"``/a torch.device, checked against what exists."""
    if device is None:
        return torch.device("cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise InputError(
            f"device {device!r} is not a torch device; devices present: "
            f"{', '.join(available_devices())}"
        ) from None
    if dev.type == "cpu":
        return dev
    if dev.type == "cuda" and torch.cuda.is_available():
        index = 0 if dev.index is None else dev.index
        if index < torch.cuda.device_count():
            return torch.device("cuda", index)
    raise InputError(
        f"device {str(device)!r} is not available; devices present: "
        f"{', '.join(available_devices())}"
    )


def _dtype(dtype: Any) -> torch.dtype:
    table = {
        "float64": torch.float64,
        "float32": torch.float32,
        torch.float64: torch.float64,
        torch.float32: torch.float32,
    }
    if dtype not in table:
        raise InputError(f"dtype {dtype!r} is not float64 or float32")
    return table[dtype]


def _as_tensor(x: Any) -> torch.Tensor:
    return (
        torch.from_numpy(np.ascontiguousarray(x))
        if isinstance(x, np.ndarray)
        else torch.as_tensor(x)
    )


def _read_data(data: Any) -> tuple[Any, Any, str]:
    if isinstance(data, torch.utils.data.DataLoader):
        xs, ys = [], []
        for batch in data:
            if not isinstance(batch, (list, tuple)) or len(batch) != 2:
                raise InputError("a DataLoader must yield (inputs, targets) pairs")
            xs.append(torch.as_tensor(batch[0]))
            ys.append(torch.as_tensor(batch[1]))
        if not xs:
            raise InputError("the DataLoader yielded no batches")
        return torch.cat(xs), torch.cat(ys), "DataLoader read once into a fixed evaluation set"
    if isinstance(data, (list, tuple)) and len(data) == 2:
        return _as_tensor(data[0]), _as_tensor(data[1]), "full batch"
    raise InputError(f"data of type {type(data).__name__} is neither (X, Y) nor a DataLoader")


class TorchLandscape(Landscape):
    """E(θ) = loss(module_θ(X), Y) for a ``torch.nn.Module`` on a flat θ.

    ``loss_fn``: a callable ``(outputs, targets) -> scalar tensor`` or one of
    ``"cross-entropy"``, ``"mse"``, ``"mae"``. ``chunk``: points per vmap call in ``energies``.
    """

    def __init__(
        self,
        module: torch.nn.Module,
        loss_fn: Callable[..., Any] | str,
        data: Any,
        *,
        device: Any = None,
        dtype: Any = "float64",
        batchnorm: str = "recompute",
        eval_subset: int | None = None,
        seed: int = 0,
        chunk: int = 64,
        name: str = "",
    ):
        if not isinstance(module, torch.nn.Module):
            raise InputError(f"module {module!r} is not a torch.nn.Module")
        if isinstance(loss_fn, str):
            if loss_fn not in _LOSSES:
                raise InputError(f"loss {loss_fn!r} is not one of {', '.join(_LOSSES)}")
            loss_fn = _LOSSES[loss_fn]
        if not callable(loss_fn):
            raise InputError(f"loss_fn {loss_fn!r} is not callable")
        if batchnorm not in ("recompute", "stored"):
            raise InputError(f"batchnorm={batchnorm!r} must be 'recompute' or 'stored'")
        if not (isinstance(chunk, int) and chunk >= 1):
            raise InputError(f"chunk {chunk!r} must be a positive integer")
        self.device, self.torch_dtype = resolve_device(device), _dtype(dtype)
        self.loss_fn, self.batchnorm, self.chunk, self.name = loss_fn, batchnorm, chunk, name
        X, Y, mode = _read_data(data)
        if X.shape[0] != Y.shape[0] or X.shape[0] == 0:
            raise InputError(f"inputs have {X.shape[0]} samples and targets {Y.shape[0]}")
        n_total = int(X.shape[0])
        if eval_subset is not None:
            if not (isinstance(eval_subset, int) and 1 <= eval_subset <= n_total):
                raise InputError(
                    f"eval_subset {eval_subset!r} must be an integer in [1, {n_total}]"
                )
            idx = torch.from_numpy(np.random.default_rng(seed).permutation(n_total)[:eval_subset])
            X, Y = X[idx], Y[idx]
            mode = f"fixed random subset of {eval_subset} of {n_total} samples (seed {seed})"
        fx = X.dtype.is_floating_point
        self.X = X.to(self.device, self.torch_dtype if fx else X.dtype)
        self.Y = Y.to(self.device, self.torch_dtype if Y.dtype.is_floating_point else Y.dtype)
        self.module = self._prepare(module)
        named = [(k, v) for k, v in self.module.named_parameters()]
        if not named:
            raise InputError("the module has no parameters")
        self.names = [k for k, _ in named]
        self.shapes = [tuple(v.shape) for _, v in named]
        self.sizes = [int(v.numel()) for _, v in named]
        self.dim = int(sum(self.sizes))
        self.buffers = {k: v for k, v in self.module.named_buffers()}
        self.has_batchnorm = any(isinstance(m, _BN) for m in self.module.modules())
        self.info = {
            "data": mode,
            "samples": int(self.X.shape[0]),
            "device": str(self.device),
            "dtype": str(self.torch_dtype).replace("torch.", ""),
            "batchnorm": self.batchnorm if self.has_batchnorm else "none in model",
            "parameters": self.dim,
        }
        self._vmapped = vmap(self._loss_flat)
        self._grad = grad_and_value(self._loss_flat)

    # ---------------------------------------------------------------- module preparation
    def _prepare(self, module: torch.nn.Module) -> torch.nn.Module:
        m = copy.deepcopy(module).to(self.device, self.torch_dtype)
        m.eval()  # dropout off
        if self.batchnorm == "recompute":
            for sub in m.modules():
                if isinstance(sub, _BN):
                    # batch statistics of the evaluation set at θ; no running buffers to mutate
                    sub.track_running_stats = False
                    sub.running_mean = None
                    sub.running_var = None
                    sub.num_batches_tracked = None
                    sub.train()
        for p in m.parameters():
            p.requires_grad_(False)
        return m

    # ---------------------------------------------------------------- flat ↔ named
    def _params(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        parts = torch.split(flat, self.sizes)
        return {k: p.reshape(s) for k, p, s in zip(self.names, parts, self.shapes)}

    def _loss_flat(self, flat: torch.Tensor) -> torch.Tensor:
        out = functional_call(self.module, (self._params(flat), self.buffers), (self.X,))
        return self.loss_fn(out, self.Y)

    def _tensor(self, arr: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(arr, dtype=self.torch_dtype).to(self.device)

    # ---------------------------------------------------------------- Landscape API
    def _energies(self, thetas: np.ndarray) -> np.ndarray:
        out = []
        with torch.no_grad():
            for start in range(0, thetas.shape[0], self.chunk):
                out.append(self._vmapped(self._tensor(thetas[start : start + self.chunk])))
        return torch.cat(out).to("cpu", torch.float64).numpy()

    def energies_loop(self, thetas: Any) -> np.ndarray:
        """The same values as :meth:`energies`, one point at a time (the benchmark's baseline)."""
        arr = as_thetas(thetas, self.dim)
        with torch.no_grad():
            vals = [self._loss_flat(self._tensor(t)) for t in arr]
        return torch.stack(vals).to("cpu", torch.float64).numpy()

    def _energy_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        g, e = self._grad(self._tensor(theta))
        return float(e), g.to("cpu", torch.float64).numpy()

    def outputs(self, theta: Any, X: Any | None = None) -> np.ndarray:
        """Module outputs at θ on the evaluation inputs (or on ``X``)."""
        th = self._tensor(as_theta(theta, self.dim))
        x = self.X if X is None else torch.as_tensor(X).to(self.device, self.torch_dtype)
        with torch.no_grad():
            out = functional_call(self.module, (self._params(th), self.buffers), (x,))
        return out.to("cpu", torch.float64).numpy()

    def error_rate(self, theta: Any, X: Any | None = None, Y: Any | None = None) -> float:
        """Classification error (argmax of the outputs ≠ target) on the evaluation set or (X, Y)."""
        out = self.outputs(theta, X)
        y = (self.Y.to("cpu") if Y is None else torch.as_tensor(Y)).numpy()
        return float(np.mean(np.argmax(out, axis=1) != y))

    # ---------------------------------------------------------------- structure
    def theta_of(self, module: torch.nn.Module | None = None) -> np.ndarray:
        """The flat θ of ``module`` (default: the wrapped copy), in this landscape's layout."""
        src = self.module if module is None else module
        params = dict(src.named_parameters())
        missing = [k for k in self.names if k not in params]
        if missing:
            raise InputError(f"module lacks parameters {missing}")
        return np.concatenate(
            [params[k].detach().to("cpu", torch.float64).reshape(-1).numpy() for k in self.names]
        )

    def unflatten(self, theta: Any) -> dict[str, np.ndarray]:
        """{parameter name: array of its shape}, in the module's ``named_parameters`` order
        (the order θ is flattened in)."""
        th = as_theta(theta, self.dim)
        parts = np.split(th, np.cumsum(self.sizes)[:-1])
        return {k: p.reshape(s) for k, p, s in zip(self.names, parts, self.shapes)}

    def weight_mask(self) -> np.ndarray:
        """True on weight entries (parameters with ≥ 2 axes), False on biases and norm scales."""
        return np.concatenate([np.full(n, len(s) >= 2) for n, s in zip(self.sizes, self.shapes)])

    def layers(self, theta: Any) -> list[tuple[np.ndarray, np.ndarray]]:
        """[(W, b), …] for an MLP made of Linear layers (weight-matching layout)."""
        named = self.unflatten(theta)
        keys = list(named)
        if (
            len(keys) % 2
            or not all(k.endswith(".weight") for k in keys[::2])
            or not all(k.endswith(".bias") for k in keys[1::2])
            or any(named[k].ndim != 2 for k in keys[::2])
        ):
            raise InputError(
                "layers() needs an MLP of Linear layers with biases "
                f"(parameters: {', '.join(keys)})"
            )
        return [(named[w], named[b]) for w, b in zip(keys[::2], keys[1::2])]

    def theta_from_layers(self, layers: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """θ from [(W, b), …], the inverse of :meth:`layers` (W then b of each layer, row-major);
        :class:`InputError` when the total size is not ``dim``."""
        flat = np.concatenate([np.concatenate([np.ravel(W), np.ravel(b)]) for W, b in layers])
        return as_theta(flat, self.dim, name="layers")
