# %% [markdown]
# # Assignment 1 — Deep linear networks: sub-level sets are connected
#
# *Freeman & Bruna (ICLR 2017), Proposition 2.2, for a two-layer linear network.*
#
# The network is x ↦ W₂W₁x with W₁ of shape (h, n) and W₂ of shape (m, h); the energy is the
# square loss on data X (L × n), Y (L × m):
#
# E(W₁, W₂) = (1/L) Σ_l ‖W₂W₁x_l − y_l‖² = F(W₂W₁),
#
# where F is a **convex** quadratic of the product P = W₂W₁ (the *lifting*). The proposition
# says: if the hidden layer is wider than the narrower end, h > min(n, m), then any two
# parameters θ_A, θ_B are joined by a path along which E ≤ max(E(θ_A), E(θ_B)); and from any
# θ there is a path along which E does not increase, down to a global minimum.
# We take n ≤ m (the other case is the transposed network), so the hypothesis is **h > n**.
#
# You write the proof's path, piece by piece. The grader does not look at a plot: it
# **certifies** the energy along each of your pieces on hidden random instances — exactly
# (rational arithmetic) where the piece is a straight segment in parameter space, and through
# the lifting where the product moves on a straight line — and it names the proof step that
# broke, the certificate's argmax and margin, and the instance's seed.
#
# Grade your work: `SUBLEVEL_SUBMISSION=this_notebook.ipynb pytest assignments/01_deep_linear/grade.py`
#
# Time: about 2 hours. Concepts: convex lifting, pre-processing at constant energy,
# QR decomposition, the connected group SO(h), pseudo-inverses, reduced-rank regression.

# %%
import numpy as np
from sublevel.numerics.energies.linear import DeepLinear
from sublevel.numerics.paths.base import (
    CONSTANT,
    LE_MAX_ENDPOINTS,
    NON_INCREASING,
    FunctionPiece,
    Path,
    Segment,
)
from sublevel.numerics.paths.linear import so_path
from sublevel.theory.errors import HypothesisError


def flat(W1, W2):
    """θ = (vec W₁, vec W₂): the parameter vector of sublevel.numerics.energies.linear.DeepLinear."""
    return np.concatenate([np.ravel(W1), np.ravel(W2)])


def flat_batch(W1s, W2s):
    """Stacks (T, h, n) and (T, m, h) → parameter vectors (T, D)."""
    T = W1s.shape[0]
    return np.concatenate([W1s.reshape(T, -1), W2s.reshape(T, -1)], axis=1)


# %% [markdown]
# ## 1. Pre-processing at constant energy
#
# The energy only sees the product. Two moves leave W₂W₁ unchanged:
#
# **(a)** W₂ ← W₂(I − Π⊥), with Π⊥ the orthogonal projector onto range(W₁)^⊥: afterwards W₂
# vanishes off range W₁ (and W₂Π⊥W₁ = 0, so the product does not move);
#
# **(b)** W₁ ← W₁ + Σ_i b_i a_iᵀ with {a_i} an orthonormal basis of ker W₁ and {b_i}
# orthonormal vectors in range(W₁)^⊥ (there is room because h > n): W₁ becomes injective, and
# the new columns are killed by W₂ after (a).
#
# Each move is a straight segment in parameter space, so the grader certifies it **exactly**:
# the energy along it is a polynomial in t whose deviation from E(0) must stay below
# 1e-10·max(1, E).
#
# Write `preprocess(W1, W2)` returning the end points (W₁', W₂') of the two moves: W₂' first
# (move (a)), then W₁' (move (b)). Singular values ≤ `rank_tol`·max(1, σ_max) count as zero.


# %%
def preprocess(W1, W2, rank_tol=1e-10):
    """(W₁', W₂'): W₂' = W₂(I − Π⊥) vanishes off range W₁, W₁' = W₁ + Σ b_i a_iᵀ is injective."""
    ### BEGIN SOLUTION
    h, n = W1.shape
    U, s, Vt = np.linalg.svd(W1, full_matrices=True)
    r = int(np.sum(s > rank_tol * max(1.0, float(s.max(initial=0.0)))))
    perp = U[:, r:] @ U[:, r:].T
    W2_new = W2 - W2 @ perp
    kernel = Vt[r:].T
    spare = U[:, r:n]
    W1_new = W1 + spare @ kernel.T
    return W1_new, W2_new
    ### END SOLUTION


# %% [markdown]
# ## 2. Rotate and rescale: a path of injective matrices
#
# Write W = QR (QR decomposition with the diagonal of R positive). Join W_a to W_b through
# matrices of full column rank in three equal thirds of s ∈ [0, 1]:
#
# 1. *rescale*: Q_a((1 − u)R_a + uI) — upper triangular with positive diagonal, so invertible;
# 2. *rotate*: the first n columns of a path U(u) in SO(h) from [Q_a, Q_a⊥] to [Q_b, Q_b⊥]
#    (complete Q to an orthogonal matrix with determinant +1; SO(h) is connected —
#    `so_path(U_a, U_b)` returns u ↦ U(u));
# 3. *rescale back*: Q_b((1 − u)I + uR_b).
#
# `full_rank_join(Wa, Wb)` returns a function s ↦ W(s), vectorised: an array of times (T,)
# gives an array (T, h, n).


# %%
def full_rank_join(Wa, Wb):
    """s ↦ W(s): injective for every s ∈ [0, 1], W(0) = Wa, W(1) = Wb (both injective)."""
    ### BEGIN SOLUTION
    h, n = Wa.shape

    def qr_positive(W):
        Q, R = np.linalg.qr(W)
        d = np.where(np.diag(R) < 0, -1.0, 1.0)
        return Q * d, d[:, None] * R

    def complete(Q):
        U = np.linalg.svd(Q, full_matrices=True)[0]
        full = np.hstack([Q, U[:, n:]])
        if np.linalg.det(full) < 0:
            full[:, -1] *= -1.0
        return full

    Qa, Ra = qr_positive(Wa)
    Qb, Rb = qr_positive(Wb)
    rotate = so_path(complete(Qa), complete(Qb))
    eye = np.eye(n)

    def W(s):
        s = np.atleast_1d(np.asarray(s, dtype=np.float64))
        out = np.empty((s.size, h, n))
        phase = np.minimum((3 * s).astype(int), 2)
        u = 3 * s - phase
        for p in range(3):
            mask = phase == p
            if not np.any(mask):
                continue
            um = u[mask][:, None, None]
            if p == 0:
                out[mask] = Qa @ ((1 - um) * Ra + um * eye)
            elif p == 1:
                out[mask] = rotate(u[mask])[:, :, :n]
            else:
                out[mask] = Qb @ ((1 - um) * eye + um * Rb)
        return out

    return W
    ### END SOLUTION


# %% [markdown]
# ## 3. The connecting path
#
# Pre-process θ_A and θ_B (part 1), then move along the injective path W₁(s) of part 2 while
# the product follows the straight line M(s) = (1 − s)P_A + sP_B: set W₂(s) = M(s)W₁(s)⁺
# (the pseudo-inverse is a left inverse of an injective matrix, so W₂(s)W₁(s) = M(s)).
# Along this piece E(s) = F(M(s)) is convex in s, hence ≤ max(E_A, E_B). Finish with the
# pre-processing at θ_B, reversed.
#
# Return a `Path` of pieces: `Segment(a, b, label, promise)` for the straight moves (promise
# `CONSTANT`) and `FunctionPiece(fn, label, promise)` for the main part (promise
# `LE_MAX_ENDPOINTS`; `fn(ts)` returns the parameter vectors (T, D), see `flat_batch`).
#
# Outside the hypothesis the construction has no room: if h ≤ n, raise
# `HypothesisError("...")` with a message that says why (the equal-width case h = n is
# exactly where move (b) fails).


# %%
def connect(wa, wb):
    """The path θ_A → θ_B of Prop. 2.2 (wa = [W1, W2], wb likewise; widths [n, h, m], n ≤ m)."""
    ### BEGIN SOLUTION
    (W1a, W2a), (W1b, W2b) = wa, wb
    h, n = W1a.shape
    if h <= n:
        raise HypothesisError(
            f"hidden width h = {h} ≤ min(n, m) = {n}: no spare direction "
            "to make W1 injective (BF'16 Prop. 2.2 needs h > min(n, m))"
        )
    W1a_, W2a_ = preprocess(W1a, W2a)
    W1b_, W2b_ = preprocess(W1b, W2b)
    Pa, Pb = W2a_ @ W1a_, W2b_ @ W1b_
    join = full_rank_join(W1a_, W1b_)

    def main(ts):
        W1s = join(ts)
        t = np.asarray(ts, dtype=np.float64)[:, None, None]
        M = (1 - t) * Pa + t * Pb
        return flat_batch(W1s, M @ np.linalg.pinv(W1s))

    return Path(
        [
            Segment(flat(W1a, W2a), flat(W1a, W2a_), "A: (a) W2 vanishes off range W1", CONSTANT),
            Segment(flat(W1a, W2a_), flat(W1a_, W2a_), "A: (b) W1 made injective", CONSTANT),
            FunctionPiece(main, "main: product on the straight line", LE_MAX_ENDPOINTS),
            Segment(flat(W1b_, W2b_), flat(W1b, W2b_), "B: (b) reversed", CONSTANT),
            Segment(flat(W1b, W2b_), flat(W1b, W2b), "B: (a) reversed", CONSTANT),
        ]
    )
    ### END SOLUTION


# %% [markdown]
# ## 4. Descent to a global minimum
#
# With n ≤ h the network can represent every m × n product, so the global minimum of E is the
# least-squares product P* = argmin_P (1/L)‖XPᵀ − Y‖² (the reduced-rank optimum with the rank
# cap n: no cap at all). From θ: pre-process (part 1), then move W₂ alone,
# W₂(t) = W₂ + t(P* − P)W₁⁺: the product follows the straight line from P to P*, on which the
# convex F decreases. Return a `Path` whose last piece has the promise `NON_INCREASING`.


# %%
def descend(w, X, Y):
    """A path from θ = (W1, W2) to a global minimum along which E does not increase."""
    ### BEGIN SOLUTION
    W1, W2 = w
    W1p, W2p = preprocess(W1, W2)
    P_star = (np.linalg.pinv(X) @ Y).T
    W2_end = W2p + (P_star - W2p @ W1p) @ np.linalg.pinv(W1p)
    return Path(
        [
            Segment(flat(W1, W2), flat(W1, W2p), "(a) W2 vanishes off range W1", CONSTANT),
            Segment(flat(W1, W2p), flat(W1p, W2p), "(b) W1 made injective", CONSTANT),
            Segment(flat(W1p, W2p), flat(W1p, W2_end), "descent: product to P*", NON_INCREASING),
        ]
    )
    ### END SOLUTION


# %% [markdown]
# ## Try it
#
# (This cell is tagged `demo`: the grader skips it.)

# %% tags=["demo"]
rng = np.random.default_rng(0)
n, h, m, L = 2, 3, 3, 12
X, Y = rng.normal(size=(L, n)), rng.normal(size=(L, m))
wa = [rng.normal(size=(h, n)), rng.normal(size=(m, h))]
wb = [rng.normal(size=(h, n)), rng.normal(size=(m, h))]
E = DeepLinear([n, h, m], X, Y)
path = connect(wa, wb)
profile = E.energies(path.points(np.linspace(0, 1, 201)))
print(
    f"E_A = {E.energy(flat(*wa)):.4f}, E_B = {E.energy(flat(*wb)):.4f}, "
    f"max along the path (sampled) = {profile.max():.4f}"
)
down = descend(wa, X, Y)
print(
    f"descent: {E.energy(down.start):.4f} → {E.energy(down.end):.6f} "
    f"(global minimum {E.global_minimum():.6f})"
)
