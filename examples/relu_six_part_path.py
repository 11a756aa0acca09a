"""Theorem 2.4 of Freeman & Bruna (ICLR 2017): the six-part path between two trained two-layer
ReLU networks, every piece certified rigorously (proven enclosures), and its energy profile.

Teacher–student data in R^n, two students trained from independent starts (rows on the unit
sphere, ℓ1 weight κ on the second layer), then the path (1) lasso second layer → (2) rows
rotated by ≤ α and (m − l)-sparse second layer → (3) l freed units become an l-unit oracle
network → (4)–(6) the same backwards to θ_B. Prints ε with its terms beside the certified
maximum of every piece and writes the plot.

    python examples/relu_six_part_path.py --width 16 --out six_part.png
"""

from __future__ import annotations

import argparse

import numpy as np
from sublevel.numerics.certify_relu import certify_relu_path
from sublevel.numerics.energies.relu import TwoLayerReLU
from sublevel.numerics.paths.relu import plot_six_part_path, six_part_path
from sublevel.numerics.paths.relu_networks import fit_network, teacher_data, to_unit_rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2)
    ap.add_argument("--width", type=int, default=12)
    ap.add_argument("--samples", type=int, default=64)
    ap.add_argument("--teacher", type=int, default=4)
    ap.add_argument("--l1", type=float, default=1e-3)
    ap.add_argument("--maxiter", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="six_part.png")
    args = ap.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    X, y, _, _ = teacher_data(rng, args.n, args.samples, args.teacher)
    land = TwoLayerReLU(X, y, args.width, l1=args.l1)
    tA = to_unit_rows(land, fit_network(land, rng, maxiter=args.maxiter))
    tB = to_unit_rows(land, fit_network(land, rng, maxiter=args.maxiter))
    sp = six_part_path(land, tA, tB, rng, oracle_maxiter=args.maxiter)
    pc = certify_relu_path(land, sp.path, sp.bound)
    q = sp.quantities
    print(
        f"l = {sp.ell}, α = {sp.alpha:.3g}:  ε = max(e(l) = {q['e_l']:.4g}, δ_A = "
        f"{q['delta_A_m0']:.4g}, {q['delta_A_ml_alpha']:.4g}, δ_B = {q['delta_B_m0']:.4g}, "
        f"{q['delta_B_ml_alpha']:.4g}) + C₁α = {q['c1_alpha_instance']:.4g}  →  ε = "
        f"{q['epsilon']:.4g}, bound max(λ, ε) = {sp.bound:.4g}  (paper's C₁α: "
        f"{q['c1_alpha_paper']:.3g})"
    )
    print(f"{'piece':24s} {'promise':20s} {'certified max':>14s} {'holds':>6s}")
    for piece, cert in zip(sp.path.pieces, pc.pieces):
        print(
            f"{piece.label:24s} {piece.promise:20s} {cert.max_energy:14.6g} {str(cert.holds):>6s}"
        )
    print(f"every piece and every promise certified (rigorous): {pc.holds}")
    print(f"plot: {plot_six_part_path(land, sp, args.out, certificates=pc.pieces)}")
    return 0 if pc.holds else 1


if __name__ == "__main__":
    raise SystemExit(main())
