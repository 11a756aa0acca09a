"""Paths and the proofs' constructions (one module per claim family)."""

from sublevel.numerics.paths.base import (
    CONSTANT,
    LE_BOUND,
    LE_MAX_ENDPOINTS,
    NO_PROMISE,
    NON_INCREASING,
    Bezier,
    FunctionPiece,
    Path,
    Piece,
    Polygonal,
    Segment,
)

__all__ = [
    "CONSTANT",
    "LE_BOUND",
    "LE_MAX_ENDPOINTS",
    "NO_PROMISE",
    "NON_INCREASING",
    "Bezier",
    "FunctionPiece",
    "Path",
    "Piece",
    "Polygonal",
    "Segment",
]
