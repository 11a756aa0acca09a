"""examples/spin_glass.py runs end to end (its --quick mode) and writes what it promises."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "spin_glass.py"


def _load():
    spec = importlib.util.spec_from_file_location("example_spin_glass", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_run_writes_results_and_plots(tmp_path, capsys):
    res = _load().main(["--out", str(tmp_path), "--quick"])
    for name in ("results.json", "theta_curves.png", "minima_histogram.png", "critical_counts.png"):
        assert (tmp_path / name).stat().st_size > 1000, name
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["formulas"]["disagreements_with_recalled_table"] == []
    assert all(c["holds"] for c in saved["formulas"]["consistency"].values())
    assert saved["formulas"]["table"]["3"]["E_0"] == res["formulas"]["table"]["3"]["E_0"]
    for v in saved["minima"]["sizes"].values():
        assert v["n_minima"] >= 1 and all(math.isfinite(e) for e in v["energies_per_spin"])
        assert v["min"] >= -2.5  # nothing absurd at these tiny sizes
    for v in saved["critical_points"]["sizes"].values():
        assert v["mean_total"] >= 2 and v["mean_minima"] >= 1
    pair = saved["barriers"]["pairs"][0]
    assert pair["level"] >= max(pair["E_a"], pair["E_b"]) and pair["arc_normalized_length"] >= 1
    out = capsys.readouterr().out
    assert "§7 table recomputed" in out and "barriers at N = 12" in out
