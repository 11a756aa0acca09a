"""Claim id → check: the functions that turn a seed into Evidence.

A check is registered with :func:`check` (decorator) and, for a theorem, its negative control
with :func:`negative_control`::

    @check("identity.layer-cake", instances=20, n_landscapes=3)
    def layer_cake(seed: int, n_landscapes: int) -> Evidence: ...

    @negative_control("identity.layer-cake")
    def layer_cake_typo(seed: int, n_landscapes: int) -> Evidence: ...

Keyword arguments of ``check`` beyond ``instances`` are the check's default parameters; the
runner passes them (updated by ``--param key=value``) to both functions. A claim may also
register a ``path`` builder used by ``sublevel path ID`` to draw one construction.

Built-in checks live in :mod:`sublevel.proofs_checks.checks` (one module per claim family) and are
discovered automatically; a user's own checks are imported from a plugin module
(``sublevel verify --plugin my_claims.py``).
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sublevel.proofs_checks.evidence import Evidence
from sublevel.theory.claims import CLAIMS, get_claim
from sublevel.theory.errors import InputError

__all__ = [
    "Check",
    "CHECKS",
    "check",
    "negative_control",
    "path_builder",
    "get_check",
    "load_builtin_checks",
    "load_checks",
    "CHECK_MODULES",
    "load_plugin",
    "is_implemented",
]

CheckFn = Callable[..., Evidence]


@dataclass
class Check:
    """The executable side of a claim."""

    claim_id: str
    run: CheckFn
    instances: int = 10
    defaults: dict[str, Any] = field(default_factory=dict)
    negative_control: CheckFn | None = None
    path: Callable[..., Any] | None = None
    module: str = ""

    def params(self, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Default parameters updated by ``overrides`` (unknown names are an error)."""
        merged = dict(self.defaults)
        for key, value in (overrides or {}).items():
            if key not in self.defaults:
                known = ", ".join(sorted(self.defaults)) or "none"
                raise InputError(
                    f"claim {self.claim_id!r} has no parameter {key!r} (its parameters: {known})"
                )
            merged[key] = _coerce(value, self.defaults[key], key)
        return merged


def _coerce(value: Any, default: Any, key: str) -> Any:
    """Convert a ``--param`` string to the type of the default value."""
    if not isinstance(value, str) or isinstance(default, str):
        return value
    try:
        if isinstance(default, bool):
            if value.lower() in ("1", "true", "yes"):
                return True
            if value.lower() in ("0", "false", "no"):
                return False
            raise ValueError(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, (list, tuple)):
            kind = type(default[0]) if default else int
            return [kind(v) for v in value.split(",") if v]
    except ValueError:
        raise InputError(
            f"parameter {key}={value!r} is not a valid {type(default).__name__}"
        ) from None
    return value


CHECKS: dict[str, Check] = {}


def check(claim_id: str, *, instances: int = 10, **defaults: Any) -> Callable[[CheckFn], CheckFn]:
    """Register ``fn(seed, **params) -> Evidence`` as the check of ``claim_id``."""
    if claim_id not in CLAIMS:
        get_claim(claim_id)  # raises with the closest ids
    if not isinstance(instances, int) or instances < 1:
        raise InputError(f"check {claim_id!r}: default instances {instances!r} must be ≥ 1")

    def decorate(fn: CheckFn) -> CheckFn:
        if not callable(fn):
            raise InputError(f"check {claim_id!r} must be callable")
        existing = CHECKS.get(claim_id)
        CHECKS[claim_id] = Check(
            claim_id=claim_id,
            run=fn,
            instances=instances,
            defaults=dict(defaults),
            negative_control=existing.negative_control if existing else None,
            path=existing.path if existing else None,
            module=getattr(fn, "__module__", ""),
        )
        return fn

    return decorate


def _attach(claim_id: str, attribute: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        if claim_id not in CHECKS:
            raise InputError(f"register the check of {claim_id!r} before its {attribute}")
        setattr(CHECKS[claim_id], attribute, fn)
        return fn

    return decorate


def negative_control(claim_id: str) -> Callable[[CheckFn], CheckFn]:
    """Register the negative control of ``claim_id``: same parameters, hypothesis broken."""
    return _attach(claim_id, "negative_control")


def path_builder(claim_id: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn(seed, **params) -> PathProfile`` drawn by ``sublevel path ID``."""
    return _attach(claim_id, "path")


_LOADED = False

#: claim id → the module of :mod:`sublevel.proofs_checks.checks` that registers its check,
#: negative control and path builder (all three live in one module), so that running or
#: drawing one claim imports one module instead of all of them. tests/proofs_checks/
#: test_registry.py keeps it equal to what the modules register.
CHECK_MODULES: dict[str, str] = {
    "lift.multilinear": "liftings",
    "lift.quadratic": "liftings",
    "lift.feature-map": "liftings",
    "identity.layer-cake": "liftings",
    "bf16.prop2.1": "prop21",
    "bf16.prop2.2.linear": "linear",
    "bf16.prop2.2.ridge": "linear_ridge",
    "vbb.finite-dim.p-ge-q": "finite_dim",
    "vbb.finite-dim.p-ge-2q": "finite_dim",
    "vbb.empirical-dim": "empirical_dim",
    "bf16.thm2.4.relu-path": "relu_path",
    "bf16.cor2.5.asymptotic": "relu_path",
    "lbb.multilinear": "linear_minima",
    "kawaguchi16.deep-linear": "linear_minima",
    "lbb.quadratic.2layer": "quadratic_networks",
    "lbb.quadratic.deep": "quadratic_networks",
    "bf16.linear.square-boundary": "square_boundary",
    "bf16.relu.two-unit": "relu_permutations",
    "bf16.relu.permutation": "relu_permutations",
    "vbb.thm13.relu-valley": "relu_valley",
    "bf16.prop2.3.kernel-bounds": "relu_kernel",
    "talk.kawaguchi-statement": "linear_minima",
    "lbb18.energy-barrier": "energy_barrier",
    "abc13.spin-glass": "spin_glass",
    "bf16.dss.convex": "dss_polynomial",
    "bf16.dss.double-well": "dss_polynomial",
    "bf16.dss.cubic": "dss_networks",
    "bf16.dss.real-data": "dss_networks",
    "baseline.bezier": "baselines",
    "baseline.autoneb": "baselines",
    "symmetry.weight-matching": "baselines",
}


def load_checks(claim_ids: Iterable[str]) -> None:
    """Import the built-in modules that register ``claim_ids`` (:data:`CHECK_MODULES`); an id
    missing from the index (a plugin's claim, a new module) loads every built-in module, as
    :func:`load_builtin_checks` does."""
    if _LOADED:
        return
    for cid in claim_ids:
        name = CHECK_MODULES.get(cid)
        if name is None:
            load_builtin_checks()
            return
        importlib.import_module(f"sublevel.proofs_checks.checks.{name}")


def load_builtin_checks() -> None:
    """Import every module of :mod:`sublevel.proofs_checks.checks` (idempotent)."""
    global _LOADED
    if _LOADED:
        return
    package = importlib.import_module("sublevel.proofs_checks.checks")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        importlib.import_module(f"sublevel.proofs_checks.checks.{info.name}")
    _LOADED = True


_PLUGINS: dict[str, Any] = {}


#: the import names of sublevel 0.1, now sub-packages of the one name ``sublevel``
_OLD_TOP_LEVEL = ("theory", "numerics", "proofs_checks")


def _renamed_import(spec: str, exc: BaseException) -> None:
    """One line naming the new import when a plugin still imports a 0.1 top-level name."""
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        top = exc.name.split(".")[0]
        if top in _OLD_TOP_LEVEL:
            raise InputError(
                f"plugin {spec!r} imports {exc.name!r}: since sublevel 0.2 it is "
                f"'sublevel.{exc.name}' (write `from sublevel.{exc.name} import …`)"
            ) from exc


def load_plugin(spec: str) -> Any:
    """Import a user's module of claims and checks, by file path or dotted module name."""
    if spec in _PLUGINS:
        return _PLUGINS[spec]
    path = Path(spec)
    if spec.endswith(".py"):
        if not path.is_file():
            raise InputError(f"plugin file {spec!r} does not exist")
        name = f"sublevel_plugin_{abs(hash(str(path.resolve())))}"
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise InputError(f"plugin {spec!r} cannot be imported")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module
        try:
            module_spec.loader.exec_module(module)
        except InputError:
            raise
        except Exception as exc:
            _renamed_import(spec, exc)
            raise InputError(
                f"plugin {spec!r} failed to import: {type(exc).__name__}: {exc}"
            ) from exc
    else:
        try:
            module = importlib.import_module(spec)
        except ImportError as exc:
            _renamed_import(spec, exc)
            raise InputError(f"plugin module {spec!r} cannot be imported: {exc}") from exc
    _PLUGINS[spec] = module
    return module


def get_check(claim_id: str) -> Check | None:
    """The check of ``claim_id`` (None if the claim exists but is not implemented)."""
    get_claim(claim_id)
    load_checks([claim_id])
    return CHECKS.get(claim_id)


def is_implemented(claim_id: str) -> bool:
    """Whether a check is registered for ``claim_id`` (its built-in module loaded first)."""
    load_checks([claim_id])
    return claim_id in CHECKS
