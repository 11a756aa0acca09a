"""Small torch models for the experiments (imported lazily: torch is optional).

* :func:`mlp` — Linear layers with an elementwise activation between them (weight matching
  applies: hidden units can be permuted);
* :func:`small_cnn` — conv(c1, k) – ReLU – maxpool – conv(c2, k) – ReLU – maxpool – fc(hidden)
  – ReLU – fc(classes), optional BatchNorm after each convolution. With ``c1=32, c2=64,
  hidden=1024, kernel=5`` on 28×28 inputs it is BF'16's MNIST network (papers.md §5.3, without
  dropout); the defaults are a reduced size that runs DSS in seconds on a CPU.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from sublevel.theory.errors import InputError
from torch import nn

__all__ = ["mlp", "small_cnn", "ACTIVATIONS"]

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


def mlp(widths: Sequence[int], activation: str = "relu", *, seed: int = 0) -> nn.Sequential:
    """Linear(widths[0] → widths[1]) – act – … – Linear(→ widths[-1]); seeded default init."""
    if len(widths) < 2 or any(int(w) < 1 for w in widths):
        raise InputError(f"widths {list(widths)} must have ≥ 2 entries, each ≥ 1")
    if activation not in ACTIVATIONS:
        raise InputError(f"activation {activation!r} is not one of {', '.join(ACTIVATIONS)}")
    torch.manual_seed(int(seed) % (2**63 - 1))
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        layers.append(nn.Linear(int(a), int(b)))
        if i < len(widths) - 2:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


def small_cnn(
    in_channels: int = 1,
    image_size: int = 8,
    classes: int = 10,
    *,
    c1: int = 8,
    c2: int = 16,
    hidden: int = 32,
    kernel: int = 3,
    batchnorm: bool = False,
    seed: int = 0,
) -> nn.Sequential:
    """conv–ReLU–pool twice, then two fully connected layers ('same' padding, pool 2)."""
    for name, v in (
        ("in_channels", in_channels),
        ("image_size", image_size),
        ("classes", classes),
        ("c1", c1),
        ("c2", c2),
        ("hidden", hidden),
        ("kernel", kernel),
    ):
        if not isinstance(v, int) or v < 1:
            raise InputError(f"{name} = {v!r} must be a positive integer")
    if image_size < 4:
        raise InputError(f"image_size {image_size} is too small for two 2×2 poolings")
    torch.manual_seed(int(seed) % (2**63 - 1))
    pad = kernel // 2

    def block(cin: int, cout: int) -> list[nn.Module]:
        mods: list[nn.Module] = [nn.Conv2d(cin, cout, kernel, padding=pad)]
        if batchnorm:
            mods.append(nn.BatchNorm2d(cout))
        return mods + [nn.ReLU(), nn.MaxPool2d(2)]

    side = image_size // 2 // 2
    return nn.Sequential(
        *block(in_channels, c1),
        *block(c1, c2),
        nn.Flatten(),
        nn.Linear(c2 * side * side, hidden),
        nn.ReLU(),
        nn.Linear(hidden, classes),
    )
