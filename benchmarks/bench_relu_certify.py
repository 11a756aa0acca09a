"""Rigorous certificate of ONE ReLU segment vs the fastest 100-point grid evaluation (issues 5, 11).

Two-layer ReLU network with biases, m = 256 hidden units, n = 10 inputs, L = 2000 samples,
scalar output, teacher data. θ_A: He-scaled first layer with its least-squares output layer;
θ_B: θ_A with its hidden units randomly permuted (same energy, a barrier inside the segment).
Measured in one run, each timing the best of ``--repeat`` interleaved repetitions (the machine
may be shared):

* grid   — the energy on 100 points the fastest way we know: p = XW_Aᵀ + b_A and q = XΔWᵀ + Δb
           once, then O(L·m) per point; two implementations (blocks of points in one einsum —
           ``TwoLayerReLU.segment_energies`` — and a per-point loop with in-place ReLU and a
           BLAS matrix–vector product), the faster one is the baseline. A sampled estimate;
* rigorous — ``certify_relu_segment``: every breakpoint and its energy change (per-sample
           sorted sweep with cumulative updates) with a priori rounding bounds computed alongside
           (γ_n, sublevel.numerics.energies.relu_bounds); the energy at the ends of ≈ E/4 cells (per-cell
           sums), cells pruned by a proven Lipschitz bound on √E, the surviving cells' events
           sorted and their pieces enclosed (sublevel.numerics.piecewise_max): a proven enclosure
           [lo, hi] of the maximum of the exact energy of the inputs;
* rigorous, no pruning — every breakpoint sorted globally, every piece's coefficients by a
           cumulative sum, every piece's maximum enclosed;
* the ratio rigorous / grid (target ≤ 1), the peak memory of one certificate (tracemalloc,
  target < 500 MB), the enclosure's width and the gap between its top and the grid maximum.

Run:  python benchmarks/bench_relu_certify.py [--m 256 --n 10 --L 2000 --repeat 7 --seed 0]
(with OPENBLAS_NUM_THREADS=1 the per-point BLAS loop is the fastest grid on a loaded machine).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
from sublevel.numerics.certify_relu import certify_relu_segment, maximise_piecewise
from sublevel.numerics.energies.relu import TwoLayerReLU


def instance(m: int, n: int, L: int, seed: int) -> tuple[TwoLayerReLU, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(L, n))
    teacher_W = rng.normal(size=(8, n)) / np.sqrt(n)
    Y = np.maximum(X @ teacher_W.T, 0) @ rng.normal(size=8)
    land = TwoLayerReLU(X, Y, m)
    W = rng.normal(size=(m, n)) * np.sqrt(2.0 / n)
    b = rng.normal(size=m) * 0.1
    H = np.maximum(X @ W.T + b, 0)
    U = np.linalg.lstsq(H, Y, rcond=None)[0][None, :]
    a = land.flatten(W, b, U)
    return land, a, land.permute(a, rng.permutation(m))


def grid_loop(land: TwoLayerReLU, a: np.ndarray, b: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Per-point loop: z = p + t q in place, ReLU in place, one matrix–vector product."""
    A, B = land.unflatten(a), land.unflatten(b)
    P = land.X @ A.W.T + A.b
    Q = land.X @ (B.W - A.W).T + (B.b - A.b)
    ua, du, y = A.U[0], B.U[0] - A.U[0], land.Y[:, 0]
    buf = np.empty_like(P)
    out = np.empty(ts.size)
    for i, t in enumerate(ts):
        np.multiply(Q, t, out=buf)
        buf += P
        np.maximum(buf, 0.0, out=buf)
        r = buf @ (ua + t * du) - y
        out[i] = r @ r / land.L
    return out


def rigorous_no_pruning(land: TwoLayerReLU, a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Proven enclosure of the maximum, every piece examined."""
    pq = land.energy_pieces(a, b)
    res = maximise_piecewise(pq.breakpoints, pq.coeffs, prune_tol=-np.inf)
    return res.lower - pq.error_bound, res.upper + pq.error_bound


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
    times: dict[str, list[float]] = {
        "grid_einsum": [],
        "grid_loop": [],
        "rigorous": [],
        "rigorous_no_pruning": [],
    }
    for _ in range(args.repeat):  # interleaved, best of each
        t0 = time.perf_counter()
        grid = land.segment_energies(a, b, ts)
        t1 = time.perf_counter()
        grid2 = grid_loop(land, a, b, ts)
        t2 = time.perf_counter()
        cert = certify_relu_segment(land, a, b, bound)
        t3 = time.perf_counter()
        unpruned = rigorous_no_pruning(land, a, b)
        t4 = time.perf_counter()
        for key, dt in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
            times[key].append(dt)
    lo, hi = cert.max_energy_enclosure
    # the two enclosures of the same maximum intersect, and the grid never exceeds the top
    assert np.allclose(grid, grid2) and unpruned[0] <= hi and lo <= unpruned[1]
    assert grid.max() <= hi
    tracemalloc.start()
    certify_relu_segment(land, a, b, bound)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    best = {k: min(v) for k, v in times.items()}
    g = min(best["grid_einsum"], best["grid_loop"])
    e = best["rigorous"]
    d = cert.details
    print(f"instance: m = {args.m}, n = {args.n}, L = {args.L}, D = {land.dim}, seed = {args.seed}")
    print(
        f"pieces {d['pieces']}, cells pruned {d['pruned_cells']}, pieces maximised in "
        f"closed form {d['closed_form_pieces']}"
    )
    print(f"grid, blocks in one einsum:    {best['grid_einsum'] * 1e3:8.1f} ms")
    print(f"grid, per-point loop (BLAS):   {best['grid_loop'] * 1e3:8.1f} ms")
    print(f"grid baseline ({args.grid} points, sampled): {g * 1e3:8.1f} ms   max {grid.max():.12g}")
    print(f"rigorous, no pruning:          {best['rigorous_no_pruning'] * 1e3:8.1f} ms")
    print(
        f"rigorous (every piece):        {e * 1e3:8.1f} ms   max in [{lo:.15g}, {hi:.15g}] "
        f"at t = {cert.argmax_t:.9f}; outcome vs max(E_A, E_B): {cert.outcome}"
    )
    print(
        f"ratio rigorous / grid = {e / g:.2f}   (target ≤ 1); without pruning "
        f"{best['rigorous_no_pruning'] / g:.2f}"
    )
    print(
        f"enclosure width {hi - lo:.2e} (relative {(hi - lo) / hi:.1e}); proven error bound of "
        f"the pieces {d['error_bound']:.2e}"
    )
    print(f"enclosure bottom − grid max = {lo - grid.max():.3e} (> 0: the grid misses it)")
    print(f"peak memory of one certificate: {peak / 2**20:.1f} MB   (target < 500 MB)")


if __name__ == "__main__":
    main()
