"""pytest configuration of the graders: ``--submission PATH`` (or SUBLEVEL_SUBMISSION) names
the notebook to grade; the repository root is put on sys.path so that ``assignments.grading``
imports however pytest was started."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def pytest_addoption(parser):
    parser.addoption(
        "--submission",
        default=None,
        help="the student's notebook (.ipynb or jupytext .py) to grade",
    )
