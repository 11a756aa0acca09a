"""Data loaders: synthetic regressions, scikit-learn digits, Fashion-MNIST (Debian files)."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from sublevel.numerics.data import (
    FASHION_MNIST_DIR,
    FASHION_MNIST_FILES,
    FASHION_MNIST_PACKAGE,
    cubic_data,
    digits,
    fashion_mnist,
    quadratic_data,
    teacher_data,
)
from sublevel.theory.errors import InputError


def test_polynomial_data_follow_the_paper():
    c = cubic_data(20, 5, seed=3)
    x = c.X_train[:, 0]
    np.testing.assert_allclose(c.y_train[:, 0], 8 * x**3 - 10 * x**2 + 3 * x)
    assert 0 <= x.min() and x.max() <= 1 and c.X_test.shape == (5, 1)
    q = quadratic_data(10)
    np.testing.assert_allclose(
        q.y_train[:, 0], 0.5 * q.X_train[:, 0] ** 2 + 0.25 * q.X_train[:, 0] + 0.1
    )
    np.testing.assert_array_equal(cubic_data(20, 5, seed=3).X_train, c.X_train)  # seeded


def test_teacher_data_shapes():
    t = teacher_data(30, 10, d=3, hidden=2, seed=1)
    assert t.X_train.shape == (30, 3) and t.y_train.shape == (30, 1)


def test_digits_split_is_seeded_and_scaled():
    d = digits(100, 50, seed=1)
    assert d.X_train.shape == (100, 64) and d.X_test.shape == (50, 64)
    assert d.X_train.min() >= 0 and d.X_train.max() <= 1
    assert set(np.unique(d.y_train)) <= set(range(10))
    np.testing.assert_array_equal(digits(100, 50, seed=1).y_train, d.y_train)
    assert d.images().shape == (100, 1, 8, 8)
    with pytest.raises(InputError, match="exceeds"):
        digits(1500, 500)


def _write_idx(path, arr):
    header = bytes([0, 0, 8, arr.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in arr.shape)
    with gzip.open(path, "wb") as fh:
        fh.write(header + arr.astype(np.uint8).tobytes())


def _fake_fashion(folder, n_train=12, n_test=6):
    rng = np.random.default_rng(0)
    for split, n in (("train", n_train), ("test", n_test)):
        images, labels = FASHION_MNIST_FILES[split]
        _write_idx(folder / images, rng.integers(0, 256, (n, 28, 28)))
        _write_idx(folder / labels, rng.integers(0, 10, n))


def test_fashion_reader_on_small_idx_files(tmp_path):
    _fake_fashion(tmp_path)
    d = fashion_mnist(root=tmp_path)
    assert d.X_train.shape == (12, 784) and d.X_test.shape == (6, 784)
    assert 0 <= d.X_train.min() and d.X_train.max() <= 1
    sub = fashion_mnist(5, 3, seed=2, root=tmp_path)
    assert sub.X_train.shape == (5, 784) and sub.images().shape == (5, 1, 28, 28)
    with pytest.raises(InputError, match="exceeds"):
        fashion_mnist(13, root=tmp_path)


def test_fashion_truncated_or_wrong_file(tmp_path):
    _fake_fashion(tmp_path)
    images = tmp_path / FASHION_MNIST_FILES["train"][0]
    with gzip.open(images, "wb") as fh:
        fh.write(
            bytes([0, 0, 8, 3]) + (12).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + b"\0" * 10
        )
    with pytest.raises(InputError, match="truncated"):
        fashion_mnist(root=tmp_path)


def test_missing_fashion_files_name_the_package(tmp_path, monkeypatch):
    with pytest.raises(InputError, match=f"apt-get install {FASHION_MNIST_PACKAGE}"):
        fashion_mnist(root=tmp_path)
    monkeypatch.setenv("SUBLEVEL_FASHION_MNIST", str(tmp_path))
    with pytest.raises(InputError, match="not found in"):
        fashion_mnist()


@pytest.mark.skipif(
    not (FASHION_MNIST_DIR / FASHION_MNIST_FILES["test"][0]).is_file(),
    reason=f"Debian package {FASHION_MNIST_PACKAGE} not installed (files in {FASHION_MNIST_DIR})",
)
def test_real_fashion_mnist_files():
    d = fashion_mnist(200, 100, seed=0)
    assert d.X_train.shape == (200, 784) and d.X_test.shape == (100, 784)
    assert (
        set(np.unique(d.y_train)) <= set(range(10)) and d.info["package"] == FASHION_MNIST_PACKAGE
    )
