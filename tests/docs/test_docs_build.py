"""The documentation builds with warnings as errors; the generated pages cover every claim,
every subcommand and the public API; the property-based testing example of the docs runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mkdocs", reason="the docs tool is not installed: pip install 'sublevel[docs]'")

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--quiet",
            "-f",
            str(DOCS / "mkdocs.yml"),
            "-d",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out


def _text(site: Path, page: str) -> str:
    return (site / page / "index.html").read_text(encoding="utf-8")


def test_every_claim_has_its_section_on_its_family_page(site):
    from sublevel.proofs_checks.registry import CHECKS, load_builtin_checks
    from sublevel.theory.claims import CLAIMS

    load_builtin_checks()
    index = (site / "claims" / "index.html").read_text(encoding="utf-8")
    for claim in CLAIMS.values():
        if not claim.builtin or not claim.family:  # a test's plugin claim has no family page
            continue
        page = _text(site, f"claims/{claim.family}")
        assert f"<code>{claim.id}</code>" in index
        assert re.search(rf"<h3[^>]*><code>{re.escape(claim.id)}</code>", page), claim.id
        if claim.id in CHECKS and CHECKS[claim.id].negative_control is not None:
            assert "Negative control" in page


def test_the_cli_reference_is_the_parser(site):
    from sublevel.proofs_checks.cli import build_parser

    page = _text(site, "cli")
    sub = next(
        a for a in build_parser()._actions if hasattr(a, "choices") and isinstance(a.choices, dict)
    )
    for name in sub.choices:
        assert f"<code>sublevel {name}</code>" in page
    assert "--scheduler-timeout" in page and "--plugin" in page


def test_the_api_reference_covers_the_public_names(site):
    numerics = _text(site, "api/numerics")
    checks = _text(site, "api/proofs_checks")
    theory = _text(site, "api/theory")
    for name in (
        "check_landscape",
        "check_path_finder",
        "linear_widths",
        "datasets",
        "certify_path",
    ):
        assert name in numerics
    for name in ("check_claim", "assert_claim_holds", "run_verification", "dask_executor"):
        assert name in checks
    assert "certify_polynomial" in theory and "register_claim" in theory


def test_the_concepts_define_the_vocabulary(site):
    page = _text(site, "concepts")
    for term in (
        "Sub-level set",
        "N_u",
        "Spurious valley",
        "Normalised geodesic length",
        "sampled",
        "counterexample",
        "negative control",
    ):
        assert term.lower() in page.lower()


def test_the_property_based_testing_example_runs(tmp_path):
    text = (DOCS / "src" / "testing.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    test_file = tmp_path / "test_landscape_theory.py"
    test_file.write_text(code)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "4 passed" in proc.stdout
