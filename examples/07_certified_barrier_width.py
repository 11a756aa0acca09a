"""Assignment 7 — the permutation conjecture with certified barriers instead of grids.

Entezari et al. (2022) conjecture that two SGD solutions, once their hidden units are permuted
into correspondence (here by weight matching, Ainsworth et al. 2023), are linearly connected:
the loss barrier on the straight segment vanishes as the width grows. The field measures the
barrier on 25–61 points of the segment. Here every barrier is *certified*: the maximum of the
training loss on the whole segment is enclosed rigorously (every breakpoint of every ReLU, no
grid; :func:`sublevel.numerics.barrier.barrier`), before and after weight matching, against width and
depth. Beside it the 25- and 61-point estimates and how much they miss (certified lower end −
grid value; ≥ 0 up to the enclosure width).

Run:  python examples/07_certified_barrier_width.py [--widths 16,32,64,128] [--depths 1,2,3]
      [--n-train 1797] [--epochs 20] [--fashion N] [--out DIR]
(``--fashion N`` adds one Fashion-MNIST setting on N training images, width = the largest of
``--widths``, one hidden layer; it needs the Debian package ``dataset-fashion-mnist``.)
Writes DIR/barrier_width.png and DIR/barrier_width.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Certified barriers vs width (permutation conjecture)."
    )
    parser.add_argument("--widths", default="16,32,64,128")
    parser.add_argument("--depths", default="1,2,3")
    parser.add_argument("--n-train", type=int, default=1797, help="digits samples (≤ 1797)")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument(
        "--fashion",
        type=int,
        default=0,
        metavar="N",
        help="also one Fashion-MNIST setting on N images (0: none)",
    )
    parser.add_argument("--out", default="examples-out")
    args = parser.parse_args(argv)
    try:
        import torch  # noqa: F401
    except ImportError:
        print(
            "this example needs the 'torch' extra: pip install 'sublevel[torch]'", file=sys.stderr
        )
        return 1
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sublevel.numerics.barrier_experiment import width_sweep

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    widths, depths = _ints(args.widths), _ints(args.depths)
    head = (
        f"{'data':8s} {'depth':>5s} {'width':>5s} {'E_A':>7s} {'E_B':>7s} | {'certified B':>12s} "
        f"{'miss25':>9s} {'miss61':>9s} | {'aligned B':>12s} {'miss25':>9s} {'miss61':>9s} "
        f"| {'interp raw':>10s} {'interp al':>10s} | {'pieces':>7s} {'s':>5s}"
    )
    print(
        head
        + "\n(B = max E − max(E_A, E_B); interp = max_t E − ((1 − t)E_A + tE_B); miss = certified"
        "\n lower end − grid estimate)"
    )

    def log(r):
        print(
            f"{r['model'][:8]:8s} {r['depth']:5d} {r['width']:5d} {r['E_A']:7.4f} {r['E_B']:7.4f} | "
            f"{r['raw_barrier']:12.6f} {r['raw_miss25']:9.2e} {r['raw_miss61']:9.2e} | "
            f"{r['aligned_barrier']:12.6f} {r['aligned_miss25']:9.2e} {r['aligned_miss61']:9.2e} | "
            f"{r['raw_interp']:10.6f} {r['aligned_interp']:10.6f} | "
            f"{r['raw_pieces']:7d} {r['raw_s'] + r['aligned_s']:5.1f}",
            flush=True,
        )

    rows = width_sweep(
        "digits-mlp", depths, widths, n_train=args.n_train, epochs=args.epochs, log=log
    )
    if args.fashion:
        rows += width_sweep(
            "fashion-mlp", [1], [max(widths)], n_train=args.fashion, epochs=args.epochs, log=log
        )
    (out / "barrier_width.json").write_text(json.dumps(rows, indent=2, default=list))
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for i, depth in enumerate(depths):
        sel = [r for r in rows if r["model"] == "digits-mlp" and r["depth"] == depth]
        w = [r["width"] for r in sel]
        ax.plot(
            w, [r["raw_barrier"] for r in sel], "o--", color=f"C{i}", label=f"{depth} hidden, raw"
        )
        ax.plot(
            w,
            [r["aligned_barrier"] for r in sel],
            "s-",
            color=f"C{i}",
            label=f"{depth} hidden, weight-matched",
        )
        ax.plot(w, [r["aligned_grid25"] for r in sel], "x", color=f"C{i}", ms=5)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("hidden width")
    ax.set_ylabel("certified barrier  max E − max(E_A, E_B)")
    ax.set_title("digits: certified barrier vs width (x: 25-point estimate, aligned)", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "barrier_width.png", dpi=120)
    plt.close(fig)
    worst = max((r["aligned_miss25"] for r in rows), default=0.0)
    print(
        f"\nWhat to observe: every barrier is certified (an enclosure of the exact maximum, no grid);"
        f"\nthe sampled 25/61-point estimates can only under-estimate it (here by up to {worst:.2e}"
        f"\nafter alignment). Whether the aligned barrier vanishes with width is read off the"
        f"\ntable at these sizes only — it is evidence about the conjecture, not a proof of it."
        f"\nFigure: {out / 'barrier_width.png'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
