"""sublevel.proofs_checks.checks.spin_glass: the abc13.spin-glass counterexample search, its negative
control, its path builder and the command line."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from sublevel.proofs_checks.checks import spin_glass as S
from sublevel.proofs_checks.registry import get_check
from sublevel.theory import spin_glass as sgt
from sublevel.theory.errors import HypothesisError

CLAIM = "abc13.spin-glass"
E_INF = float(sgt.E_infinity(3))
E_0 = float(sgt.threshold(0, 3))
#: small sizes for tests that run real descents (the trend itself is judged on fed energies)
SMALL = dict(S._DEFAULTS, trend_min_N=8, n_starts=6, disorders=1)


class _Sample:
    n_starts = n_converged = 12
    n_saddles = 0


def _feed(monkeypatch, law):
    """Replace the descents by energies per spin law(N) + symmetric spread (12 per disorder)."""
    spread = np.linspace(-0.01, 0.01, 12)

    def fake(kind, N, p, seed, n_starts, radius):
        return law(N) + spread, _Sample()

    monkeypatch.setattr(S, "_minima", fake)


def test_registered_with_control_and_path():
    chk = get_check(CLAIM)
    assert chk is not None and chk.negative_control is not None and chk.path is not None
    assert chk.params() == S._DEFAULTS
    assert S._DEFAULTS["trend_min_N"] * 4 <= 200 and not S._DEFAULTS["long"]
    assert S._trend_sizes(50, True)[-1] == 400


def test_the_old_ceiling_tested_nothing():
    """Issue 12 §3: −E_∞ + 2/√N = −1.350 at N = 50 while E_0 − E_∞ = 0.024."""
    assert -E_INF + 2 / math.sqrt(50) > -1.36 and E_0 - E_INF < 0.025


def test_a_trend_to_minus_E_inf_passes(monkeypatch):
    _feed(monkeypatch, lambda N: -E_INF + 1.4 * N ** (-2 / 3))
    ev = S.spin_glass(0, **S._DEFAULTS)
    assert ev.outcome == "verified", ev.message
    w = ev.details["window"]
    assert w["sizes"] == [50, 100, 200] and abs(w["extrapolated"] + E_INF) < 1e-9
    assert "decreasing" in ev.message and ev.margin > 0


@pytest.mark.parametrize(
    "law, fragment",
    [
        # concentrating at −E_0 instead (0.024 below −E_∞): outside the long mode's tolerance
        (lambda N: -E_0 + 1.4 * N ** (-2 / 3), "extrapolates"),
        # no finite-size trend at all: −1.350 at every N passed the old ceiling
        (lambda N: -1.36 + 0 * N, "do not decrease"),
        # moving away with N
        (lambda N: -E_INF - 1.4 * N ** (-2 / 3), "do not decrease"),
    ],
)
def test_a_wrong_trend_is_a_counterexample(monkeypatch, law, fragment):
    _feed(monkeypatch, law)
    params = dict(S._DEFAULTS, long=True)
    ev = S.spin_glass(0, **params)
    assert ev.outcome == "violated" and fragment in ev.message, ev.message


def test_a_minimum_far_below_the_ground_state_is_reported(monkeypatch):
    _feed(monkeypatch, lambda N: -E_INF + 1.4 * N ** (-2 / 3) - (1.0 if N == 100 else 0.0))
    ev = S.spin_glass(0, **S._DEFAULTS)
    assert ev.outcome == "violated" and "< −E_0" in ev.message and ev.margin < 0


def test_too_few_minima_is_inconclusive(monkeypatch):
    def none(kind, N, p, seed, n_starts, radius):
        return np.array([-1.6]), _Sample()

    monkeypatch.setattr(S, "_minima", none)
    assert S.spin_glass(0, **S._DEFAULTS).outcome == "inconclusive"


def test_the_control_breaks_the_normalisation_and_fails_the_fit():
    """Real descents at small sizes (8, 16, 32): the broken normalisations extrapolate far from
    −E_∞ (≈ −4 and ≈ 0)."""
    control = S.spin_glass_broken(3, **SMALL)
    assert control.outcome == "detected (conclusion fails)", control.message
    assert all(control.details["fit_failed"].values())


@pytest.mark.parametrize(
    "broken, expected",
    [
        ({"disorder": "symmetric-unit-variance"}, ["covariance", "extrapolates"]),
        ({"radius_one": True}, ["extrapolates"]),
        ({"formulas": "misrecalled"}, ["branch_continuity"]),
    ],
)
def test_each_broken_hypothesis_alone_is_a_counterexample(broken, expected):
    res = S._search(4, **SMALL, **broken)
    text = " | ".join(res["problems"])
    for piece in expected:
        assert piece in text, text


def test_finite_size_fit_oracle():
    """Oracle: numpy least squares on the same points."""
    sizes, values = [50, 100, 200, 400], [-1.512, -1.556, -1.583, -1.600]
    fit = sgt.finite_size_fit(sizes, values)
    x = np.array(sizes, dtype=float) ** (-2 / 3)
    b, a = np.polyfit(x, values, 1)
    assert math.isclose(fit["a"], a, rel_tol=1e-12) and math.isclose(fit["b"], b, rel_tol=1e-10)
    assert abs(fit["a"] + E_INF) < 0.01  # the measured means of examples/spin_glass.py
    with pytest.raises(Exception, match="distinct sizes"):
        sgt.finite_size_fit([50, 50], [-1.5, -1.5])


def test_hypotheses_p_at_least_3():
    with pytest.raises(HypothesisError) as err:
        S.spin_glass(0, **dict(S._DEFAULTS, p=2))
    assert err.value.claim == CLAIM


def test_path_builder_profile_passes_the_path_conformance_suite():
    from sublevel.numerics.conformance import check_profile

    profile = S.spin_glass_barrier_path(0, **dict(S._DEFAULTS, N=16, n_starts=8))
    path = profile.path
    ends = profile.landscape.energies(np.stack([path.start, path.end]))
    assert profile.bound >= ends.max()
    assert profile.info["exactly certified"] is True
    assert profile.info["arc normalised length"] >= 1
    check_profile(profile).raise_if_failed()


@pytest.mark.slow
def test_default_check_and_control():
    """The default run (N = 50, 100, 200; about a minute on one idle core)."""
    chk = get_check(CLAIM)
    params = chk.params()
    ev = chk.run(1, **params)
    assert ev.outcome == "verified", ev.message
    assert ev.details["formulas"]["table_disagreements"] == []
    assert "optimisation" in ev.all_methods()
    control = chk.negative_control(3, **params)
    assert control.outcome == "detected (conclusion fails)", control.message


@pytest.mark.slow
def test_command_line_verify(tmp_path):
    from sublevel.proofs_checks.cli import main

    code = main(
        [
            "verify",
            CLAIM,
            "--instances",
            "1",
            "--out",
            str(tmp_path),
            "--executor",
            "inline",
            "--no-figures",
        ]
    )
    assert code == 0
    report = json.loads((tmp_path / "report.json").read_text())
    claim = next(c for c in report["claims"] if c["id"] == CLAIM)
    assert claim["status"] == "supported"
    assert claim["negative_control"]["outcome"].startswith("detected")
