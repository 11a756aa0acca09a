"""``sublevel geodesic``: tables, files, comparison, components, errors with exit code 2."""

from __future__ import annotations

import json

import pytest
from sublevel.proofs_checks.cli import main


def test_ring_experiment_with_comparison(tmp_path, capsys):
    out = tmp_path / "ring"
    code = main(
        ["geodesic", "--model", "ring", "--levels", "0.5,0.1", "--out", str(out), "--compare"]
    )
    assert code == 0
    data = json.loads((out / "results.json").read_text())
    assert [r["level"] for r in data["results"]] == [0.5, 0.1]
    assert all(r["connected"] for r in data["results"])
    lengths = [r["normalized_length"] for r in data["results"]]
    assert lengths[1] > lengths[0] > 1.0
    methods = [c["method"] for c in data["comparison"]]
    assert methods[1:] == ["straight segment", "bezier", "autoneb"]
    # each baseline at its own tuned learning rate, with its cost to reach the level
    from sublevel.numerics.geodesic.compare import LR_GRID

    for row in data["comparison"][2:]:
        assert row["lr"] in LR_GRID and set(row["pilot_dense_max"]) == {f"{x:g}" for x in LR_GRID}
        assert row["trace"] and row["dense_max"] == pytest.approx(row["dense_max"])
        hit = row["grads_to_level"]
        assert hit is None or any(g == hit and m <= 0.1 for g, m in row["trace"])
    assert all(row["accept_factor"] == 1.0 for row in data["comparison"])
    # the tuned baselines are not stuck on the line: they get below the level (ring, u = 0.1)
    assert all(row["grads_to_level"] is not None for row in data["comparison"][2:])
    for name in ("length_vs_level", "comparison"):
        assert (out / f"{name}.png").stat().st_size > 1000
    out = capsys.readouterr().out.replace("\n", " ")
    assert "not a proof of" in out and "accept" in out and "tuned" in out


def test_cubic_components_and_json(tmp_path, capsys):
    out = tmp_path / "cubic"
    code = main(
        [
            "geodesic",
            "--model",
            "cubic",
            "--levels",
            "0.3,0.2",
            "--n-train",
            "100",
            "--components",
            "3",
            "--out",
            str(out),
            "--json",
        ]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["level_quantity"] == "MAE"
    assert data["results"][0]["length_on"].startswith("weights only")
    assert len(data["components"]["per_level"]) == 2
    assert (out / "components.png").exists()


def test_checkpoint_and_double_well(tmp_path):
    out = tmp_path / "dw"
    args = [
        "geodesic",
        "--model",
        "double-well",
        "--levels",
        "1.2,0.6",
        "--out",
        str(out),
        "--checkpoint",
    ]
    assert main(args) == 0
    first = json.loads((out / "results.json").read_text())
    assert [r["connected"] for r in first["results"]] == [True, False]
    assert first["results"][1]["status"].startswith("not connected within depth")
    assert main(args) == 0  # resumes from the checkpoints
    again = json.loads((out / "results.json").read_text())
    assert all(r["info"]["resumed"] for r in again["results"])


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--model", "digits-cnn", "--device", "cuda:7"], "devices present"),
        (["--model", "cubic", "--device", "cuda"], "device"),
        (["--levels", "a,b"], "--levels"),
        (["--model", "cubic", "--levels", "-1"], "is not > 0"),
        (["--model", "cubic", "--levels", "0.3,0"], "is not > 0"),
        (["--components", "2"], "--components"),
        (["--model", "ring", "--components", "3"], "trained model"),
    ],
)
def test_bad_usage_exit_code_2(tmp_path, capsys, argv, message):
    code = main(["geodesic", "--out", str(tmp_path / "x"), *argv])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("sublevel: error:") and message in err


def test_missing_fashion_mnist_names_the_package(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SUBLEVEL_FASHION_MNIST", str(tmp_path))
    code = main(["geodesic", "--model", "fashion-cnn", "--out", str(tmp_path / "f")])
    assert code == 2
    assert "dataset-fashion-mnist" in capsys.readouterr().err


def test_bad_level_is_refused_before_training(tmp_path, monkeypatch, capsys):
    """A level of a non-negative loss must be > 0: refused before the experiment is built."""
    from sublevel.numerics.geodesic import experiments

    def no_training(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(experiments, "build_experiment", no_training)
    assert (
        main(["geodesic", "--model", "cubic", "--levels", "-1", "--out", str(tmp_path / "x")]) == 2
    )
    assert "level -1 is not > 0" in capsys.readouterr().err
