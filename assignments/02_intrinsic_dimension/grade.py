"""Grader of assignment 2 (intrinsic dimension, Construction A's first move): plain pytest.

    SUBLEVEL_SUBMISSION=my_notebook.ipynb pytest assignments/02_intrinsic_dimension/grade.py

Hidden instances from seeds (SUBLEVEL_GRADE_SEED): activations drawn by
``sublevel.numerics.strategies.polynomial_activations`` (degree ≤ 3, integer coefficients), n ∈ {1, 2, 3}.

* q is compared with :func:`sublevel.theory.liftings.feature_map.intrinsic_dimension` (the exact rank of
  the coefficient matrix over Q);
* the compress move U → U' is checked three ways: its number of active units equals the exact
  rank of the feature matrix ρ(WXᵀ) (computed in rational arithmetic from the floats, where the
  dependence of p > q units is structural); the output U'ρ(WXᵀ) equals Uρ(WXᵀ) to
  ``TOLERANCES["output_rtol"]`` (floats); and the energy along the segment, a quadratic in t
  computed exactly, is certified constant by :func:`sublevel.theory.exact.certify_polynomial` with the
  recorded tolerance τ = ``tau_rtol``·max(1, E) (the student's U' is computed in floats).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from flint import fmpq, fmpq_mat
from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer
from sublevel.numerics.paths.exact_linalg import qmat
from sublevel.numerics.strategies import polynomial_activations
from sublevel.theory.exact import certify_polynomial, to_fmpq
from sublevel.theory.liftings.feature_map import intrinsic_dimension

from assignments.grading import (
    array,
    call,
    describe,
    draw,
    fail,
    instance_seeds,
    time_limit,
)

SOURCE = "intrinsic_dimension.py"
N_Q = 8
N_COMPRESS = 3
TOLERANCES = {
    "output_rtol": 1e-8,  # max |U'F − UF| ≤ output_rtol·max(1, max |UF|)
    "tau_rtol": 1e-9,  # τ of the exact constant-energy certificate, relative to max(1, E)
}


@dataclass
class Instance:
    seed: int
    activation: object
    n: int
    q: int
    land: EmpiricalTwoLayer
    W: np.ndarray
    U: np.ndarray

    @property
    def context(self) -> str:
        return (
            f"[instance seed {self.seed}: ρ(z) = {self.activation}, n = {self.n}, q = {self.q}, "
            f"p = {self.W.shape[0]} units, {self.land.L} samples; reproduce with "
            f"grade.instance({self.seed})]"
        )


def instance(seed: int) -> Instance:
    """The hidden compress instance of a seed: p = q + 2 units (the features must be
    dependent), two of them equal, L = q + 3 samples."""
    activation = draw(polynomial_activations(max_degree=3), seed)
    n = 1 + seed % 3
    q = int(intrinsic_dimension(activation, n))
    rng = np.random.default_rng(seed)
    p, L = q + 2, q + 3
    X, Y = rng.normal(size=(L, n)), rng.normal(size=(L, 2))
    land = EmpiricalTwoLayer(str(activation), X, Y, p=p)
    W, U = rng.normal(size=(p, n)) / np.sqrt(n), rng.normal(size=(2, p))
    W[1] = W[0]
    return Instance(int(seed), activation, n, q, land, W, U)


def exact_features(land: EmpiricalTwoLayer, W: np.ndarray) -> fmpq_mat:
    """ρ(WXᵀ) in rational arithmetic (the floats of W and X taken as the rationals they are)."""
    Z = qmat(W) * qmat(land.X).transpose()
    coeffs = [to_fmpq(float(c)) for c in land.activation.coefficients]
    H = fmpq_mat(Z.nrows(), Z.ncols())
    for i in range(Z.nrows()):
        for j in range(Z.ncols()):
            z, value = Z[i, j], fmpq(0)
            for c in reversed(coeffs):
                value = value * z + c
            H[i, j] = value
    return H


def _inner(A: fmpq_mat, B: fmpq_mat) -> fmpq:
    return sum((a * b for a, b in zip(A.entries(), B.entries())), fmpq(0))


def exact_energy_quadratic(inst: Instance, H: fmpq_mat, U_new: np.ndarray) -> list[fmpq]:
    """E(U + t(U' − U)) = (1/L)‖R_0 + tR_1‖², R_0 = UH − Yᵀ, R_1 = (U' − U)H, exactly."""
    Uq = qmat(inst.U)
    R0 = Uq * H - qmat(inst.land.Y).transpose()
    R1 = (qmat(U_new) - Uq) * H
    inv = fmpq(1, inst.land.L)
    return [_inner(R0, R0) * inv, 2 * _inner(R0, R1) * inv, _inner(R1, R1) * inv]


def test_intrinsic_dimension_matches_the_exact_rank(student):
    with time_limit(what="test_intrinsic_dimension_matches_the_exact_rank"):
        for seed in instance_seeds(N_Q, salt=2):
            activation = draw(polynomial_activations(max_degree=3), seed)
            n = 1 + seed % 3
            context = f"[instance seed {seed}: ρ(z) = {activation}, n = {n}]"
            got = call("intrinsic_dimension", student, activation, n, context=context)
            expected = int(intrinsic_dimension(activation, n))
            try:
                value = int(got)
                ok = value == got
            except (TypeError, ValueError, OverflowError):
                ok = False
            if not ok:
                fail(
                    f"`intrinsic_dimension` returned {got!r} ({type(got).__name__}); expected an "
                    f"integer. {context}"
                )
            if value != expected:
                terms = " + ".join(
                    f"C({n + j - 1}, {j})"
                    for j in sorted(int(j) for j, c in _coefficients(activation).items() if c != 0)
                )
                fail(
                    f"`intrinsic_dimension` gives q = {value}, but the exact rank of the "
                    f"coefficient matrix is q = {expected} = {terms}: each degree j with a_j ≠ 0 "
                    f"contributes the C(n + j − 1, j) monomials of degree j. {context}"
                )


def _coefficients(activation: object) -> dict[int, object]:
    from sublevel.theory.liftings.feature_map import activation_coefficients

    return activation_coefficients(activation)


def test_compress_keeps_the_energy_constant(student):
    with time_limit(what="test_compress_keeps_the_energy_constant"):
        for seed in instance_seeds(N_COMPRESS, salt=3):
            inst = instance(seed)
            U_new = array(
                call(
                    "compress",
                    student,
                    inst.land,
                    inst.W.copy(),
                    inst.U.copy(),
                    context=inst.context,
                ),
                inst.U.shape,
                "U' returned by `compress`",
                inst.context,
            )
            H = exact_features(inst.land, inst.W)
            rank = H.rank()
            active = int(np.sum(np.any(U_new != 0.0, axis=0)))
            if active != rank:
                fail(
                    f"`compress` leaves {active} units with nonzero output weights, but the "
                    f"features ρ(WXᵀ) have exact rank {rank} (≤ q = {inst.q} < p = "
                    f"{inst.W.shape[0]}): keep a basis of the features and set the other "
                    f"units' output weights to exactly 0. {inst.context}"
                )
            F = inst.land.activation(inst.W @ inst.land.X.T)
            before, after = inst.U @ F, U_new @ F
            change = float(np.max(np.abs(after - before)))
            scale = max(1.0, float(np.max(np.abs(before))))
            if change > TOLERANCES["output_rtol"] * scale:
                i, j = np.unravel_index(int(np.argmax(np.abs(after - before))), before.shape)
                fail(
                    f"`compress` changes the network's output: by {change:.3g} on output {i} of "
                    f"sample {j} — u'_i must absorb Σ_j c_ji u_j for the dependent units j. "
                    f"{inst.context}"
                )
            poly = exact_energy_quadratic(inst, H, U_new)
            e0 = poly[0]
            tau = TOLERANCES["tau_rtol"] * max(1.0, abs(float(e0)))
            label = "compress: U → U' (promise: constant energy)"
            for sign, question in ((1, "E(t) − E(0) ≤ τ"), (-1, "E(0) − E(t) ≤ τ")):
                dev = [fmpq(0), *(sign * c for c in poly[1:])]
                cert = certify_polynomial(dev, 0, tolerance=tau, label=label)
                if not cert.holds:
                    fail(
                        f"{label}: {question} is not certified (exact arithmetic on your floats, "
                        f"τ = {tau:.3g}) — {describe(cert)}. The output is unchanged only if "
                        f"U'ρ(WXᵀ) = Uρ(WXᵀ). {inst.context}"
                    )
            if not math.isfinite(float(e0)):
                fail(f"the start energy is not finite. {inst.context}")
