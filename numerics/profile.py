"""Energy profiles along paths, and their plot (energy against t, pieces labelled, bound drawn)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

import numpy as np
from sublevel.numerics.certify import energy_along
from sublevel.numerics.paths.base import Path
from sublevel.theory.errors import InputError

__all__ = ["PathProfile", "energy_profile", "plot_energy_profile"]


@dataclass
class PathProfile:
    """A path on a landscape with the bound the claim promises (what ``sublevel path`` draws).

    ``info["bound_label"]`` names the bound in the plot's legend (default "bound max(E_A, E_B)";
    e.g. "E(θ₀)" for a descent path)."""

    path: Path
    landscape: Any
    bound: float
    title: str = ""
    info: dict[str, Any] = field(default_factory=dict)
    certificates: list[Any] = field(default_factory=list)


def energy_profile(landscape: Any, path: Path, n_per_piece: int = 101) -> dict[str, Any]:
    """Energies on a grid of each piece: global times, energies, breakpoints and labels."""
    k = len(path.pieces)
    ts, es = [], []
    for i, piece in enumerate(path.pieces):
        local = np.linspace(0.0, 1.0, n_per_piece)
        ts.append((i + local) / k)
        es.append(energy_along(landscape, piece)(local))
    return {
        "t": np.concatenate(ts),
        "energy": np.concatenate(es),
        "breakpoints": path.breakpoints(),
        "labels": path.labels(),
        "promises": [p.promise for p in path.pieces],
    }


def plot_energy_profile(
    profile: PathProfile, file: str | FsPath, *, n_per_piece: int = 101
) -> FsPath:
    """Write a PNG of E(γ(t)) with the pieces shaded and labelled and the bound drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = FsPath(file)
    if out.parent and not out.parent.exists():
        raise InputError(
            f"cannot write plot {str(out)!r}: folder {str(out.parent)!r} does not exist"
        )
    prof = energy_profile(profile.landscape, profile.path, n_per_piece)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    bps = prof["breakpoints"]
    many = len(bps) - 1 > 5  # beyond five pieces, number them and list the labels below
    for i, (lo, hi) in enumerate(zip(bps[:-1], bps[1:])):
        ax.axvspan(lo, hi, color=("#f0f4ff" if i % 2 == 0 else "#fff8ec"), zorder=0)
        text = f"{i + 1}" if many else f"{i + 1}. {prof['labels'][i]}\n({prof['promises'][i]})"
        ax.text(
            (lo + hi) / 2,
            1.0,
            text,
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="top",
            fontsize=7,
        )
    if many:
        legend = "\n".join(
            f"{i + 1}. {label} ({promise})"
            for i, (label, promise) in enumerate(zip(prof["labels"], prof["promises"]))
        )
        fig.set_size_inches(9, 4.5 + 0.16 * len(prof["labels"]))
        fig.text(0.01, 0.01, legend, fontsize=7, va="bottom", ha="left", family="monospace")
    ax.plot(prof["t"], prof["energy"], color="#1f4e9c", lw=1.6, label="E(γ(t))")
    bound_name = profile.info.get("bound_label", "bound max(E_A, E_B)")
    ax.axhline(
        profile.bound, color="#c0392b", ls="--", lw=1.2, label=f"{bound_name} = {profile.bound:.4g}"
    )
    ax.set_xlabel("t (piece i on [i/k, (i+1)/k])")
    ax.set_ylabel("energy")
    ax.set_title(profile.title or "energy along the path")
    ax.legend(loc="lower left", fontsize=8)
    if many:
        fig.tight_layout(
            rect=(0, 0.16 * len(prof["labels"]) / (4.5 + 0.16 * len(prof["labels"])) + 0.02, 1, 1)
        )
    else:
        fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
