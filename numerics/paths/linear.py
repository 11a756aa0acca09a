"""The connecting paths of deep linear networks (Freeman & Bruna, ICLR 2017, Prop. 2.2, κ = 0).

:func:`connect` follows the proof (papers.md §3.2). Write θ = (W_1, …, W_K), widths
[n, n_1, …, n_{K−1}, m] with n_k > min(n, m). When n > m everything below is applied to the
transposed network (W_Kᵀ, …, W_1ᵀ), which has the same products up to transposition, so the
construction is described for n ≤ m, where the first hidden layer is wide (n_1 > n):

1. **Induction on K.** Merge M = W_2 W_1 (n_2 × n): the (K−1)-layer tuple (M, W_3, …, W_K)
   has the same product and still satisfies the hypothesis; connect it recursively. At K = 1
   the path is the straight segment P(t) = (1 − t)P_A + tP_B in the product, on which the
   convex energy F stays ≤ max(F(P_A), F(P_B)).
2. **Pre-processing at A** (product constant, so energy constant):
   (a) W_2 ← W_2(I − sΠ⊥), Π⊥ the projector onto range(W_1)^⊥: W_2 vanishes off range W_1;
   (b) W_1 ← W_1 + s Σ_i b_i a_iᵀ, {a_i} an orthonormal basis of ker W_1 and {b_i} orthonormal
   in range(W_1)^⊥ (possible since n_1 > n): W_1 becomes injective; W_2 kills the b_i.
3. **Main part.** Join W_1^A → W_1^B through matrices of full column rank (the set of full-rank
   n_1 × n matrices is connected because n_1 > n): W = QR with R upper triangular with positive
   diagonal, R → I on a straight line (stays invertible), then Q_A → Q_B in the Stiefel
   manifold through SO(n_1) (:func:`so_path`), then I → R_B. Along the inner path M(s) set
   W_2(s) = M(s) W_1(s)⁺, so W_2 W_1 = M exactly: every inner piece keeps its energy.
4. **Post-processing**: the pre-processing at B, reversed.

Every piece carries its proof step (``label``), its promise (``constant energy`` on the
pre/post-processing, ``≤ max of endpoints`` on the lifted straight path) and, in
``info["reference"]``, a straight segment of some merged network whose energy equals the
piece's energy identically in exact arithmetic. This float path is what users and DSS get; it
is certified ``rigorous`` (ball arithmetic, possibly "within rounding") by
:func:`certify_linear_path` (:mod:`sublevel.numerics.paths.linear_certify`), while the proof's path is
built and decided exactly, in rationals, by :mod:`sublevel.numerics.paths.linear_exact`.

:func:`descend` builds the strictly decreasing path to a global minimum: make each partial
product W_j⋯W_1 injective at constant energy (only needed at non-generic points), then move
the last layer alone, W_K(t) = W_K + t(P* − P_A)(W_{K−1}⋯W_1)⁺, so the product follows the
straight segment to the reduced-rank optimum P*, on which the convex F decreases strictly.

Widths with n_k ≤ min(n, m) raise the registry's :class:`~sublevel.theory.errors.HypothesisError`
(:func:`sublevel.theory.claims.wide_inner_refusal`) naming the layer (equality:
``bf16.linear.square-boundary`` applies instead; a bottleneck: ``lbb.multilinear``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sublevel.numerics.energies.linear import (
    DeepLinear,
    as_data,
    as_weights,
    landscape_on,
    widths_of,
)
from sublevel.numerics.paths.base import (
    CONSTANT,
    LE_MAX_ENDPOINTS,
    NON_INCREASING,
    FunctionPiece,
    Path,
    Piece,
    Segment,
)
from sublevel.numerics.paths.full_rank_join import FullRankJoin, so_log, so_path
from sublevel.theory.errors import InputError

__all__ = [
    "DEFAULT_RANK_TOL",
    "STEPS",
    "check_widths",
    "connect",
    "descend",
    "so_log",
    "so_path",
    "FullRankJoin",
    "preprocess",
    "reference_landscape",
    "reference_polynomial",
    "reference_products",
    "certify_linear_path",
    "LinearPathCertificates",
]

#: the proof steps named in the pieces' labels (A·a K=3: step a at θ_A, induction level K = 3)
STEPS = {
    "a": "W_2 ← W_2(I − sΠ⊥) vanishes off range W_1 (constant product)",
    "b": "W_1 ← W_1 + s Σ b_i a_iᵀ made injective (constant product)",
}

#: singular values ≤ rank_tol·max(1, σ_max) count as zero when deciding ranks
DEFAULT_RANK_TOL = 1e-12

Mats = list[np.ndarray]
BatchFn = Callable[[np.ndarray], Mats]


# -------------------------------------------------------------------------------- hypotheses


def check_widths(widths: Sequence[int], *, claim: str = "bf16.prop2.2.linear") -> None:
    """Raise the registry's HypothesisError unless ``widths`` satisfy the hypotheses of
    ``claim`` (n_k > min(n, m) for 0 < k < K): the condition is written once, in
    :mod:`sublevel.theory.claims` (``_strictly_wide_inner``), and asked here."""
    from sublevel.theory.claims import get_claim, wide_inner_refusal

    registered = get_claim(claim)
    w = [int(v) for v in widths]
    if not registered.hypotheses_hold(widths=w):
        raise wide_inner_refusal(registered, w)


# -------------------------------------------------------------------------------- pieces


@dataclass
class _TPiece:
    """A piece of a path of weight tuples (canonical orientation, n ≤ m)."""

    fn: BatchFn
    label: str
    promise: str
    ref_a: Mats
    ref_b: Mats
    segment: tuple[Mats, Mats] | None = None
    step: str = ""
    #: how a lifted piece is made from the level below (None for the others)
    lift: _Lift | None = None


@dataclass
class _Lift:
    """Piece i of k lifted through ``join``: fn(ts) = _lift(inner.fn(ts), *join((i + ts)/k))."""

    join: FullRankJoin
    i: int
    k: int
    inner: _TPiece


#: the local times of a piece's two ends, as fn evaluates them
_ENDS = np.array([0.0, 1.0])


def _segment_piece(a: Mats, b: Mats, label: str, promise: str, step: str) -> _TPiece:
    a = [np.array(W) for W in a]
    b = [np.array(W) for W in b]

    def fn(ts: np.ndarray) -> Mats:
        t = ts[:, None, None]
        return [A[None] + t * (B - A)[None] for A, B in zip(a, b)]

    return _TPiece(fn, label, promise, a, b, (a, b), step)


def _reversed(p: _TPiece) -> _TPiece:
    seg = (p.segment[1], p.segment[0]) if p.segment is not None else None
    f = p.fn

    def fn(ts: np.ndarray) -> Mats:
        return f(1.0 - ts)

    return _TPiece(fn, p.label, p.promise, p.ref_b, p.ref_a, seg, p.step)


def _rank_split(W: np.ndarray, rank_tol: float) -> tuple[int, np.ndarray, np.ndarray]:
    """(rank, U, Vᵀ) of W from a full SVD (U: h × h, Vᵀ: n × n)."""
    U, s, Vt = np.linalg.svd(W, full_matrices=True)
    r = int(np.sum(s > rank_tol * max(1.0, float(s.max(initial=0.0)))))
    return r, U, Vt


def preprocess(
    W1: np.ndarray, W2: np.ndarray, *, rank_tol: float = DEFAULT_RANK_TOL
) -> tuple[
    list[tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]], np.ndarray, np.ndarray
]:
    """Steps (a) and (b) of the proof for a pair W_2 W_1 (W_1: h × n, h > n).

    Returns the list of non-trivial steps ``(name, W1_start, W1_end, W2_start, W2_end)``
    (each a straight segment with constant product) and the processed (W_1', W_2'):
    W_1' injective and W_2' vanishing off range W_1'."""
    h, n = W1.shape
    steps = []
    r, U, Vt = _rank_split(W1, rank_tol)
    perp = U[:, r:] @ U[:, r:].T
    W2_new = W2 - W2 @ perp
    if np.any(W2 @ perp):
        steps.append(("a", W1, W1, W2, W2_new))
    W2 = W2_new
    if r < n:
        A = Vt[r:].T  # orthonormal basis of ker W1 (n × (n − r))
        B = U[:, r : r + (n - r)]  # orthonormal in range(W1)^⊥ (h × (n − r)); h − r ≥ n − r
        W1_new = W1 + B @ A.T
        steps.append(("b", W1, W1_new, W2, W2))
        W1 = W1_new
    return steps, W1, W2


def _lift(mats: Mats, W1: np.ndarray, W1p: np.ndarray) -> Mats:
    """The merged network's weights (M, W_3, …) lifted through the join: (W_1, M W_1⁺, W_3, …),
    so that W_2 W_1 = M (batched over the leading axis)."""
    return [W1, mats[0] @ W1p, *mats[1:]]


def _connect_canonical(wa: Mats, wb: Mats, rank_tol: float) -> list[_TPiece]:
    K = len(wa)
    if K == 1:
        return [
            _segment_piece(
                wa,
                wb,
                "lifted P(t)",
                LE_MAX_ENDPOINTS,
                "lifted straight path P(t) = (1−t)P_A + tP_B",
            )
        ]
    rest_a, rest_b = wa[2:], wb[2:]
    steps_a, W1a, W2a = preprocess(wa[0], wa[1], rank_tol=rank_tol)
    steps_b, W1b, W2b = preprocess(wb[0], wb[1], rank_tol=rank_tol)
    pre_a = [
        _segment_piece(
            [s1, s2, *rest_a],
            [e1, e2, *rest_a],
            f"A·{name} K={K}",
            CONSTANT,
            f"pre-{name}: {STEPS[name]}",
        )
        for name, s1, e1, s2, e2 in steps_a
    ]
    pre_b = [
        _segment_piece(
            [s1, s2, *rest_b],
            [e1, e2, *rest_b],
            f"B·{name} K={K}",
            CONSTANT,
            f"post-{name}: {STEPS[name]}",
        )
        for name, s1, e1, s2, e2 in steps_b
    ]
    inner = _connect_canonical([W2a @ W1a, *rest_a], [W2b @ W1b, *rest_b], rank_tol)
    join = FullRankJoin(W1a, W1b)
    k = len(inner)
    lifted = []
    for i, piece in enumerate(inner):

        def fn(ts: np.ndarray, i: int = i, inner_fn: BatchFn = piece.fn) -> Mats:
            return _lift(inner_fn(ts), *join((i + ts) / k))

        lifted.append(
            _TPiece(
                fn,
                piece.label,
                piece.promise,
                piece.ref_a,
                piece.ref_b,
                None,
                piece.step,
                _Lift(join, i, k, piece),
            )
        )
    return pre_a + lifted + [_reversed(p) for p in reversed(pre_b)]


def _evaluate(pieces: list[_TPiece], ts: np.ndarray) -> list[Mats]:
    """[p.fn(ts) for p in pieces], with the lifted pieces of one induction level evaluated
    together: their inner pieces in one recursive call and their join once, at all their
    times (each point's value is the one p.fn gives: the join and the lift act point by
    point)."""
    out: dict[int, Mats] = {}
    levels: dict[int, list[tuple[int, _Lift]]] = {}
    for n, p in enumerate(pieces):
        if p.lift is None:
            out[n] = p.fn(ts)
        else:
            levels.setdefault(id(p.lift.join), []).append((n, p.lift))
    T = ts.shape[0]
    for members in levels.values():
        join, k = members[0][1].join, members[0][1].k
        inner = _evaluate([lift.inner for _, lift in members], ts)
        W1s, W1ps = join(np.concatenate([(lift.i + ts) / k for _, lift in members]))
        for g, ((n, _), values) in enumerate(zip(members, inner)):
            out[n] = _lift(values, W1s[g * T : (g + 1) * T], W1ps[g * T : (g + 1) * T])
    return [out[n] for n in range(len(pieces))]


def _transpose_mats(mats: Mats) -> Mats:
    return [np.swapaxes(W, -1, -2) for W in reversed(mats)]


def _to_path(
    pieces: list[_TPiece], widths: list[int], transposed: bool, extra_info: dict[str, Any]
) -> Path:
    out: list[Piece] = []
    orient = _transpose_mats if transposed else (lambda mats: mats)
    lifted = [n for n, p in enumerate(pieces) if p.lift is not None]
    # the lifted pieces' ends level by level, bit for bit each piece's own fn at t = 0 and 1
    # (so the continuity check and Path.start/end see the path itself), not piece by piece
    ends = dict(zip(lifted, _evaluate([pieces[n] for n in lifted], _ENDS)))
    for n, p in enumerate(pieces):
        ref_a, ref_b = orient(p.ref_a), orient(p.ref_b)
        info = {
            "reference": {"widths": widths_of(ref_a), "a": ref_a, "b": ref_b},
            "step": p.step,
            **extra_info,
        }
        if p.segment is not None:
            a, b = orient(p.segment[0]), orient(p.segment[1])
            out.append(Segment(_flat(a), _flat(b), p.label, p.promise, info))
        else:
            both = _flat_batch(orient(ends[n])) if n in ends else None
            out.append(
                FunctionPiece(
                    _flat_fn(p.fn, orient),
                    p.label,
                    p.promise,
                    info,
                    ends=None if both is None else (both[0], both[1]),
                )
            )
    if not lifted:
        return Path(out)

    def batch(ts: np.ndarray) -> np.ndarray:
        """Every piece at local times ts (k, T, D): the Segments by their own formula, the
        lifted pieces level by level (:func:`_evaluate`)."""
        values = np.empty((len(out), ts.shape[0], out[0].dim))
        for n, piece in enumerate(out):
            if pieces[n].lift is None:
                values[n] = piece.points(ts)
        for n, mats in zip(lifted, _evaluate([pieces[n] for n in lifted], ts)):
            values[n] = _flat_batch(orient(mats))
        return values

    return Path(out, batch=batch)


def _flat_fn(f: BatchFn, orient: Callable[[Mats], Mats]) -> Callable[[np.ndarray], np.ndarray]:
    def fn(ts: np.ndarray) -> np.ndarray:
        return _flat_batch(orient(f(ts)))

    return fn


def _flat(mats: Mats) -> np.ndarray:
    return np.concatenate([np.asarray(W).ravel() for W in mats])


def _flat_batch(mats: Mats) -> np.ndarray:
    T = mats[0].shape[0]
    return np.concatenate([W.reshape(T, -1) for W in mats], axis=1)


def _validate(weights: Any, X: Any, Y: Any, name: str) -> tuple[Mats, np.ndarray, np.ndarray]:
    w = as_weights(weights, name=name)
    Xa, Ya = as_data(X, Y)
    widths = widths_of(w)
    if Xa.shape[1] != widths[0] or Ya.shape[1] != widths[-1]:
        raise InputError(
            f"{name} have n = {widths[0]}, m = {widths[-1]} but X has "
            f"{Xa.shape[1]} columns and Y {Ya.shape[1]}"
        )
    return w, Xa, Ya


def connect(
    weights_a: Any, weights_b: Any, X: Any, Y: Any, *, rank_tol: float = DEFAULT_RANK_TOL
) -> Path:
    """The proof's path θ_A → θ_B (BF'16 Prop. 2.2, κ = 0; see the module docstring).

    The energy along it is ≤ max(E(θ_A), E(θ_B)) for the square loss on (X, Y): constant on
    the pre/post-processing pieces, equal to the convex lifted energy on the straight product
    path elsewhere. Raises HypothesisError if some inner width n_k ≤ min(n, m)."""
    wa, Xa, Ya = _validate(weights_a, X, Y, "weights_a")
    wb = as_weights(weights_b, name="weights_b")
    widths = widths_of(wa)
    if widths_of(wb) != widths:
        raise InputError(f"weights_b have widths {widths_of(wb)} but weights_a have {widths}")
    if not (np.isfinite(rank_tol) and rank_tol >= 0):
        raise InputError(f"rank_tol = {rank_tol!r} must be finite and ≥ 0")
    check_widths(widths)
    transposed = widths[0] > widths[-1]
    if transposed:
        wa, wb = _transpose_mats(wa), _transpose_mats(wb)
    pieces = _connect_canonical(wa, wb, rank_tol)
    return _to_path(pieces, widths, transposed, {"construction": "connect", "widths": widths})


def descend(
    weights: Any,
    X: Any,
    Y: Any,
    *,
    rank_tol: float = DEFAULT_RANK_TOL,
    landscape: DeepLinear | None = None,
) -> Path:
    """A path from θ to a global minimum along which E does not increase, strictly decreasing
    on its last piece (BF'16 Prop. 2.2, 'strictly decreasing path'; module docstring).

    Pieces: constant-energy steps that make each partial product W_j⋯W_1 injective (present
    only when θ is not generic), then W_K(t) = W_K + t(P* − P_A)(W_{K−1}⋯W_1)⁺ with P* the
    reduced-rank-regression optimum: E(t) = F((1−t)P_A + tP*) is convex with its minimum at
    t = 1, hence strictly decreasing when E(θ) > min E. ``landscape``: the
    :class:`~sublevel.numerics.energies.linear.DeepLinear` of these widths on (X, Y) (κ = 0),
    when already built (its reduced-rank optimum is computed once)."""
    w, Xa, Ya = _validate(weights, X, Y, "weights")
    widths = widths_of(w)
    if not (np.isfinite(rank_tol) and rank_tol >= 0):
        raise InputError(f"rank_tol = {rank_tol!r} must be finite and ≥ 0")
    check_widths(widths)
    target = landscape_on(widths, Xa, Ya, landscape).reduced_rank().product
    transposed = widths[0] > widths[-1]
    if transposed:
        w, target = _transpose_mats(w), target.T
    pieces: list[_TPiece] = []
    w = [np.array(W) for W in w]
    K, n = len(w), w[0].shape[1]
    below = np.eye(n)  # M_{j−1} = W_{j−1}⋯W_1, injective
    for j in range(K - 1):
        M = w[j] @ below
        r, U, Vt = _rank_split(M, rank_tol)
        if r < n:
            perp = U[:, r:] @ U[:, r:].T
            if np.any(w[j + 1] @ perp):
                new = [*w]
                new[j + 1] = w[j + 1] - w[j + 1] @ perp
                pieces.append(
                    _segment_piece(
                        w,
                        new,
                        f"a: layer {j + 2}",
                        CONSTANT,
                        f"pre-a: W_{j + 2} vanishes off range W_{j + 1}⋯W_1",
                    )
                )
                w = new
            A, B = Vt[r:].T, U[:, r : r + (n - r)]
            new = [*w]
            new[j] = w[j] + B @ A.T @ np.linalg.pinv(below)
            pieces.append(
                _segment_piece(
                    w, new, f"b: layer {j + 1}", CONSTANT, f"pre-b: W_{j + 1}⋯W_1 made injective"
                )
            )
            w = new
        below = w[j] @ below
    P_a = w[-1] @ below
    last = [*w]
    last[-1] = w[-1] + (target - P_a) @ np.linalg.pinv(below)
    main = _segment_piece(
        w, last, "descent", NON_INCREASING, "descent: W_K(t) = W_K + t(P* − P_A)(W_{K−1}⋯W_1)⁺"
    )
    main.ref_a, main.ref_b = [P_a], [target]
    pieces.append(main)
    return _to_path(pieces, widths, transposed, {"construction": "descend", "widths": widths})


# -------------------------------------------------------------------------------- references


def reference_landscape(piece: Piece, X: np.ndarray, Y: np.ndarray) -> DeepLinear:
    """The merged network on whose straight segment ``piece``'s energy is read off."""
    ref = piece.info["reference"]
    return DeepLinear(ref["widths"], X, Y)


def reference_polynomial(piece: Piece, landscape: DeepLinear) -> np.ndarray:
    """Coefficients in t of the energy of ``piece`` (its reference segment; exact identity)."""
    ref = piece.info["reference"]
    return landscape.energy_polynomial(_flat(ref["a"]), _flat(ref["b"]))


def reference_products(piece: Piece, ts: np.ndarray) -> np.ndarray:
    """The product W̃ along the reference segment at local times ``ts`` (T, m, n)."""
    ref = piece.info["reference"]
    ts = np.asarray(ts, dtype=np.float64)
    P: np.ndarray | None = None
    for A, B in zip(ref["a"], ref["b"]):
        W = A[None] + ts[:, None, None] * (B - A)[None]
        P = W if P is None else W @ P
    if P is None:
        raise InputError("reference segment has no layers")
    return P


# -------------------------------------------------------------------------------- certificates
# (the float path's certificates live in sublevel.numerics.paths.linear_certify; the proof's path is
# built and decided exactly in sublevel.numerics.paths.linear_exact)

from sublevel.numerics.paths.linear_certify import (  # noqa: E402  (it imports this module)
    LinearPathCertificates,
    certify_linear_path,
)
