"""Checks of the quadratic-network claims of the talk (papers.md §4.3, T8, T9; THEORY.md C10).

Claims: ``lbb.quadratic.2layer`` (ρ = z², scalar output, M ≥ 2N ⇒ no poor local minima) and
``lbb.quadratic.deep`` (K quadratic layers with M_k ≥ 3N^{2^k} ⇒ connected sublevel sets, read
as: the runs reach the least-squares optimum over degree-2^K forms). Both are optimisation
experiments against the lifted optimum (numerical evidence, never proofs); with trained output
weights the two-layer statement is refuted by a certified sign trap
(:func:`sublevel.numerics.energies.sign_trap.sign_trap`), classified as a poor minimum with
a flat escape or a spurious valley. The controls narrow the layers below the thresholds.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer
from sublevel.proofs_checks.evidence import Evidence, control_outcome
from sublevel.proofs_checks.registry import check, negative_control
from sublevel.theory.claims import get_claim


@dataclass(frozen=True)
class QuadraticParams:
    """The ``--param`` values of ``lbb.quadratic.2layer`` (check and control).

    n is drawn in 2..``max_n``; p = ⌈``width_factor``·n⌉ + ``width_offset`` units; ``runs``
    random inits; Gaussian label ``noise``; ``sign`` of the output weights: ``balanced``
    (fixed ±1), ``free`` (trained) or ``nonnegative`` (u = 1).
    """

    max_n: int = 4
    width_factor: float = 2.0
    width_offset: int = 0
    runs: int = 5
    noise: float = 0.1
    sign: str = "balanced"


def _quadratic_runs_evidence(
    land: Any,
    optimum: float,
    runs: list[Any],
    rng: np.random.Generator,
    info: dict[str, Any],
    label: str,
) -> Evidence:
    """numerical verdict: violated if a run ends at a stable PSD critical point above the lifted
    optimum (a poor local minimum); inconclusive if a run neither succeeded nor converged."""
    from sublevel.numerics.energies.optimisation_runs import stable_minimum

    poor, escaped = [], 0
    for r in runs:
        if r.kind in ("poor minimum", "degenerate above optimum"):
            tol = 1e-6 * max(1.0, abs(r.energy))
            if stable_minimum(land, r.theta, r.energy, rng, tol=tol)[0]:
                poor.append(r.energy)
            else:
                escaped += 1
    kinds: dict[str, int] = {}
    for r in runs:
        kinds[r.kind] = kinds.get(r.kind, 0) + 1
    success = kinds.get("success", 0)
    if poor:
        outcome = "violated"
    elif success + kinds.get("saddle", 0) + escaped == len(runs):
        outcome = "verified"
    else:
        outcome = "inconclusive"
    gaps = [r.gap for r in runs]
    return Evidence(
        outcome=outcome,
        margin=-max(gaps) if gaps else None,
        instance=info,
        details={
            "lifted_optimum": optimum,
            "runs": [r.to_dict() for r in runs],
            "kinds": kinds,
            "poor_local_minima": poor,
            "escaped_on_perturbation": escaped,
        },
        message=(
            f"{label}: {success}/{len(runs)} runs reach the lifted optimum {optimum:.6g}; "
            f"others: { ({k: v for k, v in kinds.items() if k != 'success'}) }"
            + (f"; POOR LOCAL MINIMA at {poor}" if poor else "")
        ),
        methods=["optimisation"],
    )


def _unreached(ev: Evidence, broken: str, reached: str) -> Evidence:
    """A narrow network's control: detected when some run fails to reach the lifted optimum
    (the conclusion fails); ``broken`` prefixes the message, ``reached`` replaces it if not."""
    fails = ev.details["kinds"].get("success", 0) < len(ev.details["runs"])
    ev.outcome = control_outcome(conclusion_fails=fails)
    ev.message = (broken + ev.message) if fails else reached
    return ev


def _quadratic_data(
    rng: np.random.Generator, n: int, noise: float
) -> tuple[np.ndarray, np.ndarray]:
    L = 3 * n * (n + 1) // 2 + 5
    X = rng.normal(size=(L, n))
    A = rng.normal(size=(n, n))
    A = (A + A.T) / 2
    return X, np.einsum("li,ij,lj->l", X, A, X) + noise * rng.normal(size=L)


def _quadratic_instance(seed: int, s: QuadraticParams, trap: bool = True) -> Evidence:
    from sublevel.numerics.energies.optimisation_runs import optimisation_runs
    from sublevel.numerics.energies.quadratic_widths import quadratic_network
    from sublevel.numerics.energies.sign_trap import sign_trap

    runs, sign = s.runs, s.sign
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, s.max_n + 1))
    p = max(1, int(math.ceil(s.width_factor * n)) + s.width_offset)
    X, y = _quadratic_data(rng, n, s.noise)
    target, init, f_star = quadratic_network(X, y, p, sign)
    found = optimisation_runs(target, f_star, runs, rng, init=init)
    info = {
        "n": n,
        "p": p,
        "L": X.shape[0],
        "sign": sign,
        "runs": runs,
        "hypotheses_hold": get_claim("lbb.quadratic.2layer").hypotheses_hold(p=p, n=n),
    }
    ev = _quadratic_runs_evidence(target, f_star, found, rng, info, f"n = {n}, p = {p}")
    if not trap or p < n:
        return ev
    st = sign_trap(X, y, p)
    if st is None:
        return ev
    ev.details["trained_output_sign_trap"] = st.to_dict()
    kind = _sign_trap_kind(X, y, p, st)
    ev.details["sign_trap_classification"] = kind
    if sign == "free" and st.certified:
        ev.outcome = "violated"
        ev.margin = -st.gap
        valley = (
            "it is a spurious valley (no flat escape, strict modulo rescaling): a "
            "no-spurious-valley statement is refuted too"
            if kind == "spurious valley"
            else f"it is a {kind}, NOT a spurious valley: a no-spurious-valley statement is not "
            "refuted"
        )
        ev.message = (
            f"literal statement 'no poor local minima' (u trained) refuted at p = {p}: "
            f"every u_i {'< 0' if st.sign < 0 else '> 0'} is a non-strict local minimum "
            f"(A stays in a cone; E = {st.energy:.6g} = cone optimum "
            f"{st.cone_optimum:.6g}, cvxpy) above the global minimum "
            f"{st.global_energy:.6g}; {valley}; " + ev.message
        )
        ev.methods = ["optimisation", "sdp"]
    elif st.certified:
        ev.message += (
            f"; with trained u the statement fails (certified sign trap, E = "
            f"{st.energy:.4g} > {st.global_energy:.4g})"
        )
    return ev


def _sign_trap_kind(X: np.ndarray, y: np.ndarray, p: int, st: Any) -> str:
    """'poor non-strict local minimum with a flat escape' (a unit with w = 0 flips its output
    weight at constant energy and the energy then descends — the sign trap's own ``escape``, or
    sublevel.numerics.barrier_escape), 'spurious valley' (no escape found and the exact Hessian is
    positive definite modulo rescaling), else 'poor non-strict local minimum, no escape found'."""
    from sublevel.numerics.barrier_escape import classify_poor_minimum

    esc = st.escape or {}
    if esc and esc.get("descends_to", 0.0) < 0 and esc.get("flip_energy_change", 1.0) == 0.0:
        return "poor non-strict local minimum with a flat escape"
    land = EmpiricalTwoLayer("z**2", X, y, p)
    cls = classify_poor_minimum(land, st.theta, st.energy, np.random.default_rng(0))
    if cls["classification"] == "degenerate minimum with a flat escape":
        return "poor non-strict local minimum with a flat escape"
    if cls["classification"] == "spurious valley":
        return "spurious valley"
    return "poor non-strict local minimum, no escape found"


@check("lbb.quadratic.2layer", instances=4, **dataclasses.asdict(QuadraticParams()))
def quadratic_two_layer(seed: int, **params: Any) -> Evidence:
    """ρ = z², scalar output, p = ⌈width_factor·n⌉ + width_offset (default 2n): ``runs`` random
    inits, L-BFGS to ‖∇E‖ ≤ 1e-9, success = the lifted optimum over Sym(n) (least squares on
    vec(xxᵀ); cvxpy SDP over A ⪰ 0 for ``sign=nonnegative``, u = 1 fixed); the rest classified
    by the Hessian and a perturbation test. ``sign``: ``balanced`` (default: u fixed, ⌈p/2⌉ of
    +1 and ⌊p/2⌋ of −1 — the setting in which M ≥ 2N means ≥ N units of each sign), ``free`` (u
    trained, the literal reading: then the certified sign trap of
    :func:`sublevel.numerics.energies.sign_trap.sign_trap` refutes it, outcome violated) or
    ``nonnegative`` (u = 1). Every instance also records the sign trap of its data. The full
    width sweep (≥ 200 inits per width) is ``benchmarks/bench_intrinsic.py quadratic``."""
    return _quadratic_instance(seed, QuadraticParams(**params))


@negative_control("lbb.quadratic.2layer")
def quadratic_two_layer_narrow(seed: int, **params: Any) -> Evidence:
    """p = n − 1 < n: rank ≤ n − 1 (and fewer than n units of a sign), so no run can reach the
    (full-rank) lifted optimum; the check must report the failures."""
    s = QuadraticParams(**params)
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, s.max_n + 1))
    # u = 1 fixed needs only p ≥ rank of the PSD optimum (Burer–Monteiro): break with signs
    broken = "free" if s.sign == "nonnegative" else s.sign
    narrow = dataclasses.replace(s, width_factor=0.0, width_offset=n - 1, sign=broken)
    ev = _quadratic_instance(seed, narrow, trap=False)
    return _unreached(ev, "p = n − 1: ", "runs reached the optimum with p = n − 1")


@lru_cache(maxsize=8)
def _deep_dimensions(n: int, K: int) -> tuple[dict[str, int], ...]:
    from sublevel.numerics.energies.quadratic_deep import lifted_dimensions

    return tuple(lifted_dimensions(n, K))


def _deep_instance(
    seed: int,
    n: int,
    K: int,
    width_factor: float,
    runs: int,
    noise: float,
    hidden: list[int] | None = None,
) -> Evidence:
    from sublevel.numerics.energies.optimisation_runs import optimisation_runs
    from sublevel.numerics.energies.quadratic_deep import DeepQuadratic, form_features

    rng = np.random.default_rng(seed)
    hidden = hidden or [
        max(1, int(math.ceil(width_factor * 3 * n ** (2**k)))) for k in range(1, K + 1)
    ]
    dim = math.comb(n + 2**K - 1, 2**K)
    L = 2 * dim + 5
    X = rng.normal(size=(L, n))
    Y = form_features(X, 2**K) @ rng.normal(size=dim) + noise * rng.normal(size=L)
    land = DeepQuadratic(X, Y, hidden)
    f_star = land.lifted_optimum()
    found = optimisation_runs(land, f_star, runs, rng)
    dims = _deep_dimensions(n, K)
    info = {
        "n": n,
        "K": K,
        "hidden": hidden,
        "L": L,
        "runs": runs,
        "hypotheses_hold": get_claim("lbb.quadratic.deep").hypotheses_hold(n=n, hidden=hidden),
    }
    ev = _quadratic_runs_evidence(land, f_star, found, rng, info, f"n = {n}, K = {K}, M = {hidden}")
    dims_ok = all(d["closed_form"] == d["exact_rank"] for d in dims)
    ev.details["lifted_dimensions"] = list(dims)
    ev.details["lifted_dimensions_exact"] = dims_ok
    if not dims_ok:
        ev.outcome = "violated"
        ev.message = "lifted dimension mismatch: " + str(dims)
    else:
        ev.message += (
            "; lifted dims per layer "
            + ", ".join(f"{d['degree']}: {d['exact_rank']}" for d in dims)
            + " (exact = closed form)"
        )
    return ev


@check("lbb.quadratic.deep", instances=2, n=2, K=2, width_factor=1.0, runs=3, noise=0.1)
def quadratic_deep(
    seed: int, n: int, K: int, width_factor: float, runs: int, noise: float
) -> Evidence:
    """K quadratic layers with M_k = ⌈width_factor · 3n^{2^k}⌉ (default: the talk's bound): the
    lifted dimension per layer, exact rank = C(n + 2^k − 1, 2^k); ``runs`` random inits reach the
    least-squares optimum over degree-2^K forms, or the failures are classified."""
    return _deep_instance(seed, n, K, width_factor, runs, noise)


@negative_control("lbb.quadratic.deep")
def quadratic_deep_narrow(
    seed: int, n: int, K: int, width_factor: float, runs: int, noise: float
) -> Evidence:
    """One unit per layer (far below 3n^{2^k}): the output is c·(w·x)^{2^K}, so the runs cannot
    reach the lifted optimum and the check must report it."""
    ev = _deep_instance(seed, n, K, width_factor, runs, noise, hidden=[1] * K)
    return _unreached(ev, "M_k = 1: ", "one unit per layer reached the optimum")
