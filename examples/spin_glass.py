"""The spherical p-spin glass landscape, measured (issue 8; papers.md §7 and C18).

    python examples/spin_glass.py --out spin-glass-out     # the full run (≈ 10–20 min, 2 cores)
    python examples/spin_glass.py --out /tmp/sg --quick            # a tiny run (seconds)

Writes to ``--out``: ``results.json`` (every number below), ``theta_curves.png`` (Θ_{k,p}(u),
k = 0…3, and Θ_p(u) with −E_0…−E_3 and −E_∞ marked), ``minima_histogram.png`` (H/N at the
minima reached by Riemannian L-BFGS from random starts, one panel per N, −E_0 and −E_∞ marked)
and ``critical_counts.png`` (log of the mean number of critical points against N, with the
slope ½log(p−1) of the total complexity). It prints:

1. the §7 table recomputed (E_∞, E_0…E_3, Θ_{0,p}(−E_∞), Θ_p(0) for p = 3, 4, 5, 10) and the
   consistency checks of :func:`sublevel.theory.spin_glass.consistency`;
2. the Monte Carlo of minima energies for N ∈ ``--sizes`` (p = ``--p``): mean, spread,
   extremes, and the finite-N trend of the gap mean − (−E_∞) fitted as a·N^{−b};
3. critical points at small N (mode-following Newton from many starts, de-duplicated by
   overlap R > 0.99, closed under σ ↦ −σ): mean counts per index, log(count)/N against
   Θ_p(+∞) = ½log(p−1) and Θ_{0,p} qualitatively;
4. the energy-barrier picture: between pairs of distinct minima at N = ``--barrier-N``, the lowest
   level where DSS (``sublevel.numerics.geodesic.dss``) connected them (bisection), the barrier above the
   higher endpoint, the normalised length on the sphere, and whether each segment of the string
   was certified exactly. DSS runs on the landscape seen through σ ↦ √N σ/‖σ‖ (a straight
   chord between two points of the sphere leaves it; its projection is a great-circle arc).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np


def formulas_section(ps: tuple[int, ...] = (3, 4, 5, 10)) -> dict[str, Any]:
    from sublevel.theory import spin_glass as sgt

    table = sgt.threshold_table(ps)
    cons = {p: sgt.consistency(p) for p in ps}
    return {
        "table": {str(p): row for p, row in table.items()},
        "disagreements_with_recalled_table": sgt.compare_with_recalled(),
        "consistency": {
            str(p): {"holds": c.holds, "checks": c.checks, "residuals": c.residuals}
            for p, c in cons.items()
        },
        "symbolic_identities": sgt.symbolic_identities(),
    }


def plot_theta_curves(p: int, file: Path, k_max: int = 3) -> Path:
    """Θ_{k,p}(u) for k = 0…k_max and Θ_p(u), thresholds −E_k and −E_∞ marked: the whole range
    (left) and the layered window [−E_0, −E_∞] (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sublevel.theory import spin_glass as sgt

    e_inf = float(sgt.E_infinity(p))
    eks = [float(x) for x in sgt.thresholds(p, k_max)]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
    windows = [
        (-eks[0] - 0.15, 0.3),
        (-eks[0] - 0.25 * (eks[0] - e_inf), -e_inf + 0.3 * (eks[0] - e_inf)),
    ]
    for ax, (lo, hi) in zip(axes, windows):
        us = np.linspace(lo, hi, 500)
        for k in range(k_max + 1):
            ax.plot(
                us, [float(sgt.theta_kp(u, k, p)) for u in us], label=rf"$\Theta_{{{k},{p}}}(u)$"
            )
        ax.plot(
            us,
            [float(sgt.theta_p(u, p)) for u in us],
            "k--",
            label=rf"$\Theta_{{{p}}}(u)$ (all indices)",
        )
        ax.axhline(0.0, color="grey", lw=0.8)
        ax.axvline(-e_inf, color="red", lw=1.0, label=rf"$-E_\infty$ = {-e_inf:.4f}")
        for ek in eks:
            ax.axvline(-ek, color="tab:blue", lw=0.6, ls=":")
        ax.set_xlabel("u (energy per spin)")
        ax.set_xlim(lo, hi)
    axes[0].set_ylim(-0.1, math.log(p - 1) / 2 + 0.05)
    axes[0].set_ylabel(r"complexity $\lim\,\frac{1}{N}\log\mathbb{E}\,\mathrm{Crt}$")
    axes[0].set_title(f"spherical {p}-spin (ABC'13, recalled formulas)")
    plateau = float(sgt.theta_kp(-e_inf, 0, p))
    axes[1].set_ylim(-0.6 * plateau, 1.6 * plateau)
    for k, ek in enumerate(eks):
        axes[1].annotate(rf"$-E_{k}$", (-ek, -0.5 * plateau), fontsize=8, ha="center")
    axes[1].set_title(r"the layers: $\Theta_{k,p}(-E_k) = 0$, $E_0 > E_1 > \dots > E_\infty$")
    axes[1].legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(file, dpi=120)
    plt.close(fig)
    return file


def minima_monte_carlo(
    sizes: list[int], p: int, starts: int, disorders: list[int], seed: int, threads: int | None = 1
) -> dict[str, Any]:
    """Batched Riemannian L-BFGS from ``starts`` random points on ``disorders[i]`` disorders at
    N = sizes[i]; the local minima's H/N (converged, index 0)."""
    from sublevel.numerics.energies.spin_glass import SpinGlass
    from sublevel.numerics.sphere import blas_threads
    from sublevel.numerics.sphere_minima import sample_minima
    from sublevel.theory import spin_glass as sgt

    e0, e_inf = float(sgt.threshold(0, p)), float(sgt.E_infinity(p))
    out: dict[str, Any] = {"p": p, "E_0": e0, "E_inf": e_inf, "sizes": {}}
    for N, n_dis in zip(sizes, disorders):
        t0 = time.perf_counter()
        energies, per_disorder, conv, saddles = [], [], 0, 0
        for d in range(n_dis):
            land = SpinGlass(N, p, seed + 1000 * N + d)
            with blas_threads(threads):
                sample = sample_minima(land, starts, seed + d, method="lbfgs-batch")
            e = sample.energies / N
            energies.extend(e.tolist())
            per_disorder.append(float(np.mean(e)) if e.size else math.nan)
            conv += sample.n_converged
            saddles += sample.n_saddles
        e = np.array(energies)
        out["sizes"][str(N)] = {
            "energies_per_spin": e.tolist(),
            "n_minima": int(e.size),
            "n_starts": starts * n_dis,
            "n_converged": conv,
            "n_saddles_reached": saddles,
            "disorders": n_dis,
            "mean": float(e.mean()),
            "sd": float(e.std(ddof=1)) if e.size > 1 else math.nan,
            "median": float(np.median(e)),
            "min": float(e.min()),
            "max": float(e.max()),
            "q05_q95": [float(q) for q in np.quantile(e, [0.05, 0.95])],
            "mean_per_disorder": per_disorder,
            "stderr_of_mean": float(np.std(per_disorder, ddof=1) / math.sqrt(n_dis))
            if n_dis > 1
            else float(e.std(ddof=1) / math.sqrt(e.size)),
            "below_minus_E0": int(np.sum(e < -e0)),
            "below_minus_Einf": int(np.sum(e < -e_inf)),
            "seconds": time.perf_counter() - t0,
        }
        _progress(f"minima at N = {N}: {e.size} in {time.perf_counter() - t0:.0f} s")
    Ns = np.array(sizes, dtype=float)
    gaps = np.array([out["sizes"][str(N)]["mean"] + e_inf for N in sizes])
    if len(sizes) >= 2 and np.all(gaps > 0):
        b, log_a = np.polyfit(np.log(Ns), np.log(gaps), 1)
        out["trend"] = {
            "gap_mean_plus_Einf": gaps.tolist(),
            "fit": f"{math.exp(log_a):.3f}·N^{b:.3f}",
            "exponent": float(b),
            "prefactor": float(math.exp(log_a)),
            "monotone": bool(np.all(np.diff(gaps) < 0)),
        }
    else:
        out["trend"] = {"gap_mean_plus_Einf": gaps.tolist()}
    return out


def plot_minima_histogram(mc: dict[str, Any], file: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = list(mc["sizes"])
    fig, axes = plt.subplots(len(sizes), 1, figsize=(8, 1.9 * len(sizes) + 0.8), sharex=True)
    axes = np.atleast_1d(axes)
    lo = min(min(v["energies_per_spin"]) for v in mc["sizes"].values())
    bins = np.linspace(min(lo, -mc["E_0"]) - 0.02, -mc["E_inf"] + 0.35, 70)
    for ax, N in zip(axes, sizes):
        v = mc["sizes"][N]
        ax.hist(v["energies_per_spin"], bins=bins, color="tab:blue", alpha=0.8)
        ax.axvline(-mc["E_0"], color="black", lw=1.2, label=f"−E_0 = {-mc['E_0']:.4f}")
        ax.axvline(-mc["E_inf"], color="red", lw=1.2, label=f"−E_∞ = {-mc['E_inf']:.4f}")
        ax.axvline(v["mean"], color="tab:orange", lw=1.0, ls="--", label=f"mean {v['mean']:.4f}")
        ax.set_ylabel(f"N = {N}\n({v['n_minima']} minima)", fontsize=8)
        ax.legend(fontsize=7, loc="upper right")
    axes[-1].set_xlabel("H/N at the minima reached by Riemannian L-BFGS from random starts")
    axes[0].set_title(f"spherical {mc['p']}-spin: energies of gradient-descent minima")
    fig.tight_layout()
    fig.savefig(file, dpi=120)
    plt.close(fig)
    return file


def critical_point_counts(
    sizes: list[int], p: int, disorders: int, starts: int, seed: int
) -> dict[str, Any]:
    """Mean numbers of critical points (by index) at small N, against the complexity."""
    from sublevel.numerics.energies.spin_glass import SpinGlass
    from sublevel.numerics.sphere import blas_threads
    from sublevel.numerics.sphere_critical import critical_points
    from sublevel.theory import spin_glass as sgt

    out: dict[str, Any] = {
        "p": p,
        "half_log_p_minus_1": math.log(p - 1) / 2,
        "theta_0p_plateau": float(sgt.theta_kp(0, 0, p)),
        "sizes": {},
    }
    for N in sizes:
        t0 = time.perf_counter()
        totals, by_index, minima_energies, saturation = [], [], [], []
        for d in range(disorders):
            land = SpinGlass(N, p, seed + 100 * N + d)
            with blas_threads(1):
                cp = critical_points(land, starts, seed + d, antipodal=True)
            totals.append(len(cp))
            by_index.append(np.bincount(cp.indices, minlength=N).tolist())
            minima_energies.extend((cp.energies[cp.indices == 0] / N).tolist())
            last = cp.discovery
            saturation.append(last[-1] - last[len(last) // 2] if len(last) > 1 else 0)
        mean_total = float(np.mean(totals))
        out["sizes"][str(N)] = {
            "counts": totals,
            "mean_total": mean_total,
            "log_mean_total_over_N": math.log(mean_total) / N,
            "mean_by_index": np.mean(by_index, axis=0).tolist(),
            "mean_minima": float(np.mean([b[0] for b in by_index])),
            "minima_energies_per_spin": minima_energies,
            "found_in_second_half_of_starts": saturation,
            "starts": starts,
            "seconds": time.perf_counter() - t0,
        }
        _progress(
            f"critical points at N = {N}: mean {mean_total:.1f} in {time.perf_counter() - t0:.0f} s"
        )
    Ns = np.array(sizes, dtype=float)
    logs = np.array([math.log(out["sizes"][str(N)]["mean_total"]) for N in sizes])
    if len(sizes) >= 2:
        slope = float(np.polyfit(Ns, logs, 1)[0])
        out["slope_log_mean_total_vs_N"] = slope
    return out


def plot_critical_counts(cc: dict[str, Any], file: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    Ns = np.array([int(n) for n in cc["sizes"]])
    tot = np.array([cc["sizes"][str(n)]["mean_total"] for n in Ns])
    mins = np.array([max(cc["sizes"][str(n)]["mean_minima"], 1e-9) for n in Ns])
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    ax.plot(Ns, np.log(tot), "o-", label="log mean #critical points (all indices)")
    ax.plot(Ns, np.log(mins), "s-", label="log mean #local minima")
    ref = np.log(tot[-1]) + cc["half_log_p_minus_1"] * (Ns - Ns[-1])
    ax.plot(Ns, ref, "k--", label=f"slope ½log(p−1) = {cc['half_log_p_minus_1']:.3f}")
    ref0 = np.log(mins[-1]) + cc["theta_0p_plateau"] * (Ns - Ns[-1])
    ax.plot(Ns, ref0, "k:", label=f"slope Θ_0,p(−E_∞) = {cc['theta_0p_plateau']:.3f}")
    ax.set_xlabel("N")
    ax.set_ylabel("log count")
    ax.set_title(f"critical points of the spherical {cc['p']}-spin at small N")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(file, dpi=120)
    plt.close(fig)
    return file


def barrier_picture(
    N: int, p: int, starts: int, pairs: int, seed: int, tol: float
) -> dict[str, Any]:
    """DSS connection levels between pairs of distinct minima of one disorder at N."""
    from sublevel.numerics.energies.spin_glass import SpinGlass
    from sublevel.numerics.energies.spin_glass_connection import connection_level
    from sublevel.numerics.sphere import blas_threads
    from sublevel.numerics.sphere_critical import deduplicate
    from sublevel.numerics.sphere_minima import sample_minima
    from sublevel.theory import spin_glass as sgt

    land = SpinGlass(N, p, seed)
    with blas_threads(1):
        sample = sample_minima(land, starts, seed, method="lbfgs-batch")
    keep = deduplicate(sample.points)
    pts, es = sample.points[keep], sample.energies[keep] / N
    order = np.argsort(es)
    pts, es = pts[order], es[order]
    n = len(es)
    wanted = [
        (0, 1),
        (0, n - 1),
        (1, 2),
        (n // 2, n // 2 + 1),
        (n - 2, n - 1),
        (0, n // 2),
        (2, 3),
        (1, n - 1),
    ]
    chosen: list[tuple[int, int]] = []
    for i, j in wanted:
        if 0 <= i < j < n and (i, j) not in chosen:
            chosen.append((i, j))
    rows = []
    for i, j in chosen[:pairs]:
        t0 = time.perf_counter()
        with blas_threads(1):
            c = connection_level(land, pts[i], pts[j], tol=tol)
        rows.append(
            {
                "pair": [i, j],
                "E_a": c.energies[0],
                "E_b": c.energies[1],
                "overlap": c.overlap,
                "arc_max": c.arc_max,
                "level": c.level,
                "failed_level": c.failed_level,
                "barrier": c.barrier,
                "beads": c.n_beads,
                "arc_normalized_length": c.arc_normalized_length,
                "chord_normalized_length": c.chord_normalized_length,
                "exact": c.exact,
                "dss_runs": len(c.runs),
                "seconds": time.perf_counter() - t0,
            }
        )
        _progress(
            f"barrier for pair {(i, j)}: level {c.level:.4f} in {time.perf_counter() - t0:.0f} s"
        )
    return {
        "N": N,
        "p": p,
        "seed": seed,
        "distinct_minima": n,
        "minima_energies": es.tolist(),
        "E_inf": float(sgt.E_infinity(p)),
        "E_0": float(sgt.threshold(0, p)),
        "pairs": rows,
    }


def _progress(message: str) -> None:
    import sys

    print(f"[spin_glass] {message}", file=sys.stderr, flush=True)


def _failed(level: float) -> str:
    return (
        "every lower level tried also connected"
        if not math.isfinite(level)
        else f"not connected within depth at {level:.4f}"
    )


def _print_summary(res: dict[str, Any]) -> None:
    f = res["formulas"]
    print("§7 table recomputed (30 digits, shown to 6):")
    for p, row in f["table"].items():
        print(f"  p = {p:>2}: " + "  ".join(f"{k} {v:.6f}" for k, v in row.items()))
    print(
        f"  disagreements with the recalled table: {f['disagreements_with_recalled_table'] or 'none'}"
    )
    print(
        "  consistency: "
        + ", ".join(
            f"p={p}: {'ok' if c['holds'] else 'FAILED'}" for p, c in f["consistency"].items()
        )
    )
    mc = res["minima"]
    print(f"minima of the {mc['p']}-spin (−E_0 = {-mc['E_0']:.4f}, −E_∞ = {-mc['E_inf']:.4f}):")
    for N, v in mc["sizes"].items():
        print(
            f"  N = {N:>4}: {v['n_minima']:>4} minima ({v['disorders']} disorders), mean {v['mean']:.4f} "
            f"± {v['stderr_of_mean']:.4f}, sd {v['sd']:.4f}, median {v['median']:.4f}, "
            f"range [{v['min']:.4f}, {v['max']:.4f}], below −E_0: {v['below_minus_E0']}, "
            f"below −E_∞: {v['below_minus_Einf']} ({v['seconds']:.0f} s)"
        )
    print(f"  trend of mean + E_∞: {mc['trend']}")
    cc = res["critical_points"]
    print(f"critical points (mean over disorders; ½log(p−1) = {cc['half_log_p_minus_1']:.4f}):")
    for N, v in cc["sizes"].items():
        print(
            f"  N = {N:>3}: total {v['mean_total']:.1f} (log/N {v['log_mean_total_over_N']:.3f}), "
            f"minima {v['mean_minima']:.2f}, by index {np.round(v['mean_by_index'], 1).tolist()}"
        )
    if "slope_log_mean_total_vs_N" in cc:
        print(f"  slope of log mean total against N: {cc['slope_log_mean_total_vs_N']:.3f}")
    bp = res["barriers"]
    print(f"barriers at N = {bp['N']} ({bp['distinct_minima']} distinct minima):")
    for r in bp["pairs"]:
        print(
            f"  pair {r['pair']}: E {r['E_a']:.4f}, {r['E_b']:.4f}; R = {r['overlap']:+.3f}; arc max "
            f"{r['arc_max']:.4f}; DSS level {r['level']:.4f} ({_failed(r['failed_level'])}); "
            f"barrier {r['barrier']:.4f}; beads {r['beads']}; length on sphere "
            f"{r['arc_normalized_length']:.3f}; exact {r['exact']}"
        )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(
        description="spherical p-spin: formulas, minima, critical points, barriers"
    )
    ap.add_argument("--out", required=True, help="output folder (created)")
    ap.add_argument("--p", type=int, default=3)
    ap.add_argument("--sizes", default="50,100,200,400")
    ap.add_argument("--starts", type=int, default=64, help="random starts per disorder")
    ap.add_argument("--disorders", default="12,6,3,2", help="disorders per size")
    ap.add_argument("--count-sizes", default="6,8,10,12")
    ap.add_argument("--count-disorders", type=int, default=6)
    ap.add_argument("--count-starts", type=int, default=3000)
    ap.add_argument("--barrier-N", type=int, default=50)
    ap.add_argument("--barrier-starts", type=int, default=60)
    ap.add_argument("--barrier-pairs", type=int, default=8)
    ap.add_argument("--barrier-tol", type=float, default=0.005)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        help="BLAS threads for the minima Monte Carlo (0: the library's default; one "
        "thread is fastest on a busy machine, see benchmarks/bench_spin_glass.py)",
    )
    ap.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run)")
    args = ap.parse_args(argv)
    if args.quick:
        args.sizes, args.starts, args.disorders = "12,16", 6, "1,1"
        args.count_sizes, args.count_disorders, args.count_starts = "4,5", 1, 200
        args.barrier_N, args.barrier_starts, args.barrier_pairs, args.barrier_tol = 12, 8, 1, 0.05
    sizes = [int(s) for s in args.sizes.split(",") if s]
    disorders = [int(s) for s in args.disorders.split(",") if s]
    if len(disorders) != len(sizes):
        raise SystemExit(f"--disorders has {len(disorders)} entries for {len(sizes)} sizes")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    res: dict[str, Any] = {"args": vars(args)}
    res["formulas"] = formulas_section()
    plot_theta_curves(args.p, out / "theta_curves.png")
    res["minima"] = minima_monte_carlo(
        sizes, args.p, args.starts, disorders, args.seed, args.blas_threads or None
    )
    plot_minima_histogram(res["minima"], out / "minima_histogram.png")
    res["critical_points"] = critical_point_counts(
        [int(s) for s in args.count_sizes.split(",") if s],
        args.p,
        args.count_disorders,
        args.count_starts,
        args.seed,
    )
    plot_critical_counts(res["critical_points"], out / "critical_counts.png")
    res["barriers"] = barrier_picture(
        args.barrier_N, args.p, args.barrier_starts, args.barrier_pairs, args.seed, args.barrier_tol
    )
    res["seconds"] = time.perf_counter() - t0
    (out / "results.json").write_text(json.dumps(res, indent=1, default=float))
    _print_summary(res)
    print(
        f"written: {out / 'results.json'}, theta_curves.png, minima_histogram.png, "
        f"critical_counts.png ({res['seconds']:.0f} s)"
    )
    return res


if __name__ == "__main__":
    main()
