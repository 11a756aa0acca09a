"""The seven finite-intrinsic-dimension claims (sublevel.proofs_checks.checks.finite_dim,
empirical_dim, relu_valley, quadratic_networks, energy_barrier): checks, negative controls, the
path builders and ``sublevel path``."""

from __future__ import annotations

import json

import pytest
from sublevel.numerics.conformance import check_profile
from sublevel.numerics.profile import plot_energy_profile
from sublevel.proofs_checks.cli import main
from sublevel.proofs_checks.registry import get_check

EXPECTED = {
    "vbb.finite-dim.p-ge-q": {"verified"},
    "vbb.finite-dim.p-ge-2q": {"verified"},
    "vbb.empirical-dim": {"verified"},
    "vbb.thm13.relu-valley": {"verified"},
    "lbb.quadratic.2layer": {"verified"},
    "lbb.quadratic.deep": {"verified"},
    # a conjecture: 'verified' = no counterexample in this search, 'violated' = one was found
    "lbb18.energy-barrier": {"verified", "violated"},
}


@pytest.mark.parametrize("claim", sorted(EXPECTED))
def test_check_and_negative_control(claim):
    chk = get_check(claim)
    assert chk is not None and chk.negative_control is not None
    params = chk.params()
    ev = chk.run(11, **params)
    assert ev.outcome in EXPECTED[claim], ev.message
    assert ev.message and ev.instance
    control = chk.negative_control(5, **params)
    assert control.detected, control.message


@pytest.mark.parametrize("claim", ["vbb.finite-dim.p-ge-q", "vbb.finite-dim.p-ge-2q"])
def test_constructions_are_exactly_certified_over_many_seeds(claim):
    chk = get_check(claim)
    params = dict(chk.params(), cvxpy=False, symbolic=False)
    for seed in range(12):
        ev = chk.run(seed, **params)
        assert ev.outcome == "verified", (seed, ev.message)
        assert {c.method for c in ev.certificates} == {"exact"}
        assert ev.details["hypotheses_hold"] and ev.details["function_constant"]


def test_construction_a_with_cubic_activation_in_dimension_three():
    """The benchmark's setting (cubic, n = 3): the compress step and the symbolic check."""
    chk = get_check("vbb.finite-dim.p-ge-q")
    ev = chk.run(3, **chk.params({"activation": "z**3", "n": 3, "risk": "empirical"}))
    assert ev.outcome == "verified" and ev.instance["q"] == 10
    assert ev.details["matches_cvxpy"] and ev.details["ends_at_optimum"]


def test_symbolic_check_runs_on_small_instances():
    chk = get_check("vbb.finite-dim.p-ge-q")
    params = chk.params({"activation": "z**2 - z", "n": 1, "risk": "empirical"})
    ev = chk.run(0, **params)
    assert ev.outcome == "verified"
    assert ev.details["symbolic_constant"] and ev.details["symbolic_max_t_coefficient"] < 1e-12


def test_empirical_dim_reports_duplicate_samples():
    chk = get_check("vbb.empirical-dim")
    params = chk.params({"duplicate_fraction": 1.0})
    for seed in range(3):
        ev = chk.run(seed, **params)
        assert ev.outcome == "verified", ev.message
        deg = ev.details["degeneracy"]
        assert deg["degenerate"] and deg["duplicates"] and "identical samples" in ev.message


def test_valley_reports_the_barrier():
    chk = get_check("vbb.thm13.relu-valley")
    ev = chk.run(0, **chk.params({"n": 10, "mc_samples": 5000, "gd_steps": 20}))
    assert ev.outcome == "verified", ev.message
    assert ev.margin == ev.details["barrier"] > 0
    witness = next(c for c in ev.certificates if c.method == "sampled")
    assert witness.max_energy > witness.bound and not witness.holds  # the grid sees the rise
    path = next(c for c in ev.certificates if c.label.startswith("straight path: max"))
    assert path.method == "exact" and path.max_energy > ev.details["barrier"] > 0


@pytest.mark.parametrize("sign", ["nonnegative", "balanced"])
def test_quadratic_sign_constrained_variants(sign):
    chk = get_check("lbb.quadratic.2layer")
    ev = chk.run(2, **chk.params({"sign": sign, "max_n": 2, "runs": 3}))
    assert ev.outcome == "verified", ev.message
    assert ev.instance["sign"] == sign


@pytest.mark.parametrize("claim", ["vbb.finite-dim.p-ge-q", "vbb.finite-dim.p-ge-2q"])
def test_path_builders_conform_and_plot(claim, tmp_path):
    chk = get_check(claim)
    profile = chk.path(4, **chk.params())
    check_profile(profile, name=claim).raise_if_failed()
    assert all(c.holds for c in profile.certificates)
    out = plot_energy_profile(profile, tmp_path / "profile.png")
    assert out.exists() and out.stat().st_size > 1000


def test_sublevel_path_command(tmp_path, capsys):
    plot = tmp_path / "b.png"
    code = main(["path", "vbb.finite-dim.p-ge-2q", "--seed", "3", "--plot", str(plot), "--json"])
    assert code == 0 and plot.exists()
    summary = json.loads(capsys.readouterr().out)
    assert summary["holds"] and len(summary["pieces"]) >= 3


def test_bad_parameters_are_input_errors(capsys):
    assert main(["path", "vbb.finite-dim.p-ge-q", "--param", "activation=tanh(z)"]) == 2
    assert "not a polynomial" in capsys.readouterr().err


def test_literal_quadratic_statement_is_refuted_with_trained_output_weights():
    chk = get_check("lbb.quadratic.2layer")
    ev = chk.run(1, **chk.params({"sign": "free", "runs": 2}))
    assert ev.outcome == "violated" and "refuted" in ev.message
    trap = ev.details["trained_output_sign_trap"]
    assert trap["certified"] and trap["gap"] > 0 and ev.margin == -trap["gap"]
    default = chk.run(1, **chk.params({"runs": 2}))
    assert (
        default.outcome == "verified" and default.details["trained_output_sign_trap"]["certified"]
    )


@pytest.mark.parametrize("width_factor", [1.0, 2.0])
def test_quadratic_sign_trap_is_a_poor_minimum_with_a_flat_escape_not_a_spurious_valley(
    width_factor,
):
    """Issue 12 §3: with u trained the certified sign trap refutes 'no poor local minima' but has
    a constant-energy escape — the evidence and message say it is not a spurious valley."""
    chk = get_check("lbb.quadratic.2layer")
    ev = chk.run(1, **chk.params({"sign": "free", "width_factor": width_factor, "runs": 2}))
    assert ev.outcome == "violated"
    assert (
        ev.details["sign_trap_classification"] == "poor non-strict local minimum with a flat escape"
    )
    assert "NOT a spurious valley" in ev.message and "every width" not in ev.message
