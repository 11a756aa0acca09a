"""Checks of the path-finding baselines and of weight matching (papers.md §6.1, §6.2, §6.6;
C15–C17).

Claims: ``baseline.bezier`` (Garipov et al.: a trained quadratic Bezier curve between two minima
stays at the minima's loss), ``baseline.autoneb`` (Draxler et al.: AutoNEB's saddle is within a
factor of the minima's loss) and ``symmetry.weight-matching`` (Ainsworth et al.: aligning θ_B to
θ_A by a hidden-unit permutation keeps its energy and lowers the straight-line barrier). All run
on a small teacher regression (2-hidden-1 tanh MLP, MSE) between two independently trained minima;
their certificates are sampled, and an optimiser that did not get there is ``inconclusive``. The
controls use a minimum and its hidden-unit permutation, where the untrained path must show the
barrier, or break the permutation's consistency.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from sublevel.proofs_checks.checks.geodesic_shared import string_summary, train_pair
from sublevel.proofs_checks.evidence import Evidence, control_outcome
from sublevel.proofs_checks.registry import check, negative_control


def _teacher_landscape(seed: int, hidden: int, n: int) -> Any:
    from sublevel.numerics.data import teacher_data
    from sublevel.numerics.energies.mlp import MLPLandscape

    data = teacher_data(n, 1, d=2, hidden=3, seed=seed)
    return MLPLandscape(
        [2, hidden, 1],
        data.X_train,
        data.y_train,
        activation="tanh",
        loss="mse",
        name=f"teacher regression 2-{hidden}-1",
    )


def _permuted_copy(land: Any, theta: np.ndarray, seed: int, candidates: int = 8) -> np.ndarray:
    """θ with its hidden units permuted (a symmetry: same function, same energy); among
    ``candidates`` seeded permutations, the one whose straight segment from θ rises highest."""
    from sublevel.numerics.geodesic.alignment import linear_barrier, permute_layers

    rng = np.random.default_rng(seed)
    layers = land.layers(theta)
    best, best_barrier = theta, -math.inf
    for _ in range(candidates):
        perms = [rng.permutation(W.shape[0]) for W, _ in layers[:-1]]
        other = land.theta_from_layers(permute_layers(layers, perms))
        if np.array_equal(other, theta):
            continue
        barrier = linear_barrier(land, theta, other, n=33)["barrier"]
        if barrier > best_barrier:
            best, best_barrier = other, barrier
    return best


def _trained_minima(
    seed: int, hidden: int, n: int, target: float
) -> tuple[Any, np.ndarray, np.ndarray, list[dict[str, Any]]]:
    """The teacher landscape and two minima trained to E ≤ ``target`` (with their records)."""
    land = _teacher_landscape(seed, hidden, n)
    a, b, info = train_pair(land, seed, target)
    return land, a, b, info


def _minimum_and_permutation(
    seed: int, hidden: int, n: int, target: float
) -> tuple[Any, np.ndarray, np.ndarray, float]:
    """A trained minimum θ, its highest-barrier hidden-unit permutation and max(E(θ), E(θ_σ))."""
    land, a, _, _ = _trained_minima(seed, hidden, n, target)
    b = _permuted_copy(land, a, seed)
    return land, a, b, max(land.energy(a), land.energy(b))


def _baseline_evidence(
    res: Any,
    info: list[dict[str, Any]],
    hidden: int,
    n: int,
    details: dict[str, Any],
    message: str,
) -> Evidence:
    """A baseline's verdict: verified when its path is connected at the level (sampled
    certificate), else inconclusive."""
    return Evidence(
        "verified" if res.connected else "inconclusive",
        margin=res.certificate.margin,
        certificates=res.certificates,
        instance={"hidden": hidden, "n": n, "endpoints": info},
        details=details,
        message=message,
    )


@check(
    "baseline.bezier",
    instances=2,
    hidden=8,
    n=100,
    target=0.01,
    steps=1500,
    lr=0.05,
    tolerance=0.02,
)
def bezier_baseline(
    seed: int, hidden: int, n: int, target: float, steps: int, lr: float, tolerance: float
) -> Evidence:
    """Garipov et al.: a quadratic Bezier curve between two independently trained minima,
    trained with uniform t (one per step), has max train loss ≤ endpoint max + ``tolerance``
    (sampled certificate); the straight segment is reported beside it."""
    from sublevel.numerics.geodesic.baselines import bezier_curve, straight_segment

    land, a, b, info = _trained_minima(seed, hidden, n, target)
    top = max(land.energy(a), land.energy(b))
    level = top + tolerance
    curve = bezier_curve(land, a, b, level, steps=steps, lr=lr, seed=seed)
    line = straight_segment(land, a, b, level)
    return _baseline_evidence(
        curve,
        info,
        hidden,
        n,
        {
            "bezier": string_summary(curve),
            "straight": string_summary(line),
            "endpoint_max": top,
            "tolerance": tolerance,
        },
        (
            f"Bezier max {curve.max_energy:.4g} ≤ endpoints {top:.4g} + {tolerance} "
            f"(straight segment: {line.max_energy:.4g})"
        )
        if curve.connected
        else f"Bezier max {curve.max_energy:.4g} > endpoints {top:.4g} + {tolerance}",
    )


@negative_control("baseline.bezier")
def bezier_untrained(
    seed: int, hidden: int, n: int, target: float, steps: int, lr: float, tolerance: float
) -> Evidence:
    """An untrained curve (0 steps: the segment) between a minimum and its hidden-unit
    permutation must show the barrier the training removes."""
    from sublevel.numerics.geodesic.baselines import bezier_curve

    land, a, b, top = _minimum_and_permutation(seed, hidden, n, target)
    curve = bezier_curve(land, a, b, top + tolerance, steps=0, seed=seed)
    caught = not curve.connected
    return Evidence(
        control_outcome(conclusion_fails=caught),
        details=string_summary(curve),
        certificates=curve.certificates,
        methods=["sampled"],
        message=(
            f"untrained curve rises to {curve.max_energy:.4g} > {top + tolerance:.4g} (caught)"
            if caught
            else "the untrained curve stayed low"
        ),
    )


@dataclass(frozen=True)
class AutonebParams:
    """The ``--param`` values of ``baseline.autoneb`` (check and control).

    A 2-``hidden``-1 teacher regression on ``n`` points, minima trained to ``target``; AutoNEB
    runs ``cycles`` cycles of ``steps_per_cycle`` steps at learning rate ``lr``; the claim's
    bound is saddle ≤ ``factor`` × max(minima's losses).
    """

    hidden: int = 8
    n: int = 100
    target: float = 0.01
    cycles: int = 3
    steps_per_cycle: int = 40
    lr: float = 0.05
    factor: float = 2.0


@check("baseline.autoneb", instances=2, **dataclasses.asdict(AutonebParams()))
def autoneb_baseline(seed: int, **params: Any) -> Evidence:
    """Draxler et al.: AutoNEB between two independently trained minima finds a path whose
    saddle loss is within ``factor`` × the minima's loss (sampled certificates)."""
    from sublevel.numerics.geodesic.baselines import autoneb, straight_segment

    s = AutonebParams(**params)
    land, a, b, info = _trained_minima(seed, s.hidden, s.n, s.target)
    top = max(land.energy(a), land.energy(b))
    res = autoneb(
        land, a, b, s.factor * top, cycles=s.cycles, steps_per_cycle=s.steps_per_cycle, lr=s.lr
    )
    line = straight_segment(land, a, b, s.factor * top)
    return _baseline_evidence(
        res,
        info,
        s.hidden,
        s.n,
        {
            "autoneb": string_summary(res),
            "straight": string_summary(line),
            "minima_max": top,
            "saddle_ratio": res.max_energy / top,
            "reference": "ResNet-20: 0.0324 / 0.0162",
        },
        f"saddle / minima = {res.max_energy / top:.3f} (bound {s.factor}); "
        f"straight segment {line.max_energy / top:.3f}",
    )


@negative_control("baseline.autoneb")
def autoneb_untrained(seed: int, **params: Any) -> Evidence:
    """NEB with no steps (the straight chain) between a minimum and its permutation must
    report a saddle above ``factor`` × the minima's loss."""
    from sublevel.numerics.geodesic.baselines import autoneb

    s = AutonebParams(**params)
    land, a, b, top = _minimum_and_permutation(seed, s.hidden, s.n, s.target)
    res = autoneb(land, a, b, s.factor * top, cycles=1, steps_per_cycle=0)
    caught = not res.connected
    return Evidence(
        control_outcome(conclusion_fails=caught),
        details=string_summary(res),
        certificates=res.certificates,
        message=(
            f"no NEB steps: saddle / minima = {res.max_energy / top:.2f} > {s.factor} (caught)"
            if caught
            else "the straight chain stayed within the factor"
        ),
    )


# ---------------------------------------------------------------------------- weight matching


@check("symmetry.weight-matching", instances=3, hidden=16, n=100, target=0.01)
def weight_matching_check(seed: int, hidden: int, n: int, target: float) -> Evidence:
    """Ainsworth et al.: aligning θ_B to θ_A by weight matching keeps its energy (a symmetry)
    and lowers the straight-line barrier B; matching a network with its own permutation
    recovers it exactly."""
    from sublevel.numerics.geodesic.alignment import align, linear_barrier

    land, a, b, info = _trained_minima(seed, hidden, n, target)
    aligned, perms = align(land, a, b, seed=seed)
    e_b, e_al = land.energy(b), land.energy(aligned)
    same = abs(e_b - e_al) <= 1e-10 * max(1.0, abs(e_b))
    naive, after = linear_barrier(land, a, b), linear_barrier(land, a, aligned)
    own, _ = align(land, a, _permuted_copy(land, a, seed), seed=seed)
    recovered = bool(np.allclose(own, a, rtol=0, atol=1e-12))
    inst = {"hidden": hidden, "n": n, "endpoints": info}
    details = {
        "barrier_naive": naive,
        "barrier_aligned": after,
        "energy_b": e_b,
        "energy_aligned": e_al,
        "self_permutation_recovered": recovered,
        "permutations": [p.tolist() for p in perms],
    }
    if not (same and recovered):
        return Evidence(
            "violated",
            instance=inst,
            details=details,
            methods=["optimisation"],
            message="alignment changed the function or failed on an exact permutation",
        )
    drop = after["barrier"] < naive["barrier"] or naive["barrier"] <= 1e-12
    return Evidence(
        "verified" if drop else "inconclusive",
        margin=naive["barrier"] - after["barrier"],
        instance=inst,
        details=details,
        methods=["optimisation"],
        message=f"barrier {naive['barrier']:.4g} → {after['barrier']:.4g} after weight matching",
    )


@negative_control("symmetry.weight-matching")
def weight_matching_inconsistent(seed: int, hidden: int, n: int, target: float) -> Evidence:
    """Permuting a layer's rows without the next layer's columns is not a symmetry: the
    energy-invariance test must catch it."""
    land, a, _, _ = _trained_minima(seed, hidden, n, target)
    layers = [(W.copy(), c.copy()) for W, c in land.layers(a)]
    p = np.arange(layers[0][0].shape[0])[::-1]
    layers[0] = (layers[0][0][p], layers[0][1][p])  # rows only: the next layer is not permuted
    bad = land.theta_from_layers(layers)
    e_a, e_bad = land.energy(a), land.energy(bad)
    caught = abs(e_a - e_bad) > 1e-10 * max(1.0, abs(e_a))
    return Evidence(
        control_outcome(conclusion_fails=caught),
        details={"energy": e_a, "energy_broken": e_bad},
        message=(
            f"inconsistent permutation changes E: {e_a:.4g} → {e_bad:.4g} (caught)"
            if caught
            else "the inconsistent permutation left E unchanged"
        ),
    )
