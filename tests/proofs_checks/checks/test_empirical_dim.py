"""Issue 12 findings in sublevel.proofs_checks.checks.empirical_dim: vbb.empirical-dim is decided by
the energy certificates, never by a float check.

Issue 12 item 4: ``sublevel verify vbb.empirical-dim --instances 20 --seed 4`` reported the
theorem violated on instance 0 (tanh, a duplicated sample, subspace start) because the float
check ``function_constant`` (compression residual 5e-10 from the numerical rank decision) was
1.96e-10 > function_rtol = 1e-10.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer
from sublevel.numerics.paths.base import CONSTANT, Path, Segment
from sublevel.numerics.paths.intrinsic import Construction
from sublevel.proofs_checks.checks.empirical_dim import (
    EmpiricalDimParams,
    _emp_outcome,
    construction_inexactness,
    empirical_dim,
)
from sublevel.proofs_checks.evidence import Evidence
from sublevel.theory.certificate import Certificate

SEED_4_INSTANCE_0 = 4379395672655171871  # instance_seed(4, "vbb.empirical-dim", 0)


def test_the_rounding_level_instance_is_not_violated():
    ev = empirical_dim(SEED_4_INSTANCE_0, **dataclasses.asdict(EmpiricalDimParams()))
    assert ev.instance["activation"] == "tanh" and ev.instance["duplicated_sample"]
    assert ev.outcome != "violated", ev.message
    assert ev.outcome != "verified" or ev.margin >= 0


def _land(seed: int) -> EmpiricalTwoLayer:
    rng = np.random.default_rng(seed)
    return EmpiricalTwoLayer("tanh", rng.normal(size=(5, 2)), rng.normal(size=(5, 1)), 4)


def _construction(land: EmpiricalTwoLayer, theta: np.ndarray, dU: np.ndarray) -> Construction:
    W, U = land.unflatten(theta)
    end = land.flatten(W, U + dU)
    path = Path([Segment(theta, end, label="compress", promise=CONSTANT)])
    return Construction("A", path, float(land.energy(theta)), 5, 4, None)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.floats(1e-12, 1e-2), st.integers(0, 3))
def test_inexactness_bounds_the_rise_along_the_piece(seed, size, unit):
    """Oracle: dense evaluation of E along a U-only piece stays within E(0) + the bound."""
    land = _land(seed)
    theta = land.random_point(np.random.default_rng(seed + 1))
    dU = np.zeros((1, 4))
    dU[0, unit] = size
    cons = _construction(land, theta, dU)
    bound = construction_inexactness(land, cons)
    ts = np.linspace(0, 1, 65)
    es = land.energies(cons.path.pieces[0].points(ts))
    rise = float(np.max(es) - es[0])
    assert rise <= bound + 1e-15 * max(1.0, es[0])  # float evaluation of E itself


def _evidence(margin: float, method: str = "exact") -> Evidence:
    cert = Certificate(margin >= 0, 1.0 - margin, 0.5, 1.0, method, margin=margin)
    return Evidence(
        outcome="verified",
        margin=margin,
        certificates=[cert],
        instance={},
        details={"function_constant": True, "compression_residual": 1e-9},
    )


def test_a_large_exact_failure_is_still_violated():
    """No slack hides a real failure: an exact certificate failing beyond the bound."""
    land = _land(0)
    theta = land.random_point(np.random.default_rng(1))
    cons = _construction(land, theta, np.zeros((1, 4)))  # exactly constant: inexactness 0
    ev = _evidence(-1e-14)
    _emp_outcome(ev, land, cons, {})
    assert ev.outcome == "violated"


def test_a_failure_within_the_construction_inexactness_is_inconclusive():
    land = _land(0)
    theta = land.random_point(np.random.default_rng(1))
    dU = np.full((1, 4), 1e-6)
    cons = _construction(land, theta, dU)
    bound = construction_inexactness(land, cons)
    ev = _evidence(-0.5 * bound)
    _emp_outcome(ev, land, cons, {})
    assert ev.outcome == "inconclusive" and "inexactness" in ev.message


@pytest.mark.parametrize("flag", ["function_constant", "matches_cvxpy"])
def test_a_failed_float_check_gives_inconclusive_not_violated(flag):
    land = _land(0)
    theta = land.random_point(np.random.default_rng(1))
    cons = _construction(land, theta, np.zeros((1, 4)))
    ev = _evidence(0.1)
    ev.details["function_change"] = 2e-10
    _emp_outcome(ev, land, cons, {flag: False})
    assert ev.outcome == "inconclusive" and flag in ev.message
    ok = _evidence(0.1)
    _emp_outcome(ok, land, cons, {flag: True})
    assert ok.outcome == "verified"
