"""Checks of DSS on polynomial landscapes with known answers (papers.md §5; THEORY.md, geometry).

Claims: ``bf16.dss.convex`` (on a convex energy DSS returns 3 beads and normalised length 1 at
every level) and ``bf16.dss.double-well`` (below the ridge h = 1 DSS does not connect the wells,
above it DSS connects with a length > 1). The energies are polynomials, so every DSS segment is
certified *exactly*, and the double well's disconnection below its ridge is certified by its
closed form (a separating hyperplane on which E ≥ h). Lengths are on all coordinates.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sublevel.numerics.geodesic.result import StringResult
from sublevel.numerics.profile import PathProfile
from sublevel.proofs_checks.checks.geodesic_shared import string_summary
from sublevel.proofs_checks.evidence import Evidence, control_outcome
from sublevel.proofs_checks.registry import check, negative_control, path_builder


def _profile(
    land: Any, res: StringResult, level: float, title: str, bound_label: str
) -> PathProfile:
    """The string ``res`` as the profile ``sublevel path`` draws, against ``level``."""
    return PathProfile(
        res.path(),
        land,
        level,
        title=title,
        info=dict(string_summary(res), bound_label=bound_label),
        certificates=res.certificates,
    )


def _convex_instance(seed: int, dim: int, condition: float) -> tuple[Any, np.random.Generator]:
    from sublevel.numerics.geodesic.landscapes import ConvexQuadratic

    rng = np.random.default_rng(seed)
    return ConvexQuadratic.random(dim, seed=int(rng.integers(2**31)), condition=condition), rng


def _point_at_energy(land: Any, rng: np.random.Generator, energy: float) -> np.ndarray:
    v = rng.standard_normal(land.dim)
    e1 = land.energy(land.center + v)
    return land.center + v * math.sqrt(energy / e1)


@check("bf16.dss.convex", instances=6, dim=6, n_levels=3, condition=10.0)
def dss_convex(seed: int, dim: int, n_levels: int, condition: float) -> Evidence:
    """Convex quadratic: at every level DSS returns 3 beads and normalised length 1, every
    segment certified exactly (E ≤ level, bound = level itself)."""
    from sublevel.numerics.geodesic.dss import dss

    land, rng = _convex_instance(seed, dim, condition)
    levels = np.sort(rng.uniform(0.2, 5.0, n_levels))[::-1]
    rows, certs, ok = [], [], True
    for u in levels:
        a = _point_at_energy(land, rng, 0.95 * u * rng.uniform(0.2, 1.0))
        b = _point_at_energy(land, rng, 0.95 * u * rng.uniform(0.2, 1.0))
        res = dss(land, a, b, float(u), accept_factor=1.0)
        certs += res.certificates
        good = res.connected and res.n_beads == 3 and abs(res.normalized_length - 1.0) <= 1e-12
        ok &= good and res.is_proof
        rows.append(string_summary(res))
    outcome = "verified" if ok else "violated"
    return Evidence(
        outcome,
        margin=min(c.margin for c in certs),
        certificates=certs,
        instance={"dim": dim, "condition": condition, "levels": levels.tolist()},
        details={"levels": rows},
        message=(
            "3 beads, length 1, exact certificates at every level"
            if ok
            else "DSS on a convex energy did not give 3 beads and length 1"
        ),
    )


@negative_control("bf16.dss.convex")
def dss_convex_broken(seed: int, dim: int, n_levels: int, condition: float) -> Evidence:
    """Convexity broken (a ring valley, antipodal endpoints, level below the bump): the same
    test ('3 beads and length 1') must fail."""
    from sublevel.numerics.geodesic.dss import dss
    from sublevel.numerics.geodesic.landscapes import RingValley

    rng = np.random.default_rng(seed)
    land = RingValley(max(2, dim))
    v = rng.standard_normal(land.dim)
    v /= np.linalg.norm(v)
    w = rng.standard_normal(land.dim)
    w -= (w @ v) * v
    w *= 0.05 / np.linalg.norm(w)
    a, b = -v + w, v + w
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    res = dss(land, a, b, 0.2, accept_factor=1.0)
    caught = not (res.n_beads == 3 and abs(res.normalized_length - 1.0) <= 1e-12)
    # the convex test's conclusion ('3 beads and length 1') fails on the ring
    return Evidence(
        control_outcome(conclusion_fails=caught),
        instance={"dim": land.dim, "level": 0.2},
        details=string_summary(res),
        message=(
            f"non-convex ring: {res.n_beads} beads, length {res.normalized_length:.3f} (caught)"
            if caught
            else "the ring valley passed the convex test"
        ),
    )


@path_builder("bf16.dss.convex")
def dss_convex_path(seed: int, dim: int, n_levels: int, condition: float) -> PathProfile:
    """DSS between two points at energies 0.9 and 0.7 of the check's quadratic, level 1."""
    from sublevel.numerics.geodesic.dss import dss

    land, rng = _convex_instance(seed, dim, condition)
    a, b = _point_at_energy(land, rng, 0.9), _point_at_energy(land, rng, 0.7)
    res = dss(land, a, b, 1.0, accept_factor=1.0)
    return _profile(land, res, 1.0, "DSS on a convex quadratic (level 1)", "level L0 = 1")


# ---------------------------------------------------------------------------- double well


def _double_well(seed: int, dim: int, offset_energy: float) -> tuple[Any, np.ndarray, np.ndarray]:
    """A random rotated double well (ridge h = 1) and endpoints in the two wells, displaced
    along a transverse direction so that the straight segment passes above the ridge."""
    from sublevel.numerics.geodesic.landscapes import DoubleWell

    rng = np.random.default_rng(seed)
    land = DoubleWell.random(dim, seed=int(rng.integers(2**31)), height=1.0)
    v = np.concatenate([[0.0], rng.standard_normal(dim - 1)])
    v *= math.sqrt(offset_energy / float(land.c @ v[1:] ** 2))
    e1 = np.eye(dim)[0]
    return land, land.from_y(-e1 + v), land.from_y(e1 + v)


def _double_well_dss(
    seed: int, dim: int, offset_energy: float, level: float, max_depth: int
) -> tuple[Any, StringResult]:
    """DSS between the two wells' endpoints at one level (exact acceptance)."""
    from sublevel.numerics.geodesic.dss import dss

    land, a, b = _double_well(seed, dim, offset_energy)
    return land, dss(land, a, b, level, accept_factor=1.0, max_depth=max_depth)


def _double_well_run(
    seed: int,
    dim: int,
    below: float,
    above: float,
    offset_energy: float,
    max_depth: int,
    ridge: float | None = None,
) -> dict[str, Any]:
    from sublevel.numerics.geodesic.dss import dss

    land, a, b = _double_well(seed, dim, offset_energy)
    low = dss(land, a, b, below, accept_factor=1.0, max_depth=max_depth)
    high = dss(land, a, b, above, accept_factor=1.0, max_depth=max_depth)
    return {
        "land": land,
        "a": a,
        "b": b,
        "low": low,
        "high": high,
        "separation": land.disconnection_certificate(a, b, below),
    }


@check(
    "bf16.dss.double-well",
    instances=4,
    dim=3,
    below=0.6,
    above=1.15,
    offset_energy=0.3,
    max_depth=6,
)
def dss_double_well(
    seed: int, dim: int, below: float, above: float, offset_energy: float, max_depth: int
) -> Evidence:
    """Ridge of height h = 1: below it DSS is not connected and the closed form certifies the
    disconnection (E ≥ h on the separating hyperplane); above it DSS connects with exact
    certificates and normalised length > 1 (the straight segment rises to h + offset)."""
    r = _double_well_run(seed, dim, below, above, offset_energy, max_depth)
    low, high, sep = r["low"], r["high"], r["separation"]
    certs = [sep] + high.certificates
    inst = {
        "dim": dim,
        "ridge": 1.0,
        "below": below,
        "above": above,
        "offset_energy": offset_energy,
    }
    details = {
        "below": string_summary(low),
        "above": string_summary(high),
        "separation": sep.to_dict(),
    }
    if low.connected and low.is_proof:
        return Evidence(
            "violated",
            certificates=certs + low.certificates,
            instance=inst,
            details=details,
            message="DSS connected the wells below a certified ridge: a bug",
        )
    ok = sep.holds and (not low.connected) and high.is_proof and high.normalized_length > 1.0
    return Evidence(
        "verified" if ok else "inconclusive",
        margin=min(c.margin for c in certs),
        certificates=certs,
        instance=inst,
        details=details,
        message=(
            f"below the ridge: {low.status}, disconnection certified (E ≥ 1 on the "
            f"separating hyperplane); above: connected, {high.n_beads} beads, "
            f"length {high.normalized_length:.3f}"
        )
        if ok
        else f"below: {low.status}; above: {high.status}, length {high.normalized_length:.3f}",
    )


@negative_control("bf16.dss.double-well")
def dss_double_well_wrong_ridge(
    seed: int, dim: int, below: float, above: float, offset_energy: float, max_depth: int
) -> Evidence:
    """A misstated ridge (1.25 where the saddle is at 1): 'not connected below the ridge' must
    be contradicted by DSS connecting at a level between the true and the stated ridge."""
    stated = 1.25
    level = (1.0 + stated) / 2
    _, res = _double_well_dss(seed, dim, offset_energy, level, max_depth)
    caught = res.connected and res.is_proof
    return Evidence(
        control_outcome(conclusion_fails=caught),
        instance={"stated_ridge": stated, "true_ridge": 1.0, "level": level},
        details=string_summary(res),
        certificates=res.certificates,
        message=(
            f"connected at {level} < stated ridge {stated}, exact certificates "
            "(the misstatement is caught)"
        )
        if caught
        else f"DSS did not connect at {level}: {res.status}",
    )


@path_builder("bf16.dss.double-well")
def dss_double_well_path(
    seed: int, dim: int, below: float, above: float, offset_energy: float, max_depth: int
) -> PathProfile:
    """DSS across the ridge (height 1) at the level ``above``, for ``sublevel path``."""
    land, res = _double_well_dss(seed, dim, offset_energy, above, max_depth)
    return _profile(
        land,
        res,
        above,
        f"DSS across a ridge of height 1 at level {above}",
        f"level L0 = {above:g}",
    )
