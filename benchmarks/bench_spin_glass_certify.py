"""The spin-glass chord certificate (issue 11): rigorous vs exact vs a 100-point grid.

For SphereProjected(SpinGlass(N, p), per_spin=True) and a chord between two low points on the
sphere, measured in one run (best of ``--repeat`` interleaved repetitions; the machine may be
shared):

* grid     — the energy on 100 points of the chord (one batched contraction): a sampled estimate;
* rigorous — ``certify_segment(..., exact_fallback=False)``: float contraction of S with a priori
             γ_n rounding radii, decided exactly on the widened polynomial, proven enclosure of
             the maximum (what DSS gets);
* exact    — ``certify_exact_segment``: the contraction in rational arithmetic (fmpq_mat; the
             one-off conversion of S is excluded, it is cached on the landscape);
* ratios rigorous/grid and exact/rigorous, the coefficient radius and the enclosure's width.

Run:  python benchmarks/bench_spin_glass_certify.py [--repeat 5] [--sizes 16x3,50x3,20x4]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from sublevel.numerics.energies.spin_glass import SphereProjected, SpinGlass, random_on_sphere
from sublevel.numerics.energies.spin_glass_exact import certify_exact_segment
from sublevel.numerics.sphere_minima import minimize


def _pair(sg: SpinGlass, seed: int) -> tuple[np.ndarray, np.ndarray]:
    X = random_on_sphere(sg.N, 2, seed)
    a, b = (minimize(sg, x, max_iter=30, polish=False, classify=False).point for x in X)
    return a, b


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _measure(
    land: SphereProjected, a: np.ndarray, b: np.ndarray, bound: float, pts: np.ndarray, repeat: int
) -> tuple[float, float, float]:
    """Best times of the grid, the rigorous and the exact certificate, interleaved."""
    grid = rig = ex = np.inf
    for _ in range(repeat):
        grid = min(grid, _best(lambda: land.energies(pts), 1))
        rig = min(rig, _best(lambda: land.certify_segment(a, b, bound, exact_fallback=False), 1))
        ex = min(ex, _best(lambda: certify_exact_segment(land, a, b, bound), 1))
    return grid, rig, ex


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--sizes", default="16x3,50x3,20x4")
    args = ap.parse_args()
    print(
        f"{'N':>4} {'p':>2} {'grid ms':>9} {'rigorous ms':>12} {'exact ms':>9} "
        f"{'rig/grid':>9} {'exact/rig':>10} {'outcome':>9} {'radius':>9} {'width':>9}"
    )
    for spec in args.sizes.split(","):
        N, p = (int(v) for v in spec.split("x"))
        sg = SpinGlass(N, p, 0)
        land = SphereProjected(sg, per_spin=True, shift=0.0 if p % 2 else 4.0)
        a, b = _pair(sg, 1)
        ts = np.linspace(0.0, 1.0, 100)
        pts = a[None, :] + ts[:, None] * (b - a)[None, :]
        top = float(np.max(land.energies(pts)))
        bound = top + 1e-3
        certify_exact_segment(land, a, b, bound)  # converts and caches S in rationals
        grid, rig, ex = _measure(land, a, b, bound, pts, args.repeat)
        cert = land.certify_segment(a, b, bound, exact_fallback=False)
        enc = cert.max_energy_enclosure
        width = enc[1] - enc[0] if enc is not None else float("nan")
        print(
            f"{N:>4} {p:>2} {grid * 1e3:>9.3f} {rig * 1e3:>12.2f} {ex * 1e3:>9.2f} "
            f"{rig / grid:>9.1f} {ex / rig:>10.2f} {cert.outcome:>9} "
            f"{cert.details['coefficient_radius_sum']:>9.2e} {width:>9.2e}"
        )


if __name__ == "__main__":
    main()
