"""BF'16 Corollary 2.5: the certified connection level between trained ReLU networks against
the width m (digest §3.7, papers.md C7).

For each width two independently trained students are joined by the straight segment and by
the six-part path of Theorem 2.4 (:func:`sublevel.numerics.paths.relu.six_part_path`), both
certified exactly; the level is fitted by a power law in m against the worst case m^{−1/n}.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

import numpy as np
from sublevel.numerics.energies.relu import TwoLayerReLU
from sublevel.numerics.paths.relu import six_part_path
from sublevel.numerics.paths.relu_networks import fit_network, teacher_data, to_unit_rows
from sublevel.theory.errors import HypothesisError, InputError

__all__ = ["WidthStudy", "fit_exponent", "width_study", "plot_width_study"]


@dataclass
class WidthStudy:
    """Corollary 2.5: the certified connection level between two solutions against the width.

    level(m) = min(certified max on the straight segment, certified max on the Theorem 2.4
    path); barrier(m) = level(m) − max(F_A, F_B) (0 below 1e-10 relative: rounding);
    ``exponent`` is the least-squares slope of
    log level against log m (the paper's worst case: −1/n)."""

    n: int
    widths: list[int]
    levels: list[float]
    barriers: list[float]
    segment_max: list[float]
    path_max: list[float]
    endpoint_max: list[float]
    epsilons: list[float]
    exponent: float
    certificates: list[Any] = field(default_factory=list)

    @property
    def reference_exponent(self) -> float:
        """−1/n: the worst-case slope of log level against log m (Cor. 2.5, ε ~ m^{−1/n})."""
        return -1.0 / self.n


def fit_exponent(widths: Any, values: Any) -> float:
    """Least-squares slope of log(values) against log(widths)."""
    w = np.log(np.asarray(widths, dtype=np.float64))
    v = np.log(np.maximum(np.asarray(values, dtype=np.float64), 1e-300))
    if w.size < 2:
        raise InputError("an exponent needs at least two widths")
    return float(np.polyfit(w, v, 1)[0])


def width_study(
    seed: int,
    *,
    n: int,
    widths: Any,
    samples: int,
    teacher: int,
    l1: float,
    maxiter: int = 300,
    oracle_restarts: int = 1,
    fixed_width: int | None = None,
) -> WidthStudy:
    """For each width m: two independently trained students, the exact straight-segment maximum
    and the Theorem 2.4 path, both certified (:func:`sublevel.numerics.certify_relu.certify_relu_path`).

    The data come from ``seed``; the students of width m from the seed (seed, m), so a study is
    reproducible entry by entry. ``fixed_width`` (the negative control: the hypothesis m → ∞
    broken) trains every entry at that width with the same seed while keeping the nominal
    ``widths`` as the abscissa."""
    from sublevel.numerics.certify_relu import certify_relu_path, certify_relu_segment

    widths = [int(w) for w in widths]
    if len(widths) < 2 or any(w < 2 for w in widths) or len(set(widths)) < 2:
        raise InputError(f"widths {widths!r}: need at least two distinct widths, each ≥ 2")
    if fixed_width is not None and fixed_width < 2:
        raise InputError(f"fixed_width = {fixed_width!r} must be ≥ 2")
    X, y, _, _ = teacher_data(np.random.default_rng([seed, 0]), n, samples, teacher)
    levels, barriers, seg, pth, ends, epss, certs = [], [], [], [], [], [], []
    for nominal in widths:
        m = fixed_width or nominal
        rng = np.random.default_rng([seed, 1, m])
        land = TwoLayerReLU(X, y, m, l1=l1)
        tA = to_unit_rows(land, fit_network(land, rng, maxiter=maxiter))
        tB = to_unit_rows(land, fit_network(land, rng, maxiter=maxiter))
        lam = max(land.energy(tA), land.energy(tB))
        cs = certify_relu_segment(land, tA, tB, lam, label=f"segment m={m}")
        try:
            sp = six_part_path(
                land, tA, tB, rng, oracle_restarts=oracle_restarts, oracle_maxiter=maxiter
            )
        except HypothesisError:  # no (l, α) on the grid: the straight segment alone
            pmax, eps, path_certs = float("inf"), float("nan"), []
        else:
            pc = certify_relu_path(land, sp.path, sp.bound)
            pmax, eps, path_certs = (
                max(c.max_energy for c in pc.pieces),
                sp.quantities["epsilon"],
                pc.all,
            )
        level = min(cs.max_energy, pmax)
        levels.append(level)
        barriers.append(level - lam if level - lam > 1e-10 * max(1.0, lam) else 0.0)
        seg.append(cs.max_energy)
        pth.append(pmax)
        ends.append(lam)
        epss.append(eps)
        certs.extend([cs] + path_certs)
    return WidthStudy(
        n, widths, levels, barriers, seg, pth, ends, epss, fit_exponent(widths, levels), certs
    )


def plot_width_study(studies: list[WidthStudy], file: Any) -> Any:
    """Log–log plot of the certified connection level (and barrier) against the width, with the
    worst-case reference slope m^{−1/n} for each n."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = FsPath(file)
    if out.parent and not out.parent.exists():
        raise InputError(
            f"cannot write plot {str(out)!r}: folder {str(out.parent)!r} does not exist"
        )
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for k, st in enumerate(studies):
        col = f"C{k}"
        w = np.asarray(st.widths, dtype=np.float64)
        ax.loglog(
            w, st.levels, "o-", color=col, label=f"n = {st.n}: level, slope {st.exponent:.2f}"
        )
        pos = np.asarray(st.barriers) > 0
        if pos.any():
            ax.loglog(
                w[pos],
                np.asarray(st.barriers)[pos],
                "s--",
                color=col,
                alpha=0.6,
                label=f"n = {st.n}: barrier above max(F_A, F_B)",
            )
        ref = st.levels[0] * (w / w[0]) ** st.reference_exponent
        ax.loglog(w, ref, ":", color=col, label=f"m^(-1/{st.n}) (worst case)")
    ax.set_xlabel("width m")
    ax.set_ylabel("certified connection level / barrier")
    ax.set_title("Corollary 2.5: barrier between trained solutions against width")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
