"""README.md and .ci/run agree: CI runs exactly the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _commands(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    blocks = _commands((ROOT / "README.md").read_text())
    main_job, tests = blocks[0], blocks[1]
    assert main_job.endswith("sublevel verify")
    assert "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert tests in ci, "the README's test command must appear verbatim in .ci/run"
    # torch is pinned before any extra that names torch
    assert tests.index("torch==2.13.0") < tests.index(".[test,torch")
