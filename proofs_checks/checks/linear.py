"""Checks of BF'16 Prop. 2.2 for deep linear networks (κ = 0) and of its square boundary.

Claims: ``bf16.prop2.2.linear`` (decided on the proof's path built in exact rationals,
:mod:`sublevel.numerics.paths.linear_exact`; the float path users get is certified rigorous beside it)
and the exact certificate of the square boundary (a certified disconnection), whose own check
``bf16.linear.square-boundary`` is in :mod:`sublevel.proofs_checks.checks.square_boundary`. The
shared instance helpers live here; the ridge case is in :mod:`sublevel.proofs_checks.checks.linear_ridge`, the no-poor-minima
claims in :mod:`sublevel.proofs_checks.checks.linear_minima`, Prop. 2.1 in
:mod:`sublevel.proofs_checks.checks.prop21`. Every check has a negative control that breaks a
hypothesis and must show the theorem's conclusion failing (papers.md §8 C1–C4, §9).
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any

import numpy as np
from sublevel.proofs_checks.evidence import Evidence, control_outcome, outcome_from_certificates
from sublevel.proofs_checks.registry import check, negative_control, path_builder
from sublevel.theory.certificate import Certificate
from sublevel.theory.errors import HypothesisError

#: points per piece of the dense evaluation (and of the measured factorisation residual)
N_DENSE = 65
#: relative agreement required between the exact E* and the float closed form (an oracle
#: cross-check of two independent computations; it does not decide the bound)
ORACLE_RTOL = 1e-9

# ---------------------------------------------------------------------------- instances


def _widths(depth: int, n: int, m: int, hidden: int) -> list[int]:
    return [int(n)] + [int(hidden)] * (int(depth) - 1) + [int(m)]


def _data(
    rng: np.random.Generator,
    n: int,
    m: int,
    samples: int,
    *,
    rank_deficient: bool = False,
    noise: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian X (L, n); Y = X Aᵀ + noise. ``rank_deficient``: the last input column repeats
    the first (Σ_X singular) — papers.md §9.5."""
    X = rng.normal(size=(samples, n))
    if rank_deficient and n > 1:
        X[:, -1] = X[:, 0]
    A = rng.normal(size=(m, n)) / np.sqrt(n)
    return X, X @ A.T + noise * rng.normal(size=(samples, m))


def _weights(rng: np.random.Generator, widths: list[int]) -> list[np.ndarray]:
    return [
        rng.normal(size=(widths[k + 1], widths[k])) / np.sqrt(widths[k])
        for k in range(len(widths) - 1)
    ]


def _degenerate(rng: np.random.Generator, weights: list[np.ndarray], mode: int) -> str:
    """Make an endpoint non-generic, in place: a zero input column of W_1 (rank-deficient
    W_1), a zero layer, or a rank-one middle factor."""
    if mode == 0:
        weights[0][:, : max(1, weights[0].shape[1] // 2)] = 0.0
        return "W_1 rank-deficient"
    if mode == 1:
        weights[0][:] = 0.0
        return "W_1 = 0"
    k = len(weights) // 2
    u = rng.normal(size=(weights[k].shape[0], 1))
    v = rng.normal(size=(1, weights[k].shape[1]))
    weights[k][:] = u @ v / np.sqrt(v.size)
    return f"W_{k + 1} of rank one"


def _linear_instance(
    seed: int, widths: list[int], samples: int, degenerate: float
) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    n, m = widths[0], widths[-1]
    special = rng.random() < degenerate
    kind = int(rng.integers(0, 4)) if special else -1
    X, Y = _data(rng, n, m, samples, rank_deficient=kind == 3)
    wa, wb = _weights(rng, widths), _weights(rng, widths)
    notes = []
    if kind in (0, 1, 2):
        notes.append("A: " + _degenerate(rng, wa, kind))
        notes.append("B: " + _degenerate(rng, wb, int(rng.integers(0, 3))))
    elif kind == 3:
        notes.append("rank-deficient data (repeated input column)")
    return {"X": X, "Y": Y, "wa": wa, "wb": wb, "degenerate": notes or ["generic"]}


def _margin(certs: list[Certificate]) -> float:
    return float(min(c.margin for c in certs)) if certs else float("nan")


def _with_sampled(proofs: list[Certificate], sampled: list[Certificate]) -> tuple[str, str]:
    """Outcome from the proof-grade certificates; a dense evaluation that contradicts a proof
    is a bug, reported as violated."""
    outcome = outcome_from_certificates(proofs)
    if outcome == "verified" and not all(c.holds for c in sampled):
        return "violated", "dense evaluation exceeds a certified bound"
    return outcome, ""


# ---------------------------------------------------------------------------- Prop 2.2 (κ = 0)


#: τ of the float path's sampled cross-checks (recorded as holds_within when needed): the float
#: path is a rounded realisation of the exact one, and a dense float evaluation exceeding the
#: bound by less than this is rounding, not a contradiction. It never decides an instance.
FLOAT_PATH_TAU = 1e-12


def _connect_and_certify(
    X: np.ndarray, Y: np.ndarray, wa: list[np.ndarray], wb: list[np.ndarray]
) -> tuple[Any, Any, float, dict[str, Any]]:
    """The proof's path built and decided exactly (sublevel.numerics.paths.linear_exact), and the
    float path users get with its rigorous/sampled certificates (sublevel.numerics.paths.linear)."""
    from sublevel.numerics.energies.linear import DeepLinear, flatten, widths_of
    from sublevel.numerics.paths.linear import certify_linear_path, connect
    from sublevel.numerics.paths.linear_certify import ArbMoments
    from sublevel.numerics.paths.linear_exact import ExactMoments, certify_exact_path, connect_exact

    E = DeepLinear(widths_of(wa), X, Y)
    moments = ExactMoments.from_data(X, Y)
    exact_path = connect_exact(wa, wb, X, Y, moments=moments)
    bounds, promises = certify_exact_path(exact_path)
    ea, eb = E.energy(flatten(wa)), E.energy(flatten(wb))
    bound = max(ea, eb)
    path = connect(wa, wb, X, Y)
    certs = certify_linear_path(
        path, X, Y, bound, n_dense=N_DENSE, moments=ArbMoments(X, Y), landscape=E
    )
    _tau(certs.sampled, certs.realised, bound=bound)
    return (
        path,
        certs,
        bound,
        {
            "E_A": ea,
            "E_B": eb,
            "landscape": E,
            "moments": moments,
            "exact": bounds + promises,
            "exact_path": exact_path,
        },
    )


def _tau(*certs: Certificate, bound: float) -> None:
    """Apply τ = FLOAT_PATH_TAU·max(1, |bound|) to float-path cross-checks (sampled)."""
    tau = FLOAT_PATH_TAU * max(1.0, abs(bound))
    for c in certs:
        c.tolerances = dict(c.tolerances, tau=tau)
        if c.outcome == "fails" and c.max_energy <= c.bound + tau:
            c.outcome, c.holds, c.holds_within = "holds", True, tau


def _float_descent_sampled(down: Any, landscape: Any, bound: float) -> Certificate:
    """The float descent users get (``descend``), evaluated densely — ``N_DENSE`` points per
    piece: E ≤ E_A + τ everywhere and E non-increasing to τ between neighbouring points (its
    promise), τ = FLOAT_PATH_TAU·max(1, |E_A|). ``sampled``: it never decides; the exact
    descent does. (Ball enclosures of this path add nothing: its bound is E_A, the energy of
    its constant pieces, so they could only ever say "within rounding".)"""
    from sublevel.numerics.paths.base import NON_INCREASING

    start = time.perf_counter()
    tau = FLOAT_PATH_TAU * max(1.0, abs(bound))
    grid = np.linspace(0.0, 1.0, N_DENSE)
    energies = landscape.energies(down.pieces_points(grid).reshape(-1, landscape.dim))
    rise = float(np.max(np.diff(energies), initial=0.0))  # the largest increase, if any
    i = int(np.argmax(energies))
    top = float(energies[i])
    ok = bool(np.isfinite(energies).all() and top <= bound + tau and rise <= tau)
    return Certificate(
        holds=ok,
        max_energy=top,
        argmax_t=float((i // N_DENSE + grid[i % N_DENSE]) / len(down.pieces)),
        bound=float(bound),
        method="sampled",
        margin=float(bound) - top,
        tolerances={"tau": tau},
        n_evaluations=int(energies.size),
        wall_time=time.perf_counter() - start,
        label="float descent: dense evaluation (≤ E_A, non-increasing)",
        promise=NON_INCREASING,
        outcome="holds" if ok else "fails",
        holds_within=tau if ok and (top > bound or rise > 0.0) else 0.0,
        details={"largest_rise": rise, "n_grid": N_DENSE, "pieces": len(down.pieces)},
    )


def _float_path_summary(certs: Any) -> dict[str, Any]:
    counts = {
        o: sum(c.outcome == o for c in certs.rigorous) for o in ("holds", "inconclusive", "fails")
    }
    worst = max(c.max_energy_enclosure[1] - c.bound for c in certs.rigorous)
    return {
        "rigorous_pieces": counts,
        "largest_excess_upper": worst,
        "max_residual": certs.details["max_residual"],
        "dense_holds_within": certs.sampled.holds_within,
    }


@check(
    "bf16.prop2.2.linear", instances=20, depth=3, n=4, m=4, hidden=6, samples=20, degenerate=0.25
)
def prop22_linear(
    seed: int, depth: int, n: int, m: int, hidden: int, samples: int, degenerate: float
) -> Evidence:
    """connect(θ_A, θ_B): E ≤ max(E_A, E_B) and descend(θ_A) strictly decreasing to
    E* = F(Σ_YXΣ_X⁺) — both decided exactly (τ = 0) on the proof's path built in rationals
    (sublevel.numerics.paths.linear_exact). The float connecting path users get is certified
    rigorous (ball arithmetic; "within rounding" is reported, it does not decide) and densely
    evaluated; the float descent is densely evaluated against its promise (≤ E_A,
    non-increasing to τ)."""
    from sublevel.numerics.energies.linear import flatten
    from sublevel.numerics.paths.linear import descend
    from sublevel.numerics.paths.linear_exact import certify_exact_path, descend_exact

    widths = _widths(depth, n, m, hidden)
    inst = _linear_instance(seed, widths, samples, degenerate)
    X, Y, wa, wb = inst["X"], inst["Y"], inst["wa"], inst["wb"]
    path, certs, bound, info = _connect_and_certify(X, Y, wa, wb)
    E = info["landscape"]
    end_error = max(
        float(np.max(np.abs(path.start - flatten(wa)))),
        float(np.max(np.abs(path.end - flatten(wb)))),
    )
    # descent, exactly
    down_exact = descend_exact(wa, X, Y, moments=info["moments"])
    d_bounds, d_promises = certify_exact_path(down_exact)
    last = d_promises[-1]
    e_star_q = down_exact.details["E_star"]
    strict = bool(last.details.get("strictly_decreasing")) or (
        down_exact.details["E_A"] == e_star_q
    )
    reaches = last.details["E_end"] == str(e_star_q)
    # the float descent users get, and the float closed form as an oracle
    down = descend(wa, X, Y, landscape=E)
    dcert = _float_descent_sampled(down, E, info["E_A"])
    e_star = E.global_minimum()
    oracle_gap = abs(float(e_star_q) - e_star)
    oracle_ok = oracle_gap <= ORACLE_RTOL * max(1.0, abs(e_star))
    exact = info["exact"] + d_bounds + d_promises
    outcome = outcome_from_certificates(exact)
    # exact statements that fail contradict the theorem (violated); a float cross-check that
    # disagrees with an exactly decided instance is a defect of the float path users get, so
    # the instance is reported inconclusive with the reason, never violated by rounding
    exact_problems = [
        text
        for ok, text in (
            (strict, "descent not strictly decreasing"),
            (reaches, "descent does not end at E* = F(P*)"),
        )
        if not ok
    ]
    float_problems = [
        text
        for ok, text in (
            (
                end_error <= 1e-12 * max(1.0, float(np.max(np.abs(flatten(wa + wb))))),
                f"float path endpoint error {end_error:.2g}",
            ),
            (oracle_ok, f"exact E* differs from the float closed form by {oracle_gap:.2g}"),
            (certs.sampled.holds, "dense float evaluation exceeds the bound beyond τ"),
            (
                dcert.holds,
                f"dense float descent above E_A or rising beyond τ (largest rise "
                f"{dcert.details['largest_rise']:.2g})",
            ),
        )
        if not ok
    ]
    problems = exact_problems + float_problems
    if exact_problems and outcome == "verified":
        outcome = "violated"
    elif float_problems and outcome == "verified":
        outcome = "inconclusive"
    float_path = _float_path_summary(certs)
    message = (
        f"exact path of {len(info['exact_path'].pieces)} pieces ≤ max(E_A, E_B) = {bound:.6g} "
        f"(τ = 0; constant pieces exactly constant); strictly decreasing exact descent to "
        f"E* = {float(e_star_q):.6g}; float path: {float_path['rigorous_pieces']['holds']} "
        f"pieces rigorous, {float_path['rigorous_pieces']['inconclusive']} within rounding"
        if outcome == "verified"
        else "; ".join(problems) or f"outcome {outcome}"
    )
    return Evidence(
        outcome=outcome,
        margin=_margin(info["exact"]),
        certificates=exact + certs.all + [dcert],
        instance={"widths": widths, "samples": samples, "endpoints": inst["degenerate"]},
        details={
            "E_A": info["E_A"],
            "E_B": info["E_B"],
            "bound": bound,
            "bound_exact": str(info["exact_path"].details["bound"]),
            "exact_pieces": info["exact_path"].labels(),
            "pieces": path.labels(),
            "endpoint_error": end_error,
            "float_path": float_path,
            "max_residual": certs.details["max_residual"],
            "sampled_max": certs.sampled.max_energy,
            "descent": {
                "pieces": down_exact.labels(),
                "E_star_exact": str(e_star_q),
                "E_star": float(e_star_q),
                "E_star_float_closed_form": e_star,
                "oracle_rtol": ORACLE_RTOL,
                "strictly_decreasing": strict,
                "reaches_E_star": reaches,
                "float_pieces": down.labels(),
                "float_largest_rise": dcert.details["largest_rise"],
            },
        },
        message=message,
        deciding=["exact"],
    )


def _square_endpoints(
    rng: np.random.Generator,
    h: int,
    samples: int,
    fraction: float,
    *,
    force_signs: bool = True,
    data: tuple[np.ndarray, np.ndarray] | None = None,
) -> dict[str, Any]:
    """Data (L, h) and two low-energy points of the h-h-h network (square boundary,
    papers.md §3.2 'why strict matters'). ``force_signs``: det W_1 of opposite signs at the
    two points (else each W_1 is drawn freely and the signs fall where they may).

    Each product is P* + Δ with the excess energy tr(Δ Σ_X Δᵀ) = ``fraction``·λ_min(S),
    S = Σ_YX Σ_X^{-1} Σ_XY, so both points lie below the rank-(h−1) barrier E*_h + λ_min(S)."""
    from sublevel.numerics.energies.linear import DeepLinear

    X, Y = data if data is not None else _data(rng, h, h, samples, noise=0.3)
    E = DeepLinear([h, h, h], X, Y)
    best = E.reduced_rank(h)
    lam_min = float(best.singular_values[-1] ** 2)
    pts = []
    for sign in (1.0, -1.0):
        W1 = np.eye(h) + 0.3 * rng.normal(size=(h, h)) / np.sqrt(h)
        if force_signs and np.sign(np.linalg.det(W1)) != sign:
            W1[0] *= -1.0
        elif not force_signs and rng.random() < 0.5:
            W1[0] *= -1.0  # a free draw: either component of GL(h) with probability ½
        D = rng.normal(size=(h, h))
        D *= np.sqrt(fraction * lam_min / np.trace(D @ E.sigma_x @ D.T))
        pts.append([W1, (best.product + D) @ np.linalg.inv(W1)])
    return {"X": X, "Y": Y, "wa": pts[0], "wb": pts[1], "landscape": E}


#: free draws of endpoint pairs the Prop 2.2 control makes before giving up on finding a pair in
#: different components of GL(h) (each draw: probability ½)
CONTROL_DRAWS = 16


def _refusal(build: Any) -> dict[str, Any]:
    """Run a guarded construction; its refusal is a precondition, never a detection."""
    try:
        build()
    except HypothesisError as exc:
        return {"refused": True, "reason": str(exc), "alternative": exc.alternative}
    return {"refused": False, "reason": "the construction returned a path", "alternative": None}


@negative_control("bf16.prop2.2.linear")
def prop22_linear_square(
    seed: int, depth: int, n: int, m: int, hidden: int, samples: int, degenerate: float
) -> Evidence:
    """Equality n = n_1 = m (the earlier '≥' version): the conclusion must be shown to fail.
    Endpoint pairs of the h-h-h network are drawn freely (no sign is forced) until the exact
    determinants of W_1 have opposite signs; then a certified disconnection — both energies
    below the rank-(h−1) barrier E*_{h−1} (decided in rationals) and det W_1 changing sign on
    any path, so every path passes a singular W_1 where E ≥ E*_{h−1} > max(E_A, E_B) — shows
    that no path stays ≤ max(E_A, E_B). The guard's refusal (connect raising the registry's
    HypothesisError) is recorded as a precondition, not as the detection."""
    from sublevel.numerics.paths.linear import connect

    rng = np.random.default_rng(seed)
    h = max(2, min(n, m))
    data = _data(rng, h, h, max(samples, 2 * h), noise=0.3)
    draws, inst = 0, None
    while inst is None and draws < CONTROL_DRAWS:
        draws += 1
        cand = _square_endpoints(rng, h, 0, 0.5, force_signs=False, data=data)
        if _exact_det(cand["wa"][0]) * _exact_det(cand["wb"][0]) < 0:
            inst = cand
    if inst is None:
        return Evidence(
            outcome="not detected",
            instance={"widths": [h, h, h]},
            details={"draws": draws},
            message=f"no endpoint pair in different components in {draws} draws",
            deciding=["exact"],
        )
    precondition = _refusal(lambda: connect(inst["wa"], inst["wb"], inst["X"], inst["Y"]))
    cert, gap = _square_certificate(inst)
    detected = cert.holds
    return Evidence(
        outcome=control_outcome(conclusion_fails=detected),
        certificates=[cert],
        instance={"widths": [h, h, h], "samples": int(data[0].shape[0])},
        details={
            "precondition": precondition,
            "draws": draws,
            **gap,
            "det_W1_A": cert.details["det_W1_A"],
            "det_W1_B": cert.details["det_W1_B"],
        },
        message=(
            f"conclusion fails (exact): every path from θ_A to θ_B passes a singular W_1 "
            f"where E ≥ E*_(h−1) = {gap['barrier']:.6g} > max(E_A, E_B) = {gap['u']:.6g}; "
            f"connect refused beforehand (precondition)"
        )
        if detected
        else "the disconnection was not certified (endpoints above the barrier)",
        deciding=["exact"],
    )


@path_builder("bf16.prop2.2.linear")
def prop22_linear_path(
    seed: int, depth: int, n: int, m: int, hidden: int, samples: int, degenerate: float
) -> Any:
    """The connecting path of one instance, with its certificates (for ``sublevel path``)."""
    from sublevel.numerics.profile import PathProfile

    widths = _widths(depth, n, m, hidden)
    inst = _linear_instance(seed, widths, samples, degenerate)
    path, certs, bound, info = _connect_and_certify(inst["X"], inst["Y"], inst["wa"], inst["wb"])
    return PathProfile(
        path=path,
        landscape=info["landscape"],
        bound=bound,
        title=f"BF'16 Prop. 2.2 path, widths {widths} (seed {seed})",
        info={
            "E_A": info["E_A"],
            "E_B": info["E_B"],
            "widths": widths,
            "legend": "A·a/B·a: W_2 vanishes off range W_1; A·b/B·b: W_1 made injective "
            "(at induction level K); lifted P(t): straight path in the product",
            "endpoints": inst["degenerate"],
            "max_residual": certs.details["max_residual"],
            "float_path": _float_path_summary(certs),
            "exact_pieces": info["exact_path"].labels(),
        },
        # the exact path's certificates decide; the float path's dense evaluation is shown
        # beside them (its rigorous certificates, often "within rounding", are summarised
        # in info["float_path"])
        certificates=info["exact"] + [certs.realised, certs.sampled],
    )


# ---------------------------------------------------------------------------- square boundary


def _exact_det(A: np.ndarray) -> Fraction:
    """det A of the float matrix taken exactly (FLINT fmpq_mat)."""
    from sublevel.numerics.paths.exact_linalg import qmat

    d = qmat(A).det()
    return Fraction(int(d.p), int(d.q))


def _exact_energy(
    weights: list[np.ndarray], X: np.ndarray, Y: np.ndarray, moments: Any = None
) -> Fraction:
    """(1/L) Σ_l ‖W_K⋯W_1 x_l − y_l‖² = F(W_K⋯W_1), exactly in rationals (the floats as given):
    :meth:`~sublevel.numerics.paths.linear_exact.ExactMoments.energy` of the exact product
    (``moments``: the data's ExactMoments, when already computed)."""
    from sublevel.numerics.paths.exact_linalg import qmat
    from sublevel.numerics.paths.linear_exact import ExactMoments

    if moments is None:
        moments = ExactMoments.from_data(X, Y)
    P = qmat(weights[0])
    for W in weights[1:]:
        P = qmat(W) * P
    e = moments.energy(P)
    return Fraction(int(e.p), int(e.q))


def _leading(A: Any, k: int) -> Any:
    """The leading k × k block of an fmpq_mat."""
    from flint import fmpq_mat

    return fmpq_mat([[A[i, j] for j in range(k)] for i in range(k)])


def _float_matrix(A: Any) -> np.ndarray:
    """An fmpq_mat as the nearest floats, entry by entry."""
    from sublevel.theory.rational import fmpq_to_float

    return np.array([[fmpq_to_float(A[i, j]) for j in range(A.ncols())] for i in range(A.nrows())])


def _square_certificate(
    inst: dict[str, Any], kappa: float = 0.0
) -> tuple[Certificate, dict[str, Any]]:
    """Exact certificate that θ_A, θ_B (det W_1 of opposite signs) lie in different
    components of Ω_u for every u in [max(E_A, E_B), E*_{h−1}).

    Any path joins det W_1 > 0 to det W_1 < 0, so it passes a singular W_1, where the product
    has rank ≤ h − 1 and E ≥ E*_{h−1} = E*_h + λ_min(S), S = Σ_YX Σ_X^{-1} Σ_XY,
    E*_h = σ_Y − tr S (reduced-rank regression). Decided in rationals: the signs of det W_1,
    the endpoint energies, and S − (u − E*_h) I positive definite (leading minors > 0)."""
    from flint import fmpq
    from sublevel.numerics.paths.exact_linalg import identity_matrix
    from sublevel.numerics.paths.linear_exact import ExactMoments

    start = time.perf_counter()
    X, Y, wa, wb = inst["X"], inst["Y"], inst["wa"], inst["wb"]
    h = X.shape[1]
    moments = ExactMoments.from_data(X, Y)
    Sx, Sxy = moments.sigma_x, moments.sigma_xy
    if Sx.det() == 0:
        raise ValueError("Σ_X is singular: the closed form needs full-rank data")
    S = Sxy.transpose() * Sx.solve(Sxy)  # Σ_YX Σ_X^{-1} Σ_XY
    trace_s = sum((S[i, i] for i in range(h)), fmpq(0))
    e_full = moments.sigma_y - trace_s
    ea, eb = (_exact_energy(w, X, Y, moments) for w in (wa, wb))
    if kappa:  # ridge: E_κ = F + κ‖θ‖² ≥ F, so the same barrier bounds E_κ on singular W_1
        k = Fraction(float(kappa))
        ea += k * sum((Fraction(float(v)) ** 2 for W in wa for v in np.ravel(W)), Fraction(0))
        eb += k * sum((Fraction(float(v)) ** 2 for W in wb for v in np.ravel(W)), Fraction(0))
    u = max(ea, eb)
    gap = u - Fraction(int(e_full.p), int(e_full.q))
    shifted = S - fmpq(gap.numerator, gap.denominator) * identity_matrix(h)
    pd = all(_leading(shifted, k).det() > 0 for k in range(1, h + 1))
    da, db = _exact_det(wa[0]), _exact_det(wb[0])
    opposite = da * db < 0
    lam_min = float(np.linalg.eigvalsh(_float_matrix(S))[0])
    barrier = float(e_full) + lam_min
    cert = Certificate(
        holds=bool(pd and opposite),
        max_energy=float(u),
        argmax_t=0.0 if ea >= eb else 1.0,
        bound=barrier,
        method="exact",
        wall_time=time.perf_counter() - start,
        label="endpoints below the rank-deficient barrier E*_{h−1}; det W_1 signs opposite",
        promise="different components of Ω_u",
        details={
            "E_A": str(ea),
            "E_B": str(eb),
            "E_star_h": float(e_full),
            "E_star_h_minus_1": barrier,
            "lambda_min_S": lam_min,
            "det_W1_A": float(da),
            "det_W1_B": float(db),
            "positive_definite_S_minus_gap": bool(pd),
        },
    )
    return cert, {
        "E_A": float(ea),
        "E_B": float(eb),
        "u": float(u),
        "barrier": barrier,
        "gap": barrier - float(u),
        "E_star_h": float(e_full),
    }
