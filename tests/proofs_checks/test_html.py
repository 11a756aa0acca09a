"""The HTML report opens in headless Chromium, shows every claim (summary row and section with
status, worst instance and how to reproduce it) and every embedded figure decodes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest
from sublevel.proofs_checks.runner import run_verification

from .helpers import PLUGIN

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed (Debian package 'chromium'; .ci/run installs it)",
)

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: appended to a copy of the page: after load, record how many images decoded
PROBE = """<script>
window.addEventListener('load', () => {
  const imgs = Array.from(document.images);
  document.body.setAttribute('data-images', imgs.length);
  document.body.setAttribute('data-decoded', imgs.filter(i => i.complete && i.naturalWidth > 0).length);
});
</script>"""


def _dump_dom(page: Path, profile: Path) -> str:
    proc = subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={profile}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("html")
    plugin = out / "user_claims.py"
    plugin.write_text(PLUGIN)
    ids = [
        "lift.feature-map",
        "identity.layer-cake",
        "bf16.dss.convex",
        "user.even-seeds",
        "user.always-violated",
    ]
    result = run_verification(
        ids,
        instances=3,
        seed=5,
        out=out / "run",
        executor="inline",
        plugins=[str(plugin)],
        figures=True,
        html=True,
    )
    assert result.exit_code == 1  # user.always-violated
    return out / "run"


def test_the_report_is_one_self_contained_page(report_dir):
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    assert not re.search(r'(src|href)="(?!data:|#)', html)  # no external file or URL
    assert html.count('src="data:image/png;base64,') >= 2


def test_chromium_shows_every_claim_and_decodes_every_figure(report_dir, tmp_path):
    report = json.loads((report_dir / "report.json").read_text())
    page = tmp_path / "probe.html"
    page.write_text(
        (report_dir / "report.html")
        .read_text(encoding="utf-8")
        .replace("</body>", PROBE + "</body>"),
        encoding="utf-8",
    )
    dom = _dump_dom(page, tmp_path / "profile")
    assert "<title>sublevel report (seed 5)</title>" in dom
    for claim in report["claims"]:
        cid = claim["id"]
        section = re.search(rf'<section id="{re.escape(cid)}">(.*?)</section>', dom, re.S)
        assert section, f"no section for {cid}"
        assert f'href="#{cid}"' in dom  # its row in the summary table links to it
        assert f">{claim['status']}<" in section.group(1)
        if "worst_instance" in claim:
            assert claim["worst_instance"]["reproduce"] in unescape(section.group(1))
    images = int(re.search(r'data-images="(\d+)"', dom).group(1))
    decoded = int(re.search(r'data-decoded="(\d+)"', dom).group(1))
    expected = sum(len(c.get("figures", {})) for c in report["claims"])
    assert images == expected >= 4 and decoded == images  # margin histograms + a worst profile


def test_report_md_embeds_the_same_figures(report_dir):
    md = (report_dir / "report.md").read_text()
    report = json.loads((report_dir / "report.json").read_text())
    for claim in report["claims"]:
        for rel in claim.get("figures", {}).values():
            assert f"]({rel})" in md and (report_dir / rel).is_file()
