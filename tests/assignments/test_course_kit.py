"""The course kit: notebooks built from the jupytext sources run headless through a real
Jupyter kernel; every solution passes its grader and every unmodified student version fails
it with the teaching message; student versions hold no solution text; bad submissions are one
clear failed test (never a hang, never a traceback from inside sublevel)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
import types
from pathlib import Path

import numpy as np
import pytest

INSTALL = "the course extra is not installed: pip install -e '.[course]'"
jupytext = pytest.importorskip("jupytext", reason=INSTALL)
pytest.importorskip("nbclient", reason=INSTALL)
pytest.importorskip("ipykernel", reason=INSTALL)

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assignments import ASSIGNMENTS, grading  # noqa: E402
from assignments.build import BEGIN, END, LINE, build, execute, source_of, strip  # noqa: E402

GRADERS = [str(ROOT / "assignments" / name / "grade.py") for name in ASSIGNMENTS]
#: every test of every grader, by assignment
GRADER_TESTS = {
    "01_deep_linear": [
        "test_preprocess_keeps_the_energy_constant",
        "test_full_rank_join_stays_injective",
        "test_connect_is_certified",
        "test_equal_width_is_refused",
        "test_descend_reaches_a_global_minimum",
    ],
    "02_intrinsic_dimension": [
        "test_intrinsic_dimension_matches_the_exact_rank",
        "test_compress_keeps_the_energy_constant",
    ],
    "03_geodesic_solver": [
        "test_conformance_of_the_student_finder",
        "test_ring_valley_length_matches_the_reference",
    ],
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build(out=tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="module")
def graded(built, tmp_path_factory):
    """Both grading runs (all solutions, all student versions), started in the background as
    soon as the notebooks are built, so that they overlap with the kernel tests."""
    out = tmp_path_factory.mktemp("graded")
    runs = {}
    for kind in ("solution", "student"):
        folder = Path(built[ASSIGNMENTS[0]][kind]).parent
        log = open(out / f"{kind}.log", "w")  # a file, not a pipe: no buffer to fill
        env = dict(os.environ, SUBLEVEL_SUBMISSION=str(folder))
        # the project's pytest options apply (pyproject.toml: --import-mode=importlib, which
        # lets three files named grade.py run together)
        proc = subprocess.Popen(
            [sys.executable, "-m", "pytest", "--rootdir", str(ROOT), *GRADERS],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=env,
        )
        runs[kind] = (proc, log, out / f"{kind}.log")
    yield runs
    for proc, log, _ in runs.values():
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        log.close()


def _result(graded, kind: str) -> tuple[int, str]:
    proc, log, path = graded[kind]
    rc = proc.wait(timeout=300)
    log.flush()
    return rc, path.read_text()


def _cells_text(notebook: Path) -> str:
    nb = jupytext.read(str(notebook))
    return "\n".join(cell.source for cell in nb.cells)


def _solution_lines(source: str) -> list[str]:
    """The key lines of the solutions: inside the markers or marked on the line, long enough
    to be specific, and not also written outside the solutions."""
    inside, lines, outside = False, [], set()
    for line in source.splitlines():
        s = line.strip()
        if s == BEGIN:
            inside = True
        elif s == END:
            inside = False
        elif inside:
            lines.append(s)
        elif s.endswith(LINE):
            lines.append(s[: -len(LINE)].split("=", 1)[1].strip())
        else:
            outside.add(s)
    return [s for s in lines if len(s) >= 16 and s not in outside]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_versions_contain_no_solution_text(built, graded, name):
    source = source_of(name).read_text(encoding="utf-8")
    student = _cells_text(built[name]["student"])
    solution = _cells_text(built[name]["solution"])
    for marker in (BEGIN, END, LINE):
        assert marker not in student and marker not in solution
    keys = _solution_lines(source)
    assert len(keys) >= 5, "the source should mark its solutions"
    leaked = [k for k in keys if k in student]
    assert not leaked, f"solution lines in the student version of {name}: {leaked[:3]}"
    assert all(k in solution for k in keys)
    assert student.count("YOUR CODE HERE") >= 2


def test_the_stripper_keeps_indentation_and_left_hand_sides():
    text = (
        "def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n"
        "y = f(2)  # SOLUTION\n"
    )
    out = strip(text)
    assert "    raise NotImplementedError" in out and "x + 1" not in out
    assert "y = ...  # YOUR CODE HERE" in out
    with pytest.raises(ValueError, match="without"):
        strip("    ### BEGIN SOLUTION\nx = 1\n")


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_solution_notebook_executes_headless(built, name, tmp_path):
    nb = execute(built[name]["solution"], workdir=tmp_path, timeout=120)
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors
    printed = "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
    )
    assert printed.strip(), "the demo cell prints what to observe"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_student_notebook_executes_and_only_the_stubs_raise(built, name, tmp_path):
    nb = execute(built[name]["student"], workdir=tmp_path, timeout=120, allow_errors=True)
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert errors, "the demo cell calls the functions to be written"
    assert {e["ename"] for e in errors} == {"NotImplementedError"}


def test_solutions_pass_their_graders(graded):
    rc, out = _result(graded, "solution")
    n = sum(len(t) for t in GRADER_TESTS.values())
    assert rc == 0, out[-4000:]
    assert f"{n} passed" in out


def test_unmodified_student_versions_fail_their_graders_with_the_teaching_message(graded):
    """The negative control: every grader test fails, each with one message that names the
    function to write — and no traceback from inside sublevel."""
    rc, out = _result(graded, "student")
    assert rc == 1, out[-4000:]
    for name, tests in GRADER_TESTS.items():
        for test in tests:
            assert f"FAILED assignments/{name}/grade.py::{test}" in out, (name, test, out[-3000:])
    assert " passed" not in out
    # one teaching message per failed test (newer pytest also repeats it in the short summary)
    n = sum(len(t) for t in GRADER_TESTS.values())
    assert n <= out.count("is not written yet") <= 2 * n, out[-3000:]
    assert "instance seed" in out and "YOUR CODE HERE" in out
    assert "Traceback" not in out and "site-packages" not in out


# ---------------------------------------------------------------------------- in process


def _grader(name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"grade_{name}", ROOT / "assignments" / name / "grade.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


def _student(tmp_path: Path, name: str, text: str) -> types.ModuleType:
    path = tmp_path / f"{name}.py"
    path.write_text(text, encoding="utf-8")
    return grading.load_submission(path, name=f"mutant_{name}", seconds=60)


def _failure(fn, *args) -> str:
    with pytest.raises(pytest.fail.Exception) as info:
        fn(*args)
    return str(info.value)


def test_a_broken_proof_step_is_named_with_argmax_margin_and_seed(tmp_path):
    """A wrong move (b) (W2 not projected first, so the new columns of W1 are not killed):
    the exact certificate fails and the message names the step, argmax, margin and seed."""
    source = source_of("01_deep_linear").read_text(encoding="utf-8")
    wrong = source.replace("W2_new = W2 - W2 @ perp", "W2_new = W2 + 0.0 * perp[:1].sum()")
    assert wrong != source
    from assignments.build import solution

    grade = _grader("01_deep_linear")
    msg = _failure(
        grade.test_preprocess_keeps_the_energy_constant,
        _student(tmp_path, "deep_linear", solution(wrong)),
    )
    assert "(b) W1 ← W1 + Σ b_i a_iᵀ" in msg and "constant energy" in msg
    assert "exact certificate: fails" in msg and "at t = " in msg and "margin -" in msg
    assert re.search(r"instance seed \d+", msg)


def test_a_notebook_that_does_not_import_is_one_failure(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("# %%\nimport numpy as np\n\n# %%\nraise RuntimeError('boom')\n")
    msg = _failure(grading.load_submission, path)
    assert msg.startswith("broken.py does not import: code cell 2 raised RuntimeError: boom")
    (tmp_path / "syntax.py").write_text("# %%\ndef f(:\n")
    assert "SyntaxError" in _failure(grading.load_submission, tmp_path / "syntax.py")


def test_wrong_shapes_and_non_finite_values_are_one_failure():
    assert "has shape (2, 3); expected (3, 3)" in _failure(
        grading.array, np.zeros((2, 3)), (3, 3), "W"
    )
    assert "non-finite value at index (0, 1)" in _failure(
        grading.array, np.array([[0.0, np.nan]]), None, "W"
    )
    assert "did you forget a `return`" in _failure(grading.array, None, None, "U'")


def test_a_solver_that_returns_the_wrong_string_is_one_failure():
    grade = _grader("03_geodesic_solver")
    student = types.SimpleNamespace(refine=lambda land, beads, certs, level: beads)
    msg = _failure(grade.test_conformance_of_the_student_finder, student)
    assert "the beads returned by `refine` has shape (2, 2); expected (3, 2)" in msg


def test_a_student_function_that_exits_is_one_failure():
    grade = _grader("03_geodesic_solver")
    student = types.SimpleNamespace(refine=lambda *args: sys.exit(3))
    msg = _failure(grade.test_ring_valley_length_matches_the_reference, student)
    assert msg.startswith("`refine` raised SystemExit: 3")


def test_a_submission_that_never_ends_is_stopped_by_the_time_limit(tmp_path):
    path = tmp_path / "slow.py"
    path.write_text("# %%\nwhile True:\n    pass\n")
    start = time.perf_counter()
    msg = _failure(lambda: grading.load_submission(path, name="slow", seconds=1.0))
    assert time.perf_counter() - start < 10
    assert "time limit" in msg and "1 s" in msg


def test_the_time_limit_is_stated_and_configurable(monkeypatch):
    assert grading.DEFAULT_TIME_LIMIT == 60.0 and grading.limit_seconds() == 60.0
    monkeypatch.setenv("SUBLEVEL_GRADE_TIME_LIMIT", "5")
    assert grading.limit_seconds() == 5.0
    monkeypatch.setenv("SUBLEVEL_GRADE_TIME_LIMIT", "soon")
    assert "not a number" in _failure(grading.limit_seconds)


def test_hidden_instances_are_reproducible_from_their_seed(monkeypatch):
    grade = _grader("01_deep_linear")
    a, b = grade.instance(7), grade.instance(7)
    assert a.widths == b.widths and np.array_equal(a.X, b.X) and np.array_equal(a.wa[0], b.wa[0])
    assert a.widths[1] > a.widths[0] and a.widths[0] <= a.widths[-1]  # n ≤ m, h > n
    drawn = {tuple(grade.instance(s).widths) for s in range(6)}
    assert len(drawn) > 1, "different seeds draw different architectures"
    first = grading.instance_seeds(3)
    monkeypatch.setenv("SUBLEVEL_GRADE_SEED", "12345")
    assert grading.instance_seeds(3) != first
