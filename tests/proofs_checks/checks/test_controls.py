"""Negative controls test the theorem, not the guard (issue 12, item 2): a refusal is a
precondition, an inconclusive result is 'not detected', and the intrinsic-dimension controls
detect by an exact certificate."""

from __future__ import annotations

import pytest
from sublevel.numerics.rank_barrier import exact_rank, monomial_matrix, rank_barrier
from sublevel.proofs_checks.checks import relu_path as R
from sublevel.proofs_checks.checks.dss_networks import no_growth_control
from sublevel.proofs_checks.evidence import Evidence
from sublevel.proofs_checks.testing import check_claim
from sublevel.theory.certificate import Certificate


@pytest.mark.parametrize(
    "claim,expected",
    [
        ("vbb.finite-dim.p-ge-q", "detected (certificate fails)"),
        ("vbb.finite-dim.p-ge-2q", "detected (conclusion fails)"),
        ("vbb.empirical-dim", "detected (certificate fails)"),
    ],
)
@pytest.mark.parametrize("seed", [1, 4])
def test_intrinsic_controls_detect_by_an_exact_certificate(claim, expected, seed):
    ev = check_claim(claim, seed=seed, role="negative_control")
    assert ev.outcome == expected, ev.message
    assert ev.details["precondition"]  # the guard refused: recorded, not counted
    proofs = [c for c in ev.certificates if c.is_proof]
    assert proofs and all(c.method == "exact" for c in proofs)
    if expected.endswith("(certificate fails)"):
        assert any(c.outcome == "fails" for c in proofs)
    else:
        assert all(c.holds for c in proofs)


def test_rank_barrier_against_a_dense_oracle():
    """p units reach the least-squares optimum iff rank of the projected targets ≤ p."""
    import numpy as np

    rng = np.random.default_rng(0)
    X = np.round(rng.normal(size=(9, 2)) * 16) / 16
    E = [[2, 0], [1, 1], [0, 2]]  # ρ(z) = z², n = 2: q = 3
    M = monomial_matrix(X, E)
    assert exact_rank(M) == 3
    Y = rng.normal(size=(9, 3))
    assert rank_barrier(M, Y, 2).outcome == "fails"
    assert rank_barrier(M, Y, 3).holds
    # targets inside a rank-1 subspace of the outputs: one unit suffices
    Y1 = np.outer(rng.normal(size=9), [1.0, 2.0, -1.0])
    assert rank_barrier(M, Y1, 1).holds
    cert = rank_barrier(M, Y, 1)
    Mf = np.array(M, dtype=float)
    Yhat = Mf.T @ np.linalg.lstsq(Mf.T, Y, rcond=None)[0]
    s = np.linalg.svd(Yhat, compute_uv=False)
    assert cert.details["gap"] == pytest.approx(np.sum(s[1:] ** 2) / 9, rel=1e-10)


def test_an_inconclusive_trend_is_not_a_detection():
    not_connected = Evidence(
        "inconclusive", details={"connected_everywhere": False, "length_grows": False}
    )
    assert no_growth_control(not_connected, "convex").outcome == "not detected"
    flat = Evidence("inconclusive", details={"connected_everywhere": True, "length_grows": False})
    assert no_growth_control(flat, "convex").outcome == "detected (conclusion fails)"


def test_cor25_control_needs_exact_levels_to_detect(monkeypatch):
    """An inconclusive width study (levels not certified) used to count as detected."""
    sampled = Certificate(True, 1.0, 0.5, 2.0, "sampled")

    def fake(seed, fixed, *args, **kwargs):
        return Evidence(
            "inconclusive",
            certificates=[sampled],
            details={"exponent": 0.0, "levels": [1.0, 1.0]},
            message="levels",
        )

    monkeypatch.setattr(R, "_cor25", fake)
    params = dict(n=2, widths=[4, 8], samples=8, teacher=2, l1=1e-3, maxiter=1, min_decrease=0.1)
    assert R.cor25_control(0, **params).outcome == "not detected"
    exact = Certificate(True, 1.0, 0.5, 2.0, "exact")
    monkeypatch.setattr(
        R,
        "_cor25",
        lambda *a, **k: Evidence(
            "inconclusive", certificates=[exact], details={"exponent": 0.0, "levels": [1.0, 1.0]}
        ),
    )
    assert R.cor25_control(0, **params).outcome == "detected (conclusion fails)"


def test_a_control_that_only_hits_a_guard_is_not_detected(tmp_path):
    """A user control whose check raises the construction's HypothesisError: not detected, with
    the refusal as the precondition (through the runner)."""
    from sublevel.proofs_checks.runner import run_verification

    plugin = tmp_path / "guard.py"
    plugin.write_text("""
from sublevel.proofs_checks import Evidence, check, negative_control
from sublevel.theory.claims import Claim, register_claim
from sublevel.theory.errors import HypothesisError

register_claim(Claim(id="user.guarded", kind="constructive", source="test", section="-",
                     statement="a construction with a guard"), replace=True)


@check("user.guarded", instances=1)
def run(seed):
    return Evidence("verified", methods=["exact"])


@negative_control("user.guarded")
def control(seed):
    raise HypothesisError("needs p >= q", claim="user.guarded")
""")
    result = run_verification(
        ["user.guarded"], out=tmp_path / "out", executor="inline", plugins=[str(plugin)]
    )
    (claim,) = result.report["claims"]
    nc = claim["negative_control"]
    assert nc["outcome"] == "not detected" and nc["precondition"] == "needs p >= q"
    assert claim["status"] == "inconclusive"
