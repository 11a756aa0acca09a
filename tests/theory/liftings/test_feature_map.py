from __future__ import annotations

from math import comb

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from sublevel.theory.errors import InputError
from sublevel.theory.liftings import feature_map as fmap

z = sp.Symbol("z")


@st.composite
def polynomial_activations(draw, max_degree=4):
    coeffs = [draw(st.fractions(-5, 5, max_denominator=4)) for _ in range(max_degree + 1)]
    keep = [draw(st.booleans()) for _ in coeffs]
    expr = sum(
        sp.Rational(c.numerator, c.denominator) * z**j
        for j, (c, k) in enumerate(zip(coeffs, keep))
        if k
    )
    expr = sp.sympify(expr)
    if expr.is_constant() and expr.free_symbols == set():
        expr = z**2 + expr
    return expr


@given(polynomial_activations(), st.integers(1, 4))
def test_lifting_identity_and_rank_equals_closed_form(act, n):
    fm = fmap.feature_map(act, n)
    assert fm.verify()
    q = fmap.intrinsic_dimension(act, n)
    assert q == fmap.intrinsic_dimension_closed_form(act, n) == len(fm.monomials)


@pytest.mark.parametrize("k, n", [(1, 3), (2, 3), (3, 2), (4, 4), (6, 2)])
def test_monomial_oracle(k, n):
    assert fmap.intrinsic_dimension(z**k, n) == comb(n + k - 1, k)


def test_quadratic_is_symmetric_matrices():
    for n in range(1, 6):
        assert fmap.intrinsic_dimension("z**2", n) == n * (n + 1) // 2


@pytest.mark.parametrize("act", ["tanh(z)", "relu(z)", "sigmoid(z)", "Abs(z)", "exp(z)", "sin(z)"])
def test_non_polynomial_is_infinite(act):
    assert fmap.intrinsic_dimension(act, 3) == sp.oo
    assert fmap.intrinsic_dimension_closed_form(act, 3) == sp.oo


@given(polynomial_activations(3), st.integers(1, 3), st.integers(1, 12), st.data())
def test_empirical_dimension_bounded_by_L_and_q(act, n, L, data):
    X = [[data.draw(st.integers(-4, 4)) for _ in range(n)] for _ in range(L)]
    q = fmap.intrinsic_dimension(act, n)
    q_emp = fmap.empirical_intrinsic_dimension(act, X)
    assert q_emp <= min(L, q)
    # oracle: numerical rank of Ψ_X (float64 SVD) on the same small integer data
    fm = fmap.feature_map(act, n)
    psi = sp.lambdify(fm.x, list(fm.Psi), "numpy")
    M = np.array(
        [np.broadcast_to(np.asarray(psi(*r), dtype=float), (len(fm.monomials),)) for r in X]
    )
    assert q_emp == np.linalg.matrix_rank(M)


def test_duplicate_samples_reduce_the_empirical_dimension():
    X = [[1, 2], [1, 2], [3, -1]]
    assert fmap.empirical_intrinsic_dimension("z**3", X) == 2
    assert fmap.empirical_intrinsic_dimension("tanh(z)", X) == 2


def test_relu_empirical_dimension_is_L_for_generic_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 3))
    assert fmap.empirical_intrinsic_dimension("relu(z)", X) == 12


@pytest.mark.parametrize(
    "act, fragment",
    [
        ("x*y", "not a function of one symbol"),
        ("3", "no variable"),
        ("z +", "is not an expression"),
        (lambda t: t, "Python callable"),
    ],
)
def test_bad_activation(act, fragment):
    with pytest.raises(InputError, match=fragment):
        fmap.intrinsic_dimension(act, 2)


def test_bad_dimension_and_data():
    with pytest.raises(InputError, match="n = 0"):
        fmap.intrinsic_dimension("z**2", 0)
    with pytest.raises(InputError, match="L = 0"):
        fmap.empirical_intrinsic_dimension("z**2", [])
    with pytest.raises(InputError, match="not finite"):
        fmap.empirical_intrinsic_dimension("z**2", [[float("nan"), 1.0]])
    with pytest.raises(InputError, match="not a polynomial"):
        fmap.feature_map("tanh(z)", 2)


@pytest.mark.parametrize(
    "text",
    [
        "(lambda: 1)()",
        'Symbol("x")',
        "z if 1 else 2",
        "z.real",
        "__import__('os')",
        "[z]",
        "z < 1",
        "tanh(z, k=1)",
        "'z'",
        "2**10**10**10",
        "z**",
    ],
)
def test_parser_refuses_everything_but_arithmetic(text):
    """The whitelist: no evaluation of Python, no sympy constructors, no conditionals."""
    with pytest.raises(InputError, match="is not an expression"):
        fmap.parse_activation(text)


def test_parser_message_for_a_syntax_error_is_one_line():
    with pytest.raises(InputError) as info:
        fmap.parse_activation("z**")
    assert str(info.value).startswith("activation 'z**' is not an expression: ")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("z**3 - z", z**3 - z),
        ("relu(z)", sp.Max(0, z)),
        ("2^z", 2**z),
        ("-z/2 + 0.5", -z / 2 + 0.5),
        ("sigmoid(z)", 1 / (1 + sp.exp(-z))),
        ("Abs(z) + pi", sp.Abs(z) + sp.pi),
        ("tanh(z)", sp.tanh(z)),
    ],
)
def test_parser_reads_arithmetic_like_sympify(text, expected):
    """Oracle: sympy's own reading of the same (harmless) text."""
    expr, var = fmap.parse_activation(text)
    assert var == z and sp.simplify(expr - expected) == 0


def test_huge_degree_answers_from_the_closed_form():
    """z**10**10 in n = 100: Σ C(n+k−1, k) without expanding; a non-monomial form is refused."""
    q = fmap.intrinsic_dimension_closed_form("z**10**10 + z", 100)
    assert q == comb(100 + 10**10 - 1, 10**10) + 100
    with pytest.raises(InputError, match="MAX_EXPANDED_DEGREE"):
        fmap.intrinsic_dimension_closed_form("(z + 1)**2000", 2)


def test_exact_rank_is_refused_above_its_size_limit():
    with pytest.raises(InputError, match="MAX_RANK_FEATURES"):
        fmap.intrinsic_dimension("z**3", 100)
    assert fmap.intrinsic_dimension_closed_form("z**3", 100) == comb(102, 3)


@given(st.integers(0, 4), st.integers(0, 3), st.integers(1, 2))
def test_degree_bound_is_an_upper_bound(a, b, n):
    expr = (z + 1) ** a * (z**2 - z) ** b + 3 * z
    assert fmap.degree_bound(expr, z) >= sp.degree(sp.expand(expr), z)
    assert fmap.intrinsic_dimension_closed_form(expr, n) == fmap.intrinsic_dimension(expr, n)
