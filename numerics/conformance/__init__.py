"""Conformance suites for landscapes, paths and path finders (in the spirit of scikit-learn's
``check_estimator``): every invariant is written once and applied to every implementation —
the built-in ones in the test suite, and a user's own model or solver the same way::

    from sublevel.numerics.conformance import check_landscape, check_path_finder
    report = check_landscape(my_landscape)          # -> ConformanceReport
    print(report)                                   # one line per check, with its numbers
    report.raise_if_failed()                        # AssertionError naming the failed checks

Each check returns *evidence*, not a bool (pymanopt's ``check_gradient``): the fitted slope of
the Taylor remainder, the largest finite-difference error, the largest batch/point gap.

**Landscapes** (:func:`check_landscape`): energy finite and float; ``energy_and_grad`` agrees
with ``energy``; the gradient has shape (D,); the Taylor remainder
r(s) = |E(θ + s v) − E(θ) − s⟨∇E(θ), v⟩| has log-log slope ≈ 2 on its smallest resolved steps
(slope 1 means a wrong gradient); central differences (E(θ + hv) − E(θ − hv))/2h agree with
⟨∇E, v⟩; ``energies`` of a batch (T, D) is (T,) float64 and equals ``energy`` pointwise;
repeated calls are bitwise identical (and a landscape rebuilt from the same seed gives the same
energies, when a ``rebuild`` factory is given); a point of the wrong dimension or with a NaN is
rejected with a ``ValueError``; ``energy_polynomial(a, b)`` (when present) equals the energy
along the segment.

**Paths** (:func:`check_path`, :func:`check_profile`): endpoints fixed, consecutive pieces meet,
length ≥ ‖θ_B − θ_A‖, the reversed path is the same curve, every certificate's maximum is ≥ a
dense evaluation of its piece (for exact/rigorous/bounded certificates the top of the proven
enclosure, with no slack — a sample above it by no more than the float evaluation's rounding is
reported as "within rounding", not passed; ``sampled_rtol`` for sampled ones), its outcome does
not contradict its own maximum and bound, and the path maximum is ≥ the endpoint energies.

**Path finders** (:func:`check_path_finder`): ``finder(landscape, θ_A, θ_B, level, **options)
-> StringResult`` is run on a catalogue of problems with known answers (a convex quadratic,
where it must connect; a double well below its ridge, where connecting would be a false claim —
the wells are certified disconnected in closed form; the same double well above its ridge) and
every result is checked as a path (above), plus: the reported normalised length is ≥ 1 and
matches the beads, ``connected`` is true exactly when every certificate holds, and a second run
with the same arguments gives bitwise the same beads (determinism under a seed).

The suites live in :mod:`~sublevel.numerics.conformance.landscapes`,
:mod:`~sublevel.numerics.conformance.paths` and :mod:`~sublevel.numerics.conformance.path_finders`,
their reports in :mod:`~sublevel.numerics.conformance.report`; every public name is importable
from here.
"""

from __future__ import annotations

from sublevel.numerics.conformance.landscapes import check_landscape as check_landscape
from sublevel.numerics.conformance.landscapes import taylor_slope as taylor_slope
from sublevel.numerics.conformance.path_finders import PathFinderProblem as PathFinderProblem
from sublevel.numerics.conformance.path_finders import check_path_finder as check_path_finder
from sublevel.numerics.conformance.path_finders import (
    path_finder_problems as path_finder_problems,
)
from sublevel.numerics.conformance.paths import check_path as check_path
from sublevel.numerics.conformance.paths import check_profile as check_profile
from sublevel.numerics.conformance.report import ConformanceCheck as ConformanceCheck
from sublevel.numerics.conformance.report import ConformanceReport as ConformanceReport

__all__ = [
    "ConformanceCheck",
    "ConformanceReport",
    "check_landscape",
    "check_path",
    "check_profile",
    "check_path_finder",
    "taylor_slope",
    "PathFinderProblem",
    "path_finder_problems",
]
