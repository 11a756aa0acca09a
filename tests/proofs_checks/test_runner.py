"""The runner: determinism, streaming evidence, resume after a kill, workers, errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from sublevel.proofs_checks.runner import plan_tasks, read_evidence, run_verification
from sublevel.proofs_checks.seeds import instance_seed
from sublevel.theory.errors import InputError

from .helpers import PLUGIN, comparable, load_report

CLAIMS = ["lift.feature-map", "identity.layer-cake"]


def test_seeds_are_a_pure_function_of_run_seed_claim_and_index():
    assert instance_seed(3, "lift.quadratic", 5) == instance_seed(3, "lift.quadratic", 5)
    seeds = {instance_seed(3, "lift.quadratic", i) for i in range(100)}
    assert len(seeds) == 100
    assert instance_seed(3, "lift.quadratic", 0) != instance_seed(4, "lift.quadratic", 0)
    assert instance_seed(3, "lift.quadratic", 0) != instance_seed(3, "lift.multilinear", 0)


def test_report_fields(tmp_path):
    result = run_verification(CLAIMS, instances=3, seed=1, out=tmp_path, executor="inline")
    report = load_report(tmp_path)
    assert report == json.loads(json.dumps(result.report, default=str))
    assert report["seed"] == 1 and "numpy" in report["versions"]
    assert set(report["wall_time_per_claim"]) == set(CLAIMS)
    for c in report["claims"]:
        for key in (
            "id",
            "kind",
            "status",
            "instances",
            "verified",
            "violated",
            "inconclusive",
            "worst_margin",
            "certificate_methods",
            "negative_control",
        ):
            assert key in c
        assert c["status"] == "verified" and c["negative_control"]["detected"]
    lines = read_evidence(tmp_path / "evidence.jsonl")
    assert len(lines) == len(plan_tasks(CLAIMS, instances=3, seed=1))
    assert (tmp_path / "report.md").read_text().startswith("# sublevel verification report")


def test_one_and_two_workers_give_the_same_report(tmp_path):
    one = run_verification(CLAIMS, instances=4, seed=7, workers=1, out=tmp_path / "w1")
    two = run_verification(CLAIMS, instances=4, seed=7, workers=2, out=tmp_path / "w2")
    assert comparable(one.report) == comparable(two.report)
    assert comparable(load_report(tmp_path / "w1")) == comparable(load_report(tmp_path / "w2"))


def test_resume_reuses_everything_and_reproduces_the_report(tmp_path):
    first = run_verification(CLAIMS, instances=3, seed=2, out=tmp_path, executor="inline")
    again = run_verification(
        CLAIMS, instances=3, seed=2, out=tmp_path, executor="inline", resume=True
    )
    assert again.computed == 0 and again.reused == first.computed
    assert comparable(first.report) == comparable(again.report)


def test_changed_parameters_are_recomputed_on_resume(tmp_path):
    run_verification(["lift.feature-map"], instances=2, seed=2, out=tmp_path, executor="inline")
    again = run_verification(
        ["lift.feature-map"],
        instances=2,
        seed=2,
        out=tmp_path,
        executor="inline",
        resume=True,
        params={"lift.feature-map": {"max_degree": "3"}},
    )
    assert again.reused == 0 and again.computed == 3


def test_kill_mid_run_then_resume_loses_nothing(tmp_path):
    """SIGKILL the real console script mid-run, resume, and compare with an uninterrupted run."""
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    args = ["verify", *CLAIMS, "--instances", "40", "--seed", "5", "--workers", "1", "--quiet"]
    exe = [sys.executable, "-m", "sublevel.proofs_checks.cli"]
    proc = subprocess.Popen(
        [*exe, *args, "--out", str(killed)],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    evidence = killed / "evidence.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline:
        if evidence.exists() and len(evidence.read_text().splitlines()) >= 5:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(read_evidence(evidence))
    total = len(plan_tasks(CLAIMS, instances=40, seed=5))
    assert 5 <= done_before < total, "the run was not interrupted mid-way"

    resumed = subprocess.run(
        [*exe, *args, "--out", str(killed), "--resume"], capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    subprocess.run([*exe, *args, "--out", str(clean)], check=True, timeout=300, capture_output=True)
    assert comparable(load_report(killed)) == comparable(load_report(clean))
    keys = {(r["claim"], r["role"], r["index"]) for r in read_evidence(evidence)}
    assert len(keys) == total


def test_truncated_last_line_is_ignored_and_repaired(tmp_path):
    run_verification(["identity.layer-cake"], instances=3, seed=0, out=tmp_path, executor="inline")
    path = tmp_path / "evidence.jsonl"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][: len(lines[-1]) // 2])
    again = run_verification(
        ["identity.layer-cake"], instances=3, seed=0, out=tmp_path, executor="inline", resume=True
    )
    assert again.computed == 1
    assert len(read_evidence(path)) == len(lines)


def test_errors_in_a_check_are_recorded_not_fatal(tmp_path):
    plugin = tmp_path / "plug.py"
    plugin.write_text(
        PLUGIN
        + """
from sublevel.theory.claims import Claim, register_claim
register_claim(Claim(id="user.raises", kind="identity", source="t", section="-",
                     statement="a check that raises"), replace=True)

@check("user.raises", instances=2)
def raises(seed):
    raise RuntimeError("boom")
"""
    )
    result = run_verification(
        ["user.raises", "user.even-seeds"],
        out=tmp_path / "o",
        plugins=[str(plugin)],
        executor="inline",
    )
    by_id = {c["id"]: c for c in result.report["claims"]}
    assert by_id["user.raises"]["status"] == "inconclusive"
    assert by_id["user.raises"]["errors"] == 2
    assert "boom" in by_id["user.raises"]["failing_instances"][0]["error"]
    assert by_id["user.even-seeds"]["status"] == "supported"
    assert result.exit_code == 0


def test_violation_gives_exit_code_one(tmp_path):
    plugin = tmp_path / "plug.py"
    plugin.write_text(PLUGIN)
    result = run_verification(
        ["user.always-violated"], out=tmp_path / "o", plugins=[str(plugin)], executor="inline"
    )
    assert result.report["claims"][0]["status"] == "violated"
    assert result.exit_code == 1


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"instances": 0}, "--instances"),
        ({"workers": 0}, "--workers"),
        ({"seed": 1.5}, "--seed"),
        ({"claim_ids": ["lift.quadratc"]}, "lift.quadratic"),
        ({"params": {"lift.quadratic": {"nope": 1}}}, "no parameter 'nope'"),
        ({"params": {"lift.quadratic": {"max_n": "x"}}}, "max_n"),
    ],
)
def test_bad_input(tmp_path, kwargs, fragment):
    kwargs.setdefault("claim_ids", ["lift.quadratic"])
    with pytest.raises(InputError, match=fragment):
        run_verification(out=tmp_path, executor="inline", **kwargs)


def test_unwritable_out(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="not writable"):
        run_verification(["lift.quadratic"], out=blocker / "sub", executor="inline")


def test_not_implemented_claims_are_listed_never_verified(tmp_path):
    from sublevel.theory.claims import Claim, register_claim

    register_claim(
        Claim(
            id="user.no-check",
            kind="constructive",
            source="t",
            section="-",
            statement="a claim nobody has implemented",
        ),
        replace=True,
    )
    result = run_verification(["user.no-check"], out=tmp_path, executor="inline")
    claim = result.report["claims"][0]
    assert claim["status"] == "not implemented"
    assert claim["verified"] == 0 and claim["instances"] == 0
    assert result.exit_code == 0
