"""Assignment 1 — deep linear networks: watch Freeman & Bruna's theorem hold, then break.

Theorem (Freeman & Bruna, ICLR 2017, Prop. 2.2; claim ``bf16.prop2.2.linear``). For a deep
linear network Φ(x) = W_K⋯W_1 x with the square loss, if every inner width is strictly larger
than min(n, m), any two parameter points θ_A, θ_B are joined by a path along which the energy
never exceeds max(E(θ_A), E(θ_B)): every sub-level set Ω_u is connected (N_u = 1).

Part 1 builds the proof's path for a 3-4-4-3 network and certifies it (the energy along each
piece is a polynomial in t: exact certificates, no sampling verdict), then asks the registered
check for 8 random instances.

Part 2 sets the widths equal (n = n_1 = m = 3, the earlier '≥' version of the theorem). Then
W_1 is a square matrix, GL(3) has two components (det > 0 and det < 0), and two low-energy
points whose first factors have opposite determinant signs cannot be joined inside Ω_u for u
below the best rank-2 energy E*_2: every path passes a singular W_1 (rank-2 product). The
construction refuses, and the straight path rises above E*_2 exactly where det W_1(t) = 0.

Run:  python examples/01_deep_linear.py [--out DIR] [--instances N]
Writes DIR/deep_linear.png (the two energy profiles).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


def _points(rng: np.random.Generator, widths: list[int]) -> list[np.ndarray]:
    """Random weights W_k of shape (n_k, n_{k−1})."""
    return [rng.standard_normal((b, a)) / np.sqrt(a) for a, b in zip(widths[:-1], widths[1:])]


def part1(rng: np.random.Generator, instances: int) -> tuple[np.ndarray, np.ndarray, float]:
    from sublevel.numerics.energies.linear import DeepLinear, flatten
    from sublevel.numerics.paths.linear import connect
    from sublevel.numerics.paths.linear_exact import certify_exact_path, connect_exact
    from sublevel.proofs_checks import check_claim

    widths = [3, 4, 4, 3]
    X = rng.standard_normal((30, 3))
    Y = X @ rng.standard_normal((3, 3)) + 0.3 * rng.standard_normal((30, 3))
    E = DeepLinear(widths, X, Y)
    wa, wb = _points(rng, widths), _points(rng, widths)
    bound = max(E.energy(flatten(wa)), E.energy(flatten(wb)))
    path = connect(wa, wb, X, Y)
    bounds, promises = certify_exact_path(connect_exact(wa, wb, X, Y))
    print(f"Part 1 — widths {widths}: the proof's path has {len(path.pieces)} pieces:")
    for piece in path.pieces:
        print(f"   {piece.label:40s} promise: {piece.promise}")
    top = max(c.max_energy for c in bounds)
    print(
        f"   bound max(E_A, E_B) = {bound:.6f}; largest certified energy {top:.6f} (the "
        f"proof's path in rationals, exact certificates with τ = 0, all hold: "
        f"{all(c.holds for c in bounds + promises)}; constant pieces exactly constant)"
    )
    ts = np.linspace(0, 1, 400)
    energies = E.energies(path.points(ts))
    outcomes = [check_claim("bf16.prop2.2.linear", seed=s).outcome for s in range(instances)]
    print(
        f"   the registered check on {instances} random instances: "
        f"{outcomes.count('verified')} verified, {outcomes.count('violated')} violated"
    )
    return ts, energies, bound


def _square_points(rng: np.random.Generator, h: int):
    """Data and two points of the h-h-h network below the rank-(h−1) barrier whose first
    factors have opposite determinant signs (as the check of bf16.linear.square-boundary)."""
    from sublevel.numerics.energies.linear import DeepLinear

    X = rng.standard_normal((40, h))
    Y = X @ (2 * np.eye(h) + 0.3 * rng.standard_normal((h, h))) + 0.3 * rng.standard_normal((40, h))
    E = DeepLinear([h, h, h], X, Y)
    best = E.reduced_rank(h)
    barrier = E.reduced_rank(h - 1).energy  # E*_{h−1}: the best energy of a singular product
    lam = float(best.singular_values[-1] ** 2)
    points = []
    for sign in (1.0, -1.0):
        W1 = np.eye(h) + 0.3 * rng.standard_normal((h, h)) / np.sqrt(h)
        if np.sign(np.linalg.det(W1)) != sign:
            W1[0] *= -1.0
        D = rng.standard_normal((h, h))
        D *= np.sqrt(0.5 * lam / np.trace(D @ E.sigma_x @ D.T))  # excess energy λ_min/2
        points.append([W1, (best.product + D) @ np.linalg.inv(W1)])
    return X, Y, E, points, barrier


def part2(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float, float, float]:
    from sublevel.numerics.energies.linear import flatten
    from sublevel.numerics.paths.linear import connect
    from sublevel.theory.claims import get_claim
    from sublevel.theory.errors import HypothesisError

    h = 3
    X, Y, E, (wa, wb), barrier = _square_points(rng, h)
    ea, eb = E.energy(flatten(wa)), E.energy(flatten(wb))
    print(
        f"\nPart 2 — equal widths [{h}, {h}, {h}]: hypotheses hold? "
        f"{get_claim('bf16.prop2.2.linear').hypotheses_hold(widths=[h, h, h])}"
    )
    print(
        f"   det W_1: {np.linalg.det(wa[0]):+.3f} at A, {np.linalg.det(wb[0]):+.3f} at B; "
        f"E_A = {ea:.4f}, E_B = {eb:.4f} < E*_{h - 1} = {barrier:.4f}"
    )
    try:
        connect(wa, wb, X, Y)
        print("   connect returned a path (unexpected)")
    except HypothesisError as exc:
        print(f"   connect refuses: {exc} (claim {exc.alternative} applies instead)")
    ts = np.linspace(0, 1, 400)
    a, b = flatten(wa), flatten(wb)
    energies = E.energies((1 - ts)[:, None] * a + ts[:, None] * b)
    dets = [np.linalg.det((1 - t) * wa[0] + t * wb[0]) for t in ts]
    crossing = float(ts[int(np.argmin(np.abs(dets)))])
    print(
        f"   straight path: det W_1(t) changes sign near t = {crossing:.3f}; max energy "
        f"{energies.max():.4f} ≥ E*_{h - 1} = {barrier:.4f} > max(E_A, E_B) = {max(ea, eb):.4f}"
    )
    return ts, energies, max(ea, eb), barrier, crossing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Deep linear networks: the theorem and its boundary."
    )
    parser.add_argument("--out", default="examples-out", help="folder for the figure")
    parser.add_argument("--instances", type=int, default=8, help="random instances for the check")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    ts1, e1, bound1 = part1(rng, args.instances)
    ts2, e2, bound2, barrier, crossing = part2(rng)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    axes[0].plot(ts1, e1, color="#1f4e9c", label="E along the proof's path")
    axes[0].axhline(bound1, color="#c0392b", ls="--", label="max(E_A, E_B)")
    axes[0].set_title("widths 3-4-4-3: connected (certified)")
    axes[1].plot(ts2, e2, color="#1f4e9c", label="E along the straight path")
    axes[1].axhline(bound2, color="#c0392b", ls="--", label="max(E_A, E_B)")
    axes[1].axhline(barrier, color="#8e24aa", ls=":", label="E*_2 (best singular product)")
    axes[1].axvline(crossing, color="grey", lw=0.8, label="det W_1(t) = 0")
    axes[1].set_title("widths 3-3-3: opposite det signs, disconnected below E*_2")
    for ax in axes:
        ax.set_xlabel("t")
        ax.set_ylabel("energy")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "deep_linear.png", dpi=110)
    plt.close(fig)
    print(
        f"\nWhat to observe: on the left the energy never exceeds the dashed bound (the theorem);"
        f"\non the right every path must cross det W_1 = 0 and climb to E*_2 — with equal widths"
        f"\nthe sub-level set below E*_2 has two components.\nFigure: {out / 'deep_linear.png'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
