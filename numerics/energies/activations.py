"""Activations ρ of one variable for the two-layer networks: evaluation, derivative, degree.

A polynomial (coefficients a_0..a_k, evaluated by Horner's rule), ReLU, tanh, or any sympy
expression of one variable (evaluated by lambdify), built from a name, an expression, a string
or a coefficient list by :func:`make_activation`. The polynomial case is the one the convex
lifting of VBB §2 needs (:mod:`sublevel.numerics.energies.convex_lifting`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import sympy as sp
from sublevel.theory.errors import InputError
from sublevel.theory.exact import to_rational
from sublevel.theory.liftings.feature_map import activation_coefficients, parse_activation

__all__ = ["Activation", "make_activation"]

_Z = sp.Symbol("z")
_NAMED = {"quadratic": _Z**2, "cubic": _Z**3, "linear": _Z}


@dataclass(frozen=True)
class Activation:
    """ρ with its numpy evaluation and derivative.

    ``kind`` is ``polynomial`` (``coefficients`` a_0..a_k, increasing degree), ``relu``,
    ``tanh`` or ``other`` (any sympy expression of one variable, evaluated by lambdify).
    """

    name: str
    expr: sp.Expr
    variable: sp.Symbol
    kind: str
    coefficients: tuple[float, ...] | None = None
    _fn: Callable[[np.ndarray], np.ndarray] | None = field(default=None, repr=False, compare=False)
    _dfn: Callable[[np.ndarray], np.ndarray] | None = field(default=None, repr=False, compare=False)
    #: a_1, 2a_2, …, k a_k (set for polynomials by __post_init__)
    _derivative_coefficients: tuple[float, ...] = field(
        init=False, default=(), repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.coefficients is not None:
            d = tuple(j * c for j, c in enumerate(self.coefficients))[1:] or (0.0,)
            object.__setattr__(self, "_derivative_coefficients", d)

    @property
    def is_polynomial(self) -> bool:
        """ρ is a polynomial (``kind == "polynomial"``): the case with a finite convex lifting, a
        degree, and energies that are polynomials in t along every segment."""
        return self.kind == "polynomial"

    @property
    def degree(self) -> int:
        """k = deg ρ (``len(coefficients) − 1``); an InputError for a non-polynomial ρ."""
        if self.coefficients is None:
            raise InputError(f"activation {self.name} is not a polynomial: it has no degree")
        return len(self.coefficients) - 1

    @property
    def homogeneous_degree(self) -> int | None:
        """k when ρ(z) = a z^k (a ≠ 0), else None."""
        if self.coefficients is None:
            return None
        nonzero = [j for j, c in enumerate(self.coefficients) if c != 0]
        return nonzero[0] if len(nonzero) == 1 else None

    def __call__(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=np.float64)
        if self.kind == "polynomial":
            return _horner(cast("tuple[float, ...]", self.coefficients), z)
        if self.kind == "relu":
            return np.maximum(z, 0.0)
        if self.kind == "tanh":
            return np.tanh(z)
        fn = cast("Callable[[np.ndarray], np.ndarray]", self._fn)  # set for kind "other"
        return np.asarray(fn(z), dtype=np.float64) * np.ones_like(z)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        """ρ'(z); for ReLU the convention ρ'(0) = 0 (what autograd uses)."""
        z = np.asarray(z, dtype=np.float64)
        if self.kind == "polynomial":
            return _horner(self._derivative_coefficients, z)
        if self.kind == "relu":
            return (z > 0).astype(np.float64)
        if self.kind == "tanh":
            return 1.0 - np.tanh(z) ** 2
        dfn = cast("Callable[[np.ndarray], np.ndarray]", self._dfn)  # set for kind "other"
        return np.asarray(dfn(z), dtype=np.float64) * np.ones_like(z)


def _horner(coefficients: tuple[float, ...], z: np.ndarray) -> np.ndarray:
    """Σ_j c_j z^j (increasing degree) by Horner's rule, elementwise."""
    out = np.full(z.shape, coefficients[-1])
    for c in coefficients[-2::-1]:
        out = out * z + c
    return out


def _polynomial_activation(expr: sp.Expr, z: sp.Symbol, name: str) -> Activation:
    coeffs = activation_coefficients(expr)
    if not coeffs:
        raise InputError(f"activation {name!r} is identically zero")
    k = max(coeffs)
    values = tuple(float(coeffs.get(j, 0)) for j in range(k + 1))
    if not all(math.isfinite(c) for c in values):
        raise InputError(f"activation {name!r} has a non-finite coefficient")
    return Activation(name, sp.expand(expr), z, "polynomial", values)


def make_activation(spec: Any) -> Activation:
    """An :class:`Activation` from a name (``"quadratic"``, ``"cubic"``, ``"linear"``,
    ``"relu"``, ``"tanh"``), a sympy expression or string of one variable (``"z**3 - z"``), or a
    coefficient list a_0, a_1, … (increasing degree). Anything else is an InputError."""
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, str) and spec.strip().lower() in _NAMED:
        return _polynomial_activation(_NAMED[spec.strip().lower()], _Z, spec.strip().lower())
    if isinstance(spec, str) and spec.strip().lower() == "relu":
        return Activation("relu", sp.Max(0, _Z), _Z, "relu")
    if isinstance(spec, str) and spec.strip().lower() == "tanh":
        return Activation("tanh", sp.tanh(_Z), _Z, "tanh")
    if isinstance(spec, (list, tuple, np.ndarray)):
        arr = np.asarray(spec)
        if arr.ndim != 1 or arr.size == 0 or not np.issubdtype(arr.dtype, np.number):
            raise InputError(
                f"activation coefficients {spec!r} must be a non-empty list of numbers"
            )
        if not np.all(np.isfinite(arr.astype(np.float64))):
            raise InputError(f"activation coefficients {spec!r} are not all finite")
        expr = sp.sympify(sum(to_rational(float(c)) * _Z**j for j, c in enumerate(arr)))
        return _polynomial_activation(expr, _Z, str(expr))
    expr, z = parse_activation(spec)
    name = str(expr)
    if expr.is_polynomial(z):
        return _polynomial_activation(expr, z, name)
    if expr == sp.Max(0, z):
        return Activation("relu", expr, z, "relu")
    if expr == sp.tanh(z):
        return Activation("tanh", expr, z, "tanh")
    fn = sp.lambdify(z, expr, modules="numpy")
    dfn = sp.lambdify(z, sp.diff(expr, z), modules="numpy")
    return Activation(name, expr, z, "other", None, fn, dfn)
