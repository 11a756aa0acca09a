"""sublevel.theory.spin_glass: the ABC'13 complexity formulas, thresholds and their consistency."""

from __future__ import annotations

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.theory import spin_glass as sg
from sublevel.theory.errors import HypothesisError, InputError

mpmath.mp.dps = 30


def test_table_of_section_7_is_reproduced():
    assert sg.compare_with_recalled() == []
    table = sg.threshold_table((3, 4, 5, 10))
    for p, recalled in sg.RECALLED_TABLE.items():
        for name, value in zip(sg.TABLE_COLUMNS, recalled):
            assert abs(table[p][name] - value) <= 5e-7, (p, name)


def test_ground_state_threshold_p3_to_five_digits():
    assert round(float(sg.threshold(0, 3)), 5) == 1.65700
    assert round(float(sg.E_infinity(3)), 5) == 1.63299


def test_compare_with_recalled_reports_a_wrong_cell(monkeypatch):
    wrong = dict(sg.RECALLED_TABLE)
    wrong[3] = (1.632993, 1.656, *wrong[3][2:])
    monkeypatch.setattr(sg, "RECALLED_TABLE", wrong)
    out = sg.compare_with_recalled()
    assert out == [
        {"p": 3, "column": "E_0", "recalled": 1.656, "computed": pytest.approx(1.656998, abs=1e-6)}
    ]


def test_E_infinity_closed_form_against_sympy():
    for p in (2, 3, 4, 7, 10):
        exact = sp.N(2 * sp.sqrt(sp.Rational(p - 1, p)), 30)
        assert abs(sg.E_infinity(p) - mpmath.mpf(str(exact))) < mpmath.mpf("1e-28")


@settings(max_examples=20, deadline=None)
@given(p=st.integers(3, 12), k=st.integers(0, 6))
def test_branch_continuity_at_minus_E_infinity(p, k):
    e = sg.E_infinity(p)
    plateau = mpmath.log(p - 1) / 2 - mpmath.mpf(p - 2) / p
    assert abs(sg.theta_kp(-e, k, p) - plateau) < mpmath.mpf("1e-25")
    eps = mpmath.mpf("1e-12")
    # left limit: |Θ(−E_∞ − ε) − plateau| = O(ε) (the kink is only in the derivative)
    assert abs(sg.theta_kp(-e - eps, k, p) - plateau) < 10 * eps
    assert sg.I1(-e, p) == 0


@settings(max_examples=15, deadline=None)
@given(p=st.integers(3, 10), k=st.integers(0, 8))
def test_threshold_is_a_verified_root(p, k):
    ek = sg.threshold(k, p)
    assert abs(sg.theta_kp(-ek, k, p)) < mpmath.mpf("1e-20")
    tol = mpmath.mpf(sg.THRESHOLD_TOL)
    assert sg.theta_kp(-ek - tol, k, p) < 0 < sg.theta_kp(-ek + tol, k, p)


@settings(max_examples=10, deadline=None)
@given(p=st.integers(3, 10))
def test_thresholds_decrease_to_E_infinity(p):
    e = sg.E_infinity(p)
    ek = sg.thresholds(p, 6)
    assert all(a > b for a, b in zip(ek, ek[1:]))
    assert ek[-1] > e
    far = sg.threshold(5000, p) - e
    assert 0 < far < ek[-1] - e
    assert abs(far / sg.threshold_asymptotic(5000, p) - 1) < 0.01


def test_threshold_against_an_independent_sympy_root():
    """E_0(p) from sympy.nsolve on a separately written Θ_{0,p} (an oracle for findroot)."""
    u = sp.Symbol("u")
    for p in (3, 4, 10):
        E = 2 * sp.sqrt(sp.Rational(p - 1, p))
        s = sp.sqrt(u**2 - E**2)
        i1 = -(u / E**2) * s - sp.log(-u + s) + sp.log(E)
        theta0 = sp.log(p - 1) / 2 - sp.Rational(p - 2, 4 * (p - 1)) * u**2 - i1
        root = sp.re(sp.nsolve(theta0, u, -float(sg.RECALLED_TABLE[p][1]), prec=30))
        assert abs(mpmath.mpf(str(-root)) - sg.threshold(0, p)) < mpmath.mpf("1e-20")


@settings(max_examples=15, deadline=None)
@given(p=st.integers(3, 10), du=st.floats(0.01, 3.0))
def test_I1_is_the_integral_of_its_derivative(p, du):
    e = sg.E_infinity(p)
    u = -e - mpmath.mpf(du)
    integral = mpmath.quad(lambda x: -sg.I1_derivative(x, p), [u, -e])
    assert abs(sg.I1(u, p) - integral) < mpmath.mpf("1e-18")
    h = mpmath.mpf("1e-8")  # central difference (I1 works at a fixed 30 digits)
    numeric = (sg.I1(u + h, p) - sg.I1(u - h, p)) / (2 * h)
    assert abs(numeric - sg.I1_derivative(u, p)) < mpmath.mpf("1e-12")


@settings(max_examples=15, deadline=None)
@given(p=st.integers(3, 10), u=st.floats(-4.0, 1.0), k=st.integers(0, 4))
def test_total_complexity_dominates_each_index(p, u, k):
    e = sg.E_infinity(p)
    assert sg.theta_p(u, p) >= sg.theta_kp(u, k, p) - mpmath.mpf("1e-25")
    if u < -e:
        assert abs(sg.theta_p(u, p) - sg.theta_kp(u, 0, p)) < mpmath.mpf("1e-25")
        assert sg.theta_kp(u, k + 1, p) < sg.theta_kp(u, k, p)


def test_total_complexity_is_continuous_and_flat_above_zero():
    for p in (3, 5):
        e = sg.E_infinity(p)
        eps = mpmath.mpf("1e-15")
        assert abs(sg.theta_p(-e - eps, p) - sg.theta_p(-e + eps, p)) < mpmath.mpf("1e-13")
        assert abs(sg.theta_p(-eps, p) - sg.theta_p(eps, p)) < mpmath.mpf("1e-13")
        assert sg.theta_p(0.5, p) == sg.theta_p(3, p) == mpmath.log(p - 1) / 2


def test_symbolic_identities_hold():
    assert sg.symbolic_identities() == {
        "I1_vanishes_at_edge": True,
        "I1_derivative": True,
        "quadratic_term_at_edge": True,
    }


@pytest.mark.parametrize("p", [3, 4, 5, 10])
def test_consistency_of_the_recalled_formulas(p):
    c = sg.consistency(p)
    assert c.holds, c.failed
    assert c.residuals["branch"] < 1e-25
    assert len(c.thresholds) == 4


def test_consistency_detects_a_misrecalled_I1():
    bad = sg.Formulas(
        "I_1 without log E",
        sg.RECALLED_FORMULAS.e_inf,
        lambda u, e: sg.RECALLED_FORMULAS.i1(u, e) - mpmath.log(e),
        sg.RECALLED_FORMULAS.plateau,
    )
    c = sg.consistency(3, formulas=bad)
    assert not c.holds
    assert "branch_continuity" in c.failed and "I1_is_integral" in c.failed


def test_consistency_detects_a_wrong_plateau():
    bad = sg.Formulas(
        "plateau (p-2)/(2p)",
        sg.RECALLED_FORMULAS.e_inf,
        sg.RECALLED_FORMULAS.i1,
        lambda p: mpmath.log(p - 1) / 2 - mpmath.mpf(p - 2) / (2 * p),
    )
    assert "branch_continuity" in sg.consistency(4, formulas=bad).failed


def test_p2_is_degenerate():
    assert sg.theta_kp(-sg.E_infinity(2), 0, 2) == 0  # only 2N critical points: no growth
    with pytest.raises(HypothesisError) as err:
        sg.threshold(0, 2)
    assert err.value.claim == "abc13.spin-glass"


@pytest.mark.parametrize(
    "call, text",
    [
        (lambda: sg.E_infinity(1), "p = 1"),
        (lambda: sg.E_infinity(3.5), "p = 3.5"),
        (lambda: sg.E_infinity(True), "p = True"),
        (lambda: sg.theta_kp(-2, -1, 3), "k = -1"),
        (lambda: sg.theta_kp("abc", 0, 3), "'abc'"),
        (lambda: sg.theta_p(float("inf"), 3), "inf"),
        (lambda: sg.I1(-1.0, 3), "u ≤ −E_∞"),
        (lambda: sg.consistency(3, tolerances={"nope": 1.0}), "nope"),
    ],
)
def test_bad_input_is_an_input_error_naming_the_value(call, text):
    with pytest.raises(InputError) as err:
        call()
    assert text in str(err.value)
    assert "\n" not in str(err.value)
