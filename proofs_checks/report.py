"""Aggregate evidence into per-claim reports; write report.json and report.md.

A claim's ``status`` (DESIGN.md):
``verified`` (constructive/identity: every instance decided by proof-grade evidence — exact,
rigorous, bounded or symbolic), ``supported`` (no failure found, but some deciding evidence is
numerical — optimisation, Monte Carlo, sampling, a float closed form; any kind of claim, and
every numerical claim or conjecture), ``refuted`` (refutation: the false statement shown false
by proof-grade evidence), ``counterexample`` (conjecture: one was found — a finding, reported
loudly), ``violated`` (an instance contradicts a theorem: a bug or a wrong statement),
``inconclusive``, ``not implemented``. A registered negative control that did not detect its
broken hypothesis (``not detected``) makes the check untrustworthy: the claim is then
``inconclusive`` (unless violated).

Per claim, ``certificate_methods`` lists every kind of evidence used (cross-checks included)
and ``deciding_methods`` the kinds that decided the instances' outcomes. Every reported
instance (the worst, the failing ones) carries a ``reproduce`` command that reruns exactly it:
``sublevel verify ID --instance-seed S`` with the run's non-default ``--param`` values (and
``draw``: ``sublevel path ID --seed S …`` where the claim has a path builder).
``SCHEMA_VERSION`` is bumped whenever these fields change meaning.
"""

from __future__ import annotations

import json
import math
import platform
import shlex
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from sublevel.proofs_checks.evidence import (
    CONTROL_OUTCOMES,
    DETECTED,
    INSTANCE_OUTCOMES,
    canonical_kind,
)
from sublevel.proofs_checks.registry import CHECKS
from sublevel.theory.claims import get_claim

__all__ = [
    "build_report",
    "claim_report",
    "write_reports",
    "versions",
    "reproduce_command",
    "STATUS_ORDER",
    "SCHEMA_VERSION",
]

#: 2: deciding_methods, the proof rule (instance outcome ``supported``), the control outcomes
#: ``detected (conclusion fails)`` / ``detected (certificate fails)`` / ``not detected`` /
#: ``not run``, reproduce commands
SCHEMA_VERSION = 2

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


def _param_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def reproduce_command(
    claim_id: str,
    seed: int,
    params: dict[str, Any] | None = None,
    plugins: Sequence[str] = (),
    *,
    command: str = "verify",
) -> str:
    """The command line that reruns one instance: ``sublevel verify ID --instance-seed S`` (or,
    with ``command="path"``, ``sublevel path ID --seed S``) with every parameter that differs
    from the check's defaults as ``--param``."""
    chk = CHECKS.get(claim_id)
    defaults = chk.defaults if chk is not None else {}
    parts = [
        "sublevel",
        command,
        claim_id,
        "--instance-seed" if command == "verify" else "--seed",
        str(int(seed)),
    ]
    for key, value in sorted((params or {}).items()):
        if key in defaults and defaults[key] == value:
            continue
        prefix = f"{claim_id}:" if command == "verify" else ""
        parts += ["--param", f"{prefix}{key}={_param_text(value)}"]
    for plugin in plugins:
        parts += ["--plugin", plugin]
    return " ".join(shlex.quote(p) for p in parts)


def _reproduce(claim_id: str, record: dict[str, Any], plugins: Sequence[str]) -> dict[str, str]:
    out = {"reproduce": reproduce_command(claim_id, record["seed"], record.get("params"), plugins)}
    chk = CHECKS.get(claim_id)
    if chk is not None and chk.path is not None:
        out["draw"] = reproduce_command(
            claim_id, record["seed"], record.get("params"), plugins, command="path"
        )
    return out


def _negative_control(
    claim_id: str, controls: list[dict[str, Any]], implemented: bool, planned: bool
) -> dict[str, Any]:
    registered = implemented and CHECKS[claim_id].negative_control is not None
    if controls:
        ctl = controls[0]
        outcome = ctl["outcome"] if ctl["outcome"] in CONTROL_OUTCOMES else "not detected"
        return {
            "ran": True,
            "registered": True,
            "outcome": outcome,
            "detected": outcome in DETECTED,
            "message": ctl.get("message", ""),
            "seed": ctl["seed"],
            "precondition": ctl.get("details", {}).get("precondition"),
            "methods": ctl.get("methods", []),
            "deciding_methods": ctl.get("deciding_methods", ctl.get("methods", [])),
            "margin": ctl.get("margin"),
            "certificates": ctl.get("certificates", []),
            "instance": ctl.get("instance", {}),
            "details": ctl.get("details", {}),
            "error": ctl.get("error"),
        }
    if registered:
        why = "" if planned else "not requested (--instance-seed runs the instances only)"
        return {
            "ran": False,
            "registered": True,
            "outcome": "not run",
            "detected": None,
            "message": why,
        }
    return {
        "ran": False,
        "registered": False,
        "outcome": "not run",
        "detected": None,
        "message": "no negative control registered" if implemented else "",
    }


def claim_report(
    claim_id: str,
    records: Sequence[dict[str, Any]],
    *,
    plugins: Sequence[str] = (),
    controls_planned: bool = True,
) -> dict[str, Any]:
    """The aggregate of one claim's evidence records.

    ``controls_planned=False`` (a run of chosen instance seeds) leaves a registered control
    out of the status."""
    claim = get_claim(claim_id)
    instances = sorted((r for r in records if r["role"] == "instance"), key=lambda r: r["index"])
    controls = [r for r in records if r["role"] == "negative_control"]
    counts = {k: sum(r["outcome"] == k for r in instances) for k in INSTANCE_OUTCOMES}
    errors = [r for r in instances if r.get("error")]
    margins = [(m, r) for r in instances if (m := _margin(r.get("margin"))) is not None]
    worst = min(margins, key=lambda mr: mr[0]) if margins else None
    methods = sorted(
        {canonical_kind(c["method"]) for r in instances for c in r.get("certificates", [])}
        | {canonical_kind(m) for r in instances for m in r.get("methods", [])}
    )
    deciding = sorted(
        {
            canonical_kind(m)
            for r in instances
            for m in r.get("deciding_methods", r.get("methods", []))
        }
    )

    implemented = claim_id in CHECKS
    negative = _negative_control(claim_id, controls, implemented, controls_planned)
    control_ok = (
        negative["detected"]
        or not negative["registered"]
        or (negative["outcome"] == "not run" and not controls_planned)
    )

    n = len(instances)
    if not implemented:
        status = "not implemented"
    elif counts["violated"]:
        status = "counterexample" if claim.kind == "conjecture" else "violated"
    elif n and counts["verified"] == n and control_ok:
        status = _PASS_STATUS[claim.kind]
    elif n and counts["verified"] + counts["supported"] == n and control_ok:
        status = "supported"  # the best a claim earns from numerical deciding evidence
    else:
        status = "inconclusive"

    report: dict[str, Any] = {
        "id": claim_id,
        "kind": claim.kind,
        "status": status,
        "instances": n,
        "verified": counts["verified"],
        "supported": counts["supported"],
        "violated": counts["violated"],
        "inconclusive": counts["inconclusive"],
        "errors": len(errors),
        "worst_margin": worst[0] if worst else None,
        "certificate_methods": methods,
        "deciding_methods": deciding,
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
            "params": r.get("params", {}),
            "message": r.get("message", ""),
            **_reproduce(claim_id, r, plugins),
        }
    failing = [r for r in instances if r["outcome"] not in ("verified", "supported")][:5]
    if failing:
        report["failing_instances"] = [
            {
                "index": r["index"],
                "seed": r["seed"],
                "outcome": r["outcome"],
                "message": r.get("message", ""),
                "error": r.get("error"),
                **_reproduce(claim_id, r, plugins),
            }
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
    plugins: Sequence[str] = (),
    controls_planned: bool = True,
) -> dict[str, Any]:
    """The whole run's report (report.json's content)."""
    by_claim: dict[str, list[dict[str, Any]]] = {cid: [] for cid in claim_ids}
    for r in records:
        by_claim.setdefault(r["claim"], []).append(r)
    claims = [
        claim_report(cid, by_claim[cid], plugins=plugins, controls_planned=controls_planned)
        for cid in claim_ids
    ]
    summary: dict[str, int] = {}
    for c in claims:
        summary[c["status"]] = summary.get(c["status"], 0) + 1
    return {
        "sublevel_report": 1,
        "schema_version": SCHEMA_VERSION,
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
        "| claim | kind | status | instances | verified | supported | violated | inconclusive "
        "| worst margin | deciding | methods | negative control |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in report["claims"]:
        lines.append(
            f"| `{c['id']}` | {c['kind']} | **{c['status']}** | {c['instances']} | {c['verified']} "
            f"| {c.get('supported', 0)} | {c['violated']} | {c['inconclusive']} "
            f"| {_fmt(c['worst_margin'])} | {', '.join(c.get('deciding_methods', [])) or '—'} "
            f"| {', '.join(c['certificate_methods']) or '—'} | {c['negative_control']['outcome']} |"
        )
    lines.append("")
    for c in report["claims"]:
        lines += [
            f"## `{c['id']}` — {c['status']}",
            "",
            f"*{c['kind']}* — {c['source']}",
            "",
            c["statement"],
            "",
        ]
        wall = report.get("wall_time_per_claim", {}).get(c["id"])
        if wall is not None:
            lines.append(f"- wall time (sum over instances): {wall:.3f} s")
        if "worst_instance" in c:
            w = c["worst_instance"]
            lines.append(
                f"- worst instance: index {w['index']}, seed {w['seed']}, margin {_fmt(w['margin'])}"
                + (f" — {w['message']}" if w["message"] else "")
            )
            lines.append(f"  - instance: `{json.dumps(w.get('instance', {}), default=str)}`")
            lines.append(f"  - reproduce: `{w['reproduce']}`")
            if "draw" in w:
                lines.append(f"  - draw its path: `{w['draw']}`")
        nc = c["negative_control"]
        if nc["ran"]:
            lines.append(f"- negative control: {nc['outcome']} — {nc['message']}")
            if nc.get("precondition"):
                lines.append(
                    f"  - precondition (a guard's refusal, not a detection): {nc['precondition']}"
                )
        for f in c.get("failing_instances", []):
            lines.append(
                f"- instance {f['index']} (seed {f['seed']}): {f['outcome']} — {f['message']}"
            )
            lines.append(f"  - reproduce: `{f['reproduce']}`")
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
        from sublevel.proofs_checks.html import render_html

        paths["html"] = out / "report.html"
        paths["html"].write_text(render_html(report, out), encoding="utf-8")
    return paths
