"""Exact rational oracle for the two-layer ReLU energy (tests only): no sweep, no numpy
arithmetic — the inputs taken as the rationals their floats are, every operation exact."""

from __future__ import annotations

from fractions import Fraction

from sublevel.numerics.energies.relu import TwoLayerReLU


def exact_energy(land: TwoLayerReLU, a, b, t) -> Fraction:
    """E((1 − t)a + tb) in exact rational arithmetic (an independent oracle: no sweep)."""
    t = Fraction(float(t))
    th = [(1 - t) * Fraction(float(x)) + t * Fraction(float(y)) for x, y in zip(a, b)]
    o = land._offsets
    m, n, k = land.m, land.n, land.k
    W = [th[o[0] + j * n : o[0] + (j + 1) * n] for j in range(m)]
    bias = th[o[1] : o[2]] if land.hidden_bias else [Fraction(0)] * m
    U = [th[o[2] + i * m : o[2] + (i + 1) * m] for i in range(k)]
    c = th[o[3] : o[4]] if land.output_bias else [Fraction(0)] * k
    total = Fraction(0)
    for x, y in zip(land.X, land.Y):
        xf = [Fraction(float(v)) for v in x]
        h = [
            max(Fraction(0), sum((w * v for w, v in zip(W[j], xf)), Fraction(0)) + bias[j])
            for j in range(m)
        ]
        for i in range(k):
            r = sum((U[i][j] * h[j] for j in range(m)), Fraction(0)) + c[i] - Fraction(float(y[i]))
            total += r * r
    return total / land.L + Fraction(land.l1) * sum((abs(u) for row in U for u in row), Fraction(0))
