"""The landscape conformance suite (:func:`check_landscape`): every invariant of the landscape
protocol (:mod:`sublevel.numerics.landscape`) checked on one landscape, with its evidence.

Energy finite and float; ``energy_and_grad`` agrees with ``energy``; the gradient has shape (D,);
the Taylor remainder r(s) = |E(θ + s v) − E(θ) − s⟨∇E(θ), v⟩| has log-log slope ≈ 2 on its
smallest resolved steps (:func:`taylor_slope`; slope 1 means a wrong gradient — pymanopt's
``check_gradient``); central differences agree with ⟨∇E, v⟩; ``energies`` of a batch (T, D) is
(T,) float64 and equals ``energy`` pointwise; repeated calls (and a rebuilt landscape) are
bitwise identical; a point of the wrong dimension or with a NaN raises ``ValueError``; the
optional polynomial capabilities (``energy_polynomial``, ``energy_polynomial_exact``,
``energy_polynomial_enclosure``) agree with the energy along a segment.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from sublevel.numerics.backends.function import as_landscape
from sublevel.numerics.conformance.report import ConformanceReport
from sublevel.numerics.landscape import as_theta
from sublevel.theory.errors import InputError

__all__ = ["check_landscape", "taylor_slope"]

EPS = float(np.finfo(np.float64).eps)


def _guard(report: ConformanceReport, name: str, fn: Callable[[], None]) -> None:
    """Run one check; an exception inside it is that check's failure, never the suite's."""
    try:
        fn()
    except Exception as exc:  # a conformance suite reports, it does not crash
        report.add(name, False, f"raised {type(exc).__name__}: {exc}")


def taylor_slope(
    energies: Callable[[np.ndarray], np.ndarray],
    theta: np.ndarray,
    e0: float,
    grad: np.ndarray,
    direction: np.ndarray,
    *,
    steps: np.ndarray | None = None,
    window: int = 6,
    noise_factor: float = 1e4,
) -> dict[str, Any]:
    """Slope of log r(s) against log s, r(s) = |E(θ + s v) − E(θ) − s⟨∇E(θ), v⟩|, fitted on
    the ``window`` smallest steps whose remainder is above rounding (r > noise_factor·ε·|E|).

    A correct gradient gives slope ≈ 2 (r = O(s²)); a wrong one slope ≈ 1 as s → 0. When r is
    at rounding level for every step, E is affine along v to machine precision: slope = inf.
    (pymanopt's ``check_gradient`` fits the same remainder; the smallest resolved steps are
    used because far from 0 the curvature can mask a wrong gradient.)
    """
    s = np.logspace(-8, 0, 33) if steps is None else np.asarray(steps, dtype=np.float64)
    pts = theta[None, :] + s[:, None] * direction[None, :]
    values = np.asarray(energies(pts), dtype=np.float64)
    rem = np.abs(values - e0 - s * float(grad @ direction))
    floor = noise_factor * EPS * max(1.0, abs(e0), float(np.max(np.abs(values))))
    resolved = np.flatnonzero(np.isfinite(rem) & (rem > floor))
    if resolved.size == 0:
        return {"slope": math.inf, "steps": s, "remainders": rem, "window": [], "floor": floor}
    idx = resolved[:window] if resolved.size >= 2 else resolved
    if idx.size < 2:
        return {"slope": math.nan, "steps": s, "remainders": rem, "window": idx, "floor": floor}
    slope = float(np.polyfit(np.log(s[idx]), np.log(rem[idx]), 1)[0])
    return {"slope": slope, "steps": s, "remainders": rem, "window": idx, "floor": floor}


def _default_points(land: Any, theta: Any, rng: np.random.Generator, scale: float) -> np.ndarray:
    if theta is not None:
        return as_theta(theta, land.dim)
    init = getattr(land, "init", None)
    if callable(init):
        try:
            return as_theta(init(seed=int(rng.integers(2**31))), land.dim)
        except TypeError:
            pass
    return scale * rng.standard_normal(land.dim)


def check_landscape(
    landscape: Any,
    theta: Any | None = None,
    *,
    seed: int = 0,
    dim: int | None = None,
    n_points: int = 4,
    scale: float = 0.5,
    rebuild: Callable[[], Any] | None = None,
    slope_min: float = 1.8,
    fd_step: float = 1e-6,
    fd_rtol: float = 1e-5,
    batch_rtol: float = 1e-9,
    polynomial_rtol: float = 1e-7,
    name: str | None = None,
) -> ConformanceReport:
    """Run the landscape conformance suite (see the module doc) at ``theta`` (default: the
    landscape's ``init(seed=…)`` when it has one, else a Gaussian point of scale ``scale``).

    ``rebuild`` (optional) constructs the same landscape again from the same seed; the two
    must give bitwise the same energies. Tolerances are named and recorded in the details.
    """
    if isinstance(n_points, bool) or not isinstance(n_points, int) or n_points < 1:
        raise InputError(f"n_points = {n_points!r}: need an integer ≥ 1")
    for label, value in (
        ("scale", scale),
        ("fd_step", fd_step),
        ("fd_rtol", fd_rtol),
        ("batch_rtol", batch_rtol),
        ("polynomial_rtol", polynomial_rtol),
    ):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise InputError(f"{label} = {value!r} must be positive and finite")
    start = time.perf_counter()
    report = ConformanceReport(name or type(landscape).__name__)
    try:
        land = as_landscape(landscape, dim)
    except InputError as exc:
        report.add("interface", False, str(exc))
        return report
    report.add("interface", True, f"dimension {land.dim}", dim=land.dim)
    # the object's own methods where it has them (an adapter would hide their disagreements)
    energy_fn = landscape.energy if hasattr(landscape, "energy") else land.energy
    energies_fn = landscape.energies if hasattr(landscape, "energies") else land.energies
    grad_fn = (
        landscape.energy_and_grad if hasattr(landscape, "energy_and_grad") else land.energy_and_grad
    )
    rng = np.random.default_rng(seed)
    th = _default_points(land, theta, rng, scale)
    D = land.dim
    state: dict[str, Any] = {}

    def energy_finite() -> None:
        e = energy_fn(th)
        state["e"] = float(e)
        ok = isinstance(e, (float, np.floating)) and math.isfinite(float(e))
        report.add("energy_finite", ok, f"E(θ) = {float(e):.6g}", energy=float(e))

    _guard(report, "energy_finite", energy_finite)
    if "e" not in state or not math.isfinite(state["e"]):
        report.wall_time = time.perf_counter() - start
        return report
    e = state["e"]

    def grad_checks() -> None:
        e2, g = grad_fn(th)
        g = np.asarray(g)
        state["g"] = np.asarray(g, dtype=np.float64)
        gap = abs(float(e2) - e)
        report.add(
            "energy_and_grad_consistent",
            gap <= 1e-12 * max(1.0, abs(e)),
            f"|E from energy_and_grad − energy| = {gap:.3g}",
            gap=gap,
            rtol=1e-12,
        )
        ok = g.shape == (D,) and g.dtype == np.float64 and bool(np.all(np.isfinite(g)))
        report.add(
            "grad_shape",
            ok,
            f"shape {g.shape}, dtype {g.dtype}, finite {bool(np.all(np.isfinite(g)))}",
        )

    _guard(report, "energy_and_grad", grad_checks)
    v = rng.standard_normal(D)
    v /= np.linalg.norm(v)

    if "g" in state:
        g = state["g"]

        def taylor() -> None:
            fit = taylor_slope(energies_fn, th, e, g, v)
            slope = fit["slope"]
            ok = bool(slope >= slope_min)  # NaN (not enough resolved steps) fails
            msg = (
                "E is affine along v (remainder at rounding level)"
                if slope == math.inf
                else f"Taylor remainder slope {slope:.3f} (≥ {slope_min} expected; ≈ 1 means a wrong gradient)"
            )
            report.add(
                "gradient_taylor_slope",
                ok,
                msg,
                slope=slope,
                slope_min=slope_min,
                steps=fit["steps"],
                remainders=fit["remainders"],
                window=fit["window"],
            )

        def finite_differences() -> None:
            dirs = rng.standard_normal((3, D))
            dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
            h = fd_step * max(1.0, float(np.max(np.abs(th))))
            pts = np.concatenate([th + h * dirs, th - h * dirs])
            vals = np.asarray(energies_fn(pts), dtype=np.float64)
            fd = (vals[:3] - vals[3:]) / (2 * h)
            an = dirs @ g
            err = np.abs(fd - an) / np.maximum(1.0, np.maximum(np.abs(an), np.linalg.norm(g)))
            worst = float(np.max(err))
            report.add(
                "gradient_finite_differences",
                worst <= fd_rtol,
                f"largest relative error of ⟨∇E, v⟩ against central differences {worst:.3g} "
                f"(≤ {fd_rtol:g})",
                error=worst,
                fd_rtol=fd_rtol,
                step=h,
                directional=an,
                finite_difference=fd,
            )

        _guard(report, "gradient_taylor_slope", taylor)
        _guard(report, "gradient_finite_differences", finite_differences)

    pts = th[None, :] + scale * rng.standard_normal((n_points, D))

    def batch() -> None:
        out = energies_fn(pts)
        arr = np.asarray(out)
        shape_ok = arr.shape == (n_points,) and arr.dtype == np.float64
        report.add(
            "batch_shape",
            shape_ok,
            f"energies of ({n_points}, {D}) has shape {arr.shape}, dtype {arr.dtype}",
        )
        single = np.array([energy_fn(p) for p in pts], dtype=np.float64)
        gap = np.abs(arr.reshape(-1)[:n_points] - single) / np.maximum(1.0, np.abs(single))
        worst = float(np.max(gap))
        report.add(
            "batch_matches_pointwise",
            worst <= batch_rtol,
            f"largest relative gap between energies(Θ) and energy(θ_i) {worst:.3g} (≤ {batch_rtol:g})",
            gap=worst,
            batch_rtol=batch_rtol,
        )
        one = np.asarray(energies_fn(th[None, :]))
        report.add(
            "batch_of_one",
            one.shape == (1,) and abs(float(one[0]) - e) <= batch_rtol * max(1.0, abs(e)),
            f"energies of (1, {D}) has shape {one.shape}",
        )

    def deterministic() -> None:
        e_again = energy_fn(th)
        b1, b2 = np.asarray(energies_fn(pts)), np.asarray(energies_fn(pts))
        ok = e_again == e and np.array_equal(b1, b2)
        if "g" in state:
            ok = ok and np.array_equal(np.asarray(grad_fn(th)[1]), state["g"])
        report.add(
            "deterministic",
            ok,
            "repeated energy, energies and energy_and_grad are bitwise equal"
            if ok
            else "repeated calls gave different values",
        )

    _guard(report, "batch", batch)
    _guard(report, "deterministic", deterministic)

    if rebuild is not None:

        def rebuilt() -> None:
            other = as_landscape(rebuild(), dim)
            same = np.array_equal(np.asarray(other.energies(pts)), np.asarray(energies_fn(pts)))
            report.add(
                "rebuild_deterministic",
                same,
                "a landscape rebuilt from the same seed gives "
                + ("bitwise the same energies" if same else "different energies"),
            )

        _guard(report, "rebuild_deterministic", rebuilt)

    def rejects_bad_input() -> None:
        bad = {
            "wrong dimension": np.zeros(D + 1),
            "NaN entry": np.where(np.arange(D) == 0, np.nan, th),
        }
        accepted = []
        for what, x in bad.items():
            try:
                value = energy_fn(x)
            except ValueError:
                continue
            accepted.append(f"{what} → {value!r}")
        report.add(
            "rejects_bad_input",
            not accepted,
            "a point of the wrong dimension and a NaN entry raise ValueError (InputError)"
            if not accepted
            else "accepted " + "; ".join(accepted),
        )

    _guard(report, "rejects_bad_input", rejects_bad_input)

    poly_fn = getattr(land, "energy_polynomial", None)
    if callable(poly_fn):

        def polynomial() -> None:
            b = th + scale * rng.standard_normal(D)
            poly = poly_fn(th, b)
            if poly is None:  # the contract: None where the energy is not polynomial in t
                report.add(
                    "energy_polynomial_matches",
                    None,
                    "energy_polynomial returned None on a generic segment (not polynomial there)",
                )
                return
            gap = _polynomial_gap(land, poly, th, b)
            report.add(
                "energy_polynomial_matches",
                gap <= polynomial_rtol,
                f"energy_polynomial(a, b) against the energy along the segment: relative gap "
                f"{gap:.3g} (≤ {polynomial_rtol:g})",
                gap=gap,
                polynomial_rtol=polynomial_rtol,
            )

        _guard(report, "energy_polynomial_matches", polynomial)
    else:
        report.add("energy_polynomial_matches", None, "no energy_polynomial (float coefficients)")
    _check_polynomial_capabilities(report, land, th, scale, rng, polynomial_rtol)
    report.wall_time = time.perf_counter() - start
    return report


def _check_polynomial_capabilities(
    report: ConformanceReport,
    land: Any,
    th: np.ndarray,
    scale: float,
    rng: np.random.Generator,
    polynomial_rtol: float,
) -> None:
    """``energy_polynomial_exact`` (rationals; what makes certificates ``exact``) and
    ``energy_polynomial_enclosure`` (float coefficients with radii ≥ 0; ``rigorous``), when
    present, agree with the energy along a segment (the float evaluation, to
    ``polynomial_rtol``)."""
    from sublevel.numerics.certify import energy_polynomial_of

    for name in ("energy_polynomial_exact", "energy_polynomial_enclosure"):
        if not callable(getattr(land, name, None)):
            report.add(f"{name}_matches", None, f"no {name}")
            continue

        def check(name: str = name) -> None:
            b = th + scale * rng.standard_normal(th.size)
            poly = energy_polynomial_of(land, th, b)
            if poly is None or (name.endswith("exact") and poly.kind != "exact"):
                report.add(f"{name}_matches", None, f"{name} returned None on a generic segment")
                return
            radius = float(np.sum(poly.radii)) if poly.radii is not None else 0.0
            gap = _polynomial_gap(land, list(poly.float_coefficients), th, b)
            report.add(
                f"{name}_matches",
                gap <= polynomial_rtol,
                f"{name}(a, b) ({poly.kind}) against the energy along the segment: "
                f"relative gap {gap:.3g} (≤ {polynomial_rtol:g}), radius {radius:.3g}",
                gap=gap,
                radius=radius,
                polynomial_rtol=polynomial_rtol,
            )

        _guard(report, f"{name}_matches", check)


def _polynomial_gap(land: Any, poly: Any, a: np.ndarray, b: np.ndarray, n: int = 33) -> float:
    """Largest |p(t) − E((1 − t)a + tb)| / max(1, |E|) on a grid (and inside every piece)."""
    P = np.polynomial.polynomial
    if isinstance(poly, tuple) and len(poly) == 2:
        breaks = [float(x) for x in poly[0]]
        ts, vals = [], []
        for (lo, hi), coeffs in zip(zip(breaks, breaks[1:]), poly[1]):
            local = np.linspace(lo, hi, 5)[1:-1]
            ts.append(local)
            vals.append(P.polyval(local, np.asarray([float(c) for c in coeffs])))
        t = np.concatenate(ts)
        p = np.concatenate(vals)
    else:
        t = np.linspace(0.0, 1.0, n)
        p = P.polyval(t, np.asarray([float(c) for c in poly], dtype=np.float64))
    pts = (1.0 - t)[:, None] * a[None, :] + t[:, None] * b[None, :]
    e = np.asarray(land.energies(pts), dtype=np.float64)
    return float(np.max(np.abs(p - e) / np.maximum(1.0, np.abs(e))))
