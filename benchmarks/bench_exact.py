"""The exact decision procedure (issue 11). Prints times and ratios measured in one run.

    python benchmarks/bench_exact.py [--repeats 5]

1. ``certify_polynomial`` (decision, maximum, argmax, enclosure) on degree-12 polynomials with
   random rational coefficients (target ≤ 2 ms median) and with random float coefficients;
2. the same decision with sympy's root isolation (``Poly.intervals`` on the square-free part,
   sign on every gap, then the maximum from the real roots of p′ refined to 2⁻⁸⁰), the engine
   used before python-flint: the ratio says what FLINT/Arb buys;
3. the hard case: the bound equal to the true maximum (a double root of b − p inside), where the
   enclosure cannot decide and the exact gap test runs.
"""

from __future__ import annotations

import argparse
import statistics
from fractions import Fraction

import numpy as np
import sympy as sp
from sublevel.theory.exact import certify_polynomial
from timing import best_of

T = sp.Symbol("t")


def sympy_certify(coeffs: list[Fraction], bound: Fraction) -> bool:
    """The baseline: exact decision and maximum with sympy alone."""
    p = sp.Poly(list(reversed([sp.Rational(c.numerator, c.denominator) for c in coeffs])), T)
    q = sp.Poly(sp.Rational(bound.numerator, bound.denominator), T) - p
    a, b = sp.Integer(0), sp.Integer(1)
    ok = q.eval(a) >= 0 and q.eval(b) >= 0
    if ok and q.degree() > 0:
        ivs = sorted(
            (sp.Rational(x), sp.Rational(y))
            for (x, y), _m in q.intervals(inf=a, sup=b, eps=sp.Rational(1, 2**40))
        )
        edges = [a] + [e for iv in ivs for e in iv] + [b]
        ok = all(
            q.eval((edges[k] + edges[k + 1]) / 2) >= 0
            for k in range(0, len(edges) - 1, 2)
            if edges[k] < edges[k + 1]
        )
    dp = p.diff(T)
    best = max(p.eval(a), p.eval(b))
    if dp.degree() > 0:
        for (x, y), _m in dp.intervals(inf=a, sup=b, eps=sp.Rational(1, 2**80)):
            best = max(best, p.eval((sp.Rational(x) + sp.Rational(y)) / 2))
    return bool(ok)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--polynomials", type=int, default=20)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rational = [
        [Fraction(int(rng.integers(-1000, 1000)), int(rng.integers(1, 1000))) for _ in range(13)]
        for _ in range(args.polynomials)
    ]
    floats = [list(rng.normal(size=13)) for _ in range(args.polynomials)]
    bound = Fraction(3)

    t_rat = [best_of(lambda c=c: certify_polynomial(c, bound), args.repeats) for c in rational]
    t_flt = [best_of(lambda c=c: certify_polynomial(c, 3.0), args.repeats) for c in floats]
    t_sym = [best_of(lambda c=c: sympy_certify(c, bound), 1) for c in rational[:5]]
    for c in rational[:5]:
        assert certify_polynomial(c, bound).holds is sympy_certify(c, bound)
    med_rat, med_flt, med_sym = (statistics.median(x) for x in (t_rat, t_flt, t_sym))
    print(
        f"certify_polynomial, degree 12, rational coefficients: median {med_rat * 1e3:.2f} ms "
        f"(max {max(t_rat) * 1e3:.2f} ms; target ≤ 2 ms)"
    )
    print(
        f"certify_polynomial, degree 12, float coefficients:    median {med_flt * 1e3:.2f} ms "
        f"(max {max(t_flt) * 1e3:.2f} ms)"
    )
    print(
        f"sympy root isolation (the previous engine), same rational polynomials: median "
        f"{med_sym * 1e3:.1f} ms → FLINT is {med_sym / med_rat:.1f}× faster"
    )

    # the bound equal to the true maximum: b − p = (t − 1/3)²(1 + t²)·s(t)
    touching = []
    for _ in range(args.polynomials):
        s = [Fraction(int(rng.integers(1, 50)), int(rng.integers(1, 50))) for _ in range(9)]
        s[0] += 100  # s > 0 on [0, 1]
        q = np.polynomial.polynomial.polymul(
            np.polynomial.polynomial.polymul(
                np.array([Fraction(1, 9), Fraction(-2, 3), 1], dtype=object),
                np.array([1, 0, 1], dtype=object),
            ),
            np.array(s, dtype=object),
        )
        touching.append([-c for c in q])
    t_touch = [best_of(lambda c=c: certify_polynomial(c, 0), args.repeats) for c in touching]
    assert all(certify_polynomial(c, 0).holds for c in touching)
    print(
        f"bound = the true maximum (touching double root), degree 12: median "
        f"{statistics.median(t_touch) * 1e3:.2f} ms (the exact gap test decides)"
    )


if __name__ == "__main__":
    main()
