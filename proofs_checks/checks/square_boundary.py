"""Check of the square boundary of BF'16 Prop. 2.2 (``bf16.linear.square-boundary``).

With n = n_1 = m = h (no hidden layer wider than the data), GL(h) has two components: two
low-energy points whose first layers have determinants of opposite signs lie in different
components of Ω_u for u below the best rank-(h − 1) energy (papers.md §3.2, 'why strict
matters'). The disconnection is certified exactly in rationals
(:func:`sublevel.proofs_checks.checks.linear._square_certificate`); the negative control pads
one hidden unit (n_1 = h + 1) and must show the points connected below that level.
"""

from __future__ import annotations

import numpy as np
from sublevel.proofs_checks.checks.linear import (
    _connect_and_certify,
    _square_certificate,
    _square_endpoints,
)
from sublevel.proofs_checks.evidence import Evidence, control_outcome, outcome_from_certificates
from sublevel.proofs_checks.registry import check, negative_control
from sublevel.theory.errors import HypothesisError


@check("bf16.linear.square-boundary", instances=8, h=3, samples=12, fraction=0.5)
def square_boundary(seed: int, h: int, samples: int, fraction: float) -> Evidence:
    """n = n_1 = m = h: two low-energy points with det W_1 of opposite signs are certified
    (exactly, in rationals) to lie in different components of Ω_u for u below the best
    rank-(h−1) energy; the construction of Prop. 2.2 refuses; the closed-form barrier is
    cross-checked by L-BFGS over rank-(h−1) products, and the straight segment between the
    points rises above it (exact)."""
    from sublevel.numerics.critical import minimise
    from sublevel.numerics.energies.linear import DeepLinear, flatten
    from sublevel.numerics.paths.linear import connect
    from sublevel.theory.exact import certify_polynomial

    rng = np.random.default_rng(seed)
    inst = _square_endpoints(rng, h, max(samples, h + 1), fraction)
    cert, gap = _square_certificate(inst)
    X, Y = inst["X"], inst["Y"]
    # oracle: the barrier is the optimum over products of rank ≤ h − 1
    low = DeepLinear([h, h - 1, h], X, Y)
    runs = [minimise(low, rng.normal(size=low.dim) / np.sqrt(h)) for _ in range(2)]
    oracle = min(r.energy for r in runs)
    oracle_ok = abs(oracle - gap["barrier"]) <= 1e-6 * max(1.0, abs(gap["barrier"]))
    try:
        connect(inst["wa"], inst["wb"], X, Y)
        refused = False
    except HypothesisError as exc:
        refused = exc.alternative == "bf16.linear.square-boundary"
    E = inst["landscape"]
    straight = certify_polynomial(
        list(E.energy_polynomial(flatten(inst["wa"]), flatten(inst["wb"]))), gap["barrier"]
    )
    ok = cert.holds and oracle_ok and refused and not straight.holds
    outcome = "verified" if ok else ("inconclusive" if cert.holds else "violated")
    return Evidence(
        outcome=outcome,
        margin=gap["gap"],
        certificates=[cert],
        instance={"widths": [h, h, h], "samples": X.shape[0]},
        details={
            **gap,
            "oracle_rank_h_minus_1": oracle,
            "oracle_agrees": oracle_ok,
            "connect_refused": refused,
            "straight_segment_max": straight.max_energy,
        },
        message=(
            f"N_u ≥ 2 for u ∈ [{gap['u']:.6g}, {gap['barrier']:.6g}): certified gap "
            f"{gap['gap']:.3g}; straight segment peaks at {straight.max_energy:.4g}"
        )
        if ok
        else f"failed: certificate {cert.holds}, oracle {oracle_ok}, refused {refused}",
    )


@negative_control("bf16.linear.square-boundary")
def square_boundary_wide(seed: int, h: int, samples: int, fraction: float) -> Evidence:
    """Hypothesis broken (n_1 = h + 1 > h): the same two points, padded with a zero hidden
    unit, are joined by a certified path with E ≤ max(E_A, E_B) < E*_{h−1} — the
    disconnection must not be reported."""
    rng = np.random.default_rng(seed)
    inst = _square_endpoints(rng, h, max(samples, h + 1), fraction)
    pad = [
        [np.vstack([W1, np.zeros((1, h))]), np.hstack([W2, np.zeros((h, 1))])]
        for W1, W2 in (inst["wa"], inst["wb"])
    ]
    path, certs, bound, info = _connect_and_certify(inst["X"], inst["Y"], pad[0], pad[1])
    barrier = inst["landscape"].reduced_rank(h - 1).energy
    exact_bound = info["exact_path"].details["bound"]
    connected = outcome_from_certificates(info["exact"]) == "verified" and bound < barrier
    return Evidence(
        outcome=control_outcome(conclusion_fails=connected),
        certificates=info["exact"],
        instance={"widths": [h, h + 1, h]},
        details={
            "bound": bound,
            "bound_exact": str(exact_bound),
            "barrier": barrier,
            "pieces": info["exact_path"].labels(),
        },
        message=(
            f"conclusion fails: with one more hidden unit the points are joined by the "
            f"exact path below {bound:.6g} < E*_(h−1) = {barrier:.6g} (no disconnection)"
        )
        if connected
        else "the wide network was not certified connected",
        deciding=["exact"],
    )
