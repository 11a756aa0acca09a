"""sublevel.numerics.tolerances: the named tolerances, their defaults and their validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sublevel.numerics.tolerances import DEFAULT_TOLERANCES, bound_slack, resolve_tolerances
from sublevel.theory.errors import InputError


def test_defaults_are_tau_zero_and_a_sampled_rtol():
    assert DEFAULT_TOLERANCES == {"tau": 0.0, "sampled_rtol": 1e-9}
    tol = resolve_tolerances(None)
    assert tol == DEFAULT_TOLERANCES and tol is not DEFAULT_TOLERANCES
    assert resolve_tolerances({}) == DEFAULT_TOLERANCES


def test_user_values_replace_defaults_as_floats_without_touching_the_defaults():
    tol = resolve_tolerances({"tau": 1})
    assert tol == {"tau": 1.0, "sampled_rtol": 1e-9}
    assert type(tol["tau"]) is float
    tol = resolve_tolerances({"sampled_rtol": np.float32(0.5), "tau": 0.25})
    assert tol == {"tau": 0.25, "sampled_rtol": 0.5} and type(tol["sampled_rtol"]) is float
    tol["tau"] = 7.0  # the result is the caller's own copy
    assert DEFAULT_TOLERANCES == {"tau": 0.0, "sampled_rtol": 1e-9}


def test_zero_and_the_largest_float_are_valid():
    assert resolve_tolerances({"tau": 0.0})["tau"] == 0.0
    assert resolve_tolerances({"tau": 0})["tau"] == 0.0
    assert resolve_tolerances({"tau": math.ulp(0.0)})["tau"] == math.ulp(0.0)
    assert resolve_tolerances({"sampled_rtol": 1.7976931348623157e308})["sampled_rtol"] == (
        1.7976931348623157e308
    )


def test_unknown_key_names_it_and_the_known_ones():
    with pytest.raises(InputError) as err:
        resolve_tolerances({"fuzz": 1.0})
    assert str(err.value) == (
        "unknown tolerance 'fuzz'; known: tau, sampled_rtol "
        "(certificates decide with the user's τ only, no slack)"
    )


@pytest.mark.parametrize(
    "key, value, shown",
    [
        ("tau", -1.0, "-1.0"),
        ("tau", -math.ulp(0.0), "-5e-324"),
        ("sampled_rtol", math.inf, "inf"),
        ("tau", -math.inf, "-inf"),
        ("tau", math.nan, "nan"),
    ],
)
def test_negative_or_non_finite_values_are_refused_by_name(key, value, shown):
    with pytest.raises(InputError) as err:
        resolve_tolerances({key: value})
    assert str(err.value) == f"tolerance {key}={shown} must be finite and ≥ 0"


def test_bound_slack_is_the_users_tau_only():
    assert bound_slack(1.0, {}) == 0.0 and type(bound_slack(1.0, {})) is float
    assert bound_slack(1e30, {"sampled_rtol": 0.5}) == 0.0  # no relative slack, whatever the bound
    assert bound_slack(-3.0, {"tau": 0.125, "sampled_rtol": 0.5}) == 0.125
    assert type(bound_slack(0.0, {"tau": 1})) is float


@given(
    st.floats(min_value=0, max_value=1e30, allow_nan=False),
    st.floats(min_value=0, max_value=1e30, allow_nan=False),
)
def test_any_finite_nonnegative_pair_is_kept_exactly(tau, rtol):
    tol = resolve_tolerances({"tau": tau, "sampled_rtol": rtol})
    assert tol == {"tau": tau, "sampled_rtol": rtol}
    assert bound_slack(0.0, tol) == tau
