"""The Certificate: the answer to "is E ≤ b along this path (piece)?".

A certificate is evidence, not a bool (in the spirit of pymanopt's ``check_gradient``): it
records the maximum found, where, the bound, the margin ``bound − max_energy`` and *how* the
maximum was obtained:

``exact``
    the energy along the piece is a (piecewise) polynomial in t with rational coefficients and
    the decision ``max ≤ bound`` was made by exact real-root isolation (:mod:`theory.exact`);
``bounded``
    a rigorous upper bound between samples (Lipschitz / smoothness constant, or a
    factorisation residual times a Lipschitz constant); ``max_energy`` is then an upper bound;
``sampled``
    the maximum over (adaptively refined) samples. Never a proof: a check that has only
    sampled certificates reports ``inconclusive`` for a theorem, never ``verified``.

Pure Python (no numpy) so that :mod:`theory` stays free of floating-point machinery.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Certificate", "METHODS", "PROOF_METHODS", "combine"]

METHODS = ("exact", "bounded", "sampled")
#: methods whose ``holds`` is a proof (up to the recorded floating-point error estimate)
PROOF_METHODS = ("exact", "bounded")


@dataclass
class Certificate:
    """Outcome of certifying ``E(γ(t)) ≤ bound`` for t in ``interval``.

    ``margin = bound − max_energy`` (positive: holds with room). ``tolerances`` records every
    tolerance used (``{"absolute": 1e-12, ...}``); ``holds`` already accounts for them.
    """

    holds: bool
    max_energy: float
    argmax_t: float
    bound: float
    method: str
    margin: float = math.nan
    interval: tuple[float, float] = (0.0, 1.0)
    tolerances: dict[str, float] = field(default_factory=dict)
    n_evaluations: int = 0
    wall_time: float = 0.0
    label: str = ""
    promise: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"certificate method {self.method!r} is not one of {METHODS}")
        if math.isnan(self.margin):
            self.margin = float(self.bound) - float(self.max_energy)

    @property
    def is_proof(self) -> bool:
        """True when ``holds`` is established rigorously (exact or bounded)."""
        return self.method in PROOF_METHODS

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["interval"] = list(self.interval)
        for key in ("max_energy", "argmax_t", "bound", "margin", "wall_time"):
            d[key] = _json_float(d[key])
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Certificate:
        d = dict(d)
        d["interval"] = tuple(d.get("interval", (0.0, 1.0)))
        for key in ("max_energy", "argmax_t", "bound", "margin", "wall_time"):
            value = d.get(key)
            d[key] = math.nan if value is None else float(value)
        return cls(**d)


def _json_float(x: Any) -> Any:
    """Floats as JSON-safe values: inf/nan become strings, everything else unchanged."""
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    return x


def combine(certificates: list[Certificate], *, label: str = "path") -> Certificate:
    """One certificate for a whole path from the certificates of its pieces.

    Holds iff every piece holds; the method is the weakest one used (sampled < bounded <
    exact); the maximum and margin are the worst over the pieces.
    """
    if not certificates:
        raise ValueError("combine needs at least one certificate")
    worst = min(certificates, key=lambda c: c.margin)
    order = {m: i for i, m in enumerate(METHODS)}
    method = max((c.method for c in certificates), key=lambda m: order[m])
    tolerances: dict[str, float] = {}
    for c in certificates:
        tolerances.update(c.tolerances)
    return Certificate(
        holds=all(c.holds for c in certificates),
        max_energy=max(c.max_energy for c in certificates),
        argmax_t=worst.argmax_t,
        bound=worst.bound,
        margin=worst.margin,
        method=method,
        tolerances=tolerances,
        n_evaluations=sum(c.n_evaluations for c in certificates),
        wall_time=sum(c.wall_time for c in certificates),
        label=label,
        details={"worst_piece": worst.label, "pieces": len(certificates)},
    )
