"""pytest configuration of the graders, shared by every ``<assignment>/grade.py``:

* ``--submission PATH`` (or SUBLEVEL_SUBMISSION) names the notebook to grade;
* the repository root is put on sys.path so that ``assignments.grading`` imports however
  pytest was started;
* the ``student`` fixture: the graded submission loaded as a module, once per grader
  (:func:`assignments.grading.load_submission` of
  :func:`assignments.grading.submission_path` for the grader's folder and its ``SOURCE``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def pytest_addoption(parser):
    parser.addoption(
        "--submission",
        default=None,
        help="the student's notebook (.ipynb or jupytext .py) to grade",
    )


@pytest.fixture(scope="module")
def student(request):
    """The submission graded by the requesting ``grade.py`` (its folder, its ``SOURCE``)."""
    from assignments.grading import load_submission, submission_path

    folder = Path(request.module.__file__).resolve().parent
    return load_submission(
        submission_path(folder, request.module.SOURCE, request.config),
        name=f"submission_{folder.name}",
    )
