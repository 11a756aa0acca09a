"""proofs_checks.checks.spin_glass: the abc13.spin-glass counterexample search, its negative
control, its path builder and the command line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from proofs_checks.checks import spin_glass as S
from proofs_checks.registry import get_check
from theory.errors import HypothesisError

CLAIM = "abc13.spin-glass"


def test_registered_with_control_and_path():
    chk = get_check(CLAIM)
    assert chk is not None and chk.negative_control is not None and chk.path is not None
    assert chk.params() == S._DEFAULTS


def test_check_finds_no_counterexample_and_the_control_is_detected():
    chk = get_check(CLAIM)
    params = chk.params()
    for seed in (1, 2):
        ev = chk.run(seed, **params)
        assert ev.outcome == "verified", ev.message
        assert ev.margin is not None and ev.margin > 0
        w = ev.details["window"]
        assert w["floor"] <= w["lowest"] and w["median"] <= w["ceiling_for_median"]
        assert ev.details["formulas"]["table_disagreements"] == []
        assert "optimisation" in ev.all_methods()
    control = chk.negative_control(3, **params)
    assert control.outcome == "detected", control.message
    assert all(control.details["problems_found"].values())


@pytest.mark.parametrize("broken, expected", [
    ({"disorder": "symmetric-unit-variance"}, ["covariance", "< −E_0"]),
    ({"radius_one": True}, ["median of minima"]),
    ({"formulas": "misrecalled"}, ["branch_continuity"]),
])
def test_each_broken_hypothesis_alone_is_a_counterexample(broken, expected):
    params = dict(S._DEFAULTS, small_N=0, n_starts=8)
    res = S._search(4, **params, **broken)
    text = " | ".join(res["problems"])
    for piece in expected:
        assert piece in text, text


def test_a_minimum_far_below_the_ground_state_is_reported(monkeypatch):
    """The check can report a counterexample: feed it minima far below −E_0."""
    real = S._minima

    def deep(kind, N, p, seed, n_starts, radius):
        e, sample = real(kind, N, p, seed, n_starts, radius)
        return e - 1.0, sample

    monkeypatch.setattr(S, "_minima", deep)
    ev = S.spin_glass(0, **S._DEFAULTS)
    assert ev.outcome == "violated" and "counterexample" in ev.message and ev.margin < 0


def test_too_few_minima_is_inconclusive(monkeypatch):
    real = S._minima

    def none(kind, N, p, seed, n_starts, radius):
        e, sample = real(kind, N, p, seed, 2, radius)
        return e[:1], sample

    monkeypatch.setattr(S, "_minima", none)
    ev = S.spin_glass(0, **dict(S._DEFAULTS, small_N=0))
    assert ev.outcome == "inconclusive"


def test_hypotheses_p_at_least_3():
    with pytest.raises(HypothesisError) as err:
        S.spin_glass(0, **dict(S._DEFAULTS, p=2))
    assert err.value.claim == CLAIM


def test_path_builder_profile_passes_the_path_conformance_suite():
    from numerics.conformance import check_profile

    profile = S.spin_glass_barrier_path(0, **dict(S._DEFAULTS, N=16, n_starts=8))
    path = profile.path
    ends = profile.landscape.energies(np.stack([path.start, path.end]))
    assert profile.bound >= ends.max()
    assert profile.info["exactly certified"] is True
    assert profile.info["arc normalised length"] >= 1
    check_profile(profile).raise_if_failed()


def test_command_line_verify(tmp_path):
    from proofs_checks.cli import main

    code = main(["verify", CLAIM, "--instances", "1", "--out", str(tmp_path), "--executor", "inline",
                 "--no-figures"])
    assert code == 0
    report = json.loads((tmp_path / "report.json").read_text())
    claim = next(c for c in report["claims"] if c["id"] == CLAIM)
    assert claim["status"] == "supported"
    assert claim["negative_control"]["outcome"] == "detected"
