"""Exact mathematics (sympy): what the proofs say, with no floating point.

* :mod:`theory.claims` — the claim registry;
* :mod:`theory.exact` — exact certificates for (piecewise) polynomials on an interval;
* :mod:`theory.liftings` — the convex liftings and the intrinsic dimension;
* :mod:`theory.certificate` — the Certificate record shared by every part.
"""

from theory.certificate import Certificate
from theory.errors import HypothesisError, InputError

__all__ = ["Certificate", "InputError", "HypothesisError"]
