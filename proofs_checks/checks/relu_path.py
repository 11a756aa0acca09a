"""Checks of the six-part path of Freeman & Bruna (ICLR 2017), Theorem 2.4 and Corollary 2.5.

* ``bf16.thm2.4.relu-path`` — the six-part path of Theorem 2.4 between two trained two-layer
  ReLU networks, every sub-path certified exactly (piecewise-quartic energy along straight
  segments, closed-form maxima) against max(λ, ε) and against its own promise;
* ``bf16.cor2.5.asymptotic`` — the certified connection level between independently trained
  solutions against the width, with the fitted exponent (worst case −1/n).

(papers.md §3.5–3.7.) Each check has a negative control that breaks one hypothesis and must
report the failure: units carrying output weight moved in step (3), and a width that does not
grow.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
from sublevel.numerics.certify_relu import (
    certify_relu_path,
    certify_relu_promise,
    certify_relu_segment,
)
from sublevel.numerics.energies.relu import TwoLayerReLU
from sublevel.numerics.paths.base import CONSTANT, Segment
from sublevel.numerics.paths.relu import SixPartPath, six_part_path
from sublevel.numerics.paths.relu_networks import fit_network, teacher_data, to_unit_rows
from sublevel.numerics.paths.relu_width import width_study
from sublevel.numerics.profile import PathProfile
from sublevel.proofs_checks.evidence import Evidence, control_outcome, outcome_from_certificates
from sublevel.proofs_checks.registry import check, negative_control, path_builder
from sublevel.theory.certificate import Certificate

# ============================================================================ Theorem 2.4


@dataclass(frozen=True)
class SixPartParams:
    """The ``--param`` values of ``bf16.thm2.4.relu-path`` (check, control and path).

    Teacher–student data: X ~ N(0, I_n) (``n`` inputs, ``samples`` points), a teacher of
    ``teacher`` unit-row ReLUs; students of ``width`` units with an ℓ1 penalty ``l1`` (κ) on the
    output weights, trained by L-BFGS for ``maxiter`` iterations; the oracle e(l) of step (3)
    fitted with ``oracle_restarts`` restarts.
    """

    n: int = 2
    width: int = 8
    samples: int = 48
    teacher: int = 3
    l1: float = 1e-3
    maxiter: int = 200
    oracle_restarts: int = 1


def _thm24_instance(seed: int, s: SixPartParams) -> tuple[TwoLayerReLU, SixPartPath]:
    rng = np.random.default_rng(seed)
    X, y, _, _ = teacher_data(rng, s.n, s.samples, s.teacher)
    land = TwoLayerReLU(X, y, s.width, l1=s.l1)
    tA = to_unit_rows(land, fit_network(land, rng, maxiter=s.maxiter))
    tB = to_unit_rows(land, fit_network(land, rng, maxiter=s.maxiter))
    sp = six_part_path(
        land, tA, tB, rng, oracle_restarts=s.oracle_restarts, oracle_maxiter=s.maxiter
    )
    return land, sp


def _thm24_certificates(land: TwoLayerReLU, sp: SixPartPath) -> list[Certificate]:
    """Every piece ≤ max(λ, ε); every promise; (2) and (5) ≤ their explicit bub2 bound.

    The bub2 bound (√M + D)² of sub-paths (2) and (5) is built from float energies M; when
    D = 0 it *is* an endpoint's float energy, which a rigorous enclosure of the piece's maximum
    can only straddle. Such a within-rounding bub2 certificate is kept (see
    :func:`_bub2_cross_checks`) but does not decide: the theorem's conclusion, every piece
    ≤ max(λ, ε), is decided by the path's own certificates."""
    pc = certify_relu_path(land, sp.path, sp.bound)
    return pc.all + _bub2_cross_checks(land, sp)


def _bub2_cross_checks(land: TwoLayerReLU, sp: SixPartPath) -> list[Certificate]:
    return [
        certify_relu_segment(land, p.a, p.b, b, label=f"{p.label} [bub2 bound]", promise=p.promise)
        for p, b in zip(cast("list[Segment]", sp.path.pieces), sp.piece_bounds)
        if b is not None
    ]


def _deciding(certs: list[Certificate]) -> list[Certificate]:
    """The certificates that decide: all but the within-rounding bub2 cross-checks."""
    return [
        c for c in certs if not (c.label.endswith("[bub2 bound]") and c.outcome == "inconclusive")
    ]


@check("bf16.thm2.4.relu-path", instances=3, **dataclasses.asdict(SixPartParams()))
def thm24_path(seed: int, **params: Any) -> Evidence:
    """Teacher–student data (X ~ N(0, I_n), a teacher of ``teacher`` unit-row ReLUs), two
    students trained from independent starts (rows normalised), the six-part path with (l, α)
    minimising ε, certified exactly piece by piece."""
    s = SixPartParams(**params)
    land, sp = _thm24_instance(seed, s)
    certs = _thm24_certificates(land, sp)
    outcome = outcome_from_certificates(_deciding(certs))
    observed = max(c.max_energy for c in certs[: len(sp.path.pieces)])
    q = sp.quantities
    return Evidence(
        outcome=outcome,
        margin=sp.bound - observed,
        certificates=certs,
        instance={
            "n": s.n,
            "m": s.width,
            "L": s.samples,
            "teacher_units": s.teacher,
            "kappa": s.l1,
            "l": sp.ell,
            "alpha": sp.alpha,
        },
        details={
            "quantities": q,
            "observed_max": observed,
            "grid": sp.grid,
            "bub2_within_rounding (not deciding)": [
                c.label for c in certs if c not in _deciding(certs)
            ],
            "pieces": [f"{p.label}: {p.info['step']}" for p in sp.path.pieces],
        },
        message=(
            f"max on the path {observed:.4g} ≤ max(λ, ε) = {sp.bound:.4g} "
            f"(λ = {q['lambda']:.3g}, e(l) = {q['e_l']:.3g}, C₁α = "
            f"{q['c1_alpha_instance']:.3g}; paper's C₁α = {q['c1_alpha_paper']:.3g}); "
            f"l = {sp.ell}, α = {sp.alpha:.3g}"
        ),
    )


@negative_control("bf16.thm2.4.relu-path")
def thm24_control(seed: int, **params: Any) -> Evidence:
    """Hypothesis broken: in step (3) the units moved to the oracle must carry zero output
    weight. Moving instead the units that *do* carry weight (γ_A ≠ 0) breaks the promised
    constant energy, and the exact certificate must say so."""
    land, sp = _thm24_instance(seed, SixPartParams(**params))
    sA = sp.points["theta_sA"]
    P = land.unflatten(sA)
    carrying = np.flatnonzero(P.U[0] != 0)
    if carrying.size == 0:
        return Evidence("not detected", message="γ_A is zero: no weighted unit to move")
    target = land.unflatten(sp.points["theta_star"])
    W, b = P.W.copy(), P.b.copy()
    W[carrying], b[carrying] = -target.W[carrying], -target.b[carrying]
    broken = Segment(sA, land.flatten(W, b, P.U), "(3) moved rows carry weight", CONSTANT)
    cert = certify_relu_promise(land, broken)
    detected = cert is not None and cert.outcome == "fails" and cert.is_proof
    return Evidence(
        control_outcome(certificate_fails=detected),
        certificates=[cert] if cert else [],
        message=(
            f"moving weighted units changes the energy by up to {cert.max_energy:.3g} "
            "(rigorous): the constant-energy step fails without its hypothesis"
            if cert
            else "no certificate"
        ),
    )


@path_builder("bf16.thm2.4.relu-path")
def thm24_profile(seed: int, **params: Any) -> PathProfile:
    """The check's six-part path, for ``sublevel path``: bound max(λ, ε)."""
    s = SixPartParams(**params)
    land, sp = _thm24_instance(seed, s)
    q = sp.quantities
    return PathProfile(
        sp.path,
        land,
        sp.bound,
        title=(
            f"Theorem 2.4 six-part path (m = {s.width}, l = {sp.ell}, α = {sp.alpha:.3g}): "
            f"bound max(λ, ε) = {sp.bound:.3g}"
        ),
        info={"quantities": q, "grid": sp.grid, "bound_label": "bound max(λ, ε)"},
        certificates=_thm24_certificates(land, sp),
    )


# ============================================================================ Corollary 2.5


@dataclass(frozen=True)
class WidthStudyParams:
    """The ``--param`` values of ``bf16.cor2.5.asymptotic`` (check and control).

    Two students per width in ``widths`` on teacher–student data (``n`` inputs, ``samples``
    points, ``teacher`` units, ℓ1 penalty ``l1``, ``maxiter`` L-BFGS iterations); the claim is a
    fitted exponent ≤ −``min_decrease``.
    """

    n: int = 2
    widths: list[int] = field(default_factory=lambda: [4, 8, 16])
    samples: int = 64
    teacher: int = 8
    l1: float = 1e-3
    maxiter: int = 150
    min_decrease: float = 0.1


def _cor25(seed: int, fixed: bool, s: WidthStudyParams) -> Evidence:
    st = width_study(
        seed,
        n=s.n,
        widths=s.widths,
        samples=s.samples,
        teacher=s.teacher,
        l1=s.l1,
        maxiter=s.maxiter,
        fixed_width=min(s.widths) if fixed else None,
    )
    decreases = st.exponent <= -s.min_decrease and st.levels[-1] < st.levels[0]
    note = f" (all trained at width {min(s.widths)})" if fixed else ""
    proof_grade = all(c.is_proof for c in st.certificates)
    return Evidence(
        outcome="verified" if decreases and proof_grade else "inconclusive",
        margin=-s.min_decrease - st.exponent,
        certificates=st.certificates,
        instance={
            "n": s.n,
            "widths": st.widths,
            "L": s.samples,
            "teacher_units": s.teacher,
            "kappa": s.l1,
            "fixed_width": min(s.widths) if fixed else None,
        },
        details={
            "levels": st.levels,
            "barriers": st.barriers,
            "segment_max": st.segment_max,
            "path_max": st.path_max,
            "endpoint_max": st.endpoint_max,
            "epsilons": st.epsilons,
            "exponent": st.exponent,
            "reference_exponent": st.reference_exponent,
        },
        message=(
            f"certified connection level {', '.join(f'{v:.3g}' for v in st.levels)} at "
            f"widths {st.widths}{note}"
            f": fitted exponent {st.exponent:.2f} (worst case −1/n = "
            f"{st.reference_exponent:.2f}; a steeper decay is not a failure)"
        ),
    )


@check("bf16.cor2.5.asymptotic", instances=2, **dataclasses.asdict(WidthStudyParams()))
def cor25_width(seed: int, **params: Any) -> Evidence:
    """Two independently trained students per width; the lower of the exactly certified maxima
    on the straight segment and on the Theorem 2.4 path is the connection level; the claim is
    that it decreases with m (fitted exponent ≤ −``min_decrease`` and last < first)."""
    return _cor25(seed, False, WidthStudyParams(**params))


@negative_control("bf16.cor2.5.asymptotic")
def cor25_control(seed: int, **params: Any) -> Evidence:
    """Hypothesis broken: the width does not grow (every entry of the sweep is trained at the
    smallest width, same seeds). The level then cannot decrease along the nominal widths, and
    the check must not report a decrease."""
    s = WidthStudyParams(**params)
    ev = _cor25(seed, True, s)
    # detected only when the conclusion is shown to fail: exactly certified levels whose fit
    # does not decrease (an inconclusive level — a certificate that is not a proof — is not
    # a detection)
    proof_grade = bool(ev.certificates) and all(c.decided for c in ev.certificates)
    decreases = (
        ev.details["exponent"] <= -s.min_decrease
        and ev.details["levels"][-1] < ev.details["levels"][0]
    )
    shown = proof_grade and not decreases
    ev.outcome = control_outcome(conclusion_fails=shown)
    ev.message = (
        ("fixed width: " + ev.message + " — no decrease (exact levels)")
        if shown
        else ("not detected: " + ev.message)
    )
    return ev
