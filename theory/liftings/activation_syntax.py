"""Read an activation written as text, safely: a whitelist over Python's ``ast`` parse tree.

Accepted: numbers (int, float), one variable (any identifier that is not a known name), the
constants ``pi`` and ``E``, the operators ``+ - * / ** ^`` (``^`` is read as a power, as in
sympy) and unary ``±``, and calls of the named functions in :data:`FUNCTIONS` with positional
arguments. Everything else — attribute access, lambdas, conditionals, comparisons, keyword
arguments, strings, subscripts, unknown functions such as ``Symbol`` — is refused with an
:class:`~sublevel.theory.errors.InputError`. The tree is translated node by node into sympy objects;
nothing is ever evaluated by Python or by ``sympify``.

Numeric powers are bounded (:data:`MAX_NUMERIC_BITS`) so that ``2**10**10**10`` is refused
instead of computed. Polynomial degree is unbounded here (``z**10**10`` is a fine monomial);
the consumers bound what they expand.
"""

from __future__ import annotations

import ast
import math
from typing import Any

import sympy as sp
from sublevel.theory.errors import InputError

__all__ = ["FUNCTIONS", "CONSTANTS", "MAX_NUMERIC_BITS", "parse_activation_text"]

_s = sp.Symbol("s")

#: named functions an activation may call
FUNCTIONS: dict[str, Any] = {
    "relu": sp.Lambda(_s, sp.Max(0, _s)),
    "ReLU": sp.Lambda(_s, sp.Max(0, _s)),
    "sigmoid": sp.Lambda(_s, 1 / (1 + sp.exp(-_s))),
    "softplus": sp.Lambda(_s, sp.log(1 + sp.exp(_s))),
    "max": sp.Max,
    "Max": sp.Max,
    "min": sp.Min,
    "Min": sp.Min,
    "abs": sp.Abs,
    "Abs": sp.Abs,
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "atan": sp.atan,
    "arctan": sp.atan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "erf": sp.erf,
    "sign": sp.sign,
}
#: named constants
CONSTANTS: dict[str, Any] = {"pi": sp.pi, "E": sp.E}
#: largest |result| (in bits) of a power of two numbers that is computed
MAX_NUMERIC_BITS = 4096

_BINOPS = {
    ast.Add: sp.Add,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: sp.Mul,
    ast.Div: lambda a, b: a / b,
}


def parse_activation_text(text: str) -> sp.Expr:
    """The sympy expression written in ``text`` (whitelisted arithmetic in one symbol).

    Raises :class:`InputError` ``activation 'TEXT' is not an expression: …`` for text that is
    not a Python expression, or that uses anything outside the whitelist.
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise InputError(f"activation {text!r} is not an expression: {exc.msg}") from None
    names: set[str] = set()
    try:
        expr = _convert(tree.body, names)
    except _Refused as exc:
        raise InputError(f"activation {text!r} is not an expression: {exc}") from None
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise InputError(f"activation {text!r} cannot be evaluated: {exc}") from None
    if not isinstance(expr, sp.Expr):
        raise InputError(f"activation {text!r} is not an expression")
    return expr


class _Refused(Exception):
    pass


def _convert(node: ast.AST, names: set[str]) -> Any:
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _Refused(f"{v!r} is not a real number")
        if isinstance(v, float) and not math.isfinite(v):
            raise _Refused(f"{v!r} is not finite")
        return sp.Integer(v) if isinstance(v, int) else sp.Float(v)
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        if node.id in FUNCTIONS:
            raise _Refused(f"{node.id!r} is a function; call it, e.g. {node.id}(z)")
        names.add(node.id)
        return sp.Symbol(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        arg = _convert(node.operand, names)
        return -arg if isinstance(node.op, ast.USub) else arg
    if isinstance(node, ast.BinOp):
        left, right = _convert(node.left, names), _convert(node.right, names)
        if isinstance(node.op, (ast.Pow, ast.BitXor)):
            return _power(left, right)
        op = _BINOPS.get(type(node.op))
        if op is None:
            raise _Refused(f"operator {type(node.op).__name__} is not allowed")
        return op(left, right)
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            what = node.func.id if isinstance(node.func, ast.Name) else type(node.func).__name__
            raise _Refused(f"call of {what!r}: only {', '.join(sorted(FUNCTIONS))} may be called")
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise _Refused(f"{node.func.id}(…) takes positional arguments only")
        args = [_convert(a, names) for a in node.args]
        return FUNCTIONS[node.func.id](*args)
    raise _Refused(f"{type(node).__name__} is not allowed (arithmetic in one symbol only)")


def _power(base: Any, exponent: Any) -> Any:
    """base**exponent, refusing numeric powers whose size exceeds MAX_NUMERIC_BITS."""
    if base.is_number and exponent.is_number and exponent.is_Integer and base.is_Rational:
        e = abs(int(exponent))
        bits = max(abs(base.p).bit_length(), base.q.bit_length())
        if e > 1 and bits > 1 and (bits - 1) * e > MAX_NUMERIC_BITS:
            raise _Refused(
                f"the number {base}**{exponent} is too large (limit {MAX_NUMERIC_BITS} bits)"
            )
    return sp.Pow(base, exponent)
