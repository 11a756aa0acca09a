"""Benchmarks of the geodesic solver (ratios measured in one run; plain Python, not a test).

1. overhead: the share of DSS wall time spent outside the landscape's own energy/gradient
   evaluations, on the digits MLP (target < 10%);
2. efficiency: gradient evaluations DSS needs to connect two digits-MLP minima at a level,
   against AutoNEB and Bezier reaching the same maximum energy (budgets doubled until they do);
3. batched segment evaluation on torch: vmap against a loop over 64 points (target ≥ 5×);
4. GPU/CPU: the same evaluation and a DSS run on CUDA when a GPU exists.

    python benchmarks/bench_dss.py [--quick]
"""

from __future__ import annotations

import argparse
from functools import partial

import numpy as np
from timing import best_of


def _pair(land, target, seed=0):
    from sublevel.numerics.geodesic import Adam, descend

    out = []
    for k in range(2):
        res = descend(
            land,
            land.init(seed * 7919 + k + 1, "glorot"),
            target,
            optimizer=Adam(lr=1e-2, max_steps=20000),
        )
        assert res.converged, res.reason
        out.append(res.theta)
    return out


def overhead(n_train: int, hidden: int, level: float) -> None:
    from sublevel.numerics.energies.mlp import digits_mlp
    from sublevel.numerics.geodesic import dss

    land = digits_mlp((hidden,), n_train=n_train)
    a, b = _pair(land, 0.98 * level)
    for variant in ("breadth-first", "greedy", "constrained"):
        res = dss(
            land, a, b, level, variant=variant, train_factor=0.98, accept_factor=1.02, n_interp=20
        )
        share = 1.0 - res.landscape_time / res.wall_time
        print(
            f"  {variant:13s}: wall {res.wall_time:6.2f}s, in landscape {res.landscape_time:6.2f}s, "
            f"overhead {100 * share:5.1f}%  ({res.n_gradient_evaluations} grads, "
            f"{res.n_energy_evaluations} energies, {res.n_beads} beads, {res.status})"
        )


def efficiency(n_train: int, hidden: int, level: float, max_budget: int) -> None:
    from sublevel.numerics.energies.mlp import digits_mlp
    from sublevel.numerics.geodesic import autoneb, bezier_curve, dss, straight_segment

    land = digits_mlp((hidden,), n_train=n_train)
    a, b = _pair(land, 0.98 * level, seed=1)
    line = straight_segment(land, a, b, level)
    d = dss(land, a, b, level, train_factor=0.98, accept_factor=1.02, n_interp=20)
    target = d.max_energy
    print(
        f"  straight segment max {line.max_energy:.4f}; DSS ({d.status}) max {target:.4f} "
        f"with {d.n_gradient_evaluations} gradient evaluations"
    )
    rows = {"dss": d.n_gradient_evaluations}
    for name, run in (
        ("bezier", lambda n: bezier_curve(land, a, b, level, steps=n, lr=0.05, n_interp=20)),
        (
            "autoneb",
            lambda n: autoneb(
                land,
                a,
                b,
                level,
                cycles=4,
                steps_per_cycle=max(1, n // 24),
                lr=0.05,
                max_gradient_evaluations=n,
                n_interp=20,
            ),
        ),
    ):
        budget, reached = 64, None
        while budget <= max_budget:
            res = run(budget)
            if res.max_energy <= target:
                reached = res
                break
            budget *= 2
        if reached is None:
            print(
                f"  {name:8s}: did not reach max {target:.4f} within {max_budget} gradients "
                f"(last max {res.max_energy:.4f})"
            )
            rows[name] = None
        else:
            rows[name] = reached.n_gradient_evaluations
            print(
                f"  {name:8s}: max {reached.max_energy:.4f} with {reached.n_gradient_evaluations} gradients"
            )
    for name in ("bezier", "autoneb"):
        if rows[name]:
            print(f"  ratio {name} / dss gradient evaluations = {rows[name] / rows['dss']:.2f}")


def vmap_vs_loop(points: int, repeats: int, threads: int) -> None:
    """vmap over θ against a Python loop of functional calls. Both do the same arithmetic, so
    the ratio is the per-call overhead saved: large for small per-point work (the cubic
    1-4-4-1 net, small evaluation subsets), → 1 when the arithmetic dominates."""
    import torch
    from sublevel.numerics.backends.models import mlp, small_cnn
    from sublevel.numerics.backends.torch import TorchLandscape
    from sublevel.numerics.data import cubic_data, digits

    torch.set_num_threads(threads)
    data = digits(500, None, 0)
    cubic = cubic_data(100, 1, 0)
    print(
        f"  torch {torch.__version__}, {torch.get_num_threads()} thread(s), float64, {points} points"
    )
    cases = {
        "cubic 1-4-4-1 sigmoid, 100 samples": TorchLandscape(
            mlp([1, 4, 4, 1], "sigmoid"), "mae", (cubic.X_train, cubic.y_train)
        ),
    }
    for n in (64, 500):
        cases[f"digits MLP 64-32-10, {n} samples"] = TorchLandscape(
            mlp([64, 32, 10], "tanh"), "cross-entropy", (data.X_train[:n], data.y_train[:n])
        )
        cases[f"digits CNN, {n} samples"] = TorchLandscape(
            small_cnn(c1=4, c2=8, hidden=16),
            "cross-entropy",
            (data.images("train")[:n], data.y_train[:n]),
        )
    for name, land in cases.items():
        theta = land.theta_of()
        pts = theta + 0.01 * np.random.default_rng(0).standard_normal((points, land.dim))
        land.energies(pts[:2])
        land.energies_loop(pts[:2])
        t_v = best_of(partial(land.energies, pts), repeats)
        t_l = best_of(partial(land.energies_loop, pts), repeats)
        assert np.allclose(land.energies(pts), land.energies_loop(pts), rtol=1e-12)
        print(
            f"  {name:36s}: vmap {1e3 * t_v:8.2f} ms, loop {1e3 * t_l:8.2f} ms, "
            f"ratio {t_l / t_v:5.1f}×"
        )


def gpu(points: int) -> None:
    import torch

    if not torch.cuda.is_available():
        print(
            "  no CUDA device here: GPU/CPU ratio not measured (the same code runs with device='cuda')"
        )
        return
    from sublevel.numerics.backends.models import small_cnn
    from sublevel.numerics.backends.torch import TorchLandscape
    from sublevel.numerics.data import digits

    data = digits(1000, None, 0)
    for dev in ("cpu", "cuda"):
        land = TorchLandscape(
            small_cnn(c1=8, c2=16, hidden=32),
            "cross-entropy",
            (data.images("train"), data.y_train),
            device=dev,
        )
        theta = land.theta_of()
        pts = theta + 0.01 * np.random.default_rng(0).standard_normal((points, land.dim))
        land.energies(pts)
        t = best_of(partial(land.energies, pts), 3)
        g = best_of(partial(land.energy_and_grad, theta), 5)
        print(f"  {dev:4s}: {points} energies {1e3 * t:8.2f} ms, one gradient {1e3 * g:8.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads for part 3 (1: stable numbers on a shared machine)",
    )
    args = parser.parse_args()
    n_train, hidden = (300, 16) if args.quick else (1000, 32)
    print("1. DSS overhead outside the landscape (digits MLP, numpy; target < 10%)")
    overhead(n_train, hidden, 0.3)
    print("2. gradient evaluations to reach DSS's max energy (digits MLP)")
    efficiency(n_train, hidden, 0.2, 4096 if args.quick else 16384)
    print("3. torch: batched (vmap) vs loop over points (target ≥ 5×)")
    vmap_vs_loop(64, 5, args.threads)
    print("4. GPU / CPU")
    gpu(64)


if __name__ == "__main__":
    main()
