"""Errors raised at the API boundary.

Every error a user can trigger with bad input is an :class:`InputError` (a ``ValueError``)
whose message is one line naming the offending value. The command line turns it into
``sublevel: error: <message>`` and exit code 2, without a traceback.
"""

from __future__ import annotations

__all__ = ["InputError", "HypothesisError"]


class InputError(ValueError):
    """Bad input at the API boundary (shape, value, unknown name). One-line message."""


class HypothesisError(InputError):
    """The instance does not satisfy the hypotheses of the requested construction.

    ``claim`` names the claim whose hypothesis fails; ``alternative`` (optional) names the
    claim that applies instead (e.g. the equal-width boundary for deep linear networks).
    """

    def __init__(self, message: str, *, claim: str | None = None, alternative: str | None = None):
        super().__init__(message)
        self.claim = claim
        self.alternative = alternative
