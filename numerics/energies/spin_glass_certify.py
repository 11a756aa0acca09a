"""Exact certificate of E ≤ b along a straight chord of the projected p-spin Hamiltonian.

:class:`numerics.energies.spin_glass.SphereProjected` is E(x) = H(√N x/‖x‖)/d + shift, with
H(x) = c·S[x, …, x] (S the stored coupling tensor, c = N^{−(p−1)/2}). Along x(t) = a + t(b − a):
P(t) = H(x(t)) (degree p), Q(t) = ‖x(t)‖² (degree 2), and with h = (b + τ − shift)·d the bound
on H, E ≤ b + τ ⇔ N^{p/2}P ≤ h Q^{p/2}:

* even p: N^{p/2}P − hQ^{p/2} ≤ 0 on [0, 1];
* odd p, h < 0: P(0) < 0 and h²Q^p − N^pP² ≤ 0 (then P never vanishes, so keeps its sign);
* odd p, h ≥ 0: no polynomial form — a sampled certificate (never a proof).

Everything is exact: S, c, a, b, shift, d and the bound are taken as the dyadic rationals they
store, P's coefficients are contracted in rational arithmetic (python-flint ``fmpq_mat``, no
symmetry of S assumed) and the polynomial inequality is decided by real-root isolation
(:func:`theory.exact.certify_polynomial`). No slack: τ is the user's tolerance (default 0).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from numerics.landscape import as_theta
from theory.certificate import Certificate
from theory.errors import InputError

__all__ = ["exact_chord_polynomial", "certify_projected_segment"]


def _q(v: float) -> Any:
    from flint import fmpq

    n, d = float(v).as_integer_ratio()
    return fmpq(n, d)


def _exact_tensor(spin_glass: Any) -> Any:
    """S as an exact (N^{p−1}, N) fmpq_mat, cached on the landscape."""
    from flint import fmpq_mat

    cached = getattr(spin_glass, "_exact_S", None)
    if cached is None:
        N = spin_glass.N
        flat = np.asarray(spin_glass.S, dtype=np.float64).reshape(-1)
        cached = fmpq_mat(flat.size // N, N, [_q(v) for v in flat])
        spin_glass._exact_S = cached
    return cached


def exact_chord_polynomial(spin_glass: Any, a: np.ndarray, b: np.ndarray) -> list[Any]:
    """Exact coefficients (fmpq, increasing degree) of t ↦ H(a + t(b − a)), d = b − a exact."""
    from flint import fmpq, fmpq_mat

    N, p = spin_glass.N, spin_glass.p
    aq = [_q(v) for v in a]
    dq = [bq - x for bq, x in zip((_q(v) for v in b), aq)]
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
    scale = _q(spin_glass.scale)
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


def certify_projected_segment(land: Any, a: Any, b: Any, bound: float, *,
                              tolerances: dict[str, float] | None = None,
                              label: str = "projected segment", promise: str = "",
                              origin_rtol: float = 1e-8, **options: Any) -> Certificate:
    """E(a + t(b − a)) ≤ bound + τ on [0, 1] for a ``SphereProjected`` landscape (module
    docstring). ``max_energy`` is the float E at the stationary points of E along the chord
    (roots of 2P′Q − pPQ′) and the ends — capped at bound + τ when the exact test holds (the
    exact test proves the true maximum is below it)."""
    from flint import fmpq
    from numpy.polynomial import polynomial as npoly

    from numerics.certify import DEFAULT_TOLERANCES, certify_sampled
    from theory.exact import certify_polynomial

    start = time.perf_counter()
    tol = dict(DEFAULT_TOLERANCES)
    for key, value in (tolerances or {}).items():
        if key not in tol or not (value >= 0 and math.isfinite(value)):
            raise InputError(f"tolerance {key}={value!r}: unknown or not finite ≥ 0")
        tol[key] = float(value)
    tau = tol["tau"]
    a = as_theta(a, land.dim, name="a")
    b_ = as_theta(b, land.dim, name="b")
    if not math.isfinite(bound):
        raise InputError(f"bound {bound!r} is not finite")
    d = b_ - a
    Qf = np.array([a @ a, 2 * (a @ d), d @ d])
    t_near = min(1.0, max(0.0, -Qf[1] / (2 * Qf[2]))) if Qf[2] > 0 else 0.0
    if float(npoly.polyval(t_near, Qf)) <= origin_rtol * max(Qf[0], float(np.sum(Qf))):
        return Certificate(False, float("inf"), t_near, float(bound), "sampled", label=label,
                           promise=promise, tolerances=tol, outcome="inconclusive",
                           details={"reason": "segment passes (numerically) through the origin",
                                    "origin_rtol": origin_rtol})
    N, p = land.N, land.p
    base = land.base
    # the float maximum (reported value): stationary points of N^{p/2} P Q^{-p/2} and the ends
    P = base.polynomial_along(a, b_)
    R = npoly.polysub(2 * npoly.polymul(npoly.polyder(P), Qf), p * npoly.polymul(P, npoly.polyder(Qf)))
    ts = [0.0, 1.0]
    if np.any(R != 0):
        roots = npoly.polyroots(np.trim_zeros(R, "b")) if np.count_nonzero(R) > 1 else []
        ts += [float(r.real) for r in roots if abs(r.imag) < 1e-9 and 0.0 < r.real < 1.0]
    es = land.energies(a[None, :] + np.array(ts)[:, None] * d[None, :])
    i = int(np.argmax(es))
    hq = (_q(bound) + _q(tau) - _q(land.shift)) * _q(land.divisor)
    if p % 2 == 1 and hq >= 0:
        cert = certify_sampled(lambda t: land.energies(a[None, :] + t[:, None] * d[None, :]),
                               bound, tolerances=tol, label=label, promise=promise, **options)
        cert.details["reason"] = "odd p with a bound on H ≥ 0: no polynomial form; sampled only"
        return cert
    Pq = exact_chord_polynomial(base, a, b_)
    aq = [_q(v) for v in a]
    dq = [_q(v) - x for v, x in zip(b_, aq)]
    Qq = [sum((x * x for x in aq), fmpq(0)), 2 * sum((x * y for x, y in zip(aq, dq)), fmpq(0)),
          sum((y * y for y in dq), fmpq(0))]
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
        holds, max_e, float(ts[i]), float(bound), "exact", tolerances=tol,
        n_evaluations=len(ts), wall_time=time.perf_counter() - start, label=label,
        promise=promise, holds_within=tau if holds and tau > 0 and float(es[i]) > bound else 0.0,
        details={"decided_on": decided_on, "hamiltonian_bound": float(hq),
                 "arithmetic": "rational (python-flint), S and the points as stored",
                 "max_energy_from": "float E at the stationary points along the chord and the "
                                    "ends (capped at bound + τ when the exact test holds)"},
    )
