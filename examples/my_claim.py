"""Your own claim: a leaky-ReLU statement registered in a few lines, run like the built-ins.

Claim ``my.leaky-relu.output-convexity``. For a two-layer network Φ(x) = U ρ(W x) with the
leaky ReLU ρ(z) = max(z, a·z), 0 ≤ a < 1, and the square loss, keep the first layer W fixed:
then Φ is linear in U, the loss is a convex quadratic in U, and the straight path between two
output layers U_A, U_B stays below max(E_A, E_B). The check certifies it *exactly*: along the
segment the residuals are affine in t, so E(t) is a quadratic polynomial computed in exact
rationals from the float inputs (``energy_polynomial_exact``) and decided by rational real-root
isolation against max(E_A, E_B) (the exact endpoint energies, rounded up to a float). Its negative control breaks the hypothesis "W fixed":
the straight path from a zero-loss teacher θ to its hidden-unit permutation (same function,
E = 0 at both ends) moves W, and its energy rises above 0 — a sampled maximum, but an attained
value, so the conclusion ("stays below max(E_A, E_B)") is shown to fail: outcome
``detected (conclusion fails)`` (a refusal of some guard would never count as detection).

Run it with the command line, like every built-in claim::

    sublevel verify --plugin examples/my_claim.py my.leaky-relu.output-convexity --instances 20
    sublevel path my.leaky-relu.output-convexity --plugin examples/my_claim.py --plot leaky.png

or as a script (``python examples/my_claim.py --out DIR``), which does both and writes
DIR/my_claim.png. In a test: ``assert_claim_holds("my.leaky-relu.output-convexity",
{"slope": 0.2}, seed=s)`` after ``load_plugin("examples/my_claim.py")``.
"""

from __future__ import annotations

import argparse
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from sublevel.numerics.certify import certify_path
from sublevel.numerics.landscape import Landscape
from sublevel.numerics.paths.base import LE_MAX_ENDPOINTS, Segment
from sublevel.numerics.paths.base import Path as ParamPath
from sublevel.numerics.profile import PathProfile
from sublevel.proofs_checks import (
    Evidence,
    check,
    control_outcome,
    negative_control,
    outcome_from_certificates,
    path_builder,
)
from sublevel.theory.claims import Claim, register_claim

CLAIM = "my.leaky-relu.output-convexity"

# 1. the statement, as data (id, kind, source, statement, hypotheses as a predicate)
register_claim(
    Claim(
        id=CLAIM,
        kind="constructive",
        source="course example (examples/my_claim.py)",
        section="-",
        statement=(
            "Two-layer leaky-ReLU network, square loss, first layer fixed: the straight path "
            "between two output layers stays ≤ max(E_A, E_B) (the loss is convex in U)."
        ),
        hypotheses_text="first layer W fixed along the path; leaky slope 0 ≤ a < 1",
        hypotheses=lambda d: 0 <= float(d["slope"]) < 1,
        requires=("slope",),
    ),
    replace=True,
)


# 2. the landscape: E(θ) = (1/L) Σ_l ‖U ρ(W x_l) − y_l‖², θ = (vec W, vec U)
class LeakyTwoLayer(Landscape):
    def __init__(self, X: np.ndarray, Y: np.ndarray, width: int, slope: float):
        self.X, self.Y, self.p, self.a = X, Y, int(width), float(slope)
        self.n, self.m = X.shape[1], Y.shape[1]
        self.dim = self.p * self.n + self.m * self.p

    def split(self, thetas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        cut = self.p * self.n
        return (
            thetas[:, :cut].reshape(-1, self.p, self.n),
            thetas[:, cut:].reshape(-1, self.m, self.p),
        )

    def _features(self, W: np.ndarray) -> np.ndarray:
        Z = np.einsum("tpn,ln->tlp", W, self.X)
        return np.maximum(Z, self.a * Z)

    def _energies(self, thetas: np.ndarray) -> np.ndarray:
        W, U = self.split(thetas)
        R = np.einsum("tlp,tmp->tlm", self._features(W), U) - self.Y
        return np.mean(np.sum(R**2, axis=2), axis=1)

    def _energy_and_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        W, U = self.split(theta[None, :])
        W, U = W[0], U[0]
        Z = self.X @ W.T
        F = np.maximum(Z, self.a * Z)
        R = F @ U.T - self.Y
        L = self.X.shape[0]
        dU = 2 * R.T @ F / L
        dZ = (2 * R @ U / L) * np.where(Z > 0, 1.0, self.a)
        return float(np.mean(np.sum(R**2, axis=1))), np.concatenate(
            [(dZ.T @ self.X).ravel(), dU.ravel()]
        )

    def energy_polynomial_exact(self, a: Any, b: Any) -> list[Fraction] | None:
        """E along a → b as a quadratic in t with rational coefficients, computed exactly from
        the floats (taken as the rationals they store) when W is the same at both ends."""
        (Wa, Ua), (Wb, Ub) = self.split(np.asarray(a)[None]), self.split(np.asarray(b)[None])
        if not np.array_equal(Wa, Wb):
            return None
        q = np.vectorize(lambda v: Fraction(float(v)), otypes=[object])
        X, W, slope = q(self.X), q(Wa[0]), Fraction(self.a)
        Z = X @ W.T
        F = np.vectorize(lambda z: max(z, slope * z), otypes=[object])(Z)
        R0 = F @ q(Ua[0]).T - q(self.Y)
        dR = F @ (q(Ub[0]) - q(Ua[0])).T
        L = self.X.shape[0]
        return [sum(R0.ravel() ** 2) / L, 2 * sum((R0 * dR).ravel()) / L, sum(dR.ravel() ** 2) / L]

    def energy_polynomial(self, a: Any, b: Any) -> list[float] | None:
        """E along a → b as a quadratic in t when W is the same at both ends (else None)."""
        (Wa, Ua), (Wb, Ub) = self.split(np.asarray(a)[None]), self.split(np.asarray(b)[None])
        if not np.array_equal(Wa, Wb):
            return None
        F = self._features(Wa)[0]
        R0, dR = F @ Ua[0].T - self.Y, F @ (Ub[0] - Ua[0]).T
        L = self.X.shape[0]
        return [float(np.sum(R0**2)) / L, 2 * float(np.sum(R0 * dR)) / L, float(np.sum(dR**2)) / L]


def _instance(seed: int, slope: float, width: int, samples: int):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((samples, 3))
    Y = rng.standard_normal((samples, 2))
    land = LeakyTwoLayer(X, Y, width, slope)
    W = rng.standard_normal((width, 3))
    ua, ub = rng.standard_normal((2, 2 * width))
    return land, np.concatenate([W.ravel(), ua]), np.concatenate([W.ravel(), ub])


def _endpoint_bound(land: LeakyTwoLayer, ta: np.ndarray, tb: np.ndarray) -> float:
    """max(E_A, E_B) of the exact endpoint energies, rounded *up* to a float (the float energies
    may round below the exact values, and an exact certificate would then fail by an ulp)."""
    poly = land.energy_polynomial_exact(ta, tb)
    assert poly is not None
    top = max(poly[0], sum(poly))
    value = float(top)
    return value if Fraction(value) >= top else float(np.nextafter(value, np.inf))


# 3. the check: build the instance from the seed, certify, return Evidence
@check(CLAIM, instances=10, slope=0.1, width=6, samples=20)
def output_convexity(seed: int, slope: float, width: int, samples: int) -> Evidence:
    land, ta, tb = _instance(seed, slope, width, samples)
    bound = _endpoint_bound(land, ta, tb)
    path = ParamPath([Segment(ta, tb, label="straight path in U", promise=LE_MAX_ENDPOINTS)])
    certs = certify_path(land, path, bound).all  # exact: energy_polynomial_exact, a quadratic
    return Evidence(
        outcome=outcome_from_certificates(certs),
        margin=min(c.margin for c in certs),
        certificates=certs,
        instance={"slope": slope, "width": width, "samples": samples},
        message=f"max on the path {max(c.max_energy for c in certs):.6g} ≤ {bound:.6g}",
    )


# 4. its negative control: the hypothesis "W fixed" broken must show the failure
@negative_control(CLAIM)
def moving_first_layer(seed: int, slope: float, width: int, samples: int) -> Evidence:
    land, ta, _ = _instance(seed, slope, width, samples)
    W, U = land.split(ta[None])
    land.Y = land._features(W)[0] @ U[0].T  # a teacher: E(θ_A) = 0
    perm = np.roll(np.arange(width), 1)
    tb = np.concatenate([W[0][perm].ravel(), U[0][:, perm].ravel()])  # same function, E = 0
    cert = certify_path(land, ParamPath([Segment(ta, tb)]), 0.0, method="sampled").pieces[0]
    found = cert.max_energy > 1e-8
    return Evidence(
        outcome=control_outcome(conclusion_fails=found),
        certificates=[cert],
        message=f"W moves: E rises to {cert.max_energy:.4g} between two zero-loss points",
    )


# 5. (optional) the path that `sublevel path CLAIM --plot FILE` draws
@path_builder(CLAIM)
def straight_path(seed: int, slope: float, width: int, samples: int) -> PathProfile:
    land, ta, tb = _instance(seed, slope, width, samples)
    path = ParamPath([Segment(ta, tb, label="straight path in U", promise=LE_MAX_ENDPOINTS)])
    return PathProfile(
        path,
        land,
        _endpoint_bound(land, ta, tb),
        title=f"leaky ReLU (a = {slope}), first layer fixed, seed {seed}",
    )


def main(argv: list[str] | None = None) -> int:
    from sublevel.proofs_checks.cli import main as sublevel

    parser = argparse.ArgumentParser(description="Run the user-defined leaky-ReLU claim.")
    parser.add_argument("--out", default="examples-out")
    parser.add_argument("--instances", type=int, default=10)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    me = str(Path(__file__).resolve())
    code = sublevel(
        [
            "verify",
            "--plugin",
            me,
            CLAIM,
            "--instances",
            str(args.instances),
            "--out",
            str(out / "my_claim-run"),
            "--executor",
            "inline",
        ]
    )
    code = max(code, sublevel(["path", CLAIM, "--plugin", me, "--plot", str(out / "my_claim.png")]))
    print(
        f"\nWhat to observe: status 'verified' with exact certificates on every instance and the"
        f"\nnegative control 'detected' (moving W breaks convexity); the figure shows E(t) below"
        f"\nthe dashed bound. Figure: {out / 'my_claim.png'}"
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
