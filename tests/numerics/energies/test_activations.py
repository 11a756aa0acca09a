"""sublevel.numerics.energies.activations: named, parsed and coefficient activations, their
derivatives, exact coefficients and the refusals."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from sublevel.numerics.energies.activations import make_activation
from sublevel.theory.errors import InputError


def test_named_and_parsed_activations():
    z = np.linspace(-2, 2, 9)
    assert np.allclose(make_activation("quadratic")(z), z**2)
    assert np.allclose(make_activation("cubic").derivative(z), 3 * z**2)
    assert np.allclose(make_activation("relu")(z), np.maximum(z, 0))
    assert np.allclose(make_activation("relu(z)")(z), np.maximum(z, 0))
    assert make_activation("relu(z)").kind == "relu"
    assert np.allclose(make_activation("tanh").derivative(z), 1 - np.tanh(z) ** 2)
    assert np.allclose(make_activation("x**3 - x")(z), z**3 - z)
    assert np.allclose(make_activation([1, 0, 2])(z), 1 + 2 * z**2)
    sig = make_activation("sigmoid(z)")
    assert sig.kind == "other" and np.allclose(sig(z), 1 / (1 + np.exp(-z)))
    assert np.allclose(sig.derivative(z), sig(z) * (1 - sig(z)))


def test_homogeneous_degree_and_coefficients_are_exact():
    assert make_activation("z**3").homogeneous_degree == 3
    assert make_activation("z**3 + z").homogeneous_degree is None
    act = make_activation([0.1, 0.0, 0.25])
    assert act.coefficients == (0.1, 0.0, 0.25)
    assert act.expr.coeff(act.variable, 0) == sp.Rational(0.1)  # the exact dyadic of 0.1


@pytest.mark.parametrize(
    "bad", [lambda z: z, "x*y", "2", [0, 0, 0], [1, float("nan")], [[1, 2]], "z**", 3.5]
)
def test_bad_activations_raise_input_error(bad):
    with pytest.raises(InputError):
        make_activation(bad)
