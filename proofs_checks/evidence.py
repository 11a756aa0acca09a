"""Evidence (one instance of one claim's check) and the aggregate per claim.

An instance's ``outcome`` is relative to what the theory says:

``verified``     the check established the claim's conclusion on this instance by a proof:
                 every kind of evidence that decided it is proof-grade (``PROOF_KINDS``);
``supported``    the check found no failure, but some deciding evidence is numerical
                 (optimisation, Monte Carlo, sampling, a float closed form): never a proof;
``violated``     the instance contradicts the claim (for a conjecture: a counterexample);
``inconclusive`` neither could be established (e.g. a sampled certificate that fails where a
                 proof was needed, an optimisation that did not converge, an error in the check).

For a refutation "verified" means the false statement was shown false; for a conjecture, no
counterexample in this instance's search (``supported`` when the search is numerical).

Kinds of evidence (``Evidence.methods`` and the certificates' methods; one vocabulary): the
four certificate methods ``exact``, ``rigorous``, ``bounded``, ``sampled`` and other kinds by
name: ``symbolic`` (a sympy identity: exact algebra, proof-grade), ``optimisation``,
``monte-carlo``, ``closed form (float)``, ``high-precision``, ``sdp``, … ``Evidence.deciding``
names the kinds that decided the outcome (default: every kind used — a check that uses a
numerical cross-check next to a proof says so by listing only the proof's kinds).
:func:`enforce_proof_rule` (applied by the runner and by ``check_claim``) turns a ``verified``
instance whose deciding kinds are not all proof-grade into ``supported``.

A negative control (the same check with a hypothesis broken) tests the *theorem*, not the
guard. Its outcome is one of ``CONTROL_OUTCOMES``:

``detected (conclusion fails)``  the theorem's conclusion was shown to fail on the broken
                                 instance (a certified disconnection, a stable poor minimum, …);
``detected (certificate fails)`` the construction, forced through without its hypothesis,
                                 produced a certificate that fails;
``not detected``                 neither (an inconclusive result is not a detection; a guard's
                                 refusal — ``HypothesisError`` — is a precondition, recorded in
                                 ``details["precondition"]``, never a detection);
``not run``                      the control did not run.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sublevel.theory.certificate import Certificate
from sublevel.theory.errors import HypothesisError

__all__ = [
    "Evidence",
    "INSTANCE_OUTCOMES",
    "CONTROL_OUTCOMES",
    "DETECTED",
    "PROOF_KINDS",
    "KIND_ALIASES",
    "canonical_kind",
    "is_proof_kind",
    "control_outcome",
    "enforce_proof_rule",
    "error_evidence",
    "outcome_from_certificates",
    "proof_kinds_of",
]

INSTANCE_OUTCOMES = ("verified", "supported", "violated", "inconclusive")
CONTROL_OUTCOMES = (
    "detected (conclusion fails)",
    "detected (certificate fails)",
    "not detected",
    "not run",
)
DETECTED = CONTROL_OUTCOMES[:2]
#: kinds of evidence that are proofs: the three proof-grade certificate methods, and
#: ``symbolic`` (an identity established by sympy in exact arithmetic; a failure to simplify is
#: not a counterexample, so a symbolic check can decide ``verified`` but never ``violated``)
PROOF_KINDS = ("exact", "rigorous", "bounded", "symbolic")
#: older spellings → the vocabulary
KIND_ALIASES = {
    "closed form": "closed form (float)",
    "monte carlo": "monte-carlo",
    "optimization": "optimisation",
}


def canonical_kind(kind: str) -> str:
    """The vocabulary's spelling of a kind of evidence (``closed form`` → ``closed form (float)``)."""
    return KIND_ALIASES.get(kind, kind)


def is_proof_kind(kind: str) -> bool:
    """True for ``exact``, ``rigorous``, ``bounded`` and ``symbolic``."""
    return canonical_kind(kind) in PROOF_KINDS


def control_outcome(*, conclusion_fails: bool = False, certificate_fails: bool = False) -> str:
    """The control outcome: the conclusion shown to fail beats a failed certificate; neither is
    ``not detected``."""
    if conclusion_fails:
        return CONTROL_OUTCOMES[0]
    if certificate_fails:
        return CONTROL_OUTCOMES[1]
    return "not detected"


@dataclass
class Evidence:
    """What one run of a check on one instance produced."""

    outcome: str
    margin: float | None = None
    certificates: list[Certificate] = field(default_factory=list)
    instance: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    #: how the verdict was obtained when no Certificate carries it (e.g. ["symbolic"] for a
    #: sympy identity, ["optimisation"] for a numerical search); unioned with certificates'
    methods: list[str] = field(default_factory=list)
    #: the kinds that decided ``outcome`` (None: every kind used decides)
    deciding: list[str] | None = None
    # filled in by the runner
    claim: str = ""
    index: int = 0
    seed: int = 0
    role: str = "instance"
    params: dict[str, Any] = field(default_factory=dict)
    wall_time: float = 0.0
    error: str | None = None

    def __post_init__(self) -> None:
        allowed = INSTANCE_OUTCOMES + CONTROL_OUTCOMES
        if self.outcome not in allowed:
            raise ValueError(f"evidence outcome {self.outcome!r} is not one of {allowed}")
        if self.margin is not None:
            self.margin = float(self.margin)
        if self.deciding is not None:
            self.deciding = sorted({canonical_kind(k) for k in self.deciding})

    @property
    def detected(self) -> bool:
        """For a negative control: the failure its broken hypothesis allows was shown."""
        return self.outcome in DETECTED

    def all_methods(self) -> list[str]:
        """Every kind of evidence used (certificates and the evidence itself), sorted."""
        return sorted(
            {canonical_kind(c.method) for c in self.certificates}
            | {canonical_kind(m) for m in self.methods}
            | set(self.deciding or ())
        )

    def deciding_methods(self) -> list[str]:
        """The kinds that decided the outcome (every kind used unless the check said)."""
        return list(self.deciding) if self.deciding is not None else self.all_methods()

    def to_dict(self) -> dict[str, Any]:
        """One line of ``evidence.jsonl``: JSON-ready, with a non-finite margin as the string
        ``"inf"``/``"-inf"``/``"nan"``, ``methods`` from :meth:`all_methods` and
        ``deciding_methods`` from :meth:`deciding_methods`; :meth:`from_dict` reads it back."""
        margin: float | str | None = self.margin
        if self.margin is not None and not math.isfinite(self.margin):
            margin = str(self.margin)
        return {
            "claim": self.claim,
            "role": self.role,
            "index": self.index,
            "seed": self.seed,
            "params": self.params,
            "outcome": self.outcome,
            "margin": margin,
            "message": self.message,
            "methods": self.all_methods(),
            "deciding_methods": self.deciding_methods(),
            "certificates": [c.to_dict() for c in self.certificates],
            "instance": self.instance,
            "details": self.details,
            "error": self.error,
            "wall_time": self.wall_time,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Evidence:
        """Inverse of :meth:`to_dict` (a string margin back to float); missing optional keys take
        the dataclass defaults, so older or hand-written records load too."""
        margin = d.get("margin")
        return cls(
            outcome=d["outcome"],
            margin=None if margin is None else float(margin),
            certificates=[Certificate.from_dict(c) for c in d.get("certificates", [])],
            instance=d.get("instance", {}),
            details=d.get("details", {}),
            message=d.get("message", ""),
            methods=list(d.get("methods", [])),
            deciding=d.get("deciding_methods"),
            claim=d.get("claim", ""),
            index=int(d.get("index", 0)),
            seed=int(d.get("seed", 0)),
            role=d.get("role", "instance"),
            params=d.get("params", {}),
            wall_time=float(d.get("wall_time", 0.0)),
            error=d.get("error"),
        )


def enforce_proof_rule(evidence: Evidence) -> Evidence:
    """No instance is ``verified`` unless every kind that decided it is proof-grade
    (``PROOF_KINDS``): otherwise it is ``supported``, with the reason in
    ``details["proof_rule"]``. A control's ``inconclusive`` (e.g. from an error) becomes
    ``not detected``. Returns the same (modified) evidence."""
    if evidence.role != "instance":
        if evidence.outcome not in CONTROL_OUTCOMES:
            evidence.details.setdefault("check_outcome", evidence.outcome)
            evidence.outcome = "not detected"
        return evidence
    if evidence.outcome in CONTROL_OUTCOMES:
        raise ValueError(f"an instance cannot have the control outcome {evidence.outcome!r}")
    numerical = [k for k in evidence.deciding_methods() if not is_proof_kind(k)]
    if evidence.outcome == "verified" and (numerical or not evidence.deciding_methods()):
        evidence.outcome = "supported"
        evidence.details["proof_rule"] = (
            "verified needs proof-grade deciding evidence (exact, rigorous, bounded, symbolic); "
            f"decided by {', '.join(numerical) or 'nothing named'}"
        )
    return evidence


def error_evidence(exc: BaseException, role: str, trace: str = "") -> Evidence:
    """The evidence of a check that raised: ``inconclusive`` for an instance, ``not detected``
    for a negative control (a guard's HypothesisError is a precondition, never a detection)."""
    details: dict[str, Any] = {"traceback": trace} if trace else {}
    if isinstance(exc, HypothesisError):
        details["precondition"] = str(exc)
    return Evidence(
        outcome="inconclusive" if role == "instance" else "not detected",
        message=f"check raised {type(exc).__name__}: {exc}",
        error=f"{type(exc).__name__}: {exc}",
        details=details,
    )


def outcome_from_certificates(certificates: Iterable[Certificate]) -> str:
    """The instance outcome a theorem's path check earns from its certificates.

    ``violated`` if a *proof-grade* certificate (exact, rigorous or bounded) fails; ``verified``
    only if every certificate holds and is proof-grade; ``inconclusive`` otherwise (in
    particular when a sampled certificate is all there is, or a rigorous enclosure straddles
    the bound: sampling is never a proof).
    """
    certificates = list(certificates)
    if not certificates:
        return "inconclusive"
    if any(c.outcome == "fails" and c.is_proof for c in certificates):
        return "violated"
    if all(c.holds and c.is_proof for c in certificates):
        return "verified"
    return "inconclusive"


def proof_kinds_of(certificates: Iterable[Certificate]) -> list[str]:
    """The methods of the proof-grade certificates among ``certificates`` (sorted)."""
    return sorted({c.method for c in certificates if c.is_proof})
