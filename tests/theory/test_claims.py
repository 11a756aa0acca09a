"""The registry holds every claim of THEORY.md, as data."""

from __future__ import annotations

import pytest
from sublevel.theory.claims import CLAIMS, KINDS, Claim, closest_ids, get_claim, register_claim
from sublevel.theory.errors import InputError

THEORY_IDS = {
    "lift.multilinear",
    "lift.quadratic",
    "lift.feature-map",
    "identity.layer-cake",
    "bf16.prop2.1",
    "bf16.prop2.2.linear",
    "bf16.prop2.2.ridge",
    "vbb.finite-dim.p-ge-q",
    "vbb.finite-dim.p-ge-2q",
    "vbb.empirical-dim",
    "bf16.thm2.4.relu-path",
    "bf16.cor2.5.asymptotic",
    "lbb.multilinear",
    "kawaguchi16.deep-linear",
    "lbb.quadratic.2layer",
    "lbb.quadratic.deep",
    "bf16.linear.square-boundary",
    "bf16.relu.two-unit",
    "bf16.relu.permutation",
    "vbb.thm13.relu-valley",
    "bf16.prop2.3.kernel-bounds",
    "talk.kawaguchi-statement",
    "lbb18.energy-barrier",
    "abc13.spin-glass",
    "bf16.dss.convex",
    "bf16.dss.double-well",
    "bf16.dss.cubic",
    "bf16.dss.real-data",
    "baseline.bezier",
    "baseline.autoneb",
    "symmetry.weight-matching",
}


def test_every_theory_id_is_registered():
    assert THEORY_IDS <= set(CLAIMS)


@pytest.mark.parametrize("cid", sorted(THEORY_IDS))
def test_entries_are_complete(cid):
    c = CLAIMS[cid]
    assert c.kind in KINDS
    assert c.source and c.section and c.statement
    d = c.to_dict()
    assert d["id"] == cid and isinstance(d["notes"], list)


def test_linear_width_hypothesis():
    c = get_claim("bf16.prop2.2.linear")
    assert c.hypotheses_hold(widths=[4, 6, 6, 4])
    assert c.hypotheses_hold(widths=[2, 3, 5])  # n_1 = 3 > min(2, 5)
    assert not c.hypotheses_hold(widths=[4, 4, 4])  # equality: the boundary
    assert not c.hypotheses_hold(widths=[4, 6, 3, 4])
    with pytest.raises(InputError, match="needs widths"):
        c.hypotheses_hold(n=3)


def test_talk_discrepancies_recorded():
    assert any("2q" in n for n in get_claim("vbb.finite-dim.p-ge-q").notes)
    assert any("typo" in n for n in get_claim("identity.layer-cake").notes)
    assert any("E XXᵀ" in n for n in get_claim("kawaguchi16.deep-linear").notes)


def test_unknown_id_lists_closest_first():
    with pytest.raises(InputError) as info:
        get_claim("bf16.prop2.2.linaer")
    message = str(info.value)
    assert "\n" not in message
    assert message.index("bf16.prop2.2.linear") < message.index("abc13.spin-glass")
    assert closest_ids("lift.quadratic")[0] == "lift.quadratic"


def test_malformed_user_claims_are_rejected():
    with pytest.raises(InputError, match="no statement"):
        Claim(id="user.x", kind="numerical", source="me", section="-", statement=" ")
    with pytest.raises(InputError, match="kind"):
        Claim(id="user.x", kind="theorem", source="me", section="-", statement="s")
    with pytest.raises(InputError, match="already registered"):
        register_claim(CLAIMS["lift.quadratic"])


def test_hypotheses_that_raise_are_reported():
    def broken(d):
        raise ZeroDivisionError("boom")

    c = Claim(
        id="user.raises",
        kind="numerical",
        source="me",
        section="-",
        statement="s",
        hypotheses=broken,
    )
    with pytest.raises(InputError, match="ZeroDivisionError"):
        c.hypotheses_hold()
