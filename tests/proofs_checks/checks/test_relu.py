"""The ReLU claims' checks and negative controls (issue 5), run at their default sizes, plus the
Theorem 2.4 path builder through the CLI."""

from __future__ import annotations

import json

import pytest
from sublevel.proofs_checks.cli import main
from sublevel.proofs_checks.registry import get_check

CLAIMS = [
    "bf16.thm2.4.relu-path",
    "bf16.cor2.5.asymptotic",
    "bf16.prop2.3.kernel-bounds",
    "bf16.relu.two-unit",
    "bf16.relu.permutation",
]


@pytest.mark.parametrize("claim", CLAIMS)
def test_check_and_negative_control(claim):
    chk = get_check(claim)
    assert chk is not None and chk.negative_control is not None
    params = chk.params()
    ev = chk.run(7, **params)
    assert ev.outcome == "verified", ev.message
    assert ev.certificates
    if claim == "bf16.prop2.3.kernel-bounds":
        # the exact symbolic proof decides; the other measures are checked at sampled pairs
        assert [c.method for c in ev.certificates if c.is_proof] == ["exact"]
        assert all(c.holds for c in ev.certificates)
    else:
        assert all(c.is_proof for c in ev.certificates)
    ctl = chk.negative_control(7, **params)
    assert ctl.detected, ctl.message


def test_theorem_path_reports_every_term_of_epsilon():
    chk = get_check("bf16.thm2.4.relu-path")
    ev = chk.run(2, **chk.params())
    q = ev.details["quantities"]
    for key in (
        "lambda",
        "e_l",
        "delta_A_m0",
        "delta_A_ml_alpha",
        "delta_B_m0",
        "delta_B_ml_alpha",
        "c1_alpha_instance",
        "c1_alpha_paper",
        "epsilon",
        "bound",
    ):
        assert key in q
    assert ev.details["observed_max"] <= q["bound"] + 1e-9
    assert all(c.method in ("exact", "rigorous") for c in ev.certificates)
    # the grid over (l, α) from which the bound was minimised travels with the evidence
    assert min(g["epsilon"] for g in ev.details["grid"]) == pytest.approx(q["epsilon"])


def test_two_unit_states_its_instance_and_a_positive_separation():
    chk = get_check("bf16.relu.two-unit")
    ev = chk.run(1, **chk.params())
    assert ev.instance["mu"] == "±e1" and "relu" in ev.instance["target"]
    assert ev.margin > 0
    assert ev.details["rank_one_lower_bound"] <= ev.details["rank_one_sampled_min"]
    assert ev.details["segment_max"] >= ev.details["rank_one_lower_bound"]


def test_kernel_bounds_refute_the_follow_up_inequalities():
    chk = get_check("bf16.prop2.3.kernel-bounds")
    ev = chk.run(4, **chk.params())
    sym = ev.details["symbolic"]
    assert sym["followup_fails"] and sym["small_angle_fails"]
    assert sym["followup_gap_at_pi_over_2"] == "1/(2*pi)"
    assert sym["small_angle_gap_at_0"] == "1/6"


def test_path_command_plots_the_six_sub_paths(tmp_path, capsys):
    out = tmp_path / "six.png"
    code = main(["path", "bf16.thm2.4.relu-path", "--seed", "1", "--plot", str(out), "--json"])
    assert code == 0
    assert out.exists() and out.stat().st_size > 1000
    summary = json.loads(capsys.readouterr().out)
    labels = " ".join(p["label"] for p in summary["pieces"])
    assert "(1)" in labels and "(6)" in labels
