"""Foundation benchmarks (issue 2). Prints times and ratios measured in one run.

    python benchmarks/bench_foundation.py

1. certify_polynomial on a degree-12 polynomial (target < 50 ms) vs evaluating the same
   polynomial on a 1,000-point grid with numpy (the ratio says what exactness costs);
2. intrinsic_dimension of a degree-6 polynomial activation in n = 8 (target < 2 s);
3. `sublevel verify` on the foundation's claims at their defaults with 2 workers (target < 30 s).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from timing import best_of


def main() -> None:
    from sublevel.theory.exact import certify_polynomial
    from sublevel.theory.liftings.feature_map import intrinsic_dimension

    rng = np.random.default_rng(0)
    polys = [rng.normal(size=13) for _ in range(10)]
    grid = np.linspace(0.0, 1.0, 1000)
    cert_times = [best_of(lambda c=c: certify_polynomial(c, 10.0), 3) for c in polys]
    grid_time = best_of(
        lambda: [np.polynomial.polynomial.polyval(grid, c) for c in polys], 20
    ) / len(polys)
    med = statistics.median(cert_times)
    print(
        f"certify_polynomial, degree 12 (median of 10 polynomials): {med * 1e3:.2f} ms "
        f"(max {max(cert_times) * 1e3:.2f} ms; target < 50 ms)"
    )
    print(
        f"numpy polyval on a 1,000-point grid: {grid_time * 1e6:.1f} µs; "
        f"ratio exact/grid = {med / grid_time:.0f}×"
    )

    t = best_of(lambda: intrinsic_dimension("(z + 1)**6", 8), 3)
    print(
        f"intrinsic_dimension('(z+1)**6', n=8) = {intrinsic_dimension('(z + 1)**6', 8)} "
        f"in {t:.2f} s (target < 2 s)"
    )

    claims = ["lift.multilinear", "lift.quadratic", "lift.feature-map", "identity.layer-cake"]
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "sublevel.proofs_checks.cli",
                "verify",
                *claims,
                "--workers",
                "2",
                "--out",
                out,
                "--quiet",
            ],
            check=True,
        )
        wall2 = time.perf_counter() - t0
        t0 = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "sublevel.proofs_checks.cli",
                "verify",
                *claims,
                "--workers",
                "1",
                "--out",
                out,
                "--quiet",
            ],
            check=True,
        )
        wall1 = time.perf_counter() - t0
    print(
        f"sublevel verify {' '.join(claims)} (defaults): {wall2:.1f} s with 2 workers, "
        f"{wall1:.1f} s with 1 (ratio {wall1 / wall2:.2f}×; target < 30 s)"
    )


if __name__ == "__main__":
    main()
