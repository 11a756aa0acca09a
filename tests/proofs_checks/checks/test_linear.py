"""sublevel.proofs_checks.checks.linear, linear_ridge, linear_minima and prop21: the seven deep-linear
claims, their negative controls, the path builders and the command line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
from sublevel.proofs_checks.checks import linear as L
from sublevel.proofs_checks.checks import linear_minima as LM
from sublevel.proofs_checks.checks import linear_ridge as LR
from sublevel.proofs_checks.evidence import is_proof_kind
from sublevel.proofs_checks.registry import get_check

CLAIMS = [
    "bf16.prop2.1",
    "bf16.prop2.2.linear",
    "bf16.prop2.2.ridge",
    "bf16.linear.square-boundary",
    "lbb.multilinear",
    "kawaguchi16.deep-linear",
    "talk.kawaguchi-statement",
]
EXPECTED = {
    "bf16.prop2.1": "verified",
    "bf16.prop2.2.linear": "verified",
    "bf16.prop2.2.ridge": "verified",
    "bf16.linear.square-boundary": "verified",
    "lbb.multilinear": "verified",
    "kawaguchi16.deep-linear": "verified",
    "talk.kawaguchi-statement": "verified",
}


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
    assert control.outcome == "detected (conclusion fails)", control.message
    assert all(is_proof_kind(k) for k in control.deciding_methods()), control.deciding_methods()


@pytest.mark.parametrize(
    "params",
    [
        {"depth": 2, "n": 2, "m": 5, "hidden": 3, "samples": 6, "degenerate": 1.0},
        {"depth": 4, "n": 5, "m": 2, "hidden": 3, "samples": 3, "degenerate": 1.0},
        {"depth": 3, "n": 1, "m": 1, "hidden": 2, "samples": 4, "degenerate": 0.0},
    ],
)
def test_prop22_linear_other_shapes_and_degenerate_instances(params):
    for seed in range(4):
        ev = L.prop22_linear(seed, **params)
        assert ev.outcome == "verified", ev.message
        methods = {c.method for c in ev.certificates}
        assert methods == {"exact", "rigorous", "sampled"}
        assert ev.deciding_methods() == ["exact"] and ev.margin >= 0
        assert ev.details["endpoint_error"] <= 1e-12 * 10
        assert ev.details["descent"]["strictly_decreasing"]


def test_prop22_linear_reports_a_broken_bound_as_violated(monkeypatch):
    """A certificate that cannot be established is never 'verified': shift the exact bound
    below the endpoint energies and the exact certificates must fail."""
    from flint import fmpq
    from sublevel.numerics.paths import linear_exact

    real = linear_exact.certify_exact_path

    def lowered(path, bound=None):
        return real(path, path.details["bound"] - fmpq(1, 10**30))

    monkeypatch.setattr(linear_exact, "certify_exact_path", lowered)
    ev = L.prop22_linear(0, 3, 4, 4, 6, 20, 0.0)
    assert ev.outcome == "violated"


def test_prop22_linear_default_instances_verified_exactly_with_tau_zero():
    """The issue's measurement: with float intermediates the constant pieces drift and 13/20
    default instances exceed max(E_A, E_B) by rounding. Every default instance is verified
    from the exact path with τ = 0 and a non-negative margin, its constant pieces exactly
    constant (degree 0), its descent ending exactly at E*."""
    chk = get_check("bf16.prop2.2.linear")
    params = chk.params()
    assert chk.instances == 20
    for seed in range(chk.instances):
        ev = chk.run(seed, **params)
        assert ev.outcome == "verified", (seed, ev.message)
        assert ev.margin >= 0
        exact = [c for c in ev.certificates if c.method == "exact"]
        assert exact and all(c.holds and c.tolerances.get("tau") == 0.0 for c in exact)
        constant = [c for c in exact if c.promise == "constant energy" and "[" in c.label]
        assert constant and all(c.details["nonzero_coefficients"] == 0 for c in constant)
        assert ev.details["descent"]["reaches_E_star"]


def test_prop22_linear_control_is_not_the_guard(monkeypatch):
    """The control detects the conclusion failing (a certified disconnection), not the
    guard: with connect replaced by a stub that builds anything, it still detects; with the
    disconnection certificate failing, it does not, although the guard still refuses."""
    from sublevel.numerics.paths import linear as paths

    chk = get_check("bf16.prop2.2.linear")
    params = chk.params()
    monkeypatch.setattr(paths, "connect", lambda *a, **k: None)
    ev = chk.negative_control(2, **params)
    assert ev.outcome == "detected (conclusion fails)"
    assert ev.details["precondition"]["refused"] is False
    monkeypatch.undo()
    real = L._square_certificate

    def failing(inst, kappa=0.0):
        cert, gap = real(inst, kappa)
        cert.outcome, cert.holds = "fails", False
        return cert, gap

    monkeypatch.setattr(L, "_square_certificate", failing)
    ev = chk.negative_control(2, **params)
    assert ev.outcome == "not detected"
    assert ev.details["precondition"]["refused"] is True


def test_prop22_linear_control_draws_the_signs_freely():
    """No determinant sign is forced: the control draws endpoint pairs until the exact signs
    differ, and reports how many draws it took (some seeds need more than one)."""
    chk = get_check("bf16.prop2.2.linear")
    draws = [chk.negative_control(s, **chk.params()).details["draws"] for s in range(8)]
    assert max(draws) > 1 and all(1 <= d <= L.CONTROL_DRAWS for d in draws)


def test_double_well_poor_minimum_is_certified_exactly():
    cert = LM._double_well_certificate()
    assert cert.method == "exact" and cert.holds
    assert cert.bound == pytest.approx(0.2941, abs=1e-4)  # f(p₊)
    assert cert.max_energy == pytest.approx(-0.3054, abs=1e-4)  # min f


def test_ridge_control_is_a_certified_disconnection():
    chk = get_check("bf16.prop2.2.ridge")
    ev = chk.negative_control(3, **chk.params())
    assert ev.outcome == "detected (conclusion fails)"
    cert = ev.certificates[0]
    assert cert.method == "exact" and cert.holds and ev.details["u"] < ev.details["barrier"]
    assert ev.details["precondition"]["refused"]


def test_square_boundary_gap_is_certified_exactly():
    from sublevel.proofs_checks.checks.square_boundary import square_boundary

    ev = square_boundary(3, h=3, samples=12, fraction=0.5)
    cert = ev.certificates[0]
    assert cert.method == "exact" and cert.holds
    assert ev.details["gap"] > 0 and ev.details["oracle_agrees"] and ev.details["connect_refused"]
    assert ev.details["straight_segment_max"] >= ev.details["barrier"]


def test_exact_energy_matches_float_energy():
    from sublevel.numerics.energies.linear import DeepLinear, flatten

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    ws = [rng.normal(size=(3, 3)), rng.normal(size=(3, 3))]
    exact = L._exact_energy(ws, X, Y)
    assert float(exact) == pytest.approx(DeepLinear([3, 3, 3], X, Y).energy(flatten(ws)), rel=1e-12)


def test_kawaguchi_critical_points_are_critical_with_the_predicted_energy():
    from sublevel.numerics.energies.linear import DeepLinear, flatten

    rng = np.random.default_rng(4)
    X, Y, facts = LM._kawaguchi_data(rng, 4, 3, 20)
    assert facts["hypotheses_hold"]
    w = [4, 3, 2, 3]
    E = DeepLinear(w, X, Y)
    for cp in LM._critical_points(E, w):
        e, g = E.energy_and_grad(flatten(cp["weights"]))
        assert np.linalg.norm(g) < 1e-9
        assert e == pytest.approx(cp["energy_formula"], abs=1e-9)


@pytest.mark.parametrize("claim", ["bf16.prop2.2.linear", "bf16.prop2.2.ridge"])
def test_path_builder_and_plot(tmp_path, claim):
    from sublevel.numerics.profile import plot_energy_profile

    chk = get_check(claim)
    profile = chk.path(3, **chk.params())
    ends = profile.landscape.energies(np.stack([profile.path.start, profile.path.end]))
    assert profile.bound == pytest.approx(max(ends), rel=1e-12)
    assert all(c.holds and c.is_proof for c in profile.certificates if c.method != "sampled")
    if claim == "bf16.prop2.2.linear":
        assert {c.method for c in profile.certificates} == {"exact", "sampled"}
        assert sum(profile.info["float_path"]["rigorous_pieces"].values()) == len(
            profile.path.pieces
        )
    out = plot_energy_profile(profile, tmp_path / "path.png")
    assert out.stat().st_size > 10_000


EXE = shutil.which("sublevel") or ""


def _run(*args):
    cmd = [EXE] if EXE else [sys.executable, "-m", "sublevel.proofs_checks.cli"]
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
    assert status == {
        "bf16.prop2.1": "verified",
        "bf16.prop2.2.linear": "verified",
        "bf16.prop2.2.ridge": "verified",
        "bf16.linear.square-boundary": "verified",
        "lbb.multilinear": "supported",
        "kawaguchi16.deep-linear": "supported",
        "talk.kawaguchi-statement": "refuted",
    }
    assert all(
        c["negative_control"]["outcome"] == "detected (conclusion fails)" for c in report["claims"]
    )


def test_ridge_rotation_float_realisation_is_sampled_and_never_decides():
    """The float rotation's orthogonality defect is measured on a grid (not a bound): its
    certificate is sampled and not among the deciding kinds; the proof's rotation (constant
    along SO(h)) is decided exactly; no deciding certificate carries a slack."""
    ev = LR.prop22_ridge(1, 3, 4, 3, 0.1, 20, 2)
    assert ev.outcome == "verified", ev.message
    rotation = [c for c in ev.certificates if c.label.startswith("rotate")]
    methods = {c.method for c in rotation}
    assert {"exact", "sampled"} <= methods, [(c.label, c.method) for c in rotation]
    assert "sampled" not in ev.deciding_methods()
    assert all(
        c.tolerances.get("tau", 0.0) == 0.0 and "slack" not in c.tolerances
        for c in ev.certificates
        if c.method != "sampled"
    )
    assert ev.margin >= 0


def test_prop22_linear_float_cross_check_failure_is_inconclusive_not_violated(monkeypatch):
    """The exact path decides; a float cross-check that disagrees (here a dense evaluation
    forced above the bound) is a defect of the float path: inconclusive with the reason,
    never 'violated' (and never 'verified')."""
    from sublevel.numerics.paths import linear as paths

    real = paths.certify_linear_path

    def broken(path, X, Y, bound, **kw):
        certs = real(path, X, Y, bound, **kw)
        certs.sampled.max_energy = bound + 1.0
        certs.sampled.outcome, certs.sampled.holds = "fails", False
        return certs

    monkeypatch.setattr(paths, "certify_linear_path", broken)
    ev = L.prop22_linear(0, 3, 4, 4, 6, 20, 0.0)
    assert ev.outcome == "inconclusive" and "dense float evaluation" in ev.message


def test_prop22_linear_float_descent_that_rises_is_inconclusive_not_violated(monkeypatch):
    """The float descent is checked densely against its promise (non-increasing to τ): a float
    descent that climbs (here its pieces run backwards) makes the instance inconclusive with
    the reason — the exact descent, which decides, is untouched."""
    from sublevel.numerics.paths import linear as paths
    from sublevel.numerics.paths.base import Path

    real = paths.descend

    def climbing(weights, X, Y, **kw):
        down = real(weights, X, Y, **kw)
        return Path([p.reversed() for p in reversed(down.pieces)])

    monkeypatch.setattr(paths, "descend", climbing)
    ev = L.prop22_linear(0, 3, 4, 4, 6, 20, 0.0)
    assert ev.outcome == "inconclusive" and "float descent" in ev.message
    dense = [c for c in ev.certificates if c.label.startswith("float descent")]
    assert len(dense) == 1 and dense[0].outcome == "fails" and dense[0].method == "sampled"
    assert dense[0].details["largest_rise"] > 1e-6


def test_prop22_linear_float_descent_is_checked_against_its_promise():
    ev = L.prop22_linear(3, 3, 4, 4, 6, 20, 0.25)
    dense = [c for c in ev.certificates if c.label.startswith("float descent")]
    assert ev.outcome == "verified" and len(dense) == 1 and dense[0].holds
    assert dense[0].details["largest_rise"] <= dense[0].tolerances["tau"]
    assert dense[0].n_evaluations == 65 * len(ev.details["descent"]["float_pieces"])
