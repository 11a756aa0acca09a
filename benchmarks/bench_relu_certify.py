"""Exact certificate of ONE ReLU segment vs the fastest 100-point grid evaluation (issue 5).

Two-layer ReLU network with biases, m = 256 hidden units, n = 10 inputs, L = 2000 samples,
scalar output; θ_A, θ_B independent Gaussian (He-scaled) points. Measured in one run, each
timing the best of ``--repeat`` interleaved repetitions (the machine may be shared):

* grid   — ``TwoLayerReLU.segment_energies`` on 100 points (p = XW_Aᵀ + b_A, q = XΔWᵀ + Δb once,
           then O(L·m) per point, blocks of points per numpy call), a sampled estimate;
* exact  — ``certify_relu_segment``: every breakpoint, sorted sweep with cumulative updates,
           Bernstein pruning and closed-form maximisation, a posteriori rounding probes;
* the ratio exact / grid (target ≤ 1) and the peak memory of one certificate (tracemalloc,
  target < 500 MB), and the gap between the exact maximum and the grid maximum.

Run:  python benchmarks/bench_relu_certify.py [--m 256 --n 10 --L 2000 --repeat 7 --seed 0]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from numerics.certify import certify_relu_segment
from numerics.energies.relu import TwoLayerReLU


def instance(m: int, n: int, L: int, seed: int) -> tuple[TwoLayerReLU, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(L, n))
    teacher_W = rng.normal(size=(8, n)) / np.sqrt(n)
    Y = np.maximum(X @ teacher_W.T, 0) @ rng.normal(size=8)
    land = TwoLayerReLU(X, Y, m)

    def point() -> np.ndarray:
        W = rng.normal(size=(m, n)) * np.sqrt(2.0 / n)
        b = rng.normal(size=m) * 0.1
        U = rng.normal(size=(1, m)) / np.sqrt(m)
        return land.flatten(W, b, U)

    return land, point(), point()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--m", type=int, default=256)
    ap.add_argument("--n", type=int, default=10)
    ap.add_argument("--L", type=int, default=2000)
    ap.add_argument("--grid", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    land, a, b = instance(args.m, args.n, args.L, args.seed)
    ts = np.linspace(0.0, 1.0, args.grid)
    bound = float(max(land.energy(a), land.energy(b)))
    t_grid, t_exact = [], []
    for _ in range(args.repeat):  # interleaved, best of each
        t0 = time.perf_counter()
        grid = land.segment_energies(a, b, ts)
        t1 = time.perf_counter()
        cert = certify_relu_segment(land, a, b, bound)
        t2 = time.perf_counter()
        t_grid.append(t1 - t0)
        t_exact.append(t2 - t1)
    tracemalloc.start()
    certify_relu_segment(land, a, b, bound)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    g, e = min(t_grid), min(t_exact)
    d = cert.details
    print(f"instance: m = {args.m}, n = {args.n}, L = {args.L}, D = {land.dim}, seed = {args.seed}")
    print(f"pieces {d['pieces']}, closed-form pieces after pruning {d['closed_form_pieces']}")
    print(f"grid  ({args.grid} points, sampled): {g * 1e3:8.1f} ms   max {grid.max():.12g}")
    print(f"exact (every piece, certified):  {e * 1e3:8.1f} ms   max {cert.max_energy:.12g} "
          f"at t = {cert.argmax_t:.9f}")
    print(f"ratio exact / grid = {e / g:.2f}   (target ≤ 1)")
    print(f"exact max − grid max = {cert.max_energy - grid.max():.3e} (≥ 0: the grid misses it)")
    print(f"fp error estimate {d['fp_error']:.2e}, coefficient drift {d['coefficient_drift']:.2e}")
    print(f"peak memory of one certificate: {peak / 2**20:.1f} MB   (target < 500 MB)")


if __name__ == "__main__":
    main()
