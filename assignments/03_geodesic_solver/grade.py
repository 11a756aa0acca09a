"""Grader of assignment 3 (one step of Dynamic String Sampling): plain pytest.

    SUBLEVEL_SUBMISSION=my_notebook.ipynb pytest assignments/03_geodesic_solver/grade.py

The student's ``refine`` is driven by :func:`student_finder`: certify every segment with
:func:`sublevel.numerics.certify.certify_piece` (bound = ``ACCEPT_FACTOR``·level; exact on these
polynomial landscapes), call ``refine`` while some segment fails, at most ``MAX_ROUNDS`` times,
and return a :class:`sublevel.numerics.geodesic.result.StringResult`. Each returned string is checked
(shape, finite, ends unchanged, exactly one bead inserted). Then:

* :func:`sublevel.numerics.conformance.check_path_finder` on its three known-answer problems plus a
  held-out one (a ring valley in R³ whose antipodal points must connect, drawn from the seed);
* the normalised length on the ring valley E = (‖θ‖² − 1)² in R² at level 0.1 compared with
  the reference :func:`sublevel.numerics.geodesic.dss.dss` (relative difference ≤ ``LENGTH_RTOL``).
"""

from __future__ import annotations

import numpy as np
from sublevel.numerics.certify import certify_piece
from sublevel.numerics.conformance import PathFinderProblem, check_path_finder, path_finder_problems
from sublevel.numerics.geodesic.dss import dss
from sublevel.numerics.geodesic.landscapes import RingValley
from sublevel.numerics.geodesic.result import StringResult, normalized_length
from sublevel.numerics.paths.base import LE_BOUND, Segment

from assignments.grading import (
    array,
    fail,
    instance_seeds,
    invoke,
    time_limit,
)

SOURCE = "geodesic_solver.py"
MAX_ROUNDS = 12
ACCEPT_FACTOR = 1.1
LENGTH_RTOL = 0.15
RING_LEVEL = 0.1


def _certify(landscape, beads: np.ndarray, bound: float) -> list:
    return [
        certify_piece(landscape, Segment(a, b, label=f"segment {i}", promise=LE_BOUND), bound)
        for i, (a, b) in enumerate(zip(beads[:-1], beads[1:]))
    ]


def _check_string(old: np.ndarray, new: np.ndarray, context: str) -> None:
    """One bead inserted, every other bead (the ends included) unchanged."""
    k, D = old.shape
    new = array(new, (k + 1, D), "the beads returned by `refine`", context)
    if not (np.array_equal(new[0], old[0]) and np.array_equal(new[-1], old[-1])):
        fail(
            f"`refine` moved an end point: the first and last beads must stay θ_A and θ_B "
            f"exactly. {context}"
        )
    for i in range(k - 1):
        if np.array_equal(new[: i + 1], old[: i + 1]) and np.array_equal(
            new[i + 2 :], old[i + 1 :]
        ):
            return
    fail(
        f"`refine` must insert exactly one bead between two neighbours and keep the others "
        f"unchanged. {context}"
    )


def student_finder(student, note: str = ""):
    """A path finder ``finder(landscape, θ_A, θ_B, level)`` built on the student's ``refine``
    (``note``, e.g. the instance seed, ends every message)."""
    refine = getattr(student, "refine", None)
    if not callable(refine):
        fail("your notebook defines no function `refine`")

    def finder(landscape, theta_a, theta_b, level, **_: object) -> StringResult:
        bound = ACCEPT_FACTOR * level
        beads = np.stack(
            [np.asarray(theta_a, dtype=np.float64), np.asarray(theta_b, dtype=np.float64)]
        )
        context = f"[{type(landscape).__name__} in R^{beads.shape[1]}, level {level:.4g}{note}]"
        certs = _certify(landscape, beads, bound)
        rounds = 0
        while not all(c.holds for c in certs) and rounds < MAX_ROUNDS:
            new = invoke(
                refine, "`refine`", landscape, beads.copy(), list(certs), level, context=context
            )
            _check_string(beads, new, context)
            beads = np.asarray(new, dtype=np.float64)
            certs = _certify(landscape, beads, bound)
            rounds += 1
        connected = all(c.holds for c in certs)
        return StringResult(
            method="student refine",
            beads=beads,
            level=float(level),
            bound=bound,
            connected=connected,
            certificates=certs,
            status="connected" if connected else f"not connected within {MAX_ROUNDS} rounds",
            normalized_length=normalized_length(beads),
            length_on="all parameters",
            params={"max_rounds": MAX_ROUNDS, "accept_factor": ACCEPT_FACTOR},
        )

    return finder


def held_out(seed: int) -> PathFinderProblem:
    """A ring valley in R³: two points near antipodal minima (drawn from the seed) must connect
    at level 0.1 — around the bump, never through it."""
    rng = np.random.default_rng(seed)
    u = rng.normal(size=3)
    u /= np.linalg.norm(u)
    a = u + 0.03 * rng.normal(size=3)
    b = -u + 0.03 * rng.normal(size=3)
    return PathFinderProblem(
        "held-out ring valley in R³", RingValley(3), a, b, RING_LEVEL, "connected"
    )


def test_conformance_of_the_student_finder(student):
    """check_path_finder: the three known-answer problems and the held-out one."""
    with time_limit(what="test_conformance_of_the_student_finder"):
        seed = instance_seeds(1, salt=4)[0]
        problems = [*path_finder_problems(seed % 1000), held_out(seed)]
        report = check_path_finder(
            student_finder(student, f"; instance seed {seed}"),
            problems=problems,
            name="your refine step",
        )
        if not report.ok:
            lines = [f"  {c.name}: {c.message}" for c in report.failures()]
            fail(
                "the conformance suite check_path_finder fails on your solver "
                f"(instance seed {seed}):\n"
                + "\n".join(lines)
                + "\nA 'connects' failure means the string did not certify within "
                f"{MAX_ROUNDS} refinements: train the new bead into the level set "
                "(E ≤ 0.95·level) and split the worst segment (smallest margin)."
            )


def test_ring_valley_length_matches_the_reference(student):
    """Normalised length around the ring valley vs the reference DSS."""
    with time_limit(what="test_ring_valley_length_matches_the_reference"):
        ring = RingValley(2)
        a, b = np.array([-1.0, 0.05]), np.array([1.0, 0.05])
        reference = dss(ring, a, b, RING_LEVEL)
        mine = student_finder(student)(ring, a, b, RING_LEVEL)
        if not mine.connected:
            worst = min(mine.certificates, key=lambda c: c.margin)
            fail(
                f"around the ring valley at level {RING_LEVEL} your string is not certified "
                f"after {MAX_ROUNDS} refinements: worst segment {worst.label!r}, max E = "
                f"{worst.max_energy:.4g} at t = {worst.argmax_t:.3g}, margin {worst.margin:.3g}."
            )
        rel = (
            abs(mine.normalized_length - reference.normalized_length) / reference.normalized_length
        )
        if rel > LENGTH_RTOL:
            fail(
                f"normalised length around the ring valley {mine.normalized_length:.4f}, the "
                f"reference DSS gives {reference.normalized_length:.4f} (relative difference "
                f"{rel:.2f} > {LENGTH_RTOL}): beads far outside the valley make the path long; "
                "start each bead at its segment's midpoint and stop training at the level."
            )
