"""Toy energies in closed form (sympy) with exact landscape facts, for BF'16 Prop. 2.1.

Prop. 2.1 (Freeman & Bruna, ICLR 2017; papers.md §3.1): if Ω_u = {E ≤ u} is connected for
every u, every *strict* local minimum is global. The talk drops "strict"; plateaus then give
poor local minima with connected sub-level sets (papers.md §1.5, §9.4).

Every landscape here is decided by one continuous, piecewise-polynomial profile g of one
variable, exactly:

* ``1d``: E(x) = g(x) on R;
* ``fibered``: E(x, y) = g(x) + b(x)(y − c(x))² with b > 0 — Ω_u is fibred over {g ≤ u} by
  intervals, so it is connected iff {g ≤ u} is; minima of E are (x*, c(x*)) for minima x* of g,
  strict iff strict for g (E ≥ g(x) with equality only on y = c(x));
* ``radial``: E(x, y) = g(x² + y²), g on [0, ∞) — Ω_u = {r² ∈ S_u}, a union of disks and
  annuli, connected iff S_u = {s ≥ 0 : g(s) ≤ u} is an interval; a minimum of g at s* > 0 is a
  circle of non-strict minima, a minimum at s = 0 is a strict minimum at the origin.

For g: the real roots of g' on each piece (exact real-root isolation) split the domain into
runs where g is increasing (+), decreasing (−) or constant (0, plateaus). Then Ω_u is
connected for every u iff no + run precedes a − run (g quasiconvex); a − → + change is a strict
local minimum of g; a plateau is a set of non-strict local minima; a value above the global
minimum makes a minimum poor. A disconnection comes with a witness: x_1 < x_m < x_2 and a
rational level u with g(x_1), g(x_2) ≤ u < g(x_m).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import sympy as sp
from sublevel.theory.errors import InputError

__all__ = [
    "Profile",
    "ToyLandscape",
    "ToyFacts",
    "analyse",
    "catalogue",
    "random_polynomial_landscape",
    "plateau_landscape",
]

_X, _Y, _S = sp.symbols("x y s", real=True)
_DIGITS = 60


@dataclass(frozen=True)
class Profile:
    """A continuous piecewise polynomial g: pieces ``(lo, hi, expr in s)`` with rational or
    infinite ends, consecutive, covering (−∞, ∞) or [0, ∞)."""

    pieces: tuple[tuple[Any, Any, sp.Expr], ...]

    def __post_init__(self) -> None:
        if not self.pieces:
            raise InputError("a profile needs at least one piece")
        for (lo, hi, e), nxt in zip(self.pieces, self.pieces[1:] + (None,)):
            if not sp.sympify(lo) < sp.sympify(hi):
                raise InputError(f"profile piece [{lo}, {hi}] is empty")
            try:
                sp.Poly(e, _S)
            except sp.PolynomialError:
                raise InputError(f"profile piece {e} is not a polynomial in s") from None
            if nxt is not None:
                if sp.sympify(hi) != sp.sympify(nxt[0]):
                    raise InputError(f"profile pieces do not meet: {hi} vs {nxt[0]}")
                if sp.simplify(e.subs(_S, hi) - nxt[2].subs(_S, hi)) != 0:
                    raise InputError(f"profile is discontinuous at s = {hi}")

    @property
    def lower(self) -> Any:
        """Left end of the domain (sympy): −∞ for a profile on R, 0 for a radial one on [0, ∞)."""
        return sp.sympify(self.pieces[0][0])

    def value(self, point: Any) -> sp.Expr:
        """g(point) exactly (the piece containing it)."""
        for lo, hi, e in self.pieces:
            if sp.sympify(lo) <= point <= sp.sympify(hi):
                return e.subs(_S, point)
        raise InputError(f"s = {point} is outside the profile's domain")

    def expression(self) -> sp.Expr:
        """g as one sympy expression in s: the single piece, or a ``Piecewise`` switching at each
        piece's right end (the profile is continuous, so the ends' choice does not matter)."""
        if len(self.pieces) == 1:
            return self.pieces[0][2]
        return sp.Piecewise(
            *[(e, _S <= hi) for lo, hi, e in self.pieces[:-1]], (self.pieces[-1][2], True)
        )


@dataclass(frozen=True)
class ToyLandscape:
    """A toy energy: ``kind`` in 1d | fibered | radial, its profile g, and for ``fibered`` the
    fibre coefficients b(x) > 0 and c(x). ``expected`` holds the known answers of a catalogue
    entry (keys of :class:`ToyFacts`)."""

    name: str
    kind: str
    profile: Profile
    b: sp.Expr = sp.Integer(1)
    c: sp.Expr = sp.Integer(0)
    expected: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in ("1d", "fibered", "radial"):
            raise InputError(f"toy landscape kind {self.kind!r} is not one of 1d, fibered, radial")
        if self.kind == "radial" and self.profile.lower != 0:
            raise InputError("a radial profile lives on s ≥ 0")
        if self.kind != "radial" and self.profile.lower != -sp.oo:
            raise InputError(f"a {self.kind} profile lives on the real line")

    @property
    def energy(self) -> sp.Expr:
        """E in closed form (in x, or x and y)."""
        g = self.profile.expression()
        if self.kind == "1d":
            return g.subs(_S, _X)
        if self.kind == "fibered":
            return g.subs(_S, _X) + self.b.subs(_S, _X) * (_Y - self.c.subs(_S, _X)) ** 2
        return g.subs(_S, _X**2 + _Y**2)


@dataclass
class ToyFacts:
    """Exact facts: connected (Ω_u connected ∀u), the strict and non-strict poor local minima
    (location in the profile variable, value, numerically to 15 digits for display), the global
    minimum, and a disconnection witness."""

    connected: bool
    strict_poor_minima: list[dict[str, Any]]
    nonstrict_poor_minima: list[dict[str, Any]]
    global_minimum: sp.Expr
    runs: list[str]
    witness: dict[str, Any] | None = None

    @property
    def has_strict_poor_minimum(self) -> bool:
        """A strict local minimum above the global one — what Prop. 2.1 forbids when every Ω_u
        is connected."""
        return bool(self.strict_poor_minima)

    @property
    def has_poor_minimum(self) -> bool:
        """A strict or non-strict (plateau) local minimum above the global one; the talk's
        version of Prop. 2.1 would forbid these too (papers.md §9.4)."""
        return bool(self.strict_poor_minima or self.nonstrict_poor_minima)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready facts (the global minimum as its sympy string), as a check's details."""
        return {
            "connected": self.connected,
            "strict_poor_minima": self.strict_poor_minima,
            "nonstrict_poor_minima": self.nonstrict_poor_minima,
            "global_minimum": str(self.global_minimum),
            "runs": self.runs,
            "witness": self.witness,
        }


# ------------------------------------------------------------------------------- analysis


def _n(v: Any) -> sp.Float:
    return sp.N(v, _DIGITS)


def _less(a: Any, b: Any) -> bool:
    """a < b for algebraic numbers, exactly: numerically at 20 then 60 digits while the
    difference is not clearly nonzero, then an exact zero test (minimal polynomial z)."""
    diff = a - b
    if diff.is_Rational:
        return bool(diff < 0)
    for digits, tiny in ((20, 1e-12), (_DIGITS, 1e-40)):
        d = sp.N(diff, digits)
        if abs(d) > tiny:
            return bool(d < 0)
    z = sp.Symbol("z")
    if sp.minimal_polynomial(diff, z) == z:
        return False
    raise InputError(f"cannot order {a} and {b} exactly")


def _rational_between(a: Any, b: Any) -> sp.Rational:
    """A rational strictly between a < b (a may be −∞, b may be +∞)."""
    if a == -sp.oo:
        return sp.floor(_n(b)) - 1
    if b == sp.oo:
        return sp.ceiling(_n(a)) + 1
    lo, hi = _n(a), _n(b)
    return sp.nsimplify((lo + hi) / 2, rational=True, tolerance=(hi - lo) / 8)


def _runs(profile: Profile) -> list[tuple[Any, Any, int]]:
    """Maximal runs (left, right, sign of g') with signs merged."""
    runs: list[tuple[Any, Any, int]] = []
    for lo, hi, e in profile.pieces:
        lo, hi = sp.sympify(lo), sp.sympify(hi)
        d = sp.Poly(sp.diff(e, _S), _S)
        if d.is_zero:
            cuts = [lo, hi]
            signs = [0]
        else:
            roots: list[Any] = []
            for r in sp.real_roots(d):
                if (lo == -sp.oo or _less(lo, r)) and (hi == sp.oo or _less(r, hi)):
                    if not roots or roots[-1] != r:
                        roots.append(r)
            cuts = [lo, *roots, hi]
            signs = []
            for a, b in zip(cuts, cuts[1:]):
                v = d.eval(_rational_between(a, b))
                signs.append(1 if v > 0 else -1)
        for a, b, sg in zip(cuts, cuts[1:], signs):
            if runs and runs[-1][2] == sg:
                runs[-1] = (runs[-1][0], b, sg)
            else:
                runs.append((a, b, sg))
    return runs


def _describe(point: Any, value: Any, kind: str) -> dict[str, Any]:
    return {
        "at": str(point),
        "at_numeric": float(_n(point)),
        "value": str(value),
        "value_numeric": float(_n(value)),
        "kind": kind,
    }


def analyse(landscape: ToyLandscape) -> ToyFacts:
    """The exact facts of ``landscape`` (module docstring)."""
    g = landscape.profile
    runs = _runs(g)
    signs = [sg for _, _, sg in runs]
    # global minimum over finite run boundaries (profiles here are coercive: g → ∞ at the ends)
    points = sorted(
        {p for a, b, _ in runs for p in (a, b) if p not in (-sp.oo, sp.oo)},
        key=lambda p: float(_n(p)),
    )
    if not points:
        raise InputError(f"{landscape.name}: a monotone profile has no minimum")
    values = {p: g.value(p) for p in points}
    gmin = values[points[0]]
    for p in points[1:]:
        if _less(values[p], gmin):
            gmin = values[p]
    strict: list[dict[str, Any]] = []
    nonstrict: list[dict[str, Any]] = []
    radial = landscape.kind == "radial"
    if radial and signs[0] == 1:
        v = g.value(runs[0][0])
        if _less(gmin, v):
            strict.append(_describe(runs[0][0], v, "origin"))
    for (_a0, b0, s0), (_a1, _b1, s1) in zip(runs, runs[1:]):
        if s0 == -1 and s1 == 1:
            v = g.value(b0)
            if _less(gmin, v):
                target = nonstrict if (radial and b0 != 0) else strict
                target.append(_describe(b0, v, "circle" if radial else "point"))
    for a, b, sg in runs:
        if sg == 0:
            v = g.value(b)
            if _less(gmin, v):
                nonstrict.append(_describe(_rational_between(a, b), v, "plateau"))
    connected = True
    witness = None
    for i, (a, b, sg) in enumerate(runs):
        if sg != 1:
            continue
        later = [j for j in range(i + 1, len(runs)) if runs[j][2] == -1]
        if later:
            connected = False
            j = later[0]
            x1 = _rational_between(a, b)
            peak = runs[j][0]  # g increases on run i, is flat or increases until run j starts
            x2 = _rational_between(runs[j][0], runs[j][1])
            top = g.value(peak)
            low = max(g.value(x1), g.value(x2), key=lambda v: float(_n(v)))
            u = _rational_between(low, top)
            witness = {
                "x1": str(x1),
                "x_peak": str(peak),
                "x2": str(x2),
                "u": str(u),
                "E_x1": str(g.value(x1)),
                "E_x2": str(g.value(x2)),
                "E_peak_numeric": float(_n(top)),
                "certified": bool(
                    not _less(u, g.value(x1)) and not _less(u, g.value(x2)) and _less(u, top)
                ),
            }
            break
    return ToyFacts(
        connected,
        strict,
        nonstrict,
        gmin,
        [f"[{a}, {b}]: {'+' if s > 0 else '−' if s < 0 else '0'}" for a, b, s in runs],
        witness,
    )


# ------------------------------------------------------------------------------- catalogue


def _poly(expr: Any) -> Profile:
    return Profile(((-sp.oo, sp.oo, sp.sympify(expr)),))


def plateau_landscape(
    level: Any = 1, left: Any = 0, right: Any = 1, width: Any = 1
) -> ToyLandscape:
    """g = level + (s − left)² (s < left), level (left ≤ s ≤ right),
    level·((s − right − width)/width)² (s > right): connected sub-level sets, a plateau of
    non-strict poor local minima at ``level`` > 0 = min g (at s = right + width)."""
    level, left, right, width = (sp.Rational(v) for v in (level, left, right, width))
    if not (level > 0 and right > left and width > 0):
        raise InputError(
            f"plateau needs level > 0, right > left, width > 0; got "
            f"{level}, {left}, {right}, {width}"
        )
    prof = Profile(
        (
            (-sp.oo, left, level + (_S - left) ** 2),
            (left, right, level + 0 * _S),
            (right, sp.oo, level * ((_S - right - width) / width) ** 2),
        )
    )
    return ToyLandscape(
        "plateau (non-strict poor minima)",
        "1d",
        prof,
        expected={"connected": True, "strict_poor": False, "poor": True},
    )


def catalogue() -> list[ToyLandscape]:
    """Energies with known answers (``expected``: connected, strict_poor, poor)."""
    s = _S
    return [
        ToyLandscape(
            "convex quadratic",
            "1d",
            _poly(s**2),
            expected={"connected": True, "strict_poor": False, "poor": False},
        ),
        ToyLandscape(
            "tilted double well",
            "1d",
            _poly(s**4 - 2 * s**2 + s / 2),
            expected={"connected": False, "strict_poor": True, "poor": True},
        ),
        ToyLandscape(
            "symmetric double well",
            "1d",
            _poly(s**4 - 2 * s**2),
            expected={"connected": False, "strict_poor": False, "poor": False},
        ),
        plateau_landscape(),
        ToyLandscape(
            "Rosenbrock",
            "fibered",
            _poly((1 - s) ** 2),
            b=sp.Integer(100),
            c=s**2,
            expected={"connected": True, "strict_poor": False, "poor": False},
        ),
        ToyLandscape(
            "fibred tilted double well",
            "fibered",
            _poly(s**4 - 2 * s**2 + s / 2),
            b=1 + s**2,
            c=s,
            expected={"connected": False, "strict_poor": True, "poor": True},
        ),
        ToyLandscape(
            "Mexican hat",
            "radial",
            Profile(((0, sp.oo, (s - 1) ** 2),)),
            expected={"connected": True, "strict_poor": False, "poor": False},
        ),
        ToyLandscape(
            "radial, poor circle",
            "radial",
            Profile(((0, sp.oo, (s - 1) ** 2 * (s - 3) ** 2 + s / 2),)),
            expected={"connected": False, "strict_poor": False, "poor": True},
        ),
        ToyLandscape(
            "radial, poor origin",
            "radial",
            Profile(((0, sp.oo, 1 + s**3 - 4 * s**2 + 3 * s),)),
            expected={"connected": False, "strict_poor": True, "poor": True},
        ),
    ]


def random_polynomial_landscape(rng: random.Random, *, max_degree: int = 6) -> ToyLandscape:
    """A random coercive polynomial profile of even degree 2..max_degree with positive leading
    coefficient, as a 1d, fibered or radial landscape. Half the draws have random rational
    critical points (g' = c·Π(s − r_i), several wells likely), half random coefficients
    (algebraic critical points)."""
    if max_degree < 2:
        raise InputError(f"max_degree = {max_degree} must be ≥ 2")
    degree = 2 * rng.randint(1, max_degree // 2)
    if rng.random() < 0.5:
        roots = [sp.Rational(rng.randint(-8, 8), rng.randint(1, 3)) for _ in range(degree - 1)]
        g = sp.integrate(sp.Mul(*[(_S - r) for r in roots]) * rng.randint(1, 3), _S)
        g = sp.expand(g + rng.randint(-3, 3))
    else:
        coeffs = [sp.Rational(rng.randint(-6, 6), rng.randint(1, 3)) for _ in range(degree)]
        g = sp.Rational(rng.randint(1, 3)) * _S**degree + sum(
            c * _S**k for k, c in enumerate(coeffs)
        )
    kind = rng.choice(["1d", "fibered", "radial"])
    if kind == "radial":
        return ToyLandscape(f"random radial g = {g}", kind, Profile(((0, sp.oo, g),)))
    if kind == "fibered":
        return ToyLandscape(
            f"random fibred g = {g}",
            kind,
            _poly(g),
            b=1 + _S**2,
            c=sp.Rational(rng.randint(-3, 3)) * _S,
        )
    return ToyLandscape(f"random g = {g}", kind, _poly(g))
