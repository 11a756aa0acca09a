"""proofs_checks.checks.linear: the seven deep-linear claims, their negative controls, the
path builder and the command line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from proofs_checks.checks import linear as L
from proofs_checks.registry import get_check

CLAIMS = ["bf16.prop2.1", "bf16.prop2.2.linear", "bf16.prop2.2.ridge",
          "bf16.linear.square-boundary", "lbb.multilinear", "kawaguchi16.deep-linear",
          "talk.kawaguchi-statement"]
EXPECTED = {"bf16.prop2.1": "verified", "bf16.prop2.2.linear": "verified",
            "bf16.prop2.2.ridge": "verified", "bf16.linear.square-boundary": "verified",
            "lbb.multilinear": "verified", "kawaguchi16.deep-linear": "verified",
            "talk.kawaguchi-statement": "verified"}


@pytest.mark.parametrize("claim", CLAIMS)
def test_check_and_negative_control(claim):
    chk = get_check(claim)
    assert chk is not None and chk.negative_control is not None
    params = chk.params()
    for seed in (1, 2):
        ev = chk.run(seed, **params)
        assert ev.outcome == EXPECTED[claim], ev.message
        assert ev.message
    control = chk.negative_control(5, **params)
    assert control.outcome == "detected", control.message


@pytest.mark.parametrize("params", [
    {"depth": 2, "n": 2, "m": 5, "hidden": 3, "samples": 6, "degenerate": 1.0},
    {"depth": 4, "n": 5, "m": 2, "hidden": 3, "samples": 3, "degenerate": 1.0},
    {"depth": 3, "n": 1, "m": 1, "hidden": 2, "samples": 4, "degenerate": 0.0},
])
def test_prop22_linear_other_shapes_and_degenerate_instances(params):
    for seed in range(4):
        ev = L.prop22_linear(seed, **params)
        assert ev.outcome == "verified", ev.message
        methods = {c.method for c in ev.certificates}
        assert methods == {"exact", "sampled"}
        assert ev.details["endpoint_error"] <= 1e-12 * 10
        assert ev.details["descent"]["strictly_decreasing"]


def test_prop22_linear_reports_a_broken_bound_as_violated(monkeypatch):
    """A certificate that cannot be established is never 'verified': shift the bound below
    the endpoint energies and the proof-grade certificates must fail."""
    from numerics.paths import linear as paths

    real = paths.certify_linear_path

    def lowered(path, X, Y, bound, **kw):
        return real(path, X, Y, bound - 1.0, **kw)

    monkeypatch.setattr(paths, "certify_linear_path", lowered)
    ev = L.prop22_linear(0, 3, 4, 4, 6, 20, 0.0)
    assert ev.outcome == "violated"


def test_square_boundary_gap_is_certified_exactly():
    ev = L.square_boundary(3, h=3, samples=12, fraction=0.5)
    cert = ev.certificates[0]
    assert cert.method == "exact" and cert.holds
    assert ev.details["gap"] > 0 and ev.details["oracle_agrees"] and ev.details["connect_refused"]
    assert ev.details["straight_segment_max"] >= ev.details["barrier"]


def test_exact_energy_matches_float_energy():
    from numerics.energies.linear import DeepLinear, flatten

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    ws = [rng.normal(size=(3, 3)), rng.normal(size=(3, 3))]
    exact = L._exact_energy(ws, X, Y)
    assert float(exact) == pytest.approx(DeepLinear([3, 3, 3], X, Y).energy(flatten(ws)), rel=1e-12)


def test_kawaguchi_critical_points_are_critical_with_the_predicted_energy():
    from numerics.energies.linear import DeepLinear, flatten

    rng = np.random.default_rng(4)
    X, Y, facts = L._kawaguchi_data(rng, 4, 3, 20)
    assert facts["hypotheses_hold"]
    w = [4, 3, 2, 3]
    E = DeepLinear(w, X, Y)
    for cp in L._critical_points(E, w):
        e, g = E.energy_and_grad(flatten(cp["weights"]))
        assert np.linalg.norm(g) < 1e-9
        assert e == pytest.approx(cp["energy_formula"], abs=1e-9)


@pytest.mark.parametrize("claim", ["bf16.prop2.2.linear", "bf16.prop2.2.ridge"])
def test_path_builder_and_plot(tmp_path, claim):
    from numerics.profile import plot_energy_profile

    chk = get_check(claim)
    profile = chk.path(3, **chk.params())
    ends = profile.landscape.energies(np.stack([profile.path.start, profile.path.end]))
    assert profile.bound == pytest.approx(max(ends), rel=1e-12)
    assert all(c.holds and c.is_proof for c in profile.certificates if c.method != "sampled")
    out = plot_energy_profile(profile, tmp_path / "path.png")
    assert out.stat().st_size > 10_000


EXE = shutil.which("sublevel") or ""


def _run(*args):
    cmd = [EXE] if EXE else [sys.executable, "-m", "proofs_checks.cli"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=300)


def test_cli_path_plot_and_refusal(tmp_path):
    proc = _run("path", "bf16.prop2.2.linear", "--plot", str(tmp_path / "p.png"), "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["holds"] and (tmp_path / "p.png").exists()
    assert {"exact", "sampled"} <= {c["method"] for c in summary["certificates"]}
    bad = _run("path", "bf16.prop2.2.linear", "--param", "hidden=4")
    assert bad.returncode == 2
    lines = bad.stderr.strip().splitlines()
    assert len(lines) == 1 and "layer 1" in lines[0]
    assert "bf16.linear.square-boundary" in lines[0] and "Traceback" not in bad.stderr


def test_cli_verify_all_linear_claims(tmp_path):
    proc = _run("verify", *CLAIMS, "--instances", "2", "--out", str(tmp_path), "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    status = {c["id"]: c["status"] for c in report["claims"]}
    assert status == {"bf16.prop2.1": "verified", "bf16.prop2.2.linear": "verified",
                      "bf16.prop2.2.ridge": "verified", "bf16.linear.square-boundary": "verified",
                      "lbb.multilinear": "supported", "kawaguchi16.deep-linear": "supported",
                      "talk.kawaguchi-statement": "refuted"}
    assert all(c["negative_control"]["detected"] for c in report["claims"])
