"""Landscapes from anything: numpy callables (default) and torch modules (optional, lazy).

``FunctionLandscape``, ``as_landscape`` and ``CountingLandscape`` need only
numpy. ``TorchLandscape`` (and ``torch_models``) import torch on first access, so importing this
package never imports torch.
"""

from __future__ import annotations

from typing import Any

from sublevel.numerics.backends.function import (
    CountingLandscape,
    FunctionLandscape,
    LandscapeAdapter,
    as_landscape,
    finite_difference_grad,
)

__all__ = [
    "FunctionLandscape",
    "LandscapeAdapter",
    "as_landscape",
    "CountingLandscape",
    "finite_difference_grad",
    "TorchLandscape",
    "torch_available",
]


def torch_available() -> bool:
    """Whether the optional torch backend can be imported."""
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def __getattr__(name: str) -> Any:
    if name == "TorchLandscape":
        if not torch_available():
            from sublevel.theory.errors import InputError

            raise InputError("TorchLandscape needs torch: pip install 'sublevel[torch]'")
        from sublevel.numerics.backends.torch import TorchLandscape

        return TorchLandscape
    raise AttributeError(f"module 'sublevel.numerics.backends' has no attribute {name!r}")
