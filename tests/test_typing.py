"""Types as a habit, checked by the suite: mypy (pinned in the test and typing extras) is clean on
sublevel.theory, sublevel.numerics and sublevel.proofs_checks.

mypy cannot follow the editable install's import hook (the folders theory/, numerics/ and
proofs_checks/ are installed as sub-packages of ``sublevel`` through setuptools ``package-dir``),
so the test builds the installed layout as a shadow tree — sublevel/__init__.py copied, the three
folders linked — and runs ``mypy -p sublevel`` there with the configuration of pyproject.toml.
A probe module with one deliberate error is added to the shadow tree: mypy must report it (and
nothing else), and must have checked at least ``MIN_FILES`` source files, so a run that checked
nothing cannot pass. The cache lives in the system temporary folder (a cold run takes about a
minute on one core; a warm one a few seconds).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("theory", "numerics", "proofs_checks")
#: the three folders hold 92 modules today (plus sublevel/__init__.py and the probe)
MIN_FILES = 90
PROBE = "_typing_probe"
_ERROR = re.compile(r"^(?P<file>[^:\s]+\.py):(?P<line>\d+): error: (?P<message>.*)$")
_CHECKED = re.compile(r"checked (?P<n>\d+) source files?")


def _shadow(tmp: Path) -> Path:
    """tmp/sublevel/{__init__.py (copied), theory, numerics, proofs_checks (linked), probe}."""
    pkg = tmp / "sublevel"
    pkg.mkdir()
    shutil.copy(ROOT / "sublevel" / "__init__.py", pkg / "__init__.py")
    for name in PACKAGES:
        target = ROOT / name
        try:
            (pkg / name).symlink_to(target, target_is_directory=True)
        except OSError:  # no symlinks here (e.g. Windows without privileges): copy instead
            shutil.copytree(target, pkg / name, ignore=shutil.ignore_patterns("__pycache__"))
    (pkg / f"{PROBE}.py").write_text('PROBE: int = "not an int"\n')
    return tmp


@pytest.fixture(scope="module")
def mypy_run(tmp_path_factory) -> tuple[str, list[re.Match[str]]]:
    """One mypy run on the shadow tree: its output and its error lines."""
    pytest.importorskip("mypy", reason="mypy is not installed: pip install -e '.[typing]'")
    shadow = _shadow(tmp_path_factory.mktemp("mypy-shadow"))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "-p",
            "sublevel",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(Path(tempfile.gettempdir()) / "sublevel-mypy-cache"),
            "--no-color-output",
        ],
        cwd=shadow,
        env=dict(os.environ, MYPYPATH=str(shadow)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode in (0, 1), out[-4000:]  # 2: mypy itself failed (config, crash)
    return out, [m for m in map(_ERROR.match, out.splitlines()) if m]


def test_mypy_is_clean_on_the_installed_packages(mypy_run):
    _, errors = mypy_run
    others = [m.string for m in errors if Path(m["file"]).stem != PROBE]
    assert not others, f"mypy reports {len(others)} error(s):\n" + "\n".join(others)


def test_mypy_really_checks_every_module(mypy_run):
    out, errors = mypy_run
    # the deliberate error in the probe is reported, with its code
    probe = [m for m in errors if Path(m["file"]).stem == PROBE]
    assert len(probe) == 1 and "[assignment]" in probe[0]["message"], out[-4000:]
    # every module of the three folders was checked, plus sublevel/__init__.py and the probe
    found = _CHECKED.search(out)
    assert found is not None, out[-4000:]
    on_disk = sum(1 for name in PACKAGES for _ in (ROOT / name).rglob("*.py"))
    assert on_disk >= MIN_FILES
    assert int(found["n"]) == on_disk + 2, out[-4000:]
