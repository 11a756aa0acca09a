# %% [markdown]
# # Assignment 3 — The geodesic solver: one step of Dynamic String Sampling
#
# *Freeman & Bruna (ICLR 2017), §3 and Appendix A: Dynamic String Sampling (DSS).*
#
# Are θ_A and θ_B in the same component of the sub-level set {E ≤ u}? DSS looks for a
# polygonal path of *beads* θ_A = θ_0, θ_1, …, θ_k = θ_B. A segment [θ_i, θ_{i+1}] is
# *accepted* when a certificate proves E ≤ bound = 1.1·u on all of it (exactly when the energy
# along a segment is a polynomial in t). While some segment fails, the string is *refined*:
# a new bead is inserted in a failing segment — started at its midpoint and **trained** (plain
# gradient descent, no proximity term) until E ≤ 0.95·u, i.e. pulled into the level set.
#
# You write one refinement step. The grader drives it (certify every segment with
# `sublevel.numerics.certify.certify_piece`, call your step while some segment fails, at most 12 times)
# and runs the project's conformance suite for path finders, `check_path_finder`: a convex
# quadratic (must connect), a double well below its ridge (must *never* claim to connect), the
# same above the ridge (either, consistently) and a held-out problem; then it compares the
# normalised length of your path around the ring valley E = (‖θ‖² − 1)² with the reference DSS.
#
# Grade your work: `SUBLEVEL_SUBMISSION=this_notebook.ipynb pytest assignments/03_geodesic_solver/grade.py`
#
# Time: about 1.5 hours. Concepts: sub-level sets, certificates of a segment, training a
# point into a level set, normalised geodesic length, conformance testing of a solver.

# %%
import numpy as np
from sublevel.numerics.certify import certify_piece
from sublevel.numerics.geodesic.landscapes import RingValley
from sublevel.numerics.paths.base import LE_BOUND, Segment


def certify_string(landscape, beads, bound):
    """One certificate per segment of the string: E ≤ bound on [θ_i, θ_{i+1}]."""
    return [
        certify_piece(landscape, Segment(a, b, label=f"segment {i}", promise=LE_BOUND), bound)
        for i, (a, b) in enumerate(zip(beads[:-1], beads[1:]))
    ]


# %% [markdown]
# ## 1. Train a bead toward the level set
#
# `train(landscape, theta, target)`: gradient descent from θ until E(θ) ≤ target, at most
# `max_steps` steps. `landscape.energy_and_grad(θ)` returns (E, ∇E). A fixed step can
# overshoot: halve the step until the energy decreases (backtracking). Return the last point
# (also when the budget runs out: the segment's certificate will then fail and say so).


# %%
def train(landscape, theta, target, step=0.1, max_steps=500):
    """θ moved by gradient descent (with backtracking) until E(θ) ≤ target."""
    ### BEGIN SOLUTION
    theta = np.array(theta, dtype=np.float64)
    for _ in range(max_steps):
        e, g = landscape.energy_and_grad(theta)
        if e <= target:
            break
        lr = step
        while lr > 1e-12:
            candidate = theta - lr * g
            if landscape.energy(candidate) < e:
                theta = candidate
                break
            lr /= 2
        else:
            break
    return theta
    ### END SOLUTION


# %% [markdown]
# ## 2. One refinement step
#
# `refine(landscape, beads, certificates, level)`: `beads` is an array (k + 1, D), and
# `certificates[i]` is the certificate of segment i (`.holds`, `.max_energy`, `.argmax_t`,
# `.margin`). Pick the **worst** failing segment (the smallest margin), start a new bead at its
# midpoint, train it to E ≤ `train_factor`·level, and return the beads with the new one
# inserted: an array (k + 2, D) whose first and last rows are still θ_A and θ_B, unchanged.


# %%
def refine(landscape, beads, certificates, level, train_factor=0.95):
    """The string with one trained bead inserted in its worst failing segment."""
    ### BEGIN SOLUTION
    failing = [i for i, c in enumerate(certificates) if not c.holds]
    if not failing:
        return beads
    worst = min(failing, key=lambda i: certificates[i].margin)
    mid = 0.5 * (beads[worst] + beads[worst + 1])
    bead = train(landscape, mid, train_factor * level)
    return np.insert(beads, worst + 1, bead, axis=0)
    ### END SOLUTION


# %% [markdown]
# ## Try it (tagged `demo`: the grader skips this cell)

# %% tags=["demo"]
ring = RingValley(2)
level = 0.1
beads = np.array([[-1.0, 0.05], [1.0, 0.05]])
for _ in range(12):
    certs = certify_string(ring, beads, 1.1 * level)
    if all(c.holds for c in certs):
        break
    beads = refine(ring, beads, certs, level)
length = np.linalg.norm(np.diff(beads, axis=0), axis=1).sum() / np.linalg.norm(beads[-1] - beads[0])
print(
    f"{len(beads)} beads, connected: {all(c.holds for c in certs)}, normalised length {length:.3f}"
    f" (half circle: {np.pi / 2:.3f})"
)
