"""Aggregate evidence into per-claim reports; write report.json and report.md.

A claim's ``status`` (DESIGN.md):
``verified`` (constructive/identity: every instance certified), ``supported`` (numerical or
conjecture: no failure found), ``refuted`` (refutation: the false statement shown false, as
expected), ``counterexample`` (conjecture: one was found — a finding, reported loudly),
``violated`` (an instance contradicts a theorem: a bug or a wrong statement), ``inconclusive``,
``not implemented``. A negative control that *missed* its broken hypothesis makes the check
untrustworthy: the claim is then ``inconclusive`` (unless violated).
"""

from __future__ import annotations

import json
import math
import platform
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from proofs_checks.registry import CHECKS
from theory.claims import get_claim

__all__ = ["build_report", "claim_report", "write_reports", "versions", "STATUS_ORDER"]

STATUS_ORDER = (
    "violated",
    "counterexample",
    "inconclusive",
    "not implemented",
    "refuted",
    "supported",
    "verified",
)

_PASS_STATUS = {
    "constructive": "verified",
    "identity": "verified",
    "numerical": "supported",
    "conjecture": "supported",
    "refutation": "refuted",
}

#: top-level keys that hold timings (differ between otherwise identical runs)
TIMING_KEYS = ("wall_time_per_claim", "elapsed")


def versions() -> dict[str, str]:
    """Versions of Python and the packages the results depend on."""
    out = {"python": platform.python_version()}
    for name in ("sublevel", "numpy", "scipy", "sympy", "cvxpy", "torch", "dask"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def _margin(value: Any) -> float | None:
    if value is None:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if not math.isnan(v) else None


def claim_report(claim_id: str, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The aggregate of one claim's evidence records."""
    claim = get_claim(claim_id)
    instances = sorted((r for r in records if r["role"] == "instance"), key=lambda r: r["index"])
    controls = [r for r in records if r["role"] == "negative_control"]
    counts = {k: sum(r["outcome"] == k for r in instances) for k in ("verified", "violated", "inconclusive")}
    errors = [r for r in instances if r.get("error")]
    margins = [(m, r) for r in instances if (m := _margin(r.get("margin"))) is not None]
    worst = min(margins, key=lambda mr: mr[0]) if margins else None
    methods = sorted({c["method"] for r in instances for c in r.get("certificates", [])}
                     | {m for r in instances for m in r.get("methods", [])})

    implemented = claim_id in CHECKS
    if controls:
        ctl = controls[0]
        negative = {
            "ran": True,
            "outcome": ctl["outcome"],
            "detected": ctl["outcome"] == "detected",
            "message": ctl.get("message", ""),
            "seed": ctl["seed"],
        }
    elif implemented and CHECKS[claim_id].negative_control is not None:
        negative = {"ran": False, "outcome": "not run", "detected": None, "message": ""}
    else:
        negative = {"ran": False, "outcome": "none", "detected": None,
                    "message": "no negative control registered" if implemented else ""}

    n = len(instances)
    if not implemented:
        status = "not implemented"
    elif counts["violated"]:
        status = "counterexample" if claim.kind == "conjecture" else "violated"
    elif n and counts["verified"] == n and negative["outcome"] in ("detected", "none"):
        status = _PASS_STATUS[claim.kind]
    else:
        status = "inconclusive"

    report: dict[str, Any] = {
        "id": claim_id,
        "kind": claim.kind,
        "status": status,
        "instances": n,
        "verified": counts["verified"],
        "violated": counts["violated"],
        "inconclusive": counts["inconclusive"],
        "errors": len(errors),
        "worst_margin": worst[0] if worst else None,
        "certificate_methods": methods,
        "negative_control": negative,
        "source": claim.source,
        "statement": claim.statement,
    }
    if worst:
        r = worst[1]
        report["worst_instance"] = {
            "index": r["index"],
            "seed": r["seed"],
            "margin": worst[0],
            "instance": r.get("instance", {}),
            "message": r.get("message", ""),
        }
    failing = [r for r in instances if r["outcome"] != "verified"][:5]
    if failing:
        report["failing_instances"] = [
            {"index": r["index"], "seed": r["seed"], "outcome": r["outcome"],
             "message": r.get("message", ""), "error": r.get("error")}
            for r in failing
        ]
    if claim.notes:
        report["notes"] = list(claim.notes)
    return report


def build_report(
    claim_ids: Sequence[str],
    records: Sequence[dict[str, Any]],
    *,
    seed: int,
    instances: int | None,
    elapsed: float,
    complete: bool = True,
) -> dict[str, Any]:
    """The whole run's report (report.json's content)."""
    by_claim: dict[str, list[dict[str, Any]]] = {cid: [] for cid in claim_ids}
    for r in records:
        by_claim.setdefault(r["claim"], []).append(r)
    claims = [claim_report(cid, by_claim[cid]) for cid in claim_ids]
    summary: dict[str, int] = {}
    for c in claims:
        summary[c["status"]] = summary.get(c["status"], 0) + 1
    return {
        "sublevel_report": 1,
        "seed": seed,
        "instances_requested": instances,
        "complete": complete,
        "versions": versions(),
        "summary": dict(sorted(summary.items())),
        "claims": claims,
        "wall_time_per_claim": {
            cid: round(sum(float(r.get("wall_time", 0.0)) for r in by_claim[cid]), 6)
            for cid in claim_ids
        },
        "elapsed": round(elapsed, 6),
    }


def _fmt(x: Any) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:.3g}"
    return str(x)


def render_markdown(report: dict[str, Any]) -> str:
    """report.md: a summary table, then one section per claim."""
    lines = [
        "# sublevel verification report",
        "",
        f"Seed {report['seed']}; versions: "
        + ", ".join(f"{k} {v}" for k, v in report["versions"].items()),
        "",
        "| claim | kind | status | instances | verified | violated | inconclusive | worst margin "
        "| methods | negative control |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in report["claims"]:
        lines.append(
            f"| `{c['id']}` | {c['kind']} | **{c['status']}** | {c['instances']} | {c['verified']} "
            f"| {c['violated']} | {c['inconclusive']} | {_fmt(c['worst_margin'])} "
            f"| {', '.join(c['certificate_methods']) or '—'} | {c['negative_control']['outcome']} |"
        )
    lines.append("")
    for c in report["claims"]:
        lines += [f"## `{c['id']}` — {c['status']}", "", f"*{c['kind']}* — {c['source']}", "",
                  c["statement"], ""]
        wall = report.get("wall_time_per_claim", {}).get(c["id"])
        if wall is not None:
            lines.append(f"- wall time (sum over instances): {wall:.3f} s")
        if "worst_instance" in c:
            w = c["worst_instance"]
            lines.append(
                f"- worst instance: index {w['index']}, seed {w['seed']}, margin {_fmt(w['margin'])}"
                + (f" — {w['message']}" if w["message"] else "")
            )
            lines.append(f"  - parameters: `{json.dumps(w.get('instance', {}), default=str)}`")
            lines.append(f"  - reproduce: `sublevel path {c['id']} --seed {w['seed']}`")
        nc = c["negative_control"]
        if nc["ran"]:
            lines.append(f"- negative control: {nc['outcome']} — {nc['message']}")
        for f in c.get("failing_instances", []):
            lines.append(f"- instance {f['index']} (seed {f['seed']}): {f['outcome']} — {f['message']}")
        for note in c.get("notes", []):
            lines.append(f"- note: {note}")
        for key, message in c.get("figure_errors", {}).items():
            lines.append(f"- figure {key} could not be drawn: {message}")
        lines.append("")
        for key, rel in c.get("figures", {}).items():
            lines += [f"![{c['id']} {key}]({rel})", ""]
    return "\n".join(lines)


def write_reports(report: dict[str, Any], out: Path, *, html: bool = False) -> dict[str, Path]:
    """Write report.json and report.md (and report.html) into ``out``; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json", "md": out / "report.md"}
    paths["json"].write_text(json.dumps(report, indent=2, sort_keys=False, default=str) + "\n")
    paths["md"].write_text(render_markdown(report) + "\n")
    if html:
        from proofs_checks.html import render_html

        paths["html"] = out / "report.html"
        paths["html"].write_text(render_html(report, out), encoding="utf-8")
    return paths
