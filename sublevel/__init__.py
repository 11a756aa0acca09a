"""sublevel: verify theory about the optimisation landscape of neural networks.

The distribution installs one import name, ``sublevel``, with three sub-packages (kept as the
repository's top-level folders): :mod:`sublevel.theory` (exact mathematics: the claim registry,
exact certificates, liftings), :mod:`sublevel.numerics` (energies, the proofs' paths,
certificates, the geodesic solver) and :mod:`sublevel.proofs_checks` (one check per claim, the
runner, reports, the command line).

The names a user reaches for first are importable from the top level, lazily (``import
sublevel`` loads neither sympy, torch, dask nor matplotlib)::

    >>> import sublevel as sl
    >>> sl.certify_polynomial([0, 4, -4], 1).holds       # 4t(1 − t) ≤ 1 on [0, 1]
    True
"""

from __future__ import annotations

import importlib
import os
from typing import Any

__version__ = "0.2.0"

# In a source checkout this folder holds only the top level and the sub-packages are its
# siblings (theory/, numerics/, proofs_checks/): let ``sublevel.theory`` … resolve there too,
# so that a process started inside the checkout (e.g. a pool worker whose sys.path begins
# with the checkout) finds the same code as the installed distribution.
_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if not os.path.isdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "theory")) and all(
    os.path.isfile(os.path.join(_root, name, "__init__.py"))
    for name in ("theory", "numerics", "proofs_checks")
):
    __path__.append(_root)

#: top-level name → (module, attribute)
_API = {
    "certify_polynomial": ("sublevel.theory.exact", "certify_polynomial"),
    "certify_path": ("sublevel.numerics.certify", "certify_path"),
    "check_claim": ("sublevel.proofs_checks.testing", "check_claim"),
    "assert_claim_holds": ("sublevel.proofs_checks.testing", "assert_claim_holds"),
    "run_verification": ("sublevel.proofs_checks.runner", "run_verification"),
    "claims": ("sublevel.theory.claims", "claims"),
    "dss": ("sublevel.numerics.geodesic.dss", "dss"),
    "FunctionLandscape": ("sublevel.numerics.backends.function", "FunctionLandscape"),
    "Certificate": ("sublevel.theory.certificate", "Certificate"),
    "barrier": ("sublevel.numerics.barrier", "barrier"),
}

__all__ = sorted(_API) + ["__version__"]


def __getattr__(name: str) -> Any:
    """Load a curated name on first use (PEP 562), so that ``import sublevel`` stays fast."""
    try:
        module, attribute = _API[name]
    except KeyError:
        raise AttributeError(f"module 'sublevel' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
