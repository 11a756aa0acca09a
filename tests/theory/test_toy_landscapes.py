"""sublevel.theory.toy_landscapes: exact landscape facts against known answers, sympy's solve and
dense sampling (the oracle for connectedness of sub-level sets)."""

from __future__ import annotations

import random

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.theory.errors import InputError
from sublevel.theory.toy_landscapes import (
    Profile,
    ToyLandscape,
    analyse,
    catalogue,
    plateau_landscape,
    random_polynomial_landscape,
)

s = sp.Symbol("s", real=True)


@pytest.mark.parametrize("land", catalogue(), ids=lambda land: land.name)
def test_catalogue_answers(land):
    facts = analyse(land)
    got = {
        "connected": facts.connected,
        "strict_poor": facts.has_strict_poor_minimum,
        "poor": facts.has_poor_minimum,
    }
    assert got == land.expected
    assert not (facts.connected and facts.has_strict_poor_minimum)  # Prop 2.1
    if not facts.connected:
        assert facts.witness["certified"]


def _components_1d(values: np.ndarray, u: float) -> int:
    inside = values <= u
    return int(np.sum(inside[1:] & ~inside[:-1]) + inside[0])


def _numeric_profile(land: ToyLandscape, grid: np.ndarray) -> np.ndarray:
    f = sp.lambdify(sp.Symbol("s", real=True), land.profile.expression(), "numpy")
    return np.asarray(f(grid), dtype=float) * np.ones_like(grid)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_random_landscapes_against_dense_sampling(seed):
    """Oracle: on a fine grid over the region holding the critical points, count the
    components of {g ≤ u} at many levels; connected ⇔ never more than one."""
    land = random_polynomial_landscape(random.Random(seed), max_degree=6)
    facts = analyse(land)
    assert not (facts.connected and facts.has_strict_poor_minimum)
    lo = 0.0 if land.kind == "radial" else -12.0
    grid = np.linspace(lo, 12.0, 40_001)
    g = _numeric_profile(land, grid)
    window = g[(grid > lo + 0.5) | (lo == 0.0)]
    levels = np.linspace(window.min(), min(window.max(), window.min() + 50), 200)
    most = max(_components_1d(g, u) for u in levels)
    if facts.connected:
        assert most == 1
    else:
        u = float(sp.Rational(facts.witness["u"]))
        assert _components_1d(g, u) >= 2


def test_fibred_critical_points_match_sympy_solve():
    """E(x, y) = g(x) + (1 + x²)(y − x)²: the critical points solved by sympy are exactly
    (x*, x*) for the critical points x* of g, and their types follow g's."""
    x, y = sp.symbols("x y", real=True)
    g = s**4 - 2 * s**2 + s**3 / 3
    land = ToyLandscape("fibred", "fibered", Profile(((-sp.oo, sp.oo, g),)), b=1 + s**2, c=s)
    E = land.energy
    sols = sp.solve([sp.diff(E, x), sp.diff(E, y)], [x, y], dict=True)
    crit = sp.real_roots(sp.Poly(sp.diff(g, s), s))
    assert sorted(sol[x] for sol in sols) == sorted(crit)
    assert all(sp.simplify(sol[y] - sol[x]) == 0 for sol in sols)
    facts = analyse(land)
    hessians = [sp.hessian(E, (x, y)).subs(sol) for sol in sols]
    strict_minima = [sol[x] for sol, H in zip(sols, hessians) if H.is_positive_definite]
    assert len(strict_minima) == 2  # g has two wells, the lower one global
    assert facts.has_strict_poor_minimum and not facts.connected


def test_plateau_is_a_nonstrict_poor_minimum_with_connected_sublevel_sets():
    facts = analyse(plateau_landscape(level=2, left=-1, right=3, width=2))
    assert facts.connected and not facts.has_strict_poor_minimum
    assert [m["kind"] for m in facts.nonstrict_poor_minima] == ["plateau"]
    assert facts.nonstrict_poor_minima[0]["value"] == "2"
    assert facts.global_minimum == 0


def test_radial_minima_kinds():
    facts = analyse(catalogue()[8])  # radial, poor origin
    assert facts.strict_poor_minima[0]["kind"] == "origin"
    hat = analyse(catalogue()[7])  # radial, poor circle
    assert hat.nonstrict_poor_minima[0]["kind"] == "circle" and not hat.strict_poor_minima


def test_energy_expressions():
    x, y = sp.symbols("x y", real=True)
    assert sp.simplify(catalogue()[4].energy - ((1 - x) ** 2 + 100 * (y - x**2) ** 2)) == 0
    assert sp.simplify(catalogue()[6].energy - (x**2 + y**2 - 1) ** 2) == 0


def test_bad_input():
    with pytest.raises(InputError, match="discontinuous"):
        Profile(((-sp.oo, 0, s), (0, sp.oo, s + 1)))
    with pytest.raises(InputError, match="empty"):
        Profile(((1, 0, s),))
    with pytest.raises(InputError, match="polynomial"):
        Profile(((-sp.oo, sp.oo, sp.sin(s)),))
    with pytest.raises(InputError, match="kind"):
        ToyLandscape("x", "3d", Profile(((-sp.oo, sp.oo, s**2),)))
    with pytest.raises(InputError, match="s ≥ 0"):
        ToyLandscape("x", "radial", Profile(((-sp.oo, sp.oo, s**2),)))
    with pytest.raises(InputError, match="level > 0"):
        plateau_landscape(level=0)
    with pytest.raises(InputError, match="monotone"):
        analyse(ToyLandscape("line", "1d", Profile(((-sp.oo, sp.oo, s),))))
