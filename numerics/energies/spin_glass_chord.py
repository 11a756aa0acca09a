"""One chord of the projected p-spin Hamiltonian, as both chord certificates need it.

Along x(t) = a + t(b − a), Q(t) = ‖x(t)‖² is computed exactly (:func:`exact_q`; floats are the
dyadic rationals they store, :func:`dyadic`) and in floats; a chord through the origin, where
E(x) = H(√N x/‖x‖)/d + shift is undefined, and odd p with a bound on H ≥ 0 (no polynomial form)
get ``sampled`` certificates; the reported maximum is the float E at the stationary points of
N^{p/2}PQ^{−p/2} (roots of 2P′Q − pPQ′) and the ends. Used by the rigorous certificate
(:mod:`sublevel.numerics.energies.spin_glass_certify`) and the exact one
(:mod:`sublevel.numerics.energies.spin_glass_exact`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from sublevel.numerics.landscape import as_theta
from sublevel.theory.certificate import Certificate
from sublevel.theory.errors import InputError

__all__ = [
    "dyadic",
    "exact_q",
    "ChordInputs",
    "chord_inputs",
    "origin_certificate",
    "through_origin",
    "sampled_only",
    "stationary_points",
]


def dyadic(v: float) -> Any:
    """The float ``v`` as the dyadic rational (``fmpq``) it stores, without rounding."""
    from flint import fmpq

    n, d = float(v).as_integer_ratio()
    return fmpq(n, d)


def exact_q(a: np.ndarray, b: np.ndarray) -> list[Any]:
    """Q(t) = ‖a + t(b − a)‖² exactly: [‖a‖², 2⟨a, d⟩, ‖d‖²] with d = b − a in rationals."""
    from flint import fmpq

    aq = [dyadic(v) for v in a]
    dq = [dyadic(v) - x for v, x in zip(b, aq)]
    return [
        sum((x * x for x in aq), fmpq(0)),
        2 * sum((x * y for x, y in zip(aq, dq)), fmpq(0)),
        sum((y * y for y in dq), fmpq(0)),
    ]


@dataclass
class ChordInputs:
    """The checked inputs of one chord certificate (:func:`chord_inputs`): a, b, d = b − a (floats), Q's float
    coefficients [‖a‖², 2⟨a, d⟩, ‖d‖²], the t ∈ [0, 1] nearest the origin, and the tolerances."""

    start: float
    tol: dict[str, float]
    a: np.ndarray
    b: np.ndarray
    d: np.ndarray
    Qf: np.ndarray
    t_near: float


def chord_inputs(land: Any, a: Any, b: Any, bound: float, tolerances: Any) -> ChordInputs:
    """The chord a → b of ``land`` (a ``SphereProjected``), checked: a and b of its dimension
    and finite, the bound finite (:class:`InputError` otherwise); the tolerances resolved and
    the clock (``start``, for ``wall_time``) started."""
    from sublevel.numerics.tolerances import resolve_tolerances

    start = time.perf_counter()
    tol = resolve_tolerances(tolerances)
    a = as_theta(a, land.dim, name="a")
    b_ = as_theta(b, land.dim, name="b")
    if not math.isfinite(bound):
        raise InputError(f"bound {bound!r} is not finite")
    d = b_ - a
    Qf = np.array([a @ a, 2 * (a @ d), d @ d])
    t_near = min(1.0, max(0.0, -Qf[1] / (2 * Qf[2]))) if Qf[2] > 0 else 0.0
    return ChordInputs(start, tol, a, b_, d, Qf, t_near)


def origin_certificate(
    c: ChordInputs, bound: float, origin_rtol: float, label: str, promise: str
) -> Certificate | None:
    """:func:`through_origin`'s certificate when the chord passes numerically through the
    origin — min ‖x(t)‖² ≤ ``origin_rtol``·max(‖a‖², ‖b‖²) on [0, 1], in floats — else None."""
    from numpy.polynomial import polynomial as npoly

    if float(npoly.polyval(c.t_near, c.Qf)) <= origin_rtol * max(c.Qf[0], float(np.sum(c.Qf))):
        return through_origin(
            c,
            bound,
            label,
            promise,
            {
                "reason": "segment passes (numerically) through the origin",
                "origin_rtol": origin_rtol,
            },
        )
    return None


def through_origin(
    c: ChordInputs, bound: float, label: str, promise: str, details: dict[str, Any]
) -> Certificate:
    """The inconclusive ``sampled`` certificate of a chord through the origin, where E is not
    defined (max_energy = inf at the t nearest the origin; ``details`` says why)."""
    return Certificate(
        False,
        float("inf"),
        c.t_near,
        float(bound),
        "sampled",
        label=label,
        promise=promise,
        tolerances=c.tol,
        outcome="inconclusive",
        details=details,
    )


def sampled_only(
    land: Any, c: ChordInputs, bound: float, label: str, promise: str, options: dict[str, Any]
) -> Certificate:
    """Odd p with a bound on H ≥ 0: no polynomial form, so a ``sampled`` certificate
    (:func:`sublevel.numerics.certify_grid.certify_sampled` with ``options``), never a proof."""
    from sublevel.numerics.certify_grid import certify_sampled

    a, d = c.a, c.d
    cert = certify_sampled(
        lambda t: land.energies(a[None, :] + t[:, None] * d[None, :]),
        bound,
        tolerances=c.tol,
        label=label,
        promise=promise,
        **options,
    )
    cert.details["reason"] = "odd p with a bound on H ≥ 0: no polynomial form; sampled only"
    return cert


def stationary_points(
    land: Any, c: ChordInputs, P: np.ndarray, *, drop_top: bool
) -> tuple[list[float], np.ndarray, int]:
    """(ts, E(ts), argmax): the float roots in (0, 1) of 2P′Q − pPQ′ (the stationary points of
    N^{p/2}PQ^{−p/2}) and the ends, the float energies there and the index of the largest.
    ``drop_top``: drop the t^{p+1} term, which cancels exactly (2p·P_p·Q₂ − p·P_p·2Q₂), so
    that its rounding does not add a spurious root."""
    from numpy.polynomial import polynomial as npoly

    p = land.p
    R = npoly.polysub(
        2 * npoly.polymul(npoly.polyder(P), c.Qf), p * npoly.polymul(P, npoly.polyder(c.Qf))
    )
    if drop_top:
        R = R[: p + 1]
    ts = [0.0, 1.0]
    if np.count_nonzero(R) > 1:
        roots = npoly.polyroots(np.trim_zeros(R, "b"))
        ts += [float(r.real) for r in roots if abs(r.imag) < 1e-9 and 0.0 < r.real < 1.0]
    es = land.energies(c.a[None, :] + np.array(ts)[:, None] * c.d[None, :])
    return ts, es, int(np.argmax(es))
