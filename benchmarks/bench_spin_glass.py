"""Spherical p-spin benchmarks (issue 8). Prints times and ratios measured in one run.

    python benchmarks/bench_spin_glass.py [--N 400] [--p 3] [--batch 32]

1. energy + gradient of H_{N,p} at N = 400, p = 3 by tensor contraction (one GEMV pass over the
   symmetrised N³ tensor): evaluations per second, and the ratio to the time of one read of the
   tensor (the memory-bound floor: the faster of a plain sum over its N³ entries and the bare
   GEMV), with BLAS at its default threads and at one thread (best of 7; on a shared machine the
   spread between runs is ±30 %);
2. the batched energies + gradients (a GEMM pass shared by ``--batch`` points): time per point
   and its ratio to the floor (below 1: the pass is amortised);
3. the naive contraction np.einsum("ijk,i,j,k") for comparison, and the Hessian + tangent spectrum;
4. one L-BFGS minimisation on the sphere at N = 50 with BLAS at default threads vs one thread
   (why the check and the Monte Carlo run under ``blas_threads(1)``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from timing import best_of


def main(argv: list[str] | None = None) -> None:
    from sublevel.numerics.energies.spin_glass import SpinGlass, random_on_sphere
    from sublevel.numerics.sphere import blas_threads
    from sublevel.numerics.sphere_minima import minimize

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--N", type=int, default=400)
    ap.add_argument("--p", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    args = ap.parse_args(argv)
    N, p = args.N, args.p

    t0 = time.perf_counter()
    sg = SpinGlass(N, p, 0)
    build = time.perf_counter() - t0
    S = sg.S
    gbytes = S.nbytes / 1e9
    print(
        f"SpinGlass(N={N}, p={p}): {N}^{p} = {S.size:.3g} entries ({gbytes:.2f} GB), "
        f"drawn + symmetrised in {build:.2f} s"
    )
    x = random_on_sphere(N, 1, 1)[0]
    X = random_on_sphere(N, args.batch, 2)
    flat = S.reshape(-1)

    for label, threads in (("default BLAS threads", None), ("one BLAS thread", 1)):
        with blas_threads(threads):
            summed = best_of(lambda: np.add.reduce(flat), 7)
            gemv = best_of(lambda: S.reshape(-1, N) @ x, 7)
            eg = best_of(lambda: sg.energy_and_grad(x), 7)
            batch = best_of(lambda: sg.energies_and_grads(X), 3) / args.batch
        floor = min(summed, gemv)  # the fastest single read of the tensor measured
        print(f"[{label}]")
        print(
            f"  one read of the tensor: sum of its {S.size:.3g} entries {summed * 1e3:.2f} ms, "
            f"GEMV (N^{p - 1}, N)·σ {gemv * 1e3:.2f} ms; floor = the faster, {floor * 1e3:.2f} ms "
            f"= {gbytes / floor:.1f} GB/s"
        )
        print(
            f"  energy + gradient: {eg * 1e3:.2f} ms = {1 / eg:.1f} evaluations/s; "
            f"ratio to floor {eg / floor:.2f}"
        )
        print(
            f"  batched energies + gradients, {args.batch} points (GEMM): {batch * 1e3:.2f} ms per point "
            f"= {1 / batch:.1f} evaluations/s; ratio to floor {batch / floor:.2f}; "
            f"speed-up over one at a time {eg / batch:.1f}×"
        )

    if p == 3:
        naive = best_of(lambda: np.einsum("ijk,i,j,k->", S, x, x, x), 2)
        print(
            f"naive np.einsum('ijk,i,j,k') energy only: {naive * 1e3:.1f} ms "
            f"(ratio to energy + gradient by contraction {naive / eg:.1f}×)"
        )
    hess = best_of(lambda: sg.hessian(x), 3)
    spec = best_of(lambda: sg.tangent_hessian_eigenvalues(sg.check_on_sphere(x)), 2)
    print(
        f"Hessian: {hess * 1e3:.1f} ms; tangent spectrum (Hessian + eigvalsh of {N - 1}²): "
        f"{spec * 1e3:.1f} ms"
    )

    small = SpinGlass(50, 3, 0)
    starts = random_on_sphere(50, 5, 3)
    for label, threads in (("default BLAS threads", None), ("one BLAS thread", 1)):
        with blas_threads(threads):
            t = best_of(lambda: [minimize(small, s) for s in starts], 2) / len(starts)
        print(f"one L-BFGS minimisation at N = 50, p = 3 ({label}): {t * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
