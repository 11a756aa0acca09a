"""Certificates of the floating-point deep-linear path (what users and DSS get).

The float path of :func:`sublevel.numerics.paths.linear.connect`/:func:`~sublevel.numerics.paths.linear.descend`
is a rounded realisation of the proof's path; the proof's path itself is built and decided
exactly in :mod:`sublevel.numerics.paths.linear_exact`. Here the float path is certified for what it
is, with the rounding enclosed rather than hidden behind a slack:

* ``rigorous`` — per piece, the energy of its reference segment (the piece itself for the
  straight pre/post-processing and descent segments; the merged network's straight segment for
  a lifted piece) as a polynomial in t computed in ball arithmetic (python-flint ``arb``, 53
  bits, the float inputs exact): every coefficient is a proven enclosure. The maximum on
  [0, 1] is enclosed between max(p(0), p(1)) and the largest Bernstein coefficient (an endpoint
  for a provably convex quadratic). ``holds`` only if the enclosure's top is ≤ the bound,
  ``fails`` only if its bottom is above, ``inconclusive`` ("within rounding") otherwise — a
  constant-energy piece whose value *is* the bound is honestly inconclusive here, and decided
  by the exact path;
* ``sampled`` — the realised lifted pieces (QR factors, an SO(n_1) path, W_2 = M W_1⁺ in
  floats) deviate from their reference by a factorisation residual r(t), which is measured on
  a grid, not bounded between its points: the bound lifted value + Λ·r + ‖Σ_X‖₂r² is reported
  as ``sampled``, as is the dense evaluation of the realised path. Neither ever decides.

Source: Freeman & Bruna, ICLR 2017, Prop. 2.2 (papers.md §3.2); Bernstein enclosure of a
polynomial's range: Farouki & Rajan (1987).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from math import comb
from typing import Any

import numpy as np
from flint import arb, arb_mat
from sublevel.numerics.energies.linear import (
    DeepLinear,
    as_data,
    landscape_on,
    product_polynomial,
)
from sublevel.numerics.paths.base import LE_MAX_ENDPOINTS, Path, Segment
from sublevel.theory.certificate import Certificate, combine

__all__ = [
    "ArbMoments",
    "LinearPathCertificates",
    "certify_linear_path",
    "arb_energy_polynomial",
    "enclose_maximum",
]


def _amat(A: np.ndarray) -> arb_mat:
    a = np.atleast_2d(np.asarray(A, dtype=np.float64))
    return arb_mat(a.shape[0], a.shape[1], a.ravel().tolist())


class ArbMoments:
    """Σ_X = XᵀX/L, Σ_XY = XᵀY/L, σ_Y = ‖Y‖²/L as ball matrices (proven enclosures)."""

    def __init__(self, X: np.ndarray, Y: np.ndarray):
        Xa, Ya = _amat(X), _amat(Y)
        L = arb(X.shape[0])
        Xt = Xa.transpose()
        self.sigma_x = (Xt * Xa) / L
        self.sigma_xy = (Xt * Ya) / L
        YtY = Ya.transpose() * Ya  # ‖Y‖² = tr(YᵀY), enclosed by the ball product
        self.sigma_y = sum((YtY[i, i] for i in range(YtY.nrows())), arb(0)) / L


def arb_energy_polynomial(
    moments: ArbMoments, a: list[np.ndarray], b: list[np.ndarray]
) -> list[arb]:
    """Ball enclosures of the coefficients of E((1−t)a + tb) (κ = 0): with the product
    polynomial P(t) = Σ_j C_j t^j (C_j computed from the float weights in ball arithmetic),
    the t^k coefficient is Σ_{i+j=k} tr(C_iΣ_XC_jᵀ) − 2tr(C_kΣ_XY) + [k = 0]σ_Y."""
    C = _arb_product_polynomial(a, b)
    d, m = len(C) - 1, C[0].nrows()
    out = [arb(0)] * (2 * d + 1)
    CS = [Ci * moments.sigma_x for Ci in C]
    for i in range(d + 1):
        for j in range(i, d + 1):
            # tr(C_iΣC_jᵀ) = tr(C_jΣC_iᵀ) for the true, symmetric Σ_X, and the ball matrix
            # Σ_X is symmetric entry by entry (the same products in the same order), so one
            # enclosure serves both terms
            G = CS[i] * C[j].transpose()
            out[i + j] += (1 if i == j else 2) * sum((G[r, r] for r in range(m)), arb(0))
        H = C[i] * moments.sigma_xy
        out[i] -= 2 * sum((H[r, r] for r in range(m)), arb(0))
    out[0] += moments.sigma_y
    return out


def _arb_product_polynomial(a: list[np.ndarray], b: list[np.ndarray]) -> list[arb_mat]:
    coeffs: list[arb_mat] = []
    for k, (A, B) in enumerate(zip(a, b)):
        A = np.asarray(A, dtype=np.float64)
        aA = _amat(A)
        # D = B − A in ball arithmetic (the float difference would be rounded)
        layer = [aA] if np.array_equal(A, B) else [aA, _amat(B) - aA]
        if k == 0:
            coeffs = layer
            continue
        out = [arb_mat(A.shape[0], coeffs[0].ncols()) for _ in range(len(coeffs) + len(layer) - 1)]
        for i, Li in enumerate(layer):
            for j, Cj in enumerate(coeffs):
                out[i + j] = out[i + j] + Li * Cj
        coeffs = out
    return coeffs


def _lower(x: arb) -> float:
    return float(x.lower())


def _upper(x: arb) -> float:
    return float(x.upper())


def enclose_maximum(coeffs: list[arb]) -> tuple[float, float, float]:
    """(lo, hi, argmax guess): lo ≤ max_{t∈[0,1]} p(t) ≤ hi for every polynomial whose
    coefficients lie in the balls. lo = max(p(0), p(1)) (lower ends); hi = the largest
    Bernstein coefficient b_i = Σ_{k≤i} C(i,k)/C(d,k) c_k (upper ends), or the larger
    endpoint when p is provably a convex quadratic."""
    d = len(coeffs) - 1
    e0 = coeffs[0]
    e1 = sum(coeffs, arb(0))
    lo = max(_lower(e0), _lower(e1))
    arg = 1.0 if _upper(e1) > _upper(e0) else 0.0
    if d <= 1 or (d == 2 and _lower(coeffs[2]) >= 0):
        return lo, max(_upper(e0), _upper(e1)), arg
    bern = [
        sum((coeffs[k] * comb(i, k) / comb(d, k) for k in range(i + 1)), arb(0))
        for i in range(d + 1)
    ]
    return lo, max(_upper(v) for v in bern), arg


def _rigorous(
    coeffs: list[arb], bound: float, label: str, promise: str, start: float, details: dict[str, Any]
) -> Certificate:
    lo, hi, arg = enclose_maximum(coeffs)
    outcome = "holds" if hi <= bound else "fails" if lo > bound else "inconclusive"
    return Certificate(
        holds=outcome == "holds",
        max_energy=hi,
        argmax_t=arg,
        bound=float(bound),
        method="rigorous",
        margin=float(bound) - hi,
        tolerances={"tau": 0.0, "precision_bits": 53},
        wall_time=time.perf_counter() - start,
        label=label,
        promise=promise,
        outcome=outcome,
        max_energy_enclosure=(lo, hi),
        details={
            "arithmetic": "arb ball arithmetic on the float inputs (53 bits)",
            "within_rounding": outcome == "inconclusive",
            **details,
        },
    )


@dataclass
class LinearPathCertificates:
    """What :func:`certify_linear_path` established about a float path of
    :func:`~sublevel.numerics.paths.linear.connect` or :func:`~sublevel.numerics.paths.linear.descend`: per
    piece a ``rigorous`` certificate of its reference polynomial (may be ``inconclusive``,
    within rounding of the bound); the realised path's bound (lifted value + Λ·residual, the
    residual measured on a grid: ``sampled``); the dense evaluation (``sampled``)."""

    rigorous: list[Certificate]
    realised: Certificate
    sampled: Certificate
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def proofs(self) -> list[Certificate]:
        """The proof-grade certificates of the float path (``rigorous``)."""
        return list(self.rigorous)

    @property
    def all(self) -> list[Certificate]:
        """Every certificate: rigorous, then the two sampled ones."""
        return self.proofs + [self.realised, self.sampled]


def certify_linear_path(
    path: Path,
    X: Any,
    Y: Any,
    bound: float,
    *,
    n_dense: int = 257,
    moments: ArbMoments | None = None,
    landscape: DeepLinear | None = None,
) -> LinearPathCertificates:
    """Certify E ≤ ``bound`` along a float path of ``connect``/``descend`` (module docstring).

    The realised lifted pieces satisfy E(γ(t)) ≤ F(P_ref(t)) + ‖∇F(P_ref(t))‖·r + ‖Σ_X‖₂r²,
    r = ‖W_K(t)⋯W_1(t) − P_ref(t)‖_F (zero in exact arithmetic), ‖∇F‖ ≤ 2(‖Σ_X‖₂Σ_j‖C_j‖_F +
    ‖Σ_XY‖_F); r is measured on ``n_dense`` points per piece, so this bound is ``sampled``.
    ``moments``, ``landscape``: the data's :class:`ArbMoments` and the path's
    :class:`~sublevel.numerics.energies.linear.DeepLinear` on (X, Y), when already computed."""
    from sublevel.numerics.paths.linear import reference_products  # (linear imports this module)

    Xa, Ya = as_data(X, Y)
    widths = list(path.pieces[0].info["widths"])
    full = landscape_on(widths, Xa, Ya, landscape)
    if moments is None:
        moments = ArbMoments(Xa, Ya)
    sx = full.sigma_x_norm
    rigorous, uppers, residuals, sampled = [], [], [], []
    start = time.perf_counter()
    grid = np.linspace(0.0, 1.0, n_dense)
    # the dense evaluation of every piece at once: points (k, T, D) → products → energies (k, T)
    realised = full.products(path.pieces_points(grid).reshape(-1, full.dim))
    energies_all = full.lifted_energies(realised).reshape(len(path.pieces), n_dense)
    realised = realised.reshape(len(path.pieces), n_dense, *realised.shape[1:])
    dense_time = (time.perf_counter() - start) / len(path.pieces)  # shared out evenly
    for n, piece in enumerate(path.pieces):
        t0 = time.perf_counter()
        ref = piece.info["reference"]
        coeffs = arb_energy_polynomial(moments, ref["a"], ref["b"])
        cert = _rigorous(
            coeffs,
            bound,
            piece.label,
            piece.promise,
            t0,
            {
                "reference_widths": list(ref["widths"]),
                "reference": "the piece itself"
                if isinstance(piece, Segment)
                else "the merged network's straight segment",
            },
        )
        rigorous.append(cert)
        energies = energies_all[n]
        if isinstance(piece, Segment):
            r = 0.0
        else:
            coeffs_p = product_polynomial(ref["a"], ref["b"])
            lam = full.gradient_norm_bound(float(np.sum(np.linalg.norm(coeffs_p, axis=(1, 2)))))
            r = float(
                np.max(np.linalg.norm(realised[n] - reference_products(piece, grid), axis=(1, 2)))
            )
            uppers.append(cert.max_energy + lam * r + sx * r * r)
        residuals.append(r)
        i = int(np.argmax(energies))
        e_max = float(energies[i])
        sampled.append(
            Certificate(
                holds=bool(np.all(np.isfinite(energies)) and e_max <= bound),
                max_energy=e_max,
                argmax_t=float(grid[i]),
                bound=float(bound),
                method="sampled",
                tolerances={"tau": 0.0},
                n_evaluations=n_dense,
                label=piece.label,
                promise=piece.promise,
                wall_time=time.perf_counter() - t0 + dense_time,
                details={"n_grid": n_dense},
            )
        )
    upper = max(uppers) if uppers else max(c.max_energy for c in rigorous)
    realised_cert = Certificate(
        holds=bool(upper <= bound),
        max_energy=upper,
        argmax_t=0.0,
        bound=float(bound),
        method="sampled",
        tolerances={"tau": 0.0},
        n_evaluations=n_dense * len(path.pieces),
        wall_time=time.perf_counter() - start,
        label="realised path: lifted value + Λ·residual (residual on the grid)",
        promise=LE_MAX_ENDPOINTS,
        details={
            "max_residual": max(residuals),
            "residuals": residuals,
            "n_grid": n_dense,
            "residual_source": "measured on the grid; identically zero in exact arithmetic "
            "(the joined factor has full column rank)",
        },
    )
    dense = combine(sampled, label="realised path: dense evaluation")
    dense.method = "sampled"
    return LinearPathCertificates(
        rigorous, realised_cert, dense, {"max_residual": max(residuals), "pieces": len(path.pieces)}
    )
