"""sublevel.numerics.energies.spin_glass_certify: the rigorous chord certificate (float contraction with
a priori rounding radii) against an independent mpmath oracle, and the no-slack rule."""

from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics.energies.spin_glass import SphereProjected, SpinGlass, random_on_sphere
from sublevel.numerics.energies.spin_glass_certify import (
    certify_projected_segment,
    chord_polynomial_enclosure,
)
from sublevel.theory.errors import InputError

_DPS = 60


def _mp_chord(sg: SpinGlass, a: np.ndarray, b: np.ndarray) -> tuple[list, list]:
    """Coefficients of P(t) = c·S[x(t), …, x(t)] and Q(t) = ‖x(t)‖², x(t) = a + t(b − a), at
    60 digits, by brute force over every multi-index (no contraction order, no symmetry)."""
    with mpmath.workdps(_DPS):
        N, p = sg.N, sg.p
        A = [mpmath.mpf(float(v)) for v in a]
        D = [mpmath.mpf(float(v)) - x for v, x in zip(b, A)]
        P = [mpmath.mpf(0)] * (p + 1)
        for idx in itertools.product(range(N), repeat=p):
            poly = [mpmath.mpf(float(sg.S[idx]))]
            for i in idx:  # multiply by (A_i + t D_i)
                shifted = [mpmath.mpf(0)] + poly
                poly = [A[i] * x for x in poly] + [mpmath.mpf(0)]
                poly = [u + D[i] * v for u, v in zip(poly, shifted)]
            P = [u + v for u, v in zip(P, poly)]
        c = mpmath.mpf(float(sg.scale))
        P = [c * x for x in P]
        Q = [
            mpmath.fsum(x * x for x in A),
            2 * mpmath.fsum(x * y for x, y in zip(A, D)),
            mpmath.fsum(y * y for y in D),
        ]
        return P, Q


def _mp_max(land: SphereProjected, a: np.ndarray, b: np.ndarray) -> mpmath.mpf:
    """max_{t ∈ [0, 1]} E(t) at 60 digits: E at the ends and at the real roots of
    2P′Q − pPQ′ (the stationary points), found by mpmath.polyroots."""
    P, Q = _mp_chord(land.base, a, b)
    N, p = land.N, land.p
    with mpmath.workdps(_DPS):

        def E(t):
            Pt = mpmath.polyval(P[::-1], t)
            Qt = mpmath.polyval(Q[::-1], t)
            return (N / Qt) ** (mpmath.mpf(p) / 2) * Pt / land.divisor + land.shift

        dP = [k * P[k] for k in range(1, len(P))]
        dQ = [Q[1], 2 * Q[2]]

        def mul(x, y):
            out = [mpmath.mpf(0)] * (len(x) + len(y) - 1)
            for i, u in enumerate(x):
                for j, v in enumerate(y):
                    out[i + j] += u * v
            return out

        R1, R2 = mul(dP, Q), mul(P, dQ)
        R = [
            2 * (R1[k] if k < len(R1) else 0) - p * (R2[k] if k < len(R2) else 0)
            for k in range(max(len(R1), len(R2)))
        ]
        # the degree-(p + 1) terms cancel exactly (2p·P_p·Q₂ − p·P_p·2Q₂): drop what is left of
        # them at 60 digits
        scale = max(abs(x) for x in R)
        while len(R) > 1 and abs(R[-1]) <= mpmath.mpf(10) ** (-45) * scale:
            R.pop()
        ts = [mpmath.mpf(0), mpmath.mpf(1)]
        if len(R) > 1:
            for r in mpmath.polyroots(R[::-1], maxsteps=500, extraprec=300):
                if abs(mpmath.im(r)) < mpmath.mpf(10) ** (-40) and 0 < mpmath.re(r) < 1:
                    ts.append(mpmath.re(r))
        return max(E(t) for t in ts)


def _low_pair(sg: SpinGlass, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sublevel.numerics.sphere_minima import minimize

    X = random_on_sphere(sg.N, 2, seed)
    a, b = (minimize(sg, x, max_iter=30, polish=False, classify=False).point for x in X)
    return a, b


def test_brute_force_oracle_matches_the_float_polynomial():
    """The oracle itself: its coefficients agree with SpinGlass.polynomial_along."""
    sg = SpinGlass(4, 3, 0)
    a, b = random_on_sphere(4, 2, 0)
    P, _ = _mp_chord(sg, a, b)
    np.testing.assert_allclose(
        [float(x) for x in P], sg.polynomial_along(a, b), rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize("N, p", [(5, 3), (4, 4), (6, 2)])
def test_coefficient_radii_enclose_the_true_coefficients(N, p):
    sg = SpinGlass(N, p, 7)
    rng = np.random.default_rng(N + p)
    a, b = rng.normal(size=N), rng.normal(size=N) * 1e3  # very different scales
    mids, radii = chord_polynomial_enclosure(sg, a, b)
    P, _ = _mp_chord(sg, a, b)
    with mpmath.workdps(_DPS):
        for m, r, true in zip(mids, radii, P):
            assert r > 0
            err = abs(true - mpmath.mpf(int(m.p)) / mpmath.mpf(int(m.q)))
            assert err <= mpmath.mpf(int(r.p)) / mpmath.mpf(int(r.q))


@pytest.mark.parametrize("N, p, shift", [(5, 3, 0.0), (5, 4, 4.0), (6, 2, 2.0)])
def test_rigorous_enclosure_contains_the_mpmath_maximum(N, p, shift):
    sg = SpinGlass(N, p, 11)
    land = SphereProjected(sg, per_spin=True, shift=shift)
    a, b = _low_pair(sg, 3)
    true = _mp_max(land, a, b)
    for bound in (float(true) + 0.05, float(true) - 0.05):
        if p % 2 and land.to_hamiltonian(bound) >= 0:
            continue
        cert = land.certify_segment(a, b, bound, exact_fallback=False)
        assert cert.method == "rigorous" and cert.decided
        assert cert.holds == (true <= bound)
        lo, hi = cert.max_energy_enclosure
        assert lo <= true <= hi
        assert cert.max_energy == pytest.approx(float(true), abs=1e-9)
        if cert.holds:
            assert cert.margin >= 0 and hi <= bound


@pytest.mark.parametrize("N, p, shift", [(5, 3, 0.0), (5, 4, 4.0)])
def test_a_maximum_above_the_bound_by_less_than_the_old_slack_does_not_hold(N, p, shift):
    """The old certificate added 1e-10·max(1, |b|) to the bound and said holds; the excess here
    is 1e-11 (relative), so that verdict was false."""
    sg = SpinGlass(N, p, 5)
    land = SphereProjected(sg, per_spin=True, shift=shift)
    a, b = _low_pair(sg, 1)
    true = _mp_max(land, a, b)
    below = float(true - mpmath.mpf(1e-11) * max(1, abs(true)))
    assert below < true
    rig = land.certify_segment(a, b, below, exact_fallback=False)
    assert rig.outcome in ("fails", "inconclusive") and not rig.holds
    decided = land.certify_segment(a, b, below)  # inconclusive → decided exactly
    assert decided.outcome == "fails" and decided.decided
    above = float(true + mpmath.mpf(1e-11) * max(1, abs(true)))
    assert land.certify_segment(a, b, above).outcome == "holds"


def test_within_rounding_is_inconclusive_then_decided_exactly():
    """A bound at the float maximum itself: the rigorous decision cannot separate it from the
    true maximum (inconclusive, never holds), the exact fallback can."""
    sg = SpinGlass(5, 4, 2)
    land = SphereProjected(sg, per_spin=True, shift=4.0)
    a, b = _low_pair(sg, 0)
    true = _mp_max(land, a, b)
    bound = float(true)
    rig = land.certify_segment(a, b, bound, exact_fallback=False)
    assert rig.outcome == "inconclusive" and not rig.holds and rig.method == "rigorous"
    ex = land.certify_segment(a, b, bound)
    assert ex.method == "exact" and ex.outcome == ("holds" if true <= bound else "fails")
    assert "inconclusive" in ex.details["rigorous_outcome"]


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    p=st.sampled_from([2, 3, 4]),
    offset=st.sampled_from([-1e-3, -1e-9, -1e-12, 0.0, 1e-12, 1e-9, 1e-3]),
)
def test_outcome_never_contradicts_the_oracle(seed, p, offset):
    """Adversarial bounds around the true maximum: holds ⇒ max ≤ bound, fails ⇒ max > bound,
    the enclosure contains the maximum; rigorous only (no exact fallback)."""
    N = 4
    sg = SpinGlass(N, p, seed)
    land = SphereProjected(sg, per_spin=True, shift=0.0 if p % 2 else 3.0)
    rng = np.random.default_rng(seed)
    a = rng.normal(size=N)
    if sg.energy(a) > 0:  # odd p: H(−a) = −H(a), so the chord below is mostly where H < 0
        a = -a
    b = a + rng.uniform(0.05, 1.0) * rng.normal(size=N)
    true = _mp_max(land, a, b)
    bound = float(true + mpmath.mpf(offset) * max(1, abs(true)))
    cert = certify_projected_segment(land, a, b, bound, exact_fallback=False)
    if cert.method == "sampled":  # odd p with a bound on H ≥ 0, or a chord near the origin
        assert not cert.decided and p % 2 == 1 and land.to_hamiltonian(bound) >= 0
        return
    assert cert.method == "rigorous"
    if cert.outcome == "holds":
        assert true <= bound
    elif cert.outcome == "fails":
        assert true > bound
    if cert.max_energy_enclosure is not None:
        lo, hi = cert.max_energy_enclosure
        assert lo <= true <= hi
    if abs(offset) >= 1e-9:
        assert cert.decided  # far outside the rounding radius: decided


def test_tau_is_recorded_when_needed_and_never_a_slack_by_default():
    sg = SpinGlass(5, 4, 3)
    land = SphereProjected(sg, per_spin=True, shift=4.0)
    a, b = _low_pair(sg, 2)
    true = float(_mp_max(land, a, b))
    bound = true - 1e-6
    assert land.certify_segment(a, b, bound).outcome == "fails"
    cert = land.certify_segment(a, b, bound, tolerances={"tau": 1e-5})
    assert cert.outcome == "holds" and cert.holds_within == 1e-5
    with pytest.raises(InputError, match="absolute"):
        land.certify_segment(a, b, bound, tolerances={"absolute": 1e-9})


def test_spin_glass_energy_polynomial_enclosure_makes_euclidean_segments_rigorous():
    from sublevel.numerics.certify import certify_piece
    from sublevel.numerics.paths.base import Segment

    sg = SpinGlass(5, 3, 4)
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=5), rng.normal(size=5)
    coeffs, radii = sg.energy_polynomial_enclosure(a, b)
    assert np.all(radii > 0) and np.all(radii < 1e-10 * max(1.0, float(np.max(np.abs(coeffs)))))
    P, _ = _mp_chord(sg, a, b)
    for c, r, true in zip(coeffs, radii, P):
        assert abs(mpmath.mpf(float(c)) - true) <= r
    ts = np.linspace(0, 1, 4001)
    top = float(np.max(sg.energies(a + ts[:, None] * (b - a))))
    cert = certify_piece(sg, Segment(a, b), top + 1e-6)
    assert cert.method == "rigorous" and cert.outcome == "holds"
    assert certify_piece(sg, Segment(a, b), top - 1e-6).outcome == "fails"


def test_radius_grows_with_n_and_stays_tiny():
    """γ_{pN} scaling: the radius sum is a few hundred ulps of the coefficients' size."""
    sums = []
    for N in (4, 16, 32):
        sg = SpinGlass(N, 3, 0)
        a, b = random_on_sphere(N, 2, 0)
        mids, radii = chord_polynomial_enclosure(sg, a, b)
        size = max(abs(float(m)) for m in mids)
        sums.append(float(sum(radii)) / size)
    assert all(0 < s < 1e-11 for s in sums)
    assert sums[0] < sums[-1]
    assert math.isfinite(sums[-1])


@settings(max_examples=40, deadline=None)
@given(
    coeffs=st.lists(st.fractions(-1000, 1000, max_denominator=1000), min_size=1, max_size=7),
    t=st.fractions(0, 1, max_denominator=1000),
)
def test_bernstein_bound_dominates_the_polynomial_on_the_unit_interval(coeffs, t):
    """The odd-p radius uses max_j |b_j| ≥ max |P̃| on [0, 1]; at t = 0 and 1 it is attained."""
    from flint import fmpq
    from sublevel.numerics.energies.spin_glass_certify import _bernstein_bound

    q = [fmpq(c.numerator, c.denominator) for c in coeffs]
    bound = _bernstein_bound(q)
    value = sum((c * fmpq(t.numerator, t.denominator) ** k for k, c in enumerate(q)), fmpq(0))
    assert abs(value) <= bound
    assert bound >= abs(q[0]) and bound >= abs(sum(q, fmpq(0)))
    if len(q) == 1:
        assert bound == abs(q[0])
