"""Path pieces: endpoints, lengths, reversal, continuity, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sublevel.numerics.paths import (
    LE_MAX_ENDPOINTS,
    NON_INCREASING,
    Bezier,
    FunctionPiece,
    Path,
    Polygonal,
    Segment,
)
from sublevel.theory.errors import InputError

finite = st.floats(-10, 10, allow_nan=False, allow_infinity=False)


def points(n, d):
    return arrays(np.float64, (n, d), elements=finite)


@given(points(2, 3))
def test_segment_endpoints_and_length(ab):
    s = Segment(ab[0], ab[1])
    assert np.array_equal(s.start, ab[0]) and np.array_equal(s.end, ab[1])
    assert s.length() == pytest.approx(np.linalg.norm(ab[1] - ab[0]))


@given(points(5, 2))
def test_polygonal_passes_through_beads_and_length_is_exact(beads):
    p = Polygonal(beads)
    ts = np.linspace(0, 1, 5)
    assert np.allclose(p.points(ts), beads)
    assert p.length() == pytest.approx(np.linalg.norm(np.diff(beads, axis=0), axis=1).sum())


@given(points(3, 2), st.floats(0, 1))
def test_bezier_endpoints_and_convex_hull(control, t):
    b = Bezier(control)
    assert np.allclose(b.start, control[0]) and np.allclose(b.end, control[-1])
    w = b.basis(np.array([t]))
    assert np.all(w >= -1e-15) and w.sum() == pytest.approx(1.0)


@given(points(4, 3))
def test_path_length_at_least_distance_and_reversal(beads):
    path = Path([Segment(beads[0], beads[1]), Polygonal(beads[1:])])
    assert np.array_equal(path.start, beads[0]) and np.allclose(path.end, beads[-1])
    assert path.length() >= np.linalg.norm(beads[-1] - beads[0]) - 1e-9
    rev = path.reversed()
    ts = np.linspace(0, 1, 9)
    assert np.allclose(rev.points(ts), path.points(1 - ts))


def test_global_parametrisation_and_reparametrise():
    path = Path([Segment([0.0], [1.0]), Segment([1.0], [3.0])])
    assert np.allclose(path.points([0, 0.25, 0.5, 0.75, 1]).ravel(), [0, 0.5, 1, 2, 3])
    assert path.normalized_length() == pytest.approx(1.0)
    re = path.reparametrise(n=5)
    assert np.allclose(re.points([0, 0.5, 1]).ravel(), [0, 1.5, 3])


def test_promise_reversal():
    s = Segment([0.0], [1.0], promise=NON_INCREASING)
    assert s.reversed().promise == LE_MAX_ENDPOINTS


def test_bad_input():
    with pytest.raises(InputError, match="discontinuous"):
        Path([Segment([0.0], [1.0]), Segment([2.0], [3.0])])
    with pytest.raises(InputError, match="dimension"):
        Segment([0.0, 1.0], [1.0])
    with pytest.raises(InputError, match="not finite"):
        Segment([np.nan], [1.0])
    with pytest.raises(InputError, match="promise"):
        Segment([0.0], [1.0], promise="trust me")
    with pytest.raises(InputError, match="in \\[0, 1\\]"):
        Segment([0.0], [1.0]).points([1.5])
    with pytest.raises(InputError, match="beads"):
        Polygonal([[0.0]])
    with pytest.raises(InputError, match="returned shape"):
        FunctionPiece(lambda ts: np.zeros(3)).points([0.0, 1.0])
    with pytest.raises(InputError, match="at least one piece"):
        Path([])


def test_pieces_points_piece_by_piece_and_a_batch_of_the_wrong_shape():
    a, b, c = np.zeros(2), np.ones(2), np.array([2.0, 0.0])
    pieces = [Segment(a, b), Segment(b, c)]
    ts = np.array([0.0, 0.5, 1.0])
    expected = np.stack([p.points(ts) for p in pieces])
    assert np.array_equal(Path(pieces).pieces_points(ts), expected)
    assert np.array_equal(Path(pieces, batch=lambda t: expected).pieces_points(ts), expected)
    with pytest.raises(InputError, match="batched evaluation returned shape"):
        Path(pieces, batch=lambda t: expected[:1]).pieces_points(ts)
    with pytest.raises(InputError, match="times must lie in"):
        Path(pieces).pieces_points([1.5])
