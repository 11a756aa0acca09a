"""Check of ``abc13.spin-glass`` (conjecture; papers.md §7 and C18): a counterexample search.

Each instance looks for a counterexample to

1. the *consistency of the recalled formulas* (:mod:`sublevel.theory.spin_glass`, mpmath at 30 digits and
   sympy): the branches of Θ_{k,p} meet at −E_∞, I_1 is the integral of its derivative,
   Θ_p = Θ_{0,p} below −E_∞, the monotonicities, E_0 > E_1 > … > E_{k_max} > E_∞ with the
   k → ∞ asymptotics, and the §7 table (p = 3, 4, 5, 10) reproduced to 6 decimals;
2. the *normalisation* the formulas assume: E H(σ)H(σ′) = N R^p, by Monte Carlo over
   ``cov_samples`` disorders at N = ``cov_N`` (|z| ≤ ``cov_z`` at R = 1, 1/2, 0);
3. "*gradient-descent minima lie near −E_∞, never far below −E_0*": Riemannian L-BFGS from
   ``n_starts`` random starts on disorders·200/N disorders at each N of 50, 100, 200 (8, 4, 2
   by default; and 1 at 400 in the long mode, ``--param long=true``); at the local minima reached (converged, index 0 by
   the tangent Hessian):
   * every H/N ≥ −E_0 − ``lower_coef``/√N (nothing far below the ground state),
   * the finite-size trend: the medians decrease with N, and the means fit a + b·N^(−2/3)
     (:func:`sublevel.theory.spin_glass.finite_size_fit`; the exponent is the measured one, ABC'13 give
     no rate) with |a + E_∞| ≤ ``fit_tol`` (0.03 for N ≤ 200; ``fit_tol_long`` = 0.015 with
     N = 400, about 2 minutes per disorder at N = 400 on one core). A fixed ceiling such as −E_∞ + 2/√N (−1.350 at N = 50, while E_0 − E_∞ = 0.024)
     tests nothing; the trend does.

The negative control runs the same search with the normalisation broken — couplings
symmetrised with unit variance (energies ×√p!: the fit extrapolates near −4.0), the sphere of
radius 1 instead of √N (minima at H/N ≈ 0) — each of which must fail the finite-size fit, and
I_1 recalled without its log E_∞ term (the branches of Θ no longer meet at −E_∞); detected
only if all three are caught.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
from sublevel.proofs_checks.evidence import Evidence, control_outcome
from sublevel.proofs_checks.registry import check, negative_control, path_builder
from sublevel.theory import spin_glass as sgt
from sublevel.theory.claims import get_claim
from sublevel.theory.errors import HypothesisError

if TYPE_CHECKING:
    from sublevel.numerics.sphere_minima import MinimaSample

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
    details: dict[str, Any] = {
        "formulas": f.name,
        "checks": cons.checks,
        "residuals": cons.residuals,
        "thresholds": cons.thresholds,
    }
    if which == "recalled":
        table = sgt.compare_with_recalled()
        symbolic = sgt.symbolic_identities()
        problems += [
            f"§7 table: p = {d['p']} {d['column']} recalled {d['recalled']} vs "
            f"computed {d['computed']:.6f}"
            for d in table
        ]
        problems += [f"symbolic identity {k} fails" for k, ok in symbolic.items() if not ok]
        details.update(table_disagreements=table, symbolic=symbolic)
        details["E_inf"] = float(sgt.E_infinity(p))
    return {"problems": problems, "details": details}


# ---------------------------------------------------------------------------- disorders


def _disorder(kind: str, N: int, p: int, seed: int) -> Any:
    from sublevel.numerics.energies.spin_glass import SpinGlass, symmetrise

    if kind == "iid":
        return SpinGlass(N, p, seed)
    if kind == "symmetric-unit-variance":  # a normalisation error: sym(J)·√p!
        J = np.random.default_rng(seed).standard_normal((N,) * p)
        return SpinGlass.from_couplings(symmetrise(J) * math.sqrt(math.factorial(p)))
    raise ValueError(f"unknown disorder kind {kind!r}")


def _minima(
    kind: str, N: int, p: int, seed: int, n_starts: int, radius: float | None
) -> tuple[np.ndarray, MinimaSample]:
    from sublevel.numerics.sphere import blas_threads
    from sublevel.numerics.sphere_minima import sample_minima

    land = _disorder(kind, N, p, seed)
    with blas_threads(1):
        sample = sample_minima(land, n_starts, seed + 1, radius=radius, method="lbfgs-batch")
    return sample.energies / N, sample


# ---------------------------------------------------------------------------- the search


def _search(
    seed: int,
    *,
    p: int,
    N: int,
    n_starts: int,
    k_max: int,
    lower_coef: float,
    trend_min_N: int,
    disorders: int,
    fit_tol: float,
    long: bool,
    fit_tol_long: float,
    cov_N: int,
    cov_samples: int,
    cov_z: float,
    disorder: str = "iid",
    radius_one: bool = False,
    formulas: str = "recalled",
) -> dict[str, Any]:
    from sublevel.numerics.energies.spin_glass import covariance_estimate

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
    cov = covariance_estimate(
        cov_N,
        p,
        [1.0, 0.5, 0.0],
        cov_samples,
        seed,
        disorder=lambda s: _disorder(disorder, cov_N, p, s),
    )
    worst_z = max(abs(z) for z in cov["z"])
    margins["covariance"] = cov_z - worst_z
    details["covariance"] = cov
    if worst_z > cov_z:
        problems.append(
            f"covariance E H H'/N at R = {cov['overlaps']}: {np.round(cov['estimate'], 3).tolist()}"
            f" vs R^p = {np.round(cov['theory'], 3).tolist()} (|z| = {worst_z:.1f} > {cov_z})"
        )

    # 3. minima from random starts, at increasing N: floor and finite-size trend
    radius = 1.0 if radius_one else None
    sizes = _trend_sizes(trend_min_N, long)
    tol = fit_tol_long if long else fit_tol
    pooled: dict[int, np.ndarray] = {}
    for n in sizes:
        energies, runs = [], []
        for d in range(_disorders_at(n, disorders)):
            e, sample = _minima(disorder, n, p, seed + 7 * n + 7919 * d, n_starts, radius)
            energies.append(e)
            runs.append(
                {
                    "n_starts": sample.n_starts,
                    "n_converged": sample.n_converged,
                    "n_saddles_reached": sample.n_saddles,
                }
            )
        pooled[n] = np.concatenate(energies)
        details[f"minima_N{n}"] = {
            "energies_per_spin": np.round(np.sort(pooled[n]), 5).tolist(),
            "disorders": runs,
        }
    if any(pooled[n].size < max(2, _disorders_at(n, disorders) * n_starts // 2) for n in sizes):
        details["window"] = None
        return {
            "problems": problems,
            "margins": margins,
            "details": details,
            "enough_minima": False,
        }
    # nothing far below the ground state, at every size
    floors = {n: -e0 - lower_coef / math.sqrt(n) for n in sizes}
    margins["lowest_minimum"] = min(float(np.min(pooled[n])) - floors[n] for n in sizes)
    for n in sizes:
        if np.min(pooled[n]) < floors[n]:
            problems.append(
                f"a minimum at H/N = {np.min(pooled[n]):.4f} < −E_0 − {lower_coef}/√N "
                f"= {floors[n]:.4f} (N = {n})"
            )
    # the finite-size trend: medians decrease with N; the means fit a + b·N^(−2/3) → −E_∞
    medians = [float(np.median(pooled[n])) for n in sizes]
    means = [float(np.mean(pooled[n])) for n in sizes]
    fit = sgt.finite_size_fit(sizes, means)
    margins["fit"] = tol - abs(fit["a"] + e_inf)
    margins["medians_decrease"] = min(a - b for a, b in zip(medians, medians[1:]))
    details["window"] = {
        "sizes": sizes,
        "medians": medians,
        "means": means,
        "fit": fit,
        "fit_tol": tol,
        "extrapolated": fit["a"],
        "E_0": e0,
        "E_inf": e_inf,
        "floors": floors,
        "lowest": float(min(np.min(v) for v in pooled.values())),
        "long": long,
    }
    if margins["medians_decrease"] <= 0:
        problems.append(
            f"medians of minima H/N {np.round(medians, 4).tolist()} at N = {sizes} do "
            "not decrease with N"
        )
    if abs(fit["a"] + e_inf) > tol:
        problems.append(
            f"fit of the mean minima H/N at N = {sizes} to {fit['form']} extrapolates "
            f"to {fit['a']:.4f}, not −E_∞ = {-e_inf:.4f} within {tol}"
        )
    return {"problems": problems, "margins": margins, "details": details, "enough_minima": True}


def _disorders_at(n: int, disorders: int) -> int:
    """Disorders pooled at size n: ``disorders`` at N = 200, proportionally more at smaller N
    (8 at 50, 4 at 100 by default; 1 at 400), where the disorder-to-disorder spread is larger
    and a disorder is cheap (the cost of one descent grows like N³)."""
    return max(1, round(disorders * 200 / n))


def _trend_sizes(trend_min_N: int, long: bool) -> list[int]:
    """trend_min_N·(1, 2, 4), and ·8 in the long mode (default 50, 100, 200 [, 400])."""
    return [trend_min_N * 2**j for j in range(4 if long else 3)]


#: default run: N ≤ 200 (≈ 30 s per instance on one core). The long mode
#: (``--param long=true``) adds N = 400 (≈ 4 min per instance) and its tighter tolerance.
#: fit_tol: over 7 measured seeds of 2 disorders × 12 starts at N = 50, 100, 200 the intercept
#: a + E_∞ ranged over −0.008 … +0.015 (standard deviation ≈ 0.009); 0.03 ≈ 3.3σ. At this size
#: the test does not separate −E_∞ from −E_0 (0.024 apart): it catches normalisation errors
#: (the control's intercepts are −4.05 and 0.00), not the E_0/E_∞ distinction. With 2 disorders
#: at every size one seed (5) failed; with 8, 4, 2 disorders (_disorders_at) five instances gave
#: −0.004 … +0.022 — still close to 0.03: a rare false counterexample remains possible.
_DEFAULTS = dict(
    p=3,
    N=50,
    n_starts=12,
    k_max=3,
    lower_coef=1.0,
    trend_min_N=50,
    disorders=2,
    fit_tol=0.03,
    long=False,
    fit_tol_long=0.015,
    cov_N=6,
    cov_samples=200,
    cov_z=4.5,
)


@check(CLAIM, instances=2, **_DEFAULTS)
def spin_glass(
    seed: int,
    p: int,
    N: int,
    n_starts: int,
    k_max: int,
    lower_coef: float,
    trend_min_N: int,
    disorders: int,
    fit_tol: float,
    long: bool,
    fit_tol_long: float,
    cov_N: int,
    cov_samples: int,
    cov_z: float,
) -> Evidence:
    """Counterexample search: formulas' consistency, the covariance, the floor −E_0 − c/√N for
    gradient-descent minima, and their finite-size trend: medians decrease with N and the means
    fit a + b·N^(−2/3) with |a + E_∞| ≤ fit_tol (``long``: N up to 400, fit_tol_long)."""
    params: dict[str, Any] = dict(
        p=p,
        N=N,
        n_starts=n_starts,
        k_max=k_max,
        lower_coef=lower_coef,
        trend_min_N=trend_min_N,
        disorders=disorders,
        fit_tol=fit_tol,
        long=long,
        fit_tol_long=fit_tol_long,
        cov_N=cov_N,
        cov_samples=cov_samples,
        cov_z=cov_z,
    )
    res = _search(seed, **params)
    margin = min(res["margins"].values()) if res["margins"] else None
    methods = ["exact", "high-precision", "monte-carlo", "optimisation"]
    instance = {"p": p, "N": N, "seed": seed, "sizes": _trend_sizes(trend_min_N, long)}
    if res["problems"]:
        return Evidence(
            "violated",
            margin=margin,
            instance=instance,
            details=res["details"],
            methods=methods,
            message="counterexample: " + "; ".join(res["problems"]),
        )
    if not res["enough_minima"]:
        return Evidence(
            "inconclusive",
            margin=margin,
            instance=instance,
            details=res["details"],
            methods=methods,
            message="too few converged minima at some N",
        )
    w = res["details"]["window"]
    return Evidence(
        "verified",
        margin=margin,
        instance=instance,
        details=res["details"],
        methods=methods,
        message=(
            f"formulas consistent, §7 table reproduced; medians of minima H/N at N = "
            f"{w['sizes']}: {', '.join(f'{m:.4f}' for m in w['medians'])} (decreasing); "
            f"means fit {w['fit']['form']} → {w['extrapolated']:.4f} vs −E_∞ = "
            f"{-w['E_inf']:.4f} (tolerance {w['fit_tol']}; −E_0 = {-w['E_0']:.4f}); "
            f"lowest {w['lowest']:.4f} above the floors −E_0 − {lower_coef}/√N"
        ),
    )


@negative_control(CLAIM)
def spin_glass_broken(
    seed: int,
    p: int,
    N: int,
    n_starts: int,
    k_max: int,
    lower_coef: float,
    trend_min_N: int,
    disorders: int,
    fit_tol: float,
    long: bool,
    fit_tol_long: float,
    cov_N: int,
    cov_samples: int,
    cov_z: float,
) -> Evidence:
    """The same search with the normalisation broken — (a) sym(J)·√p! couplings, (b) the
    sphere of radius 1 — must fail the finite-size fit; (c) I_1 without log E_∞ must fail the
    formulas' consistency. One disorder and a third of the starts per size (the breaks are far
    outside the tolerance)."""
    params: dict[str, Any] = dict(
        p=p,
        N=N,
        n_starts=max(4, n_starts // 3),
        k_max=k_max,
        lower_coef=lower_coef,
        trend_min_N=trend_min_N,
        disorders=1,
        fit_tol=fit_tol,
        long=False,
        fit_tol_long=fit_tol_long,
        cov_N=cov_N,
        cov_samples=cov_samples,
        cov_z=cov_z,
    )
    variants: dict[str, dict[str, Any]] = {
        "symmetrised couplings with unit variance": dict(disorder="symmetric-unit-variance"),
        "sphere of radius 1 instead of √N": dict(radius_one=True),
    }
    caught: dict[str, list[str]] = {}
    fit_failed: dict[str, bool] = {}
    for name, broken in variants.items():
        probs = _search(seed, **params, **broken)["problems"]
        caught[name] = probs
        fit_failed[name] = any(pr.startswith("fit of the mean minima") for pr in probs)
    name = "I_1 without its log E_∞ term"
    caught[name] = _formula_findings(p, k_max, "misrecalled")["problems"]
    fit_failed[name] = bool(caught[name])  # a formula control: its consistency must fail
    missed = [n for n, ok in fit_failed.items() if not ok]
    return Evidence(
        control_outcome(conclusion_fails=not missed),
        instance={"p": p, "N": N, "seed": seed, "sizes": _trend_sizes(trend_min_N, False)},
        details={"problems_found": caught, "fit_failed": fit_failed},
        message=("not detected: " + ", ".join(missed))
        if missed
        else "; ".join(
            f"{n}: {probs[0] if n.startswith('I_1') else next(pr for pr in probs if pr.startswith('fit'))}"
            for n, probs in caught.items()
        ),
    )


@path_builder(CLAIM)
def spin_glass_barrier_path(
    seed: int,
    p: int,
    N: int,
    n_starts: int,
    k_max: int,
    lower_coef: float,
    trend_min_N: int,
    disorders: int,
    fit_tol: float,
    long: bool,
    fit_tol_long: float,
    cov_N: int,
    cov_samples: int,
    cov_z: float,
) -> Any:
    """The DSS string between the two lowest distinct minima found at N, at the lowest level
    where DSS connected them (bisection), seen through σ ↦ √N σ/‖σ‖ (energy per spin); each
    chord is certified rigorously (``SphereProjected.certify_segment``)."""
    from sublevel.numerics.energies.spin_glass import SphereProjected
    from sublevel.numerics.energies.spin_glass_connection import connection_level
    from sublevel.numerics.paths.base import LE_BOUND, Path, Segment
    from sublevel.numerics.profile import PathProfile
    from sublevel.numerics.sphere import blas_threads
    from sublevel.numerics.sphere_critical import deduplicate

    land = _disorder("iid", N, p, seed)
    _, sample = _minima("iid", N, p, seed, max(n_starts, 8), None)
    keep = deduplicate(sample.points)
    if len(keep) < 2:
        raise HypothesisError(
            f"only {len(keep)} distinct minimum found at N = {N}, seed {seed}", claim=CLAIM
        )
    pts, es = sample.points[keep], sample.energies[keep]
    order = np.argsort(es)
    a, b = pts[order[0]], pts[order[1]]
    with blas_threads(1):
        conn = connection_level(land, a, b)
    if conn.beads is None:
        raise HypothesisError(
            "DSS did not connect the two minima even at the arc maximum", claim=CLAIM
        )
    bound = conn.level + 0.002  # connection_level's accept_slack
    profile_land = SphereProjected(land, per_spin=True)
    pieces, certs = [], []
    for i, (x, y) in enumerate(zip(conn.beads[:-1], conn.beads[1:])):
        label = f"DSS {i}"
        pieces.append(Segment(x, y, label=label, promise=LE_BOUND))
        certs.append(profile_land.certify_segment(x, y, bound, label=label, promise=LE_BOUND))
    return PathProfile(
        path=Path(pieces),
        landscape=profile_land,
        bound=bound,
        certificates=certs,
        title=f"{p}-spin N={N} seed {seed}: DSS between the 2 lowest minima at H/N ≤ {bound:.4f}",
        info={
            "E_a/N": conn.energies[0],
            "E_b/N": conn.energies[1],
            "overlap": conn.overlap,
            "barrier": conn.barrier,
            "great-circle arc max": conn.arc_max,
            "arc normalised length": conn.arc_normalized_length,
            "exactly certified": conn.exact,
            "-E_inf": -float(sgt.E_infinity(p)),
            "-E_0": -float(sgt.threshold(0, p)),
            "bound_label": "DSS connection level",
        },
    )
