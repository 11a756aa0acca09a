"""What every grader shares: load a student's notebook as a module, a time limit, hidden
instances from seeds, and failure messages that teach.

* :func:`load_submission` reads a notebook (``.ipynb``) or its jupytext source (``.py``) with
  jupytext, runs its code cells in a fresh module (cells tagged ``demo`` are skipped: they only
  show results) and turns anything that goes wrong into one failed test;
* :func:`time_limit` stops a test after ``SUBLEVEL_GRADE_TIME_LIMIT`` seconds (default
  :data:`DEFAULT_TIME_LIMIT` = 60) with a failed test, never a hung run (POSIX ``SIGALRM``:
  the grader must run in the main thread, as pytest does);
* :func:`instance_seeds` derives the hidden instances' seeds from ``SUBLEVEL_GRADE_SEED``
  (a teacher sets a secret one; the default is public), :func:`draw` draws one example of a
  hypothesis strategy from a seed (:mod:`sublevel.numerics.strategies`), deterministically;
* :func:`call` runs one student function, :func:`array` checks what it returned (shape,
  finite values), :func:`describe` reads a certificate aloud (method, outcome, argmax, margin).

Every student error ends in :func:`fail`: ``pytest.fail(..., pytrace=False)``, one message and
no traceback from inside sublevel.
"""

from __future__ import annotations

import linecache
import math
import os
import signal
import sys
import threading
import time
import traceback
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import pytest

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "GradeTimeout",
    "time_limit",
    "limit_seconds",
    "fail",
    "submission_path",
    "load_submission",
    "instance_seeds",
    "draw",
    "call",
    "invoke",
    "array",
    "describe",
]

#: seconds a grader test may take (override: SUBLEVEL_GRADE_TIME_LIMIT)
DEFAULT_TIME_LIMIT = 60.0
#: cells with this tag are not run when a notebook is imported for grading
DEMO_TAG = "demo"
#: the public default of SUBLEVEL_GRADE_SEED (a teacher sets a secret one)
DEFAULT_SEED = 2026


class GradeTimeout(Exception):
    """Raised inside a graded call when the time limit is reached."""


def fail(message: str) -> NoReturn:
    """One failed test with ``message`` and no traceback (pytest ``pytrace=False``; raised
    ``from None`` so that no student exception is printed above it)."""
    raise pytest.fail.Exception(message, pytrace=False) from None


def limit_seconds() -> float:
    """The per-test time limit: SUBLEVEL_GRADE_TIME_LIMIT or 60 s."""
    raw = os.environ.get("SUBLEVEL_GRADE_TIME_LIMIT", "")
    try:
        value = float(raw) if raw else DEFAULT_TIME_LIMIT
    except ValueError:
        fail(f"SUBLEVEL_GRADE_TIME_LIMIT={raw!r} is not a number of seconds")
    if not (value > 0 and math.isfinite(value)):
        fail(f"SUBLEVEL_GRADE_TIME_LIMIT={raw!r} must be a positive number of seconds")
    return value


@contextmanager
def time_limit(seconds: float | None = None, what: str = "this test") -> Iterator[None]:
    """Fail the test if the block runs longer than ``seconds`` (default :func:`limit_seconds`).

    Uses ``SIGALRM`` (POSIX, main thread): Python code is interrupted between bytecodes, a long
    numpy call when it returns. Elsewhere the block runs without a limit."""
    seconds = limit_seconds() if seconds is None else seconds
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def _alarm(signum: int, frame: Any) -> None:
        raise GradeTimeout(f"{what} took longer than the time limit of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.perf_counter()
    try:
        yield
    except GradeTimeout:
        fail(
            f"time limit: {what} took longer than {seconds:g} s (stopped after "
            f"{time.perf_counter() - start:.1f} s). Look for a loop that never ends or a "
            "computation far larger than the instance needs."
        )
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------------------- submissions


def submission_path(folder: Path, source: str, config: Any = None) -> Path:
    """The notebook to grade: ``--submission`` (pytest option), else SUBLEVEL_SUBMISSION, else
    the reference solution ``folder/source`` (so that a teacher's run checks the grader). A
    folder stands for ``<folder>/<assignment folder name>.ipynb`` (what the builder writes), so
    one run can grade every assignment of a student."""
    chosen = None
    if config is not None:
        try:
            chosen = config.getoption("submission")
        except ValueError:
            chosen = None
    chosen = chosen or os.environ.get("SUBLEVEL_SUBMISSION") or str(folder / source)
    path = Path(chosen).expanduser()
    if path.is_dir():  # a folder of submissions, one per assignment: <folder name>.ipynb
        path = path / f"{folder.name}.ipynb"
    if not path.is_file():
        fail(f"submission {str(path)!r} does not exist (set SUBLEVEL_SUBMISSION to your notebook)")
    return path


def _cell_source(cell: Any) -> str:
    lines = []
    for line in cell.source.splitlines():
        stripped = line.lstrip()
        # IPython magics and shell escapes are not Python: a graded notebook does not need them
        lines.append("pass  # " + stripped if stripped.startswith(("%", "!")) else line)
    return "\n".join(lines)


def load_submission(
    path: Path, *, name: str = "submission", seconds: float | None = None
) -> types.ModuleType:
    """Run the code cells of the notebook at ``path`` (not the ``demo`` ones) in a new module.

    A notebook that cannot be read, raises in a cell, or takes longer than the time limit is
    one failed test naming the cell (its number counts code cells from 1)."""
    try:
        import jupytext
    except ImportError:  # pragma: no cover - the course extra is installed where graders run
        fail("grading needs jupytext (the course extra): pip install -e '.[course]'")
    try:
        nb = jupytext.read(str(path))
    except Exception as exc:  # any reader error is the submission's
        fail(f"could not read {path.name} as a notebook: {type(exc).__name__}: {exc}")
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name
    cells = [c for c in nb.cells if c.cell_type == "code"]
    with time_limit(seconds, what=f"importing {path.name}"):
        for number, cell in enumerate(cells, start=1):
            if DEMO_TAG in cell.metadata.get("tags", []):
                continue
            code = _cell_source(cell)
            filename = f"<{path.name}: code cell {number}>"
            # tracebacks and messages can then quote the student's line
            linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
            try:
                exec(compile(code, filename, "exec"), module.__dict__)
            except GradeTimeout:
                raise
            except BaseException as exc:  # SystemExit, KeyboardInterrupt from a cell included
                where = _student_line(exc, path.name)
                fail(
                    f"{path.name} does not import: code cell {number} raised "
                    f"{type(exc).__name__}: {exc}{where}"
                )
    return module


def _student_line(exc: BaseException, filename: str) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if filename in f.filename]
    if not frames:
        return ""
    f = frames[-1]
    where = f.filename.strip("<>")
    return f" ({where}, line {f.lineno}: {f.line})" if f.line else f" ({where}, line {f.lineno})"


# ---------------------------------------------------------------------------- instances


def instance_seeds(count: int, salt: int = 0) -> list[int]:
    """``count`` seeds derived from SUBLEVEL_GRADE_SEED (default 2026) and ``salt``."""
    raw = os.environ.get("SUBLEVEL_GRADE_SEED", str(DEFAULT_SEED))
    try:
        base = int(raw)
    except ValueError:
        fail(f"SUBLEVEL_GRADE_SEED={raw!r} is not an integer")
    state = np.random.SeedSequence([abs(base), salt]).generate_state(count)
    return [int(s) for s in state]


def draw(strategy: Any, seed: int) -> Any:
    """One example of a hypothesis ``strategy``, the same for the same ``seed``.

    Hypothesis tries the simplest example first; the third example of a seeded run is a
    random draw."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    box: list[Any] = []

    @settings(
        max_examples=3,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
    )
    @hseed(seed)
    @given(strategy)
    def capture(value: Any) -> None:
        box.append(value)

    capture()
    return box[-1]


# ---------------------------------------------------------------------------- student calls


def call(
    fn_name: str, module: types.ModuleType, *args: Any, context: str = "", **kwargs: Any
) -> Any:
    """``module.fn_name(*args, **kwargs)``; any exception is one failed test naming the
    function and the ``context`` (the instance and its seed)."""
    fn = getattr(module, fn_name, None)
    if not callable(fn):
        fail(f"your notebook defines no function `{fn_name}`")
    return invoke(fn, f"`{fn_name}`", *args, context=context, **kwargs)


def invoke(fn: Callable[..., Any], label: str, *args: Any, context: str = "", **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` for a function the student wrote (``label`` names it)."""
    try:
        return fn(*args, **kwargs)
    except (GradeTimeout, KeyboardInterrupt, pytest.fail.Exception, pytest.skip.Exception):
        raise
    except NotImplementedError:
        fail(
            f"{label} is not written yet (it raises NotImplementedError): fill in the cell "
            f"marked YOUR CODE HERE. {context}"
        )
    except BaseException as exc:  # SystemExit from student code is the student's too
        code = getattr(fn, "__code__", None)
        where = _student_line(exc, Path(code.co_filename).name) if code else ""
        fail(f"{label} raised {type(exc).__name__}: {exc}{where}. {context}")


def array(value: Any, shape: tuple[int, ...] | None, what: str, context: str = "") -> np.ndarray:
    """``value`` as a finite float64 array of ``shape`` (None: any), else one failed test."""
    if value is None:
        fail(f"{what} is None: did you forget a `return`? {context}")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        fail(f"{what} is not an array of numbers ({type(value).__name__}: {exc}). {context}")
    if shape is not None and arr.shape != tuple(shape):
        fail(f"{what} has shape {arr.shape}; expected {tuple(shape)}. {context}")
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        fail(f"{what} has a non-finite value at index {tuple(int(i) for i in bad)}. {context}")
    return arr


def describe(cert: Any) -> str:
    """A certificate in one sentence: method, outcome, max E at argmax t, bound, margin."""
    enclosure = getattr(cert, "max_energy_enclosure", None)
    enc = f", enclosure [{enclosure[0]:.6g}, {enclosure[1]:.6g}]" if enclosure else ""
    return (
        f"{cert.method} certificate: {cert.outcome}; max E = {cert.max_energy:.10g} at "
        f"t = {cert.argmax_t:.4g} (local time on the piece), bound {cert.bound:.10g}, "
        f"margin {cert.margin:.3g}{enc}"
    )


def run_graded(body: Callable[[], None], what: str) -> None:
    """Run ``body`` under the time limit (a helper for graders written as plain functions)."""
    with time_limit(what=what):
        body()
