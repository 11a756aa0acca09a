"""Components of a sub-level set among many minima: union-find with witness paths, N_u
against the level, and the minimum spanning tree of barriers (papers.md §5.2 "Pairs and
components"; Draxler et al.'s MST, §6.2).

* :func:`components_at_level` — union-find over the minima with E ≤ u: each pair not yet in
  one component is handed to a path finder (DSS by default); a connected result (every segment
  ``holds``; an ``inconclusive`` segment never counts) merges the two components and is kept as
  the merge's *witness*; ``Components.proven`` says whether every witness is a proof. Pairs
  already joined are skipped.
* :func:`barrier_tree` — for every pair, the maximum energy on the path a finder returns (an
  upper bound on the pair's mountain-pass level, papers.md §1.7); Kruskal's minimum spanning
  tree of these barriers. By the minimax property of MSTs, two minima are joined at level u by
  paths of the graph iff the MST path between them has all barriers ≤ u, so
  N_u = #{minima with E ≤ u} − #{MST edges with barrier ≤ u}.
* :func:`plot_components` — N_u against u.

These are *upper bounds* on N_u among the given minima: a pair the finder did not connect may
still be connected (failure is not a proof of disconnection, §9.15).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

import numpy as np
from sublevel.numerics.geodesic.dss import dss
from sublevel.numerics.geodesic.result import StringResult
from sublevel.theory.errors import InputError

__all__ = [
    "UnionFind",
    "Merge",
    "Components",
    "components_at_level",
    "BarrierTree",
    "barrier_tree",
    "plot_components",
]


class UnionFind:
    """Disjoint sets over 0..n−1 with path halving and union by size."""

    def __init__(self, n: int):
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, i: int) -> int:
        """The representative (root) of i's set; halves the path on the way."""
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> bool:
        """Join the sets of i and j (the smaller under the larger); False when they were
        already one set."""
        ri, rj = self.find(i), self.find(j)
        if ri == rj:
            return False
        if self.size[ri] < self.size[rj]:
            ri, rj = rj, ri
        self.parent[rj] = ri
        self.size[ri] += self.size[rj]
        return True

    def labels(self) -> list[int]:
        """A component label per element, 0, 1, … in order of first appearance."""
        roots: dict[int, int] = {}
        return [roots.setdefault(self.find(i), len(roots)) for i in range(len(self.parent))]


@dataclass
class Merge:
    """Minima i and j joined at a level, with the path that witnesses it."""

    i: int
    j: int
    witness: StringResult


@dataclass
class Components:
    """Union-find components of the minima at one level."""

    level: float
    labels: list[int]
    members: list[int]
    merges: list[Merge] = field(default_factory=list)
    attempts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def n_components(self) -> int:
        """N_u among the minima below the level (``members``): the number of distinct labels,
        an upper bound on the true count (unconnected pairs may still be connected)."""
        return len({self.labels[k] for k in self.members})

    @property
    def proven(self) -> bool:
        """Every merge is witnessed by a proof (every segment's outcome ``holds`` with an exact,
        rigorous or bounded certificate); otherwise some merges rest on sampled evidence."""
        return all(m.witness.is_proof for m in self.merges)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: level, n_components, labels, members, attempts, proven, and each merge's
        pair with its witness's summary."""
        return {
            "level": self.level,
            "n_components": self.n_components,
            "labels": self.labels,
            "members": self.members,
            "attempts": self.attempts,
            "proven": self.proven,
            "merges": [{"i": m.i, "j": m.j, **m.witness.summary()} for m in self.merges],
        }


def _minima(landscape: Any, minima: Any) -> tuple[np.ndarray, np.ndarray]:
    M = np.asarray(minima, dtype=np.float64)
    if M.ndim != 2 or M.shape[0] < 2:
        raise InputError(f"minima have shape {M.shape}; need (n ≥ 2, D)")
    return M, np.asarray(landscape.energies(M))


def components_at_level(
    landscape: Any,
    minima: Any,
    level: float,
    *,
    finder: Callable[..., StringResult] = dss,
    **options: Any,
) -> Components:
    """Union-find over the minima below ``level``, merging pairs the finder connects."""
    M, E = _minima(landscape, minima)
    members = [k for k in range(M.shape[0]) if E[k] <= level]
    uf = UnionFind(M.shape[0])
    merges, attempts = [], []
    for i, j in itertools.combinations(members, 2):
        if uf.find(i) == uf.find(j):
            continue
        res = finder(landscape, M[i], M[j], level, **options)
        attempts.append(
            {
                "i": i,
                "j": j,
                "connected": res.connected,
                "status": res.status,
                "proof": res.is_proof,
                "max_energy": res.max_energy,
            }
        )
        if res.connected:
            uf.union(i, j)
            merges.append(Merge(i, j, res))
    return Components(float(level), uf.labels(), members, merges, attempts)


@dataclass
class BarrierTree:
    """Pairwise barriers (max energy on the found path) and their minimum spanning tree."""

    energies: np.ndarray
    barriers: np.ndarray
    edges: list[tuple[int, int, float]]
    results: dict[tuple[int, int], StringResult] = field(default_factory=dict)

    def n_components(self, level: float) -> int:
        """N_u among the minima with E ≤ u (an upper bound: found paths bound barriers above)."""
        below = int(np.sum(self.energies <= level))
        return below - sum(1 for _, _, w in self.edges if w <= level)

    def counts(self, levels: Sequence[float]) -> list[int]:
        """:meth:`n_components` at each level (the N_u curve)."""
        return [self.n_components(u) for u in levels]

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the minima's energies, the pairwise barrier matrix and the MST edges
        (i, j, barrier); the paths themselves are not included."""
        return {
            "energies": self.energies.tolist(),
            "barriers": self.barriers.tolist(),
            "mst": [{"i": i, "j": j, "barrier": w} for i, j, w in self.edges],
        }


def barrier_tree(
    landscape: Any,
    minima: Any,
    *,
    finder: Callable[..., StringResult] | None = None,
    level: float | None = None,
    **options: Any,
) -> BarrierTree:
    """Barrier of every pair from ``finder`` (default: the straight segment) at ``level``
    (default: a level above every minimum), then Kruskal's MST."""
    from sublevel.numerics.geodesic.baselines import straight_segment

    M, E = _minima(landscape, minima)
    fn = finder or straight_segment
    u = float(E.max()) if level is None else float(level)
    n = M.shape[0]
    B = np.full((n, n), math.inf)
    results = {}
    for i, j in itertools.combinations(range(n), 2):
        res = fn(landscape, M[i], M[j], u, **options)
        B[i, j] = B[j, i] = max(res.max_energy, E[i], E[j])
        results[(i, j)] = res
    np.fill_diagonal(B, E)
    uf = UnionFind(n)
    edges = []
    for w, i, j in sorted((B[i, j], i, j) for i, j in itertools.combinations(range(n), 2)):
        if uf.union(i, j):
            edges.append((i, j, float(w)))
    return BarrierTree(E, B, edges, results)


def plot_components(
    levels: Sequence[float],
    counts: Sequence[int],
    file: str | FsPath,
    *,
    title: str = "components of the sub-level set",
) -> FsPath:
    """PNG of N_u (among the given minima) against the level u."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = FsPath(file)
    if not out.parent.exists():
        raise InputError(f"cannot write {str(out)!r}: folder {str(out.parent)!r} does not exist")
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.step(levels, counts, where="post", color="#1f4e9c")
    ax.set_xlabel("level u")
    ax.set_ylabel("N_u (upper bound among the minima)")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
