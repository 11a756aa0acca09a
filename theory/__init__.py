"""Exact mathematics (sympy): what the proofs say, with no floating point.

* :mod:`sublevel.theory.claims` — the claim registry;
* :mod:`sublevel.theory.exact` — exact certificates for (piecewise) polynomials on an interval;
* :mod:`sublevel.theory.liftings` — the convex liftings and the intrinsic dimension;
* :mod:`sublevel.theory.certificate` — the Certificate record shared by every part.
"""

from sublevel.theory.certificate import Certificate
from sublevel.theory.errors import HypothesisError, InputError

__all__ = ["Certificate", "InputError", "HypothesisError"]
