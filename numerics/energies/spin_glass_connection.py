"""Energy barriers between minima of the spherical p-spin glass, by DSS on the sphere.

The connection level of two minima a, b of H_{N,p} on S^{N−1}(√N) is the lowest level u (energy
per spin H/N) at which DSS (``sublevel.numerics.geodesic.dss``) joins them in {H/N ≤ u}; it is
found by bisection between max(H(a), H(b))/N and the maximum along the great-circle arc (which
always connects). Straight chords between beads are seen through σ ↦ √N σ/‖σ‖
(:class:`~sublevel.numerics.energies.spin_glass.SphereProjected`), so a string is a chain of
great-circle arcs, and every chord of the connecting string is re-certified with a proof.
The level is an upper bound on the minimax barrier for the path found; a failure to connect is
not a proof of disconnection (papers.md §7, §9.15).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sublevel.numerics.energies.spin_glass import SphereProjected, SpinGlass, project_to_sphere
from sublevel.theory.errors import InputError

__all__ = ["arc_length", "Connection", "connection_level"]


def arc_length(points: Any, N: int) -> float:
    """Σ of the great-circle angles between consecutive rows projected onto S^{N−1}(√N),
    times √N: the length on the sphere of the path of projected chords."""
    P = project_to_sphere(np.asarray(points, dtype=np.float64), N)
    cos = np.clip(np.einsum("tn,tn->t", P[:-1], P[1:]) / N, -1.0, 1.0)
    return float(np.sum(np.arccos(cos)) * math.sqrt(N))


@dataclass
class Connection:
    """The lowest level (H/N) at which DSS connected two minima on the sphere, by bisection.

    ``level`` is the lowest level tried where DSS connected (an upper bound on the minimax
    barrier level between the two minima, for the path DSS found), ``failed_level`` the highest
    level tried where it did not (*not* a proof of disconnection: §9.15); ``barrier`` = level −
    max(E_a, E_b); ``arc_normalized_length`` = length on the sphere of the projected string /
    great-circle distance (≥ 1); ``chord_normalized_length`` is DSS's Euclidean one;
    ``exact`` tells whether every segment of the connecting string was re-certified with a
    proof (``SphereProjected.certify_segment``: outcome ``holds``, method rigorous or exact —
    never a sampled or inconclusive one) at the accepted bound."""

    energies: tuple[float, float]
    overlap: float
    arc_max: float
    level: float
    failed_level: float
    barrier: float
    n_beads: int
    arc_normalized_length: float
    chord_normalized_length: float
    exact: bool
    certificate_methods: list[str]
    runs: list[dict[str, Any]] = field(default_factory=list)
    beads: np.ndarray | None = None


def connection_level(
    spin_glass: SpinGlass,
    a: Any,
    b: Any,
    *,
    tol: float = 0.005,
    accept_slack: float = 0.002,
    train_slack: float = 0.005,
    shift: float = 4.0,
    max_depth: int = 6,
    lr: float = 1e-2,
    max_steps: int = 3000,
    n_arc: int = 2001,
) -> Connection:
    """Bisection on the level u (energy per spin) for DSS between minima a and b on the sphere.

    DSS (``sublevel.numerics.geodesic.dss``, breadth-first) runs on ``SphereProjected(per_spin=True,
    shift=shift)``: straight chords between beads are seen through σ ↦ √N σ/‖σ‖, so the string
    is a chain of great-circle arcs on the sphere. At level u beads are trained (Adam, ``lr``,
    ``max_steps``) to u − ``train_slack`` and segments accepted when E ≤ u + ``accept_slack``
    (DSS factors (u + shift ∓ slack)/(u + shift)). The bracket starts at [max(E_a, E_b), arc
    max] (the great-circle arc always connects at its own maximum) and halves to ``tol``.
    """
    from sublevel.numerics.geodesic.dss import dss
    from sublevel.numerics.geodesic.train import Adam

    if not isinstance(spin_glass, SpinGlass):
        raise InputError(f"connection_level needs a SpinGlass, not {type(spin_glass).__name__}")
    for name, v in (("tol", tol), ("accept_slack", accept_slack), ("train_slack", train_slack)):
        if not (v > 0 and math.isfinite(v)):
            raise InputError(f"{name} = {v!r} must be finite and > 0")
    N = spin_glass.N
    a = spin_glass.check_on_sphere(a, name="a")
    b = spin_glass.check_on_sphere(b, name="b")
    land = SphereProjected(spin_glass, per_spin=True, shift=shift)
    ea, eb = (float(land.energy(x)) - shift for x in (a, b))
    ts = np.linspace(0.0, 1.0, int(n_arc))
    arc_max = float(np.max(land.energies(a[None] + ts[:, None] * (b - a)[None]))) - shift
    if min(ea, eb, arc_max) + shift - train_slack <= 0:
        raise InputError(
            f"shift = {shift} does not make the levels positive (energies {ea:.4g}, {eb:.4g})"
        )
    lo, hi = max(ea, eb), arc_max + accept_slack
    best = None
    runs: list[dict[str, Any]] = []

    def attempt(u: float) -> Any:
        L = u + shift
        res = dss(
            land,
            a,
            b,
            L,
            train_factor=(L - train_slack) / L,
            accept_factor=(L + accept_slack) / L,
            max_depth=max_depth,
            optimizer=Adam(lr=lr, max_steps=max_steps),
        )
        runs.append(
            {
                "level": u,
                "connected": bool(res.connected),
                "beads": res.n_beads,
                "status": res.status,
            }
        )
        return res

    res = attempt(hi)
    if res.connected:
        best = (hi, res)
    failed = -math.inf
    while best is not None and hi - lo > tol:
        mid = 0.5 * (lo + hi)
        res = attempt(mid)
        if res.connected:
            hi, best = mid, (mid, res)
        else:
            lo, failed = mid, mid
    if best is None:
        return Connection(
            (ea, eb),
            float(a @ b / N),
            arc_max,
            math.nan,
            hi,
            math.nan,
            0,
            math.nan,
            math.nan,
            False,
            [],
            runs,
        )
    level, res = best
    bound = level + shift + accept_slack
    certs = [land.certify_segment(x, y, bound) for x, y in zip(res.beads[:-1], res.beads[1:])]
    angle = math.acos(max(-1.0, min(1.0, float(a @ b) / N))) * math.sqrt(N)
    return Connection(
        energies=(ea, eb),
        overlap=float(a @ b / N),
        arc_max=arc_max,
        level=level,
        failed_level=failed,
        barrier=level - max(ea, eb),
        n_beads=res.n_beads,
        arc_normalized_length=arc_length(res.beads, N) / angle,
        chord_normalized_length=float(res.normalized_length),
        exact=all(c.decided and c.holds for c in certs),
        certificate_methods=sorted({c.method for c in certs}),
        runs=runs,
        beads=res.beads,
    )
