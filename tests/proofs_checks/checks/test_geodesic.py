"""The geodesic claims' checks and negative controls, run at their default sizes."""

from __future__ import annotations

import pytest
from sublevel.proofs_checks.registry import get_check

CLAIMS = [
    "bf16.dss.convex",
    "bf16.dss.double-well",
    "bf16.dss.cubic",
    "bf16.dss.real-data",
    "baseline.bezier",
    "baseline.autoneb",
    "symmetry.weight-matching",
]


@pytest.mark.parametrize("claim", CLAIMS)
def test_check_and_negative_control(claim):
    chk = get_check(claim)
    assert chk is not None and chk.negative_control is not None
    params = chk.params()
    ev = chk.run(11, **params)
    assert ev.outcome == "verified", ev.message
    ctl = chk.negative_control(11, **params)
    assert ctl.detected, ctl.message


def test_exact_certificates_on_the_polynomial_claims():
    chk = get_check("bf16.dss.double-well")
    ev = chk.run(3, **chk.params())
    methods = {c.method for c in ev.certificates}
    assert methods == {"exact"}
    assert ev.details["separation"]["holds"]  # the closed-form disconnection certificate
    assert "not connected within depth" in ev.details["below"]["status"]


def test_network_claims_never_report_sampling_as_proof():
    chk = get_check("bf16.dss.cubic")
    ev = chk.run(5, **chk.params())
    assert all(c.method == "sampled" and not c.is_proof for c in ev.certificates)
    assert ev.details["length_on"].startswith("weights only")
    assert ev.details["paper"]  # the paper's values travel with the evidence


@pytest.mark.parametrize("claim", ["bf16.dss.convex", "bf16.dss.double-well"])
def test_path_builders_give_certified_profiles(claim):
    chk = get_check(claim)
    profile = chk.path(0, **chk.params())
    assert profile.certificates and all(c.holds and c.is_proof for c in profile.certificates)
