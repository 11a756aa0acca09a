"""Check of ``abc13.spin-glass`` (conjecture; papers.md §7 and C18): a counterexample search.

Each instance looks for a counterexample to

1. the *consistency of the recalled formulas* (:mod:`theory.spin_glass`, mpmath at 30 digits and
   sympy): the branches of Θ_{k,p} meet at −E_∞, I_1 is the integral of its derivative,
   Θ_p = Θ_{0,p} below −E_∞, the monotonicities, E_0 > E_1 > … > E_{k_max} > E_∞ with the
   k → ∞ asymptotics, and the §7 table (p = 3, 4, 5, 10) reproduced to 6 decimals;
2. the *normalisation* the formulas assume: E H(σ)H(σ′) = N R^p, by Monte Carlo over
   ``cov_samples`` disorders at N = ``cov_N`` (|z| ≤ ``cov_z`` at R = 1, 1/2, 0);
3. "*gradient-descent minima lie near −E_∞, never far below −E_0*": Riemannian L-BFGS from
   ``n_starts`` random starts on one disorder at N (and at ``small_N``); at the local minima
   reached (batched Riemannian L-BFGS, converged, index 0 by the tangent Hessian), with
   finite-size allowances that shrink
   like N^{−1/2}:
   * every H/N ≥ −E_0 − ``lower_coef``/√N (nothing far below the ground state),
   * median H/N ≤ −E_∞ + ``upper_coef``/√N (concentration near the threshold; at finite N the
     minima sit *above* −E_∞ and move down to it as N grows — measured, see the example),
   * the finite-N trend (mean H/N at N against ``small_N``) is recorded, not judged: with one
     disorder per size the spread between disorders is as large as the shift.

The negative control runs the same search with one hypothesis broken at a time and reports
``detected`` only if all three are caught: couplings symmetrised with unit variance (energies
×√p!: minima far below −E_0, covariance p!·R^p), the sphere of radius 1 instead of √N (minima
at H/N ≈ 0, far above −E_∞) and I_1 recalled without its log E_∞ term (the branches of Θ no
longer meet at −E_∞).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

from proofs_checks.evidence import Evidence, control_outcome
from proofs_checks.registry import check, negative_control, path_builder
from theory import spin_glass as sgt
from theory.claims import get_claim
from theory.errors import HypothesisError

CLAIM = "abc13.spin-glass"

#: I_1 recalled without "+ log E_∞" — the mis-recalled formula of the negative control
MISRECALLED_FORMULAS = sgt.Formulas(
    "I_1 without log E_inf (negative control)",
    sgt.RECALLED_FORMULAS.e_inf,
    lambda u, e: sgt.RECALLED_FORMULAS.i1(u, e) - __import__("mpmath").log(e),
    sgt.RECALLED_FORMULAS.plateau,
)
_FORMULAS = {"recalled": sgt.RECALLED_FORMULAS, "misrecalled": MISRECALLED_FORMULAS}


# ---------------------------------------------------------------------------- formulas


@lru_cache(maxsize=8)
def _formula_findings(p: int, k_max: int, which: str) -> dict[str, Any]:
    """Consistency of Θ for p (and the §7 table and sympy identities for the recalled ones)."""
    f = _FORMULAS[which]
    cons = sgt.consistency(p, k_max=k_max, formulas=f)
    problems = [f"formula check {name} fails for p = {p}" for name in cons.failed]
    details: dict[str, Any] = {"formulas": f.name, "checks": cons.checks,
                               "residuals": cons.residuals, "thresholds": cons.thresholds}
    if which == "recalled":
        table = sgt.compare_with_recalled()
        symbolic = sgt.symbolic_identities()
        problems += [f"§7 table: p = {d['p']} {d['column']} recalled {d['recalled']} vs "
                     f"computed {d['computed']:.6f}" for d in table]
        problems += [f"symbolic identity {k} fails" for k, ok in symbolic.items() if not ok]
        details.update(table_disagreements=table, symbolic=symbolic)
        details["E_inf"] = float(sgt.E_infinity(p))
    return {"problems": problems, "details": details}


# ---------------------------------------------------------------------------- disorders


def _disorder(kind: str, N: int, p: int, seed: int) -> Any:
    from numerics.energies.spin_glass import SpinGlass, symmetrise

    if kind == "iid":
        return SpinGlass(N, p, seed)
    if kind == "symmetric-unit-variance":  # a normalisation error: sym(J)·√p!
        J = np.random.default_rng(seed).standard_normal((N,) * p)
        return SpinGlass.from_couplings(symmetrise(J) * math.sqrt(math.factorial(p)))
    raise ValueError(f"unknown disorder kind {kind!r}")


def _minima(kind: str, N: int, p: int, seed: int, n_starts: int, radius: float | None) -> np.ndarray:
    from numerics.sphere import blas_threads, sample_minima

    land = _disorder(kind, N, p, seed)
    with blas_threads(1):
        sample = sample_minima(land, n_starts, seed + 1, radius=radius, method="lbfgs-batch")
    return sample.energies / N, sample


# ---------------------------------------------------------------------------- the search


def _search(seed: int, *, p: int, N: int, small_N: int, n_starts: int, k_max: int,
            lower_coef: float, upper_coef: float, cov_N: int, cov_samples: int,
            cov_z: float, disorder: str = "iid", radius_one: bool = False,
            formulas: str = "recalled") -> dict[str, Any]:
    from numerics.energies.spin_glass import covariance_estimate

    if not get_claim(CLAIM).hypotheses_hold(p=p, N=N):
        raise HypothesisError(f"p = {p}, N = {N}: {CLAIM} needs p ≥ 3 and N ≥ 2", claim=CLAIM)
    problems: list[str] = []
    margins: dict[str, float] = {}
    details: dict[str, Any] = {}

    # 1. formulas
    ff = _formula_findings(p, k_max, formulas)
    problems += ff["problems"]
    details["formulas"] = ff["details"]
    e0 = float(sgt.threshold(0, p))
    e_inf = float(sgt.E_infinity(p))

    # 2. covariance E H(σ)H(σ') = N R^p
    cov = covariance_estimate(cov_N, p, [1.0, 0.5, 0.0], cov_samples, seed,
                              disorder=lambda s: _disorder(disorder, cov_N, p, s))
    worst_z = max(abs(z) for z in cov["z"])
    margins["covariance"] = cov_z - worst_z
    details["covariance"] = cov
    if worst_z > cov_z:
        problems.append(f"covariance E H H'/N at R = {cov['overlaps']}: {np.round(cov['estimate'], 3).tolist()}"
                        f" vs R^p = {np.round(cov['theory'], 3).tolist()} (|z| = {worst_z:.1f} > {cov_z})")

    # 3. minima from random starts
    radius = 1.0 if radius_one else None
    sizes = [N] + ([small_N] if small_N else [])
    found: dict[int, np.ndarray] = {}
    for n in sizes:
        e, sample = _minima(disorder, n, p, seed + 7 * n, n_starts, radius)
        found[n] = e
        details[f"minima_N{n}"] = {"energies_per_spin": np.round(np.sort(e), 5).tolist(),
                                   "n_starts": sample.n_starts, "n_converged": sample.n_converged,
                                   "n_saddles_reached": sample.n_saddles}
    e = found[N]
    if e.size < max(2, n_starts // 2):
        details["window"] = None
        return {"problems": problems, "margins": margins, "details": details,
                "enough_minima": False}
    floor = -e0 - lower_coef / math.sqrt(N)
    ceiling = -e_inf + upper_coef / math.sqrt(N)
    median = float(np.median(e))
    margins["lowest_minimum"] = float(np.min(e)) - floor
    margins["median_minimum"] = ceiling - median
    details["window"] = {"floor": floor, "ceiling_for_median": ceiling, "E_0": e0, "E_inf": e_inf,
                         "lowest": float(np.min(e)), "median": median, "mean": float(np.mean(e))}
    if np.min(e) < floor:
        problems.append(f"a minimum at H/N = {np.min(e):.4f} < −E_0 − {lower_coef}/√N = {floor:.4f}")
    if median > ceiling:
        problems.append(f"median of minima H/N = {median:.4f} > −E_∞ + {upper_coef}/√N = {ceiling:.4f}")
    if small_N and found[small_N].size >= 2:
        # recorded, not judged: one disorder per size, so the spread between disorders (about
        # as large as the expected shift at these sizes) is not in this standard error; the
        # trend is measured over many disorders in examples/spin_glass.py
        small = found[small_N]
        se = math.sqrt(np.var(e, ddof=1) / e.size + np.var(small, ddof=1) / small.size)
        details["trend"] = {"mean_N": float(np.mean(e)), "mean_small_N": float(np.mean(small)),
                            "difference": float(np.mean(e) - np.mean(small)),
                            "stderr_within_disorder": se}
    return {"problems": problems, "margins": margins, "details": details, "enough_minima": True}


_DEFAULTS = dict(p=3, N=50, small_N=25, n_starts=12, k_max=3, lower_coef=1.0, upper_coef=2.0,
                 cov_N=6, cov_samples=200, cov_z=4.5)


@check(CLAIM, instances=3, **_DEFAULTS)
def spin_glass(seed: int, p: int, N: int, small_N: int, n_starts: int, k_max: int,
               lower_coef: float, upper_coef: float, cov_N: int, cov_samples: int,
               cov_z: float) -> Evidence:
    """Counterexample search: formulas' consistency, the covariance, and the energies of
    gradient-descent minima against the window around [−E_0, −E_∞]."""
    params = dict(p=p, N=N, small_N=small_N, n_starts=n_starts, k_max=k_max,
                  lower_coef=lower_coef, upper_coef=upper_coef, cov_N=cov_N,
                  cov_samples=cov_samples, cov_z=cov_z)
    res = _search(seed, **params)
    margin = min(res["margins"].values()) if res["margins"] else None
    methods = ["exact", "high-precision", "monte-carlo", "optimisation"]
    if res["problems"]:
        return Evidence("violated", margin=margin, instance={"p": p, "N": N, "seed": seed},
                        details=res["details"], methods=methods,
                        message="counterexample: " + "; ".join(res["problems"]))
    if not res["enough_minima"]:
        return Evidence("inconclusive", margin=margin, instance={"p": p, "N": N, "seed": seed},
                        details=res["details"], methods=methods,
                        message=f"fewer than {max(2, n_starts // 2)} converged minima at N = {N}")
    w = res["details"]["window"]
    return Evidence(
        "verified", margin=margin, instance={"p": p, "N": N, "seed": seed},
        details=res["details"], methods=methods,
        message=(f"formulas consistent, §7 table reproduced; minima H/N ∈ [{w['lowest']:.4f}, …], "
                 f"median {w['median']:.4f} (window: ≥ {w['floor']:.4f}, median ≤ "
                 f"{w['ceiling_for_median']:.4f}; −E_0 = {-w['E_0']:.4f}, −E_∞ = {-w['E_inf']:.4f})"),
    )


@negative_control(CLAIM)
def spin_glass_broken(seed: int, p: int, N: int, small_N: int, n_starts: int, k_max: int,
                      lower_coef: float, upper_coef: float, cov_N: int, cov_samples: int,
                      cov_z: float) -> Evidence:
    """The same search with (a) sym(J)·√p! couplings, (b) radius 1, (c) I_1 without log E_∞:
    each must produce a counterexample."""
    params = dict(p=p, N=N, small_N=0, n_starts=n_starts, k_max=k_max, lower_coef=lower_coef,
                  upper_coef=upper_coef, cov_N=cov_N, cov_samples=cov_samples,
                  cov_z=cov_z)
    variants = {
        "symmetrised couplings with unit variance": dict(disorder="symmetric-unit-variance"),
        "sphere of radius 1 instead of √N": dict(radius_one=True),
        "I_1 without its log E_∞ term": dict(formulas="misrecalled"),
    }
    caught: dict[str, list[str]] = {}
    for name, broken in variants.items():
        if name == "I_1 without its log E_∞ term":
            caught[name] = _formula_findings(p, k_max, "misrecalled")["problems"]
            continue
        caught[name] = _search(seed, **params, **broken)["problems"]
    missed = [name for name, probs in caught.items() if not probs]
    return Evidence(
        control_outcome(conclusion_fails=not missed),
        instance={"p": p, "N": N, "seed": seed},
        details={"problems_found": caught},
        message=("not detected: " + ", ".join(missed)) if missed else
        "; ".join(f"{name}: {probs[0]}" for name, probs in caught.items()),
    )


@path_builder(CLAIM)
def spin_glass_barrier_path(seed: int, p: int, N: int, small_N: int, n_starts: int, k_max: int,
                            lower_coef: float, upper_coef: float, cov_N: int, cov_samples: int,
                            cov_z: float) -> Any:
    """The DSS string between the two lowest distinct minima found at N, at the lowest level
    where DSS connected them (bisection), seen through σ ↦ √N σ/‖σ‖ (energy per spin); each
    chord is certified exactly (``SphereProjected.certify_segment``)."""
    from numerics.energies.spin_glass import SphereProjected, connection_level
    from numerics.paths.base import LE_BOUND, Path, Segment
    from numerics.profile import PathProfile
    from numerics.sphere import blas_threads, deduplicate

    land = _disorder("iid", N, p, seed)
    _, sample = _minima("iid", N, p, seed, max(n_starts, 8), None)
    keep = deduplicate(sample.points)
    if len(keep) < 2:
        raise HypothesisError(f"only {len(keep)} distinct minimum found at N = {N}, seed {seed}",
                              claim=CLAIM)
    pts, es = sample.points[keep], sample.energies[keep]
    order = np.argsort(es)
    a, b = pts[order[0]], pts[order[1]]
    with blas_threads(1):
        conn = connection_level(land, a, b)
    if conn.beads is None:
        raise HypothesisError("DSS did not connect the two minima even at the arc maximum", claim=CLAIM)
    bound = conn.level + 0.002  # connection_level's accept_slack
    profile_land = SphereProjected(land, per_spin=True)
    pieces, certs = [], []
    for i, (x, y) in enumerate(zip(conn.beads[:-1], conn.beads[1:])):
        label = f"DSS {i}"
        pieces.append(Segment(x, y, label=label, promise=LE_BOUND))
        certs.append(profile_land.certify_segment(x, y, bound, label=label, promise=LE_BOUND))
    return PathProfile(
        path=Path(pieces), landscape=profile_land, bound=bound, certificates=certs,
        title=f"{p}-spin N={N} seed {seed}: DSS between the 2 lowest minima at H/N ≤ {bound:.4f}",
        info={"E_a/N": conn.energies[0], "E_b/N": conn.energies[1], "overlap": conn.overlap,
              "barrier": conn.barrier, "great-circle arc max": conn.arc_max,
              "arc normalised length": conn.arc_normalized_length,
              "exactly certified": conn.exact, "-E_inf": -float(sgt.E_infinity(p)),
              "-E_0": -float(sgt.threshold(0, p)), "bound_label": "DSS connection level"},
    )
