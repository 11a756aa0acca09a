"""Benchmarks of the deep-linear-network claims (issue 3). Plain Python; prints times and
ratios measured in one run.

1. ``sublevel verify bf16.prop2.2.linear --instances N --workers 1`` end to end (K = 3,
   n = m = 4, hidden width 6 by default): instances per second of wall time and per CPU
   second of the worker (target ≥ 50 per second per core);
2. the same check in-process, split into its stages: the exact reference path (fmpq_mat:
   connect_exact + certify_exact_path, descend_exact + certify) and the float path users get
   (connect and its rigorous/sampled certificates; descend and its dense check), each as the
   check calls it;
3. batched ``DeepLinear.energies`` on T points against a Python loop of single evaluations
   (target ≥ 10× at T = 1000);
4. one exact energy evaluation of a deep linear network (the inputs' floats as rationals):
   python-flint ``fmpq_mat`` against Python ``Fraction`` matrices, and the exact energy
   polynomial of a reference segment.

5. ``--baseline COMMIT``: the same in-process check timed on a ``git archive`` of COMMIT
   (e.g. ee713ed) in the same run — two persistent processes taking turns, block by block —
   for a ratio that does not depend on the machine's load.

Usage: python benchmarks/bench_linear.py [--instances 1000] [--skip-cli] [--baseline COMMIT]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.timing import best_of


def _cpu_children() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def bench_cli(instances: int, executor: str) -> dict[str, float]:
    """One ``sublevel verify`` run. With ``--executor inline`` the work happens in the
    subprocess itself, so its CPU time (RUSAGE_CHILDREN) is the cost per core; the process
    pool's worker is a grandchild whose CPU time is not reported back."""
    exe = shutil.which("sublevel")
    cmd = [exe] if exe else [sys.executable, "-m", "sublevel.proofs_checks.cli"]
    with tempfile.TemporaryDirectory() as out:
        args = [
            *cmd,
            "verify",
            "bf16.prop2.2.linear",
            "--instances",
            str(instances),
            "--workers",
            "1",
            "--executor",
            executor,
            "--out",
            out,
            "--quiet",
            "--no-figures",
        ]
        cpu0, t0 = _cpu_children(), time.perf_counter()
        proc = subprocess.run(args, capture_output=True, text=True)
        wall, cpu = time.perf_counter() - t0, _cpu_children() - cpu0
        if proc.returncode != 0:
            raise SystemExit(f"verify failed ({proc.returncode}): {proc.stderr[-400:]}")
        report = json.load(open(os.path.join(out, "report.json")))
        claim = report["claims"][0]
        per_claim = report["wall_time_per_claim"]["bf16.prop2.2.linear"]
    return {
        "wall": wall,
        "cpu": cpu,
        "status": claim["status"],
        "verified": claim["verified"],
        "check_time": per_claim,
    }


def bench_inprocess(n: int) -> dict[str, float]:
    from sublevel.numerics.energies.linear import DeepLinear, flatten
    from sublevel.numerics.paths.linear import certify_linear_path, connect, descend
    from sublevel.numerics.paths.linear_certify import ArbMoments
    from sublevel.numerics.paths.linear_exact import (
        ExactMoments,
        certify_exact_path,
        connect_exact,
        descend_exact,
    )
    from sublevel.proofs_checks.checks.linear import (
        N_DENSE,
        _float_descent_sampled,
        _linear_instance,
        _widths,
        prop22_linear,
    )

    widths = _widths(3, 4, 4, 6)
    prop22_linear(0, 3, 4, 4, 6, 20, 0.25)  # warm-up (imports)
    c0, t0 = time.process_time(), time.perf_counter()
    for s in range(n):
        prop22_linear(s, 3, 4, 4, 6, 20, 0.25)
    total_cpu, total_wall = time.process_time() - c0, time.perf_counter() - t0
    stages = {
        "exact connect + certify": 0.0,
        "exact descend + certify": 0.0,
        "float connect": 0.0,
        "float certify connect": 0.0,
        "float descend + dense check": 0.0,
    }
    for s in range(n):
        inst = _linear_instance(s, widths, 20, 0.25)
        X, Y, wa, wb = inst["X"], inst["Y"], inst["wa"], inst["wb"]
        E = DeepLinear(widths, X, Y)
        c = time.process_time()
        mom = ExactMoments.from_data(X, Y)
        certify_exact_path(connect_exact(wa, wb, X, Y, moments=mom))
        stages["exact connect + certify"] += time.process_time() - c
        c = time.process_time()
        certify_exact_path(descend_exact(wa, X, Y, moments=mom))
        stages["exact descend + certify"] += time.process_time() - c
        c = time.process_time()
        path = connect(wa, wb, X, Y)
        stages["float connect"] += time.process_time() - c
        c = time.process_time()
        certify_linear_path(  # as the check does it
            path,
            X,
            Y,
            max(E.energy(flatten(wa)), E.energy(flatten(wb))),
            n_dense=N_DENSE,
            moments=ArbMoments(X, Y),
            landscape=E,
        )
        stages["float certify connect"] += time.process_time() - c
        c = time.process_time()
        _float_descent_sampled(descend(wa, X, Y), E, E.energy(flatten(wa)))
        stages["float descend + dense check"] += time.process_time() - c
    return {
        "cpu_per_instance": total_cpu / n,
        "wall_per_instance": total_wall / n,
        **{k: v / n for k, v in stages.items()},
    }


_WORKER = """
import sys, time
sys.path.insert(0, {root!r})
from sublevel.proofs_checks.checks.linear import prop22_linear
for s in range(3):
    prop22_linear(s, 3, 4, 4, 6, 20, 0.25)
for line in sys.stdin:
    b = int(line)
    c0 = time.process_time()
    for s in range(b * {n}, (b + 1) * {n}):
        prop22_linear(s, 3, 4, 4, 6, 20, 0.25)
    print((time.process_time() - c0) / {n}, flush=True)
"""


def bench_versions(commit: str, n: int, blocks: int = 8) -> dict[str, float]:
    """CPU per instance of the in-process check at ``commit`` (a git archive in a temporary
    folder) and in this working tree: two persistent processes take turns, block by block
    (``n`` instances each, the same seeds for both), so that a change of the machine's speed
    hits both alike; the ratio is the median of the blocks' ratios."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", root, "archive", commit], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        procs = {
            name: subprocess.Popen(
                [sys.executable, "-c", _WORKER.format(root=where, n=n)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=where,
            )
            for name, where in (("baseline", tmp), ("current", root))
        }
        times: dict[str, list[float]] = {"baseline": [], "current": []}
        try:
            for b in range(blocks):
                for name, proc in procs.items():
                    assert proc.stdin is not None and proc.stdout is not None
                    proc.stdin.write(f"{b}\n")
                    proc.stdin.flush()
                    times[name].append(float(proc.stdout.readline()))
        finally:
            for proc in procs.values():
                if proc.stdin is not None:
                    proc.stdin.close()
                proc.wait()
    ratios = sorted(c / b for c, b in zip(times["current"], times["baseline"]))
    return {
        "baseline": float(np.median(times["baseline"])),
        "current": float(np.median(times["current"])),
        "ratio": float(np.median(ratios)),
        "blocks": blocks,
    }


def bench_batched(T: int = 1000, repeats: int = 5) -> dict[str, float]:
    from sublevel.numerics.energies.linear import DeepLinear

    rng = np.random.default_rng(0)
    widths = [4, 6, 6, 4]
    E = DeepLinear(widths, rng.normal(size=(20, 4)), rng.normal(size=(20, 4)))
    thetas = rng.normal(size=(T, E.dim))
    E.energies(thetas[:2])
    best_batch, best_loop = np.inf, np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        batch = E.energies(thetas)
        best_batch = min(best_batch, time.perf_counter() - t)
        t = time.perf_counter()
        loop = np.array([E.energy(th) for th in thetas])
        best_loop = min(best_loop, time.perf_counter() - t)
    assert np.allclose(batch, loop, rtol=1e-12)
    return {"batched": best_batch, "loop": best_loop, "ratio": best_loop / best_batch, "T": T}


def bench_exact(n: int = 50) -> dict[str, float]:
    """One exact energy E(θ) = (1/L)Σ‖W_3W_2W_1x_l − y_l‖² (widths [4, 6, 6, 4], L = 20):
    fmpq_mat products against Fraction list-of-lists products; and the exact energy
    polynomial of one moving layer (a pre-processing piece)."""
    from fractions import Fraction

    from sublevel.numerics.paths.exact_linalg import qmat
    from sublevel.numerics.paths.linear_exact import ExactMoments, exact_energy_polynomial

    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(20, 4)), rng.normal(size=(20, 4))
    ws = [rng.normal(size=(6, 4)), rng.normal(size=(6, 6)), rng.normal(size=(4, 6))]

    def flint_energy() -> object:
        mom = ExactMoments.from_data(X, Y)
        P = qmat(ws[0])
        for W in ws[1:]:
            P = qmat(W) * P
        return mom.energy(P)

    def fraction_energy() -> Fraction:
        def fm(A):
            return [[Fraction(float(v)) for v in row] for row in A]

        def mul(A, B):
            return [
                [
                    sum((A[i][k] * B[k][j] for k in range(len(B))), Fraction(0))
                    for j in range(len(B[0]))
                ]
                for i in range(len(A))
            ]

        Z = fm(X.T)
        for W in ws:
            Z = mul(fm(W), Z)
        R = [[z - y for z, y in zip(rz, ry)] for rz, ry in zip(Z, fm(Y.T))]
        return sum((v * v for row in R for v in row), Fraction(0)) / 20

    a = flint_energy()
    assert Fraction(int(a.p), int(a.q)) == fraction_energy()
    t_flint = best_of(flint_energy, repeat=n)
    t_frac = best_of(fraction_energy, repeat=max(3, n // 10))
    mom = ExactMoments.from_data(X, Y)
    qa = [qmat(W) for W in ws]
    qb = [qa[0], qmat(rng.normal(size=(6, 6))), qa[2]]
    t_poly = best_of(lambda: exact_energy_polynomial(mom, qa, qb), repeat=n)
    return {"flint": t_flint, "fraction": t_frac, "ratio": t_frac / t_flint, "poly": t_poly}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=int, default=1000)
    ap.add_argument("--inprocess", type=int, default=100)
    ap.add_argument("--skip-cli", action="store_true")
    ap.add_argument("--baseline", default="", help="a commit to compare the in-process check with")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")

    b = bench_batched()
    print(
        f"\n[batched energies] widths [4, 6, 6, 4], L = 20, T = {b['T']}: batched "
        f"{b['batched'] * 1e3:.2f} ms, loop {b['loop'] * 1e3:.2f} ms -> ratio {b['ratio']:.0f}x "
        f"(target >= 10x)"
    )

    e = bench_exact()
    print(
        f"\n[exact energy, widths [4, 6, 6, 4], L = 20] fmpq_mat {e['flint'] * 1e3:.3f} ms, "
        f"Fraction {e['fraction'] * 1e3:.2f} ms -> ratio {e['ratio']:.0f}x; exact energy "
        f"polynomial of one moving layer {e['poly'] * 1e3:.3f} ms"
    )

    p = bench_inprocess(args.inprocess)
    print(
        f"\n[bf16.prop2.2.linear in-process, {args.inprocess} instances] "
        f"{p['cpu_per_instance'] * 1e3:.1f} ms CPU / instance "
        f"({1 / p['cpu_per_instance']:.0f} instances per CPU-second), "
        f"{p['wall_per_instance'] * 1e3:.1f} ms wall"
    )
    exact = p["exact connect + certify"] + p["exact descend + certify"]
    for k in (
        "exact connect + certify",
        "exact descend + certify",
        "float connect",
        "float certify connect",
        "float descend + dense check",
    ):
        print(f"    {k:28s} {p[k] * 1e3:6.2f} ms CPU")
    print(f"    the exact reference path is {exact / p['cpu_per_instance']:.0%} of the check's CPU")

    if args.baseline:
        v = bench_versions(args.baseline, 20, blocks=max(4, args.inprocess // 10))
        print(
            f"\n[in-process check, {v['blocks']} alternating blocks of 20 instances, medians] "
            f"{args.baseline}: {v['baseline'] * 1e3:.1f} ms CPU, this tree: "
            f"{v['current'] * 1e3:.1f} ms CPU -> ratio {v['ratio']:.2f}"
        )

    if not args.skip_cli:
        for executor in ("inline", "process"):
            c = bench_cli(args.instances, executor)
            cpu = (
                (
                    f"CPU {c['cpu']:.1f} s -> {args.instances / c['cpu']:.0f} instances per "
                    f"CPU-second (one core; target >= 50)"
                )
                if executor == "inline"
                else "CPU of the pool worker not measurable from here"
            )
            print(
                f"\n[sublevel verify bf16.prop2.2.linear --instances {args.instances} --workers 1 "
                f"--executor {executor}] status {c['status']} ({c['verified']} verified); wall "
                f"{c['wall']:.1f} s -> {args.instances / c['wall']:.0f} instances/s; {cpu}; sum "
                f"of per-instance wall times {c['check_time']:.1f} s"
            )


if __name__ == "__main__":
    main()
