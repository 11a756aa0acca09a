#!/usr/bin/env python3
"""Compare two `sublevel verify --out` folders, ignoring timings and environment.

Usage: python benchmarks/compare_reports.py OUT_A OUT_B [--rtol R] [--max N]

Used to check that a refactor leaves the default `sublevel verify` report unchanged (issue 13).

Compares OUT/report.json (claim ids and order, statuses, instance counts, worst
instances, margins, certificate/deciding methods, negative controls, figures ...),
OUT/evidence.jsonl when both folders have it (every per-instance record: outcome,
margin, methods, certificates, details, keyed by claim/role/index) and OUT/run.json.
Ignored anywhere in the tree: timing/elapsed/date/host/version/path-of-output fields
(see IGNORED_KEYS / IGNORED_SUFFIXES). Floats compare exactly unless --rtol is given
(NaN equals NaN). Prints one line per difference; exit 0 if identical apart from the
ignored fields, 1 otherwise (2 on usage / missing files).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

IGNORED_KEYS = {
    "elapsed",
    "wall_time",
    "wall_time_per_claim",
    "versions",
    "version",
    "date",
    "datetime",
    "timestamp",
    "time",
    "timing",
    "timings",
    "duration",
    "seconds",
    "seconds_setup",
    "certify_seconds",
    "started",
    "finished",
    "start_time",
    "end_time",
    "host",
    "hostname",
    "cwd",
    "out",
    "out_dir",
    "output_dir",
}
IGNORED_SUFFIXES = ("_seconds", "_elapsed", "_wall_time", "_timestamp", "_date")


def ignored(key: str) -> bool:
    k = key.lower()
    return k in IGNORED_KEYS or k.endswith(IGNORED_SUFFIXES)


def same_scalar(a, b, rtol: float) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        if a == b:
            return True
        if rtol > 0 and math.isfinite(a) and math.isfinite(b):
            return abs(a - b) <= rtol * max(abs(a), abs(b))
        return False
    return type(a) is type(b) and a == b


def short(x) -> str:
    s = json.dumps(x, ensure_ascii=False, sort_keys=True)
    return s if len(s) <= 160 else s[:157] + "..."


def diff(a, b, where: str, out: list[str], rtol: float, dir_a: str, dir_b: str) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if ignored(str(k)):
                continue
            w = f"{where}.{k}" if where else str(k)
            if k not in a:
                out.append(f"{w}: only in B = {short(b[k])}")
            elif k not in b:
                out.append(f"{w}: only in A = {short(a[k])}")
            else:
                diff(a[k], b[k], w, out, rtol, dir_a, dir_b)
        return
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{where}: list length {len(a)} != {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f"{where}[{i}]", out, rtol, dir_a, dir_b)
        return
    if isinstance(a, str) and isinstance(b, str) and dir_a and dir_b:
        # an absolute path to the output folder itself is an environment field
        if a.replace(dir_a, "<OUT>") == b.replace(dir_b, "<OUT>"):
            return
    if not same_scalar(a, b, rtol):
        out.append(f"{where}: A = {short(a)}  B = {short(b)}")


def label_claims(report: dict) -> dict:
    """Key the report's claim list by id, so a difference names the claim."""
    claims = report.get("claims")
    if isinstance(claims, list) and all(isinstance(c, dict) and "id" in c for c in claims):
        report = dict(report)
        report["claim_order"] = [c["id"] for c in claims]
        report["claims"] = {c["id"]: c for c in claims}
    return report


def load_evidence(path: Path) -> dict:
    records: dict[str, dict] = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        r = json.loads(line)
        key = f"{r.get('claim')}/{r.get('role')}/{r.get('index')}"
        if key in records:
            key = f"{key}#line{n}"
        records[key] = r
    return records


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_a")
    ap.add_argument("out_b")
    ap.add_argument(
        "--rtol", type=float, default=0.0, help="relative tolerance for floats (default exact)"
    )
    ap.add_argument("--max", type=int, default=0, help="print at most N differences (0: all)")
    args = ap.parse_args()
    A, B = Path(args.out_a), Path(args.out_b)
    dir_a, dir_b = str(A.resolve()), str(B.resolve())
    diffs: list[str] = []
    for name in ("report.json", "run.json"):
        fa, fb = A / name, B / name
        if not fa.exists() or not fb.exists():
            if name == "report.json":
                print(f"missing {fa if not fa.exists() else fb}", file=sys.stderr)
                return 2
            if fa.exists() != fb.exists():
                diffs.append(f"{name}: only in {'A' if fa.exists() else 'B'}")
            continue
        ja, jb = json.loads(fa.read_text()), json.loads(fb.read_text())
        if name == "report.json":
            ja, jb = label_claims(ja), label_claims(jb)
        diff(ja, jb, name, diffs, args.rtol, dir_a, dir_b)
    ea, eb = A / "evidence.jsonl", B / "evidence.jsonl"
    if ea.exists() and eb.exists():
        diff(load_evidence(ea), load_evidence(eb), "evidence", diffs, args.rtol, dir_a, dir_b)
    elif ea.exists() != eb.exists():
        print(f"note: evidence.jsonl only in {'A' if ea.exists() else 'B'}; not compared")
    shown = diffs if args.max <= 0 else diffs[: args.max]
    for d in shown:
        print(d)
    if len(shown) < len(diffs):
        print(f"... and {len(diffs) - len(shown)} more")
    if diffs:
        print(f"DIFFERENT: {len(diffs)} difference(s)")
        return 1
    print("IDENTICAL (apart from timing/environment fields)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
