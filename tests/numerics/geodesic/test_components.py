"""Components of sub-level sets among minima: union-find, witnesses, MST of barriers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.geodesic import (
    DoubleWell,
    UnionFind,
    barrier_tree,
    components_at_level,
    plot_components,
)
from sublevel.theory.errors import InputError


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 12),
    pairs=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=20),
)
def test_union_find_matches_graph_components(n, pairs):
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    pairs = [(i % n, j % n) for i, j in pairs]
    uf = UnionFind(n)
    for i, j in pairs:
        uf.union(i, j)
    rows = [i for i, _ in pairs] or [0]
    cols = [j for _, j in pairs] or [0]
    g = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    k, labels = connected_components(g, directed=False)
    assert len(set(uf.labels())) == k
    for i in range(n):
        for j in range(n):
            assert (uf.find(i) == uf.find(j)) == (labels[i] == labels[j])


def _minima():
    land = DoubleWell(2)
    m1, m2 = land.minima
    return land, np.stack([m1, m1 + [0.0, 0.1], m2, m2 + [0.05, -0.1]])


def test_components_below_and_above_the_ridge_with_witnesses():
    land, mins = _minima()
    below = components_at_level(land, mins, 0.5, accept_factor=1.0, max_depth=6)
    assert below.n_components == 2
    assert below.labels[0] == below.labels[1] != below.labels[2] == below.labels[3]
    above = components_at_level(land, mins, 1.2, accept_factor=1.0)
    assert above.n_components == 1
    assert len(above.merges) == 3  # a spanning set of witnessed merges
    for m in above.merges:
        assert m.witness.connected and m.witness.is_proof
    assert len(above.attempts) == 3  # pairs already joined are skipped


def test_barrier_tree_counts_components_against_level(tmp_path):
    land, mins = _minima()
    tree = barrier_tree(land, mins)
    assert len(tree.edges) == 3
    assert tree.edges[-1][2] == pytest.approx(1.0)  # the straight segment between wells: the saddle
    counts = tree.counts([0.0, 0.02, 0.5, 1.0])
    assert counts[-1] == 1 and counts[2] == 2
    assert counts == sorted(counts, key=lambda c: -c) or counts[0] <= counts[1]
    out = plot_components([0.0, 0.02, 0.5, 1.0], counts, tmp_path / "c.png")
    assert out.stat().st_size > 1000


def test_bad_minima():
    land = DoubleWell(2)
    with pytest.raises(InputError, match="minima"):
        components_at_level(land, np.zeros((1, 2)), 1.0)
