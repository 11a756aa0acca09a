"""Certified barrier of a deep ReLU MLP vs the fastest 100-point grid of the same segment (issue 14).

Endpoints: two SGD runs (seeds 0 and 1, ``--epochs``) of a digits MLP 64-h-…-h-10 with ReLU
hidden units on ``--samples`` scikit-learn digits, trained with cross-entropy; the square-loss
landscape (one-hot targets) is certified on the same endpoints. Measured in one run:

* grid — E on 100 points of the segment the fastest way we have: the batched
  ``MLPLandscape.energies`` and a per-point loop whose first layer is amortised
  (XW_Aᵀ + b_A and XΔWᵀ + Δb once, then O(N·h) per point) with BLAS for the other layers;
  the faster one is the baseline (best of ``--repeat``);
* certified — :func:`sublevel.numerics.barrier.certify_deep_relu_segment` against a bound above the
  maximum (the maximum resolved to 1e-9 relative): every per-sample piece, its proven radius,
  the branch and bound; one run (it takes seconds to minutes);
* the ratio certified / grid (target ≤ 30), the peak memory of the certificate (tracemalloc,
  target < 2 GB), pieces and the time split (pieces vs branch and bound);
* ``--table``: the same for depth 1–3 (width 64), width 32/64/128 (depth 2) and samples
  450/900/1797 (64-64), cross-entropy only.

Run:  python benchmarks/bench_barrier.py [--hidden 64,64,64 --samples 1797 --epochs 20]
      [--table] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sublevel.numerics.barrier import certify_deep_relu_segment, deep_relu_segment
from sublevel.numerics.barrier_experiment import relu_mlp_landscape, train_sgd
from sublevel.numerics.certify_deep_relu import _Energy, maximise_energy, output_pieces

from benchmarks.timing import best_of


def _grid_loop(land, a, b, n=100):
    layers_a, layers_b = land.layers(a), land.layers(b)
    (W1, b1), (V1, c1) = layers_a[0], layers_b[0]
    P = land.X @ W1.T + b1
    Q = land.X @ (V1 - W1).T + (c1 - b1)
    out = np.empty(n)
    for i, t in enumerate(np.linspace(0.0, 1.0, n)):
        H = P + t * Q
        np.maximum(H, 0.0, out=H)
        for k in range(1, len(layers_a)):
            (W, bb), (V, cc) = layers_a[k], layers_b[k]
            H = H @ (W + t * (V - W)).T + (bb + t * (cc - bb))
            if k < len(layers_a) - 1:
                np.maximum(H, 0.0, out=H)
        out[i] = land._loss_batch(H[None], land.Y)[0]
    return out


def _grid_batched(land, a, b, n=100):
    t = np.linspace(0.0, 1.0, n)
    return land.energies(a[None, :] + t[:, None] * (b - a)[None, :])


def measure(hidden, samples, epochs, repeat, losses=("cross-entropy", "mse"), seeds=(0, 1)):
    ce = relu_mlp_landscape("digits-mlp", hidden, n_train=samples, loss="cross-entropy")
    a, b = train_sgd(ce, seeds[0], epochs=epochs), train_sgd(ce, seeds[1], epochs=epochs)
    rows = []
    for loss in losses:
        land = (
            ce
            if loss == "cross-entropy"
            else relu_mlp_landscape("digits-mlp", hidden, n_train=samples, loss="mse")
        )
        g1 = best_of(lambda land=land: _grid_batched(land, a, b), repeat)
        g2 = best_of(lambda land=land: _grid_loop(land, a, b), repeat)
        grid = min(g1, g2)
        gmax = _grid_loop(land, a, b).max()
        tracemalloc.start()
        t0 = time.perf_counter()
        net = deep_relu_segment(land, a, b)
        out = output_pieces(net)
        t1 = time.perf_counter()
        m = maximise_energy(_Energy(net, out))
        t2 = time.perf_counter()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        cert = certify_deep_relu_segment(land, a, b, m.hi + 1e-6 * max(1.0, abs(m.hi)))
        rows.append(
            {
                "loss": loss,
                "hidden": "-".join(map(str, hidden)),
                "samples": samples,
                "grid_s": grid,
                "grid_batched_s": g1,
                "grid_loop_s": g2,
                "cert_s": t2 - t0,
                "pieces_s": t1 - t0,
                "bnb_s": t2 - t1,
                "ratio": (t2 - t0) / grid,
                "peak_mb": peak / 2**20,
                "sample_pieces": out.n_pieces,
                "global_pieces": int(np.unique(out.lo).size),
                "max_lo": m.lo,
                "max_hi": m.hi,
                "grid_max": gmax,
                "cells": m.n_cells,
                "outcome": cert.outcome,
                "E_A": land.energy(a),
                "E_B": land.energy(b),
            }
        )
    return rows


def _print(rows):
    head = (
        f"{'loss':14s} {'hidden':10s} {'N':>5s} {'grid s':>7s} {'cert s':>7s} {'pieces':>7s} "
        f"{'b&b':>6s} {'ratio':>6s} {'MB':>6s} {'sample pcs':>10s} {'global pcs':>10s} "
        f"{'max E enclosure':>32s} {'grid max':>12s}"
    )
    print(head)
    for r in rows:
        print(
            f"{r['loss']:14s} {r['hidden']:10s} {r['samples']:5d} {r['grid_s']:7.3f} "
            f"{r['cert_s']:7.2f} {r['pieces_s']:7.2f} {r['bnb_s']:6.2f} {r['ratio']:6.1f} "
            f"{r['peak_mb']:6.0f} {r['sample_pieces']:10d} {r['global_pieces']:10d} "
            f"[{r['max_lo']:.10f}, {r['max_hi']:.10f}] {r['grid_max']:12.9f}",
            flush=True,
        )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--hidden", default="64,64,64")
    p.add_argument("--samples", type=int, default=1797)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--table", action="store_true")
    args = p.parse_args()
    hidden = [int(h) for h in args.hidden.split(",")]
    rows = measure(hidden, args.samples, args.epochs, args.repeat)
    _print(rows)
    if args.table:
        print("\ncost vs depth / width / samples (cross-entropy)")
        table = []
        for hid, n in (
            [[64], 1797],
            [[64, 64], 1797],
            [[64, 64, 64], 1797],
            [[32, 32], 1797],
            [[128, 128], 1797],
            [[64, 64], 450],
            [[64, 64], 900],
        ):
            table += measure(hid, n, args.epochs, args.repeat, losses=("cross-entropy",))
            _print(table[-1:])


if __name__ == "__main__":
    main()
