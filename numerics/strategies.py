"""Hypothesis strategies for property-based tests of landscape theorems.

Draw the objects the claims talk about — architectures that satisfy (or violate) a claim's
hypotheses, data sets (random, with duplicate rows, low-rank), parameter points, activations
and paths — and test a statement on all of them::

    from hypothesis import given
    from sublevel.numerics.strategies import linear_widths, seeds
    from sublevel.proofs_checks import assert_claim_holds

    @given(widths=linear_widths(satisfying=True), seed=seeds())
    def test_deep_linear_paths(widths, seed):
        assert_claim_holds("bf16.prop2.2.linear", {"widths": widths}, seed=seed)

Every architecture strategy is checked against the claim registry: ``linear_widths(
satisfying=True)`` only yields widths for which ``get_claim("bf16.prop2.2.linear")
.hypotheses_hold(widths=...)`` is True, and ``satisfying=False`` only widths for which it is
False, so the strategies can never drift from the statements (:mod:`sublevel.theory.claims`).

Random arrays are generated from a drawn seed (``numpy.random.default_rng``), so hypothesis
shrinks the sizes and the seed while the arrays stay well conditioned; ``elements=True`` on
:func:`parameter_points` draws every coordinate instead (shrinks towards 0).

Needs ``hypothesis`` (the ``test`` extra: ``pip install 'sublevel[test]'``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as _exc:  # pragma: no cover - the test extra is installed in CI
    raise ImportError(
        "sublevel.numerics.strategies needs hypothesis (the 'test' extra): pip install 'sublevel[test]'"
    ) from _exc

from sublevel.numerics.paths.base import Path, Polygonal, Segment
from sublevel.theory.claims import get_claim
from sublevel.theory.errors import InputError

__all__ = [
    "seeds",
    "widths",
    "linear_widths",
    "square_widths",
    "Data",
    "datasets",
    "DATA_KINDS",
    "parameter_points",
    "linear_parameters",
    "two_layer_parameters",
    "polynomial_activations",
    "activations",
    "intrinsic_architectures",
    "relu_valley_architectures",
    "architectures",
    "segments",
    "polygonal_chains",
    "paths",
]

DATA_KINDS = ("random", "duplicate", "low_rank")


def _size(value: Any, name: str, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise InputError(f"{name} = {value!r}: need an integer ≥ {low}")
    return int(value)


def _range(lo: Any, hi: Any, name: str, low: int = 1) -> tuple[int, int]:
    lo, hi = _size(lo, f"min_{name}", low), _size(hi, f"max_{name}", low)
    if lo > hi:
        raise InputError(f"min_{name} = {lo} > max_{name} = {hi}")
    return lo, hi


def seeds() -> st.SearchStrategy[int]:
    """Seeds for the checks and the array generators: integers in [0, 2³² − 1]."""
    return st.integers(min_value=0, max_value=2**32 - 1)


# ---------------------------------------------------------------------------- architectures


def widths(
    *, min_layers: int = 1, max_layers: int = 4, min_width: int = 1, max_width: int = 6
) -> st.SearchStrategy[list[int]]:
    """Widths [n, n_1, …, n_{K−1}, m] of a K-layer network, K in [min_layers, max_layers]."""
    lo, hi = _range(min_layers, max_layers, "layers")
    wlo, whi = _range(min_width, max_width, "width")
    return st.integers(lo, hi).flatmap(
        lambda k: st.lists(st.integers(wlo, whi), min_size=k + 1, max_size=k + 1)
    )


def linear_widths(
    *, satisfying: bool = True, min_layers: int = 2, max_layers: int = 4, max_width: int = 6
) -> st.SearchStrategy[list[int]]:
    """Deep-linear widths for BF'16 Prop. 2.2: ``satisfying=True`` gives n_k > min(n, m) for
    every inner width (the theorem applies); ``False`` gives some inner n_k ≤ min(n, m) (a
    bottleneck or the square boundary n_k = min(n, m), where the construction must break).

    Built directly (no rejection), then checked against the registry's predicate."""
    lo, hi = _range(min_layers, max_layers, "layers", low=2)
    whi = _size(max_width, "max_width", low=2)
    claim = get_claim("bf16.prop2.2.linear")

    @st.composite
    def build(draw: st.DrawFn) -> list[int]:
        k = draw(st.integers(lo, hi))
        n = draw(st.integers(1, whi - 1))
        m = draw(st.integers(1, whi - 1))
        floor = min(n, m)
        inner = draw(st.lists(st.integers(floor + 1, whi), min_size=k - 1, max_size=k - 1))
        if not satisfying:  # one inner layer at most min(n, m): a bottleneck or the boundary
            inner[draw(st.integers(0, k - 2))] = draw(st.integers(1, floor))
        return [n, *inner, m]

    return build().filter(lambda w: claim.hypotheses_hold(widths=w) == satisfying)


def square_widths(*, min_width: int = 1, max_width: int = 5) -> st.SearchStrategy[list[int]]:
    """[h, h, h]: the equality case n = n_1 = m of ``bf16.linear.square-boundary``."""
    lo, hi = _range(min_width, max_width, "width")
    return st.integers(lo, hi).map(lambda h: [h, h, h])


def intrinsic_architectures(
    *,
    satisfying: bool = True,
    claim: str = "vbb.finite-dim.p-ge-q",
    max_n: int = 3,
    max_degree: int = 3,
    max_p: int = 40,
) -> st.SearchStrategy[dict[str, Any]]:
    """{"activation", "n", "q", "p"} for VBB's finite-intrinsic-dimension claims: a random
    polynomial activation, its intrinsic dimension q (closed form), and p hidden units with
    the claim's threshold (p ≥ q, or p ≥ 2q) satisfied or violated."""
    from sublevel.theory.liftings.feature_map import intrinsic_dimension_closed_form

    c = get_claim(claim)
    if set(c.requires) != {"p", "q"}:
        raise InputError(
            f"claim {claim!r} is not a p-versus-q claim (it requires {list(c.requires)})"
        )
    factor = 1 if c.hypotheses_hold(p=3, q=3) else 2  # p ≥ q or p ≥ 2q, read off the registry
    nhi = _size(max_n, "max_n")
    phi = _size(max_p, "max_p")

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        act = draw(polynomial_activations(max_degree=max_degree))
        n = draw(st.integers(1, nhi))
        q = int(intrinsic_dimension_closed_form(act, n))
        need = factor * q
        if satisfying:
            p = draw(st.integers(need, max(need, phi)))
        else:
            p = draw(st.integers(1, max(1, need - 1)))
        return {"activation": act, "n": n, "q": q, "p": p}

    return build().filter(lambda d: d["q"] >= 1 and c.hypotheses_hold(d) == satisfying)


def relu_valley_architectures(
    *, satisfying: bool = True, max_n: int = 12
) -> st.SearchStrategy[dict[str, int]]:
    """{"n", "p"} for VBB Thm 13 (``vbb.thm13.relu-valley``): n ≥ 3 and 2 ≤ p ≤ n − 1 when
    ``satisfying``, otherwise p = 1 or p ≥ n."""
    nhi = _size(max_n, "max_n", low=3)
    claim = get_claim("vbb.thm13.relu-valley")
    if satisfying:
        base = st.integers(3, nhi).flatmap(
            lambda n: st.integers(2, n - 1).map(lambda p: {"n": n, "p": p})
        )
    else:
        base = st.integers(1, nhi).flatmap(
            lambda n: st.one_of(st.just(1), st.integers(n, n + 3)).map(lambda p: {"n": n, "p": p})
        )
    return base.filter(lambda d: claim.hypotheses_hold(d) == satisfying)


def architectures(
    claim_id: str, *, satisfying: bool = True, **options: Any
) -> st.SearchStrategy[dict[str, Any]]:
    """Dimensions for ``claim_id`` that satisfy (or violate) its hypotheses, as the mapping its
    ``hypotheses_hold`` reads (``{"widths": [...]}``, ``{"p": .., "q": ..}``, …).

    Claims whose hypotheses read widths, p and q, p and L, n and p (the ReLU valley) are
    supported; any other claim raises :class:`InputError` naming what it requires."""
    claim = get_claim(claim_id)
    req = set(claim.requires)
    if claim.hypotheses is None or not req:
        raise InputError(f"claim {claim_id!r} has no dimension hypotheses to satisfy or violate")
    if req == {"widths"}:
        if claim_id == "bf16.linear.square-boundary":
            square = square_widths(**options).map(lambda w: {"widths": w})
            other = linear_widths(satisfying=True, **options).map(lambda w: {"widths": w})
            return square if satisfying else other
        return linear_widths(satisfying=satisfying, **options).map(lambda w: {"widths": w})
    if req == {"widths", "kappa"}:
        kappas = st.floats(1e-3, 10.0) if satisfying else st.just(0.0)
        ws = linear_widths(satisfying=True, min_layers=2, max_layers=2, **options)
        return st.fixed_dictionaries({"widths": ws, "kappa": kappas}).filter(
            lambda d: claim.hypotheses_hold(d) == satisfying
        )
    if req == {"p", "q"}:
        return intrinsic_architectures(satisfying=satisfying, claim=claim_id, **options)
    if req == {"p", "L"}:
        hi = _size(options.get("max_samples", 12), "max_samples")
        return (
            st.integers(1, hi)
            .flatmap(
                lambda L: (st.integers(L, 2 * L) if satisfying else st.integers(0, L - 1)).map(
                    lambda p: {"p": p, "L": L}
                )
            )
            .filter(lambda d: claim.hypotheses_hold(d) == satisfying)
        )
    if claim_id == "vbb.thm13.relu-valley":
        return relu_valley_architectures(satisfying=satisfying, **options)
    if req == {"n", "hidden"}:
        return _deep_quadratic(claim, satisfying)
    # any other claim: small integers for each required key, kept when the predicate agrees
    keys = sorted(req)
    flags = ("full_rank", "distinct")  # boolean facts about the data (Kawaguchi's assumptions)
    return st.fixed_dictionaries(
        {k: st.booleans() if k.startswith(flags) else st.integers(1, 8) for k in keys}
    ).filter(lambda d: claim.hypotheses_hold(d) == satisfying)


def _deep_quadratic(claim: Any, satisfying: bool) -> st.SearchStrategy[dict[str, Any]]:
    """{"n", "hidden"} for the talk's deep quadratic bound M_k ≥ 3N^{2^k} (k = 1..K)."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        n = draw(st.integers(1, 2))
        k = draw(st.integers(1, 2))
        need = [3 * n ** (2 ** (j + 1)) for j in range(k)]
        hidden = [t + draw(st.integers(0, 3)) for t in need]
        if not satisfying:
            j = draw(st.integers(0, k - 1))
            hidden[j] = draw(st.integers(1, need[j] - 1))
        return {"n": n, "hidden": hidden}

    return build().filter(lambda d: claim.hypotheses_hold(d) == satisfying)


# ---------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Data:
    """A data set: inputs X (L, n), targets Y (L, m), its ``kind`` and the rank of X."""

    X: np.ndarray
    Y: np.ndarray
    kind: str
    rank: int
    seed: int

    @property
    def n_samples(self) -> int:
        """L, the number of samples (rows of X and Y)."""
        return int(self.X.shape[0])


def make_data(
    seed: int,
    n_samples: int,
    n_features: int,
    n_outputs: int,
    kind: str,
    rank: int | None = None,
    noise: float = 0.1,
) -> Data:
    """A data set of the given ``kind`` from a seed (what :func:`datasets` draws).

    * ``random`` — X Gaussian, Y = X A + noise·ε (generic: full rank);
    * ``duplicate`` — like random, but at least one row of X (and Y) repeated (pitfall §9.5:
      the empirical feature matrix is rank-deficient);
    * ``low_rank`` — X = G H with inner dimension ``rank`` < min(L, n) (data on a subspace).
    """
    if kind not in DATA_KINDS:
        raise InputError(f"data kind {kind!r} is not one of {', '.join(DATA_KINDS)}")
    L, n, m = (
        _size(v, k)
        for v, k in ((n_samples, "n_samples"), (n_features, "n_features"), (n_outputs, "n_outputs"))
    )
    rng = np.random.default_rng(seed)
    if kind == "low_rank":
        if min(L, n) < 2:
            raise InputError(f"low-rank data need min(n_samples, n_features) ≥ 2, got {min(L, n)}")
        r = rank if rank is not None else max(1, min(L, n) // 2)
        if not 1 <= r < min(L, n):
            raise InputError(
                f"rank {r} must satisfy 1 ≤ rank < min(n_samples, n_features) = {min(L, n)}"
            )
        X = rng.standard_normal((L, r)) @ rng.standard_normal((r, n))
    else:
        X = rng.standard_normal((L, n))
    A = rng.standard_normal((n, m))
    Y = X @ A + noise * rng.standard_normal((L, m))
    if kind == "duplicate":
        if L < 2:
            raise InputError("duplicate-row data need n_samples ≥ 2")
        src = rng.integers(0, L - 1)
        X[L - 1], Y[L - 1] = X[src], Y[src]
    return Data(X, Y, kind, int(np.linalg.matrix_rank(X)), int(seed))


def datasets(
    *,
    kinds: Sequence[str] = DATA_KINDS,
    min_samples: int = 2,
    max_samples: int = 10,
    min_features: int = 1,
    max_features: int = 5,
    min_outputs: int = 1,
    max_outputs: int = 3,
    noise: float = 0.1,
) -> st.SearchStrategy[Data]:
    """Data sets (:class:`Data`) of the given kinds (random, duplicate rows, low-rank)."""
    bad = [k for k in kinds if k not in DATA_KINDS]
    if bad or not kinds:
        raise InputError(f"data kinds {list(kinds)!r}: choose from {', '.join(DATA_KINDS)}")
    slo, shi = _range(min_samples, max_samples, "samples")
    flo, fhi = _range(min_features, max_features, "features")
    olo, ohi = _range(min_outputs, max_outputs, "outputs")

    @st.composite
    def build(draw: st.DrawFn) -> Data:
        kind = draw(st.sampled_from(list(kinds)))
        low = 2 if kind in ("duplicate", "low_rank") else 1
        L = draw(st.integers(max(slo, low), max(shi, low)))
        n = draw(
            st.integers(
                max(flo, low if kind == "low_rank" else 1),
                max(fhi, low if kind == "low_rank" else 1),
            )
        )
        m = draw(st.integers(olo, ohi))
        rank = draw(st.integers(1, min(L, n) - 1)) if kind == "low_rank" else None
        seed = draw(seeds())
        return make_data(seed, L, n, m, kind, rank, noise)

    return build()


# ---------------------------------------------------------------------------- points


def parameter_points(
    dim: int, *, scale: float = 1.0, elements: bool = False
) -> st.SearchStrategy[np.ndarray]:
    """Points θ ∈ R^dim (float64): Gaussian of standard deviation ``scale`` from a drawn seed,
    or (``elements=True``) every coordinate drawn in [−scale, scale] (shrinks towards 0)."""
    d = _size(dim, "dim")
    if not (math.isfinite(scale) and scale > 0):
        raise InputError(f"scale {scale!r} must be positive and finite")
    if elements:
        return hnp.arrays(
            np.float64, d, elements=st.floats(-scale, scale, allow_nan=False, allow_subnormal=False)
        )
    return seeds().map(lambda s: scale * np.random.default_rng(s).standard_normal(d))


def linear_parameters(
    layer_widths: Sequence[int], *, scale: float = 1.0
) -> st.SearchStrategy[list[np.ndarray]]:
    """Weights [W_1, …, W_K] with W_k of shape (n_k, n_{k−1}) for widths [n_0, …, n_K]."""
    w = [_size(v, "width") for v in layer_widths]
    if len(w) < 2:
        raise InputError(f"widths {list(layer_widths)!r}: need at least [n, m]")
    total = sum(a * b for a, b in zip(w[:-1], w[1:]))

    def split(theta: np.ndarray) -> list[np.ndarray]:
        out, i = [], 0
        for a, b in zip(w[:-1], w[1:]):
            out.append(theta[i : i + a * b].reshape(b, a))
            i += a * b
        return out

    return parameter_points(total, scale=scale).map(split)


def two_layer_parameters(
    n: int, p: int, m: int = 1, *, scale: float = 1.0
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """(W, U) of a two-layer network Φ(x) = U ρ(W x): W (p, n) with rows of norm ≈ ``scale``,
    U (m, p) — the layout of :mod:`sublevel.numerics.energies.two_layer` (θ = (vec W, vec U))."""
    n, p, m = _size(n, "n"), _size(p, "p"), _size(m, "m")

    def split(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return theta[: p * n].reshape(p, n) / math.sqrt(n), theta[p * n :].reshape(m, p)

    return parameter_points(p * n + m * p, scale=scale).map(split)


# ---------------------------------------------------------------------------- activations


def polynomial_activations(
    *, max_degree: int = 3, min_degree: int = 1, max_coefficient: int = 3, symbol: str = "z"
) -> st.SearchStrategy[Any]:
    """Random polynomial activations ρ(z) = Σ_j a_j z^j as sympy expressions, integer
    coefficients in [−max_coefficient, max_coefficient], degree in [min_degree, max_degree],
    never the zero polynomial nor a constant."""
    import sympy as sp

    lo, hi = _range(min_degree, max_degree, "degree")
    cmax = _size(max_coefficient, "max_coefficient")
    z = sp.Symbol(symbol)

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        degree = draw(st.integers(lo, hi))
        coeffs = draw(st.lists(st.integers(-cmax, cmax), min_size=degree, max_size=degree))
        lead = draw(st.integers(1, cmax))
        sign = draw(st.sampled_from([1, -1]))
        all_coeffs = [*coeffs, sign * lead]
        return sp.Add(*[c * z**j for j, c in enumerate(all_coeffs)])

    return build()


def activations(
    *, kinds: Sequence[str] = ("polynomial", "relu", "tanh"), max_degree: int = 3
) -> st.SearchStrategy[Any]:
    """Activations: random polynomials (sympy expressions), ``"relu(z)"`` and ``"tanh(z)"``
    (strings that :func:`sublevel.theory.liftings.feature_map.parse_activation` and
    :func:`sublevel.numerics.energies.activations.make_activation` both read)."""
    known = ("polynomial", "relu", "tanh")
    bad = [k for k in kinds if k not in known]
    if bad or not kinds:
        raise InputError(f"activation kinds {list(kinds)!r}: choose from {', '.join(known)}")
    options = []
    if "polynomial" in kinds:
        options.append(polynomial_activations(max_degree=max_degree))
    options += [st.just(f"{k}(z)") for k in kinds if k != "polynomial"]
    return st.one_of(*options)


# ---------------------------------------------------------------------------- paths


def segments(dim: int, *, scale: float = 1.0) -> st.SearchStrategy[Segment]:
    """Straight segments a → b in R^dim with distinct endpoints."""
    pts = parameter_points(dim, scale=scale)
    return (
        st.tuples(pts, pts)
        .filter(lambda ab: not np.array_equal(ab[0], ab[1]))
        .map(lambda ab: Segment(ab[0], ab[1]))
    )


def polygonal_chains(
    dim: int, *, min_beads: int = 2, max_beads: int = 8, scale: float = 1.0
) -> st.SearchStrategy[Polygonal]:
    """Polygonal chains through B beads (B in [min_beads, max_beads]) in R^dim."""
    d = _size(dim, "dim")
    lo, hi = _range(min_beads, max_beads, "beads", low=2)
    return st.tuples(st.integers(lo, hi), seeds()).map(
        lambda bs: Polygonal(scale * np.random.default_rng(bs[1]).standard_normal((bs[0], d)))
    )


def paths(dim: int, *, max_pieces: int = 4, scale: float = 1.0) -> st.SearchStrategy[Path]:
    """Continuous paths: concatenations of segments and polygonal chains, each piece starting
    where the previous one ends."""
    d = _size(dim, "dim")
    hi = _size(max_pieces, "max_pieces")

    @st.composite
    def build(draw: st.DrawFn) -> Path:
        k = draw(st.integers(1, hi))
        rng = np.random.default_rng(draw(seeds()))
        start = scale * rng.standard_normal(d)
        pieces: list[Polygonal | Segment] = []
        for i in range(k):
            if draw(st.booleans()):
                beads = scale * rng.standard_normal((draw(st.integers(2, 5)), d))
                beads[0] = start
                pieces.append(Polygonal(beads, label=f"chain {i}"))
            else:
                end = scale * rng.standard_normal(d)
                pieces.append(Segment(start, end, label=f"segment {i}"))
            start = pieces[-1].end
        return Path(pieces)

    return build()
