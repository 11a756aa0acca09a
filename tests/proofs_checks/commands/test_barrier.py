"""``sublevel barrier``: trained and loaded endpoints, JSON, plot, one-line errors with exit 2."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sublevel.proofs_checks.cli import main

torch = pytest.importorskip("torch")

SMALL = ["--hidden", "6", "--n-train", "60", "--epochs", "2"]


def _state(seed, widths=(64, 6, 10)):
    from sublevel.numerics.backends.models import mlp

    return mlp(list(widths), "relu", seed=seed).state_dict()


def test_trained_endpoints_json_and_plot(tmp_path, capsys):
    png = tmp_path / "profile.png"
    assert main(["barrier", *SMALL, "--align", "--json", "--plot", str(png)]) == 0
    out = json.loads(capsys.readouterr().out)
    lo, hi = out["max_energy_enclosure"]
    assert out["method"] == "rigorous" and out["aligned"] is True
    assert lo <= out["max_energy"] <= hi and hi - lo <= 1e-6
    blo, bhi = out["barrier_enclosure"]
    assert blo <= bhi and blo == pytest.approx(lo - max(out["endpoint_energies"]), abs=1e-6)
    assert out["certificate"]["method"] == "rigorous"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_checkpoints_are_certified_as_stored(tmp_path, capsys):
    from sublevel.numerics.barrier_experiment import relu_mlp_landscape, theta_from_state_dict

    pa, pb = tmp_path / "a.pt", tmp_path / "b.pt"
    torch.save(_state(0), pa)
    torch.save(_state(1), pb)
    code = main(
        [
            "barrier",
            "--hidden",
            "6",
            "--n-train",
            "60",
            "--loss",
            "mse",
            "--checkpoint-a",
            str(pa),
            "--checkpoint-b",
            str(pb),
            "--json",
        ]
    )
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    land = relu_mlp_landscape("digits-mlp", [6], n_train=60, loss="mse")
    a = theta_from_state_dict(land, _state(0))
    assert np.all(a.astype(np.float32).astype(np.float64) == a)  # float32 → float64 exactly
    ea = out["endpoint_energies"][0]
    assert ea == pytest.approx(land.energy(a), rel=1e-12)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda s: s.pop("2.bias"), "'2.bias'"),
        (lambda s: s.__setitem__("0.weight", torch.zeros(6, 63)), "'0.weight'"),
        (lambda s: s["2.weight"].__setitem__((0, 0), float("nan")), "'2.weight'"),
        (lambda s: s.__setitem__("bn.weight", torch.ones(6)), "'bn.weight'"),
    ],
)
def test_bad_checkpoints_exit_2_with_the_key_named(tmp_path, capsys, mutate, message):
    state = _state(0)
    mutate(state)
    pa, pb = tmp_path / "a.pt", tmp_path / "b.pt"
    torch.save(state, pa)
    torch.save(_state(1), pb)
    code = main(
        [
            "barrier",
            "--hidden",
            "6",
            "--n-train",
            "60",
            "--checkpoint-a",
            str(pa),
            "--checkpoint-b",
            str(pb),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and "\n" not in err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--seeds", "0"], "exactly two seeds"),
        (["--hidden", "4,x"], "--hidden"),
        (["--checkpoint-a", "a.pt"], "both --checkpoint-a"),
        (
            ["--checkpoint-a", "/nonexistent/a.pt", "--checkpoint-b", "/nonexistent/b.pt"],
            "does not exist",
        ),
    ],
)
def test_bad_arguments_exit_2(capsys, args, message):
    assert main(["barrier", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


def test_torch_sequential_landscape_is_certified_and_other_layers_refused():
    from sublevel.numerics.backends.torch import TorchLandscape
    from sublevel.numerics.barrier import barrier
    from sublevel.theory.errors import InputError

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((20, 4)), rng.integers(0, 3, 20)
    net = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3))
    land = TorchLandscape(net, "cross-entropy", (X, y))
    a, b = land.theta_of(), land.theta_of() + 0.5 * rng.standard_normal(land.dim)
    r = barrier(land, a, b)
    t = np.linspace(0, 1, 2001)
    dense = land.energies(a[None] + t[:, None] * (b - a)[None]).max()
    assert r.method == "rigorous"
    assert r.max_energy_enclosure[0] - 1e-12 <= dense <= r.max_energy_enclosure[1] + 1e-12
    bad = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3))
    land2 = TorchLandscape(bad, "cross-entropy", (X, y))
    with pytest.raises(InputError, match=r"layer 1 \(Tanh\).*method='sampled'"):
        barrier(land2, land2.theta_of(), land2.theta_of())
    assert (
        barrier(land2, land2.theta_of(), land2.theta_of() + 0.1, method="sampled").method
        == "sampled"
    )
