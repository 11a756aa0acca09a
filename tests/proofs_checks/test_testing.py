"""The property-based testing API: check_claim, assert_claim_holds, claim_property, user claims."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from sublevel.numerics.strategies import seeds
from sublevel.proofs_checks import (
    Evidence,
    assert_claim_holds,
    check,
    check_claim,
    negative_control,
)
from sublevel.proofs_checks.registry import CHECKS
from sublevel.proofs_checks.testing import (
    assert_control_detects,
    claim_instances,
    claim_property,
    describe_evidence,
    hypothesis_dimensions,
)
from sublevel.theory.claims import CLAIMS, Claim, get_claim, register_claim
from sublevel.theory.errors import HypothesisError, InputError


@pytest.fixture
def user_claims():
    """Register a user's claims for one test and remove them afterwards."""
    added: list[str] = []

    def add(claim: Claim) -> Claim:
        added.append(claim.id)
        return register_claim(claim, replace=True)

    yield add
    for cid in added:
        CLAIMS.pop(cid, None)
        CHECKS.pop(cid, None)


def test_check_claim_runs_one_instance_and_fills_the_evidence():
    ev = check_claim("lift.feature-map", {"max_n": 3}, seed=11)
    assert isinstance(ev, Evidence) and ev.outcome == "verified"
    assert (ev.claim, ev.role, ev.seed) == ("lift.feature-map", "instance", 11)
    assert ev.params == {"max_degree": 4, "max_n": 3}
    again = check_claim("lift.feature-map", max_n=3, seed=11)  # keywords work like the mapping
    assert again.message == ev.message and again.instance == ev.instance


def test_negative_control_role_and_assert_control_detects():
    ev = assert_control_detects("lift.feature-map", seed=2)
    assert ev.role == "negative_control" and ev.detected
    assert ev.outcome == "detected (conclusion fails)"


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: check_claim("lift.feature-mop"), "closest first"),
        (lambda: check_claim("lift.feature-map", {"degree": 3}), "no parameter 'degree'"),
        (lambda: check_claim("lift.feature-map", {"max_n": 2}, max_n=3), "both in instance"),
        (lambda: check_claim("lift.feature-map", [("max_n", 2)]), "must be a mapping"),
        (lambda: check_claim("lift.feature-map", seed=1.5), "seed 1.5"),
        (lambda: check_claim("lift.feature-map", role="control"), "role 'control'"),
        (lambda: check_claim("lift.feature-map", errors="ignore"), "errors='ignore'"),
    ],
)
def test_bad_calls_raise_one_line_input_errors(call, match):
    with pytest.raises(InputError, match=match) as info:
        call()
    assert "\n" not in str(info.value)


def test_an_instance_outside_the_hypotheses_is_a_hypothesis_error():
    params = {"depth": 2, "n": 3, "m": 3, "hidden": 3}  # n_1 = min(n, m): the square boundary
    assert hypothesis_dimensions("bf16.prop2.2.linear", params) == {"widths": [3, 3, 3]}
    with pytest.raises(HypothesisError, match="violates the hypotheses") as info:
        check_claim("bf16.prop2.2.linear", params)
    assert info.value.claim == "bf16.prop2.2.linear"
    recorded = check_claim("bf16.prop2.2.linear", params, enforce_hypotheses=False, errors="record")
    assert recorded.outcome == "inconclusive" and "HypothesisError" in recorded.error


@settings(max_examples=4, deadline=None)
@given(params=claim_instances("bf16.prop2.2.linear"), seed=seeds())
def test_deep_linear_theorem_holds_on_drawn_architectures(params, seed):
    ev = assert_claim_holds("bf16.prop2.2.linear", params, seed=seed)
    assert ev.details["hypotheses_hold"] is True


@settings(max_examples=10, deadline=None)
@given(params=claim_instances("bf16.prop2.2.linear", satisfying=False))
def test_violating_instances_are_refused_before_running(params):
    with pytest.raises(HypothesisError):
        check_claim("bf16.prop2.2.linear", params)


@settings(max_examples=4, deadline=None)
@given(params=claim_instances("vbb.finite-dim.p-ge-q"), seed=seeds())
def test_construction_a_holds_on_drawn_activations(params, seed):
    assert_claim_holds("vbb.finite-dim.p-ge-q", params, seed=seed)


def test_instance_strategies_say_what_they_cannot_draw():
    with pytest.raises(InputError, match="negative_control"):
        claim_instances("vbb.finite-dim.p-ge-2q", satisfying=False)
    with pytest.raises(InputError, match="no instance strategy for 'bf16.dss.convex'"):
        claim_instances("bf16.dss.convex")


def _user_claim(add, statement="every drawn integer k satisfies k² ≥ k", hypotheses=None):
    return add(
        Claim(
            id="test.user.squares",
            kind="identity",
            source="test",
            section="-",
            statement=statement,
            hypotheses=hypotheses,
            requires=("k",) if hypotheses else (),
            hypotheses_text="k ≥ 0",
        )
    )


def test_a_user_claim_in_a_few_lines_works_with_given(user_claims):
    _user_claim(user_claims, hypotheses=lambda d: int(d["k"]) >= 0)

    @check("test.user.squares", instances=3, k=2)
    def squares(seed: int, k: int) -> Evidence:
        ok = k * k >= k
        return Evidence(
            "verified" if ok else "violated",
            margin=float(k * k - k),
            methods=["exact"],
            message=f"{k}² − {k} = {k * k - k}",
        )

    @negative_control("test.user.squares")
    def squares_control(seed: int, k: int) -> Evidence:
        fraction = 0.5  # the statement fails off the integers
        return Evidence(
            "detected (conclusion fails)" if fraction**2 < fraction else "not detected",
            message="0.25 < 0.5",
        )

    from hypothesis import strategies as st

    test = claim_property(
        "test.user.squares", st.integers(0, 50).map(lambda k: {"k": k}), max_examples=15
    )
    test()
    claim_property("test.user.squares", role="negative_control", max_examples=2)()
    with pytest.raises(HypothesisError):
        check_claim("test.user.squares", {"k": -3})


def test_assert_claim_holds_reports_the_evidence(user_claims):
    _user_claim(user_claims)

    @check("test.user.squares", k=2)
    def wrong(seed: int, k: int) -> Evidence:
        return Evidence("violated", margin=-1.0, message=f"counterexample at seed {seed}")

    with pytest.raises(
        AssertionError, match=r"violated, margin -1.*counterexample at seed 5"
    ) as info:
        assert_claim_holds("test.user.squares", seed=5)
    assert "reproduce: check_claim('test.user.squares'" in str(info.value)

    @check("test.user.squares", k=2)
    def unsure(seed: int, k: int) -> Evidence:
        return Evidence("inconclusive", message="only sampled")

    with pytest.raises(AssertionError, match="inconclusive"):
        assert_claim_holds("test.user.squares")
    assert (
        assert_claim_holds("test.user.squares", allow_inconclusive=True).outcome == "inconclusive"
    )
    with pytest.raises(InputError, match="no negative control"):
        assert_control_detects("test.user.squares")


def test_exceptions_inside_a_check_propagate_or_are_recorded(user_claims):
    _user_claim(user_claims)

    @check("test.user.squares", k=2)
    def broken(seed: int, k: int) -> Evidence:
        raise ZeroDivisionError("division by zero in the user's check")

    with pytest.raises(ZeroDivisionError):
        check_claim("test.user.squares")
    ev = check_claim("test.user.squares", errors="record")
    assert ev.outcome == "inconclusive" and "ZeroDivisionError" in ev.error
    assert "ZeroDivisionError" in describe_evidence(ev)


def test_malformed_user_claims_get_clear_errors(user_claims):
    with pytest.raises(InputError, match="has no statement"):
        Claim(id="test.user.empty", kind="identity", source="me", section="-", statement="  ")
    with pytest.raises(InputError, match="kind 'theorem'"):
        Claim(id="test.user.kind", kind="theorem", source="me", section="-", statement="s")
    claim = _user_claim(user_claims, hypotheses=lambda d: 1 / 0)
    with pytest.raises(
        InputError, match="hypotheses of claim 'test.user.squares' raised ZeroDivisionError"
    ):
        claim.hypotheses_hold(k=1)

    @check("test.user.squares", k=2)
    def fine(seed: int, k: int) -> Evidence:
        return Evidence("verified")

    with pytest.raises(InputError, match="raised ZeroDivisionError"):
        check_claim("test.user.squares")
    with pytest.raises(InputError, match="unknown claim id 'test.user.nothing'"):
        check("test.user.nothing")(fine)
    with pytest.raises(InputError, match="has no check registered"):
        user_claims(
            Claim(
                id="test.user.unchecked",
                kind="numerical",
                source="me",
                section="-",
                statement="no check yet",
            )
        )
        check_claim("test.user.unchecked")
    assert get_claim("test.user.squares").statement


MALFORMED = {
    "no_statement": """
from sublevel.theory.claims import Claim, register_claim
register_claim(Claim(id="plugin.bad", kind="numerical", source="me", section="-", statement=""))
""",
    "raising_hypotheses": """
from sublevel.proofs_checks import Evidence, check
from sublevel.theory.claims import Claim, register_claim
register_claim(Claim(id="plugin.bad", kind="numerical", source="me", section="-", statement="s",
                     hypotheses=lambda d: d["width"] / 0, requires=("width",)))
get = __import__("sublevel.theory.claims", fromlist=["get_claim"]).get_claim
get("plugin.bad").hypotheses_hold(width=3)
""",
    "check_of_unknown_claim": """
from sublevel.proofs_checks import Evidence, check
@check("plugin.never-registered")
def f(seed):
    return Evidence("verified")
""",
}


@pytest.mark.parametrize(
    "kind, message",
    [
        ("no_statement", "claim 'plugin.bad' has no statement"),
        ("raising_hypotheses", "hypotheses of claim 'plugin.bad' raised ZeroDivisionError"),
        ("check_of_unknown_claim", "unknown claim id 'plugin.never-registered'"),
    ],
)
def test_malformed_plugins_fail_on_the_cli_with_one_line(tmp_path, kind, message):
    plugin = tmp_path / f"{kind}.py"
    plugin.write_text(MALFORMED[kind])
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sublevel.proofs_checks.cli",
            "verify",
            "--plugin",
            str(plugin),
            "--out",
            str(tmp_path / "out"),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("sublevel: error: ") and message in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
