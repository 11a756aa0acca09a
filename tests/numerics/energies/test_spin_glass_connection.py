"""sublevel.numerics.energies.spin_glass_connection: arc lengths on the sphere and the DSS
connection level between two minima."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sublevel.numerics.energies.spin_glass import SpinGlass
from sublevel.numerics.energies.spin_glass_connection import arc_length, connection_level
from sublevel.theory.errors import InputError


def test_arc_length_of_a_great_circle():
    x = np.array([math.sqrt(3), 0.0, 0.0])
    y = np.array([0.0, math.sqrt(3), 0.0])
    pts = [x, 0.5 * (x + y), y]
    assert arc_length(pts, 3) == pytest.approx(math.sqrt(3) * math.pi / 2)


def test_connection_level_between_two_minima():
    from sublevel.numerics.sphere_critical import deduplicate
    from sublevel.numerics.sphere_minima import sample_minima

    sg = SpinGlass(16, 3, 3)
    sample = sample_minima(sg, 12, 0)
    keep = deduplicate(sample.points)
    assert len(keep) >= 2
    order = np.argsort(sample.energies[keep])
    a, b = sample.points[keep][order[0]], sample.points[keep][order[1]]
    conn = connection_level(sg, a, b, tol=0.02)
    assert conn.beads is not None and conn.n_beads >= 3
    assert conn.level >= max(conn.energies) - 1e-12
    assert conn.level <= conn.arc_max + 0.002 + 1e-12
    assert conn.barrier >= 0
    assert conn.arc_normalized_length >= 1 - 1e-12
    assert conn.exact and set(conn.certificate_methods) <= {"rigorous", "exact"}
    assert conn.runs[0]["connected"]
    with pytest.raises(InputError, match="off the sphere"):
        connection_level(sg, 2 * a, b)
