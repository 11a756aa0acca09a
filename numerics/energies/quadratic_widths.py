"""Two-layer quadratic networks against their width: how often random starts reach the optimum.

Φ(x) = Σ_i u_i (w_i·x)² with scalar output, for the three sign settings of the output weights
(:data:`SIGNS`: trained, fixed balanced ±1, fixed +1), against the lifted optimum over Sym(n)
or over A ⪰ 0 (:func:`sublevel.numerics.energies.quadratic_deep.quadratic_lifted_optimum`);
:func:`width_experiment` runs :func:`sublevel.numerics.energies.optimisation_runs.optimisation_runs`
at each width p and :func:`plot_success_fraction` draws the success fraction against p with the
lines p = n and p = 2n. Sources: Bruna's talk (M ≥ 2N for two layers); Soltanolkotabi,
Javanmard & Lee (2017); papers.md §4.3, C10.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

import numpy as np
from sublevel.numerics.energies.optimisation_runs import SUCCESS_KINDS, Run, optimisation_runs
from sublevel.numerics.energies.quadratic_deep import quadratic_lifted_optimum
from sublevel.theory.errors import InputError

__all__ = ["SIGNS", "quadratic_network", "WidthRow", "width_experiment", "plot_success_fraction"]

SIGNS = ("free", "balanced", "nonnegative")


def quadratic_network(X: Any, y: Any, p: int, sign: str = "free") -> tuple[Any, Any, float]:
    """(landscape, init, F*) for the two-layer quadratic network with scalar output.

    ``free``: u trained (the literal L(U, W)); ``balanced``: u fixed, ⌈p/2⌉ entries +1 and ⌊p/2⌋
    entries −1 (the setting of Soltanolkotabi, Javanmard & Lee 2017: with ≥ n of each sign every
    A ∈ Sym(n) is Wᵀdiag(u)W); ``nonnegative``: u = 1 fixed (A ⪰ 0). F* is the lifted optimum
    over Sym(n) (free, balanced — for balanced a lower bound, attained when both signs have ≥ n
    units) or over A ⪰ 0 (nonnegative)."""
    from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer, FixedOutput

    if sign not in SIGNS:
        raise InputError(f"sign {sign!r} is not one of {', '.join(SIGNS)}")
    land = EmpiricalTwoLayer("quadratic", X, y, p)
    _, f_star = quadratic_lifted_optimum(
        land.X, land.Y, sign="nonnegative" if sign == "nonnegative" else "free"
    )
    if sign == "free":
        return land, land.random_point, f_star
    u = np.ones((1, land.p))
    if sign == "balanced":
        u[0, (land.p + 1) // 2 :] = -1.0
    fixed = FixedOutput(land, u)
    return fixed, lambda rng: land.random_point(rng)[: fixed.dim], f_star


@dataclass
class WidthRow:
    """The runs at one width."""

    p: int
    runs: list[Run] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        """Runs per outcome, for every kind of :data:`SUCCESS_KINDS` (zeros included)."""
        return {k: sum(r.kind == k for r in self.runs) for k in SUCCESS_KINDS}

    @property
    def success_fraction(self) -> float:
        """The fraction of runs that reached the lifted optimum (NaN when there are no runs)."""
        return self.counts["success"] / len(self.runs) if self.runs else float("nan")

    @property
    def stable_poor(self) -> int:
        """Failed runs that re-descend to the same energy from every perturbation."""
        return sum(bool(r.stable) for r in self.runs)

    def to_dict(self) -> dict[str, Any]:
        """The row for reports: p, the number of runs, the success fraction, the count of every
        outcome and ``stable_poor`` (the runs themselves are left out)."""
        return {
            "p": self.p,
            "runs": len(self.runs),
            "success_fraction": self.success_fraction,
            **self.counts,
            "stable_poor": self.stable_poor,
        }


def width_experiment(
    n: int,
    widths: Sequence[int],
    n_runs: int,
    *,
    L: int | None = None,
    seed: int = 0,
    noise: float = 0.1,
    sign: str = "free",
    **options: Any,
) -> tuple[list[WidthRow], float]:
    """Two-layer quadratic network, scalar output: data X ~ N(0, I_n) (L = 3·n(n+1)/2 by
    default), y = xᵀA*x + noise with A* a random symmetric (indefinite) matrix; at each width p,
    ``n_runs`` runs against the lifted optimum (:func:`quadratic_network` for ``sign``).
    Returns (rows, F*)."""
    rng = np.random.default_rng(seed)
    L = L or 3 * n * (n + 1) // 2
    X = rng.normal(size=(L, n))
    A_star = rng.normal(size=(n, n))
    A_star = (A_star + A_star.T) / 2
    y = np.einsum("li,ij,lj->l", X, A_star, X) + noise * rng.normal(size=L)
    rows, f_star = [], 0.0
    for p in widths:
        land, init, f_star = quadratic_network(X, y, int(p), sign)
        rows.append(
            WidthRow(int(p), optimisation_runs(land, f_star, n_runs, rng, init=init, **options))
        )
    return rows, f_star


def plot_success_fraction(
    rows: Sequence[WidthRow], n: int, file: str | FsPath, *, title: str = ""
) -> FsPath:
    """Success fraction against width p, with the lines p = n and p = 2n (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = FsPath(file)
    if out.parent and not out.parent.exists():
        raise InputError(
            f"cannot write plot {str(out)!r}: folder {str(out.parent)!r} does not exist"
        )
    fig, ax = plt.subplots(figsize=(6, 4))
    ps = [r.p for r in rows]
    ax.plot(
        ps,
        [r.success_fraction for r in rows],
        "o-",
        color="#1f4e9c",
        label="runs reaching the lifted optimum",
    )
    ax.axvline(n, color="#888", ls=":", label="p = n")
    ax.axvline(2 * n, color="#c0392b", ls="--", label="p = 2n (talk)")
    ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("hidden units p")
    ax.set_ylabel("success fraction")
    ax.set_title(title or f"two-layer quadratic network, n = {n}")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
