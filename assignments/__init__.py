"""Course assignments: notebooks graded by certificates.

Each assignment folder holds one jupytext percent-format source (``<name>.py``, solution cells
marked with ``### BEGIN SOLUTION`` / ``### END SOLUTION`` or a trailing ``# SOLUTION``) and a
plain-pytest grader (``grade.py``). ``python -m assignments.build`` writes the student and the
solution notebooks; ``pytest assignments/<folder>/grade.py`` grades a submission
(``SUBLEVEL_SUBMISSION=path/to/notebook.ipynb``; default: the reference solution).
See docs/src/teaching.md.
"""

ASSIGNMENTS = ("01_deep_linear", "02_intrinsic_dimension", "03_geodesic_solver")

__all__ = ["ASSIGNMENTS"]
