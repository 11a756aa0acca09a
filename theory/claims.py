"""The claim registry: every statement sublevel checks, as data.

Each :class:`Claim` carries its stable id (``../shared/THEORY.md``), its kind, its source (paper
and statement number), the exact statement (text and LaTeX), its hypotheses as a predicate on
the instance's dimensions, and notes on discrepancies between the talk and the papers. The
mathematics lives here; the checks that produce evidence live in :mod:`proofs_checks`, which
maps ids to checks (a claim with no check is listed as "not implemented", never as verified).

Sources: Freeman & Bruna, "Topology and Geometry of Half-Rectified Network Optimization",
ICLR 2017 (BF'16); Venturi, Bandeira & Bruna, "Spurious valleys in one-hidden-layer neural
network optimization landscapes", JMLR 20 (2019) (VBB); Bruna, "On the optimization landscape of
neural networks" (talk); Kawaguchi, NeurIPS 2016; Auffinger, Ben Arous & Černý, CPAM 2013
(ABC'13); Garipov et al. NeurIPS 2018; Draxler et al. ICML 2018; Ainsworth et al. ICLR 2023.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sublevel.theory.errors import HypothesisError, InputError

__all__ = [
    "KINDS",
    "Claim",
    "CLAIMS",
    "register_claim",
    "get_claim",
    "claim_ids",
    "claims",
    "closest_ids",
    "wide_inner_refusal",
    "construction_a_refusal",
]

KINDS = ("constructive", "numerical", "conjecture", "refutation", "identity")

Predicate = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True)
class Claim:
    """A statement about an energy landscape, as data.

    ``hypotheses`` is a predicate on a mapping of the instance's dimensions (for example
    ``{"widths": [n, n_1, …, m]}``); ``requires`` names the keys it reads, so a missing key is
    a clear error rather than a KeyError deep inside.
    """

    id: str
    kind: str
    source: str
    section: str
    statement: str
    latex: str = ""
    hypotheses_text: str = "none"
    hypotheses: Predicate | None = None
    requires: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    family: str = ""
    builtin: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.id or not isinstance(self.id, str):
            raise InputError(f"claim id {self.id!r} must be a non-empty string")
        if self.kind not in KINDS:
            raise InputError(f"claim {self.id!r}: kind {self.kind!r} is not one of {KINDS}")
        if not self.statement or not self.statement.strip():
            raise InputError(f"claim {self.id!r} has no statement")
        if self.hypotheses is not None and not callable(self.hypotheses):
            raise InputError(f"claim {self.id!r}: hypotheses must be callable")

    def hypotheses_hold(self, dims: Mapping[str, Any] | None = None, **kwargs: Any) -> bool:
        """Whether the instance described by ``dims`` satisfies the claim's hypotheses.

        In the spirit of cvxpy's ``is_dcp()``: a predicate checked before any construction.
        """
        values = dict(dims or {}, **kwargs)
        missing = [k for k in self.requires if k not in values]
        if missing:
            raise InputError(
                f"claim {self.id!r} needs {', '.join(missing)} to decide its hypotheses "
                f"({self.hypotheses_text})"
            )
        if self.hypotheses is None:
            return True
        try:
            return bool(self.hypotheses(values))
        except InputError:
            raise
        except Exception as exc:  # a user-supplied predicate that raises
            raise InputError(
                f"hypotheses of claim {self.id!r} raised {type(exc).__name__}: {exc}"
            ) from exc

    def to_dict(self) -> dict[str, Any]:
        """The claim as JSON (``sublevel claims --json``, the report): every descriptive field,
        ``hypotheses`` as its text; the predicate itself is not serialised."""
        return {
            "id": self.id,
            "kind": self.kind,
            "source": self.source,
            "section": self.section,
            "statement": self.statement,
            "latex": self.latex,
            "hypotheses": self.hypotheses_text,
            "requires": list(self.requires),
            "notes": list(self.notes),
            "family": self.family,
            "builtin": self.builtin,
        }


CLAIMS: dict[str, Claim] = {}


def register_claim(claim: Claim, *, replace: bool = False) -> Claim:
    """Add ``claim`` to the registry (error on a duplicate id unless ``replace``)."""
    if not isinstance(claim, Claim):
        raise InputError(f"register_claim needs a Claim, got {type(claim).__name__}")
    if claim.id in CLAIMS and not replace:
        raise InputError(f"claim id {claim.id!r} is already registered")
    CLAIMS[claim.id] = claim
    return claim


def claim_ids() -> list[str]:
    """All registered ids, in registry order."""
    return list(CLAIMS)


def claims(family: str | None = None) -> list[Claim]:
    """The registered claims, in registry order (only ``family``'s when given).

    >>> import sublevel as sl
    >>> "bf16.prop2.2.linear" in [c.id for c in sl.claims("linear")]
    True
    """
    if family is not None and family not in {c.family for c in CLAIMS.values()}:
        known = ", ".join(sorted({c.family for c in CLAIMS.values()}))
        raise InputError(f"claim family {family!r} is unknown; known: {known}")
    return [c for c in CLAIMS.values() if family is None or c.family == family]


def closest_ids(name: str, ids: Iterable[str] | None = None, n: int | None = None) -> list[str]:
    """Registered ids ordered by similarity to ``name`` (closest first)."""
    pool = list(CLAIMS if ids is None else ids)
    scored = sorted(
        pool,
        key=lambda i: (-difflib.SequenceMatcher(None, name.lower(), i.lower()).ratio(), i),
    )
    return scored if n is None else scored[:n]


def get_claim(claim_id: str) -> Claim:
    """The claim with this id; an unknown id raises InputError listing ids, closest first."""
    try:
        return CLAIMS[claim_id]
    except KeyError:
        raise InputError(
            f"unknown claim id {claim_id!r}; known ids (closest first): "
            + ", ".join(closest_ids(claim_id))
        ) from None


# --------------------------------------------------------------------------------------------
# hypotheses predicates


def _widths(d: Mapping[str, Any]) -> list[int]:
    widths = [int(w) for w in d["widths"]]
    if len(widths) < 2 or min(widths) < 1:
        raise InputError(f"widths {list(d['widths'])!r}: need [n, n_1, …, m], every entry ≥ 1")
    return widths


def _first_narrow_inner(w: list[int]) -> int | None:
    """The first inner layer k (0 < k < K) with n_k ≤ min(n, m), or None."""
    return next((k for k in range(1, len(w) - 1) if w[k] <= min(w[0], w[-1])), None)


def _strictly_wide_inner(d: Mapping[str, Any]) -> bool:
    """n_k > min(n, m) for 0 < k < K  (BF'16 Prop 2.2, final version)."""
    return _first_narrow_inner(_widths(d)) is None


def wide_inner_refusal(claim: Claim, widths: Any) -> HypothesisError:
    """The registry's refusal for widths that fail ``_strictly_wide_inner`` (the hypothesis
    of BF'16 Prop 2.2): names the first narrow layer and the claim that applies instead
    (equality: ``bf16.linear.square-boundary``; a bottleneck: ``lbb.multilinear``)."""
    w = _widths({"widths": widths})
    k = _first_narrow_inner(w)
    if k is None:  # the registered predicate refused on other grounds: say what it requires
        return HypothesisError(
            f"widths {w} do not satisfy the hypotheses of {claim.id}: {claim.hypotheses_text}",
            claim=claim.id,
        )
    low = min(w[0], w[-1])
    alternative = "bf16.linear.square-boundary" if w[k] == low else "lbb.multilinear"
    return HypothesisError(
        f"layer {k} has width n_{k} = {w[k]} ≤ min(n, m) = {low} (widths {w}): {claim.id} "
        f"needs {claim.hypotheses_text}",
        claim=claim.id,
        alternative=alternative,
    )


def _ridge_two_layer(d: Mapping[str, Any]) -> bool:
    w = _widths(d)
    return len(w) == 3 and w[1] > min(w[0], w[2]) and float(d["kappa"]) > 0


def _square_boundary(d: Mapping[str, Any]) -> bool:
    w = _widths(d)
    return len(w) == 3 and w[0] == w[1] == w[2]


def _p_ge_q(d: Mapping[str, Any]) -> bool:
    """p ≥ q: at least as many hidden units as the intrinsic dimension (VBB Thm 8)."""
    return int(d["p"]) >= int(d["q"])


def construction_a_refusal(
    p: int, q: int, *, qname: str = "q", claim_id: str = "vbb.finite-dim.p-ge-q"
) -> HypothesisError | None:
    """The registry's decision of Construction A's hypothesis p ≥ q (VBB Thm 8): None when it
    holds, else the refusal, naming p and q (``qname``: ``q`` or ``q_emp``) and the claim."""
    claim = get_claim("vbb.finite-dim.p-ge-q")
    if claim.hypotheses_hold(p=p, q=q):
        return None
    return HypothesisError(
        f"Construction A needs p ≥ {qname} ({claim.hypotheses_text}): p = {p} hidden units < "
        f"{qname} = {q}, so the free moves cannot make the features span R^{q}",
        claim=claim_id,
    )


def _p_ge_2q(d: Mapping[str, Any]) -> bool:
    return int(d["p"]) >= 2 * int(d["q"])


def _p_ge_L(d: Mapping[str, Any]) -> bool:
    return int(d["p"]) >= int(d["L"])


def _relu_valley(d: Mapping[str, Any]) -> bool:
    n, p = int(d["n"]), int(d["p"])
    return n >= 3 and 2 <= p <= n - 1


def _quadratic_2layer(d: Mapping[str, Any]) -> bool:
    return int(d["p"]) >= 2 * int(d["n"])


def _quadratic_deep(d: Mapping[str, Any]) -> bool:
    n = int(d["n"])
    return all(int(mk) >= 3 * n ** (2 ** (k + 1)) for k, mk in enumerate(d["hidden"]))


def _nonnegative(d: Mapping[str, Any]) -> bool:
    return float(d["min_energy"]) >= 0


def _positive_int(key: str) -> Predicate:
    return lambda d: int(d[key]) >= 1


def _spin_p(d: Mapping[str, Any]) -> bool:
    return int(d["p"]) >= 3 and int(d["N"]) >= 2


def _kawaguchi(d: Mapping[str, Any]) -> bool:
    return (
        bool(d["full_rank_xx"])
        and bool(d["full_rank_xy"])
        and bool(d["distinct_eigenvalues_of_SigmaYX_SigmaXX_inv_SigmaXY"])
        and int(d["m"]) <= int(d["n"])
    )


# --------------------------------------------------------------------------------------------
# the registry, in THEORY.md order

BF = "Freeman & Bruna, ICLR 2017 (arXiv 1611.01540)"
VBB = "Venturi, Bandeira & Bruna, JMLR 20 (2019) (arXiv 1802.06384)"
TALK = "Bruna, talk 'On the optimization landscape of neural networks'"

_BUILTIN = [
    # ---- liftings ------------------------------------------------------------------------
    Claim(
        id="lift.multilinear",
        kind="identity",
        family="liftings",
        source=f"{TALK}; {BF}, §2.2 and proof of Prop. 2.2",
        section="§1.10, §3.2",
        statement=(
            "E(W_1, …, W_K) = F(W_K⋯W_1) with F convex (square loss: Hessian in vec(W̃) is "
            "2·Σ_X ⊗ I, PSD); the product is invariant under W_k → U_k W_k U_{k−1}^{-1}, "
            "U_k ∈ GL(n_k), U_0 = I, U_K = I."
        ),
        latex=(
            r"E(W_1,\dots,W_K)=F(W_K\cdots W_1),\quad \nabla^2_{\mathrm{vec}\,\tilde W}F"
            r"=2\,\Sigma_X\otimes I\succeq 0,\quad W_k\mapsto U_kW_kU_{k-1}^{-1}"
        ),
        hypotheses_text="none (any widths, any data)",
        notes=(
            "BF'16 composes left to right (U_θ = {W_1F_1^{-1}, F_1W_2F_2^{-1}, …}), transposed "
            "relative to the talk's W_K⋯W_1 convention; both are the same group action.",
        ),
    ),
    Claim(
        id="lift.quadratic",
        kind="identity",
        family="liftings",
        source=f"{TALK}; {VBB}",
        section="§4.1, §4.3",
        statement=(
            "For ρ(z) = z²: ρ(Wx) = A_W(xxᵀ) with A_W = (w_k w_kᵀ)_k; a scalar output "
            "Σ_k u_k (w_k·x)² = ⟨Σ_k u_k w_k w_kᵀ, xxᵀ⟩ is linear in the lifted parameter "
            "Σ_k u_k w_k w_kᵀ ∈ Sym(n); after k quadratic layers the features are homogeneous "
            "forms of degree 2^k, a space of dimension C(N + 2^k − 1, 2^k)."
        ),
        latex=(
            r"(w^\top x)^2=\langle ww^\top,xx^\top\rangle,\quad \sum_k u_k(w_k^\top x)^2="
            r"\langle \sum_k u_kw_kw_k^\top, xx^\top\rangle,\quad \dim=\binom{N+2^k-1}{2^k}"
        ),
        hypotheses_text="none",
        notes=(
            "The talk's bound M_k ≥ 3N^{2^k} uses N^{2^k} ≥ C(N+2^k−1, 2^k) as the dimension bound.",
        ),
    ),
    Claim(
        id="lift.feature-map",
        kind="identity",
        family="liftings",
        source=f"{VBB}, §2 (intrinsic dimension); {TALK}",
        section="§4.1",
        statement=(
            "ρ(⟨w, x⟩) = ⟨A(w), Ψ(x)⟩; the intrinsic dimension q = dim span{A(w) : w ∈ R^n} is "
            "C(n+k−1, k) for ρ(z) = z^k, Σ over the nonzero degrees j of C(n+j−1, j) for a "
            "polynomial, ∞ for a non-polynomial activation; for the empirical risk on L samples "
            "q_emp ≤ L."
        ),
        latex=(
            r"q=\dim\operatorname{span}\{A(w)\}=\sum_{j:\,a_j\neq0}\binom{n+j-1}{j},\quad "
            r"q_{\mathrm{emp}}\le L"
        ),
        hypotheses_text="n ≥ 1; ρ a function of one variable",
        hypotheses=_positive_int("n"),
        requires=("n",),
        notes=("Non-polynomial continuous activations have q = ∞ (Leshno–Lin–Pinkus–Schocken).",),
    ),
    Claim(
        id="identity.layer-cake",
        kind="identity",
        family="liftings",
        source=f"{TALK} (slide 'Analysis of non-convex loss surfaces')",
        section="§1.2",
        statement="For E ≥ 0: E(θ) = ∫_0^∞ 1{E(θ) > u} du = ∫_0^∞ 1{θ ∉ Ω_u} du.",
        latex=r"E(\theta)=\int_0^\infty \mathbf 1\{\theta\notin\Omega_u\}\,du",
        hypotheses_text="E(θ) ≥ 0",
        hypotheses=_nonnegative,
        requires=("min_energy",),
        notes=(
            "The talk writes ∫_0^∞ 1(θ ∈ Ω_u) du, which is infinite for every θ: a typo. The check "
            "reports that formula false (negative control).",
        ),
    ),
    # ---- topology: positive results -------------------------------------------------------
    Claim(
        id="bf16.prop2.1",
        kind="identity",
        family="linear",
        source=f"{BF}, Proposition 2.1",
        section="§3.1",
        statement=(
            "If Ω_F(λ) is connected for all λ then every strict local minimum of F is a global "
            "minimum (N_u = 1 ∀u ⇒ no strict poor local minimum)."
        ),
        latex=r"N_u=1\ \forall u\ \Rightarrow\ \text{no strict poor local minimum}",
        hypotheses_text="N_u = 1 for every u; minima strict",
        notes=(
            "The talk states it for all poor local minima; it is false for non-strict ones "
            "(plateaus), which BF'16's final version excludes by 'strict'.",
            "Checked exactly (sympy) on closed-form 1-D, fibred and radial 2-D energies "
            "(sublevel.theory.toy_landscapes); the negative control reports the talk's non-strict "
            "version false on a plateau energy.",
        ),
    ),
    Claim(
        id="bf16.prop2.2.linear",
        kind="constructive",
        family="linear",
        source=f"{BF}, Proposition 2.2 (κ = 0)",
        section="§3.2",
        statement=(
            "Deep linear network Φ(x) = W_K⋯W_1 x, square loss, κ = 0: if n_k > min(n, m) for "
            "0 < k < K, any θ_A, θ_B are joined by a path with E ≤ max(E(θ_A), E(θ_B)) "
            "(N_u = 1 ∀u); any θ is joined to a global minimum by a strictly decreasing path."
        ),
        latex=r"n_k>\min(n,m)\ (0<k<K)\ \Rightarrow\ \max_t E(\gamma(t))\le\max(E_A,E_B)",
        hypotheses_text="n_k > min(n, m) for 0 < k < K (widths = [n, n_1, …, n_{K−1}, m])",
        hypotheses=_strictly_wide_inner,
        requires=("widths",),
        notes=(
            "Final version (commit d705156) has '>'; the earlier version has '≥', which fails at "
            "equality (square factors: GL(h) has two components) — see "
            "bf16.linear.square-boundary.",
            "BF'16 indexes 'K matrices of sizes n_k × n_{k+1}', which needs K+1 sizes; the talk's "
            "W_k ∈ R^{n_k × n_{k−1}}, n_0 = n, n_K = m is used here.",
            "Certificates: the proof's path is rebuilt in exact rationals from the inputs' floats "
            "(sublevel.numerics.paths.linear_exact: projectors, kernel bases and merged products in "
            "fmpq_mat; the descent target Σ_YX Σ_X⁺ exact) and every piece is decided with τ = 0 "
            "(constant = the polynomial minus E(0) is zero, non-increasing = E′ ≤ 0, the bound "
            "max(E_A, E_B) exact) — these decide. Reported beside them: the float path's "
            "reference energies enclosed in Arb balls (rigorous; often 'within rounding'), its "
            "residual-based bound (sampled) and a dense evaluation (never a proof).",
            "The strictly decreasing path moves the last layer alone at generic points; at "
            "non-generic ones (a partial product W_j⋯W_1 not injective) it is preceded by "
            "constant-energy steps, so strictness holds after them.",
        ),
    ),
    Claim(
        id="bf16.prop2.2.ridge",
        kind="constructive",
        family="linear",
        source=f"{BF}, Proposition 2.2 (κ > 0, K = 2)",
        section="§3.2",
        statement=(
            "Two-layer linear network with ridge κ(‖W_1‖² + ‖W_2‖²), κ > 0, n_1 > min(n, m): the "
            "balanced-factorisation path along the straight path in the product stays ≤ "
            "max(E_A, E_B); along it ‖W_1‖² + ‖W_2‖² = 2‖W̃‖_*."
        ),
        latex=r"\|W_1\|_F^2+\|W_2\|_F^2=2\|W_2W_1\|_*\ \text{(balanced)},\ E\le\max(E_A,E_B)",
        hypotheses_text="K = 2, κ > 0, n_1 > min(n, m)",
        hypotheses=_ridge_two_layer,
        requires=("widths", "kappa"),
        notes=(
            "A continuous selection of balanced factors along the product path is asserted, not "
            "proven, in BF'16; SVD factors can jump where singular values cross — the check "
            "detects and reports such jumps.",
            "The construction aligns each bead's SVD factors to the previous one (orthogonal "
            "Procrustes on the hidden units), a continuous selection wherever one exists; the "
            "naive sorted-SVD selection's jumps are reported. The global minimum is checked "
            "against the convex problem min F(W̃) + 2κ‖W̃‖_* solved by cvxpy.",
            "Certificates: the straight steps are rebuilt exactly from the float endpoints and "
            "decided with τ = 0; the rotation piece is constant exactly (the energy is invariant "
            "under SO(h)); the float rotation's orthogonality defect, measured on 65 points, is "
            "reported as a sampled certificate and never decides.",
        ),
    ),
    Claim(
        id="vbb.finite-dim.p-ge-q",
        kind="constructive",
        family="intrinsic",
        source=f"{VBB}, Theorem 8 (finite intrinsic dimension)",
        section="§4.2",
        statement=(
            "Φ(x) = U ρ(Wx) with intrinsic dimension q < ∞ and p ≥ q hidden units, convex loss: "
            "from any θ there is a path with non-increasing energy to a global minimum "
            "(Construction A: compress, free moves, convex descent) — no spurious valleys."
        ),
        latex=r"p\ge q=\dim^*(\rho,n)<\infty\ \Rightarrow\ \text{no spurious valleys}",
        hypotheses_text="q < ∞ and p ≥ q",
        hypotheses=_p_ge_q,
        requires=("p", "q"),
        notes=(
            "The talk states M ≥ 2q for 'no poor local minima'; p ≥ q suffices for no spurious "
            "valleys (v1 abstract: 'as soon as the hidden layer size matches the intrinsic "
            "dimension'); 2q is what the connectedness construction (Construction B) needs.",
            "Every piece moves only U, or rows of units whose output weight is zero, so the energy "
            "along it is a quadratic in t for any activation: each piece is certified exactly "
            "(constant / non-increasing); the end is compared with the least-squares and cvxpy "
            "lifted optimum. Needs argmin F ≠ ∅ (square loss: always).",
        ),
    ),
    Claim(
        id="vbb.finite-dim.p-ge-2q",
        kind="constructive",
        family="intrinsic",
        source=f"{VBB}; {TALK} (Corollary [BBV'17], M ≥ 2q)",
        section="§4.2",
        statement=(
            "With p ≥ 2q hidden units any θ_A, θ_B are joined by a path with "
            "E ≤ max(E(θ_A), E(θ_B)) (Construction B: the two-phase path), so N_u = 1 ∀u."
        ),
        latex=r"p\ge 2q\ \Rightarrow\ N_u=1\ \forall u",
        hypotheses_text="q < ∞ and p ≥ 2q",
        hypotheses=_p_ge_2q,
        requires=("p", "q"),
        notes=(
            "The talk's 'M ≥ 2q ⇒ no poor local minima' is stronger than needed for that "
            "conclusion (p ≥ q suffices); 2q is the connectedness threshold.",
            "Implemented path: compress θ_A; copy θ_B's compressed active rows onto zero-output "
            "units; interpolate the output weights (β(t) = (1−t)β_A + tβ_B, ≤ max by convexity); "
            "duplicate rows into θ_B's slots and shift output weight between duplicates; move the "
            "zero-output rows; undo θ_B's compression. It needs rank_A + rank_B ≤ p, which p ≥ 2q "
            "guarantees; every piece is certified exactly.",
        ),
    ),
    Claim(
        id="vbb.empirical-dim",
        kind="constructive",
        family="intrinsic",
        source=f"{VBB} (v1 abstract: generic activations in the empirical risk case); {TALK}",
        section="§4.1, C11",
        statement=(
            "Empirical risk on L samples, any continuous ρ: q_emp ≤ L, and with p ≥ L hidden "
            "units Construction A reaches the least-squares minimum with a non-increasing path."
        ),
        latex=r"q_{\mathrm{emp}}=\operatorname{rank}[\rho(\langle w,x_l\rangle)]_{l\le L}\le L",
        hypotheses_text="p ≥ L (or p ≥ q_emp)",
        hypotheses=_p_ge_L,
        requires=("p", "L"),
        notes=(
            "Duplicate samples make the feature matrix rank-deficient: a pitfall, not a failure.",
            "So do positively parallel samples for ReLU without bias (n = 1 gives q_emp = 2) and "
            "antipodal samples for odd ρ; the check detects and reports the samples involved. "
            "q_emp is a numerical rank: analytic ρ (tanh) has fast-decaying singular values, so "
            "n = 1 is numerically degenerate although q_emp = L in exact arithmetic.",
        ),
    ),
    Claim(
        id="bf16.thm2.4.relu-path",
        kind="constructive",
        family="relu",
        source=f"{BF}, Theorem 2.4",
        section="§3.5, §3.6",
        statement=(
            "Two-layer ReLU network, rows of W_1 on the unit sphere, ℓ1 on the second layer: for "
            "θ_A, θ_B with F(θ_{A,B}) ≤ λ there is a six-part path with F ≤ max(λ, ε), "
            "ε = inf_{l,α} max{e(l), δ_{W^A}(m,0;m), δ_{W^A}(m−l,α;m), δ_{W^B}(m,0;m), "
            "δ_{W^B}(m−l,α;m)} + C_1 α + O(α²)."
        ),
        latex=r"F(\gamma(t))\le\max(\lambda,\varepsilon)",
        hypotheses_text="one hidden layer, ReLU, ‖w_i‖ ≤ 1, κ > 0",
        notes=(
            "The κ-exponents in eq. (bub2) are inconsistent between the statement and the last "
            "line of the proof; the check reports the paper's C₁α with the statement's exponents "
            "beside an explicit instance bound it certifies sub-paths (2) and (5) against: "
            "(√max(F_l, F_s) + D)², D = √‖Σ_x̄‖ Σ_i ‖w_i − w̃_i‖(|β_i| + |γ_i|)/4 (ρ is 1-Lipschitz).",
            "e(l) and the δ's are the values the construction attains (an l-unit oracle network, "
            "lasso fits, greedy angle clustering), i.e. upper estimates of the paper's minima; "
            "every sub-path is a chain of straight segments certified exactly (piecewise-quartic "
            "energy, closed-form maxima). Empirical risk; biases are part of the unit rows.",
        ),
    ),
    Claim(
        id="bf16.cor2.5.asymptotic",
        kind="numerical",
        family="relu",
        source=f"{BF}, Corollary 2.5",
        section="§3.7",
        statement=(
            "As the width m grows the energy gap ε between solutions decreases (final version: "
            "ε = O(m^{−1/n})), so level sets become connected at all energy levels."
        ),
        latex=r"\varepsilon(m)=O(m^{-1/n})",
        hypotheses_text="one hidden layer ReLU, width m → ∞",
        notes=(
            "The rate is worst-case (curse of dimensionality) and the proof's rigorous exponent is "
            "m^{η+(η−1)/n} plus e(m^η); a steeper empirical decay is not a failure.",
            "The earlier version states only ε → 0, without a rate; the proof reuses 'n' for l.",
            "The check measures the certified connection level (the lower of the exact maxima on "
            "the straight segment and on the Theorem 2.4 path) between two independently trained "
            "students per width, and reports a decrease when the fitted exponent is ≤ −0.1 and the "
            "last level is below the first; the default run is n = 2, m ∈ {4, 8, 16}, the sweep "
            "n ∈ {2, 3, 5}, m ∈ {8, …, 128} is examples/relu_width_sweep.py.",
        ),
    ),
    Claim(
        id="lbb.multilinear",
        kind="numerical",
        family="linear",
        source=f"{TALK} ([LBB'17], multilinear regression); {VBB} early versions",
        section="§4.4, C3",
        statement=(
            "Deep linear regression E‖W_K⋯W_1 X − Y‖², any widths, no covariance assumption: "
            "no poor local minima — every local minimum attains the reduced-rank-regression "
            "optimum."
        ),
        latex=r"\text{every local min of }E\|W_K\cdots W_1X-Y\|^2\text{ is global}",
        hypotheses_text="any widths (bottlenecks allowed)",
        notes=("Statement from the talk; the paper text was not available (§10).",),
    ),
    Claim(
        id="kawaguchi16.deep-linear",
        kind="numerical",
        family="linear",
        source="Kawaguchi, NeurIPS 2016, Theorem 2.3",
        section="§6.7, C4",
        statement=(
            "Deep linear network, XXᵀ and XYᵀ full rank, d_y ≤ d_x, and "
            "Σ = YXᵀ(XXᵀ)^{−1}XYᵀ with distinct eigenvalues: every local minimum is global and "
            "every other critical point is a saddle."
        ),
        latex=r"\Sigma_{YX}\Sigma_{XX}^{-1}\Sigma_{XY}\ \text{distinct eigenvalues}",
        hypotheses_text="XXᵀ, XYᵀ full rank; m ≤ n; Σ_YX Σ_XX^{-1} Σ_XY has distinct eigenvalues",
        hypotheses=_kawaguchi,
        requires=(
            "full_rank_xx",
            "full_rank_xy",
            "distinct_eigenvalues_of_SigmaYX_SigmaXX_inv_SigmaXY",
            "m",
            "n",
        ),
        notes=(
            "The talk puts the distinct-eigenvalue condition on E XXᵀ: see talk.kawaguchi-statement.",
            "The hypotheses are sufficient, not necessary (the conclusions hold for any data and "
            "widths, cf. lbb.multilinear), so the negative control breaks the model instead: a "
            "non-convex loss of the product has a poor local minimum the check must find.",
        ),
    ),
    Claim(
        id="lbb.quadratic.2layer",
        kind="numerical",
        family="intrinsic",
        source=f"{TALK} ([LBB'17]); {VBB} (version unknown)",
        section="§4.3, C10",
        statement=(
            "ρ(z) = z², scalar output: E‖u·(WX)² − Y‖² has no poor local minima if M ≥ 2N, read "
            "with the output weights u fixed, at least N of each sign (the setting of "
            "Soltanolkotabi, Javanmard & Lee 2017, where 2N comes from); with u trained, poor "
            "non-strict local minima (sign traps) exist at every width tested, each with a flat "
            "escape (not a spurious valley)."
        ),
        latex=r"M\ge 2N,\ u\ \text{fixed with}\ \ge N\ \text{of each sign}\ \Rightarrow\ \text{no poor local minima}",
        hypotheses_text="p ≥ 2n (output weights fixed, ≥ n of each sign)",
        hypotheses=_quadratic_2layer,
        requires=("p", "n"),
        notes=(
            "No paper text found; every A ∈ Sym(n) needs only n units, so 2N is 2 × (units needed), "
            "not 2 × dim* = n(n+1). A path proof is not reconstructed; the check is numerical.",
            "The talk writes L(U, W) with U trained. Read as 'no poor local minima' (non-strict "
            "ones count) that reading fails: if all u_i < 0 while the least-squares A has a positive "
            "eigenvalue, the u_i keep their sign nearby, A = Wᵀdiag(u)W stays in the cone A ⪯ 0, "
            "and the network at the cone optimum (an SDP) is a local minimum above the global one "
            "— certified by sublevel.numerics.energies.sign_trap.sign_trap at every width tested "
            "(p = n … 2n, n = 3, 4); `--param sign=free` reports it as violated. The argument works "
            "for any p ≥ n, but what is certified is per instance.",
            "These sign traps are poor NON-STRICT minima with a flat escape, not spurious valleys "
            "(evidence: sign_trap_classification): every minimum here is non-strict ((w, u) → "
            "(cw, u/c²)), and in every instance tested (also at p = n, where the cone optimum has a "
            "zero eigenvalue) a unit with w = 0 flips its output weight at constant energy and the "
            "energy then descends. So they refute 'no poor local minima' but not 'no spurious "
            "valleys'; no spurious valley was found.",
            "200 inits per width (benchmarks/bench_intrinsic.py quadratic, n = 2, 3): with u trained "
            "failures persist at p = 2n (0.5–1 %, stable sign traps), none at 3n; with balanced "
            "fixed signs none from p = 2n − 1 on (n = 3), none at p ≥ 2n.",
        ),
    ),
    Claim(
        id="lbb.quadratic.deep",
        kind="numerical",
        family="intrinsic",
        source=f"{TALK} (Proposition, K-layer quadratic network)",
        section="§4.3",
        statement=(
            "K-layer quadratic network with M_k ≥ 3N^{2^k} for all k ≤ K: N_u = 1 for all u; "
            "the lifted dimension after k layers is exactly C(N + 2^k − 1, 2^k)."
        ),
        latex=r"M_k\ge 3N^{2^k}\ \forall k\le K\ \Rightarrow\ N_u=1",
        hypotheses_text="M_k ≥ 3N^{2^k} for every layer k",
        hypotheses=_quadratic_deep,
        requires=("n", "hidden"),
        notes=(
            "Talk only; no paper source found (§10).",
            "Network read as z_k = (W_k z_{k−1})², output U z_K; the width index k starts at 1 "
            "(M_1 ≥ 3N²). The lifted dimensions are exact (rank over QQ = closed form); N_u = 1 "
            "itself is tested numerically (runs reach the lifted optimum), not constructed.",
        ),
    ),
    # ---- negative results and refutations -------------------------------------------------
    Claim(
        id="bf16.linear.square-boundary",
        kind="constructive",
        family="linear",
        source=f"{BF}, Proposition 2.2 (equality case of the earlier '≥' version)",
        section="§3.2, §9.7",
        statement=(
            "With n = n_1 = m (equality), two low-energy points whose square factors have "
            "opposite determinant sign lie in different components of Ω_u for u below the best "
            "rank-(h−1) energy: every path between them passes a singular product."
        ),
        latex=r"\det W_1^A\det W_1^B<0\ \Rightarrow\ \max_t E(\gamma(t))\ge E^*_{h-1}",
        hypotheses_text="K = 2, n = n_1 = m",
        hypotheses=_square_boundary,
        requires=("widths",),
        notes=(
            "This is the negative control of bf16.prop2.2.linear.",
            "Certified in exact rational arithmetic: det W_1 signs, the endpoint energies, and "
            "E*_{h−1} = E*_h + λ_min(Σ_YX Σ_X^{-1} Σ_XY) above them (reduced-rank regression); "
            "the negative control adds one hidden unit, where the same points are connected.",
        ),
    ),
    Claim(
        id="bf16.relu.two-unit",
        kind="constructive",
        family="relu",
        source=f"{BF}, §2.3.1 (two-unit example)",
        section="§3.3(a)",
        statement=(
            "ReLU network with two hidden units on a two-component Gaussian mixture: the two "
            "permuted minima are separated — every connecting path crosses a rank-one first "
            "layer with risk ≥ 1/2."
        ),
        latex=r"N_u>1\ \text{for}\ u<1/2",
        hypotheses_text="two hidden units; mixture with small component covariance",
        notes=(
            "The means and the target '(X − μ_Z)·Z' are not specified in the paper; the check "
            "states the concrete instance it uses: μ_{±1} = ±e₁, X | Z ~ N(Z e₁, 0.25 I₂), "
            "y = ρ(⟨(1,1)/√2, x⟩) + ρ(⟨(−1,1)/√2, x⟩) (θ_A, zero risk; θ_B swaps the units), no biases.",
            "det W₁ changes sign from θ_A to θ_B, so every path crosses rank W₁ ≤ 1; the risk there is "
            "bounded below exactly on every arc of directions (≈ 0.11, about 18% of E y², on 200 "
            "samples). The paper's '1/2' depends on scales it does not state.",
        ),
    ),
    Claim(
        id="bf16.relu.permutation",
        kind="numerical",
        family="relu",
        source=f"{BF}, §2.3.1 and Appendix E",
        section="§3.3(b,d)",
        statement=(
            "For a generic teacher θ and a hidden-unit permutation θ_σ, Ω_0 is disconnected; the "
            "2-3-2 ReLU network on three points of R² and its permuted copy are not connected by "
            "DSS."
        ),
        latex=r"N_0\ge 2",
        hypotheses_text="generic teacher: no duplicate units, all units active",
        notes=(
            "Non-convergence of DSS is not a proof of disconnection (BF'16 App. E).",
            "Certified for generic teachers by the tessellation argument: if (G1) u_j ≠ 0, w_j ≠ 0, "
            "(G2) no two rows (w_j, b_j) are parallel and (G3) Σ_{j∈J} u_j w_j ≠ 0 for every J ≠ ∅ "
            "(checked in rational arithmetic), the parameters computing Φ(·; θ) are the m! "
            "permutation classes up to positive scaling, so Ω_0 of the oracle risk (Gaussian X) "
            "has ≥ m! components. For App. E the straight segment to the permuted copy is "
            "certified exactly; DSS is not run.",
        ),
    ),
    Claim(
        id="vbb.thm13.relu-valley",
        kind="constructive",
        family="intrinsic",
        source=f"{VBB}, Theorem 13 (explicit ReLU construction)",
        section="§4.5(a)",
        statement=(
            "n ≥ 3, 2 ≤ p ≤ n − 1, ReLU: for the two-branch Gaussian data of §4.5(a), θ_bad "
            "(L = β²/4) is stationary and lies in a spurious valley; θ_good has L = α²/4 < β²/4."
        ),
        latex=r"L(\theta_{bad})=\beta^2/4>L(\theta_{good})=\alpha^2/4",
        hypotheses_text="n ≥ 3, 2 ≤ p ≤ n − 1",
        hypotheses=_relu_valley,
        requires=("n", "p"),
        notes=(
            "The JMLR statement was not seen; the construction follows the thesis code (S6).",
            "θ_bad is not a differentiable point (its rows have zero pre-activation on branch 2): "
            "the gradient with ρ'(0) = 0 is exactly 0 and every one-sided derivative is ≥ 0; on "
            "{u ≥ 0} the energy is ≥ β²/4 (branch-2 predictions are ≥ 0 where Y ≤ 0). Energies "
            "in closed form by the arc-cosine kernel; the DSS part of C12 is not run here.",
            "Decided exactly (sympy closed forms of the mixture's arc-cosine moments): L(θ_bad) = "
            "β²/4, L(θ_good) = α²/4, ∇L(θ_bad) = 0 and the one-sided derivatives; the straight "
            "path's quartic with maximum (α² + β²)/4 at t = α/(α + β) (13/4 at t = 2/5 for α = 2, "
            "β = 3: the thesis' 3.24 is Monte Carlo); the valley by the V_p⁺ argument (u ≥ 0 ⇒ "
            "L ≥ L(θ_bad), strict where some u_i = 0 because p − 1 units cannot fit branch 1's p "
            "kinks), its premises decided on the instance — a bounded certificate whose strict "
            "excess is not quantified. Monte Carlo, finite differences, a grid and gradient "
            "descent are cross-checks that never decide.",
        ),
    ),
    Claim(
        id="bf16.prop2.3.kernel-bounds",
        kind="identity",
        family="relu",
        source=f"{BF}, Proposition 2.3 (eq. 7)",
        section="§3.4, C5",
        statement=(
            "(1+cos α)/2·‖w_m‖²_Z − 2‖Σ_X‖((1−cos α)/2 + sin²α) ≤ [w_1, w_2]_Z ≤ "
            "(1+cos α)/2·‖w_m‖²_Z; the paper's follow-up inequality [w_1,w_2]_Z ≤ cos α·‖w_m‖²_Z "
            "is false (refuted by the check)."
        ),
        latex=r"\tfrac{1+\cos\alpha}{2}\|w_m\|_Z^2-2\|\Sigma_X\|(\tfrac{1-\cos\alpha}{2}+\sin^2\alpha)\le[w_1,w_2]_Z\le\tfrac{1+\cos\alpha}{2}\|w_m\|_Z^2",
        hypotheses_text="‖Σ_X‖ < ∞; unit w_1, w_2",
        notes=(
            "The paper writes r = (1+cos α)/2; it is r² = (1+cos α)/2.",
            "The follow-up inequalities after the proposition are false (at α = 1: 0.318 > 0.270).",
            "The proof of eq. (7) is distribution-free, so the check also verifies it on the "
            "empirical measures of its Monte Carlo samples; for N(0, I) it proves it for every α "
            "from g'(α) = sin α (π − 2α)/(4π), g = upper bound − kernel.",
        ),
    ),
    Claim(
        id="talk.kawaguchi-statement",
        kind="refutation",
        family="linear",
        source=f"{TALK} (slide citing Kawaguchi'16) vs Kawaguchi, NeurIPS 2016, Thm 2.3",
        section="§6.7, C4",
        statement=(
            "The talk's hypothesis 'Σ = E(XXᵀ) has distinct eigenvalues' is not Kawaguchi's "
            "(distinct eigenvalues of Σ_YX Σ_XX^{−1} Σ_XY): data exist satisfying either and "
            "not the other."
        ),
        latex=r"\operatorname{spec}(\Sigma_{XX})\ \text{distinct}\ \not\Leftrightarrow\ \operatorname{spec}(\Sigma_{YX}\Sigma_{XX}^{-1}\Sigma_{XY})\ \text{distinct}",
        hypotheses_text="none",
        notes=("The false statement is the equivalence of the two conditions.",),
    ),
    # ---- conjectures ------------------------------------------------------------------------
    Claim(
        id="lbb18.energy-barrier",
        kind="conjecture",
        family="intrinsic",
        source=f"{TALK} (Conjecture [LBB'18])",
        section="§4.6",
        statement=(
            "L(U, W) = E‖Uρ(WX) − Y‖² has no poor local minima above the energy barrier β(M, N)."
        ),
        latex=r"\text{no poor local minima with }L>\beta(M,N)",
        hypotheses_text="ρ homogeneous with finite feature dimension f(N)",
        notes=(
            "The noise radius in the definition of β(M, N) is garbled in the OCR; the check states "
            "the reading it implements.",
            "Reading implemented (sublevel.numerics.energy_barrier.READING): β̄(M, N) = min over subspaces S "
            "of dimension f⁻¹(M) = max{d : f(d) ≤ M} of the best energy of a network whose rows "
            "lie in S — an upper bound on β(M, N) for every noise radius (such rows do not see "
            "noise in S^⊥), attained by an explicit network.",
            "A counterexample must be a spurious valley: a stable poor minimum above β̄ whose "
            "escape search along flat directions and sign flips fails and whose exact Hessian is "
            "positive definite modulo the rescaling symmetries (sublevel.numerics.barrier_escape); θ of "
            "every counterexample and of every degenerate minimum is kept in the evidence.",
            "What was found: the default run's former 'counterexamples' (seed 0) were zero networks "
            "(W ≈ 1e-24, u < 0, E = mean y²): at W = 0 the sign of u flips at constant energy and "
            "the energy then descends — degenerate minima with a flat escape, now reported "
            "separately, not counterexamples; the default run finds none. The SDP-certified sign "
            "trap for z² with M ≥ N has a unit with w = 0 and likewise a flat escape. Genuine "
            "spurious valleys above β̄ exist for even degree with M = 1 (ρ = z², N = 2, "
            "y = 2x₁² − x₂²: u < 0 fitting −x₂², E ≈ 10.7 < mean y² ≈ 11 = the energy wherever u "
            "changes sign; strict modulo rescaling, no flat escape): under this reading the "
            "conjecture fails there (tests/numerics/test_energy_barrier.py). None were found for "
            "odd degree (z³), where w absorbs the sign.",
        ),
    ),
    Claim(
        id="abc13.spin-glass",
        kind="conjecture",
        family="spin-glass",
        source="Auffinger, Ben Arous & Černý, CPAM 2013; " + TALK,
        section="§7, C18",
        statement=(
            "Spherical p-spin: (1/N) log E Crt_{N,k}(u) → Θ_{k,p}(u); thresholds E_0 > E_1 > … > "
            "E_∞ = 2√((p−1)/p); gradient-descent minima concentrate near −E_∞."
        ),
        latex=r"\lim\tfrac1N\log\mathbb E\,\mathrm{Crt}_{N,k}(u)=\Theta_{k,p}(u),\ E_\infty=2\sqrt{(p-1)/p}",
        hypotheses_text="p ≥ 3, N ≥ 2",
        hypotheses=_spin_p,
        requires=("p", "N"),
        notes=(
            "The formulas are recalled, not taken from the paper: the check tests their "
            "consistency (sublevel.theory.spin_glass, mpmath 30 digits + sympy): the branches of Θ_{k,p} "
            "meet at −E_∞ (I_1(−E_∞) = 0; Θ is continuous there, not C¹), I_1 = ∫ of "
            "(2/E_∞²)√(x² − E_∞²), Θ_p = Θ_{0,p} below −E_∞, E_0 > … > E_k ↓ E_∞ with "
            "E_k − E_∞ ~ (3E_∞^{3/2}Θ_{0,p}(−E_∞)/(4√2(k+1)))^{2/3}; the §7 table for p = 3, 4, "
            "5, 10 is reproduced to every printed digit (E_0(3) = 1.656998).",
            "Finite N, measured (examples/spin_glass.py): L-BFGS minima sit ABOVE −E_∞ and move "
            "down to it, mean H/N = −1.512, −1.556, −1.583, −1.600 at N = 50, 100, 200, 400 "
            "(gap ≈ 1.40·N^−0.63). C18's recalled 'N = 200: H/N ∈ [−1.70, −1.55], clustering "
            "near −1.63' is not what is seen: at N = 200 they cluster near −1.58, range "
            "[−1.648, −1.516].",
            "Concentration is tested by the finite-size trend, not a ceiling (the former "
            "−E_∞ + 2/√N was −1.350 at N = 50 while E_0 − E_∞ = 0.024: it tested nothing): on "
            "12 starts × 8, 4, 2 disorders at N = 50, 100, 200 the medians must decrease with N "
            "and the means fit "
            "a + b·N^(−2/3) (sublevel.theory.spin_glass.finite_size_fit; the exponent is the measured "
            "one — ABC'13 give no rate for descent minima) with |a + E_∞| ≤ 0.03 at N = 50, 100, "
            "200 (7 measured seeds: −0.008 … +0.015; this does not separate −E_∞ from −E_0) or "
            "≤ 0.015 with N = 400 in the long mode `--param long=true` (2 seeds: 0.007, 0.010; "
            "about 2–5 minutes per disorder at N = 400). Every minimum ≥ −E_0 − 1/√N. The control "
            "breaks the normalisation (sym(J)·√p!: a ≈ −4.05; radius 1: a ≈ 0.00) and must fail "
            "the fit.",
        ),
    ),
    # ---- geometry: the geodesic solver ----------------------------------------------------
    Claim(
        id="bf16.dss.convex",
        kind="numerical",
        family="geodesic",
        source=f"{BF}, §3 (normalised geodesic length)",
        section="C20",
        statement="Convex energy: DSS returns 3 beads and normalised length 1 at every level.",
        hypotheses_text="E convex",
    ),
    Claim(
        id="bf16.dss.double-well",
        kind="numerical",
        family="geodesic",
        source=f"{BF}, §3",
        section="C20",
        statement=(
            "A ridge of known height: DSS reports disconnected below it and connected with "
            "normalised length > 1 above it."
        ),
        hypotheses_text="two minima separated by a ridge of known height",
        notes=(
            "DSS failure is never reported as disconnection (papers.md §9.15): below the ridge "
            "the disconnection is certified by the closed form (E ≥ h on the separating "
            "hyperplane y₁ = 0); DSS segments are certified exactly (polynomial energy).",
        ),
    ),
    Claim(
        id="bf16.dss.cubic",
        kind="numerical",
        family="geodesic",
        source=f"{BF}, §4 (polynomial regression), Figure 'cubic'",
        section="§5.3, C13",
        statement=(
            "Cubic regression, MLP 1-4-4-1 sigmoid: normalised length ≈ 1 for L0 ≥ 0.17, a spike "
            "near 0.155–0.16, rising to ≈ 1.9 at L0 = 0.01."
        ),
        hypotheses_text="the paper's setting (MAE loss, Adam, 0.95/1.1 thresholds)",
        notes=(
            "Normalised length on weights only (BF'16's SpringNorm, §9.11). The default check is "
            "reduced (100 points, levels 0.3/0.17/0.1); the paper used 10,000 points and levels "
            "down to 0.01 (`sublevel geodesic --model cubic`). Segment certificates are sampled.",
        ),
    ),
    Claim(
        id="bf16.dss.real-data",
        kind="numerical",
        family="geodesic",
        source=f"{BF}, §4 (MNIST, CIFAR-10)",
        section="§5.3, C14",
        statement=(
            "CNN on real images: the normalised length grows as the level falls (paper: MNIST "
            "< 1.1 near 0.7% error; CIFAR-10 ≈ 1.85 at 20% error)."
        ),
        hypotheses_text="trained endpoints below the level",
        notes=(
            "The paper thresholds test error; sublevel thresholds the training cross-entropy on "
            "a fixed subset (differentiable, §9.9) and says so in every result. Default: an MLP "
            "on scikit-learn digits; CNNs on digits and Fashion-MNIST (Debian package "
            "dataset-fashion-mnist) via `sublevel geodesic` and `--param model=cnn`.",
        ),
    ),
    Claim(
        id="baseline.bezier",
        kind="numerical",
        family="geodesic",
        source="Garipov et al., NeurIPS 2018",
        section="§6.1, C15",
        statement="The trained Bezier curve's max train loss ≈ the endpoints' loss.",
        hypotheses_text="curve trained with uniform t",
    ),
    Claim(
        id="baseline.autoneb",
        kind="numerical",
        family="geodesic",
        source="Draxler et al., ICML 2018",
        section="§6.2, C16",
        statement="AutoNEB finds saddles whose loss is within about 2× the minima's loss.",
        hypotheses_text="AutoNEB with equal redistribution",
    ),
    Claim(
        id="symmetry.weight-matching",
        kind="numerical",
        family="geodesic",
        source="Ainsworth et al., ICLR 2023 (Git Re-Basin)",
        section="§6.6, C17",
        statement="After permutation alignment by weight matching the straight-line barrier drops.",
        hypotheses_text="MLPs with hidden-unit permutation symmetry",
    ),
]

for _claim in _BUILTIN:
    register_claim(_claim)
del _claim
