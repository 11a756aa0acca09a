"""sublevel.numerics.energies.quadratic_widths: the two-layer quadratic network in its three sign
settings, success against the width, the plot."""

from __future__ import annotations

import pytest
from sublevel.numerics.energies.quadratic_widths import (
    plot_success_fraction,
    quadratic_network,
    width_experiment,
)
from sublevel.theory.errors import InputError

from tests.numerics.energies.quadratic_data import gaussian_data


def test_runs_succeed_at_2n_and_fail_below_n():
    rows, f_star = width_experiment(2, [1, 4], 4, seed=3)
    narrow, wide = rows
    assert narrow.success_fraction == 0.0 and wide.success_fraction == 1.0
    assert sum(narrow.counts.values()) == 4 and f_star >= 0
    assert all(r.gap > 1e-3 for r in narrow.runs)


def test_plot_success_fraction(tmp_path):
    rows, _ = width_experiment(2, [1, 2, 4], 2, seed=0)
    out = plot_success_fraction(rows, 2, tmp_path / "q.png")
    assert out.exists() and out.stat().st_size > 1000
    with pytest.raises(InputError, match="does not exist"):
        plot_success_fraction(rows, 2, tmp_path / "missing" / "q.png")


def test_quadratic_network_sign_settings():
    X, _, rng = gaussian_data(n=2, L=15)
    y = 2 * X[:, 0] ** 2 - X[:, 1] ** 2
    free, init_free, f_free = quadratic_network(X, y, 4, "free")
    balanced, init_bal, f_bal = quadratic_network(X, y, 4, "balanced")
    nonneg, _, f_nonneg = quadratic_network(X, y, 4, "nonnegative")
    assert f_free == f_bal < 1e-20 < f_nonneg
    assert free.dim == 12 and balanced.dim == nonneg.dim == 8
    assert balanced.U.tolist() == [[1.0, 1.0, -1.0, -1.0]]
    assert init_bal(rng).shape == (8,) and init_free(rng).shape == (12,)
    with pytest.raises(InputError, match="sign"):
        quadratic_network(X, y, 4, "mixed")


def test_balanced_signs_with_n_of_each_reach_the_optimum_and_failures_get_a_stability_verdict():
    rows, f_star = width_experiment(
        2, [2, 4], 3, seed=1, sign="balanced", stability_perturbations=2
    )
    narrow, wide = rows
    assert wide.success_fraction == 1.0
    assert all(r.stable is not None for r in narrow.runs if r.kind != "success" and r.converged)
    assert wide.to_dict()["stable_poor"] == 0
