"""sublevel.numerics.paths.relu_width: the power-law fit and the width study of Corollary 2.5."""

from __future__ import annotations

import numpy as np
import pytest
from sublevel.numerics.paths.relu_width import fit_exponent, plot_width_study, width_study
from sublevel.theory.errors import InputError


def test_fit_exponent_recovers_a_power_law():
    w = np.array([4, 8, 16, 32])
    assert fit_exponent(w, 3 * w**-0.5) == pytest.approx(-0.5)
    with pytest.raises(InputError):
        fit_exponent([4], [1.0])


def test_width_study_and_its_plot(tmp_path):
    st_ = width_study(0, n=2, widths=[4, 8], samples=30, teacher=2, l1=1e-3, maxiter=60)
    assert len(st_.levels) == 2 and all(
        lv >= e - 1e-12 for lv, e in zip(st_.levels, st_.endpoint_max)
    )
    assert all(c.is_proof for c in st_.certificates)
    fixed = width_study(
        0, n=2, widths=[4, 8], samples=30, teacher=2, l1=1e-3, maxiter=60, fixed_width=4
    )
    assert fixed.levels[0] == fixed.levels[1] and abs(fixed.exponent) < 1e-12
    out = plot_width_study([st_], tmp_path / "width.png")
    assert out.exists() and out.stat().st_size > 1000
    with pytest.raises(InputError):
        plot_width_study([st_], tmp_path / "missing" / "w.png")
    with pytest.raises(InputError):
        width_study(0, n=2, widths=[4, 4], samples=30, teacher=2, l1=1e-3)
