"""Finite intrinsic dimension in five minutes (Venturi, Bandeira & Bruna, JMLR 2019, Thm 8).

A two-layer network Φ(x) = U ρ(Wx) with a polynomial activation lifts to a convex problem in
β = U A(W)ᵀ, where the features A(w) span a space of finite dimension q. With p ≥ q hidden
units, Construction A joins any θ to a global minimum without ever increasing the energy; with
p ≥ 2q, Construction B joins any two points below the larger of their energies. Both paths are
certified *exactly* (the energy along every piece is a polynomial in t). Then the quadratic
network experiment: how often does gradient-based training reach the lifted optimum, by width?

Run:  python examples/06_constructions_and_quadratic_widths.py [--out DIR] [--runs 20]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from sublevel.numerics.energies.quadratic_widths import plot_success_fraction, width_experiment
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer
from sublevel.numerics.paths.intrinsic import certify_construction, construction_a, construction_b
from sublevel.numerics.profile import PathProfile, plot_energy_profile


def main() -> None:
    parser = argparse.ArgumentParser(description="Constructions A and B, and the quadratic widths")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=20, help="random inits per width")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="intrinsic_"))
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)

    # data and a cubic activation in n = 2 inputs: q = C(2 + 3 − 1, 3) = 4
    X, Y = rng.normal(size=(30, 2)), rng.normal(size=(30, 1))
    q = EmpiricalTwoLayer("z**3", X, Y, 1).lifted_problem().q
    print(f"ρ(z) = z³, n = 2: intrinsic dimension q = {q}")

    # Construction A from a degenerate point (all rows equal): compress, free moves, descent
    land = EmpiricalTwoLayer("z**3", X, Y, q + 1)
    W, U = land.unflatten(land.random_point(rng))
    W[1:] = W[0]
    cons = construction_a(land, land.flatten(W, U))
    certs, checks = certify_construction(land, cons)
    print(f"Construction A: pieces {cons.path.labels()}")
    print(
        f"  E(θ₀) = {cons.bound:.6g} → E(end) = {checks['end_energy']:.6g} = lifted optimum "
        f"{checks['lifted_optimum']:.6g}; every certificate exact and holding: "
        f"{all(c.holds and c.method == 'exact' for c in certs)}"
    )
    plot_energy_profile(
        PathProfile(cons.path, land, cons.bound, title="Construction A (z³, q = 4)"),
        out / "construction_a.png",
    )

    # Construction B between two random points, p = 2q
    land = EmpiricalTwoLayer("z**3", X, Y, 2 * q)
    a, b = land.random_point(rng), land.random_point(rng)
    cons = construction_b(land, a, b)
    certs, _ = certify_construction(land, cons)
    print(
        f"Construction B: max(E_A, E_B) = {cons.bound:.6g}, max on the path "
        f"{max(c.max_energy for c in certs[: len(cons.path.pieces)]):.6g}, "
        f"certified: {all(c.holds for c in certs)}"
    )
    plot_energy_profile(
        PathProfile(cons.path, land, cons.bound, title="Construction B (z³, p = 2q)"),
        out / "construction_b.png",
    )

    # the quadratic network: success fraction against width (talk: no poor minima for p ≥ 2n)
    n = 2
    rows, f_star = width_experiment(n, [1, 2, 3, 4, 6], args.runs, seed=0)
    for r in rows:
        print(
            f"  p = {r.p}: {r.success_fraction:.2f} of {len(r.runs)} runs reach F* = {f_star:.4g}"
        )
    plot_success_fraction(rows, n, out / "quadratic_widths.png")
    print(f"figures in {out}")
    print("\nWhat to observe:")
    print(
        "  - Construction A: the first two pieces keep the energy exactly constant, the last one only"
    )
    print(
        "    descends, and it ends at the lifted (convex) optimum — no spurious valley for p ≥ q."
    )
    print(
        "  - Construction B never rises above max(E_A, E_B): the sub-level sets are connected for p ≥ 2q."
    )
    print(
        "  - Quadratic networks: below p = n training fails often (rank/sign constraints), from p ≈ 2n on"
    )
    print(
        "    almost every run reaches the lifted optimum (the quadratic_widths.png success fractions)."
    )


if __name__ == "__main__":
    main()
