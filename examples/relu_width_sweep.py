"""Corollary 2.5 of Freeman & Bruna (ICLR 2017): the barrier between trained ReLU networks
against the width, certified exactly.

For each input dimension n and width m, two students are trained independently on the same
teacher data; the connection level is the lower of the exact maxima on the straight segment and
on the six-part path of Theorem 2.4 (every piece certified by the piecewise-quartic sweep of
``sublevel.numerics.certify_relu.certify_relu_segment``). The script prints the table and the fitted exponent
of level against m (the paper's worst case is −1/n; a steeper decay is not a failure, §9.14)
and draws both on log–log axes.

    python examples/relu_width_sweep.py                       # quick: n = 2, m = 4, 8, 16
    python examples/relu_width_sweep.py --n 2 3 5 --widths 8 16 32 64 128 --samples 256 \\
        --out width_sweep.png --json width_sweep.json         # the issue's sweep (minutes)
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from sublevel.numerics.paths.relu_width import plot_width_study, width_study


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[2], help="input dimensions")
    ap.add_argument("--widths", type=int, nargs="+", default=[4, 8, 16])
    ap.add_argument("--samples", type=int, default=64)
    ap.add_argument("--teacher", type=int, default=8, help="hidden units of the teacher")
    ap.add_argument("--l1", type=float, default=1e-3, help="κ, the ℓ1 weight on the second layer")
    ap.add_argument("--maxiter", type=int, default=150, help="L-BFGS iterations per training")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="width_sweep.png", help="PNG of level/barrier against m")
    ap.add_argument("--json", default=None, help="write the numbers here")
    args = ap.parse_args(argv)

    studies, rows = [], []
    for n in args.n:
        start = time.perf_counter()
        st = width_study(
            args.seed,
            n=n,
            widths=args.widths,
            samples=args.samples,
            teacher=args.teacher,
            l1=args.l1,
            maxiter=args.maxiter,
        )
        studies.append(st)
        print(
            f"n = {n}  ({time.perf_counter() - start:.1f} s, "
            f"{sum(c.is_proof for c in st.certificates)}/{len(st.certificates)} certificates exact)"
        )
        print("      m   max(F_A,F_B)   segment max   six-part max   level      barrier     ε(l,α)")
        for i, m in enumerate(st.widths):
            print(
                f"  {m:5d}   {st.endpoint_max[i]:11.4g}   {st.segment_max[i]:11.4g}   "
                f"{st.path_max[i]:12.4g}   {st.levels[i]:9.4g}   {st.barriers[i]:9.3g}   "
                f"{st.epsilons[i]:9.3g}"
            )
        print(
            f"  fitted exponent of the level: {st.exponent:.2f}   (worst case −1/n = "
            f"{st.reference_exponent:.2f})"
        )
        rows.append(
            {
                "n": n,
                "widths": st.widths,
                "levels": st.levels,
                "barriers": st.barriers,
                "segment_max": st.segment_max,
                "path_max": st.path_max,
                "endpoint_max": st.endpoint_max,
                "epsilons": st.epsilons,
                "exponent": st.exponent,
                "reference_exponent": st.reference_exponent,
            }
        )
    print(f"plot: {plot_width_study(studies, args.out)}")
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "studies": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
