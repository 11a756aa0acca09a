"""The torch backend: same numbers as numpy in float64, vmap = loop, BatchNorm options,
devices, data handling, and the same DSS result as the numpy landscape."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sublevel.numerics.backends.models import mlp, small_cnn  # noqa: E402
from sublevel.numerics.backends.torch import TorchLandscape, available_devices, resolve_device  # noqa: E402
from sublevel.numerics.energies.mlp import MLPLandscape  # noqa: E402
from sublevel.theory.errors import InputError  # noqa: E402


def _pair(loss="cross-entropy", activation="tanh", n=40):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 4))
    Y = rng.integers(0, 3, n) if loss == "cross-entropy" else rng.standard_normal((n, 3))
    tl = TorchLandscape(mlp([4, 6, 3], activation, seed=1), loss, (X, Y))
    nl = MLPLandscape([4, 6, 3], X, Y, activation=activation, loss=loss)
    return tl, nl


@pytest.mark.parametrize("loss", ["cross-entropy", "mse", "mae"])
@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_torch_and_numpy_mlps_agree(loss, activation):
    tl, nl = _pair(loss, activation)
    assert tl.dim == nl.dim
    theta = tl.theta_of()
    # same flat layout: W row-major then b, layer by layer
    for (Wt, bt), (Wn, bn) in zip(tl.layers(theta), nl.layers(theta)):
        np.testing.assert_array_equal(Wt, Wn)
        np.testing.assert_array_equal(bt, bn)
    assert tl.energy(theta) == pytest.approx(nl.energy(theta), rel=1e-12)
    np.testing.assert_allclose(tl.grad(theta), nl.grad(theta), rtol=1e-9, atol=1e-12)
    pts = theta + 0.1 * np.random.default_rng(1).standard_normal((5, tl.dim))
    np.testing.assert_allclose(tl.energies(pts), nl.energies(pts), rtol=1e-12)


def test_vmap_batch_equals_loop_and_chunks():
    tl, _ = _pair()
    tl.chunk = 3
    pts = tl.theta_of() + 0.1 * np.random.default_rng(2).standard_normal((8, tl.dim))
    np.testing.assert_allclose(tl.energies(pts), tl.energies_loop(pts), rtol=1e-13)


def test_same_dss_result_on_torch_and_numpy():
    from sublevel.numerics.geodesic import dss

    tl, nl = _pair("mse", "tanh")
    a = tl.theta_of()
    b = tl.theta_of(mlp([4, 6, 3], "tanh", seed=7))
    u = 1.3 * max(nl.energy(a), nl.energy(b))
    rt = dss(tl, a, b, u, max_depth=4)
    rn = dss(nl, a, b, u, max_depth=4)
    assert rt.connected == rn.connected and rt.n_beads == rn.n_beads
    np.testing.assert_allclose(rt.beads, rn.beads, rtol=1e-7, atol=1e-9)
    assert rt.normalized_length == pytest.approx(rn.normalized_length, rel=1e-9)
    assert (
        rt.info["landscape"]["type"] == "TorchLandscape"
        and rt.info["landscape"]["dtype"] == "float64"
    )


def test_batchnorm_recompute_uses_batch_statistics_and_stored_uses_running_ones():
    rng = np.random.default_rng(0)
    X = torch.from_numpy(rng.standard_normal((16, 1, 8, 8)))
    Y = torch.from_numpy(rng.integers(0, 10, 16))
    net = small_cnn(batchnorm=True, seed=0).double()
    net.train()
    net(X)  # populate running statistics
    rec = TorchLandscape(net, "cross-entropy", (X, Y), batchnorm="recompute")
    sto = TorchLandscape(net, "cross-entropy", (X, Y), batchnorm="stored")
    theta = rec.theta_of(net)
    with torch.no_grad():
        eval_loss = torch.nn.functional.cross_entropy(net.eval()(X), Y).item()
        train_loss = torch.nn.functional.cross_entropy(net.train()(X), Y).item()
    assert rec.energy(theta) == pytest.approx(train_loss, rel=1e-12)
    assert sto.energy(theta) == pytest.approx(eval_loss, rel=1e-12)
    assert rec.info["batchnorm"] == "recompute" and sto.info["batchnorm"] == "stored"
    from sublevel.numerics.geodesic import straight_segment

    other = theta + 0.01
    res = straight_segment(rec, theta, other, 10.0)
    assert res.info["landscape"]["batchnorm"] == "recompute"  # recorded in results
    # recomputing is a function of θ only: evaluating twice gives the same value
    assert rec.energy(theta) == rec.energy(theta)
    np.testing.assert_allclose(rec.energies(np.stack([theta, theta])), rec.energy(theta))


def test_dataloader_and_subset_are_recorded():
    X = torch.randn(30, 4, dtype=torch.float64)
    Y = torch.randint(0, 3, (30,))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, Y), batch_size=7)
    full = TorchLandscape(mlp([4, 3]), "cross-entropy", loader)
    sub = TorchLandscape(mlp([4, 3]), "cross-entropy", (X, Y), eval_subset=10, seed=3)
    assert full.info["samples"] == 30 and "DataLoader" in full.info["data"]
    assert sub.info["samples"] == 10 and "subset of 10 of 30" in sub.info["data"]
    assert TorchLandscape(mlp([4, 3]), "cross-entropy", (X, Y)).energy(
        full.theta_of()
    ) == pytest.approx(full.energy(full.theta_of()), rel=1e-12)


def test_weight_mask_and_structure():
    tl, _ = _pair()
    mask = tl.weight_mask()
    assert mask.sum() == 4 * 6 + 6 * 3 and mask.size == tl.dim
    named = tl.unflatten(tl.theta_of())
    assert list(named) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    cnn = TorchLandscape(
        small_cnn(), "cross-entropy", (torch.randn(4, 1, 8, 8), torch.randint(0, 10, (4,)))
    )
    with pytest.raises(InputError, match="MLP of Linear layers"):
        cnn.layers(cnn.theta_of())


def test_devices():
    assert available_devices()[0] == "cpu"
    assert resolve_device(None).type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(InputError, match="not available; devices present: cpu"):
            resolve_device("cuda")
        with pytest.raises(InputError, match="devices present"):
            TorchLandscape(
                mlp([2, 1]), "mse", (torch.randn(3, 2), torch.randn(3, 1)), device="cuda:0"
            )
    with pytest.raises(InputError, match="not a torch device"):
        resolve_device("tpu-ish")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"loss_fn": "hinge"}, "loss"),
        ({"batchnorm": "sometimes"}, "batchnorm"),
        ({"eval_subset": 0}, "eval_subset"),
        ({"dtype": "int8"}, "dtype"),
        ({"data": [1, 2, 3]}, "neither"),
    ],
)
def test_bad_input(kwargs, match):
    args = {"module": mlp([2, 1]), "loss_fn": "mse", "data": (torch.randn(3, 2), torch.randn(3, 1))}
    args.update(kwargs)
    with pytest.raises(InputError, match=match):
        TorchLandscape(args.pop("module"), args.pop("loss_fn"), args.pop("data"), **args)


def test_importing_backends_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, sublevel.numerics.backends, sublevel.numerics.geodesic; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
