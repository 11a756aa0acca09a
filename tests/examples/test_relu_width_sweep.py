"""examples/relu_width_sweep.py runs end to end on a tiny sweep and writes its plot and numbers."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "examples" / "relu_width_sweep.py"


def test_width_sweep_example(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("relu_width_sweep", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    png, js = tmp_path / "w.png", tmp_path / "w.json"
    code = module.main(
        [
            "--widths",
            "4",
            "8",
            "--samples",
            "30",
            "--teacher",
            "2",
            "--maxiter",
            "60",
            "--out",
            str(png),
            "--json",
            str(js),
        ]
    )
    assert code == 0 and png.stat().st_size > 1000
    data = json.loads(js.read_text())["studies"][0]
    assert data["widths"] == [4, 8] and len(data["levels"]) == 2
    assert all(lv >= e - 1e-12 for lv, e in zip(data["levels"], data["endpoint_max"]))
    assert "fitted exponent" in capsys.readouterr().out
