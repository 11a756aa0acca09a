"""Figures of a verification report: the margin histogram of every claim and the energy profile
of its worst instance (rebuilt from the instance's seed with the claim's path builder, so that
``sublevel path ID --seed S`` draws the same picture)."""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any

from sublevel.proofs_checks.registry import CHECKS

__all__ = ["add_figures", "prefetch_plotting"]


def _import_plotting() -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot
        import sublevel.numerics.profile  # noqa: F401
    except Exception:  # add_figures reports what cannot be drawn, with the reason
        pass


def prefetch_plotting() -> threading.Thread:
    """Import matplotlib (Agg) and the profile plotter in a background thread, while the
    checks run in worker processes: about a second of imports no longer waits until the last
    instance has finished. Join the thread before :func:`add_figures`."""
    thread = threading.Thread(target=_import_plotting, name="sublevel-prefetch-plotting")
    thread.daemon = True
    thread.start()
    return thread


def _finite(values: list[Any]) -> list[float]:
    out = []
    for v in values:
        try:
            x = float(v)
        except (TypeError, ValueError):
            continue
        if math.isfinite(x):
            out.append(x)
    return out


def _safe(claim_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in claim_id)


def _margin_histogram(claim: dict[str, Any], margins: list[float], file: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.hist(margins, bins=min(30, max(5, len(margins) // 2)), color="#1f4e9c", alpha=0.85)
    ax.axvline(0.0, color="#c0392b", ls="--", lw=1, label="margin 0 (bound reached)")
    ax.set_xlabel("margin = bound − max energy on the path")
    ax.set_ylabel("instances")
    ax.set_title(f"{claim['id']}: {claim['status']}", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(file, dpi=100)
    plt.close(fig)


def add_figures(report: dict[str, Any], records: list[dict[str, Any]], out: Path) -> None:
    """Write figures into ``out/figures`` and record their relative paths in each claim entry
    (``claim["figures"]``); a figure that cannot be drawn is recorded as an error, never fatal."""
    folder = Path(out) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    by_claim: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        if r["role"] == "instance":
            by_claim.setdefault(r["claim"], []).append(r)
    for claim in report["claims"]:
        figures: dict[str, str] = {}
        errors: dict[str, str] = {}
        margins = _finite([r.get("margin") for r in by_claim.get(claim["id"], [])])
        if margins:
            name = f"{_safe(claim['id'])}.margins.png"
            try:
                _margin_histogram(claim, margins, folder / name)
                figures["margins"] = f"figures/{name}"
            except Exception as exc:  # never lose a report to a figure
                errors["margins"] = f"{type(exc).__name__}: {exc}"
        chk = CHECKS.get(claim["id"])
        worst = claim.get("worst_instance")
        if chk is not None and chk.path is not None and worst is not None:
            name = f"{_safe(claim['id'])}.worst.png"
            try:
                from sublevel.numerics.profile import plot_energy_profile

                params = worst.get("params") or next(
                    (
                        r["params"]
                        for r in by_claim[claim["id"]]
                        if r["role"] == "instance" and r["index"] == worst["index"]
                    ),
                    chk.params(),
                )
                profile = chk.path(worst["seed"], **params)
                if not profile.title:
                    profile.title = f"{claim['id']}, worst instance (seed {worst['seed']})"
                plot_energy_profile(profile, folder / name)
                figures["worst_profile"] = f"figures/{name}"
            except Exception as exc:
                errors["worst_profile"] = f"{type(exc).__name__}: {exc}"
        if figures:
            claim["figures"] = figures
        if errors:
            claim["figure_errors"] = errors
