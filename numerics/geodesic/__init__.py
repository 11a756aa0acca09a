"""The geodesic solver: Dynamic String Sampling and the field's path finders.

    from numerics.geodesic import dss, straight_segment, bezier_curve, autoneb
    result = dss(landscape, theta_a, theta_b, level)      # -> StringResult
    result.connected, result.normalized_length, result.certificates, result.path()

Every finder has the signature ``finder(landscape, theta_a, theta_b, level, **options)`` and
returns a :class:`StringResult`; :func:`check_path_finder` checks the invariants on any of them.
"""

from importlib import import_module
from typing import Any

# names are loaded on first use (PEP 562), so that importing one submodule — e.g. the CLI's
# ``numerics.geodesic.dss.VARIANTS`` — does not import all of them
_WHERE = {
    "align": "alignment", "connect_modulo_symmetry": "alignment", "linear_barrier": "alignment",
    "permute_layers": "alignment", "weight_matching": "alignment",
    "autoneb": "baselines", "bezier_curve": "baselines", "straight_segment": "baselines",
    "BarrierTree": "components", "Components": "components", "UnionFind": "components",
    "barrier_tree": "components", "components_at_level": "components",
    "plot_components": "components",
    "PathFinderReport": "conformance", "check_path_finder": "conformance",
    "check_result": "conformance",
    "VARIANTS": "dss", "dss": "dss",
    "ConvexQuadratic": "landscapes", "DoubleWell": "landscapes", "RingValley": "landscapes",
    "StringResult": "result", "normalized_length": "result",
    "Adam": "train", "descend": "train",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(f"numerics.geodesic.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'numerics.geodesic' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "dss",
    "VARIANTS",
    "straight_segment",
    "bezier_curve",
    "autoneb",
    "StringResult",
    "normalized_length",
    "Adam",
    "descend",
    "weight_matching",
    "permute_layers",
    "align",
    "linear_barrier",
    "connect_modulo_symmetry",
    "UnionFind",
    "Components",
    "components_at_level",
    "BarrierTree",
    "barrier_tree",
    "plot_components",
    "check_path_finder",
    "check_result",
    "PathFinderReport",
    "ConvexQuadratic",
    "DoubleWell",
    "RingValley",
]
