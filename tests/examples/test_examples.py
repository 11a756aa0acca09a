"""The course examples run (with small arguments), print what a student should observe and write
their figure; an example whose optional extra is missing says which extra, without a traceback;
the user-defined claim of examples/my_claim.py round-trips through the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

#: script → (small arguments, figure it writes, a line it must print)
RUNS = {
    "01_deep_linear.py": (["--instances", "3"], "deep_linear.png", "connect refuses"),
    "02_intrinsic_dimension.py": (
        ["--activation", "z**2 + z", "--max-n", "3"],
        "intrinsic_dimension.png",
        "p = q − 1: refused",
    ),
    "03_relu_valley.py": (["--quick"], "relu_valley.png", "θ_bad is stationary"),
    "04_geodesic_digits.py": (
        ["--levels", "1.0,0.2", "--n-train", "150", "--bead-steps", "300", "--max-depth", "3"],
        "geodesic_digits.png",
        "ℓ and",
    ),
    "05_compare_path_finders.py": (["--quick"], "compare_path_finders.png", "ring valley"),
    "06_constructions_and_quadratic_widths.py": (
        ["--runs", "3"],
        "construction_b.png",
        "Construction B never rises",
    ),
    "07_certified_barrier_width.py": (
        ["--widths", "8,16", "--depths", "1,2", "--n-train", "120", "--epochs", "3"],
        "barrier_width.png",
        "certified",
    ),
    "my_claim.py": (["--instances", "3"], "my_claim.png", "verified"),
}


def _run(args: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=300, **kw
    )


@pytest.mark.parametrize("script", sorted(RUNS))
def test_example_runs_and_writes_its_figure(script, tmp_path):
    args, figure, expected = RUNS[script]
    proc = _run([str(EXAMPLES / script), *args, "--out", str(tmp_path)])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "What to observe" in proc.stdout and expected in proc.stdout
    png = tmp_path / figure
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_example_is_tested():
    scripts = {p.name for p in EXAMPLES.glob("*.py")}
    tested_elsewhere = {
        f"{p.stem.removeprefix('test_')}.py" for p in Path(__file__).parent.glob("test_*.py")
    }
    assert set(RUNS) <= scripts
    assert scripts <= set(RUNS) | tested_elsewhere, scripts - set(RUNS) - tested_elsewhere
    assert len([s for s in RUNS if s[:2].isdigit()]) >= 5


def test_a_missing_extra_is_named_without_a_traceback(tmp_path):
    """Run the torch model of example 4 in an interpreter where `import torch` fails."""
    code = (
        "import runpy, sys; sys.modules['torch'] = None; "
        f"sys.argv = ['04', '--model', 'digits-cnn', '--out', {str(tmp_path)!r}]; "
        f"runpy.run_path({str(EXAMPLES / '04_geodesic_digits.py')!r}, run_name='__main__')"
    )
    proc = _run(["-c", code])
    assert proc.returncode != 0
    assert (
        proc.stderr.strip() == "this example needs the 'torch' extra: pip install 'sublevel[torch]'"
    )


def test_the_user_claim_round_trips_through_the_cli(tmp_path, capsys):
    from sublevel.proofs_checks.cli import main

    plugin = str(EXAMPLES / "my_claim.py")
    claim = "my.leaky-relu.output-convexity"
    assert main(["claims", "--json", "--plugin", plugin]) == 0
    row = next(r for r in json.loads(capsys.readouterr().out) if r["id"] == claim)
    assert row["implemented"] and row["kind"] == "constructive"
    out = tmp_path / "run"
    # two worker processes: each imports the plugin by its path before running its instances
    assert (
        main(
            [
                "verify",
                claim,
                "--plugin",
                plugin,
                "--instances",
                "4",
                "--workers",
                "2",
                "--out",
                str(out),
                "--quiet",
                "--no-figures",
            ]
        )
        == 0
    )
    report = json.loads((out / "report.json").read_text())
    (entry,) = report["claims"]
    assert entry["status"] == "verified" and entry["certificate_methods"] == ["exact"]
    assert entry["negative_control"]["outcome"] == "detected (conclusion fails)"
    # the plugin is remembered in run.json: --resume needs neither the id nor --plugin
    assert (
        main(
            [
                "verify",
                "--resume",
                "--out",
                str(out),
                "--quiet",
                "--no-figures",
                "--executor",
                "inline",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["path", claim, "--plugin", plugin, "--seed", "3", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["holds"] is True
    assert (
        main(
            [
                "verify",
                claim,
                "--plugin",
                plugin,
                "--param",
                "slopes=0.3",
                "--out",
                str(tmp_path / "bad"),
                "--quiet",
            ]
        )
        == 2
    )
    assert "no selected claim has a parameter" in capsys.readouterr().err


def test_the_user_claim_works_with_the_testing_api():
    from sublevel.proofs_checks.registry import load_plugin
    from sublevel.proofs_checks.testing import (
        assert_claim_holds,
        assert_control_detects,
        check_claim,
    )
    from sublevel.theory.errors import HypothesisError

    load_plugin(str(EXAMPLES / "my_claim.py"))
    assert_claim_holds("my.leaky-relu.output-convexity", {"slope": 0.3}, seed=7)
    assert_control_detects("my.leaky-relu.output-convexity", seed=7)
    with pytest.raises(HypothesisError):
        check_claim("my.leaky-relu.output-convexity", {"slope": 1.5})
