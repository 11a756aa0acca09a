"""VBB Theorem 13 decided by closed forms (issue 12, item 1): exact arc-cosine moments against
the float closed forms, the straight path's exact maximum, and the valley certificate."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics import kernels as K
from sublevel.numerics.energies.relu_valley import ReluValley, relu_valley
from sublevel.numerics.energies.two_layer_population import PopulationTwoLayer
from sublevel.proofs_checks.checks.relu_valley import _straight_path_quartic, _valley_certificates
from sublevel.proofs_checks.evidence import PROOF_KINDS
from sublevel.proofs_checks.testing import check_claim
from sublevel.theory.exact import certify_polynomial

dyadic = st.integers(-16, 16).map(lambda k: k / 8)


@settings(max_examples=25, deadline=None)
@given(a=st.lists(dyadic, min_size=3, max_size=3), b=st.lists(dyadic, min_size=3, max_size=3))
def test_exact_kernel_agrees_with_the_float_closed_form(a, b):
    exact = float(sp.N(K.arccos_kernel_exact(a, b), 30))
    assert exact == pytest.approx(
        K.relu_kernel_gaussian(a, b) if any(a) and any(b) else 0.0, rel=1e-12, abs=1e-14
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_exact_risk_and_gradient_agree_with_the_float_energy(seed):
    """An oracle: the sympy closed forms against PopulationTwoLayer's float energy and analytic
    gradient at a generic point of a two-branch mixture."""
    rng = np.random.default_rng(seed)
    V = relu_valley(4, 2, 1.5, 2.5)
    land = V.landscape
    W = np.round(rng.normal(size=(2, 4)) * 8) / 8
    U = np.round(rng.normal(size=(1, 2)) * 8) / 8
    theta = land.flatten(W, U)
    exact = K.relu_mixture_risk_exact(W, U, land.Wt, land.Ut, land.mixture)
    assert float(sp.N(exact, 30)) == pytest.approx(land.energy(theta), rel=1e-12)
    gW, gU = K.relu_mixture_gradient_exact(W, U, land.Wt, land.Ut, land.mixture)
    g = np.array([float(sp.N(x, 30)) for row in gW + gU for x in row])
    assert np.allclose(g, land.grad(theta), rtol=1e-10, atol=1e-12)


def test_the_thesis_instance_peaks_at_13_over_4():
    """α = 2, β = 3: the straight path's maximum is exactly 13/4 at t = 2/5 (the thesis' 3.24
    is Monte Carlo)."""
    coeffs = [
        Fraction(int(c.p), int(c.q)) for c in _straight_path_quartic(sp.Integer(2), sp.Integer(3))
    ]
    cert = certify_polynomial(coeffs, Fraction(13, 4))
    assert cert.holds and cert.method == "exact"
    assert sum(c * Fraction(2, 5) ** k for k, c in enumerate(coeffs)) == Fraction(13, 4)
    assert not certify_polynomial(coeffs, Fraction(324, 100)).holds
    certs, facts = _valley_certificates(relu_valley(4, 3, 2.0, 3.0))
    assert all(c.holds for c in certs)
    assert facts["path_max"] == "13/4" and facts["path_argmax_t"] == "2/5"
    assert facts["L_bad"] == "9/4" and facts["L_good"] == "1"


def test_the_valley_check_is_decided_by_proofs_only():
    ev = check_claim("vbb.thm13.relu-valley", seed=1)
    assert ev.outcome == "verified", ev.message
    assert set(ev.deciding_methods()) == {"exact", "bounded"} <= set(PROOF_KINDS)
    assert {"monte-carlo", "optimisation", "sampled"} <= set(ev.all_methods())
    valley = next(c for c in ev.certificates if c.method == "bounded")
    assert valley.holds and valley.details["branch2_target_nonpositive"]
    alpha, beta = ev.instance["alpha"], ev.instance["beta"]
    path = next(c for c in ev.certificates if c.label.startswith("straight path: max"))
    assert path.max_energy == pytest.approx((alpha**2 + beta**2) / 4, rel=1e-15)
    assert path.argmax_t == pytest.approx(alpha / (alpha + beta), rel=1e-15)


def test_a_positive_branch_two_target_breaks_the_valley_premise():
    """Mutant: flip the sign of the teacher's branch-2 weight (Y₂ ≥ 0): the lemma 'u ≥ 0 ⇒
    L ≥ L(θ_bad)' loses its premise and the bounded certificate must not hold."""
    V = relu_valley(4, 2, 2.0, 3.0)
    land = V.landscape
    Ut = land.Ut.copy()
    Ut[0, -1] = 3.0
    mutant = PopulationTwoLayer("relu", 4, 2, teacher_W=land.Wt, teacher_U=Ut, mixture=land.mixture)
    certs, facts = _valley_certificates(
        ReluValley(mutant, V.theta_bad, V.theta_good, 4, 2, 2.0, 3.0)
    )
    assert not facts["branch2_target_nonpositive"]
    assert not next(c for c in certs if c.method == "bounded").holds


def test_the_control_shows_theta_bad_is_not_stationary_exactly():
    ev = check_claim("vbb.thm13.relu-valley", seed=2, role="negative_control")
    assert ev.outcome == "detected (conclusion fails)", ev.message
    (cert,) = ev.certificates
    assert cert.method == "exact" and not cert.holds and cert.details["nonzero_gradient_entries"]
