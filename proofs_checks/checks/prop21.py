"""Check of BF'16 Prop. 2.1 on closed-form toy energies (decided exactly with sympy), and its
negative control (the talk's version without 'strict' is false on a plateau).
"""

from __future__ import annotations

import random

from sublevel.proofs_checks.evidence import Evidence, control_outcome
from sublevel.proofs_checks.registry import check, negative_control

# ---------------------------------------------------------------------------- Prop 2.1


@check("bf16.prop2.1", instances=6, random_landscapes=3, max_degree=6)
def prop21(seed: int, random_landscapes: int, max_degree: int) -> Evidence:
    """On closed-form toy energies (a catalogue entry with known answers and random coercive
    polynomial profiles, 1-D, fibred 2-D and radial 2-D), decided exactly with sympy:
    connected sub-level sets and a strict poor local minimum never coexist; every
    disconnection comes with a certified witness; catalogue answers are reproduced."""
    from sublevel.theory.toy_landscapes import analyse, catalogue, random_polynomial_landscape

    rng = random.Random(seed)
    entry = rng.choice(catalogue())
    landscapes = [entry] + [
        random_polynomial_landscape(rng, max_degree=max_degree) for _ in range(random_landscapes)
    ]
    rows, ok = [], True
    for land in landscapes:
        facts = analyse(land)
        implication = not (facts.connected and facts.has_strict_poor_minimum)
        witness_ok = facts.connected or bool(facts.witness and facts.witness["certified"])
        expected_ok = True
        if land.expected:
            got = {
                "connected": facts.connected,
                "strict_poor": facts.has_strict_poor_minimum,
                "poor": facts.has_poor_minimum,
            }
            expected_ok = got == land.expected
        ok = ok and implication and witness_ok and expected_ok
        rows.append(
            {
                "name": land.name,
                "kind": land.kind,
                "energy": str(land.energy),
                "connected": facts.connected,
                "strict_poor_minimum": facts.has_strict_poor_minimum,
                "poor_minimum": facts.has_poor_minimum,
                "implication": implication,
                "witness": facts.witness,
                "matches_catalogue": expected_ok,
            }
        )
    violated = any(not r["implication"] for r in rows)
    outcome = "violated" if violated else ("verified" if ok else "inconclusive")
    return Evidence(
        outcome=outcome,
        instance={"landscapes": [r["name"] for r in rows]},
        details={"landscapes": rows},
        message=(
            f"{len(rows)} landscapes decided exactly: "
            f"{sum(bool(r['connected']) for r in rows)} connected (none with a strict poor "
            f"minimum), {sum(not r['connected'] for r in rows)} disconnected with witnesses; "
            f"catalogue entry '{entry.name}' reproduced"
        )
        if outcome == "verified"
        else "failed: "
        + ", ".join(
            str(r["name"]) for r in rows if not (r["implication"] and r["matches_catalogue"])
        ),
        methods=["exact"],
    )


@negative_control("bf16.prop2.1")
def prop21_nonstrict(seed: int, random_landscapes: int, max_degree: int) -> Evidence:
    """'Strict' dropped (the talk's version): a plateau energy with random level and position
    has connected sub-level sets and non-strict poor local minima, so 'connected ⇒ no poor
    local minimum' must be reported false."""
    from fractions import Fraction as Q

    from sublevel.theory.toy_landscapes import analyse, plateau_landscape

    rng = random.Random(seed)
    left = Q(rng.randint(-4, 2), rng.randint(1, 3))
    land = plateau_landscape(
        level=Q(rng.randint(1, 6), rng.randint(1, 3)),
        left=left,
        right=left + Q(rng.randint(1, 4), rng.randint(1, 2)),
        width=Q(rng.randint(1, 3)),
    )
    facts = analyse(land)
    detected = facts.connected and facts.has_poor_minimum and not facts.has_strict_poor_minimum
    return Evidence(
        outcome=control_outcome(conclusion_fails=detected),
        instance={"energy": str(land.energy)},
        details=facts.to_dict(),
        message=(
            "plateau: Ω_u connected for all u, yet non-strict poor minima at level "
            f"{facts.nonstrict_poor_minima[0]['value']} > min = {facts.global_minimum}: the "
            "talk's version is false"
        )
        if detected
        else "plateau not recognised",
        methods=["exact"],
    )
