"""Checks of Freeman & Bruna's disconnection examples: permuted ReLU networks (§2.3.1).

* ``bf16.relu.two-unit`` — the two-unit example of §2.3.1(a) on a concrete instance, separated
  by a certified lower bound on the risk of every rank-one first layer;
* ``bf16.relu.permutation`` — a generic teacher and its permutation (tessellation argument,
  hypotheses verified exactly) and the App. E 2-3-2 network with its permuted copy.

(papers.md §3.3.) The negative controls break one hypothesis each — a free third unit, a
duplicated teacher unit — and must find the permuted networks joined at constant energy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sublevel.numerics.certify_relu import certify_relu_path, certify_relu_segment
from sublevel.numerics.energies.relu import TwoLayerReLU
from sublevel.numerics.paths.base import CONSTANT
from sublevel.numerics.paths.relu_disconnection import (
    check_genericity,
    rank_one_lower_bound,
    swap_via_free_unit,
)
from sublevel.numerics.paths.relu_networks import fit_network
from sublevel.proofs_checks.evidence import Evidence, control_outcome
from sublevel.proofs_checks.registry import check, negative_control
from sublevel.theory.certificate import Certificate

_TWO = {"samples": 200, "spread": 0.5, "width": 2}


def _two_unit_instance(
    seed: int, samples: int, spread: float, width: int
) -> tuple[TwoLayerReLU, np.ndarray, np.ndarray]:
    """μ_{±1} = ±e₁, X | Z ~ N(Z e₁, s² I₂), Z = ±1 equiprobable; the target is the teacher
    y = ρ(⟨w₁, x⟩) + ρ(⟨w₂, x⟩), w₁ = (1, 1)/√2, w₂ = (−1, 1)/√2: unit 1 serves the component
    Z = +1, unit 2 the component Z = −1 (θ_A), θ_B swaps them. No biases; extra units (width > 2)
    get output weight 0."""
    rng = np.random.default_rng(seed)
    Z = rng.choice([-1.0, 1.0], size=samples)
    X = np.stack([Z, np.zeros(samples)], axis=1) + spread * rng.normal(size=(samples, 2))
    W = np.zeros((width, 2))
    W[0], W[1] = np.array([1.0, 1.0]) / np.sqrt(2), np.array([-1.0, 1.0]) / np.sqrt(2)
    if width > 2:
        W[2:] = rng.normal(size=(width - 2, 2))
    U = np.zeros((1, width))
    U[0, :2] = 1.0
    y = np.maximum(X @ W.T, 0) @ U[0]
    land = TwoLayerReLU(X, y, width, hidden_bias=False)
    tA = land.flatten(W, None, U)
    perm = np.arange(width)
    perm[:2] = [1, 0]
    return land, tA, land.permute(tA, perm)


def _two_unit(seed: int, samples: int, spread: float, width: int) -> Evidence:
    land, tA, tB = _two_unit_instance(seed, samples, spread, width)
    eA, eB = land.energy(tA), land.energy(tB)
    seg = certify_relu_segment(land, tA, tB, max(eA, eB), label="straight segment θ_A → θ_B")
    inst = {
        "mu": "±e1",
        "spread": spread,
        "samples": samples,
        "width": width,
        "target": "y = relu(<(1,1)/√2, x>) + relu(<(-1,1)/√2, x>)",
        "E_A": eA,
        "E_B": eB,
    }
    if width > 2:
        path = swap_via_free_unit(land, tA, 0, 1, 2)
        pc = certify_relu_path(land, path, max(eA, eB))
        # every piece exactly at constant energy (the exact structural promises) keeps the
        # path at E(θ_A) = max(E_A, E_B); the rigorous bound certificates at that very level
        # can only be inconclusive (the enclosure straddles the level)
        constant = [c for c in pc.all if c.promise == CONSTANT and c.method == "exact"]
        exact_constant = len(constant) == len(path.pieces) and all(c.holds for c in constant)
        connected = (pc.holds and all(c.is_proof for c in pc.all)) or exact_constant
        return Evidence(
            "violated" if connected else "inconclusive",
            certificates=pc.all + [seg],
            instance=inst,
            deciding=["exact"] if exact_constant else None,
            message=(
                "a free third unit connects θ_A and θ_B at constant energy "
                f"{max(eA, eB):.3g} ("
                + ("every piece exactly constant" if exact_constant else "rigorous")
                + "): no separation"
            ),
        )
    rb = rank_one_lower_bound(land.X, land.Y[:, 0])
    level = max(eA, eB)
    sep = Certificate(
        rb.value > level,
        level,
        0.0,
        rb.value,
        "bounded",
        margin=rb.value - level,
        tolerances={"rounding": rb.rounding},
        label="risk of every rank-one first layer ≥ B > max(E_A, E_B)",
        details={
            "lower_bound": rb.value,
            "sampled_min": rb.sampled_min,
            "arcs": rb.arcs,
            "argmin_angle": rb.argmin_angle,
        },
    )
    consistent = rb.value <= rb.sampled_min + 1e-12 and seg.max_energy >= rb.value
    ey2 = float(np.mean(land.Y**2))
    outcome = "verified" if sep.holds and consistent else "inconclusive"
    return Evidence(
        outcome,
        margin=rb.value - level,
        certificates=[sep, seg],
        instance=inst,
        details={
            "rank_one_lower_bound": rb.value,
            "rank_one_sampled_min": rb.sampled_min,
            "fraction_of_E_y2": rb.value / ey2,
            "E_y2": ey2,
            "segment_max": seg.max_energy,
            "segment_argmax_t": seg.argmax_t,
        },
        message=(
            f"det W changes sign between θ_A and θ_B, so every path crosses rank W ≤ 1, where "
            f"the risk is ≥ {rb.value:.4g} ({rb.value / ey2:.0%} of E y²; sampled min "
            f"{rb.sampled_min:.4g}) > E(θ_A) = E(θ_B) = {level:.2g}: Ω_u is disconnected "
            f"for u < {rb.value:.4g}; the straight segment peaks at {seg.max_energy:.4g}"
        ),
    )


@check("bf16.relu.two-unit", instances=4, **_TWO)
def two_unit(seed: int, samples: int, spread: float, width: int) -> Evidence:
    """The concrete instance of §2.3.1(a) (see ``_two_unit_instance``), its two permuted zero-risk
    minima, and a certified lower bound on the risk over all rank-one first layers."""
    return _two_unit(seed, samples, spread, width)


@negative_control("bf16.relu.two-unit")
def two_unit_control(seed: int, samples: int, spread: float, width: int) -> Evidence:
    """Hypothesis broken: three hidden units instead of two. A free unit then carries the swap at
    constant energy (7 exactly certified segments): the check must find no separation."""
    ev = _two_unit(seed, samples, spread, max(3, width + 1))
    # 'violated' there means: a path certified exactly at constant energy joins θ_A and θ_B
    ev.outcome = control_outcome(conclusion_fails=ev.outcome == "violated")
    return ev


# ============================================================================ permutations

_PERM = {"n": 2, "width": 4, "samples": 400, "appE_restarts": 6, "appE_maxiter": 400}


def _rational_teacher(
    rng: np.random.Generator, n: int, width: int, duplicate: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Teacher parameters on a dyadic grid (exact rationals): W, b, u — redrawn until generic
    (the hypotheses (G1)–(G3)); with ``duplicate`` unit 1 then copies unit 0's row."""
    land = TwoLayerReLU(np.zeros((1, n)), np.zeros(1), width)
    for _ in range(50):
        W = np.round(rng.normal(size=(width, n)) * 8) / 8
        b = np.round(rng.normal(size=width) * 8) / 8
        u = np.round(rng.normal(size=width) * 8) / 8
        if check_genericity(land, land.flatten(W, b, u[None])).holds:
            break
    if duplicate:
        W[1], b[1] = W[0], b[0]
    return W, b, u


def _appE(rng: np.random.Generator, restarts: int, maxiter: int) -> dict[str, Any]:
    """BF'16 App. E: three points in R², the cyclic map x₁ → x₂ → x₃ → x₁, a 2-3-2 ReLU network
    without biases (12 parameters), a trained θ and θ_σ with hidden units 1 and 2 swapped."""
    X = rng.normal(size=(3, 2))
    Y = X[[1, 2, 0]]
    land = TwoLayerReLU(X, Y, 3, hidden_bias=False)
    best, best_e = None, np.inf
    for _ in range(restarts):
        th = fit_network(land, rng, unit_rows=False, maxiter=maxiter, gtol=1e-14)
        e = land.energy(th)
        if e < best_e:
            best, best_e = th, e
    assert best is not None
    sigma = land.permute(best, [1, 0, 2])
    seg = certify_relu_segment(land, best, sigma, best_e, label="App. E: θ → θ_σ")
    return {"cert": seg, "loss": best_e, "segment_max": seg.max_energy, "argmax_t": seg.argmax_t}


def _permutation(
    seed: int,
    n: int,
    width: int,
    samples: int,
    appE_restarts: int,
    appE_maxiter: int,
    duplicate: bool,
) -> Evidence:
    rng = np.random.default_rng(seed)
    W, b, u = _rational_teacher(rng, n, width, duplicate)
    X = rng.normal(size=(samples, n))
    y = np.maximum(X @ W.T + b, 0) @ u
    land = TwoLayerReLU(X, y, width)
    theta = land.flatten(W, b, u[None])
    perm = np.arange(width)
    perm[:2] = [1, 0]
    sigma = land.permute(theta, perm)
    gen = check_genericity(land, theta)  # (the control's teacher fails it on purpose)
    seg = certify_relu_segment(land, theta, sigma, 0.0, label="teacher θ → θ_σ (empirical risk)")
    inst = {
        "n": n,
        "width": width,
        "samples": samples,
        "teacher_W": W.tolist(),
        "teacher_b": b.tolist(),
        "teacher_u": u.tolist(),
        "permutation": perm.tolist(),
    }
    tess = Certificate(
        gen.holds,
        0.0,
        0.0,
        0.0,
        "exact",
        label="genericity (G1)–(G3) of the teacher, rational arithmetic",
        details={
            "failures": gen.failures,
            "subsets_checked": gen.subsets_checked,
            "components_lower_bound": gen.components_lower_bound,
        },
    )
    ap = _appE(rng, appE_restarts, appE_maxiter)
    separated = gen.holds and not seg.holds
    outcome = (
        "verified" if separated else "violated" if seg.holds and seg.is_proof else "inconclusive"
    )
    return Evidence(
        outcome,
        margin=seg.max_energy,
        certificates=[tess, seg, ap["cert"]],
        instance=inst,
        details={
            "genericity": gen.failures or "holds",
            "components_lower_bound": gen.components_lower_bound,
            "segment_max": seg.max_energy,
            "appE_loss": ap["loss"],
            "appE_segment_max": ap["segment_max"],
            "appE_argmax_t": ap["argmax_t"],
        },
        message=(
            (
                f"generic teacher (exact): Ω_0 of the oracle risk has ≥ {gen.components_lower_bound} "
                f"components, θ and θ_σ in different ones; on the sample the straight segment peaks "
                f"at {seg.max_energy:.3g} > 0"
                if separated
                else f"teacher not generic ({'; '.join(gen.failures[:2]) or 'segment stays at 0'}); "
                f"segment max {seg.max_energy:.3g}"
            )
            + f". App. E 2-3-2: trained loss {ap['loss']:.2e}, straight segment to the permuted "
            f"copy peaks at {ap['segment_max']:.3g} (t = {ap['argmax_t']:.3f}, exact)"
        ),
    )


@check("bf16.relu.permutation", instances=3, **_PERM)
def permutation(
    seed: int, n: int, width: int, samples: int, appE_restarts: int, appE_maxiter: int
) -> Evidence:
    """A generic rational teacher (hypotheses of the tessellation argument verified exactly) and
    its permutation θ_σ; the segment θ → θ_σ certified exactly on a Gaussian sample; the App. E
    2-3-2 network and its permuted copy with the straight segment's exact maximum (numerical
    evidence: DSS non-convergence is not a proof, App. E)."""
    return _permutation(seed, n, width, samples, appE_restarts, appE_maxiter, False)


@negative_control("bf16.relu.permutation")
def permutation_control(
    seed: int, n: int, width: int, samples: int, appE_restarts: int, appE_maxiter: int
) -> Evidence:
    """Hypothesis broken: the teacher duplicates a unit and σ swaps the duplicates. The
    genericity check must fail and the segment θ → θ_σ stays at zero energy (exact)."""
    ev = _permutation(seed, n, width, samples, appE_restarts, appE_maxiter, True)
    # The detection: the segment θ → θ_σ leaves the network function unchanged, decided exactly
    # on the floats — units 0 and 1 have identical rows (w, b), σ swaps them, so along the
    # segment only u₀(t), u₁(t) move and u₀(t) + u₁(t) is constant: E is constant, θ and θ_σ
    # are joined inside Ω_{E(θ)} and the separation fails. (The failed genericity test is the
    # guard, recorded as a precondition, not the detection.)
    rng = np.random.default_rng(seed)
    W, b, u = _rational_teacher(rng, n, width, True)
    constant = bool(np.array_equal(W[0], W[1]) and b[0] == b[1])  # u₀(t) + u₁(t) = u₀ + u₁
    ev.details["precondition"] = f"genericity fails: {ev.details.get('genericity')}"
    ev.details["function_constant_on_segment_exact"] = constant
    ev.certificates.append(
        Certificate(
            constant,
            0.0,
            0.0,
            0.0,
            "exact",
            margin=0.0,
            label="θ → θ_σ leaves the function unchanged (identical rows swapped; u₀ + u₁ constant)",
            promise="constant energy",
        )
    )
    ev.outcome = control_outcome(conclusion_fails=constant or ev.outcome == "violated")
    if constant:
        ev.message = (
            "duplicated unit: θ → θ_σ keeps the network function (exact), so θ and θ_σ "
            "are joined at constant energy — no separation. " + ev.message
        )
    return ev
