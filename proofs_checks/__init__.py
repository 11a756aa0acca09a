"""Orchestration: claim id → check → evidence → report, the runner and the CLI.

Public API::

    from sublevel.proofs_checks import run_verification, check, negative_control, Evidence
"""

from sublevel.proofs_checks.evidence import Evidence, control_outcome, outcome_from_certificates
from sublevel.proofs_checks.registry import CHECKS, check, get_check, negative_control, path_builder
from sublevel.proofs_checks.runner import run_verification
from sublevel.proofs_checks.testing import assert_claim_holds, assert_control_detects, check_claim

__all__ = [
    "CHECKS",
    "Evidence",
    "assert_claim_holds",
    "assert_control_detects",
    "check",
    "check_claim",
    "control_outcome",
    "get_check",
    "negative_control",
    "outcome_from_certificates",
    "path_builder",
    "run_verification",
]
