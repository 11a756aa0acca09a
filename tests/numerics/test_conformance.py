"""Every built-in landscape, path construction and path finder passes the conformance suites,
and the suites catch each kind of non-conforming implementation (a wrong gradient, a batch that
disagrees, randomness, an endpoint that moves, a certificate below the samples, a false
"connected")."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from sublevel.numerics.backends.function import FunctionLandscape
from sublevel.numerics.certify import certify_path
from sublevel.numerics.conformance import (
    ConformanceReport,
    check_landscape,
    check_path,
    check_path_finder,
    check_profile,
    path_finder_problems,
    taylor_slope,
)
from sublevel.numerics.geodesic.baselines import autoneb, bezier_curve, straight_segment
from sublevel.numerics.geodesic.dss import dss
from sublevel.numerics.geodesic.landscapes import ConvexQuadratic, DoubleWell, RingValley
from sublevel.numerics.geodesic.train import Adam
from sublevel.numerics.paths.base import Path, Segment
from sublevel.proofs_checks.registry import CHECKS, load_builtin_checks
from sublevel.theory.certificate import Certificate

HAS_TORCH = importlib.util.find_spec("torch") is not None


def _data(seed: int, n: int = 3, m: int = 2, L: int = 12):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((L, n)), rng.standard_normal((L, m))


def _mlp(activation: str, loss: str = "mse"):
    from sublevel.numerics.energies.mlp import MLPLandscape

    def build(seed: int):
        X, Y = _data(seed, 2, 1)
        return MLPLandscape([2, 4, 1], X, Y, activation=activation, loss=loss)

    return build


def _deep_linear(kappa: float = 0.0, population: bool = False):
    from sublevel.numerics.energies.linear import DeepLinear

    def build(seed: int):
        X, Y = _data(seed)
        if population:
            return DeepLinear.population(
                [3, 4, 2], X.T @ X / 12, X.T @ Y / 12, float((Y**2).sum() / 12), kappa=kappa
            )
        return DeepLinear([3, 4, 5, 2], X, Y, kappa=kappa)

    return build


def _torch_mlp(seed: int):
    import torch
    from sublevel.numerics.backends.torch import TorchLandscape

    torch.manual_seed(seed)
    module = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    X, Y = _data(seed, 2, 1, 10)
    return TorchLandscape(module, "mse", (X, Y))


def _function(seed: int, with_grad: bool):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((3, 3))
    H = A @ A.T + np.eye(3)
    grad = (lambda x: H @ x + np.cos(x)) if with_grad else None
    return FunctionLandscape(lambda x: 0.5 * x @ H @ x + np.sin(x).sum(), 3, grad=grad)


#: name → factory(seed): every built-in landscape (add each family as it lands)
LANDSCAPES = {
    "ConvexQuadratic": lambda s: ConvexQuadratic.random(5, seed=s),
    "DoubleWell": lambda s: DoubleWell.random(3, seed=s),
    "RingValley": lambda s: RingValley(4),
    "FunctionLandscape (analytic grad)": lambda s: _function(s, True),
    "FunctionLandscape (finite differences)": lambda s: _function(s, False),
    "MLPLandscape sigmoid": _mlp("sigmoid"),
    "MLPLandscape tanh": _mlp("tanh"),
    "MLPLandscape relu": _mlp("relu"),
    "MLPLandscape mae": _mlp("sigmoid", "mae"),
    "DeepLinear": _deep_linear(),
    "DeepLinear ridge": _deep_linear(kappa=0.1),
    "DeepLinear population": _deep_linear(population=True),
}
if HAS_TORCH:
    LANDSCAPES["TorchLandscape"] = _torch_mlp


def _counting(seed: int):
    from sublevel.numerics.backends.function import CountingLandscape

    return CountingLandscape(DoubleWell.random(3, seed=seed))


def _adapter(seed: int):
    from sublevel.numerics.backends.function import as_landscape

    return as_landscape(_Raw())  # a user's landscape-like object, made complete


LANDSCAPES["CountingLandscape"] = _counting
LANDSCAPES["LandscapeAdapter"] = _adapter


def _optional(module: str, name: str, build):
    """Landscapes of claim families: included when their module is in the package."""
    if importlib.util.find_spec(module) is not None:
        LANDSCAPES[name] = build


def _two_layer(kind: str, activation: str):
    def build(seed: int):
        from sublevel.numerics.energies.two_layer import EmpiricalTwoLayer
        from sublevel.numerics.energies.two_layer_population import PopulationTwoLayer

        X, Y = _data(seed, 3, 2, 10)
        if kind == "empirical":
            return EmpiricalTwoLayer(activation, X, Y, p=4)
        rng = np.random.default_rng(seed)
        return PopulationTwoLayer(
            activation,
            3,
            4,
            teacher_W=rng.standard_normal((2, 3)),
            teacher_U=rng.standard_normal((2, 2)),
            noise_variance=0.1,
        )

    return build


def _fixed_output(seed: int):
    from sublevel.numerics.energies import two_layer as T

    inner = _two_layer("empirical", "z**2")(seed)
    return T.FixedOutput(inner, np.random.default_rng(seed).standard_normal((inner.m, inner.p)))


def _relu(seed: int):
    from sublevel.numerics.energies.relu import TwoLayerReLU

    X, Y = _data(seed, 3, 2, 10)
    return TwoLayerReLU(X, Y, 4, output_bias=True, l1=0.05)


def _deep_quadratic(seed: int):
    from sublevel.numerics.energies.quadratic_deep import DeepQuadratic

    X, Y = _data(seed, 2, 1, 10)
    return DeepQuadratic(X, Y[:, 0], [3, 2])


def _spin(seed: int):
    from sublevel.numerics.energies.spin_glass import SpinGlass

    return SpinGlass(6, 3, seed)


def _spin_projected(seed: int):
    from sublevel.numerics.energies.spin_glass import SphereProjected, SpinGlass

    return SphereProjected(SpinGlass(6, 3, seed))


_optional("sublevel.numerics.energies.relu", "TwoLayerReLU", _relu)
_optional("sublevel.numerics.energies.quadratic_deep", "DeepQuadratic", _deep_quadratic)
_optional("sublevel.numerics.energies.spin_glass", "SpinGlass", _spin)
_optional("sublevel.numerics.energies.spin_glass", "SphereProjected", _spin_projected)
_optional("sublevel.numerics.energies.two_layer", "TwoLayer FixedOutput", _fixed_output)
for _kind, _module in (("empirical", "two_layer"), ("population", "two_layer_population")):
    for _act in ("z**2", "z**3 - z", "relu(z)"):
        _optional(
            f"sublevel.numerics.energies.{_module}",
            f"TwoLayer {_kind} {_act}",
            _two_layer(_kind, _act),
        )


@pytest.mark.parametrize("name", sorted(LANDSCAPES))
def test_every_builtin_landscape_conforms(name):
    build = LANDSCAPES[name]
    report = check_landscape(build(3), seed=1, rebuild=lambda: build(3), name=name)
    report.raise_if_failed()
    assert report["gradient_taylor_slope"].passed and report["rebuild_deterministic"].passed


def _builders() -> list[str]:
    load_builtin_checks()
    return sorted(cid for cid, c in CHECKS.items() if c.path is not None)


@pytest.mark.parametrize("claim_id", _builders())
def test_every_claim_construction_is_a_conforming_path(claim_id):
    chk = CHECKS[claim_id]
    for seed in (0, 1):
        profile = chk.path(seed, **chk.params())
        check_profile(profile, name=f"{claim_id} (seed {seed})").raise_if_failed()


#: small budgets: below the ridge no bead can reach the level, so every bead spends its budget
_BUDGET = {"max_depth": 4, "optimizer": Adam(lr=0.01, max_steps=300)}
FINDERS = {
    "dss breadth-first": (dss, _BUDGET),
    "dss greedy": (dss, {"variant": "greedy", **_BUDGET}),
    "dss constrained": (dss, {"variant": "constrained", **_BUDGET}),
    "straight segment": (straight_segment, {}),
    "bezier": (bezier_curve, {"steps": 200}),
    "polychain": (bezier_curve, {"kind": "polychain", "steps": 200}),
    "autoneb": (autoneb, {"cycles": 2, "steps_per_cycle": 30}),
}


@pytest.mark.parametrize("name", sorted(FINDERS))
def test_every_builtin_path_finder_conforms(name):
    finder, options = FINDERS[name]
    report = check_path_finder(finder, options=options, name=name)
    report.raise_if_failed()
    assert any(n.endswith("never_claims_a_false_connection") for n in report.names())
    assert report["convex quadratic: connects"].passed


# ---------------------------------------------------------------------------- the suites catch failures


def test_a_wrong_gradient_is_caught_by_slope_and_finite_differences():
    H = np.diag([1.0, 2.0, 3.0])
    good = FunctionLandscape(lambda x: 0.5 * x @ H @ x, 3, grad=lambda x: H @ x)
    bad = FunctionLandscape(lambda x: 0.5 * x @ H @ x, 3, grad=lambda x: 1.1 * (H @ x))
    assert check_landscape(good).ok
    report = check_landscape(bad)
    assert not report.ok
    failed = {c.name for c in report.failures()}
    assert failed == {"gradient_taylor_slope", "gradient_finite_differences"}
    assert abs(report["gradient_taylor_slope"].details["slope"] - 1.0) < 0.1  # r(s) = O(s)
    with pytest.raises(AssertionError, match="gradient_taylor_slope"):
        report.raise_if_failed()
    assert "FAIL gradient_finite_differences" in str(report)


def test_taylor_slope_is_two_for_a_correct_gradient_and_inf_when_affine():
    th, v = np.array([0.3, -0.2]), np.array([0.6, 0.8])
    quad = taylor_slope(
        lambda P: (P**2).sum(1) + np.sin(P[:, 0]),
        th,
        float((th**2).sum() + np.sin(0.3)),
        2 * th + np.array([np.cos(0.3), 0.0]),
        v,
    )
    assert abs(quad["slope"] - 2.0) < 0.05
    affine = taylor_slope(
        lambda P: P @ np.array([1.0, 2.0]), th, float(th @ [1.0, 2.0]), np.array([1.0, 2.0]), v
    )
    assert affine["slope"] == np.inf


class _Raw:
    """A landscape-like object written by a user, broken in configurable ways."""

    dim = 2

    def __init__(
        self,
        *,
        batch_offset: float = 0.0,
        noise: bool = False,
        validate: bool = True,
        polynomial_error: float | None = None,
    ):
        self.batch_offset, self.noise, self.validate = batch_offset, noise, validate
        self.rng = np.random.default_rng(0)
        if polynomial_error is not None:
            self.energy_polynomial = lambda a, b: self._poly(a, b, polynomial_error)

    def _check(self, x):
        x = np.asarray(x, dtype=float)
        if self.validate and (x.shape != (2,) or not np.all(np.isfinite(x))):
            raise ValueError(f"bad point {x}")
        return x

    def energy(self, x):
        x = self._check(x)
        return float(x @ x) + (1e-3 * self.rng.random() if self.noise else 0.0)

    def energies(self, X):
        return np.array([self.energy(x) for x in X]) + self.batch_offset

    def energy_and_grad(self, x):
        x = self._check(x)
        return self.energy(x), 2 * x

    @staticmethod
    def _poly(a, b, err):
        d = b - a
        return [float(a @ a), float(2 * a @ d), float(d @ d) + err]


@pytest.mark.parametrize(
    "raw, failing",
    [
        (_Raw(), set()),
        (_Raw(batch_offset=1e-6), {"batch_matches_pointwise", "batch_of_one"}),
        (_Raw(noise=True), {"deterministic", "energy_and_grad_consistent"}),
        (_Raw(validate=False), {"rejects_bad_input"}),
        (_Raw(polynomial_error=0.5), {"energy_polynomial_matches"}),
    ],
)
def test_non_conforming_landscapes_are_named(raw, failing):
    report = check_landscape(raw, seed=2)
    assert {c.name for c in report.failures()} >= failing
    assert report.ok == (not failing)
    if failing:
        assert not bool(report)


def test_a_non_landscape_fails_the_interface_check():
    report = check_landscape(object())
    assert not report.ok and report.failures()[0].name == "interface"
    assert "not a landscape" in report.failures()[0].message


def _moving_endpoint(landscape, a, b, level, **options):
    result = straight_segment(landscape, a, b, level, **options)
    result.beads = result.beads.copy()
    result.beads[-1] = result.beads[-1] + 1e-12
    return result


def _always_connected(landscape, a, b, level, **options):
    result = straight_segment(landscape, a, b, 1e6, **options)  # certified against a huge bound
    result.level = level
    return result


def _random_beads(landscape, a, b, level, **options):
    rng = np.random.default_rng()  # not seeded: a second run differs
    mid = 0.5 * (a + b) + 1e-3 * rng.standard_normal(a.shape)
    from sublevel.numerics.geodesic.result import StringResult

    beads = np.stack([a, mid, b])
    bound = level
    certs = certify_path(
        landscape, Path([Segment(a, mid), Segment(mid, b)]), bound, check_promises=False
    ).pieces
    return StringResult(
        method="random",
        beads=beads,
        level=level,
        bound=bound,
        connected=all(c.holds for c in certs),
        status="",
        certificates=certs,
        normalized_length=float(
            np.linalg.norm(np.diff(beads, axis=0), axis=1).sum() / np.linalg.norm(b - a)
        ),
        length_on="all parameters",
    )


@pytest.mark.parametrize(
    "finder, failing",
    [
        (_moving_endpoint, "endpoints_fixed"),
        (_always_connected, "never_claims_a_false_connection"),
        (_random_beads, "deterministic"),
    ],
)
def test_non_conforming_path_finders_are_named(finder, failing):
    report = check_path_finder(finder)
    assert not report.ok
    assert any(c.name.endswith(failing) for c in report.failures()), str(report)


def test_check_path_catches_a_certificate_below_the_samples():
    land = ConvexQuadratic(np.eye(2))
    path = Path([Segment([-1.0, 0.0], [1.0, 0.1])])
    honest = certify_path(land, path, 1.0, check_promises=False).pieces
    assert check_path(land, path, certificates=honest, theta_a=[-1.0, 0.0], theta_b=[1.0, 0.1]).ok
    lying = [Certificate(True, 0.1, 0.5, 1.0, "exact", label="lying")]  # true max is 0.505
    report = check_path(land, path, certificates=lying)
    assert {c.name for c in report.failures()} == {
        "certificate_max_at_least_samples",
        "max_at_least_endpoint_max",
    }
    inconsistent = [Certificate(True, 2.0, 0.5, 1.0, "exact", label="holds above its bound")]
    assert not check_path(land, path, certificates=inconsistent)[
        "certificate_verdicts_consistent"
    ].passed


def _rigorous(top: float, *, holds: bool = True, bound: float = 1.0, lo: float | None = None):
    return Certificate(
        holds,
        top,
        0.5,
        bound,
        "rigorous",
        label="rigorous",
        outcome="holds" if holds else "fails",
        max_energy_enclosure=(top if lo is None else lo, top),
    )


def test_no_slack_passes_a_proof_certificate_below_the_samples():
    """The old suite let a proof certificate's maximum sit 1e-9 below the samples; now a sample
    above the proven top by more than the evaluation's rounding fails, and by less is reported
    as within rounding (n/a), never as passed."""
    land = ConvexQuadratic(np.eye(2))
    path = Path([Segment([-1.0, 0.0], [1.0, 0.0])])  # max 0.5 at both ends
    ok = check_path(land, path, certificates=[_rigorous(0.5)])
    assert ok["certificate_max_at_least_samples"].passed is True
    rounding = check_path(land, path, certificates=[_rigorous(0.5 - 2.0**-50)])
    check = rounding["certificate_max_at_least_samples"]
    assert check.passed is None and "within the evaluation's rounding" in check.message
    assert check.details["within_rounding"] == ["rigorous"]
    old_slack = check_path(land, path, certificates=[_rigorous(0.5 - 5e-10)])
    assert old_slack["certificate_max_at_least_samples"].passed is False
    assert old_slack["max_at_least_endpoint_max"].passed is False
    strict = check_path(land, path, certificates=[_rigorous(0.5 - 2.0**-50)], evaluation_rtol=1e-20)
    assert strict["certificate_max_at_least_samples"].passed is False


def test_verdicts_are_checked_against_the_enclosure_without_slack():
    land = ConvexQuadratic(np.eye(2))
    path = Path([Segment([-1.0, 0.0], [1.0, 0.0])])

    def consistent(cert):
        return check_path(land, path, certificates=[cert])["certificate_verdicts_consistent"].passed

    assert consistent(_rigorous(0.5))
    # holds, but the proven lower end of the maximum is above the bound: a contradiction
    assert not consistent(_rigorous(0.5, bound=0.5 - 1e-12, lo=0.5))
    # a proven "fails" whose enclosure is entirely below the bound
    assert not consistent(_rigorous(0.5, holds=False))
    assert consistent(_rigorous(0.5, holds=False, bound=0.25))
    undecided = Certificate(
        False,
        0.5,
        0.5,
        0.5,
        "rigorous",
        outcome="inconclusive",
        max_energy_enclosure=(0.5, 0.5 + 1e-15),
    )
    assert consistent(undecided)


def _proof_with_an_inconclusive_segment(landscape, a, b, level, **options):
    result = straight_segment(landscape, a, b, level, **options)

    class Lying:
        def __getattr__(self, name):
            return getattr(result, name)

        is_proof = True

    fake = Lying()
    undecided = Certificate(
        False,
        level,
        0.5,
        level,
        "rigorous",
        outcome="inconclusive",
        max_energy_enclosure=(level, level + 1e-15),
    )
    object.__setattr__(fake, "certificates", [undecided])
    object.__setattr__(fake, "connected", False)
    return fake


def test_a_proof_claimed_over_an_inconclusive_segment_is_caught():
    report = check_path_finder(_proof_with_an_inconclusive_segment, determinism=False)
    assert any(c.name.endswith("proof_iff_every_certificate_proven") for c in report.failures())


def test_landscape_polynomial_capabilities_are_checked():
    from sublevel.numerics.energies.spin_glass import SpinGlass

    quad = check_landscape(ConvexQuadratic.random(3, seed=0))
    assert quad["energy_polynomial_exact_matches"].passed is True
    assert quad["energy_polynomial_enclosure_matches"].passed is None
    spin = check_landscape(SpinGlass(5, 3, 0))
    assert spin["energy_polynomial_enclosure_matches"].passed is True
    assert spin["energy_polynomial_enclosure_matches"].details["radius"] > 0


def test_the_problem_catalogue_has_known_answers():
    problems = {p.name: p for p in path_finder_problems(seed=4)}
    below = problems["double well below its ridge"]
    well = below.landscape
    assert below.level < well.height  # below the ridge: certified disconnected in closed form
    cert = well.disconnection_certificate(below.theta_a, below.theta_b, below.level)
    assert cert.holds
    for p in problems.values():
        assert max(p.landscape.energy(p.theta_a), p.landscape.energy(p.theta_b)) <= p.level


def test_reports_serialise():
    report = check_landscape(ConvexQuadratic.random(2))
    d = report.to_dict()
    assert d["ok"] and {c["name"] for c in d["checks"]} == set(report.names())
    import json

    json.dumps(d)
    assert isinstance(report, ConformanceReport)
    with pytest.raises(KeyError, match="no check named"):
        report["nonexistent"]


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: check_landscape(ConvexQuadratic.random(2), n_points=0), "n_points = 0"),
        (lambda: check_landscape(ConvexQuadratic.random(2), scale=-1.0), "scale = -1.0"),
        (lambda: check_path(ConvexQuadratic.random(2), [[0.0, 0.0], [1.0, 1.0]]), "not list"),
        (
            lambda: check_path(
                ConvexQuadratic.random(2), Path([Segment([0.0, 0], [1.0, 1])]), n_dense=1
            ),
            "n_dense = 1",
        ),
        (lambda: check_profile(object()), "not a PathProfile"),
        (lambda: check_path_finder("dss"), "is not callable"),
    ],
)
def test_bad_arguments_are_input_errors(call, match):
    from sublevel.theory.errors import InputError

    with pytest.raises(InputError, match=match):
        call()
