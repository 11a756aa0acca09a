"""examples/relu_six_part_path.py builds, certifies and plots one Theorem 2.4 path."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "relu_six_part_path.py"


def test_six_part_path_example(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("relu_six_part_path", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    png = tmp_path / "six.png"
    code = module.main(["--width", "6", "--samples", "30", "--maxiter", "80", "--out", str(png)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert png.stat().st_size > 1000
    assert "every piece and every promise certified (rigorous): True" in out
    for step in ("(1)", "(2)", "(3)", "(4)", "(5)", "(6)"):
        assert step in out
