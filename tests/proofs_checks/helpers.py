"""Shared helpers for the runner/CLI tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sublevel.proofs_checks.report import TIMING_KEYS


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    """report.json without the timings (which differ between identical runs)."""
    return {k: v for k, v in report.items() if k not in TIMING_KEYS}


def load_report(out: Path) -> dict[str, Any]:
    return json.loads((Path(out) / "report.json").read_text())


PLUGIN = """
from sublevel.proofs_checks import Evidence, check, negative_control
from sublevel.theory.claims import Claim, register_claim

register_claim(Claim(id="user.always-violated", kind="constructive", source="test plugin",
                     section="-", statement="a claim whose check always reports a violation"),
               replace=True)
register_claim(Claim(id="user.even-seeds", kind="numerical", source="test plugin",
                     section="-", statement="a claim verified on every instance"), replace=True)


@check("user.always-violated", instances=3)
def always_violated(seed):
    return Evidence(outcome="violated", margin=-1.0, message="by construction")


@check("user.even-seeds", instances=4, offset=0)
def even(seed, offset):
    return Evidence(outcome="verified", margin=float((seed + offset) % 7), message="fine")


@negative_control("user.even-seeds")
def even_control(seed, offset):
    return Evidence(outcome="detected (conclusion fails)", message="caught")
"""
