"""A verification report as one self-contained HTML page (figures embedded as data URIs)."""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

__all__ = ["render_html"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#1d2330}
table{border-collapse:collapse;font-size:13px;width:100%}
th,td{border:1px solid #d7dbe3;padding:4px 6px;text-align:left}th{background:#eef1f7}
.verified,.supported,.refuted{color:#17803d;font-weight:600}.violated{color:#c0392b;font-weight:700}
.counterexample{color:#8e24aa;font-weight:700}.inconclusive{color:#b7791f}.not-implemented{color:#888}
section{border-top:1px solid #d7dbe3;margin-top:1.5em;padding-top:.5em}
code{background:#f3f4f8;padding:0 3px}img{max-width:100%;border:1px solid #eee}
.note{color:#555;font-size:13px}
"""


def _esc(x: Any) -> str:
    return html.escape("—" if x is None else (f"{x:.3g}" if isinstance(x, float) else str(x)))


def _img(out: Path, rel: str, alt: str) -> str:
    file = out / rel
    if not file.exists():
        return ""
    data = base64.b64encode(file.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def render_html(report: dict[str, Any], out: Path) -> str:
    """The whole report as a single HTML document (no external files)."""
    rows = []
    for c in report["claims"]:
        cls = c["status"].replace(" ", "-")
        rows.append(
            f'<tr><td><a href="#{_esc(c["id"])}"><code>{_esc(c["id"])}</code></a></td>'
            f'<td>{_esc(c["kind"])}</td><td class="{cls}">{_esc(c["status"])}</td>'
            f"<td>{c['instances']}</td><td>{c['verified']}</td><td>{c.get('supported', 0)}</td>"
            f"<td>{c['violated']}</td>"
            f"<td>{c['inconclusive']}</td><td>{_esc(c['worst_margin'])}</td>"
            f"<td>{_esc(', '.join(c.get('deciding_methods', [])) or None)}</td>"
            f"<td>{_esc(', '.join(c['certificate_methods']) or None)}</td>"
            f"<td>{_esc(c['negative_control']['outcome'])}</td></tr>"
        )
    sections = []
    for c in report["claims"]:
        cls = c["status"].replace(" ", "-")
        parts = [
            f'<section id="{_esc(c["id"])}"><h2><code>{_esc(c["id"])}</code> — '
            f'<span class="{cls}">{_esc(c["status"])}</span></h2>',
            f"<p><em>{_esc(c['kind'])}</em> — {_esc(c['source'])}</p>",
            f"<p>{_esc(c['statement'])}</p><ul>",
        ]
        w = c.get("worst_instance")
        if w:
            parts.append(
                f"<li>worst instance: index {w['index']}, seed <code>{w['seed']}</code>, margin "
                f"{_esc(w['margin'])} — reproduce with <code>{_esc(w.get('reproduce'))}</code>"
                + (f" (draw: <code>{_esc(w['draw'])}</code>)" if w.get("draw") else "")
                + f"; instance: <code>{_esc(w.get('instance'))}</code></li>"
            )
        nc = c["negative_control"]
        parts.append(
            f"<li>negative control: {_esc(nc['outcome'])} — {_esc(nc.get('message'))}</li>"
        )
        for f in c.get("failing_instances", []):
            parts.append(
                f"<li>instance {f['index']} (seed {f['seed']}): {_esc(f['outcome'])} — "
                f"{_esc(f['message'])}; reproduce with "
                f"<code>{_esc(f.get('reproduce'))}</code></li>"
            )
        for note in c.get("notes", []):
            parts.append(f'<li class="note">note: {_esc(note)}</li>')
        parts.append("</ul>")
        for key, rel in c.get("figures", {}).items():
            parts.append(_img(out, rel, f"{c['id']} {key}"))
        parts.append("</section>")
        sections.append("".join(parts))
    versions = ", ".join(f"{k} {v}" for k, v in report["versions"].items())
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>sublevel report (seed {report['seed']})</title><style>{_CSS}</style></head><body>"
        f"<h1>sublevel verification report</h1><p>Seed {report['seed']}; {html.escape(versions)}</p>"
        "<table><tr><th>claim</th><th>kind</th><th>status</th><th>n</th><th>verified</th>"
        "<th>supported</th><th>violated</th><th>inconclusive</th><th>worst margin</th>"
        "<th>decided by</th><th>methods</th>"
        "<th>negative control</th></tr>"
        + "".join(rows)
        + "</table>"
        + "".join(sections)
        + "</body></html>\n"
    )
