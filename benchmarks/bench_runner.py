"""Runner speed: `sublevel verify` at its defaults on 2 workers vs 1 worker (target ≥ 1.6×
faster), and on a dask LocalCluster with 2 workers vs the local process pool with 2 workers
(target: overhead < 25%). Every configuration runs the same command in a fresh process (start-up
included, as a user sees it) and all are measured in one run of this script, alternating, so
the ratios compare like with like.

    python benchmarks/bench_runner.py                 # every implemented claim, 1 repeat
    python benchmarks/bench_runner.py --repeats 3 lift.feature-map identity.layer-cake
    python benchmarks/bench_runner.py --instances 40 lift.quadratic bf16.prop2.2.linear   # a longer sweep

Prints the wall time of each configuration (median over repeats), the two ratios and whether
the targets are met; ``--json FILE`` also writes them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONFIGS = {
    "process pool, 1 worker": ["--workers", "1"],
    "process pool, 2 workers": ["--workers", "2"],
    "dask LocalCluster, 2 workers": ["--dask", "local", "--workers", "2"],
}


def run_once(claims: list[str], extra: list[str], out: Path) -> tuple[float, float]:
    """(wall seconds of the whole command, Σ of the instances' own wall times from report.json)."""
    cmd = [
        sys.executable,
        "-m",
        "sublevel.proofs_checks.cli",
        "verify",
        *claims,
        "--seed",
        "0",
        "--out",
        str(out),
        "--quiet",
        "--no-figures",
        *extra,
    ]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(
            f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-500:]}"
        )
    report = json.loads((out / "report.json").read_text())
    return wall, float(sum(report["wall_time_per_claim"].values()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("claims", nargs="*", help="claim ids (default: every implemented claim)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--no-dask", action="store_true", help="skip the dask configuration")
    parser.add_argument(
        "--instances",
        type=int,
        default=None,
        help="instances per claim (default: each claim's own — the default run)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the numbers as JSON")
    args = parser.parse_args(argv)
    configs = {k: v for k, v in CONFIGS.items() if not (args.no_dask and "dask" in k)}
    if args.instances is not None:
        configs = {k: [*v, "--instances", str(args.instances)] for k, v in configs.items()}
    times: dict[str, list[float]] = {k: [] for k in configs}
    work: dict[str, list[float]] = {k: [] for k in configs}
    load = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):
            for name, extra in configs.items():  # alternate: load drifts hit every config alike
                wall, busy = run_once(
                    args.claims, extra, Path(tmp) / f"{r}-{len(times[name])}-{name[:4]}"
                )
                times[name].append(wall)
                work[name].append(busy)
                load.append(os.getloadavg()[0])
                print(
                    f"repeat {r + 1}: {name:30s} {wall:7.2f} s wall, Σ instance times "
                    f"{busy:7.2f} s (load average {load[-1]:.2f})",
                    flush=True,
                )
    med = {k: statistics.median(v) for k, v in times.items()}
    print(
        f"\nsublevel verify {' '.join(args.claims) or '(every implemented claim)'} on "
        f"{os.cpu_count()} CPUs, median of {args.repeats}:"
    )
    for k, v in med.items():
        print(f"  {k:30s} {v:7.2f} s")
    speedup = med["process pool, 1 worker"] / med["process pool, 2 workers"]
    result = {"times": times, "median": med, "speedup_2_vs_1": speedup, "load_average": load}
    print(
        f"  1-minute load average during the run: {min(load):.2f} … {max(load):.2f} "
        f"(other processes share the {os.cpu_count()} CPUs: ratios are only meaningful near 0)"
    )
    print(
        f"  speed-up 2 workers vs 1: {speedup:.2f}×  (target ≥ 1.6×: "
        f"{'met' if speedup >= 1.6 else 'NOT met'})"
    )
    # a model, not a measurement: fixed cost F = wall − Σ instance times with one worker, work W
    one = "process pool, 1 worker"
    fixed = med[one] - statistics.median(work[one])
    ideal = med[one] / (fixed + statistics.median(work[one]) / 2)
    result["model"] = {
        "fixed_seconds": fixed,
        "work_seconds": statistics.median(work[one]),
        "ideal_speedup_2_vs_1": ideal,
    }
    print(
        f"  model: fixed cost {fixed:.2f} s (start-up, imports) + work {statistics.median(work[one]):.2f} s"
        f" → 2 workers on 2 idle CPUs ≈ {ideal:.2f}× (not a measurement)"
    )
    if "dask LocalCluster, 2 workers" in med:
        overhead = med["dask LocalCluster, 2 workers"] / med["process pool, 2 workers"] - 1
        result["dask_overhead"] = overhead
        print(
            f"  dask overhead vs process pool (2 workers): {100 * overhead:+.1f}%  (target < 25%: "
            f"{'met' if overhead < 0.25 else 'NOT met'})"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
