"""Sweep ``sublevel verify --seed S`` on the defaults (issue 12 §4): no theorem may be violated.

Runs ``sublevel verify --seed S --workers 1 --quiet --no-figures --out DIR/seed-S`` for each
seed, one after the other, and tabulates per seed the claims by status, every ``violated``
claim with its kind (a theorem's ``violated`` is a false alarm or a bug; a conjecture may show
counterexamples) and the wall time. Writes ``DIR/sweep.json`` and prints a Markdown table.

Run:  python benchmarks/sweep_verify.py [--seeds 0-19] [--out sweep-out] [ID ...]
      (about 1–3 minutes per seed on one core; run it in the background)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path


def _seeds(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def run_seed(seed: int, out: Path, claims: list[str]) -> dict:
    """One ``sublevel verify`` run; its claims' statuses from report.json."""
    folder = out / f"seed-{seed}"
    cmd = [
        sys.executable,
        "-m",
        "sublevel.proofs_checks.cli",
        "verify",
        *claims,
        "--seed",
        str(seed),
        "--workers",
        "1",
        "--quiet",
        "--no-figures",
        "--out",
        str(folder),
    ]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    row = {
        "seed": seed,
        "exit_code": proc.returncode,
        "seconds": round(seconds, 1),
        "statuses": {},
        "violated": [],
        "stderr_tail": proc.stderr[-500:],
    }
    report = folder / "report.json"
    if report.exists():
        from sublevel.theory.claims import get_claim

        data = json.loads(report.read_text())
        for c in data.get("claims", []):
            row["statuses"][c["status"]] = row["statuses"].get(c["status"], 0) + 1
            if c["status"] == "violated":
                row["violated"].append({"id": c["id"], "kind": get_claim(c["id"]).kind})
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0-19")
    ap.add_argument("--out", default="sweep-out")
    ap.add_argument("claims", nargs="*")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for seed in _seeds(args.seeds):
        rows.append(run_seed(seed, out, args.claims))
        (out / "sweep.json").write_text(json.dumps(rows, indent=2))
        r = rows[-1]
        print(
            f"seed {seed}: exit {r['exit_code']}, {r['seconds']} s, {r['statuses']}, "
            f"violated {r['violated']}",
            flush=True,
        )
    # every kind but 'conjecture' states something proven (identity, constructive, numerical,
    # refutation): a 'violated' there is a false alarm or a bug
    theorems = [
        (r["seed"], v["id"]) for r in rows for v in r["violated"] if v["kind"] != "conjecture"
    ]
    print("\n| seed | exit | seconds | statuses | violated (kind) |\n|---|---|---|---|---|")
    for r in rows:
        v = ", ".join(f"{x['id']} ({x['kind']})" for x in r["violated"]) or "—"
        s = ", ".join(f"{k} {n}" for k, n in sorted(r["statuses"].items()))
        print(f"| {r['seed']} | {r['exit_code']} | {r['seconds']} | {s} | {v} |")
    print(f"\nviolated theorems: {theorems or 'none'}")
    return 1 if theorems else 0


if __name__ == "__main__":
    sys.exit(main())
