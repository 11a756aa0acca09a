"""Permutation alignment by weight matching (Ainsworth et al., ICLR 2023, "Git Re-Basin";
papers.md §6.6), and the linear-interpolation barrier it is meant to lower.

For an MLP with layers (W_ℓ, b_ℓ), ℓ = 1..K, a permutation P_ℓ of hidden layer ℓ acts as
W_ℓ → P_ℓ W_ℓ P_{ℓ−1}ᵀ, b_ℓ → P_ℓ b_ℓ (P_0 = P_K = I) and leaves the function unchanged.
Weight matching maximises Σ_ℓ ⟨W_ℓ^A, P_ℓ W_ℓ^B P_{ℓ−1}ᵀ⟩_F + ⟨b_ℓ^A, P_ℓ b_ℓ^B⟩ by coordinate
descent: visit the hidden layers in random order; for layer ℓ with the others fixed solve the
linear assignment problem with scores

    S = W_ℓ^A (W_ℓ^B P_{ℓ−1}ᵀ)ᵀ + b_ℓ^A b_ℓ^Bᵀ + (W_{ℓ+1}^A)ᵀ P_{ℓ+1} W_{ℓ+1}^B

(scipy ``linear_sum_assignment``, maximise); stop when a sweep improves by ≤ ``tol`` or after
``max_iter`` sweeps. Any landscape with ``layers(θ)`` and ``theta_from_layers(layers)`` (the
numpy :class:`~sublevel.numerics.energies.mlp.MLPLandscape`, or a :class:`TorchLandscape` over an MLP of
Linear layers) can be aligned; :func:`connect_modulo_symmetry` runs any path finder after it.

Barrier (Entezari et al. 2022, §1.9): B(θ_A, θ_B) = sup_α E((1−α)θ_A + αθ_B) − [(1−α)E(θ_A) +
αE(θ_B)]: certified for ReLU MLPs (:mod:`sublevel.numerics.barrier`), else evaluated on a grid (sampled).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from sublevel.numerics.landscape import as_theta
from sublevel.theory.errors import InputError

__all__ = [
    "weight_matching",
    "permute_layers",
    "align",
    "linear_barrier",
    "connect_modulo_symmetry",
    "matching_objective",
]

Layers = Sequence[tuple[np.ndarray, np.ndarray]]


def _check_layers(layers: Layers, name: str) -> list[tuple[np.ndarray, np.ndarray]]:
    out: list[tuple[np.ndarray, np.ndarray]] = []
    for i, pair in enumerate(layers):
        if len(pair) != 2:
            raise InputError(f"{name}[{i}] is not a (W, b) pair")
        W, b = (np.asarray(x, dtype=np.float64) for x in pair)
        if W.ndim != 2 or b.shape != (W.shape[0],):
            raise InputError(
                f"{name}[{i}] has W {W.shape} and b {b.shape}; expected (out, in), (out,)"
            )
        if out and W.shape[1] != out[-1][0].shape[0]:
            raise InputError(
                f"{name}[{i}] takes {W.shape[1]} inputs; layer {i - 1} has {out[-1][0].shape[0]} outputs"
            )
        out.append((W, b))
    if len(out) < 2:
        raise InputError(f"{name} has {len(out)} layer(s); permutations need a hidden layer")
    return out


def permute_layers(
    layers: Layers, perms: Sequence[np.ndarray]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Apply hidden-unit permutations: unit i of hidden layer ℓ becomes unit perms[ℓ][i]."""
    L = _check_layers(layers, "layers")
    if len(perms) != len(L) - 1:
        raise InputError(f"{len(perms)} permutations for {len(L) - 1} hidden layers")
    out = []
    for ell, (W, b) in enumerate(L):
        rows = perms[ell] if ell < len(L) - 1 else np.arange(W.shape[0])
        cols = perms[ell - 1] if ell > 0 else np.arange(W.shape[1])
        out.append((W[np.ix_(rows, cols)], b[rows]))
    return out


def matching_objective(layers_a: Layers, layers_b: Layers) -> float:
    """Σ_ℓ ⟨W_ℓ^A, W_ℓ^B⟩_F + ⟨b_ℓ^A, b_ℓ^B⟩ (of B as given)."""
    return float(sum(np.sum(Wa * Wb) + ba @ bb for (Wa, ba), (Wb, bb) in zip(layers_a, layers_b)))


def weight_matching(
    layers_a: Layers, layers_b: Layers, *, max_iter: int = 100, tol: float = 1e-12, seed: int = 0
) -> list[np.ndarray]:
    """Permutations of B's hidden units maximising the weight inner product with A."""
    A, B = _check_layers(layers_a, "layers_a"), _check_layers(layers_b, "layers_b")
    if [W.shape for W, _ in A] != [W.shape for W, _ in B]:
        raise InputError("the two networks have different layer shapes")
    rng = np.random.default_rng(seed)
    perms = [np.arange(W.shape[0]) for W, _ in A[:-1]]
    for _ in range(int(max_iter)):
        improved = False
        for ell in rng.permutation(len(perms)):
            Wa, ba = A[ell]
            Wb, bb = B[ell]
            Wb_in = Wb[:, perms[ell - 1]] if ell > 0 else Wb
            Wa_next = A[ell + 1][0]
            rows_next = perms[ell + 1] if ell + 1 < len(perms) else np.arange(Wa_next.shape[0])
            Wb_next = B[ell + 1][0][rows_next]
            S = Wa @ Wb_in.T + np.outer(ba, bb) + Wa_next.T @ Wb_next
            old = float(np.trace(S[:, perms[ell]]))
            _, cols = linear_sum_assignment(S, maximize=True)
            new = float(S[np.arange(S.shape[0]), cols].sum())
            if new > old + tol:
                perms[ell] = cols
                improved = True
        if not improved:
            break
    return perms


def align(
    landscape: Any, theta_a: Any, theta_b: Any, **options: Any
) -> tuple[np.ndarray, list[np.ndarray]]:
    """θ_B permuted to match θ_A (same function, same energy), and the permutations."""
    for need in ("layers", "theta_from_layers"):
        if not hasattr(landscape, need):
            raise InputError(
                f"{type(landscape).__name__} has no {need}(): weight matching needs an MLP landscape"
            )
    la, lb = landscape.layers(theta_a), landscape.layers(theta_b)
    perms = weight_matching(la, lb, **options)
    return landscape.theta_from_layers(permute_layers(lb, perms)), perms


def linear_barrier(
    landscape: Any, theta_a: Any, theta_b: Any, n: int = 101, *, method: str = "auto"
) -> dict[str, Any]:
    """B = max_α E((1−α)θ_A + αθ_B) − [(1−α)E_A + αE_B], with the maximum energy on the segment
    and its position. ``method="auto"``: certified (``rigorous``, :func:`sublevel.numerics.barrier.barrier`,
    with ``barrier_enclosure``) when the landscape is a ReLU MLP it supports, else on ``n`` grid
    points (``sampled``); ``method="sampled"`` always uses the grid."""
    if method not in ("auto", "sampled"):
        raise InputError(f"method {method!r} is not 'auto' or 'sampled'")
    a = as_theta(theta_a, getattr(landscape, "dim", None), name="theta_a")
    b = as_theta(theta_b, a.shape[0], name="theta_b")
    if (
        method == "auto"
        and getattr(landscape, "activation", None) == "relu"
        and hasattr(landscape, "certify_segment")
    ):
        from sublevel.numerics.barrier import barrier

        r = barrier(landscape, a, b)
        return {
            "barrier": r.interpolation_barrier,
            "barrier_enclosure": list(r.interpolation_barrier_enclosure),
            "alpha": r.argmax_t,
            "max_energy": r.max_energy,
            "max_energy_enclosure": list(r.max_energy_enclosure),
            "endpoint_energies": list(r.endpoint_energies),
            "grid": 0,
            "method": r.method,
            "n_pieces": r.n_pieces,
        }
    alpha = np.linspace(0.0, 1.0, n)
    e = np.asarray(landscape.energies(a[None, :] + alpha[:, None] * (b - a)[None, :]))
    excess = e - ((1 - alpha) * e[0] + alpha * e[-1])
    i = int(np.argmax(excess))
    return {
        "barrier": float(excess[i]),
        "alpha": float(alpha[i]),
        "max_energy": float(e.max()),
        "endpoint_energies": [float(e[0]), float(e[-1])],
        "grid": n,
        "method": "sampled",
    }


def connect_modulo_symmetry(
    finder: Callable[..., Any],
    landscape: Any,
    theta_a: Any,
    theta_b: Any,
    level: float,
    *,
    matching: dict[str, Any] | None = None,
    **options: Any,
) -> Any:
    """Align θ_B to θ_A by weight matching, then run ``finder`` (dss, bezier_curve, autoneb,
    straight_segment…) between θ_A and the aligned θ_B: a path "connected modulo symmetry"."""
    aligned, perms = align(landscape, theta_a, theta_b, **(matching or {}))
    if np.array_equal(aligned, np.asarray(theta_a, dtype=np.float64)):
        raise InputError(
            "theta_b is theta_a with its hidden units permuted: they are the same "
            "point modulo symmetry (nothing to connect)"
        )
    result = finder(landscape, theta_a, aligned, level, **options)
    result.info["aligned"] = True
    result.info["permutations"] = [p.tolist() for p in perms]
    result.method = f"{result.method} after weight matching"
    return result
