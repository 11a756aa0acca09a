"""The verification runner: claims × instances → evidence.jsonl → report.

``run_verification`` derives one seed per (run seed, claim, index), sends the instances through a
:class:`concurrent.futures.Executor` (a process pool by default, a thread pool, in-process, or any
executor the caller passes — e.g. a ``dask.distributed`` client's), and appends each finished
instance to ``DIR/evidence.jsonl`` at once (one JSON object per line, flushed). With
``resume=True`` the instances already in that file (same claim, role, index, seed and
parameters) are skipped, so a run killed at any moment loses nothing and a resumed run ends with
the same report as an uninterrupted one.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import multiprocessing
import os
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sublevel.proofs_checks.evidence import Evidence, enforce_proof_rule, error_evidence
from sublevel.proofs_checks.figures import add_figures, prefetch_plotting
from sublevel.proofs_checks.registry import CHECKS, load_builtin_checks, load_checks, load_plugin
from sublevel.proofs_checks.report import SCHEMA_VERSION, build_report, write_reports
from sublevel.proofs_checks.seeds import instance_seed, params_digest
from sublevel.theory.claims import get_claim
from sublevel.theory.errors import InputError

__all__ = [
    "Task",
    "execute_task",
    "plan_tasks",
    "run_verification",
    "rebuild_report",
    "read_run_file",
    "make_executor",
    "RunResult",
]

EVIDENCE_FILE = "evidence.jsonl"
RUN_FILE = "run.json"


@dataclass(frozen=True)
class Task:
    """One instance (or the negative control) of one claim's check."""

    claim_id: str
    role: str
    index: int
    seed: int
    params: tuple[tuple[str, Any], ...]
    plugins: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str, int, int, str]:
        """(claim, role, index, seed, params digest): what identifies this task's evidence, so
        ``--resume`` and ``report`` match a line of ``evidence.jsonl`` to it (see
        :func:`evidence_key`)."""
        return (self.claim_id, self.role, self.index, self.seed, params_digest(dict(self.params)))


def evidence_key(d: dict[str, Any]) -> tuple[str, str, int, int, str]:
    """The :attr:`Task.key` of an evidence record read from ``evidence.jsonl``."""
    return (d["claim"], d["role"], int(d["index"]), int(d["seed"]), params_digest(d["params"]))


def execute_task(task: Task) -> dict[str, Any]:
    """Run one task (in a worker) and return its evidence as a JSON-ready dict.

    An exception inside a check becomes an ``inconclusive`` evidence (``not detected`` for a
    negative control; a guard's ``HypothesisError`` is recorded as ``details["precondition"]``)
    with the error recorded: one broken instance never loses the others. The proof rule
    (:func:`~sublevel.proofs_checks.evidence.enforce_proof_rule`) is applied to what the check returned.
    """
    load_checks([task.claim_id])
    for plugin in task.plugins:
        load_plugin(plugin)
    chk = CHECKS[task.claim_id]
    fn = chk.run if task.role == "instance" else chk.negative_control
    params = dict(task.params)
    start = time.perf_counter()
    try:
        if fn is None:
            raise InputError(f"claim {task.claim_id!r} has no {task.role}")
        evidence = fn(task.seed, **params)
        if not isinstance(evidence, Evidence):
            raise TypeError(f"check returned {type(evidence).__name__}, not Evidence")
    except Exception as exc:  # record, never crash the run
        evidence = error_evidence(exc, task.role, traceback.format_exc(limit=8))
    evidence.claim = task.claim_id
    evidence.role = task.role
    enforce_proof_rule(evidence)
    evidence.index = task.index
    evidence.seed = task.seed
    evidence.params = params
    evidence.wall_time = time.perf_counter() - start
    return evidence.to_dict()


def plan_tasks(
    claim_ids: Sequence[str],
    *,
    instances: int | None,
    seed: int,
    params: dict[str, dict[str, Any]] | None = None,
    plugins: Sequence[str] = (),
    instance_seeds: Sequence[int] | None = None,
) -> list[Task]:
    """All tasks of a run, in a deterministic order (claim, negative control, instances).

    With ``instance_seeds`` the instances are exactly those seeds (index 0, 1, … in that order)
    and no negative control runs: what a report's ``reproduce`` line asks for.
    """
    tasks: list[Task] = []
    for cid in claim_ids:
        chk = CHECKS.get(cid)
        if chk is None:
            continue
        merged = chk.params((params or {}).get(cid))
        frozen = tuple(sorted(merged.items()))
        if instance_seeds is not None:
            for i, s in enumerate(instance_seeds):
                tasks.append(Task(cid, "instance", i, int(s), frozen, tuple(plugins)))
            continue
        count = chk.instances if instances is None else instances
        if chk.negative_control is not None:
            s = instance_seed(seed, cid, 0, "negative_control")
            tasks.append(Task(cid, "negative_control", 0, s, frozen, tuple(plugins)))
        for i in range(count):
            tasks.append(
                Task(cid, "instance", i, instance_seed(seed, cid, i), frozen, tuple(plugins))
            )
    return tasks


def read_evidence(path: Path) -> list[dict[str, Any]]:
    """Every complete line of an evidence file (a line cut by a kill is ignored)."""
    if not path.exists():
        return []
    records = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return records


class _EvidenceWriter:
    """Appends one JSON line per finished instance, flushed at once."""

    def __init__(self, path: Path):
        self.path = path
        needs_newline = path.exists() and path.stat().st_size > 0 and not _ends_with_newline(path)
        self.fh = path.open("a", encoding="utf-8")
        if needs_newline:  # a previous run was killed mid-line
            self.fh.write("\n")

    def write(self, record: dict[str, Any]) -> None:
        self.fh.write(json.dumps(record, sort_keys=True, default=str) + "\n")
        self.fh.flush()

    def close(self) -> None:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


def make_executor(kind: str, workers: int) -> cf.Executor:
    """A local executor: ``process`` (default), ``thread`` or ``inline`` (same process)."""
    if kind == "process":
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["sublevel.proofs_checks.runner"])
        return cf.ProcessPoolExecutor(
            max_workers=workers, mp_context=ctx, initializer=_single_threaded_blas
        )
    if kind == "thread":
        return cf.ThreadPoolExecutor(max_workers=workers)
    if kind == "inline":
        return _InlineExecutor()
    raise InputError(f"executor {kind!r} is not one of process, thread, inline")


def _single_threaded_blas() -> None:
    """Worker initialiser: one BLAS thread per worker process.

    W workers × a multi-threaded BLAS oversubscribe the cores; on 2 cores scipy's L-BFGS-B was
    measured ~100× slower with OpenBLAS threads competing. (dask's nanny sets the same limits
    through OMP/OPENBLAS_NUM_THREADS.)
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        return
    threadpool_limits(limits=1)


class _InlineExecutor(cf.Executor):
    """Runs each task at submission, in this process (debugging, tests, workers=1 fast path)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # pragma: no cover - execute_task catches everything
            future.set_exception(exc)
        return future


@dataclass
class RunResult:
    """What a run returns: the report dict, the output folder, the exit code (0, or 1 if a claim
    is violated), how many instances were computed and reused from ``evidence.jsonl``, whether
    the run was interrupted, and the paths written (``report.json``, ``report.md``, …)."""

    report: dict[str, Any]
    out: Path
    exit_code: int
    computed: int
    reused: int
    interrupted: bool = False
    paths: dict[str, Path] = field(default_factory=dict)


def _check_writable(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".sublevel-write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise InputError(f"--out {str(out)!r} is not writable: {exc.strerror or exc}") from None


def resolve_claims(ids: Iterable[str] | None) -> list[str]:
    """Requested ids (validated; only their check modules are imported), or every implemented
    claim in registry order."""
    from sublevel.theory.claims import CLAIMS

    if not ids:
        load_builtin_checks()
        return [cid for cid in CLAIMS if cid in CHECKS]
    out: list[str] = []
    for cid in ids:
        get_claim(cid)
        if cid not in out:
            out.append(cid)
    load_checks(out)
    return out


def run_verification(
    claim_ids: Sequence[str] | None = None,
    *,
    instances: int | None = None,
    seed: int = 0,
    workers: int = 1,
    out: str | os.PathLike[str] = "sublevel-out",
    resume: bool = False,
    executor: str | cf.Executor = "process",
    params: dict[str, dict[str, Any]] | None = None,
    plugins: Sequence[str] = (),
    progress: Callable[[int, int, dict[str, Any] | None], None] | None = None,
    figures: bool = False,
    html: bool = False,
    instance_seeds: Sequence[int] | None = None,
) -> RunResult:
    """Run the checks of ``claim_ids`` and write evidence.jsonl, report.json and report.md
    (and the figures, and report.html, when asked).

    ``progress(done, total, record)`` is called after each finished instance.
    ``instance_seeds`` runs exactly the instances with those seeds (no negative control): the
    ``reproduce`` line of a report. ``resume=True`` refuses (InputError) a folder written with
    an older ``schema_version``.
    Returns a :class:`RunResult` whose ``exit_code`` is 0, or 1 if a claim is ``violated``.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as out:
    ...     run = run_verification(["lift.quadratic"], instances=2, out=out, executor="inline")
    >>> run.report["claims"][0]["status"]
    'verified'
    """
    for plugin in plugins:
        load_plugin(plugin)
    ids = resolve_claims(claim_ids)
    if instances is not None and (not isinstance(instances, int) or instances < 1):
        raise InputError(f"--instances {instances!r}: need an integer ≥ 1")
    if not isinstance(workers, int) or workers < 1:
        raise InputError(f"--workers {workers!r}: need an integer ≥ 1")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise InputError(f"--seed {seed!r}: need an integer")
    if instance_seeds is not None:
        instance_seeds = [_instance_seed_value(s) for s in instance_seeds]
        if not instance_seeds:
            raise InputError("--instance-seed: give at least one seed")
    out_path = Path(out)
    if resume:
        check_schema(out_path)
    _check_writable(out_path)
    evidence_path = out_path / EVIDENCE_FILE

    tasks = plan_tasks(
        ids,
        instances=instances,
        seed=seed,
        params=params,
        plugins=plugins,
        instance_seeds=instance_seeds,
    )
    wanted = {t.key for t in tasks}
    _write_run_file(out_path, ids, instances, seed, params, plugins, instance_seeds)
    if resume:
        done = {
            evidence_key(r): r for r in read_evidence(evidence_path) if evidence_key(r) in wanted
        }
    else:
        if evidence_path.exists():
            evidence_path.replace(out_path / "evidence.previous.jsonl")
        done = {}
    pending = [t for t in tasks if t.key not in done]

    started = time.perf_counter()
    writer = _EvidenceWriter(evidence_path)
    finished: dict[tuple, dict[str, Any]] = dict(done)
    interrupted = False
    owns_executor = isinstance(executor, str)
    pool = make_executor(executor, workers) if isinstance(executor, str) else executor
    # the plotting imports overlap the checks when these run elsewhere (not inline)
    prefetch = prefetch_plotting() if figures and pending and executor != "inline" else None
    if progress:
        progress(len(done), len(tasks), None)
    lost: BaseException | None = None
    futures: dict[cf.Future, Task] = {}
    try:
        futures = {pool.submit(execute_task, t): t for t in pending}
        for fut in cf.as_completed(futures):
            try:
                record = fut.result()
            except Exception as exc:  # the executor itself failed (a worker or scheduler died)
                lost = exc
                interrupted = True
                break
            writer.write(record)
            finished[futures[fut].key] = record
            if progress:
                progress(len(finished), len(tasks), record)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if interrupted:
            for f in futures:
                f.cancel()
        writer.close()
        if owns_executor:
            pool.shutdown(wait=not interrupted, cancel_futures=True)
    elapsed = time.perf_counter() - started

    records = [finished[t.key] for t in tasks if t.key in finished]
    report = build_report(
        ids,
        records,
        seed=seed,
        instances=instances,
        elapsed=elapsed,
        complete=not interrupted and len(records) == len(tasks),
        plugins=plugins,
        controls_planned=instance_seeds is None,
    )
    if figures:
        if prefetch is not None:
            prefetch.join()
        add_figures(report, records, out_path)
    paths = write_reports(report, out_path, html=html)
    if lost is not None:
        raise InputError(
            f"the executor failed after {len(records)} of {len(tasks)} instances "
            f"({type(lost).__name__}: {lost}); what finished is in {evidence_path}; "
            "rerun with --resume"
        )
    violated = any(c["status"] == "violated" for c in report["claims"])
    return RunResult(
        report=report,
        out=out_path,
        exit_code=1 if violated else 0,
        computed=len(records) - len(done),
        reused=len(done),
        interrupted=interrupted,
        paths=paths,
    )


def _instance_seed_value(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"--instance-seed {value!r}: need an integer ≥ 0")
    return value


def check_schema(out: Path) -> None:
    """Refuse (one-line InputError) an output folder written with another report schema."""
    found: list[tuple[str, Any]] = []
    run = read_run_file(out)
    if run is not None:
        found.append((RUN_FILE, run.get("schema_version")))
    report = out / "report.json"
    if report.exists():
        try:
            found.append(("report.json", json.loads(report.read_text()).get("schema_version")))
        except (json.JSONDecodeError, AttributeError):
            found.append(("report.json", None))
    if not found and (out / EVIDENCE_FILE).exists():
        found.append((EVIDENCE_FILE, None))
    for name, version in found:
        if version != SCHEMA_VERSION:
            written = (
                "an older schema (no schema_version)" if version is None else f"schema {version}"
            )
            raise InputError(
                f"{str(out)!r} was written with {written} ({name}); this sublevel writes "
                f"schema {SCHEMA_VERSION}: rerun without --resume or with a new --out"
            )


def _write_run_file(
    out: Path,
    ids: Sequence[str],
    instances: int | None,
    seed: int,
    params: dict[str, dict[str, Any]] | None,
    plugins: Sequence[str],
    instance_seeds: Sequence[int] | None = None,
) -> None:
    """DIR/run.json: what this run was asked to do (read back by --resume and ``report``)."""
    data = {
        "schema_version": SCHEMA_VERSION,
        "claims": list(ids),
        "instances": instances,
        "seed": seed,
        "params": params or {},
        "plugins": list(plugins),
        "instance_seeds": None if instance_seeds is None else list(instance_seeds),
    }
    (out / RUN_FILE).write_text(json.dumps(data, indent=2, default=str) + "\n")


def read_run_file(out: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The settings of the run recorded in DIR/run.json (None if there is none)."""
    path = Path(out) / RUN_FILE
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not valid JSON: {exc}") from None


def rebuild_report(
    out: str | os.PathLike[str], *, figures: bool = True, html: bool = False
) -> RunResult:
    """Rebuild report.json/md (and figures, html) from DIR/run.json and DIR/evidence.jsonl."""
    out_path = Path(out)
    run = read_run_file(out_path)
    if run is None:
        raise InputError(f"{str(out_path)!r} has no {RUN_FILE}: not a sublevel output folder")
    check_schema(out_path)
    for plugin in run.get("plugins", []):
        load_plugin(plugin)
    ids = resolve_claims(run["claims"])
    tasks = plan_tasks(
        ids,
        instances=run["instances"],
        seed=run["seed"],
        params=run["params"],
        plugins=run.get("plugins", []),
        instance_seeds=run.get("instance_seeds"),
    )
    found = {evidence_key(r): r for r in read_evidence(out_path / EVIDENCE_FILE)}
    records = [found[t.key] for t in tasks if t.key in found]
    report = build_report(
        ids,
        records,
        seed=run["seed"],
        instances=run["instances"],
        elapsed=0.0,
        complete=len(records) == len(tasks),
        plugins=run.get("plugins", []),
        controls_planned=run.get("instance_seeds") is None,
    )
    if figures:
        add_figures(report, records, out_path)
    paths = write_reports(report, out_path, html=html)
    violated = any(c["status"] == "violated" for c in report["claims"])
    return RunResult(
        report=report,
        out=out_path,
        exit_code=1 if violated else 0,
        computed=0,
        reused=len(records),
        paths=paths,
    )
