"""Sweeps on a dask cluster: a LocalCluster with two workers gives the same report.json as the
local process pool (timings aside), streams into the same evidence file, resumes the same; a
scheduler that does not answer is a one-line error after a bounded wait, and nothing is lost."""

from __future__ import annotations

import concurrent.futures as cf
import json
import socket
import subprocess
import sys
import time

import pytest

pytest.importorskip(
    "distributed", reason="the dask extra (pip install 'sublevel[dask]') is not installed"
)

from sublevel.proofs_checks.distributed import dask_executor
from sublevel.proofs_checks.report import TIMING_KEYS
from sublevel.proofs_checks.runner import read_evidence, run_verification
from sublevel.theory.errors import InputError

from .helpers import PLUGIN

CLAIMS = ["lift.feature-map", "identity.layer-cake"]


def _report_text(out) -> str:
    """report.json as text with the timing keys removed (what must match byte for byte)."""
    report = json.loads((out / "report.json").read_text())
    return json.dumps({k: v for k, v in report.items() if k not in TIMING_KEYS}, indent=2)


@pytest.fixture(scope="module")
def cluster_executor():
    with dask_executor("local", workers=2) as executor:
        yield executor


def test_local_cluster_matches_the_process_pool_byte_for_byte(tmp_path, cluster_executor):
    plugin = tmp_path / "user_claims.py"
    plugin.write_text(PLUGIN)
    ids = [*CLAIMS, "user.even-seeds"]
    local = run_verification(
        ids, instances=4, seed=9, workers=2, out=tmp_path / "local", plugins=[str(plugin)]
    )
    dask = run_verification(
        ids,
        instances=4,
        seed=9,
        workers=2,
        out=tmp_path / "dask",
        executor=cluster_executor,
        plugins=[str(plugin)],
    )
    assert _report_text(tmp_path / "local") == _report_text(tmp_path / "dask")
    assert dask.computed == local.computed == 3 * 4 + 3  # every instance and negative control
    lines = read_evidence(tmp_path / "dask" / "evidence.jsonl")
    assert len(lines) == dask.computed  # streamed into the same evidence file format


def test_resume_on_the_cluster_reuses_the_local_evidence(tmp_path, cluster_executor):
    out = tmp_path / "run"
    first = run_verification(CLAIMS, instances=2, seed=4, out=out, executor="inline")
    resumed = run_verification(
        CLAIMS, instances=5, seed=4, out=out, executor=cluster_executor, resume=True
    )
    assert resumed.reused == first.computed and resumed.computed == 2 * 3
    fresh = run_verification(CLAIMS, instances=5, seed=4, out=tmp_path / "fresh", executor="inline")
    assert fresh.computed == resumed.computed + resumed.reused
    assert _report_text(out) == _report_text(tmp_path / "fresh")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_silent_scheduler_is_a_clear_error_after_a_bounded_wait_and_nothing_is_lost(tmp_path):
    out = tmp_path / "run"
    run_verification(CLAIMS, instances=2, seed=1, out=out, executor="inline")
    before = (out / "evidence.jsonl").read_bytes()
    address = f"tcp://127.0.0.1:{_free_port()}"  # nobody listens there
    start = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sublevel.proofs_checks.cli",
            "verify",
            *CLAIMS,
            "--resume",
            "--out",
            str(out),
            "--scheduler",
            address,
            "--scheduler-timeout",
            "2",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    waited = time.perf_counter() - start
    assert proc.returncode == 2
    assert proc.stderr.startswith(
        f"sublevel: error: dask scheduler {address!r} did not answer within 2 s"
    )
    assert "nothing was run" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert waited < 60  # bounded: the timeout plus interpreter start-up, not a hang
    assert (out / "evidence.jsonl").read_bytes() == before  # nothing lost, nothing moved


def test_dask_executor_raises_input_error_for_an_unreachable_scheduler():
    with pytest.raises(InputError, match="did not answer within 1 s"):
        with dask_executor(f"tcp://127.0.0.1:{_free_port()}", timeout=1.0):
            pass  # pragma: no cover - never entered


class _DyingExecutor(cf.ThreadPoolExecutor):
    """An executor whose workers die after ``survive`` tasks (a cluster that goes away)."""

    def __init__(self, survive: int):
        super().__init__(max_workers=1)
        self.survive = survive

    def submit(self, fn, /, *args, **kwargs):
        self.survive -= 1
        if self.survive < 0:  # runs after the survivors (one worker, in order), then fails
            return super().submit(_lost)
        return super().submit(fn, *args, **kwargs)


def _lost():
    raise OSError("connection to the scheduler was lost")


def test_a_cluster_lost_mid_run_keeps_what_finished_and_resume_completes(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(InputError, match="rerun with --resume"):
        run_verification(CLAIMS, instances=4, seed=6, out=out, executor=_DyingExecutor(survive=5))
    kept = read_evidence(out / "evidence.jsonl")
    assert len(kept) == 5  # every instance that finished before the loss is on disk
    done = run_verification(CLAIMS, instances=4, seed=6, out=out, executor="inline", resume=True)
    assert done.reused == len(kept) and done.reused + done.computed == 2 * 5
    run_verification(CLAIMS, instances=4, seed=6, out=tmp_path / "clean", executor="inline")
    assert _report_text(out) == _report_text(tmp_path / "clean")


def test_cli_dask_local_round_trip(tmp_path):
    from sublevel.proofs_checks.cli import main

    out = tmp_path / "cli"
    assert (
        main(
            [
                "verify",
                "lift.feature-map",
                "--instances",
                "3",
                "--seed",
                "2",
                "--dask",
                "local",
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
    run_verification(
        ["lift.feature-map"], instances=3, seed=2, out=tmp_path / "local", executor="inline"
    )
    assert _report_text(out) == _report_text(tmp_path / "local")
