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


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_the_top_level_tour_runs():
    """The README's first block, the curated top level ``import sublevel as sl``, runs."""
    block = _python_blocks((ROOT / "README.md").read_text())[0]
    assert block.startswith("import sublevel as sl")
    namespace: dict = {}
    exec(compile(block, "README.md (top level)", "exec"), namespace)
    sl = namespace["sl"]
    assert sl.certify_polynomial([1, 0, 1, -1], 1).outcome == "fails"


def test_the_python_tour_runs(tmp_path, monkeypatch):
    """The README's API tour is executed as written (in a scratch folder: it writes runs/q)."""
    tour = _python_blocks((ROOT / "README.md").read_text())[1]
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(tour, "README.md (API tour)", "exec"), namespace)
    assert namespace["cert"].holds and namespace["r"].connected
    assert namespace["cert"].max_energy_enclosure == (1.0, 1.0)
    assert namespace["result"].report["claims"][0]["status"] == "verified"


def test_the_property_based_example_is_the_tested_one():
    """The README's property-based example is the block docs/src/testing.md holds (which
    tests/docs runs as a pytest module)."""
    readme = _python_blocks((ROOT / "README.md").read_text())
    docs = _python_blocks((ROOT / "docs" / "src" / "testing.md").read_text())
    assert docs[0] in readme
