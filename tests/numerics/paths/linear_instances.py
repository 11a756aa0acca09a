"""Random deep linear instances shared by test_linear.py (the float construction of BF'16
Prop. 2.2) and test_linear_exact.py (the exact one): endpoint weights with the degeneracies
the proof must survive, data from :func:`sublevel.numerics.strategies.make_data`, and the
hypothesis strategies both files draw from."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from sublevel.numerics.strategies import linear_widths, make_data

#: data kinds of make_data for the connect tests ("low_rank" needs n ≥ 2: see linear_instance)
DATA_KINDS = st.sampled_from(["random", "duplicate", "low_rank"])
#: degeneracies of the second endpoint θ_B in the connect tests
DEGENERATE_B = st.sampled_from([None, "zero-column", "rank-one"])
#: architectures and data kinds of the descent tests
DESCENT_WIDTHS = linear_widths(satisfying=True, max_layers=4, max_width=5)
DESCENT_KINDS = st.sampled_from(["random", "duplicate"])


def random_weights(rng: np.random.Generator, w: list[int], degenerate: str | None = None):
    """Weights W_k of shape (w[k+1], w[k]), Gaussian with variance 1/w[k], drawn from ``rng``;
    ``degenerate`` makes them singular: "zero-column" (a zero column of W_1), "zero-layer"
    (W_1 = 0), "rank-one" (the middle layer of rank one), "exact-rank-one" (rank one in exact
    arithmetic: dyadic entries), "all-zero" (every layer 0)."""
    ws = [rng.normal(size=(w[k + 1], w[k])) / np.sqrt(w[k]) for k in range(len(w) - 1)]
    if degenerate == "zero-column":
        ws[0][:, 0] = 0.0
    elif degenerate == "zero-layer":
        ws[0][:] = 0.0
    elif degenerate == "rank-one":
        k = len(ws) // 2
        ws[k][:] = np.outer(rng.normal(size=ws[k].shape[0]), rng.normal(size=ws[k].shape[1]))
    elif degenerate == "exact-rank-one":  # rank one in exact arithmetic (dyadic entries)
        k = len(ws) // 2
        u = rng.integers(-3, 4, size=ws[k].shape[0]).astype(float)
        v = rng.integers(-3, 4, size=ws[k].shape[1]).astype(float)
        ws[k][:] = np.outer(u, v) / 4.0
    elif degenerate == "all-zero":
        ws = [np.zeros_like(W) for W in ws]
    return ws


def linear_instance(
    seed: int,
    w: list[int],
    kind: str = "random",
    degenerate: tuple[str | None, ...] = (None, None),
    samples: int = 7,
):
    """``(X, Y, [weights, …])``: ``samples`` data points of ``kind`` (make_data from ``seed``;
    "low_rank" becomes "random" when n = w[0] < 2) and one weight list per entry of
    ``degenerate`` (default: two generic endpoints), drawn in order from default_rng(seed)."""
    if kind == "low_rank" and w[0] < 2:
        kind = "random"
    rng = np.random.default_rng(seed)
    d = make_data(seed, samples, w[0], w[-1], kind)
    return d.X, d.Y, [random_weights(rng, w, deg) for deg in degenerate]
