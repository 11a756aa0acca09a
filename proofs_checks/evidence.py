"""Evidence (one instance of one claim's check) and the aggregate per claim.

An instance's ``outcome`` is relative to what the theory says:

``verified``     the check established the claim's conclusion on this instance (for a
                 refutation: the false statement was shown false; for a conjecture: no
                 counterexample in this instance's search);
``violated``     the instance contradicts the claim (for a conjecture: a counterexample);
``inconclusive`` neither could be established (e.g. only sampled certificates for a theorem,
                 an optimisation that did not converge, an error in the check).

A negative control (the same check with a hypothesis broken) has outcome ``detected`` when the
check reported the failure the broken hypothesis allows, ``missed`` when it did not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from theory.certificate import Certificate

__all__ = ["Evidence", "INSTANCE_OUTCOMES", "CONTROL_OUTCOMES", "outcome_from_certificates"]

INSTANCE_OUTCOMES = ("verified", "violated", "inconclusive")
CONTROL_OUTCOMES = ("detected", "missed", "inconclusive")


@dataclass
class Evidence:
    """What one run of a check on one instance produced."""

    outcome: str
    margin: float | None = None
    certificates: list[Certificate] = field(default_factory=list)
    instance: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    #: how the verdict was obtained when no Certificate carries it (e.g. ["exact"] for a
    #: symbolic identity, ["optimisation"] for a numerical search); unioned with certificates'
    methods: list[str] = field(default_factory=list)
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

    def all_methods(self) -> list[str]:
        """Methods of the certificates and of the evidence itself, sorted."""
        return sorted({c.method for c in self.certificates} | set(self.methods))

    def to_dict(self) -> dict[str, Any]:
        margin = self.margin
        if margin is not None and not math.isfinite(margin):
            margin = str(margin)
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
            "certificates": [c.to_dict() for c in self.certificates],
            "instance": self.instance,
            "details": self.details,
            "error": self.error,
            "wall_time": self.wall_time,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Evidence:
        margin = d.get("margin")
        return cls(
            outcome=d["outcome"],
            margin=None if margin is None else float(margin),
            certificates=[Certificate.from_dict(c) for c in d.get("certificates", [])],
            instance=d.get("instance", {}),
            details=d.get("details", {}),
            message=d.get("message", ""),
            methods=list(d.get("methods", [])),
            claim=d.get("claim", ""),
            index=int(d.get("index", 0)),
            seed=int(d.get("seed", 0)),
            role=d.get("role", "instance"),
            params=d.get("params", {}),
            wall_time=float(d.get("wall_time", 0.0)),
            error=d.get("error"),
        )


def outcome_from_certificates(certificates: list[Certificate]) -> str:
    """The instance outcome a theorem's path check earns from its certificates.

    ``violated`` if a *proof-grade* certificate (exact or bounded) fails; ``verified`` only if
    every certificate holds and is proof-grade; ``inconclusive`` otherwise (in particular when
    a sampled certificate is all there is: sampling is never a proof).
    """
    if not certificates:
        return "inconclusive"
    if any((not c.holds) and c.is_proof for c in certificates):
        return "violated"
    if all(c.holds and c.is_proof for c in certificates):
        return "verified"
    return "inconclusive"
