"""The hypothesis strategies draw what they promise: hypotheses satisfied or violated as the
registry decides, data of the requested kind and rank, well-formed points and paths."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from sublevel.numerics import strategies as S
from sublevel.numerics.paths.base import Path, Polygonal, Segment
from sublevel.theory.claims import get_claim
from sublevel.theory.errors import InputError
from sublevel.theory.liftings.feature_map import intrinsic_dimension, is_polynomial_activation


@settings(max_examples=30)
@given(widths=S.linear_widths(satisfying=True))
def test_linear_widths_satisfying_have_wide_inner_layers(widths):
    assert len(widths) >= 3
    assert all(nk > min(widths[0], widths[-1]) for nk in widths[1:-1])
    assert get_claim("bf16.prop2.2.linear").hypotheses_hold(widths=widths)


@settings(max_examples=30)
@given(widths=S.linear_widths(satisfying=False))
def test_linear_widths_violating_have_a_narrow_inner_layer(widths):
    assert any(nk <= min(widths[0], widths[-1]) for nk in widths[1:-1])
    assert not get_claim("bf16.prop2.2.linear").hypotheses_hold(widths=widths)


@settings(max_examples=10)
@given(widths=S.square_widths())
def test_square_widths_are_the_equality_case(widths):
    assert widths[0] == widths[1] == widths[2]
    assert get_claim("bf16.linear.square-boundary").hypotheses_hold(widths=widths)


CLAIMS_WITH_DIMENSIONS = [
    "bf16.prop2.2.linear",
    "bf16.prop2.2.ridge",
    "bf16.linear.square-boundary",
    "vbb.finite-dim.p-ge-q",
    "vbb.finite-dim.p-ge-2q",
    "vbb.empirical-dim",
    "vbb.thm13.relu-valley",
    "lbb.quadratic.2layer",
    "lbb.quadratic.deep",
    "kawaguchi16.deep-linear",
    "abc13.spin-glass",
]


@pytest.mark.parametrize("claim_id", CLAIMS_WITH_DIMENSIONS)
@pytest.mark.parametrize("satisfying", [True, False])
def test_architectures_agree_with_the_registry(claim_id, satisfying):
    claim = get_claim(claim_id)

    @settings(max_examples=8)
    @given(dims=S.architectures(claim_id, satisfying=satisfying))
    def inner(dims):
        assert claim.hypotheses_hold(dims) is satisfying

    inner()


@settings(max_examples=10)
@given(arch=S.intrinsic_architectures(satisfying=True, max_n=2, max_degree=2))
def test_intrinsic_architectures_use_the_exact_intrinsic_dimension(arch):
    assert arch["q"] == intrinsic_dimension(arch["activation"], arch["n"])  # exact rank oracle
    assert arch["p"] >= arch["q"]


def test_architectures_reject_claims_without_dimension_hypotheses():
    with pytest.raises(InputError, match="no dimension hypotheses"):
        S.architectures("bf16.dss.convex")


@settings(max_examples=30)
@given(data=S.datasets())
def test_datasets_have_the_promised_kind(data):
    L, n = data.X.shape
    assert data.Y.shape[0] == L and np.all(np.isfinite(data.X)) and np.all(np.isfinite(data.Y))
    assert data.rank == np.linalg.matrix_rank(data.X)
    if data.kind == "duplicate":
        assert len({row.tobytes() for row in data.X}) < L  # a repeated row
    elif data.kind == "low_rank":
        assert data.rank < min(L, n)
    else:
        assert data.rank == min(L, n)  # Gaussian data are generic


def test_make_data_is_a_function_of_the_seed_and_rejects_bad_kinds():
    a = S.make_data(3, 5, 3, 2, "random")
    b = S.make_data(3, 5, 3, 2, "random")
    assert np.array_equal(a.X, b.X) and np.array_equal(a.Y, b.Y)
    with pytest.raises(InputError, match="'sparse'"):
        S.make_data(3, 5, 3, 2, "sparse")
    with pytest.raises(InputError, match="rank 3"):
        S.make_data(3, 5, 3, 2, "low_rank", rank=3)


@settings(max_examples=20)
@given(theta=S.parameter_points(5), coords=S.parameter_points(3, scale=2.0, elements=True))
def test_parameter_points_are_finite_float64(theta, coords):
    assert theta.shape == (5,) and theta.dtype == np.float64 and np.all(np.isfinite(theta))
    assert coords.shape == (3,) and np.all(np.abs(coords) <= 2.0)


@settings(max_examples=10)
@given(weights=S.linear_parameters([2, 4, 3]))
def test_linear_parameters_have_layer_shapes(weights):
    assert [w.shape for w in weights] == [(4, 2), (3, 4)]


@settings(max_examples=10)
@given(wu=S.two_layer_parameters(3, 4, 2))
def test_two_layer_parameters_have_the_energy_layout(wu):
    W, U = wu
    assert W.shape == (4, 3) and U.shape == (2, 4)


@settings(max_examples=30)
@given(act=S.polynomial_activations(max_degree=4))
def test_polynomial_activations_are_nonconstant_polynomials(act):
    z = sp.Symbol("z")
    assert is_polynomial_activation(act)
    assert 1 <= sp.degree(act, z) <= 4


@settings(max_examples=20)
@given(act=S.activations())
def test_activations_have_the_expected_intrinsic_dimension(act):
    q = intrinsic_dimension(act, 2)
    if act in ("relu(z)", "tanh(z)"):
        assert q == sp.oo
    else:
        assert 1 <= q < sp.oo


@settings(max_examples=20)
@given(seg=S.segments(3), chain=S.polygonal_chains(3), path=S.paths(3))
def test_paths_are_continuous_and_at_least_as_long_as_their_chord(seg, chain, path):
    assert isinstance(seg, Segment) and isinstance(chain, Polygonal) and isinstance(path, Path)
    assert not np.array_equal(seg.a, seg.b)
    for p in (Path([seg]), Path([chain]), path):
        assert p.length() >= np.linalg.norm(p.end - p.start) * (1 - 1e-12)
        assert np.array_equal(p.points([0.0])[0], p.start)


@pytest.mark.parametrize(
    "call",
    [
        lambda: S.widths(min_layers=3, max_layers=2),
        lambda: S.linear_widths(max_width=1),
        lambda: S.parameter_points(0),
        lambda: S.parameter_points(3, scale=-1.0),
        lambda: S.datasets(kinds=["noise"]),
        lambda: S.activations(kinds=["sigmoid"]),
        lambda: S.intrinsic_architectures(claim="bf16.prop2.2.linear"),
    ],
)
def test_bad_arguments_raise_input_error(call):
    with pytest.raises(InputError):
        call()


def test_seeds_are_32_bit():
    @settings(max_examples=20)
    @given(s=S.seeds(), w=st.data())
    def inner(s, w):
        assert 0 <= s < 2**32

    inner()
