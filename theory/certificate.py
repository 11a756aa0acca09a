"""The Certificate: the answer to "is E ≤ b along this path (piece)?".

A certificate is evidence, not a bool (in the spirit of pymanopt's ``check_gradient``): it
records the maximum found, where, the bound, the margin ``bound − max_energy``, the
``outcome`` and *how* the maximum was obtained. Each method means exactly one thing:

``exact``
    the decision is about the exact mathematical object defined by the inputs (floats taken as
    the dyadic rationals they store): rational arithmetic and real-root isolation
    (:mod:`sublevel.theory.exact`). The outcome is ``holds`` or ``fails``, never ``inconclusive``.
``rigorous``
    floating-point computation with a *proven* enclosure ``[lo, hi]`` of the maximum (ball or
    interval arithmetic, a priori rounding bounds): ``holds`` only if ``hi ≤ bound``, ``fails``
    only if ``lo > bound``, ``inconclusive`` ("within rounding") otherwise. No slack decides.
``bounded``
    an analytic inequality (Lipschitz, smoothness, convexity) whose constants are themselves
    exact or rigorous; ``max_energy`` is then an upper bound. ``holds`` if that bound is
    ≤ the bound, ``fails`` if a value actually taken exceeds it, ``inconclusive`` between.
``sampled``
    the maximum over (adaptively refined) samples. Never a proof: a check with only sampled
    evidence earns ``supported`` at best, never ``verified``.

``holds`` is a bool, true only when ``outcome == "holds"``. A user tolerance τ ≥ 0
(``tolerances["tau"]``, default 0) relaxes the question to E ≤ bound + τ; a certificate that
holds only thanks to τ > 0 records ``holds_within = τ`` (else 0). Theorem checks use τ = 0.

Pure Python (no numpy) so that :mod:`theory` stays free of floating-point machinery.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from typing import Any

__all__ = ["Certificate", "METHODS", "PROOF_METHODS", "OUTCOMES", "combine"]

METHODS = ("exact", "rigorous", "bounded", "sampled")
#: methods whose ``outcome`` is a proof about the inputs
PROOF_METHODS = ("exact", "rigorous", "bounded")
OUTCOMES = ("holds", "fails", "inconclusive")


@dataclass
class Certificate:
    """Outcome of certifying ``E(γ(t)) ≤ bound`` for t in ``interval``.

    ``margin = bound − max_energy`` (positive: holds with room; for ``rigorous``/``bounded``
    the upper end of the enclosure is used, so a certificate that holds never has a negative
    margin). ``max_energy_enclosure = (lo, hi)``: floats with lo ≤ max E ≤ hi, proven for
    ``exact`` and ``rigorous`` (None when no enclosure is known). ``outcome`` defaults to
    ``"holds"``/``"fails"`` from ``holds``; ``holds`` is forced to ``outcome == "holds"``.

    >>> Certificate(True, 0.5, 0.25, 1.0, "exact").margin
    0.5
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
    outcome: str = ""
    max_energy_enclosure: tuple[float, float] | None = None
    holds_within: float = 0.0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"certificate method {self.method!r} is not one of {METHODS}")
        if not self.outcome:
            self.outcome = "holds" if self.holds else "fails"
        if self.outcome not in OUTCOMES:
            raise ValueError(f"certificate outcome {self.outcome!r} is not one of {OUTCOMES}")
        if self.method == "exact" and self.outcome == "inconclusive":
            raise ValueError("an exact certificate decides: its outcome cannot be inconclusive")
        self.holds = self.outcome == "holds"
        if self.max_energy_enclosure is not None:
            lo, hi = (float(v) for v in self.max_energy_enclosure)
            if not lo <= hi:
                raise ValueError(f"enclosure ({lo!r}, {hi!r}) is not an interval")
            self.max_energy_enclosure = (lo, hi)
        if math.isnan(self.margin):
            self.margin = float(self.bound) - float(self.max_energy)

    @property
    def is_proof(self) -> bool:
        """True when the outcome is established rigorously (exact, rigorous or bounded)."""
        return self.method in PROOF_METHODS

    @property
    def decided(self) -> bool:
        """True when the outcome is a proof and not ``inconclusive``."""
        return self.is_proof and self.outcome != "inconclusive"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (inf/nan as strings, tuples as lists)."""
        # a field-by-field copy of the containers (dataclasses.asdict deep-copies every leaf:
        # a fifth of the time of a run of small instances went there)
        d = {f.name: _copy_containers(getattr(self, f.name)) for f in fields(self)}
        d["interval"] = list(self.interval)
        if self.max_energy_enclosure is not None:
            d["max_energy_enclosure"] = [_json_float(v) for v in self.max_energy_enclosure]
        for key in ("max_energy", "argmax_t", "bound", "margin", "wall_time", "holds_within"):
            d[key] = _json_float(d[key])
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Certificate:
        """Inverse of :meth:`to_dict`."""
        d = dict(d)
        d["interval"] = tuple(d.get("interval", (0.0, 1.0)))
        for key in ("max_energy", "argmax_t", "bound", "margin", "wall_time"):
            value = d.get(key)
            d[key] = math.nan if value is None else float(value)
        enc = d.get("max_energy_enclosure")
        d["max_energy_enclosure"] = None if enc is None else (float(enc[0]), float(enc[1]))
        d["holds_within"] = float(d.get("holds_within", 0.0))
        return cls(**d)


_LEAVES = frozenset({float, int, str, bool, type(None)})


def _copy_containers(x: Any) -> Any:
    """``x`` with its dicts, lists and tuples copied (recursively); leaves are shared."""
    if type(x) in _LEAVES:
        return x
    if isinstance(x, dict):
        return {k: _copy_containers(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_copy_containers(v) for v in x]
    if isinstance(x, tuple):
        items = [_copy_containers(v) for v in x]
        return type(x)(*items) if hasattr(x, "_fields") else tuple(items)
    if is_dataclass(x) and not isinstance(x, type):
        return asdict(x)  # a nested dataclass becomes a dict, as dataclasses.asdict does
    return x


def _json_float(x: Any) -> Any:
    """Floats as JSON-safe values: inf/nan become strings, everything else unchanged."""
    if isinstance(x, float) and not math.isfinite(x):
        return str(x)
    return x


_METHOD_ORDER = {m: i for i, m in enumerate(METHODS)}


def combine(certificates: list[Certificate], *, label: str = "path") -> Certificate:
    """One certificate for a whole path from the certificates of its pieces.

    Outcome: ``fails`` if any piece fails, else ``inconclusive`` if any is, else ``holds``; the
    method is the weakest one used (sampled < bounded < rigorous < exact); the maximum and
    margin are the worst over the pieces; the enclosure is the hull of the pieces' maxima
    enclosures (None if any piece has none).
    """
    if not certificates:
        raise ValueError("combine needs at least one certificate")
    worst = min(certificates, key=lambda c: c.margin)
    method = max((c.method for c in certificates), key=lambda m: _METHOD_ORDER[m])
    tolerances: dict[str, float] = {}
    for c in certificates:
        tolerances.update(c.tolerances)
    outcomes = {c.outcome for c in certificates}
    outcome = (
        "fails"
        if "fails" in outcomes
        else "inconclusive"
        if "inconclusive" in outcomes
        else "holds"
    )
    enclosures = [c.max_energy_enclosure for c in certificates]
    enclosure = None
    if all(e is not None for e in enclosures):
        enclosure = (
            max(e[0] for e in enclosures if e is not None),
            max(e[1] for e in enclosures if e is not None),
        )
    return Certificate(
        holds=outcome == "holds",
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
        outcome=outcome,
        max_energy_enclosure=enclosure,
        holds_within=max(c.holds_within for c in certificates),
    )
