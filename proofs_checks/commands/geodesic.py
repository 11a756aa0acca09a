"""``sublevel geodesic``: the DSS experiment — normalised length and beads against the level.

    sublevel geodesic [--model cubic] [--levels 0.3,0.17,0.1] [--variant breadth-first]
                      [--device cpu|cuda] [--out DIR] [--compare] [--components K] ...

For each level (highest first) DSS connects the same two trained endpoints; the table and
``DIR/length_vs_level.png`` show normalised length (weights only for networks, as BF'16),
bead count, maximum energy and certificate methods; ``DIR/results.json`` holds everything.
``--compare`` also runs the straight segment, a Bezier curve and AutoNEB at the lowest level,
each at its own learning rate (a small search per landscape) and reports the gradient
evaluations each needs until its densely evaluated maximum is ≤ the level (``DIR/comparison.png``);
"connected" means certified ≤ accept_factor·level, and the tables show that factor and the
certified maximum next to the level; ``--components K`` trains K minima and
counts the components among them at every level (``DIR/components.png``).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from sublevel.theory.errors import InputError

__all__ = ["add_parser", "run"]


def _levels(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        levels = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(f"--levels {text!r} is not a comma-separated list of numbers") from None
    if not levels or not all(math.isfinite(u) for u in levels):
        raise InputError(f"--levels {text!r} must list finite numbers")
    bad = [u for u in levels if u <= 0]
    if bad:
        raise InputError(
            f"--levels {text!r}: level {bad[0]:g} is not > 0 (every model's loss is "
            "non-negative, so a level ≤ 0 has an empty or degenerate sublevel set)"
        )
    return sorted(levels, reverse=True)


#: DSS variants and models offered on the command line (== sublevel.numerics.geodesic.dss.VARIANTS and
#: sublevel.numerics.geodesic.experiments.MODELS, checked by the tests; spelled out so that building the
#: parser imports no numerical code)
VARIANTS = ("breadth-first", "greedy", "constrained")
MODELS = (
    "convex",
    "double-well",
    "ring",
    "cubic",
    "quadratic",
    "digits-mlp",
    "digits-cnn",
    "fashion-cnn",
)


def add_parser(subparsers: Any) -> None:
    """Add the ``geodesic`` subcommand to the ``sublevel`` subparsers, with :func:`run` as its
    handler; builds no model and imports no numerical code."""
    p = subparsers.add_parser(
        "geodesic", help="DSS experiment: normalised length against the level"
    )
    p.add_argument("--model", choices=MODELS, default="cubic")
    p.add_argument(
        "--levels", default=None, metavar="U1,U2,...", help="levels (default: the model's)"
    )
    p.add_argument("--variant", choices=VARIANTS, default="breadth-first")
    p.add_argument("--midpoint", choices=("half", "argmax"), default="half")
    p.add_argument(
        "--max-depth", type=int, default=None, help="DSS rounds (default: 10, or the model's)"
    )
    p.add_argument(
        "--train-factor", type=float, default=None, help="bead target factor (paper: 0.95 / 0.98)"
    )
    p.add_argument(
        "--accept-factor", type=float, default=None, help="segment acceptance (paper: 1.1 / 1.02)"
    )
    p.add_argument(
        "--n-interp", type=int, default=None, help="grid points per segment (paper: 100 / 20)"
    )
    p.add_argument(
        "--n-train", type=int, default=None, help="training samples (the model's default)"
    )
    p.add_argument("--hidden", type=int, default=None, help="hidden width (the model's default)")
    p.add_argument("--length-on", choices=("weights", "all"), default=None)
    p.add_argument("--device", default=None, help="cpu or cuda[:i] (torch models)")
    p.add_argument("--batchnorm", choices=("recompute", "stored"), default="recompute")
    p.add_argument(
        "--bead-lr",
        type=float,
        default=None,
        help="Adam learning rate for beads (default: 1e-3 for the regressions, 1e-2 for "
        "cross-entropy networks)",
    )
    p.add_argument("--bead-steps", type=int, default=None, help="Adam step budget per bead")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="sublevel-geodesic", metavar="DIR")
    p.add_argument(
        "--compare",
        action="store_true",
        help="also straight segment, Bezier and AutoNEB at the lowest level, each at "
        "its tuned learning rate; cost to reach the level",
    )
    p.add_argument("--align", action="store_true", help="weight matching before connecting (MLPs)")
    p.add_argument(
        "--components",
        type=int,
        default=0,
        metavar="K",
        help="train K ≥ 3 minima and count components among them at each level",
    )
    p.add_argument(
        "--checkpoint", action="store_true", help="checkpoint DSS in DIR, resume if present"
    )
    p.add_argument("--json", action="store_true", help="print results as JSON")
    p.set_defaults(handler=run)


def _check_args(args: argparse.Namespace) -> None:
    for name in ("max_depth", "n_interp", "n_train", "hidden", "bead_steps"):
        v = getattr(args, name)
        if v is not None and v < 1:
            raise InputError(f"--{name.replace('_', '-')} {v} must be ≥ 1")
    if args.components and args.components < 3:
        raise InputError(f"--components {args.components} must be ≥ 3")
    if args.device not in (None, "cpu"):
        from sublevel.numerics.backends import torch_available

        if not torch_available():
            raise InputError(f"--device {args.device!r} needs torch (devices present: cpu)")
        from sublevel.numerics.backends.torch import resolve_device

        resolve_device(args.device)


def run(args: argparse.Namespace) -> int:
    """``sublevel geodesic``: train the model's two endpoints, run DSS at every level (highest
    first), write ``DIR/results.json`` and the figures, print the table (``--json``: the
    payload). Exit code 0 — a disconnected level is a result, not a failure; 2 (via
    :class:`InputError`) for bad options, checked before any training."""
    from sublevel.numerics.geodesic.dss import dss
    from sublevel.numerics.geodesic.experiments import build_experiment

    _check_args(args)
    _levels(args.levels)  # refuse bad levels before any training
    exp = build_experiment(
        args.model,
        seed=args.seed,
        n_train=args.n_train,
        device=args.device,
        batchnorm=args.batchnorm,
        hidden=args.hidden,
    )
    levels = _levels(args.levels) or exp.levels
    options = dict(exp.dss_options)
    for key in ("train_factor", "accept_factor", "n_interp"):
        if getattr(args, key) is not None:
            options[key] = getattr(args, key)
    options.update(
        variant=args.variant,
        midpoint=args.midpoint,
        max_depth=args.max_depth or options.get("max_depth", 10),
        optimizer=_bead_optimizer(exp, args),
        length_on=args.length_on or exp.length_on,
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    a, b = exp.endpoints(options["train_factor"] * min(levels))
    if args.align:
        from sublevel.numerics.geodesic.alignment import align

        b, _ = align(exp.landscape, a, b, seed=args.seed)
    results = []
    for u in levels:
        ck = out / f"dss-{u:g}.ckpt.npz" if args.checkpoint else None
        res = dss(exp.landscape, a, b, u, checkpoint=ck, **options)
        if not res.connected and hasattr(exp.landscape, "disconnection_certificate"):
            cert = exp.landscape.disconnection_certificate(a, b, u)
            res.info["disconnection_certificate"] = cert.to_dict()
            if cert.holds:
                res.status += "; disconnection certified (closed form)"
        results.append(res)
    payload: dict[str, Any] = {
        "model": exp.name,
        "level_quantity": exp.level_quantity,
        "levels": levels,
        "seed": args.seed,
        "options": {k: (v.to_dict() if hasattr(v, "to_dict") else v) for k, v in options.items()},
        "info": exp.info,
        "aligned": args.align,
        "paper_reference": exp.reference,
        "results": [r.to_dict() for r in results],
    }
    files = {"length_vs_level": str(_plot_levels(exp, results, out / "length_vs_level.png"))}
    if args.compare:
        comparison, rows = _compare(exp, a, b, results[-1], args.seed)
        payload["comparison"] = rows
        files["comparison"] = str(_plot_comparison(exp, comparison, out / "comparison.png"))
    if args.components:
        payload["components"] = _components(exp, levels, args.components, options, out)
        files["components"] = str(out / "components.png")
    payload["files"] = files
    (out / "results.json").write_text(
        json.dumps(payload, indent=2, default=_json, ensure_ascii=False)
    )
    if args.json:
        print(json.dumps(payload, indent=2, default=_json, ensure_ascii=False))
    else:
        _print(exp, results, payload, out)
    return 0


def _bead_optimizer(exp: Any, args: argparse.Namespace) -> Any:
    from sublevel.numerics.geodesic.train import Adam

    base = exp.bead_optimizer or Adam()
    return Adam(lr=args.bead_lr or base.lr, max_steps=args.bead_steps or base.max_steps)


def _json(x: Any) -> Any:
    if hasattr(x, "tolist"):
        return x.tolist()
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    return str(x)


def _compare(
    exp: Any, a: Any, b: Any, dss_result: Any, seed: int
) -> tuple[list[Any], list[dict[str, Any]]]:
    """Each method at its own tuned settings (sublevel.numerics.geodesic.compare.tuned_comparison)."""
    from sublevel.numerics.geodesic.compare import tuned_comparison

    return tuned_comparison(exp, a, b, dss_result, seed)


def _components(
    exp: Any, levels: list[float], k: int, options: dict[str, Any], out: Path
) -> dict[str, Any]:
    from sublevel.numerics.geodesic.components import components_at_level, plot_components

    if exp.minima is None:
        raise InputError(
            f"--components needs a trained model (cubic, quadratic, digits-*, fashion-cnn), not {exp.name!r}"
        )
    minima = exp.minima(options["train_factor"] * min(levels), k)
    comps = [components_at_level(exp.landscape, minima, u, **options) for u in levels]
    plot_components(
        levels,
        [c.n_components for c in comps],
        out / "components.png",
        title=f"{exp.name}: components among {k} minima",
    )
    return {"minima": k, "per_level": [c.to_dict() for c in comps]}


def _plot_levels(exp: Any, results: list[Any], file: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    levels = [r.level for r in results]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    ax1.plot(
        levels, [r.normalized_length for r in results], "o-", color="#1f4e9c", label="this run"
    )
    for r in results:
        if not r.connected:
            ax1.plot([r.level], [r.normalized_length], "x", color="#c0392b", ms=10)
    if exp.reference and exp.level_quantity == "MAE":
        xs, ys = zip(*exp.reference)
        ax1.plot(xs, ys, "s--", color="#888888", ms=4, label="BF'16 (read off the paper's plot)")
    ax1.axhline(1.0, color="#aaaaaa", lw=0.8)
    ax1.set_xlabel(f"level ({exp.level_quantity})")
    ax1.set_ylabel(f"normalised length ({results[0].length_on})")
    ax1.legend(fontsize=8)
    ax2.plot(levels, [r.n_beads for r in results], "o-", color="#2e7d32")
    ax2.set_xlabel(f"level ({exp.level_quantity})")
    ax2.set_ylabel("beads")
    for ax in (ax1, ax2):
        ax.invert_xaxis()
    fig.suptitle(f"DSS on {exp.name} (× = not connected within depth)")
    fig.tight_layout()
    fig.savefig(file, dpi=120)
    plt.close(fig)
    return file


def _plot_comparison(exp: Any, results: list[Any], file: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from sublevel.numerics.paths.base import Path as CurvePath

    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 4.5))
    for r in results:
        path = CurvePath(r.pieces())
        pts = path.reparametrise(n=257).points(np.linspace(0, 1, 257))
        e = exp.landscape.energies(pts)
        ax.plot(
            np.linspace(0, 1, 257),
            e,
            label=f"{r.method}: max {float(np.max(e)):.4g}, "
            f"length {r.normalized_length:.3f}, {r.n_gradient_evaluations} grads",
        )
    ax.axhline(
        results[0].level, color="#2e7d32", ls=":", lw=1, label=f"level {results[0].level:.4g}"
    )
    ax.axhline(
        results[0].bound,
        color="#c0392b",
        ls="--",
        lw=1,
        label=f"bound = accept factor {results[0].bound / results[0].level:.3g} × level",
    )
    for r in results:
        trace = r.info.get("trace") or []
        if trace:
            g, m = zip(*trace)
            ax2.plot(g, m, "o-", ms=2, label=r.method)
    ax2.axhline(results[0].level, color="#2e7d32", ls=":", lw=1, label="level")
    ax2.set_xlabel("gradient evaluations")
    ax2.set_ylabel("dense max along the path")
    ax2.set_title("cost to reach the level")
    ax2.legend(fontsize=7)
    ax.set_xlabel("arc-length position along the path")
    ax.set_ylabel(f"energy ({exp.level_quantity})")
    ax.set_title(f"{exp.name}: path finders at level {results[0].level:g}, each at its tuned lr")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(file, dpi=120)
    plt.close(fig)
    return file


def _print(exp: Any, results: list[Any], payload: dict[str, Any], out: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    factor = results[0].bound / results[0].level if results[0].level else float("nan")
    table = Table(
        title=f"DSS on {exp.name} — level = {exp.level_quantity}, length on "
        f"{results[0].length_on}; connected = certified max ≤ bound = accept "
        f"factor {factor:.3g} × level"
    )
    for col in (
        "level",
        "certified max",
        "accept factor",
        "bound",
        "status",
        "beads",
        "norm. length",
        "certificates",
        "grads",
        "time",
    ):
        table.add_column(col)
    for r in results:
        table.add_row(
            f"{r.level:g}",
            f"{r.max_energy:.4g}" + ("" if r.is_proof else " (sampled)"),
            f"{r.bound / r.level:.3g}",
            f"{r.bound:.4g}",
            r.status,
            str(r.n_beads),
            f"{r.normalized_length:.4f}",
            ",".join(r.methods),
            str(r.n_gradient_evaluations),
            f"{r.wall_time:.2f}s",
        )
    console.print(table)
    if "comparison" in payload:
        ct = Table(
            title="same endpoints and level; each method at its tuned learning rate; cost "
            "= gradient evaluations until the dense max ≤ level"
        )
        for col in (
            "method",
            "lr",
            "grads to level",
            "dense max",
            "level",
            "certified max",
            "accept factor",
            "connected",
            "grads (+tuning)",
            "norm. length",
        ):
            ct.add_column(col)
        for s in payload["comparison"]:
            cert = (
                f"{s['max_energy']:.4g} (sampled)"
                if s["certified_max"] is None
                else f"{s['certified_max']:.4g}"
            )
            tuning = s.get("tuning_gradient_evaluations")
            ct.add_row(
                s["method"],
                f"{s['lr']:g}" if "lr" in s else "—",
                "never" if s["grads_to_level"] is None else str(s["grads_to_level"]),
                f"{s['dense_max']:.4g}",
                f"{s['level']:.4g}",
                cert,
                f"{s['accept_factor']:.3g}",
                str(s["connected"]),
                f"{s['gradient_evaluations']}" + (f" (+{tuning})" if tuning else ""),
                f"{s['normalized_length']:.4f}",
            )
        console.print(ct)
    if "components" in payload:
        counts = [c["n_components"] for c in payload["components"]["per_level"]]
        console.print(
            f"components among {payload['components']['minima']} minima: "
            + ", ".join(f"{u:g}→{n}" for u, n in zip(payload["levels"], counts))
        )
    console.print(
        "[dim]not connected means: no path found within the depth — not a proof of "
        f"disconnection. Results: {out / 'results.json'}; plots: "
        f"{', '.join(payload['files'].values())}[/dim]"
    )
