"""Reports promise what they can keep (issue 12, items 1 and 5): every reported instance's
``reproduce`` command reruns exactly it; the proof rule holds for every registered claim;
``--resume`` refuses a folder of an older report schema."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest
from sublevel.proofs_checks.cli import main
from sublevel.proofs_checks.evidence import PROOF_KINDS
from sublevel.proofs_checks.registry import CHECKS, load_builtin_checks
from sublevel.proofs_checks.report import SCHEMA_VERSION, reproduce_command
from sublevel.proofs_checks.runner import read_evidence, resolve_claims, run_verification
from sublevel.theory.errors import InputError

FAST = [
    "identity.layer-cake",
    "vbb.empirical-dim",
    "vbb.finite-dim.p-ge-2q",
    "bf16.linear.square-boundary",
]
#: volatile fields: timings
_VOLATILE = ("wall_time", "seconds", "certify_seconds", "elapsed", "traceback")


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if not any(word in k for word in _VOLATILE)}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def _evidence_of(record: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "claim",
        "role",
        "seed",
        "params",
        "outcome",
        "margin",
        "message",
        "methods",
        "deciding_methods",
        "certificates",
        "instance",
        "details",
        "error",
    )
    return _stable({k: record.get(k) for k in keep})


def _reported(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(claim id, reported instance) for the worst and the failing instances."""
    out = []
    for c in report["claims"]:
        if "worst_instance" in c:
            out.append((c["id"], c["worst_instance"]))
        out += [(c["id"], f) for f in c.get("failing_instances", [])]
    return out


def _rerun(line: str, out: Path) -> list[dict[str, Any]]:
    argv = shlex.split(line)
    assert argv[:2] == ["sublevel", "verify"], line
    code = main(argv[1:] + ["--out", str(out), "--quiet", "--no-figures", "--executor", "inline"])
    assert code in (0, 1), line
    return read_evidence(out / "evidence.jsonl")


def _check_reproduce_lines(report: dict[str, Any], records: list[dict[str, Any]], tmp: Path) -> int:
    by_key = {(r["claim"], r["seed"]): r for r in records if r["role"] == "instance"}
    checked = 0
    for k, (cid, inst) in enumerate(_reported(report)):
        line = inst["reproduce"]
        assert line.startswith(f"sublevel verify {cid} --instance-seed {inst['seed']}")
        (again,) = _rerun(line, tmp / f"r{k}")
        assert _evidence_of(again) == _evidence_of(by_key[(cid, inst["seed"])]), line
        if "draw" in inst:  # a path builder exists: the drawing command is valid too
            argv = shlex.split(inst["draw"])[1:]
            assert main(argv + ["--json"]) in (0, 1), inst["draw"]
        checked += 1
    return checked


def test_reproduce_lines_rerun_the_same_evidence(tmp_path, capsys):
    params = {"vbb.empirical-dim": {"max_L": 6}}  # a non-default parameter must travel too
    result = run_verification(
        FAST, instances=2, seed=3, out=tmp_path / "run", workers=2, params=params
    )
    records = read_evidence(tmp_path / "run" / "evidence.jsonl")
    reported = _reported(result.report)
    assert {cid for cid, _ in reported} >= set(FAST) - {"identity.layer-cake"}  # (no margins)
    emp = next(i for cid, i in reported if cid == "vbb.empirical-dim")
    assert "--param vbb.empirical-dim:max_L=6" in emp["reproduce"] and "draw" not in emp
    assert _check_reproduce_lines(result.report, records, tmp_path) == len(reported)
    md = (tmp_path / "run" / "report.md").read_text()
    assert "sublevel path vbb.empirical-dim" not in md  # no path construction: never printed
    capsys.readouterr()


def test_reproduce_command_quotes_and_skips_defaults():
    load_builtin_checks()
    chk = CHECKS["vbb.empirical-dim"]
    assert (
        reproduce_command("vbb.empirical-dim", 7, chk.params())
        == "sublevel verify vbb.empirical-dim --instance-seed 7"
    )
    line = reproduce_command(
        "vbb.empirical-dim", 7, chk.params({"activation": "tanh"}), ["my plugin.py"]
    )
    assert shlex.split(line)[-4:] == [
        "--param",
        "vbb.empirical-dim:activation=tanh",
        "--plugin",
        "my plugin.py",
    ]


def test_instance_seed_runs_only_those_instances(tmp_path):
    result = run_verification(
        ["identity.layer-cake"], out=tmp_path, executor="inline", instance_seeds=[11, 12]
    )
    records = read_evidence(tmp_path / "evidence.jsonl")
    assert sorted((r["role"], r["seed"]) for r in records) == [("instance", 11), ("instance", 12)]
    (claim,) = result.report["claims"]
    assert claim["status"] == "verified"  # the control was not asked for: not held against it
    assert claim["negative_control"]["outcome"] == "not run"
    with pytest.raises(InputError):
        run_verification(["identity.layer-cake"], out=tmp_path / "x", instance_seeds=[-1])


def test_resume_refuses_an_older_schema_in_one_line(tmp_path, capsys):
    run_verification(["identity.layer-cake"], instances=1, out=tmp_path, executor="inline")
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["schema_version"] == SCHEMA_VERSION == 2
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["schema_version"] == SCHEMA_VERSION
    del run["schema_version"]  # what every run before schema 2 wrote
    (tmp_path / "run.json").write_text(json.dumps(run))
    code = main(["verify", "--resume", "--out", str(tmp_path), "--quiet", "--no-figures"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "older schema" in err and "--resume" in err
    with pytest.raises(InputError, match="schema"):
        run_verification(["identity.layer-cake"], instances=1, out=tmp_path, resume=True)


def _builtin_ids() -> list[str]:
    """Every registered claim whose check is built in (a plugin that an earlier test registered
    in this process is unknown to the worker processes)."""
    return [
        i
        for i in resolve_claims(None)
        if CHECKS[i].run.__module__.startswith("sublevel.proofs_checks.checks")
    ]


@pytest.fixture(scope="module")
def every_claim(tmp_path_factory):
    out = tmp_path_factory.mktemp("every")
    load_builtin_checks()
    ids = _builtin_ids()
    result = run_verification(ids, instances=1, seed=0, out=out, workers=2)
    return result, read_evidence(out / "evidence.jsonl"), out


@pytest.mark.slow
def test_no_instance_is_verified_without_proof_grade_deciding_evidence(every_claim):
    """The rule, over every registered claim's default check (one instance each)."""
    result, records, _ = every_claim
    assert {c["id"] for c in result.report["claims"]} == set(_builtin_ids())
    assert len(_builtin_ids()) == 31
    for r in records:
        assert r["deciding_methods"] is not None
        if r["role"] == "instance" and r["outcome"] == "verified":
            assert set(r["deciding_methods"]) <= set(PROOF_KINDS), (r["claim"], r)
        if r["role"] == "negative_control":
            assert r["outcome"] in (
                "detected (conclusion fails)",
                "detected (certificate fails)",
                "not detected",
            )
    for c in result.report["claims"]:
        if c["status"] in ("verified", "refuted"):
            assert c["verified"] == c["instances"] and set(c["deciding_methods"]) <= set(
                PROOF_KINDS
            )
        assert set(c["deciding_methods"]) <= set(c["certificate_methods"])


@pytest.mark.slow
def test_every_reproduce_line_of_a_default_run_reproduces_its_evidence(
    every_claim, tmp_path, capsys
):
    result, records, _ = every_claim
    assert _check_reproduce_lines(result.report, records, tmp_path) >= 1
    capsys.readouterr()
