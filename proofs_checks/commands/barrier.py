"""``sublevel barrier``: the certified loss barrier between two ReLU MLPs (issue 14).

    sublevel barrier --model digits-mlp --hidden 64,64 --seeds 0,1 [--align]
                     [--loss cross-entropy|mse] [--plot out.png] [--n-train N] [--epochs E]
                     [--checkpoint-a A.pt --checkpoint-b B.pt] [--json]

Trains the two endpoints by SGD from the two seeds (or loads torch ``state_dict`` files of
``nn.Sequential(Linear, ReLU, …, Linear)``; float32 values are converted exactly to float64 and
the certificate is about those values; data and preprocessing are the built-in model's), then
prints the certified maximum of the loss on the segment, the barrier and the interpolation
barrier with their proven enclosures (method ``rigorous``). Bad input exits 2 with one line.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from sublevel.theory.errors import InputError

__all__ = ["add_parser", "run"]

#: == sublevel.numerics.barrier_experiment.BUILTIN_MODELS (spelled out: building the parser imports no
#: numerical code)
MODELS = ("digits-mlp", "fashion-mlp")


def _widths(text: str) -> list[int]:
    try:
        widths = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InputError(f"--hidden {text!r} is not a comma-separated list of integers") from None
    if not widths or min(widths) < 1:
        raise InputError(f"--hidden {text!r} must list widths ≥ 1")
    return widths


def _seeds(text: str) -> tuple[int, int]:
    try:
        seeds = [int(x) for x in text.split(",")]
    except ValueError:
        raise InputError(f"--seeds {text!r} is not two comma-separated integers") from None
    if len(seeds) != 2:
        raise InputError(f"--seeds {text!r} must give exactly two seeds")
    return seeds[0], seeds[1]


def add_parser(subparsers: Any) -> None:
    """Register ``sublevel barrier`` (model, widths, seeds or checkpoints, loss, --align, --plot)."""
    p = subparsers.add_parser("barrier", help="certified loss barrier between two ReLU MLPs")
    p.add_argument("--model", choices=MODELS, default="digits-mlp")
    p.add_argument("--hidden", default="64,64", metavar="H1,H2,…", help="hidden widths")
    p.add_argument("--seeds", default="0,1", metavar="S_A,S_B", help="SGD seeds of the endpoints")
    p.add_argument("--align", action="store_true", help="weight matching of θ_B to θ_A first")
    p.add_argument("--loss", choices=("cross-entropy", "mse"), default="cross-entropy")
    p.add_argument("--n-train", type=int, default=None, help="samples (default: all 1797 digits)")
    p.add_argument("--epochs", type=int, default=20, help="SGD epochs per endpoint")
    p.add_argument("--checkpoint-a", default=None, metavar="FILE", help="torch state_dict of θ_A")
    p.add_argument("--checkpoint-b", default=None, metavar="FILE", help="torch state_dict of θ_B")
    p.add_argument("--plot", default=None, metavar="FILE", help="write the profile E(θ(t))")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=run)


def _load(path: str) -> Any:
    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise InputError(f"checkpoint {path!r} does not exist") from None
    except Exception as exc:  # a corrupt or foreign file
        raise InputError(
            f"checkpoint {path!r} is not a torch state_dict ({type(exc).__name__})"
        ) from None
    if not isinstance(state, dict):
        raise InputError(f"checkpoint {path!r} holds a {type(state).__name__}, not a state_dict")
    return state


def run(args: argparse.Namespace) -> int:
    """Train (or load) the two endpoints, certify the barrier and print it (``--json``: as
    JSON; ``--plot``: the profile); returns 0. Bad input raises InputError (the CLI: exit 2)."""
    widths, seeds = _widths(args.hidden), _seeds(args.seeds)
    if (args.checkpoint_a is None) != (args.checkpoint_b is None):
        raise InputError("give both --checkpoint-a and --checkpoint-b, or neither")
    for name in ("n_train", "epochs"):
        v = getattr(args, name)
        if v is not None and v < 1:
            raise InputError(f"--{name.replace('_', '-')} {v} must be ≥ 1")
    from sublevel.numerics.backends import torch_available

    if not torch_available():
        raise InputError(
            "sublevel barrier trains/loads torch networks: pip install 'sublevel[torch]'"
        )
    from sublevel.numerics.barrier import barrier
    from sublevel.numerics.barrier_experiment import (
        relu_mlp_landscape,
        theta_from_state_dict,
        train_sgd,
    )

    land = relu_mlp_landscape(args.model, widths, n_train=args.n_train, loss=args.loss)
    if args.checkpoint_a is not None:
        a = theta_from_state_dict(land, _load(args.checkpoint_a))
        b = theta_from_state_dict(land, _load(args.checkpoint_b))
        source = f"checkpoints {args.checkpoint_a}, {args.checkpoint_b}"
    else:
        a = train_sgd(land, seeds[0], epochs=args.epochs)
        b = train_sgd(land, seeds[1], epochs=args.epochs)
        source = f"SGD seeds {seeds[0]}, {seeds[1]} ({args.epochs} epochs)"
    r = barrier(land, a, b, align=args.align)
    if args.plot:
        _plot(r, args.plot, land.name)
    if args.json:
        out = {
            "model": land.name,
            "endpoints": source,
            "aligned": r.aligned,
            "max_energy": r.max_energy,
            "max_energy_enclosure": list(r.max_energy_enclosure),
            "argmax_t": r.argmax_t,
            "barrier": r.barrier,
            "barrier_enclosure": list(r.barrier_enclosure),
            "interpolation_barrier": r.interpolation_barrier,
            "interpolation_barrier_enclosure": list(r.interpolation_barrier_enclosure),
            "endpoint_energies": list(r.endpoint_energies),
            "method": r.method,
            "n_pieces": r.n_pieces,
            "wall_time": r.wall_time,
            "certificate": r.certificate.to_dict(),
        }
        print(json.dumps(out, indent=2))
        return 0
    lo, hi = r.max_energy_enclosure
    print(
        f"{land.name}; endpoints: {source}"
        + ("; θ_B aligned by weight matching" if r.aligned else "")
    )
    print(f"E_A = {r.endpoint_energies[0]:.10g}, E_B = {r.endpoint_energies[1]:.10g}")
    print(
        f"max_t E(θ(t)) ∈ [{lo:.12g}, {hi:.12g}] at t = {r.argmax_t:.6g} "
        f"({r.n_pieces} pieces, method {r.method}, certificate {r.certificate.outcome})"
    )
    print(
        f"barrier max E − max(E_A, E_B) ∈ [{r.barrier_enclosure[0]:.6g}, "
        f"{r.barrier_enclosure[1]:.6g}]"
    )
    print(
        f"interpolation barrier ∈ [{r.interpolation_barrier_enclosure[0]:.6g}, "
        f"{r.interpolation_barrier_enclosure[1]:.6g}]  ({r.wall_time:.1f} s)"
    )
    return 0


def _plot(r: Any, path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(r.profile_t, r.profile_energy, lw=1.2, label="E(θ(t)) (piecewise profile)")
    ax.axhline(r.max_energy_enclosure[1], color="C3", lw=0.8, ls="--", label="certified max")
    ax.plot([r.argmax_t], [r.max_energy], "o", color="C3")
    ax.set_xlabel("t")
    ax.set_ylabel("loss")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
