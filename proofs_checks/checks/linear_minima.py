"""Checks of the no-poor-minima claims of deep linear networks: ``lbb.multilinear`` (LBB'17),
``kawaguchi16.deep-linear`` (Kawaguchi'16) and ``talk.kawaguchi-statement`` (the talk's
version of the hypothesis, refuted exactly). Each negative control shows a conclusion failing
(an exact poor local minimum of a non-convex loss of the product; no false separation).
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
from sublevel.proofs_checks.checks.linear import _data, _weights
from sublevel.proofs_checks.evidence import Evidence, control_outcome
from sublevel.proofs_checks.registry import check, negative_control
from sublevel.theory.certificate import Certificate

# ---------------------------------------------------------------------------- no poor minima


def _double_well_landscape(widths: list[int]) -> Any:
    """A deep linear network with scalar input and output whose loss of the product is the
    tilted double well f(p) = (p² − 1)² + 0.3p (non-convex: the hypothesis 'convex loss' of
    the multilinear lifting is broken); f has a poor local minimum near p = +0.96."""
    from sublevel.numerics.energies.linear import DeepLinear

    class DoubleWell(DeepLinear):
        def lifted_energies(self, Ps: Any) -> np.ndarray:
            p = np.asarray(Ps, dtype=np.float64).reshape(-1)
            return (p * p - 1.0) ** 2 + 0.3 * p

        def lifted_gradient(self, P: Any) -> np.ndarray:
            p = float(np.asarray(P).reshape(-1)[0])
            return np.array([[4.0 * p * (p * p - 1.0) + 0.3]])

    land = DoubleWell(widths, np.ones((1, 1)), np.zeros((1, 1)))
    roots = np.roots([4.0, 0.0, -4.0, 0.3])
    crit = roots[np.abs(roots.imag) < 1e-12].real
    land.minimum_value = float(np.min(land.lifted_energies(crit)))  # type: ignore[attr-defined]
    return land


def _classify_runs(
    landscape: Any,
    e_star: float,
    inits: list[np.ndarray],
    rng: np.random.Generator,
    *,
    rel_tol: float = 1e-6,
    gtol: float = 1e-10,
    maxiter: int = 5000,
    escape: float = 1e-3,
) -> list[dict[str, Any]]:
    """L-BFGS from each init; a run above E* is classified by its Hessian (saddle: a negative
    eigenvalue), and a PSD-degenerate one by an escape test (perturb by ``escape`` and
    re-minimise: a strictly lower energy shows a higher-order saddle). What remains is a poor
    local minimum."""
    from sublevel.numerics.critical import classify, minimise

    out = []
    tol = rel_tol * max(1.0, abs(e_star))
    for theta0 in inits:
        r = minimise(landscape, theta0, gtol=gtol, maxiter=maxiter)
        restarts = 0
        while not r.converged and restarts < 2 and r.energy - e_star > tol:
            # a stalled run in an ill-conditioned region (layers of very different norms):
            # rebalance along the GL orbit (same product, same energy) and continue
            r = minimise(landscape, _rebalanced(landscape, r.theta), gtol=gtol, maxiter=maxiter)
            restarts += 1
        rec: dict[str, Any] = {
            "energy": r.energy,
            "excess": r.energy - e_star,
            "grad_norm": r.grad_norm,
            "converged": r.converged,
            "iterations": r.iterations,
            "rebalanced_restarts": restarts,
        }
        if r.energy - e_star <= tol:
            rec["kind"] = "global"
        else:
            c = classify(landscape, r.theta)
            rec["hessian"] = c.to_dict()
            if c.kind == "saddle":
                rec["kind"] = "saddle"
            elif c.kind == "not critical":
                rec["kind"] = "not converged"
            else:
                kick = minimise(
                    landscape,
                    r.theta + escape * rng.normal(size=r.theta.size),
                    gtol=gtol,
                    maxiter=maxiter,
                )
                rec["escape_energy"] = kick.energy
                rec["kind"] = (
                    "saddle (escaped)" if kick.energy < r.energy - tol else "poor local minimum"
                )
        out.append(rec)
    return out


def _rebalanced(landscape: Any, theta: np.ndarray) -> np.ndarray:
    """W_k → c_k W_k with c_k = g/‖W_k‖_F, g the geometric mean of the norms (Π c_k = 1): the
    product, hence the energy without ridge, is unchanged; the layers get equal norms."""
    weights = landscape.unflatten(theta)
    norms = np.array([np.linalg.norm(W) for W in weights])
    if getattr(landscape, "kappa", 0.0) or np.any(norms == 0):
        return theta
    g = float(np.exp(np.mean(np.log(norms))))
    return np.concatenate([(g / nk * W).ravel() for W, nk in zip(weights, norms)])


def _runs_outcome(runs: list[dict[str, Any]]) -> str:
    kinds = [r["kind"] for r in runs]
    if "poor local minimum" in kinds:
        return "violated"
    if "not converged" in kinds:
        return "inconclusive"
    return "verified"


def _summary(runs: list[dict[str, Any]]) -> str:
    kinds = [r["kind"] for r in runs]
    return ", ".join(f"{kinds.count(k)} {k}" for k in dict.fromkeys(kinds))


def _inits(rng: np.random.Generator, widths: list[int], count: int) -> list[np.ndarray]:
    from sublevel.numerics.energies.linear import flatten

    return [flatten(_weights(rng, widths)) for _ in range(count)]


@check("lbb.multilinear", instances=6, runs=4, max_depth=3, max_width=4, samples=16)
def lbb_multilinear(seed: int, runs: int, max_depth: int, max_width: int, samples: int) -> Evidence:
    """Any widths (bottlenecks included), any data (rank-deficient sometimes): every L-BFGS run
    ends at the reduced-rank-regression optimum E*_r, r = min widths (closed form), or at a
    point certified not to be a local minimum (Hessian eigenvalue < 0, or an escape)."""
    from sublevel.numerics.energies.linear import DeepLinear

    rng = np.random.default_rng(seed)
    K = int(rng.integers(2, max_depth + 1))
    widths = [int(w) for w in rng.integers(1, max_width + 1, size=K + 1)]
    X, Y = _data(rng, widths[0], widths[-1], samples, rank_deficient=rng.random() < 0.25)
    E = DeepLinear(widths, X, Y)
    best = E.reduced_rank()
    results = _classify_runs(E, best.energy, _inits(rng, widths, runs), rng)
    outcome = _runs_outcome(results)
    bottleneck = min(widths[1:-1]) < min(widths[0], widths[-1])
    return Evidence(
        outcome=outcome,
        margin=-max(r["excess"] for r in results if r["kind"] == "global")
        if any(r["kind"] == "global" for r in results)
        else None,
        instance={
            "widths": widths,
            "samples": samples,
            "bottleneck": bool(bottleneck),
            "rank": best.rank,
        },
        details={"E_star": best.energy, "runs": results},
        message=f"E*_{best.rank} = {best.energy:.6g}: {_summary(results)}",
        methods=["optimisation", "closed form"],
    )


def _double_well_certificate() -> Certificate:
    """Exact: f(p) = (p² − 1)² + (3/10)p has a strict local minimum p₊ > 0 with
    f(p₊) > f(p₋) = min f. Then *every* θ whose product is p₊ is a local minimum of
    E(θ) = f(W_K⋯W_1) (the product is continuous, so near θ it stays where f ≥ f(p₊)) and a
    poor one: the conclusion 'no poor local minima' fails. Decided in rationals: the roots of
    f′ = 4p³ − 4p + 3/10 isolated to width 2⁻⁶⁰ (sympy), f″ = 12p² − 4 > 0 on the isolating
    intervals, and f(p₊) − f(p₋) > 0 with |f′| ≤ 41 on [−2, 2] bounding f on each interval."""
    import time

    import sympy as sp

    start = time.perf_counter()
    p = sp.Symbol("p")
    f = sp.Poly((p**2 - 1) ** 2 + sp.Rational(3, 10) * p, p, domain=sp.QQ)
    df, d2f = f.diff(p), f.diff(p).diff(p)
    width = sp.Rational(1, 2**60)
    roots = [(sp.Rational(a), sp.Rational(b)) for (a, b), _ in df.intervals(eps=width)]
    minima = [(a, b) for a, b in roots if d2f.eval(a) > 0 and d2f.eval(b) > 0]
    lipschitz = 41  # |f′(p)| = |4p³ − 4p + 3/10| ≤ 32 + 8 + 1 on [−2, 2]; all roots lie in it
    err = lipschitz * width
    pos = [(a, b) for a, b in minima if a > 0]
    neg = [(a, b) for a, b in minima if b < 0]
    holds = bool(
        pos
        and neg
        and all(-2 <= a and b <= 2 for a, b in roots)
        and f.eval(pos[0][0]) - err > f.eval(neg[0][0]) + err
    )
    fp, fm = (float(f.eval(pos[0][0])), float(f.eval(neg[0][0]))) if holds else (0.0, 0.0)
    return Certificate(
        holds=holds,
        max_energy=fm,
        argmax_t=0.0,
        bound=fp,
        method="exact",
        margin=fp - fm,
        wall_time=time.perf_counter() - start,
        label="poor strict local minimum of the loss of the product",
        promise="f(p₊) > f(p₋) = min f with f″(p₊) > 0",
        details={
            "f": "(p² − 1)² + 3p/10",
            "p_plus_interval": [str(v) for v in pos[0]] if pos else None,
            "p_minus_interval": [str(v) for v in neg[0]] if neg else None,
            "interval_width": "2^-60",
            "lipschitz_on_[-2,2]": lipschitz,
        },
    )


def _double_well_control(seed: int, runs: int, max_depth: int) -> Evidence:
    """Non-convex loss of the product: the conclusion 'no poor local minima' fails, certified
    exactly (:func:`_double_well_certificate`); L-BFGS runs from random starts are reported
    beside it (they find the poor minimum numerically, they do not decide)."""
    rng = np.random.default_rng(seed)
    K = int(rng.integers(2, max(2, max_depth) + 1))
    widths = [1] + [2] * (K - 1) + [1]
    land = _double_well_landscape(widths)
    inits = []
    for i in range(max(runs, 2)):
        ws = _weights(rng, widths)
        p = float(np.linalg.multi_dot(ws[::-1]).reshape(-1)[0]) if K > 1 else float(ws[0][0, 0])
        if (p > 0) != (i % 2 == 0):
            ws[-1] *= -1.0
        inits.append(np.concatenate([W.ravel() for W in ws]))
    cert = _double_well_certificate()
    results = _classify_runs(land, land.minimum_value, inits, rng)
    poor = [r for r in results if r["kind"] == "poor local minimum"]
    return Evidence(
        outcome=control_outcome(conclusion_fails=cert.holds),
        certificates=[cert],
        instance={"widths": widths, "loss": "f(p) = (p² − 1)² + 0.3p of the product"},
        details={
            "global_minimum": land.minimum_value,
            "runs": results,
            "runs_at_poor_minimum": len(poor),
        },
        message=(
            f"conclusion fails (exact): every θ with product p₊ is a poor local minimum, "
            f"f(p₊) = {cert.bound:.4f} > min f = {cert.max_energy:.4f}; "
            f"{len(poor)} of {len(results)} L-BFGS runs stopped there"
        )
        if cert.holds
        else "the poor local minimum was not certified",
        methods=["optimisation"],
        deciding=["exact"],
    )


@negative_control("lbb.multilinear")
def lbb_multilinear_nonconvex(
    seed: int, runs: int, max_depth: int, max_width: int, samples: int
) -> Evidence:
    """Hypothesis broken (the loss of the product is not convex): a poor local minimum must be
    shown to exist (exactly), the same run-and-classify procedure reported beside it."""
    return _double_well_control(seed, runs, max_depth)


def _kawaguchi_data(
    rng: np.random.Generator, n: int, m: int, samples: int
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Data satisfying Kawaguchi's hypotheses (re-drawn until they hold, decided numerically
    with named tolerances): XXᵀ and XYᵀ full rank, m ≤ n, Σ = Σ_YX Σ_X^{-1} Σ_XY with
    distinct eigenvalues (relative gap > 1e-6)."""
    from sublevel.numerics.energies.linear import moments

    for _ in range(20):
        X, Y = _data(rng, n, m, samples)
        facts = _kawaguchi_facts(*moments(X, Y))
        if facts["hypotheses_hold"]:
            return X, Y, facts
    raise RuntimeError("could not draw data satisfying Kawaguchi's hypotheses")


def _kawaguchi_facts(
    Sx: np.ndarray, Sxy: np.ndarray, sy: float, gap_tol: float = 1e-6
) -> dict[str, Any]:
    from sublevel.theory.claims import get_claim

    n, m = Sxy.shape
    full_xx = bool(np.linalg.matrix_rank(Sx) == n)
    full_xy = bool(np.linalg.matrix_rank(Sxy) == min(n, m))
    Sigma = Sxy.T @ np.linalg.pinv(Sx) @ Sxy
    lam = np.linalg.eigvalsh(Sigma)
    gap = float(np.min(np.diff(lam))) if lam.size > 1 else float("inf")
    distinct = bool(gap > gap_tol * max(1.0, float(np.abs(lam).max())))
    facts = {
        "full_rank_xx": full_xx,
        "full_rank_xy": full_xy,
        "distinct_eigenvalues_of_SigmaYX_SigmaXX_inv_SigmaXY": distinct,
        "m": m,
        "n": n,
    }
    holds = get_claim("kawaguchi16.deep-linear").hypotheses_hold(**facts)
    return {
        **facts,
        "hypotheses_hold": bool(holds),
        "eigenvalues": lam.tolist(),
        "min_eigen_gap": gap,
        "gap_tol": gap_tol,
    }


def _critical_points(E: Any, widths: list[int]) -> list[dict[str, Any]]:
    """Kawaguchi/Baldi–Hornik critical points: for a subset S of eigenvectors U_S of
    Σ = Σ_YX Σ_X^{-1} Σ_XY (|S| ≤ min hidden width), W_1 = [U_Sᵀ Σ_YX Σ_X^{-1}; 0],
    middle layers rectangular identities, W_K = [U_S, 0]: ∇E = 0, E = σ_Y − Σ_{i∈S} λ_i."""
    from itertools import combinations

    Sx, Sxy, sy = E.sigma_x, E.sigma_xy, E.sigma_y
    Syx_Sx_inv = Sxy.T @ np.linalg.inv(Sx)
    lam, U = np.linalg.eigh(Syx_Sx_inv @ Sxy)
    m = widths[-1]
    p = min(widths[1:-1] + [m])
    out = []
    for size in range(p + 1):
        for S in combinations(range(m), size):
            US = U[:, list(S)]
            ws = []
            for k in range(len(widths) - 1):
                W = np.eye(widths[k + 1], widths[k])
                if k == 0:
                    W = np.zeros((widths[1], widths[0]))
                    W[:size] = US.T @ Syx_Sx_inv
                if k == len(widths) - 2:  # K ≥ 2: the last layer is not the first
                    W = np.zeros((m, widths[-2]))
                    W[:, :size] = US
                ws.append(W)
            out.append(
                {"subset": list(S), "weights": ws, "energy_formula": float(sy - lam[list(S)].sum())}
            )
    return out


@check("kawaguchi16.deep-linear", instances=5, runs=3, max_depth=3, max_width=4, samples=20)
def kawaguchi(seed: int, runs: int, max_depth: int, max_width: int, samples: int) -> Evidence:
    """Data satisfying Kawaguchi's (correctly stated) hypotheses: every L-BFGS run reaches the
    optimum or a certified saddle, and every Baldi–Hornik critical point (eigenvector subsets)
    is critical (‖∇E‖ ≤ 1e-8) with E = σ_Y − Σ_S λ_i, and is a saddle (Hessian eigenvalue < 0)
    unless it is a global minimum (Thm 2.3 (ii)–(iv))."""
    from sublevel.numerics.critical import classify
    from sublevel.numerics.energies.linear import DeepLinear, flatten

    rng = np.random.default_rng(seed)
    K = int(rng.integers(2, max_depth + 1))
    n = int(rng.integers(1, max_width + 1))
    m = int(rng.integers(1, n + 1))
    widths = [n] + [int(w) for w in rng.integers(1, max_width + 1, size=K - 1)] + [m]
    X, Y, facts = _kawaguchi_data(rng, n, m, samples)
    E = DeepLinear(widths, X, Y)
    e_star = E.reduced_rank().energy
    tol = 1e-6 * max(1.0, abs(e_star))
    results = _classify_runs(E, e_star, _inits(rng, widths, runs), rng)
    points, bad = [], []
    for cp in _critical_points(E, widths):
        theta = flatten(cp["weights"])
        e, g = E.energy_and_grad(theta)
        c = classify(E, theta)
        is_global = e - e_star <= tol
        ok = (
            float(np.linalg.norm(g)) <= 1e-8
            and abs(e - cp["energy_formula"]) <= tol
            and (is_global or c.kind == "saddle")
        )
        points.append(
            {
                "subset": cp["subset"],
                "energy": e,
                "grad_norm": float(np.linalg.norm(g)),
                "global": bool(is_global),
                "kind": c.kind,
                "min_eig": c.min_eig,
            }
        )
        if not ok:
            bad.append(cp["subset"])
    outcome = _runs_outcome(results)
    if bad:
        outcome = "violated"
    saddles = sum(p["kind"] == "saddle" for p in points)
    return Evidence(
        outcome=outcome,
        instance={
            "widths": widths,
            "samples": samples,
            **{
                k: facts[k]
                for k in (
                    "full_rank_xx",
                    "full_rank_xy",
                    "distinct_eigenvalues_of_SigmaYX_SigmaXX_inv_SigmaXY",
                )
            },
        },
        details={
            "E_star": e_star,
            "runs": results,
            "critical_points": points,
            "eigenvalues": facts["eigenvalues"],
        },
        message=(
            f"runs: {_summary(results)}; {len(points)} Baldi–Hornik critical points, "
            f"{saddles} saddles, the rest global"
            if not bad
            else f"critical points not as predicted for subsets {bad}"
        ),
        methods=["optimisation", "closed form"],
    )


@negative_control("kawaguchi16.deep-linear")
def kawaguchi_control(
    seed: int, runs: int, max_depth: int, max_width: int, samples: int
) -> Evidence:
    """Broken hypotheses. Σ = c·I (repeated eigenvalues) is recognised as outside Kawaguchi's
    hypotheses by the claim's predicate — a precondition, not a detection (the no-poor-minima
    conclusion survives repeated eigenvalues: Lu & Kawaguchi 2017). The detection is a broken
    hypothesis whose conclusion does fail: a non-convex loss of the product has a poor local
    minimum, certified exactly."""
    n = m = 2
    facts = _kawaguchi_facts(np.eye(n), 1.5 * np.eye(n, m), 5.0)
    control = _double_well_control(seed, runs, max_depth)
    return Evidence(
        outcome=control.outcome,
        certificates=control.certificates,
        instance={"repeated_eigenvalues": facts["eigenvalues"]},
        details={
            "precondition": {"predicate_rejects_repeated": not facts["hypotheses_hold"]},
            "double_well": control.details,
        },
        message=(
            "Σ = 2.25·I is outside the hypotheses (the predicate says so: a precondition); "
            + control.message
        ),
        methods=["optimisation"],
        deciding=["exact"],
    )


# ---------------------------------------------------------------------------- the talk's Σ


def _distinct_eigenvalues(M: Any) -> bool:
    """Exact: a rational symmetric matrix has distinct eigenvalues iff the discriminant of its
    characteristic polynomial is nonzero (a 1 × 1 matrix: trivially distinct)."""
    import sympy as sp

    if M.shape[0] == 1:
        return True
    lam = sp.Symbol("lam")
    return sp.Poly(M.charpoly(lam).as_expr(), lam).discriminant() != 0


def _conditions(X: Any, Y: Any) -> dict[str, Any]:
    """Both conditions decided exactly on rational data X (L, n), Y (L, m): the talk's
    'Σ_X = E XXᵀ has distinct eigenvalues' and Kawaguchi's 'Σ = Σ_YX Σ_X^{-1} Σ_XY has distinct
    eigenvalues', plus Kawaguchi's other hypotheses (full ranks, m ≤ n)."""
    L = X.shape[0]
    Sx = X.T * X / L
    Sxy = X.T * Y / L
    Sigma = Sxy.T * Sx.inv() * Sxy
    return {
        "talk_condition": _distinct_eigenvalues(Sx),
        "kawaguchi_condition": _distinct_eigenvalues(Sigma),
        "full_rank_xx": Sx.rank() == Sx.shape[0],
        "full_rank_xy": Sxy.rank() == min(Sxy.shape),
        "m_le_n": Y.shape[1] <= X.shape[1],
        "Sigma_X": str(Sx.tolist()),
        "Sigma": str(Sigma.tolist()),
    }


def _rational_orthogonal(rng: random.Random, k: int) -> Any:
    """A random rational orthogonal matrix: the Cayley transform (I − S)(I + S)^{-1} of a
    random integer skew-symmetric S."""
    import sympy as sp

    S = sp.zeros(k, k)
    for i in range(k):
        for j in range(i + 1, k):
            S[i, j] = rng.randint(-3, 3)
            S[j, i] = -S[i, j]
    eye = sp.eye(k)
    return (eye - S) * (eye + S).inv()


def _invertible_integer(rng: random.Random, k: int) -> Any:
    import sympy as sp

    while True:
        R = sp.Matrix(k, k, lambda i, j: rng.randint(-4, 4))
        if R.det() != 0 and _distinct_eigenvalues(R * R.T):
            return R


@check("talk.kawaguchi-statement", instances=8, max_n=4)
def talk_kawaguchi(seed: int, max_n: int) -> Evidence:
    """Rational data, decided exactly: (1) Σ_X = E XXᵀ with distinct eigenvalues but
    Σ = Σ_YXΣ_X^{-1}Σ_XY = n·I (repeated): the talk's condition holds, Kawaguchi's fails;
    (2) Σ_X = I/n·k² (repeated) but Σ = YᵀY/n with distinct eigenvalues: the reverse. The two
    conditions are not equivalent, so the talk's statement is not Kawaguchi's theorem."""
    import sympy as sp

    rng = random.Random(seed)
    n = rng.randint(2, max(2, max_n))
    m = rng.randint(2, n)
    # (1) X = Rᵀ, Y = n·Aᵀ with A the first m rows of a rational orthogonal matrix
    R = _invertible_integer(rng, n)
    A = _rational_orthogonal(rng, n)[:m, :]
    first = _conditions(R.T, n * A.T)
    # (2) X = k·I, Y random integer with YᵀY of distinct eigenvalues
    k = rng.randint(1, 3)
    while True:
        Y2 = sp.Matrix(n, m, lambda i, j: rng.randint(-5, 5))
        if Y2.rank() == m and _distinct_eigenvalues(Y2.T * Y2):
            break
    second = _conditions(k * sp.eye(n), Y2)
    sep1 = first["talk_condition"] and not first["kawaguchi_condition"]
    sep2 = (
        (not second["talk_condition"])
        and second["kawaguchi_condition"]
        and all(second[h] for h in ("full_rank_xx", "full_rank_xy", "m_le_n"))
    )
    ok = bool(sep1 and sep2)
    return Evidence(
        outcome="verified" if ok else "inconclusive",
        instance={"n": n, "m": m},
        details={"talk_holds_kawaguchi_fails": first, "kawaguchi_holds_talk_fails": second},
        message=(
            "separated both ways (exact): distinct spec Σ_X with Σ = n·I, and Σ_X = "
            f"{sp.Rational(k * k, n)}·I with Σ of distinct eigenvalues"
        )
        if ok
        else "no separation found",
        methods=["exact"],
    )


@negative_control("talk.kawaguchi-statement")
def talk_kawaguchi_same(seed: int, max_n: int) -> Evidence:
    """A true equivalence must not be refuted: with Y = X the two conditions coincide
    (Σ = Σ_X), so the refutation's conclusion (the conditions differ on some data) fails on
    every draw, decided by the same exact test."""
    rng = random.Random(seed)
    n = rng.randint(2, max(2, max_n))
    outcomes = []
    for _ in range(3):
        R = _invertible_integer(rng, n)
        c = _conditions(R.T, R.T)
        outcomes.append(c["talk_condition"] == c["kawaguchi_condition"])
    detected = all(outcomes)
    return Evidence(
        outcome=control_outcome(conclusion_fails=detected),
        instance={"n": n},
        details={"agree": outcomes},
        message="with Y = X the conditions agree on every draw: no false refutation"
        if detected
        else "a separation was reported where none exists",
        methods=["exact"],
    )
