"""Data for the experiments: synthetic regression, scikit-learn digits, Fashion-MNIST.

Nothing is downloaded at run time:

* :func:`cubic_data` / :func:`quadratic_data` — BF'16's polynomial regressions (papers.md §5.3):
  f(x) = 8x³ − 10x² + 3x and f(x) = 0.5x² + 0.25x + 0.1 on x ~ U[0, 1];
* :func:`teacher_data` — a random two-layer teacher network on Gaussian inputs;
* :func:`digits` — the 8×8 digits shipped inside scikit-learn (read from its CSV file, without
  importing scikit-learn), pixels scaled to [0, 1];
* :func:`fashion_mnist` — the IDX files of the Debian package ``dataset-fashion-mnist``
  (``/usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz``),
  pixels scaled to [0, 1]; an :class:`InputError` naming the package when they are absent.
"""

from __future__ import annotations

import gzip
import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sublevel.theory.errors import InputError

__all__ = [
    "Dataset",
    "cubic_data",
    "quadratic_data",
    "teacher_data",
    "digits",
    "fashion_mnist",
    "FASHION_MNIST_PACKAGE",
    "FASHION_MNIST_DIR",
    "FASHION_MNIST_FILES",
]

FASHION_MNIST_PACKAGE = "dataset-fashion-mnist"
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


@dataclass
class Dataset:
    """Train and test arrays with a description of where they came from."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)

    def images(self, split: str = "train") -> np.ndarray:
        """Inputs as (N, 1, side, side) images (for CNNs)."""
        X = self.X_train if split == "train" else self.X_test
        side = int(round(np.sqrt(X.shape[1])))
        if side * side != X.shape[1]:
            raise InputError(f"inputs of size {X.shape[1]} are not square images")
        return X.reshape(-1, 1, side, side)


def _count(n: Any, name: str) -> int:
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"{name} = {n!r} must be a positive integer")
    return int(n)


def _polynomial_data(
    coeffs: tuple[float, ...], n: int, n_test: int, seed: int, name: str
) -> Dataset:
    n, n_test = _count(n, "n"), _count(n_test, "n_test")
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 1.0, size=(n + n_test, 1))
    y = np.polynomial.polynomial.polyval(x, coeffs)
    return Dataset(
        x[:n],
        y[:n],
        x[n:],
        y[n:],
        {"name": name, "coefficients": list(coeffs), "seed": seed, "x": "U[0, 1]"},
    )


def cubic_data(n: int = 1000, n_test: int = 1000, seed: int = 0) -> Dataset:
    """y = 8x³ − 10x² + 3x, x ~ U[0, 1] (BF'16 cubic regression; the paper used 10,000 points)."""
    return _polynomial_data((0.0, 3.0, -10.0, 8.0), n, n_test, seed, "cubic")


def quadratic_data(n: int = 1000, n_test: int = 1000, seed: int = 0) -> Dataset:
    """y = 0.5x² + 0.25x + 0.1, x ~ U[0, 1] (BF'16 quadratic regression)."""
    return _polynomial_data((0.1, 0.25, 0.5), n, n_test, seed, "quadratic")


def teacher_data(
    n: int = 200, n_test: int = 200, d: int = 2, hidden: int = 4, seed: int = 0
) -> Dataset:
    """y = Σ_k a_k tanh(⟨w_k, x⟩), x ~ N(0, I_d), a random teacher with ``hidden`` units."""
    n, n_test, d, hidden = (
        _count(v, k) for v, k in ((n, "n"), (n_test, "n_test"), (d, "d"), (hidden, "hidden"))
    )
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((hidden, d))
    a = rng.standard_normal(hidden) / np.sqrt(hidden)
    X = rng.standard_normal((n + n_test, d))
    y = (np.tanh(X @ W.T) @ a)[:, None]
    return Dataset(
        X[:n], y[:n], X[n:], y[n:], {"name": "teacher", "d": d, "hidden": hidden, "seed": seed}
    )


def _split(
    X: np.ndarray,
    y: np.ndarray,
    n_train: int | None,
    n_test: int | None,
    seed: int,
    info: dict[str, Any],
) -> Dataset:
    N = X.shape[0]
    n_tr = N // 2 if n_train is None else _count(n_train, "n_train")
    n_te = N - n_tr if n_test is None else _count(n_test, "n_test")
    if n_tr + n_te > N:
        raise InputError(f"n_train + n_test = {n_tr + n_te} exceeds the {N} samples available")
    perm = np.random.default_rng(seed).permutation(N)
    tr, te = perm[:n_tr], perm[n_tr : n_tr + n_te]
    return Dataset(X[tr], y[tr], X[te], y[te], dict(info, n_train=n_tr, n_test=n_te, seed=seed))


def digits(n_train: int | None = None, n_test: int | None = None, seed: int = 0) -> Dataset:
    """scikit-learn's 1,797 8×8 digits (pixels / 16), split at random (seeded) into train/test."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("the digits data set needs scikit-learn: pip install scikit-learn")
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / "digits.csv.gz"
    if not path.is_file():
        raise InputError(f"scikit-learn's digits file {str(path)!r} is missing")
    raw = np.loadtxt(path, delimiter=",", dtype=np.float64)
    X, y = raw[:, :-1] / 16.0, raw[:, -1].astype(np.int64)
    return _split(
        X, y, n_train, n_test, seed, {"name": "digits", "source": str(path), "shape": [8, 8]}
    )


def _read_idx(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as fh:
        data = fh.read()
    magic = int.from_bytes(data[:4], "big")
    ndim = magic & 0xFF
    if magic >> 8 != 0x08 or ndim < 1:
        raise InputError(f"{str(path)!r} is not an unsigned-byte IDX file (magic {magic:#x})")
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise InputError(f"{str(path)!r} is truncated: {arr.size} bytes for shape {dims}")
    return arr.reshape(dims)


def fashion_mnist(
    n_train: int | None = None,
    n_test: int | None = None,
    seed: int = 0,
    root: str | os.PathLike[str] | None = None,
) -> Dataset:
    """Fashion-MNIST from the Debian package ``dataset-fashion-mnist`` (or ``root``), as flat
    784-pixel rows in [0, 1]; ``n_train``/``n_test`` keep seeded random subsets."""
    folder = (
        Path(root)
        if root is not None
        else Path(os.environ.get("SUBLEVEL_FASHION_MNIST", FASHION_MNIST_DIR))
    )
    missing = [
        name
        for pair in FASHION_MNIST_FILES.values()
        for name in pair
        if not (folder / name).is_file()
    ]
    if missing:
        raise InputError(
            f"Fashion-MNIST files {', '.join(missing)} not found in {str(folder)!r}; "
            f"install the Debian package: apt-get install {FASHION_MNIST_PACKAGE}"
        )
    out = {}
    for split, (images, labels) in FASHION_MNIST_FILES.items():
        X = _read_idx(folder / images)
        y = _read_idx(folder / labels).astype(np.int64)
        if X.shape[0] != y.shape[0]:
            raise InputError(f"{split}: {X.shape[0]} images but {y.shape[0]} labels")
        n = n_train if split == "train" else n_test
        idx = np.arange(X.shape[0])
        if n is not None:
            n = _count(n, f"n_{split}")
            if n > X.shape[0]:
                raise InputError(f"n_{split} = {n} exceeds the {X.shape[0]} {split} images")
            idx = np.sort(np.random.default_rng(seed).permutation(X.shape[0])[:n])
        out[split] = (X[idx].reshape(idx.size, -1).astype(np.float64) / 255.0, y[idx])
    return Dataset(
        out["train"][0],
        out["train"][1],
        out["test"][0],
        out["test"][1],
        {
            "name": "fashion-mnist",
            "source": str(folder),
            "shape": [28, 28],
            "package": FASHION_MNIST_PACKAGE,
            "seed": seed,
        },
    )
