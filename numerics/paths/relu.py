"""Theorem 2.4 of Freeman & Bruna (ICLR 2017): the six-part path between two-layer ReLU networks.

Setting (BF'16 §2.3.2, digest §3.5–§3.6): one hidden layer, scalar output, hidden units
z(w) = ρ(⟨w, x̄⟩) with x̄ = (x, 1) (the bias is part of the row w = (w, b)), rows on the unit
sphere, ℓ1 penalty κ‖β‖₁ on the second layer:

    F(W, β) = (1/L) Σ_l (Σ_i β_i z_l(w_i) − y_l)² + κ ‖β‖₁.

For θ_A, θ_B with F ≤ λ the path stays below max(λ, ε), with

    ε = max{e(l), δ_{W_A}(m,0;m), δ_{W_A}(m−l,α;m), δ_{W_B}(m,0;m), δ_{W_B}(m−l,α;m)} + C₁α + O(α²).

Its six sub-paths, all chains of straight segments here (so every one is certified exactly by
:func:`sublevel.numerics.certify_relu.certify_relu_path`):

(1) θ_A → θ_lA: W_A fixed, β moves linearly to the lasso fit for W_A — convex, ≤ max of ends;
(2) θ_lA → θ_sA: rows rotate by ≤ α to W̃_A (greedy angle clustering, every member of a
    cluster moved to the cluster's centre) while β moves linearly to γ_A, the lasso fit on the
    m − l cluster centres (l units get γ = 0) — ≤ (√max(F_lA, F_sA) + D_A)², where
    D_A = √‖Σ_x̄‖ Σ_i ‖w_i − w̃_i‖(|β_i| + |γ_i|)/4 (the proof's eq. bub2, made explicit:
    ‖z(w) − z(w')‖ ≤ √‖Σ_x̄‖ ‖w − w'‖ because ρ is 1-Lipschitz);
(3) θ_sA → θ*: the l freed rows move to the rows of an l-unit oracle network (their weights are
    0: constant energy), then the weights move linearly to the oracle's (convex);
    then the oracle is handed from A's freed units to B's (copy rows onto zero-weight units,
    transfer the weights — both constant energy) and the zero-weight rows move to W̃_B;
(4)–(6) the mirror images for B.

e(l) and the δ's are the values the construction attains (upper estimates of the paper's
minima), so the bound reported is the one the path actually proves. For each l on a grid the
greedy merges give the smallest α that frees l units; the l minimising ε is used.

The pieces it is built from live next to it: the networks with unit rows, their training and
the oracle e(l) in :mod:`sublevel.numerics.paths.relu_networks`, the lasso second layer in
:mod:`sublevel.numerics.paths.lasso`, the compression δ_W(m − l, α; m) in
:mod:`sublevel.numerics.paths.relu_compression`; Corollary 2.5 (the width study) is
:mod:`sublevel.numerics.paths.relu_width`, the disconnection results of §2.3.1
:mod:`sublevel.numerics.paths.relu_disconnection`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any, cast

import numpy as np
from sublevel.numerics.energies.relu import TwoLayerReLU
from sublevel.numerics.landscape import as_theta
from sublevel.numerics.paths.base import CONSTANT, LE_BOUND, LE_MAX_ENDPOINTS, Path, Segment
from sublevel.numerics.paths.relu_compression import Compression, compress, merge_sequence
from sublevel.numerics.paths.relu_networks import (
    CLAIM,
    OracleFit,
    _check_scalar,
    _rows,
    _theta,
    fit_oracle,
    refit_second_layer,
    row_norms,
    second_moment_norm,
)
from sublevel.theory.errors import HypothesisError, InputError

__all__ = [
    "c1_alpha_paper",
    "SixPartPath",
    "six_part_path",
    "plot_six_part_path",
]


def c1_alpha_paper(land: TwoLayerReLU, alpha: float) -> float:
    """The paper's bound on sub-path (2), eq. (bub2) with the statement's κ-exponents:
    4α·max(E|Y|², √E|Y|²)·‖Σ_X‖·(κ^{−1/2} + α√E|Y|²·κ^{−1}) (inf when κ = 0)."""
    if land.l1 <= 0:
        return float("inf")
    ey2 = float(np.mean(land.Y[:, 0] ** 2))
    kap = land.l1
    return (
        4
        * alpha
        * max(ey2, np.sqrt(ey2))
        * second_moment_norm(land)
        * (kap**-0.5 + alpha * np.sqrt(ey2) / kap)
    )


# ---------------------------------------------------------------------------------- the path
@dataclass
class SixPartPath:
    """The path of Theorem 2.4 with the quantities of its bound.

    ``quantities``: λ, e(l), δ_A(m,0;m), δ_A(m−l,α;m), δ_B(m,0;m), δ_B(m−l,α;m), the C₁α terms
    (instance: explicit bub2; paper: the statement's formula), ε and the path bound max(λ, ε).
    ``piece_bounds``: the bound each piece's proof step promises (pieces (2) and (5): the
    explicit bub2 bound; the others: their promise, checked separately).
    """

    path: Path
    ell: int
    alpha: float
    quantities: dict[str, float]
    piece_bounds: list[float | None]
    grid: list[dict[str, float]] = field(default_factory=list)
    points: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def bound(self) -> float:
        """The energy bound the path proves: max(λ, ε), λ = max(F_A, F_B) (Theorem 2.4)."""
        return self.quantities["bound"]


def _bub2(M: float, sigma: float, comp: Compression, beta: np.ndarray) -> float:
    """Bound on sub-path (2): (√M + D)² with D = √‖Σ‖ Σ_i ‖w_i − w̃_i‖(|β_i| + |γ_i|)/4."""
    D = np.sqrt(sigma) * float(np.sum(comp.chords * (np.abs(beta) + np.abs(comp.gamma)))) / 4
    return (np.sqrt(max(M, 0.0)) + D) ** 2


def six_part_path(
    land: TwoLayerReLU,
    theta_A: Any,
    theta_B: Any,
    rng: np.random.Generator,
    *,
    ls: Any = None,
    max_alpha: float = 2.5,
    oracle_restarts: int = 2,
    oracle_maxiter: int = 300,
) -> SixPartPath:
    """Build the six-part path of Theorem 2.4 between θ_A and θ_B (rows on the unit sphere).

    For each l in ``ls`` (default {m/4, m/2, 3m/4}) the greedy merges give the smallest α that
    frees l units at each endpoint (α ≤ ``max_alpha``); the l minimising ε is used."""
    _check_scalar(land)
    tA = as_theta(theta_A, land.dim, name="theta_A")
    tB = as_theta(theta_B, land.dim, name="theta_B")
    for name, th in (("theta_A", tA), ("theta_B", tB)):
        if np.any(np.abs(row_norms(land, th) - 1) > 1e-9):
            raise HypothesisError(
                f"{name} has rows off the unit sphere: use to_unit_rows", claim=CLAIM
            )
    m = land.m
    if m < 2:
        raise HypothesisError(f"width m = {m}: the construction needs m ≥ 2", claim=CLAIM)
    if ls is None:
        ls = sorted({max(1, m // 4), max(1, m // 2), max(1, (3 * m) // 4)} - {m})
    ls = sorted({int(v) for v in ls if 1 <= int(v) < m})
    if not ls:
        raise InputError(f"no admissible l in {ls!r} for width {m}")
    if not (0 < max_alpha <= np.pi):
        raise InputError(f"max_alpha = {max_alpha!r} must lie in (0, π]")
    sigma = second_moment_norm(land)
    FA, FB = land.energy(tA), land.energy(tB)
    lam = max(FA, FB)
    tlA, fitA = refit_second_layer(land, tA)
    tlB, fitB = refit_second_layer(land, tB)
    _, betaA = _rows(land, tlA)
    _, betaB = _rows(land, tlB)
    seqA = merge_sequence(_rows(land, tlA)[0], max(ls))
    seqB = merge_sequence(_rows(land, tlB)[0], max(ls))
    dA0, dB0 = land.energy(tlA), land.energy(tlB)
    oracles: dict[int, OracleFit] = {}
    grid: list[dict[str, float]] = []
    best: tuple[float, int, float, Compression, Compression] | None = None
    for ell in ls:
        alpha = max(seqA.angle_needed(ell), seqB.angle_needed(ell))
        if alpha > max_alpha:
            continue
        cA = compress(land, tlA, ell, alpha, sequence=seqA)
        cB = compress(land, tlB, ell, alpha, sequence=seqB)
        if cA is None or cB is None:
            continue
        if ell not in oracles:
            oracles[ell] = fit_oracle(
                land, ell, rng, restarts=oracle_restarts, maxiter=oracle_maxiter
            )
        e_l = oracles[ell].value
        bA = _bub2(max(dA0, cA.value), sigma, cA, betaA)
        bB = _bub2(max(dB0, cB.value), sigma, cB, betaB)
        base = max(e_l, dA0, cA.value, dB0, cB.value)
        c1 = max(bA - max(dA0, cA.value), bB - max(dB0, cB.value))
        eps = base + c1
        grid.append(
            {
                "l": ell,
                "alpha": alpha,
                "e_l": e_l,
                "delta_A": cA.value,
                "delta_B": cB.value,
                "c1_alpha": c1,
                "epsilon": eps,
            }
        )
        if best is None or eps < best[0]:
            best = (eps, ell, alpha, cA, cB)
    if best is None:
        raise HypothesisError(
            f"no l in {ls} can be freed within the angle max_alpha = {max_alpha} at both "
            "endpoints: raise max_alpha or lower l",
            claim=CLAIM,
        )
    eps, ell, alpha, cA, cB = best
    orc = oracles[ell]
    path, bounds, pts = _assemble(
        land, tA, tB, tlA, tlB, cA, cB, orc, sigma, betaA, betaB, dA0, dB0
    )
    q = {
        "lambda": lam,
        "F_A": FA,
        "F_B": FB,
        "e_l": orc.value,
        "delta_A_m0": dA0,
        "delta_A_ml_alpha": cA.value,
        "delta_B_m0": dB0,
        "delta_B_ml_alpha": cB.value,
        "c1_alpha_instance": float(eps - max(orc.value, dA0, cA.value, dB0, cB.value)),
        "c1_alpha_paper": c1_alpha_paper(land, alpha),
        "max_angle_A": cA.max_angle,
        "max_angle_B": cB.max_angle,
        "sigma_norm": sigma,
        "epsilon": float(eps),
        "bound": float(max(lam, eps)),
        "lasso_gap_A": fitA.gap,
        "lasso_gap_B": fitB.gap,
    }
    return SixPartPath(path, ell, alpha, q, bounds, grid, pts)


def _assemble(
    land: TwoLayerReLU,
    tA: np.ndarray,
    tB: np.ndarray,
    tlA: np.ndarray,
    tlB: np.ndarray,
    cA: Compression,
    cB: Compression,
    orc: OracleFit,
    sigma: float,
    betaA: np.ndarray,
    betaB: np.ndarray,
    dA0: float,
    dB0: float,
) -> tuple[Path, list[float | None], dict[str, np.ndarray]]:
    """The segments of sub-paths (1)–(6) with labels, promises and their own bounds."""
    m = land.m
    SA, SB = cA.freed, cB.freed
    # the oracle's units sit on A's freed units, later on B's; the match pairs the differences
    slot = dict(zip(SA.tolist(), range(orc.ell)))  # A's freed unit → oracle unit
    onlyA = [i for i in SA.tolist() if i not in set(SB.tolist())]
    onlyB = [j for j in SB.tolist() if j not in set(SA.tolist())]
    # B's freed units carry the oracle at the end: units shared by SA and SB keep their oracle
    # unit; each unit of SB \ SA takes the oracle unit of its partner in SA \ SB
    slotB = {j: slot[j] for j in SB.tolist() if j in slot}
    for i, j in zip(onlyA, onlyB):
        slotB[j] = slot[i]

    pieces: list[Segment] = []
    bounds: list[float | None] = []

    def add(
        a: np.ndarray, b: np.ndarray, label: str, promise: str, bound: float | None, step: str
    ) -> None:
        if np.array_equal(a, b):
            return
        pieces.append(Segment(a, b, label, promise, info={"step": step, "bound": bound}))
        bounds.append(bound)

    th = lambda R, beta: _theta(land, R, beta)  # noqa: E731
    b2A = _bub2(max(dA0, cA.value), sigma, cA, betaA)
    b2B = _bub2(max(dB0, cB.value), sigma, cB, betaB)
    sA = th(cA.rows, cA.gamma)
    sB = th(cB.rows, cB.gamma)
    add(
        tA,
        tlA,
        "(1) β→lasso",
        LE_MAX_ENDPOINTS,
        None,
        "A: second layer → lasso fit for W_A (convex)",
    )
    add(
        tlA,
        sA,
        "(2) rotate, sparsify",
        LE_BOUND,
        b2A,
        "A: rows rotate ≤ α, second layer → (m−l)-sparse γ_A (explicit bub2 bound)",
    )
    # (3) free rows to the oracle, then the weights
    R = cA.rows.copy()
    R[SA] = orc.rows[[slot[i] for i in SA.tolist()]]
    p3a = th(R, cA.gamma)
    add(sA, p3a, "(3) rows→oracle", CONSTANT, None, "A: freed rows → oracle rows (zero weight)")
    beta_star = np.zeros(m)
    beta_star[SA] = orc.beta[[slot[i] for i in SA.tolist()]]
    p3b = th(R, beta_star)
    add(
        p3a,
        p3b,
        "(3) γ_A→oracle",
        LE_MAX_ENDPOINTS,
        None,
        "second layer γ_A → oracle weights (convex)",
    )
    # hand the oracle from SA to SB
    if onlyB:
        R2 = R.copy()
        R2[onlyB] = orc.rows[[slotB[j] for j in onlyB]]
        p_copy = th(R2, beta_star)
        add(
            p3b,
            p_copy,
            "(3|4) copy rows",
            CONSTANT,
            None,
            "copy oracle rows onto zero-weight units of B",
        )
        beta2 = beta_star.copy()
        beta2[onlyB] = beta_star[onlyA]
        beta2[onlyA] = 0.0
        p_move = th(R2, beta2)
        add(
            p_copy,
            p_move,
            "(3|4) hand over",
            CONSTANT,
            None,
            "transfer the oracle weights to B's units (identical rows)",
        )
        R, beta_star = R2, beta2
    star = th(R, beta_star)
    Rb = cB.rows.copy()
    Rb[SB] = R[SB]
    p4 = th(Rb, beta_star)
    add(star, p4, "(3|4) rows→W̃_B", CONSTANT, None, "zero-weight rows → W̃_B")
    p4b = th(Rb, cB.gamma)
    add(p4, p4b, "(4) oracle→γ_B", LE_MAX_ENDPOINTS, None, "second layer oracle → γ_B (convex)")
    add(p4b, sB, "(4) rows→W̃_B", CONSTANT, None, "freed rows of B → W̃_B (zero weight)")
    add(
        sB,
        tlB,
        "(5) rotate back",
        LE_BOUND,
        b2B,
        "B: rows rotate back, second layer → lasso fit (explicit bub2 bound)",
    )
    add(tlB, tB, "(6) β→θ_B", LE_MAX_ENDPOINTS, None, "B: second layer → θ_B (convex)")
    pts = {
        "theta_A": tA,
        "theta_lA": tlA,
        "theta_sA": sA,
        "theta_star": star,
        "theta_sB": sB,
        "theta_lB": tlB,
        "theta_B": tB,
    }
    return Path(pieces), bounds, pts


def plot_six_part_path(
    land: TwoLayerReLU,
    sp: SixPartPath,
    file: Any,
    *,
    certificates: list[Any] | None = None,
    n_per_piece: int = 101,
) -> Any:
    """Energy along the sub-paths of Theorem 2.4 (log scale), each piece numbered and tagged
    with its proof step, with λ, the path bound max(λ, ε), the explicit bub2 bounds of pieces
    (2) and (5) and, when given, the certified maxima of the pieces."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = FsPath(file)
    if out.parent and not out.parent.exists():
        raise InputError(
            f"cannot write plot {str(out)!r}: folder {str(out.parent)!r} does not exist"
        )
    pieces = cast("list[Segment]", sp.path.pieces)  # the six-part path is made of segments
    k = len(pieces)
    local = np.linspace(0.0, 1.0, n_per_piece)
    fig, ax = plt.subplots(figsize=(10, 4.8))
    for i, (piece, bound) in enumerate(zip(pieces, sp.piece_bounds)):
        ts = (i + local) / k
        es = land.segment_energies(piece.a, piece.b, local)
        ax.axvspan(i / k, (i + 1) / k, color=("#eef3ff" if i % 2 == 0 else "#fff6e8"), zorder=0)
        ax.plot(
            ts, np.maximum(es, 1e-300), color="#1f4e9c", lw=1.6, label="E(γ(t))" if i == 0 else None
        )
        if bound is not None:
            ax.hlines(
                bound,
                i / k,
                (i + 1) / k,
                colors="#c0392b",
                linestyles=":",
                lw=1.6,
                label="explicit bub2 bound of (2), (5)" if i == 1 else "_nolegend_",
            )
        if certificates is not None and i < len(certificates):
            c = certificates[i]
            ax.plot(
                (i + c.argmax_t) / k,
                max(c.max_energy, 1e-300),
                "v",
                color="#1f4e9c",
                ms=5,
                label="certified maximum (exact)" if i == 0 else None,
            )
    q = sp.quantities
    ax.axhline(
        q["lambda"],
        color="#777777",
        ls="--",
        lw=1.0,
        label=f"λ = max(F_A, F_B) = {q['lambda']:.3g}",
    )
    ax.axhline(sp.bound, color="#c0392b", ls="--", lw=1.2, label=f"max(λ, ε) = {sp.bound:.3g}")
    ax.set_yscale("log")
    ax.set_xticks([(i + 0.5) / k for i in range(k)])
    ax.set_xticklabels([p.label for p in pieces], rotation=35, ha="right", fontsize=7)
    ax.set_ylabel("energy F (empirical risk + κ‖β‖₁)")
    ax.set_title(
        f"Theorem 2.4: six sub-paths, m = {land.m}, l = {sp.ell}, α = {sp.alpha:.3g}, "
        f"e(l) = {q['e_l']:.3g}, C₁α = {q['c1_alpha_instance']:.3g}",
        fontsize=9,
    )
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
