"""Finite intrinsic dimension (issue 4): speed of the checks and of the exact certificates, and
the full-size quadratic experiments. Everything is measured in one run; ratios are printed.

* ``verify``  — ``sublevel verify vbb.finite-dim.p-ge-q --instances 200`` with a cubic activation
  and n = 3 (q = 10): instances per second, and the share of the instances' time spent
  constructing, certifying the float path (sampled), building and certifying the exact path
  (``certify_exact``: sublevel.numerics.paths.intrinsic_exact, τ = 0), cross-checking with cvxpy and
  checking symbolically (from the timings each evidence records);
* ``certify`` — the exact Construction-B path built in rationals and certified (every piece
  against the exact max(E_A, E_B) and against its promise) vs evaluating the float path's
  energy on a 200-point grid (one batched call);
* ``quadratic`` — two-layer quadratic network, ≥ 200 random inits per width
  p ∈ {n−1, n, 2n−1, 2n, 3n}: success fraction (reaching the lifted optimum over Sym(n)), the
  others classified; a Markdown table and a PNG with the lines p = n and p = 2n;
* ``deep`` — K = 2, 3 quadratic layers at small N, runs against the lifted optimum.

Run:  python benchmarks/bench_intrinsic.py [verify certify quadratic deep] [--instances 200]
      [--runs 200] [--n 3] [--sign free|balanced|nonnegative] [--out DIR] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from timing import best_of


def bench_verify(instances: int, workers: int, out: Path) -> None:
    target = out / "verify_p_ge_q"
    cmd = [
        sys.executable,
        "-m",
        "sublevel.proofs_checks.cli",
        "verify",
        "vbb.finite-dim.p-ge-q",
        "--instances",
        str(instances),
        "--param",
        "activation=z**3",
        "--param",
        "n=3",
        "--out",
        str(target),
        "--workers",
        str(workers),
        "--quiet",
        "--no-figures",
    ]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"verify failed ({proc.returncode}): {proc.stderr[-2000:]}")
    parts = {"construct": 0.0, "certify": 0.0, "certify_exact": 0.0, "cvxpy": 0.0, "symbolic": 0.0}
    total, n_inst, outcomes = 0.0, 0, {}
    for line in (target / "evidence.jsonl").read_text().splitlines():
        rec = json.loads(line)
        if rec["role"] != "instance":
            continue
        n_inst += 1
        total += rec["wall_time"]
        outcomes[rec["outcome"]] = outcomes.get(rec["outcome"], 0) + 1
        for k, v in rec["details"].get("seconds", {}).items():
            parts[k] = parts.get(k, 0.0) + v
    print(
        f"\n== sublevel verify vbb.finite-dim.p-ge-q --instances {instances} "
        f"(activation z**3, n = 3, q = 10, {workers} workers)"
    )
    print(
        f"wall {wall:.2f} s (process start and imports included): "
        f"{n_inst / wall:.1f} instances/s; outcomes {outcomes}"
    )
    print(f"time inside the instances: {total:.2f} s ({n_inst / total:.1f} instances/s per worker)")
    for k, v in parts.items():
        print(f"  {k:10s} {v:8.3f} s  {100 * v / total:5.1f} %")
    rest = total - sum(parts.values())
    print(f"  {'other':10s} {rest:8.3f} s  {100 * rest / total:5.1f} %  (instance set-up, lifting)")
    print(f"RATIO certify / construct = {parts['certify'] / max(parts['construct'], 1e-12):.2f}")


def bench_certify(repeat: int) -> None:
    from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer
    from sublevel.numerics.paths.intrinsic import construction_b
    from sublevel.numerics.paths.intrinsic_exact import (
        certify_exact_construction,
        exact_construction_b,
    )

    print(
        "\n== exact Construction-B path (built and certified in rationals, τ = 0) vs a "
        "200-point energy grid of the float path"
    )
    print(
        f"{'instance':34s} {'pieces':>6s} {'build (ms)':>11s} {'certify (ms)':>13s} "
        f"{'grid (ms)':>10s} {'ratio':>7s}"
    )
    for act, n, L in (("z**3", 2, 40), ("z**3 - z", 3, 200), ("z**2", 4, 500)):
        rng = np.random.default_rng(0)
        X, Y = rng.normal(size=(L, n)), rng.normal(size=(L, 2))
        q = EmpiricalTwoLayer(act, X, Y, 1).lifted_problem().q
        land = EmpiricalTwoLayer(act, X, Y, 2 * q + 2)
        a, b = land.random_point(rng), land.random_point(rng)
        W, U = land.unflatten(b)
        W[3:] = W[0]
        b = land.flatten(W, U)
        cons = construction_b(land, a, b)
        exact = exact_construction_b(land, a, b)
        certs = certify_exact_construction(exact)
        assert all(c.holds and c.method == "exact" and c.holds_within == 0 for c in certs)
        ts = np.linspace(0.0, 1.0, 200)
        t_build = best_of(lambda la=land, x=a, y=b: exact_construction_b(la, x, y), repeat)
        t_exact = best_of(lambda e=exact: certify_exact_construction(e), repeat)
        t_grid = best_of(lambda la=land, c=cons, t=ts: la.energies(c.path.points(t)), repeat)
        name = f"{act}, n={n}, L={L}, q={q}, p={land.p}"
        print(
            f"{name:34s} {len(exact.pieces):6d} {1e3 * t_build:11.2f} {1e3 * t_exact:13.2f} "
            f"{1e3 * t_grid:10.2f} {(t_build + t_exact) / t_grid:7.2f}"
        )
    print("ratio = (exact build + exact certificates) / grid")


def bench_quadratic(n: int, runs: int, out: Path, seed: int, sign: str = "free") -> None:
    from sublevel.numerics.energies.optimisation_runs import SUCCESS_KINDS
    from sublevel.numerics.energies.quadratic_widths import plot_success_fraction, width_experiment

    widths = sorted({max(1, n - 1), n, 2 * n - 1, 2 * n, 3 * n})
    start = time.perf_counter()
    rows, f_star = width_experiment(
        n, widths, runs, seed=seed, sign=sign, stability_perturbations=3
    )
    wall = time.perf_counter() - start
    lines = [
        f"two-layer quadratic network, n = {n}, output weights {sign}, L = "
        f"{3 * n * (n + 1) // 2}, {runs} runs per width, lifted optimum F* = {f_star:.6g} "
        f"({wall:.1f} s)",
        "",
        "| p | " + " | ".join(SUCCESS_KINDS) + " | stable under perturbation | success fraction |",
        "|---|" + "---|" * (len(SUCCESS_KINDS) + 2),
    ]
    for r in rows:
        c = r.counts
        lines.append(
            f"| {r.p} | "
            + " | ".join(str(c[k]) for k in SUCCESS_KINDS)
            + f" | {r.stable_poor} | {r.success_fraction:.3f} |"
        )
    failing = [r.p for r in rows if r.success_fraction < 1.0]
    lines.append("")
    lines.append(
        f"failures stop at p = {max(failing) + 1 if failing else min(widths)}"
        if failing
        else "no failures at any width"
    )
    table = "\n".join(lines)
    print("\n== " + table)
    stem = f"quadratic_widths_n{n}_{sign}"
    (out / f"{stem}.md").write_text(table + "\n")
    png = plot_success_fraction(
        rows,
        n,
        out / f"{stem}.png",
        title=f"two-layer quadratic network, n = {n}, output weights {sign}",
    )
    print(f"table {out / (stem + '.md')}, plot {png}")


def bench_deep(runs: int, seed: int) -> None:
    from sublevel.numerics.energies.optimisation_runs import optimisation_runs
    from sublevel.numerics.energies.quadratic_deep import DeepQuadratic, form_features

    print(
        "\n== deep quadratic networks (N = 2): runs against the lifted optimum over degree-2^K forms"
    )
    rng = np.random.default_rng(seed)
    for K, hidden in ((2, [12, 48]), (2, [3, 5]), (3, [3, 5, 9]), (3, [6, 10, 18])):
        dim = {2: 5, 3: 9}[K]
        L = 2 * dim + 5
        X = rng.normal(size=(L, 2))
        Y = form_features(X, 2**K) @ rng.normal(size=dim) + 0.1 * rng.normal(size=L)
        land = DeepQuadratic(X, Y, hidden)
        start = time.perf_counter()
        found = optimisation_runs(land, land.lifted_optimum(), runs, rng, maxiter=3000)
        kinds: dict[str, int] = {}
        for r in found:
            kinds[r.kind] = kinds.get(r.kind, 0) + 1
        talk = [3 * 2 ** (2**k) for k in range(1, K + 1)]
        print(
            f"K = {K}, M = {hidden} (talk's bound {talk}), D = {land.dim}: {kinds} "
            f"({time.perf_counter() - start:.1f} s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "parts",
        nargs="*",
        default=["verify", "certify"],
        choices=["verify", "certify", "quadratic", "deep"],
    )
    parser.add_argument("--instances", type=int, default=200)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--n", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sign", default="free", choices=["free", "balanced", "nonnegative"])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench_intrinsic_"))
    out.mkdir(parents=True, exist_ok=True)
    if "verify" in args.parts:
        bench_verify(args.instances, args.workers, out)
    if "certify" in args.parts:
        bench_certify(args.repeat)
    if "quadratic" in args.parts:
        bench_quadratic(args.n, args.runs, out, args.seed, args.sign)
    if "deep" in args.parts:
        bench_deep(max(1, args.runs // 20), args.seed)


if __name__ == "__main__":
    main()
