"""The Gaussian data the quadratic-network tests share (test_quadratic_deep, test_optimisation_runs,
test_quadratic_widths, test_sign_trap)."""

from __future__ import annotations

import numpy as np


def gaussian_data(n=2, L=20, m=1, seed=0):
    """(X (L, n), Y (L, m), rng): standard normal inputs and targets, and the generator that
    drew them (for the test's further draws)."""
    rng = np.random.default_rng(seed)
    return rng.normal(size=(L, n)), rng.normal(size=(L, m)), rng
