"""What ``sublevel lift`` prints: each lifting as text, LaTeX and a JSON object."""

from __future__ import annotations

from typing import Any

import sympy as sp
from sublevel.theory.claims import get_claim
from sublevel.theory.errors import InputError
from sublevel.theory.liftings import feature_map as fmap
from sublevel.theory.liftings import multilinear as ml
from sublevel.theory.liftings import quadratic as quad

__all__ = ["multilinear", "quadratic", "feature_map"]

_MAX_SYMBOLIC = 24  # n·m·L above which the symbolic Hessian proof is refused (it grows fast)
_MAX_SHOWN = 40


def multilinear(widths: list[int], samples: int = 3) -> dict[str, Any]:
    """``sublevel lift multilinear``: the product map π(W_1..W_K) = W_K⋯W_1 for ``widths``
    (n, n_1, …, m), the symbolic proofs that ∇²F = 2 Σ_X ⊗ I_m is PSD on ``samples`` data points
    and that W_k → U_k W_k U_{k−1}⁻¹ leaves the product unchanged (Freeman & Bruna, ICLR 2017,
    §2.2), and whether BF'16 Prop. 2.2's width hypothesis holds. Returns
    ``{"text", "latex", "json"}``; raises :class:`InputError` when n·m·L > 24."""
    n, m = widths[0], widths[-1]
    if n * m * samples > _MAX_SYMBOLIC:
        raise InputError(
            f"--widths {widths} with --samples {samples}: the symbolic Hessian proof is limited to "
            f"n·m·L ≤ {_MAX_SYMBOLIC} (here {n * m * samples})"
        )
    Ws = ml.symbolic_weights(widths)
    P = ml.product_map(Ws)
    hess = ml.prove_hessian_is_kronecker(n, m, samples)
    psd = ml.prove_psd_as_sum_of_squares(n, m, samples)
    inv = ml.prove_invariance_symbolic_dims(len(widths) - 1)
    hyp = get_claim("bf16.prop2.2.linear").hypotheses_hold(widths=widths)
    K = len(widths) - 1
    product_name = "".join(f"W_{k}" for k in range(K, 0, -1))
    text = "\n".join(
        [
            f"multilinear lifting, widths {widths} (K = {K})",
            f"  product map π(W_1..W_{K}) = {product_name} =",
            *("    " + str(list(row)) for row in P.tolist()),
            "  lifted loss F(W̃) = E‖W̃X − Y‖² = tr(W̃ Σ_X W̃ᵀ) − 2 tr(W̃ Σ_XY) + tr Σ_Y",
            f"  ∇²F in vec(W̃) = 2 Σ_X ⊗ I_{m}: {'proved' if hess else 'FAILED'} (symbolic data, L = {samples})",
            f"  vec(V)ᵀ(Σ_X ⊗ I)vec(V) = (1/L) Σ_l ‖V x_l‖² ≥ 0 (PSD): {'proved' if psd else 'FAILED'}",
            f"  invariance W_k → U_k W_k U_{{k−1}}⁻¹ for symbolic dimensions: {'proved' if inv else 'FAILED'}",
            f"  hypothesis of bf16.prop2.2.linear (n_k > min(n, m)): {'holds' if hyp else 'fails'}",
        ]
    )
    latex = "\n".join(
        [
            rf"\pi(W_1,\dots,W_{K}) = {sp.latex(P)}",
            r"F(\tilde W)=\mathbb E\|\tilde WX-Y\|^2,\qquad \nabla^2_{\mathrm{vec}\,\tilde W}F=2\,\Sigma_X\otimes I_{"
            + str(m)
            + "}",
            r"W_k\mapsto U_kW_kU_{k-1}^{-1}\ \Rightarrow\ W_K\cdots W_1\ \text{unchanged}",
        ]
    )
    return {
        "text": text,
        "latex": latex,
        "json": {
            "lifting": "multilinear",
            "widths": widths,
            "K": K,
            "product": [[str(e) for e in row] for row in P.tolist()],
            "hessian": f"2*SigmaX kron I_{m}",
            "hessian_proved": hess,
            "psd_proved": psd,
            "gauge_invariance_proved": inv,
            "prop2.2_hypothesis_holds": hyp,
        },
    }


def quadratic(n: int, units: int, layers: int) -> dict[str, Any]:
    """``sublevel lift quadratic``: for ρ(z) = z², the identity Σ_k u_k (w_k·x)² = xᵀAx with
    A = Σ_k u_k w_k w_kᵀ (symbolic, ``units`` × ``n``), and per layer k ≤ ``layers`` the lifted
    degree 2^k and dimension C(N+2^k−1, 2^k) beside the talk's width 3N^(2^k). Returns
    ``{"text", "latex", "json"}``; raises :class:`InputError` when n·p > 36."""
    if n * units > 36:
        raise InputError(f"--n {n} --units {units}: symbolic output limited to n·p ≤ 36")
    u = sp.symbols(f"u0:{units}")
    W = sp.Matrix(units, n, lambda i, j: sp.Symbol(f"w{i}_{j}"))
    A = quad.lifted_parameter(u, W)
    ident = quad.prove_quadratic_identity(n) and quad.prove_output_identity(units, n)
    table = [
        {
            "layer": k,
            "degree": quad.lifted_degree(k),
            "dimension": quad.lifted_dimension(n, k),
            "bound_N^(2^k)": n ** (2**k),
            "talk_width_3N^(2^k)": 3 * n ** (2**k),
        }
        for k in range(1, layers + 1)
    ]
    text = "\n".join(
        [
            f"quadratic lifting ρ(z) = z², N = {n}, p = {units}",
            "  (wᵀx)² = ⟨wwᵀ, xxᵀ⟩,  Σ_k u_k (w_k·x)² = xᵀ A x",
            f"  identities: {'proved' if ident else 'FAILED'} (symbolic)",
            "  lifted parameter A = Σ_k u_k w_k w_kᵀ ∈ Sym(N):",
            *("    " + str(list(row)) for row in A.tolist()),
            "  layer k: degree 2^k, dim C(N+2^k−1, 2^k) ≤ N^(2^k); talk's width 3N^(2^k):",
            *(
                f"    k={r['layer']}: degree {r['degree']}, dim {r['dimension']}, bound {r['bound_N^(2^k)']}, "
                f"talk width {r['talk_width_3N^(2^k)']}"
                for r in table
            ),
        ]
    )
    latex = "\n".join(
        [
            r"(w^\top x)^2=\langle ww^\top,xx^\top\rangle,\qquad A=\sum_k u_kw_kw_k^\top="
            + sp.latex(A),
            *(
                rf"k={r['layer']}:\ \deg={r['degree']},\ \dim=\binom{{{n}+{r['degree']}-1}}{{{r['degree']}}}={r['dimension']}"
                for r in table
            ),
        ]
    )
    return {
        "text": text,
        "latex": latex,
        "json": {
            "lifting": "quadratic",
            "n": n,
            "units": units,
            "identities_proved": ident,
            "lifted_parameter": [[str(e) for e in row] for row in A.tolist()],
            "layers": table,
        },
    }


def feature_map(activation: str, n: int) -> dict[str, Any]:
    """``sublevel lift feature-map``: q from the closed form Σ_j C(n+j−1, j); the exact rank
    (an independent computation) and the symbolic A, Ψ only where they are small enough."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InputError(f"--n {n!r}: need an integer ≥ 1")
    expr, z = fmap.parse_activation(activation)
    closed = fmap.intrinsic_dimension_closed_form(expr, n)
    q_json: Any = "inf" if closed == sp.oo else int(closed)
    base = {
        "lifting": "feature-map",
        "activation": str(expr),
        "variable": str(z),
        "n": n,
        "intrinsic_dimension": q_json,
    }
    if closed == sp.oo:
        text = (
            f"activation ρ({z}) = {expr} is not a polynomial: intrinsic dimension q = ∞ "
            "(Leshno–Lin–Pinkus–Schocken); on L samples q_emp ≤ L"
        )
        return {
            "text": text,
            "latex": rf"\rho({sp.latex(z)})={sp.latex(expr)},\quad q=\infty",
            "json": {**base, "polynomial": False},
        }
    degrees = sorted(fmap.activation_coefficients(expr))
    features = int(closed)
    rank: int | None = None
    if features <= fmap.MAX_RANK_FEATURES:
        rank = int(fmap.intrinsic_dimension(expr, n))
        if rank != features:  # pragma: no cover - the two are a theorem apart
            raise RuntimeError(f"exact rank {rank} ≠ closed form {features} for {expr}, n = {n}")
    check = (
        f"exact rank {rank} agrees"
        if rank is not None
        else f"exact rank not computed (> MAX_RANK_FEATURES = {fmap.MAX_RANK_FEATURES} features)"
    )
    lines = [
        f"feature map of ρ({z}) = {expr} in n = {n}: ρ(⟨w, x⟩) = ⟨A(w), Ψ(x)⟩",
        f"  nonzero degrees {_short(degrees)}; {_short_int(features)} features",
    ]
    shown_a: list[str] = []
    shown_psi: list[str] = []
    latex_lift = ""
    if features <= fmap.MAX_FEATURES:
        fm = fmap.feature_map(expr, n)
        shown = min(features, _MAX_SHOWN)
        shown_a = [str(a) for a in fm.A[:shown]]
        shown_psi = [str(p) for p in fm.Psi[:shown]]
        lines += [f"    A = {a}   Ψ = {p}" for a, p in zip(shown_a, shown_psi)]
        lines += ["    …"] if shown < features else []
        latex_lift = (
            rf"\quad A(w)={sp.latex(fm.A.T[:, :shown])},"
            rf"\quad \Psi(x)={sp.latex(fm.Psi.T[:, :shown])},"
        )
    else:
        lines.append(
            f"    (A, Ψ not listed: more than MAX_FEATURES = {fmap.MAX_FEATURES} features)"
        )
    lines.append(
        f"  intrinsic dimension q = Σ_j C(n+j−1, j) = {_short_int(features)} (closed form); {check}"
    )
    latex = rf"\rho({sp.latex(z)})={sp.latex(expr)},{latex_lift}\quad q={features}"
    return {
        "text": "\n".join(lines),
        "latex": latex,
        "json": {
            **base,
            "polynomial": True,
            "closed_form": features,
            "exact_rank": rank,
            "degrees": degrees,
            "features": features,
            "A": shown_a,
            "Psi": shown_psi,
            "truncated": len(shown_a) < features,
        },
    }


def _short(values: list[int]) -> str:
    return str(values) if len(values) <= 12 else f"{values[:6]} … {values[-3:]} ({len(values)})"


def _short_int(value: int) -> str:
    digits = str(value)
    return digits if len(digits) <= 40 else f"{digits[:12]}…{digits[-6:]} ({len(digits)} digits)"
