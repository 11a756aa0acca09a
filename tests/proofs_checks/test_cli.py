"""The real ``sublevel`` console script: exit codes, one-line errors, JSON outputs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from .helpers import PLUGIN

EXE = shutil.which("sublevel") or ""
requires_script = pytest.mark.skipif(not EXE, reason="console script 'sublevel' is not installed")


def run(*args, cwd=None):
    cmd = [EXE] if EXE else [sys.executable, "-m", "sublevel.proofs_checks.cli"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def one_line_error(proc, fragment):
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("sublevel: error:") and fragment in lines[0], lines[0]
    assert "Traceback" not in proc.stderr


@requires_script
def test_claims_json_lists_every_claim_and_implementation_status():
    proc = run("claims", "--json")
    assert proc.returncode == 0
    rows = json.loads(proc.stdout)
    by_id = {r["id"]: r for r in rows}
    assert by_id["lift.multilinear"]["implemented"] is True
    assert {"id", "kind", "source", "statement", "hypotheses", "notes", "status"} <= set(rows[0])
    assert all(r["status"] in ("implemented", "not implemented") for r in rows)


@requires_script
def test_claims_table():
    proc = run("claims")
    assert proc.returncode == 0 and "lift.feature-map" in proc.stdout


@requires_script
def test_verify_runs_and_writes_reports(tmp_path):
    proc = run(
        "verify", "lift.quadratic", "--instances", "2", "--out", str(tmp_path), "--seed", "3"
    )
    assert proc.returncode == 0, proc.stderr
    assert "verified" in proc.stdout
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["seed"] == 3 and report["claims"][0]["instances"] == 2


@requires_script
def test_verify_exit_code_one_on_violation(tmp_path):
    plugin = tmp_path / "plug.py"
    plugin.write_text(PLUGIN)
    proc = run(
        "verify", "user.always-violated", "--plugin", str(plugin), "--out", str(tmp_path / "o")
    )
    assert proc.returncode == 1
    assert "violated" in proc.stdout


@requires_script
def test_user_claim_round_trips_through_the_cli(tmp_path):
    plugin = tmp_path / "plug.py"
    plugin.write_text(PLUGIN)
    proc = run(
        "verify",
        "user.even-seeds",
        "--plugin",
        str(plugin),
        "--param",
        "offset=2",
        "--out",
        str(tmp_path / "o"),
        "--quiet",
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert report["claims"][0]["status"] == "supported"


@requires_script
@pytest.mark.parametrize(
    "args, fragment",
    [
        (("verify", "bf16.prop2.2.linaer"), "bf16.prop2.2.linear"),
        (("verify", "--instances", "0"), "--instances 0 must be ≥ 1"),
        (("verify", "--instances", "many"), "is not an integer"),
        (("verify", "lift.quadratic", "--param", "nope=1"), "nope"),
        (
            ("lift", "feature-map", "--activation", "x*y", "--n", "3"),
            "not a function of one symbol",
        ),
        (("lift", "feature-map", "--activation", "z**2", "--n", "0"), "--n 0"),
        (("lift", "multilinear", "--widths", "2,a"), "--widths"),
        (("path", "lift.quadratic"), "no path construction"),
        (("frobnicate",), "invalid choice"),
    ],
)
def test_bad_usage_is_one_line_and_exit_two(args, fragment):
    one_line_error(run(*args), fragment)


@requires_script
def test_unknown_id_lists_closest_first():
    proc = run("verify", "lift.quadratc")
    one_line_error(proc, "known ids (closest first): lift.quadratic")


@requires_script
def test_unwritable_out(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    one_line_error(run("verify", "lift.quadratic", "--out", str(blocker / "sub")), "not writable")


@requires_script
def test_lift_feature_map_json():
    proc = run("lift", "feature-map", "--activation", "z**3 - z", "--n", "3", "--json")
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert data["intrinsic_dimension"] == 13 == data["closed_form"]
    proc = run("lift", "feature-map", "--activation", "tanh(z)", "--n", "3", "--json")
    assert json.loads(proc.stdout)["intrinsic_dimension"] == "inf"


def test_lift_feature_map_large_n_uses_the_closed_form(capsys):
    """z**3 in n = 100 (171 700 features) used to run for minutes on the exact rank."""
    from sublevel.proofs_checks.cli import main

    assert main(["lift", "feature-map", "--activation", "z**3", "--n", "100", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["intrinsic_dimension"] == 171700 and data["exact_rank"] is None
    assert main(["lift", "feature-map", "--activation", "z**10**10", "--n", "100"]) == 0
    assert "835 digits" in capsys.readouterr().out


@pytest.mark.parametrize("text", ["z**", "(lambda: 1)()", 'Symbol("x")', "z if 1 else 2"])
def test_lift_feature_map_bad_activation_is_one_line(text, capsys):
    from sublevel.proofs_checks.cli import main

    assert main(["lift", "feature-map", "--activation", text, "--n", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"sublevel: error: activation {text!r} is not an expression: ")
    assert err.count("\n") == 1


@requires_script
def test_lift_multilinear_and_quadratic_text_latex_json():
    text = run("lift", "multilinear", "--widths", "2,3,2")
    assert text.returncode == 0 and "proved" in text.stdout and "FAILED" not in text.stdout
    latex = run("lift", "multilinear", "--widths", "2,3,2", "--latex")
    assert "\\otimes" in latex.stdout
    data = json.loads(run("lift", "quadratic", "--n", "3", "--layers", "2", "--json").stdout)
    assert [r["dimension"] for r in data["layers"]] == [6, 15]
    assert data["identities_proved"] is True


def test_parser_builds_without_numerical_imports_and_variants_agree():
    code = (
        "import sys, sublevel.proofs_checks.cli as c; c.build_parser(); "
        "heavy = [m for m in ('sublevel.numerics.geodesic', 'sublevel.numerics.certify', 'scipy.optimize', 'torch', 'cvxpy') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    from sublevel.numerics.geodesic.dss import VARIANTS
    from sublevel.numerics.geodesic.experiments import MODELS
    from sublevel.proofs_checks.commands import geodesic

    assert geodesic.VARIANTS == VARIANTS and geodesic.MODELS == MODELS
