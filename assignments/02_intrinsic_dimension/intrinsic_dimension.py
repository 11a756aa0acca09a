# %% [markdown]
# # Assignment 2 — Intrinsic dimension and Construction A
#
# *Venturi, Bandeira & Bruna (JMLR 2019), Theorem 8 and Construction A.*
#
# A two-layer network Φ(x) = Uρ(Wx) (W: p × n, U: m × p) with a polynomial activation ρ is
# linear in a *lifted* parameter: ρ(⟨w, x⟩) = ⟨A(w), Ψ(x)⟩ with A(w) in a space of finite
# dimension q, the **intrinsic dimension** of ρ in R^n:
#
# q = dim span{x ↦ ρ(⟨w, x⟩) : w ∈ R^n}.
#
# For ρ(z) = Σ_j a_j z^j, the degree-j part ⟨w, x⟩^j spans the homogeneous polynomials of
# degree j in x (dimension C(n + j − 1, j)) whenever a_j ≠ 0, and the parts of different
# degrees are independent (scale w to separate them).
#
# With p ≥ q hidden units every sub-level set contains a global minimum reachable without
# climbing (no spurious valleys). Construction A walks there; its **first move** (*compress*)
# makes room: if the features ρ(Wx) of the p units are linearly dependent, keep a basis I of
# them, rewrite each other unit's feature as a combination of the basis,
# ρ(⟨w_j, x⟩) = Σ_{i∈I} c_ji ρ(⟨w_i, x⟩), and move its output weight onto the basis:
# u'_i = u_i + Σ_j c_ji u_j, u'_j = 0. The network's output — hence the energy — does not change
# along the straight segment U → U', and the units j are now free to move.
#
# The grader compares your q with the exact rank (`sublevel.theory.liftings.feature_map`), and certifies
# your compress move **exactly** on hidden instances: the energy along the segment, computed in
# rational arithmetic from your floats, must be constant (to a recorded τ = 1e-9·max(1, E)).
#
# Grade your work: `SUBLEVEL_SUBMISSION=this_notebook.ipynb pytest assignments/02_intrinsic_dimension/grade.py`
#
# Time: about 1 hour. Concepts: lifting, intrinsic dimension, linear dependence of features,
# rank with a tolerance, constant-energy moves.

# %%
import math

import numpy as np
import scipy.linalg
import sympy as sp
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer


def features(land, W):
    """The empirical features ρ(Wxᵀ): row j is unit j's feature on the L samples, (p, L)."""
    return land.activation(np.asarray(W, dtype=np.float64) @ land.X.T)


# %% [markdown]
# ## 1. The intrinsic dimension q
#
# Write `intrinsic_dimension(activation, n)` for a polynomial activation given as a sympy
# expression (or a string) in the variable `z`, e.g. `"z**3 - z"` in n = 3 gives
# C(3, 1) + C(5, 3) = 13.


# %%
def intrinsic_dimension(activation, n):
    """q = Σ_{j : a_j ≠ 0} C(n + j − 1, j) for ρ(z) = Σ_j a_j z^j (a polynomial in z)."""
    ### BEGIN SOLUTION
    z = sp.Symbol("z")
    poly = sp.Poly(sp.sympify(activation), z)
    return sum(math.comb(n + j - 1, j) for (j,), c in poly.terms() if c != 0)
    ### END SOLUTION


# %% [markdown]
# ## 2. Construction A's first move: compress
#
# Write `compress(land, W, U)` returning U' (same shape as U) such that
#
# * U'ρ(Wx) = Uρ(Wx) on every sample (the network's output is unchanged),
# * the columns of U' vanish outside a basis I of the features (exactly zero: those units are
#   now free), with |I| = rank of the feature matrix.
#
# Decide the rank with pivoted QR of the features (`scipy.linalg.qr(..., pivoting=True)`):
# pivots ≤ `rank_rtol` times the largest count as zero. Solve for the coefficients c by least
# squares.


# %%
def compress(land, W, U, rank_rtol=1e-9):
    """U' with U'ρ(Wx) = Uρ(Wx) and U'_j = 0 for units j outside a basis of the features."""
    ### BEGIN SOLUTION
    F = features(land, W)
    _, R, piv = scipy.linalg.qr(F.T, mode="economic", pivoting=True)
    diag = np.abs(np.diag(R))
    r = int(np.sum(diag > rank_rtol * diag[0])) if diag.size and diag[0] > 0 else 0
    active, rest = np.sort(piv[:r]), np.sort(piv[r:])
    U_new = np.zeros_like(U)
    if rest.size and r:
        c = np.linalg.lstsq(F[active].T, F[rest].T, rcond=None)[0]
        U_new[:, active] = U[:, active] + U[:, rest] @ c.T
    else:
        U_new[:, active] = U[:, active]
    return U_new
    ### END SOLUTION


# %% [markdown]
# ## Try it (tagged `demo`: the grader skips this cell)

# %% tags=["demo"]
print("q(z**3 - z, n=3) =", intrinsic_dimension("z**3 - z", 3))
rng = np.random.default_rng(0)
n, act = 2, "z**2 + z"
q = intrinsic_dimension(act, n)
X, Y = rng.normal(size=(3 * q + 5, n)), rng.normal(size=(3 * q + 5, 2))
land = EmpiricalTwoLayer(act, X, Y, p=q + 2)
W, U = rng.normal(size=(q + 2, n)), rng.normal(size=(2, q + 2))
W[1] = W[0]
U2 = compress(land, W, U)
print(f"q = {q}, units {q + 2}, active after compress: {int(np.sum(np.any(U2 != 0, axis=0)))}")
print(
    f"E before {land.energy(land.flatten(W, U)):.6f}, after {land.energy(land.flatten(W, U2)):.6f}"
)
