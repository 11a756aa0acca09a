"""Assignment 3 — find the ReLU spurious valley (Venturi, Bandeira & Bruna, Thm 13).

For ReLU the intrinsic dimension is infinite and the no-spurious-valley theorem of assignment 2
does not apply. VBB's explicit counterexample (claim ``vbb.thm13.relu-valley``; papers.md
§4.5(a)): inputs X = (G_1, …, G_{n−1}, 0) or (0, …, 0, G_n) with probability ½ each (G Gaussian),
target Y = Σ_{i ≤ p} α ρ(X_i) − β ρ(X_n), and a student with p ≤ n − 1 hidden units.

* θ_bad = (rows e_1..e_p, output weights α) fits the first branch exactly and predicts 0 on the
  second: L(θ_bad) = β²/4. It is a stationary point (the loss is even a local minimum on the set
  V_p^+ of students that ignore x_n with positive output weights).
* θ_good trades one first-branch unit for the second branch: L(θ_good) = α²/4 < β²/4.
* The valley: from θ_bad every path to θ_good climbs — the straight one to ≈ 3.25 — and gradient
  descent started near θ_bad stays in V_p^+ above β²/4.

Every loss value here is in closed form (the arc-cosine kernel, Cho & Saul 2009), cross-checked
by Monte Carlo. DSS then searches for a path inside the sub-level set: it fails just above
β²/4 and succeeds above the straight path's barrier. (A failed search is evidence, not a proof
of disconnection — papers.md §9.15; the proof is the stationarity + the valley's invariance.)

Run:  python examples/03_relu_valley.py [--n 5] [--p 3] [--out DIR] [--quick]
Writes DIR/relu_valley.png (the energy along the straight path and the gradient-descent run).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The explicit ReLU spurious valley.")
    parser.add_argument("--n", type=int, default=5, help="input dimension (≥ 3)")
    parser.add_argument("--p", type=int, default=3, help="hidden units (2 ≤ p ≤ n − 1)")
    parser.add_argument("--alpha", type=float, default=2.0)
    parser.add_argument("--beta", type=float, default=3.0)
    parser.add_argument("--quick", action="store_true", help="smaller Monte Carlo and DSS budgets")
    parser.add_argument("--out", default="examples-out")
    args = parser.parse_args(argv)

    from sublevel.numerics.energies.relu_valley import relu_valley
    from sublevel.numerics.geodesic.dss import dss
    from sublevel.numerics.geodesic.train import Adam
    from sublevel.theory.errors import InputError

    try:
        V = relu_valley(args.n, args.p, args.alpha, args.beta)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    land = V.landscape
    e_bad, e_good = land.energy(V.theta_bad), land.energy(V.theta_good)
    mc_samples = 4000 if args.quick else 40000
    mc, se = land.monte_carlo(V.theta_bad, mc_samples, seed=0)
    print(f"n = {V.n}, p = {V.p}, α = {V.alpha}, β = {V.beta}")
    print(
        f"   L(θ_bad)  = {e_bad:.6f}  (β²/4 = {V.energy_bad:.6f}; Monte Carlo {mc:.4f} ± {se:.4f})"
    )
    print(f"   L(θ_good) = {e_good:.6f}  (α²/4 = {V.energy_good:.6f})")
    print(f"   ‖∇L(θ_bad)‖ = {np.linalg.norm(land.grad(V.theta_bad)):.2e}: θ_bad is stationary")

    ts = np.linspace(0.0, 1.0, 201)
    straight = land.energies((1 - ts)[:, None] * V.theta_bad + ts[:, None] * V.theta_good)
    print(
        f"   straight path θ_bad → θ_good peaks at {straight.max():.4f} (t = {ts[straight.argmax()]:.2f})"
    )

    rng = np.random.default_rng(1)
    W, U = land.unflatten(V.theta_bad)
    W = W + 0.1 * rng.standard_normal(W.shape)
    W[:, -1] = 0.0  # stay in V_p^+: the students ignore x_n ...
    theta = land.flatten(W, U * np.exp(0.1 * rng.standard_normal(U.shape)))  # ... with u > 0
    gd = []
    for _ in range(200):
        e, g = land.energy_and_grad(theta)
        gd.append(e)
        theta = theta - 0.05 * g
    print(
        f"   gradient descent from near θ_bad: {gd[0]:.4f} → {gd[-1]:.4f}, still in V_p^+: "
        f"{V.in_valley(theta)} (never below β²/4 = {V.energy_bad})"
    )

    budget = Adam(lr=0.01, max_steps=300 if args.quick else 1000)
    for level in (V.energy_bad + 0.05, float(straight.max()) + 0.25):
        r = dss(
            land,
            V.theta_bad,
            V.theta_good,
            level,
            accept_factor=1.0,
            max_depth=4 if args.quick else 6,
            optimizer=budget,
        )
        print(
            f"   DSS at level {level:.3f}: {r.status} ({r.n_beads} beads, normalised length "
            f"{r.normalized_length:.3f}, certificates {', '.join(r.methods)})"
        )

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    axes[0].plot(ts, straight, color="#1f4e9c", label="L along θ_bad → θ_good")
    axes[0].axhline(V.energy_bad, color="#c0392b", ls="--", label="β²/4 = L(θ_bad)")
    axes[0].axhline(V.energy_good, color="#17803d", ls=":", label="α²/4 = L(θ_good)")
    axes[0].set_xlabel("t")
    axes[0].set_title("the straight path climbs out of the valley")
    axes[1].plot(gd, color="#1f4e9c", label="gradient descent from near θ_bad")
    axes[1].axhline(V.energy_bad, color="#c0392b", ls="--", label="β²/4")
    axes[1].axhline(V.energy_good, color="#17803d", ls=":", label="global minimum level α²/4")
    axes[1].set_xlabel("step")
    axes[1].set_title("gradient descent stays in the spurious valley")
    for ax in axes:
        ax.set_ylabel("loss")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "relu_valley.png", dpi=110)
    plt.close(fig)
    print(
        f"\nWhat to observe: θ_bad is stationary with loss β²/4 while θ_good has the lower α²/4;"
        f"\nthe straight path rises between them, descent from near θ_bad converges back to"
        f"\nβ²/4, and DSS cannot connect them just above β²/4 — a spurious valley."
        f"\nFigure: {out / 'relu_valley.png'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
