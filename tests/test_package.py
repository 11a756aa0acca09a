"""The distribution: one import name, a curated top level, a fast ``import sublevel``."""

from __future__ import annotations

import doctest
import importlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sublevel

ROOT = Path(__file__).resolve().parents[1]
CURATED = (
    "certify_polynomial",
    "certify_path",
    "check_claim",
    "assert_claim_holds",
    "run_verification",
    "claims",
    "dss",
    "FunctionLandscape",
    "Certificate",
    "barrier",
)


def test_the_curated_top_level_is_complete():
    assert set(CURATED) <= set(sublevel.__all__)
    for name in CURATED:
        assert callable(getattr(sublevel, name)), name
    with pytest.raises(AttributeError, match="no attribute 'certify'"):
        sublevel.certify  # noqa: B018


@pytest.mark.parametrize("name", CURATED)
def test_every_curated_name_has_an_example_that_runs(name):
    module, attribute = sublevel._API[name]
    obj = getattr(importlib.import_module(module), attribute)
    tests = doctest.DocTestFinder(recurse=False).find(
        obj, name, globs=dict(vars(sys.modules[module]))
    )
    examples = sum(len(t.examples) for t in tests)
    assert examples >= 1, f"sublevel.{name} has no docstring example"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for t in tests:
        runner.run(t)
    assert runner.summarize(verbose=False).failed == 0


def _import_time(statement: str, repeats: int = 5) -> float:
    best = float("inf")
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True, env=env, cwd=ROOT.parent)
        best = min(best, time.perf_counter() - t0)
    return best


def test_import_sublevel_is_light_and_fast():
    """``import sublevel`` loads no torch, dask, matplotlib or sympy; it costs no more than
    ``import numpy`` (the ratio, measured in one run, best of 5 interpreter starts each)."""
    code = (
        "import sys, sublevel; heavy = [m for m in ('torch', 'dask', 'matplotlib', 'sympy', "
        "'numpy', 'flint') if m in sys.modules]; assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT.parent)
    ratio = _import_time("import sublevel") / _import_time("import numpy")
    assert ratio < 1.0, f"import sublevel takes {ratio:.2f}× import numpy"


def test_the_distribution_installs_one_top_level_name(tmp_path):
    """``pip install .`` adds only ``sublevel`` (plus its dist-info and the console script)."""
    target = tmp_path / "site"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "--target",
            str(target),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    top = sorted(p.name for p in target.iterdir() if not p.name.endswith(".dist-info"))
    assert top == ["bin", "sublevel"], top
    packages = {
        p.relative_to(target / "sublevel").parts[0] for p in (target / "sublevel").rglob("*.py")
    }
    assert {"theory", "numerics", "proofs_checks", "__init__.py"} <= packages
    # the installed copy imports under the one name, from its own files
    code = (
        "import sublevel.theory.exact as e, sublevel.proofs_checks.cli as c; "
        "print(e.__file__); print(c.__file__)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(target)),
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert all(line.startswith(str(target)) for line in out.stdout.split())


def test_no_module_imports_the_old_top_level_names():
    offenders = []
    for folder in (
        "theory",
        "numerics",
        "proofs_checks",
        "tests",
        "examples",
        "benchmarks",
        "assignments",
        "docs",
        "sublevel",
    ):
        for path in (ROOT / folder).rglob("*.py"):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                stripped = line.strip()
                if stripped.startswith(
                    (
                        "from theory",
                        "from numerics",
                        "from proofs_checks",
                        "import theory",
                        "import numerics",
                        "import proofs_checks",
                    )
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}")
    assert not offenders, offenders


def test_a_plugin_with_the_old_imports_fails_with_one_line(tmp_path):
    plugin = tmp_path / "old_plugin.py"
    plugin.write_text("from theory.claims import Claim\n")
    exe = Path(sys.executable).with_name("sublevel")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "sublevel"]
    proc = subprocess.run(
        [*cmd, "verify", "--plugin", str(plugin)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "sublevel.theory" in lines[0], proc.stderr


def test_the_checkout_s_sublevel_folder_finds_its_sibling_packages():
    """Inside a checkout, ``sublevel/`` holds only the top level: a process whose sys.path
    starts with the checkout (a pool worker of an installed ``sublevel verify`` run from the
    clone — the README's main command) must still import ``sublevel.theory`` from the
    siblings (regression: BrokenProcessPool, "No module named 'sublevel.proofs_checks'")."""
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); import sublevel.theory.errors as e; "
        "print(e.__file__)"
    )
    out = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, cwd=ROOT.parent
    )  # -S: no site-packages, no editable finder
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == str(ROOT / "theory" / "errors.py")
