"""Grader of assignment 1 (deep linear networks, BF'16 Prop. 2.2): plain pytest.

    SUBLEVEL_SUBMISSION=my_notebook.ipynb pytest assignments/01_deep_linear/grade.py

Hidden instances: two-layer widths [n, h, m] with n ≤ m and h > n drawn by
``sublevel.numerics.strategies.linear_widths`` and data by ``sublevel.numerics.strategies.datasets``, from seeds
derived from SUBLEVEL_GRADE_SEED (:func:`assignments.grading.instance_seeds`); the first
instance starts from a rank-deficient W₁ so that move (b) has work to do. Certificates, all
``exact`` (:func:`sublevel.theory.exact.certify_polynomial` on the energy polynomial computed in rational
arithmetic from the student's floats, :func:`sublevel.numerics.paths.linear_exact.exact_energy_polynomial`),
with the recorded tolerance τ = ``tau_rtol``·max(1, |E|) (float student code cannot keep an
energy exactly constant; sublevel's theorem checks use τ = 0 on exact constructions):

* straight segments in parameter space: E ≤ bound + τ along the segment, and the piece's
  promise (constant: |E(t) − E(0)| ≤ τ; non-increasing: dE/dt ≤ τ; ≤ max of endpoints);
* any other piece: its product W₂(t)W₁(t) must follow the straight line between its end
  products (checked on ``N_GRID`` points, relative deviation ≤ ``TOLERANCES["product_rtol"]``;
  a sampled check, reported as such); the energy is then F of that line (the one-layer lifted
  network), certified exactly in the same way.

Bound: max(E(θ_A), E(θ_B)) for ``connect``, E(θ) for ``descend`` (exact rationals). Every test
runs under the time limit of :mod:`assignments.grading` (60 s by default).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from flint import fmpq
from sublevel.numerics.energies.linear import DeepLinear
from sublevel.numerics.paths.base import Path, Piece, Polygonal, Segment
from sublevel.numerics.paths.exact_linalg import qmat
from sublevel.numerics.paths.linear_exact import ExactMoments, exact_energy_polynomial
from sublevel.numerics.strategies import datasets, linear_widths, square_widths
from sublevel.theory.certificate import Certificate
from sublevel.theory.errors import HypothesisError, InputError
from sublevel.theory.exact import certify_polynomial

from assignments.grading import (
    array,
    call,
    describe,
    draw,
    fail,
    instance_seeds,
    invoke,
    time_limit,
)

SOURCE = "deep_linear.py"
N_INSTANCES = 4
N_GRID = 257
#: named tolerances of the checks that are not certificates
TOLERANCES = {
    "product_rtol": 1e-8,  # lifted pieces: ‖P(t) − line(t)‖_F ≤ product_rtol·max(1, ‖P‖)
    "endpoint_rtol": 1e-9,  # the path starts at θ_A and ends at θ_B: ‖gap‖ ≤ rtol·(1 + ‖θ‖)
    "injective_rtol": 1e-8,  # σ_min(W) > injective_rtol·max(1, σ_max(W))
    "jump_fraction": 0.25,  # the join is continuous: no step above this fraction of its scale
    "end_rtol": 1e-8,  # descent ends within end_rtol·max(1, E*) of the global minimum
    # the grader's tolerance τ = tau_rtol·max(1, |E|) on the exact certificates: the student's
    # path is computed in floats, whose rounding moves the energy by ~1e-15 relative
    "tau_rtol": 1e-9,
}

HINTS = {
    "constant energy": "a pre-processing move must keep the product W2·W1 fixed: check that "
    "W2' vanishes on range(W1)^⊥ and that the new columns of W1' lie there",
    "non-increasing": "the descent moves W2 alone so that the product follows the straight "
    "line to the least-squares product P*",
    "≤ max of endpoints": "on the main piece the product must follow (1 − s)P_A + sP_B, which "
    "needs W1(s) injective and W2(s) = M(s)W1(s)⁺",
}


@dataclass
class Instance:
    seed: int
    widths: list[int]
    X: np.ndarray
    Y: np.ndarray
    wa: list[np.ndarray]
    wb: list[np.ndarray]

    @property
    def context(self) -> str:
        n, h, m = self.widths
        return (
            f"[instance seed {self.seed}: widths n={n}, h={h}, m={m}, {self.X.shape[0]} "
            f"samples; reproduce with grade.instance({self.seed})]"
        )

    @property
    def energy(self) -> DeepLinear:
        return DeepLinear(self.widths, self.X, self.Y)

    @property
    def moments(self) -> ExactMoments:
        return ExactMoments.from_data(self.X, self.Y)

    def exact_energy(self, weights: list[np.ndarray]) -> fmpq:
        """E(θ) exactly (the floats of θ, X, Y taken as rationals)."""
        W1, W2 = (qmat(np.asarray(W, dtype=np.float64)) for W in weights)
        return self.moments.energy(W2 * W1)


def _weights(rng: np.random.Generator, widths: list[int], degenerate: bool) -> list[np.ndarray]:
    n, h, m = widths
    W1, W2 = rng.normal(size=(h, n)), rng.normal(size=(m, h))
    if degenerate:  # rank-deficient W1: move (b) has work to do
        W1[:, -1] = W1[:, 0] if n > 1 else 0.0
    return [W1, W2]


def instance(seed: int, degenerate: bool = False) -> Instance:
    """The hidden instance of a seed (what the grader certifies; call it to reproduce one)."""
    widths = draw(
        linear_widths(min_layers=2, max_layers=2, max_width=5).filter(lambda w: w[0] <= w[-1]), seed
    )
    n, m = widths[0], widths[-1]
    data = draw(
        datasets(
            kinds=("random", "duplicate"),
            min_samples=max(4, 2 * n),
            max_samples=12,
            min_features=n,
            max_features=n,
            min_outputs=m,
            max_outputs=m,
        ),
        seed,
    )
    rng = np.random.default_rng(seed)
    return Instance(
        int(seed),
        list(widths),
        data.X,
        data.Y,
        _weights(rng, widths, degenerate),
        _weights(rng, widths, False),
    )


def instances() -> list[Instance]:
    return [instance(s, degenerate=(i == 0)) for i, s in enumerate(instance_seeds(N_INSTANCES))]


# ---------------------------------------------------------------------------- certifying


def _as_path(value: object, what: str, context: str) -> Path:
    if isinstance(value, Path):
        return value
    if isinstance(value, (list, tuple)) and value and all(isinstance(p, Piece) for p in value):
        try:
            return Path(list(value))
        except InputError as exc:
            fail(f"{what}: the pieces do not form a path: {exc}. {context}")
    fail(
        f"{what} returned {type(value).__name__}; expected a sublevel.numerics.paths.base.Path "
        f"(Path([Segment(...), FunctionPiece(...), ...])). {context}"
    )


def _pieces(path: Path) -> list[Piece]:
    out: list[Piece] = []
    for p in path.pieces:
        out.extend(p.segments() if isinstance(p, Polygonal) else [p])
    return out


def _exact_polynomial(inst: Instance, a: list[np.ndarray], b: list[np.ndarray]) -> list[fmpq]:
    """E((1 − t)a + tb) for weight lists a, b with the floats taken as the rationals they are."""
    return exact_energy_polynomial(inst.moments, [qmat(W) for W in a], [qmat(W) for W in b])


def _tau(scale: fmpq | float) -> float:
    return TOLERANCES["tau_rtol"] * max(1.0, abs(float(scale)))


def _promise_certificates(
    poly: list[fmpq], promise: str, label: str
) -> list[tuple[str, Certificate]]:
    """Exact certificates of a piece's promise about its energy polynomial, each with the
    quantity it bounds (τ recorded in the certificate)."""
    e0, e1 = poly[0], sum(poly, fmpq(0))
    tau = _tau(max(abs(e0), abs(e1)))
    if promise == "constant energy":
        dev = [fmpq(0), *poly[1:]]
        return [
            ("E(t) − E(0) ≤ τ", certify_polynomial(dev, 0, tolerance=tau, label=label)),
            (
                "E(0) − E(t) ≤ τ",
                certify_polynomial([-c for c in dev], 0, tolerance=tau, label=label),
            ),
        ]
    if promise == "non-increasing":
        deriv = [k * poly[k] for k in range(1, len(poly))] or [fmpq(0)]
        return [("dE/dt ≤ τ", certify_polynomial(deriv, 0, tolerance=tau, label=label))]
    if promise == "≤ max of endpoints":
        return [
            (
                "E ≤ max(E(0), E(1)) + τ",
                certify_polynomial(poly, max(e0, e1), tolerance=tau, label=label),
            )
        ]
    return []


def _check_piece(
    E: DeepLinear, inst: Instance, piece: Piece, index: int, bound: fmpq, what: str
) -> list[str]:
    """Exact certificates of one piece; returns the teaching messages of what failed."""
    name = f"{what}, piece {index} {piece.label!r} (promise: {piece.promise})"
    D = E.dim
    if isinstance(piece, Segment):
        a = array(piece.a, (D,), f"{name}: start point", inst.context)
        b = array(piece.b, (D,), f"{name}: end point", inst.context)
        poly = _exact_polynomial(inst, E.unflatten(a), E.unflatten(b))
        lifted = ""
    else:
        ts = np.linspace(0.0, 1.0, N_GRID)
        try:
            raw = piece.points(ts)
        except Exception as exc:
            fail(f"{name}: evaluating it raised {type(exc).__name__}: {exc}. {inst.context}")
        pts = array(raw, (N_GRID, D), f"{name}: points at {N_GRID} times", inst.context)
        Ps = E.products(pts)
        P0, P1 = Ps[0], Ps[-1]
        line = (1 - ts)[:, None, None] * P0 + ts[:, None, None] * P1
        dev = np.linalg.norm(Ps - line, axis=(1, 2)) / max(1.0, float(np.abs(Ps).max()))
        worst = int(np.argmax(dev))
        if dev[worst] > TOLERANCES["product_rtol"]:
            return [
                f"{name}: the product W2(t)W1(t) leaves the straight line between its end "
                f"products (relative deviation {dev[worst]:.3g} at t = {ts[worst]:.4g}, "
                f"checked on {N_GRID} points): E = F(product) is convex only along straight "
                f"product lines, so nothing bounds it here. Hint: "
                f"{HINTS['≤ max of endpoints']}"
            ]
        W1a, W2a = E.unflatten(pts[0])
        W1b, W2b = E.unflatten(pts[-1])
        # the lifted straight path: one layer moving from P(0) to P(1), products taken exactly
        poly = exact_energy_polynomial(
            inst.moments, [qmat(W2a) * qmat(W1a)], [qmat(W2b) * qmat(W1b)]
        )
        lifted = " (through the lifting: F of its product line)"
    question = "E ≤ max(E_A, E_B) + τ" if what == "connect" else "E ≤ E(θ) + τ"
    certs = [(question, certify_polynomial(poly, bound, tolerance=_tau(bound), label=name))]
    certs += [
        (f"its promise '{piece.promise}' ({quantity}; 'max E' below is that quantity)", c)
        for quantity, c in _promise_certificates(poly, piece.promise, name)
    ]
    problems = []
    for q, cert in certs:
        if not cert.holds:
            hint = HINTS.get(piece.promise, "")
            problems.append(
                f"{name}: {q} is not certified{lifted} — {describe(cert)}."
                + (f" Hint: {hint}." if hint else "")
            )
    return problems


def _check_continuity(pieces: list[Piece], what: str, context: str) -> None:
    """Consecutive pieces meet (a Path built with check_continuity=False is not trusted)."""
    for i, (p, q) in enumerate(zip(pieces, pieces[1:])):
        gap = float(np.linalg.norm(np.asarray(p.end) - np.asarray(q.start)))
        if not gap <= TOLERANCES["endpoint_rtol"] * (1.0 + float(np.linalg.norm(p.end))):
            fail(
                f"{what}: pieces {i} {p.label!r} and {i + 1} {q.label!r} do not meet (gap "
                f"{gap:.3g}): a path must be continuous. {context}"
            )


def _check_ends(
    path: Path, start: np.ndarray, end: np.ndarray, what: str, context: str, check_end: bool = True
) -> None:
    for label, got, want in (("starts", path.start, start), ("ends", path.end, end)):
        if label == "ends" and not check_end:
            continue
        got = array(got, want.shape, f"{what}: the path's point", context)
        gap = float(np.linalg.norm(got - want))
        if gap > TOLERANCES["endpoint_rtol"] * (1.0 + float(np.linalg.norm(want))):
            fail(
                f"{what}: the path {label} at a point {gap:.3g} away from where it should "
                f"({'θ_A / θ' if label == 'starts' else 'θ_B'}). {context}"
            )


# ---------------------------------------------------------------------------- tests


def test_preprocess_keeps_the_energy_constant(student):
    """Moves (a) and (b) are straight segments at constant energy; W1' is injective."""
    with time_limit(what="test_preprocess_keeps_the_energy_constant"):
        for inst in instances():
            (W1, W2), E = inst.wa, inst.energy
            out = call("preprocess", student, W1.copy(), W2.copy(), context=inst.context)
            if not isinstance(out, (tuple, list)) or len(out) != 2:
                fail(
                    f"`preprocess` must return the pair (W1', W2'); got {type(out).__name__}. "
                    f"{inst.context}"
                )
            W1p = array(out[0], W1.shape, "W1' returned by `preprocess`", inst.context)
            W2p = array(out[1], W2.shape, "W2' returned by `preprocess`", inst.context)
            s = np.linalg.svd(W1p, compute_uv=False)
            if s[-1] <= TOLERANCES["injective_rtol"] * max(1.0, float(s[0])):
                fail(
                    f"move (b): W1' is not injective (smallest singular value {s[-1]:.3g}, "
                    f"largest {s[0]:.3g}); add b_i a_iᵀ for an orthonormal basis a_i of ker W1. "
                    f"{inst.context}"
                )
            theta = np.concatenate([W1.ravel(), W2.ravel()])
            mid = np.concatenate([W1.ravel(), W2p.ravel()])
            end = np.concatenate([W1p.ravel(), W2p.ravel()])
            bound = inst.exact_energy([W1, W2])
            problems = []
            for i, seg in enumerate(
                [
                    Segment(theta, mid, "(a) W2 ← W2(I − Π⊥)", "constant energy"),
                    Segment(mid, end, "(b) W1 ← W1 + Σ b_i a_iᵀ", "constant energy"),
                ]
            ):
                problems += _check_piece(E, inst, seg, i, bound, "preprocess")
            if problems:
                fail("\n".join([*problems, inst.context]))


def test_full_rank_join_stays_injective(student):
    """The rotate-and-rescale join: right ends, injective and continuous on a fine grid
    (sampled checks: a grid can miss a rank drop between its points)."""
    with time_limit(what="test_full_rank_join_stays_injective"):
        for inst in instances()[1:]:
            Wa, Wb = inst.wa[0], inst.wb[0]
            h, n = Wa.shape
            join = call("full_rank_join", student, Wa.copy(), Wb.copy(), context=inst.context)
            if not callable(join):
                fail(
                    f"`full_rank_join` must return a function s ↦ W(s); got "
                    f"{type(join).__name__}. {inst.context}"
                )
            ts = np.linspace(0.0, 1.0, 601)
            Ws = array(
                invoke(join, "the function returned by `full_rank_join`", ts, context=inst.context),
                (ts.size, h, n),
                "W(s) for 601 times s",
                inst.context,
            )
            for label, got, want in (("W(0)", Ws[0], Wa), ("W(1)", Ws[-1], Wb)):
                if np.linalg.norm(got - want) > TOLERANCES["endpoint_rtol"] * (
                    1 + np.linalg.norm(want)
                ):
                    fail(
                        f"the join's {label} is not the given matrix (gap "
                        f"{np.linalg.norm(got - want):.3g}). {inst.context}"
                    )
            sv = np.linalg.svd(Ws, compute_uv=False)
            ratio = sv[:, -1] / np.maximum(1.0, sv[:, 0])
            k = int(np.argmin(ratio))
            if ratio[k] <= TOLERANCES["injective_rtol"]:
                fail(
                    f"the join loses rank near s = {ts[k]:.4g} (σ_min/σ_max = {ratio[k]:.3g}): "
                    f"W2(s) = M(s)W(s)⁺ then no longer reproduces M(s). Rescale R on a straight "
                    f"line (its diagonal stays positive) and rotate inside SO(h). {inst.context}"
                )
            steps = np.linalg.norm(np.diff(Ws, axis=0), axis=(1, 2))
            scale = 1.0 + float(np.linalg.norm(Ws, axis=(1, 2)).max())
            j = int(np.argmax(steps))
            if steps[j] > TOLERANCES["jump_fraction"] * scale:
                fail(
                    f"the join jumps between s = {ts[j]:.4g} and {ts[j + 1]:.4g} (step "
                    f"{steps[j]:.3g}): a path must be continuous. {inst.context}"
                )


def test_connect_is_certified(student):
    """The whole path: right ends, every piece certified ≤ max(E_A, E_B), every promise kept."""
    with time_limit(what="test_connect_is_certified"):
        for inst in instances():
            E = inst.energy
            ta = np.concatenate([W.ravel() for W in inst.wa])
            tb = np.concatenate([W.ravel() for W in inst.wb])
            path = _as_path(
                call(
                    "connect",
                    student,
                    [W.copy() for W in inst.wa],
                    [W.copy() for W in inst.wb],
                    context=inst.context,
                ),
                "`connect`",
                inst.context,
            )
            if path.dim != E.dim:
                fail(
                    f"`connect`: the path lives in R^{path.dim}; θ has {E.dim} entries "
                    f"(θ = (vec W1, vec W2)). {inst.context}"
                )
            _check_ends(path, ta, tb, "`connect`", inst.context)
            bound = max(inst.exact_energy(inst.wa), inst.exact_energy(inst.wb))
            pieces = _pieces(path)
            _check_continuity(pieces, "`connect`", inst.context)
            problems = []
            for i, piece in enumerate(pieces):
                problems += _check_piece(E, inst, piece, i, bound, "connect")
            if problems:
                fail("\n".join([*problems, inst.context]))


def test_equal_width_is_refused(student):
    """h = n = m: the hypothesis h > min(n, m) fails and `connect` must say so."""
    with time_limit(what="test_equal_width_is_refused"):
        for seed in instance_seeds(2, salt=1):
            widths = draw(square_widths(min_width=1, max_width=4), seed)
            rng = np.random.default_rng(seed)
            wa, wb = _weights(rng, widths, False), _weights(rng, widths, False)
            context = f"[instance seed {seed}: widths n = h = m = {widths[0]}]"
            fn = getattr(student, "connect", None)
            if not callable(fn):
                fail("your notebook defines no function `connect`")
            try:
                fn(wa, wb)
            except HypothesisError:
                continue
            except NotImplementedError:
                fail(f"`connect` is not written yet (it raises NotImplementedError). {context}")
            except Exception as exc:
                fail(
                    f"`connect` on the equal-width case raised {type(exc).__name__}: {exc}; it "
                    f"must refuse the instance with sublevel.theory.errors.HypothesisError naming the "
                    f"hypothesis h > min(n, m). {context}"
                )
            fail(
                f"`connect` accepted the equal-width case h = n = m = {widths[0]}: the proof "
                f"needs a spare hidden direction (h > min(n, m)) — raise HypothesisError. "
                f"{context}"
            )


def test_descend_reaches_a_global_minimum(student):
    """Every piece certified: E ≤ E(θ), its promise (the last one non-increasing), and the end
    energy equals the closed-form global minimum (reduced-rank regression)."""
    with time_limit(what="test_descend_reaches_a_global_minimum"):
        for inst in instances():
            E = inst.energy
            theta = np.concatenate([W.ravel() for W in inst.wa])
            path = _as_path(
                call(
                    "descend",
                    student,
                    [W.copy() for W in inst.wa],
                    inst.X.copy(),
                    inst.Y.copy(),
                    context=inst.context,
                ),
                "`descend`",
                inst.context,
            )
            if path.dim != E.dim:
                fail(
                    f"`descend`: the path lives in R^{path.dim}; θ has {E.dim} entries. "
                    f"{inst.context}"
                )
            _check_ends(path, theta, theta, "`descend`", inst.context, check_end=False)
            pieces = _pieces(path)
            _check_continuity(pieces, "`descend`", inst.context)
            if pieces[-1].promise != "non-increasing":
                fail(
                    f"`descend`: the last piece's promise is {pieces[-1].promise!r}; the descent "
                    f"promises NON_INCREASING. {inst.context}"
                )
            problems = []
            for i, piece in enumerate(pieces):
                problems += _check_piece(E, inst, piece, i, inst.exact_energy(inst.wa), "descend")
            if problems:
                fail("\n".join([*problems, inst.context]))
            end = array(path.end, (E.dim,), "`descend`: the end point", inst.context)
            e_end, e_star = E.energy(end), E.global_minimum()
            if abs(e_end - e_star) > TOLERANCES["end_rtol"] * max(1.0, abs(e_star)):
                fail(
                    f"`descend` ends at E = {e_end:.10g}, but the global minimum is "
                    f"{e_star:.10g} (reduced-rank regression; here ordinary least squares, "
                    f"P* = (X⁺Y)ᵀ). {inst.context}"
                )
