"""Paths [0, 1] → R^D built from labelled pieces.

Every piece records the proof step it implements (``label``) and what the proof promises on it
(``promise``): a failed certificate then names the step that broke. A :class:`Path` is a
concatenation of pieces; piece i occupies global times [i/k, (i+1)/k].

Pieces: :class:`Segment` (straight line), :class:`Polygonal` (a chain of beads, equally spaced
in t), :class:`Bezier` (control points, Bernstein basis), :class:`FunctionPiece` (a
construction's own closed form, vectorised over t).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property
from math import comb
from typing import Any

import numpy as np
from sublevel.numerics.landscape import as_theta
from sublevel.theory.errors import InputError

__all__ = [
    "CONSTANT",
    "NON_INCREASING",
    "LE_MAX_ENDPOINTS",
    "LE_BOUND",
    "NO_PROMISE",
    "PROMISES",
    "Piece",
    "Segment",
    "Polygonal",
    "Bezier",
    "FunctionPiece",
    "Path",
]

CONSTANT = "constant energy"
NON_INCREASING = "non-increasing"
LE_MAX_ENDPOINTS = "≤ max of endpoints"
LE_BOUND = "≤ bound"
NO_PROMISE = "no promise"
PROMISES = (CONSTANT, NON_INCREASING, LE_MAX_ENDPOINTS, LE_BOUND, NO_PROMISE)


def _ts(ts: Any) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(ts, dtype=np.float64))
    if arr.ndim != 1:
        raise InputError(f"times have shape {arr.shape}; expected a 1-D array")
    if arr.size and (not np.isfinite(arr).all() or arr.min() < 0 or arr.max() > 1):
        raise InputError("times must lie in [0, 1]")
    return arr


class Piece:
    """Base class of path pieces; subclasses implement ``_points`` (vectorised in t)."""

    def __init__(
        self, label: str = "", promise: str = NO_PROMISE, info: dict[str, Any] | None = None
    ):
        if promise not in PROMISES:
            raise InputError(f"promise {promise!r} is not one of {PROMISES}")
        self.label, self.promise, self.info = label, promise, dict(info or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}(label={self.label!r}, promise={self.promise!r})"

    def points(self, ts: Any) -> np.ndarray:
        """γ(t) for each t in ``ts``: an array (T, D)."""
        return self._points(_ts(ts))

    def _points(self, ts: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    @cached_property
    def _ends(self) -> tuple[np.ndarray, np.ndarray]:
        """(γ(0), γ(1)) from one batched evaluation, computed once (pieces are immutable once
        built; a closed-form piece costs about as much for two times as for one)."""
        both = self.points(np.array([0.0, 1.0]))
        return both[0], both[1]

    @property
    def start(self) -> np.ndarray:
        """γ(0), computed once."""
        return self._ends[0]

    @property
    def end(self) -> np.ndarray:
        """γ(1), computed once."""
        return self._ends[1]

    @property
    def dim(self) -> int:
        """D, the dimension of the parameter space the piece runs in."""
        return int(self.start.shape[0])

    def length(self, n: int = 1025) -> float:
        """Arc length (exact for polygonal pieces; fine polyline for curved ones)."""
        p = self.points(np.linspace(0.0, 1.0, n))
        return float(np.linalg.norm(np.diff(p, axis=0), axis=1).sum())

    def reversed(self) -> Piece:
        """The piece run backwards, t ↦ γ(1 − t), as a :class:`FunctionPiece` with the same
        label; a ``non-increasing`` promise becomes ``≤ max of endpoints`` (reversed, the
        energy is non-decreasing), the other promises are kept."""
        return FunctionPiece(
            lambda ts: self.points(1.0 - ts),
            label=self.label,
            promise=_reverse_promise(self.promise),
            info=dict(self.info),
        )


def _reverse_promise(promise: str) -> str:
    return LE_MAX_ENDPOINTS if promise == NON_INCREASING else promise


class Segment(Piece):
    """(1 − t)·a + t·b."""

    def __init__(
        self,
        a: Any,
        b: Any,
        label: str = "segment",
        promise: str = NO_PROMISE,
        info: dict[str, Any] | None = None,
    ):
        self.a = as_theta(a, name="segment start")
        self.b = as_theta(b, self.a.shape[0], name="segment end")
        super().__init__(label, promise, info)

    def _points(self, ts: np.ndarray) -> np.ndarray:
        # (1 − t)a + tb: exactly a at t = 0 and exactly b at t = 1
        return (1.0 - ts)[:, None] * self.a[None, :] + ts[:, None] * self.b[None, :]

    @cached_property
    def _ends(self) -> tuple[np.ndarray, np.ndarray]:
        """(a, b): the segment's ends are its inputs, no evaluation needed."""
        return self.a, self.b

    def length(self, n: int = 2) -> float:
        """‖b − a‖, exactly (``n`` is ignored)."""
        return float(np.linalg.norm(self.b - self.a))

    def reversed(self) -> Segment:
        """The segment b → a, with the promise reversed as in :meth:`Piece.reversed`."""
        return Segment(self.b, self.a, self.label, _reverse_promise(self.promise), dict(self.info))


class Polygonal(Piece):
    """A chain through ``beads`` (B, D), bead j at t = j/(B − 1)."""

    def __init__(
        self,
        beads: Any,
        label: str = "polygonal",
        promise: str = NO_PROMISE,
        info: dict[str, Any] | None = None,
    ):
        arr = np.asarray(beads, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[0] < 2:
            raise InputError(f"beads have shape {arr.shape}; need (B ≥ 2, D)")
        if not np.isfinite(arr).all():
            raise InputError("beads have non-finite entries")
        self.beads = arr
        super().__init__(label, promise, info)

    def _points(self, ts: np.ndarray) -> np.ndarray:
        k = self.beads.shape[0] - 1
        s = ts * k
        j = np.minimum(np.floor(s).astype(int), k - 1)
        frac = (s - j)[:, None]
        return (1 - frac) * self.beads[j] + frac * self.beads[j + 1]

    def segments(self) -> list[Segment]:
        """The B − 1 straight segments between consecutive beads, labelled ``label[i]``, each
        with the chain's promise."""
        return [
            Segment(a, b, f"{self.label}[{i}]", self.promise)
            for i, (a, b) in enumerate(zip(self.beads[:-1], self.beads[1:]))
        ]

    def length(self, n: int = 2) -> float:
        """Σ_j ‖bead_{j+1} − bead_j‖, exactly (``n`` is ignored)."""
        return float(np.linalg.norm(np.diff(self.beads, axis=0), axis=1).sum())

    def reversed(self) -> Polygonal:
        """The chain through the beads in reverse order, the promise reversed as in
        :meth:`Piece.reversed`."""
        return Polygonal(
            self.beads[::-1], self.label, _reverse_promise(self.promise), dict(self.info)
        )


class Bezier(Piece):
    """φ(t) = Σ_j C(k−1, j) t^j (1 − t)^{k−1−j} θ_j for control points θ_0..θ_{k−1}."""

    def __init__(
        self,
        control: Any,
        label: str = "bezier",
        promise: str = NO_PROMISE,
        info: dict[str, Any] | None = None,
    ):
        arr = np.asarray(control, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[0] < 2:
            raise InputError(f"control points have shape {arr.shape}; need (k ≥ 2, D)")
        if not np.isfinite(arr).all():
            raise InputError("control points have non-finite entries")
        self.control = arr
        super().__init__(label, promise, info)

    def basis(self, ts: np.ndarray) -> np.ndarray:
        """Bernstein weights (T, k)."""
        k = self.control.shape[0] - 1
        j = np.arange(k + 1)
        binom = np.array([comb(k, i) for i in j], dtype=np.float64)
        return binom * ts[:, None] ** j * (1 - ts[:, None]) ** (k - j)

    def _points(self, ts: np.ndarray) -> np.ndarray:
        return self.basis(ts) @ self.control

    def reversed(self) -> Bezier:
        """The same curve backwards, t ↦ φ(1 − t): the control points in reverse order,
        the promise reversed as in :meth:`Piece.reversed`."""
        return Bezier(
            self.control[::-1], self.label, _reverse_promise(self.promise), dict(self.info)
        )


class FunctionPiece(Piece):
    """A construction's own closed form ``fn(ts) -> (T, D)``, vectorised over t."""

    def __init__(
        self,
        fn: Callable[[np.ndarray], np.ndarray],
        label: str = "closed form",
        promise: str = NO_PROMISE,
        info: dict[str, Any] | None = None,
        *,
        ends: tuple[np.ndarray, np.ndarray] | None = None,
    ):
        """``ends``: (fn(0), fn(1)) when the construction has already computed them (e.g. in
        one batch for all its pieces); taken as given, so they must be fn's own values."""
        if not callable(fn):
            raise InputError("FunctionPiece needs a callable fn(ts) -> (T, D)")
        self.fn = fn
        super().__init__(label, promise, info)
        if ends is not None:
            start, end = (np.asarray(e, dtype=np.float64) for e in ends)
            if start.ndim != 1 or start.shape != end.shape:
                raise InputError(
                    f"piece {label!r}: ends have shapes {start.shape} and {end.shape}; expected "
                    "two vectors of the same length"
                )
            self.__dict__["_ends"] = (start, end)  # the cached_property's slot

    def _points(self, ts: np.ndarray) -> np.ndarray:
        out = np.asarray(self.fn(ts), dtype=np.float64)
        if out.ndim != 2 or out.shape[0] != ts.shape[0]:
            raise InputError(
                f"piece {self.label!r} returned shape {out.shape} for {ts.shape[0]} times"
            )
        return out


class Path:
    """A concatenation of pieces; piece i occupies global t ∈ [i/k, (i+1)/k].

    ``check_continuity`` (default on) verifies that consecutive pieces meet (to ``atol``).
    """

    def __init__(
        self,
        pieces: Sequence[Piece],
        *,
        check_continuity: bool = True,
        atol: float = 1e-9,
        batch: Callable[[np.ndarray], np.ndarray] | None = None,
    ):
        """``batch``: the construction's evaluation of every piece at the same local times in
        one call, ts (T,) → (k, T, D), giving each piece's own values (see
        :meth:`pieces_points`); None: piece by piece."""
        self.pieces = list(pieces)
        self._batch = batch
        if not self.pieces:
            raise InputError("a path needs at least one piece")
        dims = {p.dim for p in self.pieces}
        if len(dims) != 1:
            raise InputError(f"pieces have different dimensions {sorted(dims)}")
        if check_continuity:
            for i, (p, q) in enumerate(zip(self.pieces, self.pieces[1:])):
                gap = float(np.linalg.norm(p.end - q.start))
                scale = 1.0 + float(np.linalg.norm(p.end))
                if gap > atol * scale:
                    raise InputError(
                        f"path is discontinuous between piece {i} ({p.label!r}) and "
                        f"{i + 1} ({q.label!r}): gap {gap:.3g}"
                    )

    @property
    def dim(self) -> int:
        """D, the dimension every piece runs in."""
        return self.pieces[0].dim

    @property
    def start(self) -> np.ndarray:
        """γ(0), the first piece's start."""
        return self.pieces[0].start

    @property
    def end(self) -> np.ndarray:
        """γ(1), the last piece's end."""
        return self.pieces[-1].end

    def breakpoints(self) -> np.ndarray:
        """Global times of the piece boundaries (k + 1 values)."""
        return np.linspace(0.0, 1.0, len(self.pieces) + 1)

    def locate(self, ts: Any) -> tuple[np.ndarray, np.ndarray]:
        """(piece index, local time) for global times."""
        t = _ts(ts)
        k = len(self.pieces)
        idx = np.minimum(np.floor(t * k).astype(int), k - 1)
        return idx, t * k - idx

    def points(self, ts: Any) -> np.ndarray:
        """γ(t) for global times ``ts`` in [0, 1]: an array (T, D); a time on a boundary i/k
        belongs to the piece that starts there (t = 1 to the last piece)."""
        idx, local = self.locate(ts)
        out = np.empty((idx.shape[0], self.dim))
        for i in np.unique(idx):  # a loop over pieces, not over points
            mask = idx == i
            out[mask] = self.pieces[i].points(local[mask])
        return out

    def pieces_points(self, ts: Any) -> np.ndarray:
        """Every piece at the same local times ``ts``: an array (k, T, D), row i equal to
        ``pieces[i].points(ts)`` — in one call when the construction provides one (e.g. the
        lifted pieces of an induction level share one join), else piece by piece."""
        t = _ts(ts)
        if self._batch is None:
            return np.stack([p.points(t) for p in self.pieces])
        out = np.asarray(self._batch(t), dtype=np.float64)
        if out.shape != (len(self.pieces), t.shape[0], self.dim):
            raise InputError(
                f"the path's batched evaluation returned shape {out.shape}; expected "
                f"{(len(self.pieces), t.shape[0], self.dim)}"
            )
        return out

    def length(self) -> float:
        """The sum of the pieces' arc lengths (:meth:`Piece.length`)."""
        return float(sum(p.length() for p in self.pieces))

    def normalized_length(self) -> float:
        """length / ‖θ_B − θ_A‖ (≥ 1; inf when the endpoints coincide)."""
        d = float(np.linalg.norm(self.end - self.start))
        return self.length() / d if d > 0 else float("inf")

    def reversed(self) -> Path:
        """The path run backwards: the pieces reversed (:meth:`Piece.reversed`), in reverse
        order."""
        return Path([p.reversed() for p in reversed(self.pieces)], check_continuity=False)

    def __add__(self, other: Path) -> Path:
        return Path(self.pieces + other.pieces)

    def reparametrise(self, n: int = 257) -> Path:
        """The same curve as one polygonal piece with beads equally spaced in arc length."""
        ts = np.linspace(0.0, 1.0, n * len(self.pieces))
        p = self.points(ts)
        s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(p, axis=0), axis=1))])
        if s[-1] == 0:
            return Path([Polygonal(p[[0, -1]], label="reparametrised")])
        u = np.linspace(0.0, s[-1], n)
        beads = np.stack([np.interp(u, s, p[:, d]) for d in range(p.shape[1])], axis=1)
        return Path([Polygonal(beads, label="reparametrised")])

    def labels(self) -> list[str]:
        """The pieces' labels (the proof steps), in order."""
        return [p.label for p in self.pieces]
