"""The ``exact`` certificate of E ≤ b + τ along a chord of the projected p-spin Hamiltonian.

The inequality of :mod:`sublevel.numerics.energies.spin_glass_certify` (even p:
N^{p/2}P − hQ^{p/2} ≤ 0; odd p, h < 0: P(0) < 0 and h²Q^p − N^pP² ≤ 0) decided with P contracted
in rational arithmetic (python-flint ``fmpq_mat``, no symmetry of S assumed; S converted once
and cached on the landscape) and Q exact, by exact root isolation
(:func:`sublevel.theory.exact.certify_polynomial`). What an ``inconclusive`` rigorous certificate
falls back to when N^p ≤ ``spin_glass_certify.EXACT_MAX_ENTRIES`` (80–160 ms per chord at
N^p ≈ 1.3–1.6·10⁵ against 8–11 ms for the rigorous one, after a one-off conversion of S;
``benchmarks/bench_spin_glass_certify.py``).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sublevel.numerics.energies.spin_glass_chord import (
    chord_inputs,
    dyadic,
    exact_q,
    origin_certificate,
    sampled_only,
    stationary_points,
)
from sublevel.theory.certificate import Certificate

__all__ = ["exact_chord_polynomial", "certify_exact_segment"]


def _exact_tensor(spin_glass: Any) -> Any:
    """S as an exact (N^{p−1}, N) fmpq_mat, cached on the landscape."""
    from flint import fmpq_mat

    cached = getattr(spin_glass, "_exact_S", None)
    if cached is None:
        N = spin_glass.N
        flat = np.asarray(spin_glass.S, dtype=np.float64).reshape(-1)
        cached = fmpq_mat(flat.size // N, N, [dyadic(v) for v in flat])
        spin_glass._exact_S = cached
    return cached


def exact_chord_polynomial(spin_glass: Any, a: np.ndarray, b: np.ndarray) -> list[Any]:
    """Exact coefficients (fmpq, increasing degree) of t ↦ H(a + t(b − a)), d = b − a exact."""
    from flint import fmpq, fmpq_mat

    N, p = spin_glass.N, spin_glass.p
    aq = [dyadic(v) for v in a]
    dq = [bq - x for bq, x in zip((dyadic(v) for v in b), aq)]
    col_a, col_d = fmpq_mat(N, 1, aq), fmpq_mat(N, 1, dq)
    layers: dict[int, Any] = {0: _exact_tensor(spin_glass)}  # power of t → (rows, N) matrix
    for level in range(p):
        new: dict[int, list[Any]] = {}
        for power, M in layers.items():
            for extra, col in ((0, col_a), (1, col_d)):
                v = M * col  # (rows, 1)
                entries = [v[i, 0] for i in range(v.nrows())]
                acc = new.setdefault(power + extra, [fmpq(0)] * len(entries))
                for i, e in enumerate(entries):
                    acc[i] += e
        rows = len(next(iter(new.values())))
        layers = {k: (fmpq_mat(rows // N, N, v) if level < p - 1 else v) for k, v in new.items()}
    scale = dyadic(spin_glass.scale)
    return [scale * layers.get(j, [fmpq(0)])[0] for j in range(p + 1)]


def _poly_mul(x: list[Any], y: list[Any]) -> list[Any]:
    from flint import fmpq

    out = [fmpq(0)] * (len(x) + len(y) - 1)
    for i, u in enumerate(x):
        for j, v in enumerate(y):
            out[i + j] += u * v
    return out


def _poly_pow(x: list[Any], k: int) -> list[Any]:
    from flint import fmpq

    out = [fmpq(1)]
    for _ in range(k):
        out = _poly_mul(out, x)
    return out


def certify_exact_segment(
    land: Any,
    a: Any,
    b: Any,
    bound: float,
    *,
    tolerances: dict[str, float] | None = None,
    label: str = "projected segment",
    promise: str = "",
    origin_rtol: float = 1e-8,
    **options: Any,
) -> Certificate:
    """``exact`` certificate of E(a + t(b − a)) ≤ bound + τ on [0, 1] for a ``SphereProjected``
    landscape (module docstring; P contracted in rationals). ``max_energy`` is the float E at
    the stationary points of E along the chord (roots of 2P′Q − pPQ′) and the ends — capped at
    bound + τ when the exact test holds (the exact test proves the true maximum is below it)."""
    from flint import fmpq
    from sublevel.theory.exact import certify_polynomial

    inp = chord_inputs(land, a, b, bound, tolerances)
    tol, tau = inp.tol, inp.tol["tau"]
    early = origin_certificate(inp, bound, origin_rtol, label, promise)
    if early is not None:
        return early
    N, p = land.N, land.p
    base = land.base
    # the float maximum (reported value): stationary points of N^{p/2} P Q^{-p/2} and the ends
    ts, es, i = stationary_points(land, inp, base.polynomial_along(inp.a, inp.b), drop_top=False)
    hq = (dyadic(bound) + dyadic(tau) - dyadic(land.shift)) * dyadic(land.divisor)
    if p % 2 == 1 and hq >= 0:
        return sampled_only(land, inp, bound, label, promise, options)
    Pq = exact_chord_polynomial(base, inp.a, inp.b)
    Qq = exact_q(inp.a, inp.b)
    if p % 2 == 0:
        lhs = [fmpq(N ** (p // 2)) * c for c in Pq]
        rhs = [hq * c for c in _poly_pow(Qq, p // 2)]
        decided_on = "N^{p/2}P − hQ^{p/2} ≤ 0 (exact)"
        sign_ok = True
    else:
        lhs = [hq * hq * c for c in _poly_pow(Qq, p)]
        rhs = [fmpq(N**p) * c for c in _poly_mul(Pq, Pq)]
        decided_on = "P(0) < 0 and h²Q^p − N^pP² ≤ 0 (exact)"
        sign_ok = Pq[0] < 0
    size = max(len(lhs), len(rhs))
    lhs += [fmpq(0)] * (size - len(lhs))
    rhs += [fmpq(0)] * (size - len(rhs))
    exact = certify_polynomial([x - y for x, y in zip(lhs, rhs)], 0, tolerance=0)
    holds = bool(exact.holds) and sign_ok
    max_e = float(es[i])
    if holds:
        max_e = min(max_e, float(bound) + tau)
    return Certificate(
        holds,
        max_e,
        float(ts[i]),
        float(bound),
        "exact",
        tolerances=tol,
        n_evaluations=len(ts),
        wall_time=time.perf_counter() - inp.start,
        label=label,
        promise=promise,
        holds_within=tau if holds and tau > 0 and float(es[i]) > bound else 0.0,
        details={
            "decided_on": decided_on,
            "hamiltonian_bound": float(hq),
            "arithmetic": "rational (python-flint), S and the points as stored",
            "max_energy_from": "float E at the stationary points along the chord and the "
            "ends (capped at bound + τ when the exact test holds)",
        },
    )
