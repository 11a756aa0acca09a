"""Evidence vocabulary and the proof rule: verified only from proof-grade deciding evidence;
negative controls detect by the theorem, never by a guard's refusal (issue 12, items 1 and 2)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.proofs_checks.evidence import (
    CONTROL_OUTCOMES,
    PROOF_KINDS,
    Evidence,
    control_outcome,
    enforce_proof_rule,
    error_evidence,
    outcome_from_certificates,
)
from sublevel.proofs_checks.registry import load_builtin_checks
from sublevel.proofs_checks.report import claim_report
from sublevel.theory.certificate import Certificate
from sublevel.theory.errors import HypothesisError

KINDS = [
    "exact",
    "rigorous",
    "bounded",
    "symbolic",
    "sampled",
    "optimisation",
    "monte-carlo",
    "closed form (float)",
    "high-precision",
    "sdp",
]


def test_control_outcomes_are_exactly_the_four():
    assert CONTROL_OUTCOMES == (
        "detected (conclusion fails)",
        "detected (certificate fails)",
        "not detected",
        "not run",
    )
    for old in ("detected", "missed"):
        with pytest.raises(ValueError):
            Evidence(old)


def test_control_outcome_prefers_the_conclusion():
    assert control_outcome(conclusion_fails=True, certificate_fails=True) == CONTROL_OUTCOMES[0]
    assert control_outcome(certificate_fails=True) == CONTROL_OUTCOMES[1]
    assert control_outcome() == "not detected"


@settings(max_examples=60, deadline=None)
@given(
    used=st.lists(st.sampled_from(KINDS), min_size=1, max_size=5, unique=True),
    explicit=st.booleans(),
)
def test_verified_needs_every_deciding_kind_proof_grade(used, explicit):
    ev = Evidence("verified", methods=used, deciding=used if explicit else None)
    enforce_proof_rule(ev)
    if set(used) <= set(PROOF_KINDS):
        assert ev.outcome == "verified"
    else:
        assert ev.outcome == "supported" and "proof_rule" in ev.details


def test_a_numerical_cross_check_does_not_demote_a_proof():
    ev = Evidence(
        "verified",
        methods=["monte-carlo", "optimisation"],
        deciding=["exact"],
        certificates=[Certificate(True, 1.0, 0.0, 2.0, "sampled")],
    )
    enforce_proof_rule(ev)
    assert ev.outcome == "verified"
    d = ev.to_dict()
    assert d["deciding_methods"] == ["exact"]
    assert d["methods"] == ["exact", "monte-carlo", "optimisation", "sampled"]
    # old spellings map to the vocabulary
    assert Evidence("verified", methods=["closed form"]).all_methods() == ["closed form (float)"]


def test_a_verified_instance_with_no_named_evidence_is_not_verified():
    assert enforce_proof_rule(Evidence("verified")).outcome == "supported"


def test_a_guard_refusal_is_a_precondition_never_a_detection():
    ev = error_evidence(
        HypothesisError("p = 2 < q = 3", claim="vbb.finite-dim.p-ge-q"), "negative_control"
    )
    assert ev.outcome == "not detected" and not ev.detected
    assert ev.details["precondition"] == "p = 2 < q = 3"
    inconclusive = Evidence("inconclusive", role="negative_control")
    assert enforce_proof_rule(inconclusive).outcome == "not detected"


def test_an_inconclusive_rigorous_certificate_is_not_a_violation():
    straddles = Certificate(
        False, 1.0, 0.5, 1.0, "rigorous", outcome="inconclusive", max_energy_enclosure=(0.99, 1.01)
    )
    assert outcome_from_certificates([straddles]) == "inconclusive"
    fails = Certificate(False, 1.2, 0.5, 1.0, "rigorous", max_energy_enclosure=(1.1, 1.3))
    assert outcome_from_certificates([fails]) == "violated"


@pytest.fixture(autouse=True)
def _checks():
    load_builtin_checks()


def _record(outcome: str, index: int, deciding: list[str], role: str = "instance") -> dict:
    return {
        "claim": "vbb.finite-dim.p-ge-q",
        "role": role,
        "index": index,
        "seed": index,
        "params": {},
        "outcome": outcome,
        "margin": 1.0,
        "methods": deciding,
        "deciding_methods": deciding,
        "certificates": [],
        "message": "",
    }


def test_report_a_constructive_claim_decided_numerically_is_supported():
    recs = [
        _record("verified", 0, ["exact"]),
        _record("supported", 1, ["optimisation"]),
        _record("detected (certificate fails)", 0, ["exact"], role="negative_control"),
    ]
    c = claim_report("vbb.finite-dim.p-ge-q", recs)
    assert c["status"] == "supported"
    assert c["deciding_methods"] == ["exact", "optimisation"]
    assert (c["verified"], c["supported"]) == (1, 1)
    proven = claim_report("vbb.finite-dim.p-ge-q", [recs[0], recs[2]])
    assert proven["status"] == "verified" and proven["negative_control"]["detected"]


def test_report_an_undetected_control_makes_the_claim_inconclusive():
    recs = [
        _record("verified", 0, ["exact"]),
        _record("not detected", 0, [], role="negative_control"),
    ]
    c = claim_report("vbb.finite-dim.p-ge-q", recs)
    assert c["status"] == "inconclusive" and c["negative_control"]["outcome"] == "not detected"
    assert "certificates" in c["negative_control"] and "details" in c["negative_control"]
