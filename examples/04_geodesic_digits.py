"""Assignment 4 — how curved is a level set of a real network? Geodesic length on digits.

Freeman & Bruna (ICLR 2017, §3) measure the geometry of the sub-level set Ω_u = {θ : L(θ) ≤ u}
of a trained network with Dynamic String Sampling (DSS): two independently trained solutions
θ_A, θ_B are joined by a chain of beads, each trained back below the level, until every segment
is certified below the level (claim ``bf16.dss.real-data``). The *normalised geodesic length*

    ℓ(u) = (length of the bead chain) / ‖θ_B − θ_A‖          (weights only, as BF'16)

is 1 when the straight segment stays in Ω_u (a convex-looking level set) and grows as the level
falls and the path has to bend. BF'16 report ℓ < 1.1 for MNIST down to 0.7% test error and
ℓ ≈ 1.85 for CIFAR-10 at 20% error.

This script trains two networks on scikit-learn's 8×8 digits — an MLP 64-32-10 in numpy by
default, or a small CNN in torch (``--model digits-cnn``, needs the 'torch' extra) — and runs DSS
at decreasing levels of the training cross-entropy. Certificates on these networks are
*sampled* (20 points per segment plus refinement, as BF'16's code): a good estimate, not a proof.

Run:  python examples/04_geodesic_digits.py [--model digits-mlp|digits-cnn] [--levels ...] [--out DIR]
Writes DIR/geodesic_digits.png (ℓ and the number of beads against the level).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

DEFAULT_LEVELS = {"digits-mlp": "1.0,0.5,0.2,0.1,0.05", "digits-cnn": "1.0,0.5,0.3"}


def require_extra(module: str, extra: str) -> None:
    """Exit with a one-line message (no traceback) when an optional extra is missing."""
    try:
        missing = importlib.util.find_spec(module) is None
        if not missing:
            __import__(module)
    except ImportError:
        missing = True
    if missing:
        print(
            f"this example needs the '{extra}' extra: pip install 'sublevel[{extra}]'",
            file=sys.stderr,
        )
        raise SystemExit(2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Normalised geodesic length against the level, on digits."
    )
    parser.add_argument("--model", choices=sorted(DEFAULT_LEVELS), default="digits-mlp")
    parser.add_argument("--levels", default=None, help="comma-separated training-loss levels")
    parser.add_argument("--n-train", type=int, default=None, help="training images (model default)")
    parser.add_argument("--bead-steps", type=int, default=2000, help="Adam steps per bead")
    parser.add_argument("--max-depth", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="examples-out")
    args = parser.parse_args(argv)
    if args.model == "digits-cnn":
        require_extra("torch", "torch")

    from sublevel.numerics.geodesic.dss import dss
    from sublevel.numerics.geodesic.experiments import build_experiment
    from sublevel.numerics.geodesic.paper import MNIST_LENGTH
    from sublevel.numerics.geodesic.train import Adam
    from sublevel.theory.errors import InputError

    try:
        levels = sorted(
            (float(u) for u in (args.levels or DEFAULT_LEVELS[args.model]).split(",")), reverse=True
        )
        exp = build_experiment(args.model, seed=args.seed, n_train=args.n_train)
        options = dict(
            exp.dss_options,
            max_depth=args.max_depth,
            length_on="weights",
            optimizer=Adam(lr=1e-2, max_steps=args.bead_steps),
        )
        a, b = exp.endpoints(options["train_factor"] * min(levels))
    except (InputError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    land = exp.landscape
    print(
        f"{exp.name}: {land.dim} parameters; endpoints trained independently to "
        f"{land.energy(a):.4f} and {land.energy(b):.4f} ({exp.level_quantity})"
    )
    print(
        f"{'level':>8} {'connected':>10} {'beads':>6} {'length':>8} {'max E on path':>14}  certificates"
    )
    rows = []
    for u in levels:
        r = dss(land, a, b, u, **options)
        rows.append((u, r.normalized_length, r.n_beads, r.connected))
        print(
            f"{u:8.3f} {str(r.connected):>10} {r.n_beads:6d} {r.normalized_length:8.4f} "
            f"{r.max_energy:14.4f}  {', '.join(r.methods)}"
        )

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10, 4))
    us = [r[0] for r in rows]
    ax.plot(us, [r[1] for r in rows], "o-", color="#1f4e9c", label=f"{exp.name} (DSS)")
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set_xscale("log")
    ax.invert_xaxis()
    ax.set_xlabel(f"level u ({exp.level_quantity})")
    ax.set_ylabel("normalised geodesic length")
    ax.set_title("the level set bends as the level falls")
    ax.legend(fontsize=8)
    bx.plot(us, [r[2] for r in rows], "s-", color="#c0392b")
    bx.set_xscale("log")
    bx.invert_xaxis()
    bx.set_xlabel("level u")
    bx.set_ylabel("beads")
    fig.tight_layout()
    fig.savefig(out / "geodesic_digits.png", dpi=110)
    plt.close(fig)
    print(
        f"\nWhat to observe: ℓ = 1 (3 beads: the straight segment works) at high levels, then ℓ and"
        f"\nthe number of beads grow as the level falls. BF'16 (MNIST, test error): "
        f"{', '.join(f'{e:.1%} → {ell}' for e, ell in MNIST_LENGTH[::3])}."
        f"\nFigure: {out / 'geodesic_digits.png'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
