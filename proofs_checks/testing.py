"""Property-based testing against the claims: run one check on one instance, in-process.

``check_claim(id, instance, seed=S)`` runs the registered check of a claim (built-in, or a user's
own registered with :func:`sublevel.theory.claims.register_claim` and :func:`sublevel.proofs_checks.check`) on the
instance described by ``instance`` — a mapping of the check's parameters, e.g.
``{"widths": [3, 5, 2]}`` — and returns its :class:`~sublevel.proofs_checks.evidence.Evidence`. The
pytest-friendly forms raise ``AssertionError`` with the evidence's message, so a hypothesis test
reads like the statement::

    from hypothesis import given, settings
    from sublevel.numerics.strategies import linear_widths, seeds
    from sublevel.proofs_checks.testing import assert_claim_holds

    @settings(max_examples=10, deadline=None)
    @given(widths=linear_widths(satisfying=True), seed=seeds())
    def test_deep_linear_sublevel_sets_are_connected(widths, seed):
        assert_claim_holds("bf16.prop2.2.linear", {"widths": widths}, seed=seed)

What "holds" means follows the claim's kind (the evidence outcome is relative to the theory):
for a theorem the check certified the conclusion; for a refutation the false statement was
shown false; for a conjecture no counterexample was found on this instance.
:func:`assert_control_detects` runs the negative control (a hypothesis broken) and asserts
that the check reported the failure.

Before running, the instance is checked against the claim's hypotheses when it names every
dimension they read (``Claim.requires``): asserting a theorem outside its hypotheses is a
:class:`~sublevel.theory.errors.HypothesisError`, not a failed test.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sublevel.proofs_checks.evidence import Evidence, enforce_proof_rule, error_evidence
from sublevel.proofs_checks.registry import get_check, load_builtin_checks, load_plugin
from sublevel.theory.claims import get_claim
from sublevel.theory.errors import HypothesisError, InputError

__all__ = [
    "check_claim",
    "claim_instances",
    "hypothesis_dimensions",
    "register_dimensions",
    "assert_claim_holds",
    "assert_control_detects",
    "claim_property",
    "describe_evidence",
]

ROLES = ("instance", "negative_control")


def _merged(instance: Mapping[str, Any] | None, params: Mapping[str, Any]) -> dict[str, Any]:
    if instance is not None and not isinstance(instance, Mapping):
        raise InputError(f"instance {instance!r} must be a mapping of the check's parameters")
    merged = dict(instance or {})
    clash = sorted(set(merged) & set(params))
    if clash:
        raise InputError(f"parameter(s) {', '.join(clash)} given both in instance and as keywords")
    merged.update(params)
    return merged


#: how a check's parameters determine the dimensions its claim's hypotheses read
#: (``Claim.requires``), for checks whose parameters are not those dimensions themselves
DIMENSIONS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "bf16.prop2.2.linear": lambda p: {
        "widths": [int(p["n"])] + [int(p["hidden"])] * (int(p["depth"]) - 1) + [int(p["m"])]
    },
}


def register_dimensions(claim_id: str, fn: Callable[[Mapping[str, Any]], dict[str, Any]]) -> None:
    """Declare how the parameters of ``claim_id``'s check give its hypotheses' dimensions
    (``fn(params) -> {"widths": …}``), so :func:`check_claim` can decide them before running."""
    get_claim(claim_id)
    if not callable(fn):
        raise InputError(f"dimensions of {claim_id!r}: {fn!r} is not callable")
    DIMENSIONS[claim_id] = fn


def hypothesis_dimensions(claim_id: str, params: Mapping[str, Any]) -> dict[str, Any] | None:
    """The dimensions the claim's hypotheses read, from a check's parameters (None when they
    cannot be told from the parameters)."""
    claim = get_claim(claim_id)
    if claim_id in DIMENSIONS:
        try:
            return DIMENSIONS[claim_id](params)
        except KeyError:
            return None
    if claim.requires and all(k in params for k in claim.requires):
        return {k: params[k] for k in claim.requires}
    return None


def _hypotheses(claim_id: str, params: Mapping[str, Any]) -> bool | None:
    """Whether the instance satisfies the claim's hypotheses (None if it does not say)."""
    claim = get_claim(claim_id)
    if claim.hypotheses is None or not claim.requires:
        return None
    dims = hypothesis_dimensions(claim_id, params)
    return None if dims is None else claim.hypotheses_hold(dims)


def check_claim(
    claim_id: str,
    instance: Mapping[str, Any] | None = None,
    *,
    seed: int = 0,
    role: str = "instance",
    plugins: Sequence[str] = (),
    enforce_hypotheses: bool = True,
    errors: str = "raise",
    **params: Any,
) -> Evidence:
    """Run the check (or, with ``role="negative_control"``, the negative control) of
    ``claim_id`` on one instance and return its Evidence.

    ``instance`` and ``params`` override the check's default parameters (an unknown name is an
    :class:`InputError` listing the check's parameters); the claim's hypotheses are decided on
    the resulting parameters when they include every dimension the hypotheses read. ``seed`` is the instance's own seed,
    passed to the check unchanged. With ``enforce_hypotheses`` (default) an instance that names
    the dimensions of the claim's hypotheses and violates them raises
    :class:`HypothesisError` for ``role="instance"``. ``errors="raise"`` lets an exception
    inside the check propagate (the traceback is what a test wants); ``errors="record"`` turns
    it into an ``inconclusive`` evidence with the error (``not detected`` for a control), as
    the runner does. The runner's proof rule applies: a ``verified`` outcome whose deciding
    evidence is not all proof-grade comes back ``supported``.

    >>> check_claim("lift.quadratic", seed=0).outcome
    'verified'
    """
    if role not in ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}")
    if errors not in ("raise", "record"):
        raise InputError(f"errors={errors!r} must be 'raise' or 'record'")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InputError(f"seed {seed!r} must be an integer")
    for plugin in plugins:
        load_plugin(plugin)
    load_builtin_checks()
    claim = get_claim(claim_id)
    chk = get_check(claim_id)
    if chk is None:
        raise InputError(f"claim {claim_id!r} has no check registered (not implemented)")
    fn: Callable[..., Evidence] | None = chk.run if role == "instance" else chk.negative_control
    if fn is None:
        raise InputError(f"claim {claim_id!r} has no negative control registered")
    overrides = _merged(instance, params)
    check_params = chk.params(overrides)  # unknown names: InputError listing the parameters
    hold = _hypotheses(claim_id, check_params)
    if hold is False and role == "instance" and enforce_hypotheses:
        raise HypothesisError(
            f"instance {json.dumps(overrides, default=str)} violates the hypotheses of "
            f"{claim_id!r} ({claim.hypotheses_text}); run its negative control instead "
            "(role='negative_control') or pass enforce_hypotheses=False",
            claim=claim_id,
        )
    start = time.perf_counter()
    try:
        evidence = fn(seed, **check_params)
        if not isinstance(evidence, Evidence):
            raise TypeError(
                f"check of {claim_id!r} returned {type(evidence).__name__}, not Evidence"
            )
    except Exception as exc:
        if errors == "raise":
            raise
        evidence = error_evidence(exc, role)
    evidence.claim, evidence.role, evidence.index, evidence.seed = claim_id, role, 0, seed
    enforce_proof_rule(evidence)
    evidence.params = check_params
    evidence.wall_time = time.perf_counter() - start
    if hold is None and isinstance(evidence.instance, Mapping):
        hold = _hypotheses(claim_id, evidence.instance)  # what the instance says it was
    if hold is not None:
        evidence.details.setdefault("hypotheses_hold", hold)
    return evidence


def describe_evidence(evidence: Evidence) -> str:
    """One paragraph: claim, role, outcome, margin, methods, message and how to reproduce."""
    margin = "—" if evidence.margin is None else f"{evidence.margin:.6g}"
    params = json.dumps(evidence.params, default=str, sort_keys=True)
    role = "" if evidence.role == "instance" else " (negative control)"
    text = (
        f"{evidence.claim}{role}: {evidence.outcome}, margin {margin}, methods "
        f"{', '.join(evidence.all_methods()) or '—'}: {evidence.message or 'no message'}"
    )
    if evidence.error:
        text += f" [error: {evidence.error}]"
    return (
        text
        + f"\n  reproduce: check_claim({evidence.claim!r}, {params}, seed={evidence.seed}"
        + (", role='negative_control'" if evidence.role != "instance" else "")
        + ")"
    )


def assert_claim_holds(
    claim_id: str,
    instance: Mapping[str, Any] | None = None,
    *,
    seed: int = 0,
    allow_inconclusive: bool = False,
    require_proof: bool = False,
    **options: Any,
) -> Evidence:
    """Run :func:`check_claim` and raise ``AssertionError`` (with the evidence's message and
    how to reproduce it) unless the outcome is ``verified`` or ``supported`` (no failure found,
    numerical deciding evidence; not accepted with ``require_proof``) — or ``inconclusive``
    when ``allow_inconclusive`` (e.g. a check that only samples). Returns the evidence.

    >>> assert_claim_holds("identity.layer-cake", seed=1).outcome
    'verified'
    """
    evidence = check_claim(claim_id, instance, seed=seed, **options)
    accepted = {"verified"} if require_proof else {"verified", "supported"}
    if allow_inconclusive:
        accepted.add("inconclusive")
    if evidence.outcome in accepted:
        return evidence
    raise AssertionError(describe_evidence(evidence))


def assert_control_detects(
    claim_id: str, instance: Mapping[str, Any] | None = None, *, seed: int = 0, **options: Any
) -> Evidence:
    """Run the negative control of ``claim_id`` and raise ``AssertionError`` unless it reports
    the failure its broken hypothesis allows (``detected (conclusion fails)`` or ``detected
    (certificate fails)``; a guard's refusal is not a detection)."""
    evidence = check_claim(claim_id, instance, seed=seed, role="negative_control", **options)
    if evidence.detected:
        return evidence
    raise AssertionError(describe_evidence(evidence))


def claim_property(
    claim_id: str,
    instances: Any | None = None,
    *,
    seeds: Any | None = None,
    max_examples: int = 10,
    role: str = "instance",
    **options: Any,
) -> Callable[[], None]:
    """A ready-made hypothesis test: ``test_mine = claim_property("my.claim", strategy)`` runs
    :func:`assert_claim_holds` (or :func:`assert_control_detects` for
    ``role="negative_control"``) on ``max_examples`` instances drawn from ``instances`` (a
    strategy of parameter mappings; default: the check's defaults) and seeds."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from sublevel.numerics.strategies import seeds as seed_strategy

    if role not in ROLES:
        raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}")
    get_claim(claim_id)
    inst = st.just({}) if instances is None else instances
    sd = seed_strategy() if seeds is None else seeds
    check = assert_claim_holds if role == "instance" else assert_control_detects

    @settings(max_examples=max_examples, deadline=None, database=None)
    @given(instance=inst, seed=sd)
    def test(instance: Mapping[str, Any], seed: int) -> None:
        check(claim_id, instance, seed=seed, **options)

    test.__name__ = f"test_{claim_id.replace('.', '_').replace('-', '_')}"
    return test


def _linear_instances(satisfying: bool) -> Any:
    from sublevel.numerics import strategies as S

    def as_params(w: list[int]) -> dict[str, Any]:
        return {"depth": len(w) - 1, "n": w[0], "m": w[-1], "hidden": w[1]}

    uniform = S.linear_widths(satisfying=satisfying, max_layers=4, max_width=6).map(
        lambda w: [w[0], *([w[1]] * (len(w) - 2)), w[-1]]
    )  # the check has one hidden width
    return uniform.map(as_params).filter(
        lambda p: _hypotheses("bf16.prop2.2.linear", p) == satisfying
    )


def _intrinsic_instances(claim_id: str) -> Callable[[bool], Any]:
    def build(satisfying: bool) -> Any:
        from hypothesis import strategies as st
        from sublevel.numerics import strategies as S

        if not satisfying:
            raise InputError(
                f"the check of {claim_id!r} chooses p from q itself (p ≥ q always); "
                "its negative control runs p < q: use role='negative_control'"
            )
        return st.fixed_dictionaries(
            {
                "activation": S.polynomial_activations(max_degree=3).map(str),
                "n": st.integers(1, 2),
                "cvxpy": st.just(False),
                "symbolic": st.just(False),
            }
        )

    return build


#: claim id → fn(satisfying) → strategy of its check's parameters (checks whose parameters are
#: not the dimensions of the claim's hypotheses)
INSTANCE_STRATEGIES: dict[str, Callable[[bool], Any]] = {
    "bf16.prop2.2.linear": _linear_instances,
    "vbb.finite-dim.p-ge-q": _intrinsic_instances("vbb.finite-dim.p-ge-q"),
    "vbb.finite-dim.p-ge-2q": _intrinsic_instances("vbb.finite-dim.p-ge-2q"),
}


def claim_instances(claim_id: str, *, satisfying: bool = True) -> Any:
    """A hypothesis strategy of parameter mappings for ``claim_id``'s check whose dimensions
    satisfy (or violate) the claim's hypotheses, e.g. for ``bf16.prop2.2.linear``
    ``{"depth": 3, "n": 2, "m": 4, "hidden": 5}`` (from :func:`sublevel.numerics.strategies.linear_widths`).

    Claims whose check takes its dimensions directly (``Claim.requires`` ⊆ the parameters) get
    :func:`sublevel.numerics.strategies.architectures`; the others need an entry in
    ``INSTANCE_STRATEGIES``."""
    from sublevel.numerics import strategies as S

    chk = get_check(claim_id)
    if chk is None:
        raise InputError(f"claim {claim_id!r} has no check registered (not implemented)")
    claim = get_claim(claim_id)
    if claim_id in INSTANCE_STRATEGIES:
        return INSTANCE_STRATEGIES[claim_id](satisfying)
    if claim.requires and set(claim.requires) <= set(chk.defaults):
        return S.architectures(claim_id, satisfying=satisfying)
    raise InputError(
        f"no instance strategy for {claim_id!r}: its check's parameters "
        f"({', '.join(sorted(chk.defaults)) or 'none'}) do not name the dimensions of "
        f"its hypotheses ({', '.join(claim.requires) or 'none'})"
    )
