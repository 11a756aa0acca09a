"""The reports of the conformance suites: one :class:`ConformanceCheck` per invariant, with its
evidence (the numbers behind the verdict), gathered in a :class:`ConformanceReport` per subject
(a landscape, a path, a path finder on its problems). A check that does not apply is recorded as
``passed = None`` and is not a failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["ConformanceCheck", "ConformanceReport"]


@dataclass
class ConformanceCheck:
    """One invariant: passed (True/False, or None when it does not apply), why, the numbers."""

    name: str
    passed: bool | None
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """{name, passed, message, details} with the details made JSON-serialisable (arrays
        and numpy scalars as lists and Python numbers)."""
        return {
            "name": self.name,
            "passed": self.passed,
            "message": self.message,
            "details": _jsonable(self.details),
        }


@dataclass
class ConformanceReport:
    """Every check run on one subject (a landscape, a path, a finder on a problem)."""

    subject: str
    checks: list[ConformanceCheck] = field(default_factory=list)
    wall_time: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no check failed (checks that do not apply are not failures)."""
        return all(c.passed is not False for c in self.checks)

    def __bool__(self) -> bool:
        return self.ok

    def failures(self) -> list[ConformanceCheck]:
        """The checks that failed (``passed is False``; not those that do not apply)."""
        return [c for c in self.checks if c.passed is False]

    def __getitem__(self, name: str) -> ConformanceCheck:
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"no check named {name!r}; checks: {', '.join(c.name for c in self.checks)}")

    def names(self) -> list[str]:
        """The checks' names, in the order they ran."""
        return [c.name for c in self.checks]

    def add(self, name: str, passed: bool | None, message: str = "", **details: Any) -> None:
        """Record one check: ``passed`` True/False (cast to bool) or None (does not apply), a
        message with its numbers, and the numbers themselves as ``details``."""
        self.checks.append(
            ConformanceCheck(name, None if passed is None else bool(passed), message, details)
        )

    def extend(self, other: ConformanceReport, prefix: str = "") -> None:
        """Append ``other``'s checks, their names prefixed with ``prefix`` (e.g. a problem's
        name in :func:`~sublevel.numerics.conformance.check_path_finder`)."""
        for c in other.checks:
            self.checks.append(ConformanceCheck(prefix + c.name, c.passed, c.message, c.details))

    def __str__(self) -> str:
        mark = {True: "ok  ", False: "FAIL", None: "n/a "}
        lines = [
            f"conformance of {self.subject}: {'ok' if self.ok else 'FAILED'} "
            f"({len(self.failures())} of {len(self.checks)} checks failed)"
        ]
        lines += [f"  {mark[c.passed]} {c.name}: {c.message}" for c in self.checks]
        return "\n".join(lines)

    def raise_if_failed(self) -> None:
        """``AssertionError`` naming every failed check with its message."""
        if not self.ok:
            failed = "; ".join(f"{c.name}: {c.message}" for c in self.failures())
            raise AssertionError(f"{self.subject} fails conformance: {failed}")

    def to_dict(self) -> dict[str, Any]:
        """{subject, ok, wall_time (seconds), checks: [each check's ``to_dict``]}."""
        return {
            "subject": self.subject,
            "ok": self.ok,
            "wall_time": self.wall_time,
            "checks": [c.to_dict() for c in self.checks],
        }


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (np.floating, np.integer, np.bool_)):
        return x.item()
    return x
