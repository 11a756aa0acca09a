"""Certificates of E ≤ b along a straight chord of the (projected) p-spin Hamiltonian.

:class:`sublevel.numerics.energies.spin_glass.SphereProjected` is E(x) = H(√N x/‖x‖)/d + shift, with
H(x) = c·S[x, …, x] (S the stored coupling tensor, c = N^{−(p−1)/2} as stored). Along
x(t) = a + t(b − a): P(t) = H(x(t)) (degree p), Q(t) = ‖x(t)‖² (degree 2), and with
h = (b + τ − shift)·d the bound on H, E ≤ b + τ ⇔ N^{p/2}P ≤ h Q^{p/2}:

* even p: F = N^{p/2}P − hQ^{p/2} ≤ 0 on [0, 1];
* odd p, h < 0: P(0) < 0 and G = h²Q^p − N^pP² ≤ 0 (then P never vanishes, so keeps its sign);
  G > 0 somewhere, or P(0) ≥ 0, means E > b + τ there;
* odd p, h ≥ 0: no polynomial form — a *sampled* certificate (never a proof).

**rigorous** (:func:`certify_projected_segment`, what DSS gets): P's coefficients
P_k = C(p, k)·c·S[a^{p−k}, d^k] are contracted in float64 (one GEMM pass over S), with an a
priori bound on their rounding computed alongside (:func:`chord_polynomial_enclosure`):
|P_k − P̃_k| ≤ r_k = C(p, k)|c|·(γ_{pN+k}·Ã_k/(1 − γ_{pN}) + underflow), γ_n = nu/(1 − nu),
u = 2⁻⁵³, Ã_k the same contraction on |S|, |a|, |d̃| (d̃ = fl(b − a), whose rounding is the
γ_k). Q is exact (rationals, O(N)). The decision is exact on the midpoint polynomial widened
by the proven radius R (on [0, 1], |F − F̃| ≤ R): ``holds`` only if F̃ ≤ −R, ``fails`` only if
F̃ > R somewhere, ``inconclusive`` ("within rounding") otherwise. No slack decides; τ is the
user's tolerance (default 0), recorded as ``holds_within`` when needed.

**exact** (:func:`sublevel.numerics.energies.spin_glass_exact.certify_exact_segment`): the same
inequality with P contracted in rational arithmetic (python-flint ``fmpq_mat``, no symmetry of
S assumed) — what an ``inconclusive``
rigorous certificate falls back to when N^p ≤ :data:`EXACT_MAX_ENTRIES` (80–160 ms per chord
at N^p ≈ 1.3–1.6·10⁵ against 8–11 ms for the rigorous one, after a one-off conversion of S;
``benchmarks/bench_spin_glass_certify.py``).

``max_energy`` and ``argmax_t`` are float estimates (E at the float roots of 2P′Q − pPQ′ in
[0, 1] and at the ends); ``max_energy_enclosure`` of a rigorous certificate is proven: its
lower end is E enclosed in rationals at the estimated argmax (a value E takes), its upper end
the lowest trial level at which the rigorous decision holds (the bound itself when the
certificate holds); None when no trial level holds.
"""

from __future__ import annotations

import math
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
    through_origin,
)
from sublevel.numerics.energies.spin_glass_exact import certify_exact_segment
from sublevel.numerics.landscape import as_theta
from sublevel.theory.certificate import Certificate
from sublevel.theory.errors import InputError
from sublevel.theory.exact import round_down, round_up

__all__ = [
    "chord_polynomial_enclosure",
    "certify_projected_segment",
    "EXACT_MAX_ENTRIES",
    "UNIT_ROUNDOFF",
]

#: u = 2⁻⁵³, the unit roundoff of float64 (round to nearest)
UNIT_ROUNDOFF = 2.0**-53
#: an inconclusive rigorous chord is decided in rational arithmetic when N^p ≤ this
EXACT_MAX_ENTRIES = 1_000_000


# ------------------------------------------------------------------------------------------
# rigorous: float contraction with an a priori rounding bound
# ------------------------------------------------------------------------------------------


def _gamma(n: int) -> Any:
    """γ_n = nu/(1 − nu) exactly, u = 2⁻⁵³ (Higham, *Accuracy and Stability*, Lemma 3.1)."""
    from flint import fmpq

    nu = fmpq(n) / fmpq(2) ** 53
    if nu >= 1:
        raise InputError(f"n·u = {n}·2⁻⁵³ ≥ 1: no a priori rounding bound")
    return nu / (1 - nu)


def _first_level(S2: np.ndarray, V: np.ndarray, *, absolute: bool) -> np.ndarray:
    """S2 @ V (or |S2| @ V), chunked over rows so that |S2| is never held in full."""
    step = max(1, (1 << 22) // max(1, S2.shape[1]))
    out = np.empty((S2.shape[0], V.shape[1]))
    for lo in range(0, S2.shape[0], step):
        block = S2[lo : lo + step]
        out[lo : lo + step] = (np.abs(block) if absolute else block) @ V
    return out


def _contract_all(S: np.ndarray, a: np.ndarray, d: np.ndarray, *, absolute: bool) -> np.ndarray:
    """[S[a^{p−k}, d^k] for k = 0..p] in float64: the last axes are contracted first, with a
    (p − k times) then d (k times) — as ``SpinGlass.polynomial_along``."""
    N, p = S.shape[0], S.ndim
    first = _first_level(S.reshape(-1, N), np.stack([a, d], axis=1), absolute=absolute)
    out = np.empty(p + 1)
    for k in range(p + 1):
        vs = [a] * (p - k) + [d] * k  # vs[level] is contracted at that level
        M = first[:, 0 if k < p else 1]
        for v in vs[1:]:
            M = M.reshape(-1, N) @ v
        out[k] = float(M.reshape(-1)[0])
    return out


def chord_polynomial_enclosure(spin_glass: Any, a: Any, b: Any) -> tuple[list[Any], list[Any]]:
    """(P̃, r): rationals with |P_k − P̃_k| ≤ r_k for P(t) = H(a + t(b − a)) = Σ_k P_k t^k.

    P̃_k = C(p, k)·c·fl(S[a^{p−k}, d̃^k]) exactly (the float contraction, d̃ = fl(b − a)) and
    r_k = C(p, k)|c|·(γ_{pN+k}·Ã_k/(1 − γ_{pN}) + 2N^p·2⁻¹⁰⁷⁴·m^p), Ã_k = fl(|S|[|a|^{p−k},
    |d̃|^k]), m = max(1, ‖a‖_∞, ‖d̃‖_∞). Why: each term of the nested dot products goes through at
    most pN roundings (p levels of length-N dot products, in any summation order, FMA or not),
    so |fl(S[a, d̃]) − S[a, d̃]| ≤ γ_{pN}·|S|[|a|, |d̃|]; d = d̃(1 + δ)⁻¹ with |δ| ≤ u adds
    (1 − u)^{−k} − 1 ≤ γ_k; the float Ã_k is ≥ (1 − γ_{pN}) times the true one (sums of
    non-negative terms); the last term covers underflow (absolute error ≤ 2⁻¹⁰⁷⁵ per
    product). Returns lists of ``fmpq`` (increasing degree). Non-finite contractions raise
    :class:`InputError`."""
    from flint import fmpq

    N, p = spin_glass.N, spin_glass.p
    a = as_theta(a, N, name="a")
    d = as_theta(b, N, name="b") - a
    with np.errstate(over="ignore", invalid="ignore"):
        T = _contract_all(spin_glass.S, a, d, absolute=False)
        A = _contract_all(spin_glass.S, np.abs(a), np.abs(d), absolute=True)
    if not (np.all(np.isfinite(T)) and np.all(np.isfinite(A)) and np.all(np.isfinite(d))):
        raise InputError("the chord's polynomial overflows float64: no rigorous enclosure")
    c = dyadic(spin_glass.scale)
    g_pn = _gamma(p * N)
    m = max(1.0, float(np.max(np.abs(a))), float(np.max(np.abs(d))))
    under = 2 * fmpq(N) ** p * fmpq(2) ** -1074 * dyadic(m) ** p
    mids, radii = [], []
    for k in range(p + 1):
        binom = fmpq(math.comb(p, k))
        mids.append(binom * c * dyadic(T[k]))
        radii.append(binom * abs(c) * (_gamma(p * N + k) * dyadic(A[k]) / (1 - g_pn) + under))
    return mids, radii


def _sqrt_bounds(x: Any, bits: int = 96) -> tuple[Any, Any]:
    """Rationals lo ≤ √x ≤ hi for a rational x ≥ 0 (integer square root, 2^−bits·x.q wide)."""
    from flint import fmpq

    n, q = int(x.p), int(x.q)
    s = math.isqrt(n * q * 4**bits)
    den = q * 2**bits
    return fmpq(s, den), fmpq(s + 1, den)


def _bernstein_bound(coeffs: list[Any]) -> Any:
    """max_j |b_j| ≥ max_{t ∈ [0, 1]} |Σ c_k t^k|, b_j = Σ_{k ≤ j} C(j, k)/C(n, k)·c_k the
    Bernstein coefficients (the polynomial is a convex combination of them on [0, 1])."""
    from flint import fmpq

    n = len(coeffs) - 1
    return max(
        abs(
            sum((fmpq(math.comb(j, k), math.comb(n, k)) * coeffs[k] for k in range(j + 1)), fmpq(0))
        )
        for j in range(n + 1)
    )


class _Chord:
    """The rigorous decision along one chord, at any level h on H. Odd p: on [0, 1],
    |P² − P̃²| ≤ R_P(2 max|P̃| + R_P) with max|P̃| bounded by its Bernstein coefficients."""

    def __init__(self, N: int, p: int, mids: list[Any], radii: list[Any], Qq: list[Any]):
        from flint import fmpq, fmpq_poly

        self.N, self.p = N, p
        self.P = fmpq_poly(mids)
        self.Q = fmpq_poly(Qq)
        self.RP = sum(radii, fmpq(0))
        self.radii = radii
        abs_p = _bernstein_bound(mids)  # ≥ max |P̃| on [0, 1]
        if p % 2 == 0:
            self.lhs = fmpq(N ** (p // 2)) * self.P
            self.Qpow = self.Q ** (p // 2)
            self.R = fmpq(N ** (p // 2)) * self.RP
        else:
            self.lhs = fmpq(N**p) * self.P * self.P
            self.Qpow = self.Q**p
            self.R = fmpq(N**p) * self.RP * (2 * abs_p + self.RP)

    def decide(self, h: Any) -> str:
        """holds / fails / inconclusive for N^{p/2}P ≤ hQ^{p/2} on [0, 1] (module docstring)."""
        from flint import fmpq, fmpq_poly
        from sublevel.theory.exact import nonnegative_on

        zero, one = fmpq(0), fmpq(1)
        if self.p % 2 == 0:
            F = self.lhs - h * self.Qpow  # true F within R of F̃ on [0, 1]
            if nonnegative_on(fmpq_poly([-self.R]) - F, zero, one):
                return "holds"
            return "inconclusive" if nonnegative_on(fmpq_poly([self.R]) - F, zero, one) else "fails"
        if h >= 0:
            raise ValueError("odd p needs a bound below 0 on H")
        G = h * h * self.Qpow - self.lhs
        P0, r0 = self.P(zero), self.radii[0]
        if P0 - r0 >= 0 or not nonnegative_on(fmpq_poly([self.R]) - G, zero, one):
            return "fails"
        if P0 + r0 < 0 and nonnegative_on(fmpq_poly([-self.R]) - G, zero, one):
            return "holds"
        return "inconclusive"

    def energy_bounds(self, t: Any, divisor: Any, shift: Any) -> tuple[Any, Any]:
        """Rationals lo ≤ E(t) ≤ hi: P(t) ± Σ r_k t^k, (N/Q(t))^{p/2} bounded by integer
        square roots for odd p."""
        from flint import fmpq, fmpq_poly

        rt = fmpq_poly(self.radii)(t)
        Pt = self.P(t)
        ratio = fmpq(self.N) / self.Q(t)
        if self.p % 2 == 0:
            f_lo = f_hi = ratio ** (self.p // 2)
        else:
            s_lo, s_hi = _sqrt_bounds(ratio)
            base = ratio ** ((self.p - 1) // 2)
            f_lo, f_hi = base * s_lo, base * s_hi
        prods = [f * x for f in (f_lo, f_hi) for x in (Pt - rt, Pt + rt)]
        return min(prods) / divisor + shift, max(prods) / divisor + shift


def certify_projected_segment(
    land: Any,
    a: Any,
    b: Any,
    bound: float,
    *,
    tolerances: dict[str, float] | None = None,
    label: str = "projected segment",
    promise: str = "",
    origin_rtol: float = 1e-8,
    exact_fallback: bool = True,
    **options: Any,
) -> Certificate:
    """E(a + t(b − a)) ≤ bound + τ on [0, 1] for a ``SphereProjected`` landscape: ``rigorous``
    (float contraction, proven rounding radius, module docstring); an ``inconclusive`` outcome
    is decided ``exact`` instead when ``exact_fallback`` and N^p ≤ EXACT_MAX_ENTRIES. Odd p with
    a bound on H ≥ 0: ``sampled`` (``options`` go to ``certify_sampled``). A chord through
    (numerically: min ‖x(t)‖² ≤ ``origin_rtol``·max(‖a‖², ‖b‖²)) the origin: ``sampled``,
    inconclusive. ``max_energy``/``argmax_t``: float estimates; ``max_energy_enclosure``: proven
    (module docstring)."""
    from flint import fmpq

    inp = chord_inputs(land, a, b, bound, tolerances)
    tol, tau = inp.tol, inp.tol["tau"]
    early = origin_certificate(inp, bound, origin_rtol, label, promise)
    if early is not None:
        return early
    N, p = land.N, land.p
    div, shift = dyadic(land.divisor), dyadic(land.shift)
    h0 = (dyadic(bound) - shift) * div
    ht = (dyadic(bound) + dyadic(tau) - shift) * div
    if p % 2 == 1 and ht >= 0:
        return sampled_only(land, inp, bound, label, promise, options)
    mids, radii = chord_polynomial_enclosure(land.base, inp.a, inp.b)
    Qq = exact_q(inp.a, inp.b)
    qmin = Qq[0] if Qq[2] == 0 else _min_on_unit(Qq)
    if qmin <= 0:  # exactly through the origin (the float test above missed it)
        return through_origin(
            inp, bound, label, promise, {"reason": "segment passes through the origin (exact)"}
        )
    chord = _Chord(N, p, mids, radii, Qq)
    outcome, within = chord.decide(h0), 0.0
    if outcome != "holds" and tau > 0:
        outcome = chord.decide(ht)
        within = tau if outcome == "holds" else 0.0
    n_entries = N**p
    if outcome == "inconclusive" and exact_fallback and n_entries <= EXACT_MAX_ENTRIES:
        cert = certify_exact_segment(
            land,
            inp.a,
            inp.b,
            bound,
            tolerances=tolerances,
            label=label,
            promise=promise,
            origin_rtol=origin_rtol,
            **options,
        )
        cert.details["rigorous_outcome"] = "inconclusive (within rounding): decided exactly"
        cert.wall_time = time.perf_counter() - inp.start
        return cert
    # float estimate of the maximum: stationary points of N^{p/2} P Q^{−p/2} and the ends
    Pf = np.array([float(m) for m in mids])
    ts, es, i = stationary_points(land, inp, Pf, drop_top=True)
    enclosure, trials = _enclosure(land, chord, ts, i, float(bound), outcome, within, div, shift)
    margin = float(bound) - (enclosure[1] if enclosure is not None else float(es[i]))
    if outcome == "holds" and within == 0.0:
        margin = max(margin, 0.0)
    elif outcome == "fails":
        margin = min(margin, -0.0)
    radius = round_up(sum(radii, fmpq(0)))
    return Certificate(
        outcome == "holds",
        float(es[i]),
        float(ts[i]),
        float(bound),
        "rigorous",
        margin=margin,
        tolerances=tol,
        n_evaluations=len(ts),
        wall_time=time.perf_counter() - inp.start,
        label=label,
        promise=promise,
        outcome=outcome,
        max_energy_enclosure=enclosure,
        holds_within=within,
        details={
            "decided_on": "N^{p/2}P − hQ^{p/2} ≤ 0"
            if p % 2 == 0
            else "P(0) < 0 and h²Q^p − N^pP² ≤ 0",
            "hamiltonian_bound": float(h0),
            "coefficient_radius_sum": radius,
            "arithmetic": "float64 contraction with a priori γ_n rounding bounds; Q exact",
            "enclosure_trials": trials,
            "max_energy_from": "float E at the stationary points along the chord and the "
            "ends (an estimate; the enclosure is proven)",
        },
    )


def _min_on_unit(Qq: list[Any]) -> Any:
    """min over t ∈ [0, 1] of the convex quadratic Q (Q₂ > 0), exactly."""
    from flint import fmpq, fmpq_poly

    t = -Qq[1] / (2 * Qq[2])
    t = min(max(t, fmpq(0)), fmpq(1))
    return fmpq_poly(Qq)(t)


def _enclosure(
    land: Any,
    chord: _Chord,
    ts: list[float],
    i: int,
    bound: float,
    outcome: str,
    within: float,
    div: Any,
    shift: Any,
) -> tuple[tuple[float, float] | None, int]:
    """Proven (lo, hi) around max E: lo = the rational lower bound of E at the estimated
    argmax (raised to the bound when the outcome is ``fails``); hi = the bound when the
    certificate holds with τ = 0, else the first of a few trial levels above the estimate at
    which the rigorous decision holds. None when no upper end is proven."""
    lo_q, hi_q = chord.energy_bounds(dyadic(ts[i]), div, shift)
    lo = round_down(lo_q)
    if outcome == "fails":
        lo = max(lo, bound)
    hi = bound if outcome == "holds" and within == 0.0 else None
    top = round_up(hi_q)
    # the level change that the radius R can hide (a heuristic for the first trial; the proof
    # is the decision at the trial level): ∂F/∂h = −Q^{p/2} (even p), |∂G/∂h| = 2|h|Q^p (odd)
    qmin = float(_min_on_unit([chord.Q[k] for k in range(3)]))
    r = float(chord.R)
    dv = float(div)
    if land.p % 2 == 0:
        spread = r / (dv * qmin ** (land.p / 2))
    else:
        spread = r / (dv * max(2 * abs((top - float(shift)) * dv), 1e-300) * qmin**land.p)
    step = max(2 * spread, max(1.0, abs(top)) * 2.0**-50)
    n_trials = 0
    for j in range(5):
        level = top + step * 8.0**j
        if hi is not None and level >= hi:
            break
        h = (dyadic(level) - shift) * div
        if land.p % 2 == 1 and h >= 0:
            break
        n_trials += 1
        if chord.decide(h) == "holds":
            hi = level
            break
    if hi is None or lo > hi:
        return None, n_trials
    return (lo, hi), n_trials
