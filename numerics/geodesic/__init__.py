"""The geodesic solver: Dynamic String Sampling and the field's path finders.

    from sublevel.numerics.geodesic import dss, straight_segment, bezier_curve, autoneb
    result = dss(landscape, theta_a, theta_b, level)      # -> StringResult
    result.connected, result.normalized_length, result.certificates, result.path()

Every finder has the signature ``finder(landscape, theta_a, theta_b, level, **options)`` and
returns a :class:`StringResult`; :func:`sublevel.numerics.conformance.check_path_finder` checks the
invariants on any of them.
"""

from sublevel.numerics.geodesic.alignment import (
    align,
    connect_modulo_symmetry,
    linear_barrier,
    permute_layers,
    weight_matching,
)
from sublevel.numerics.geodesic.baselines import autoneb, bezier_curve, straight_segment
from sublevel.numerics.geodesic.components import (
    BarrierTree,
    Components,
    UnionFind,
    barrier_tree,
    components_at_level,
    plot_components,
)
from sublevel.numerics.geodesic.dss import VARIANTS, dss
from sublevel.numerics.geodesic.landscapes import ConvexQuadratic, DoubleWell, RingValley
from sublevel.numerics.geodesic.result import StringResult, normalized_length
from sublevel.numerics.geodesic.train import Adam, descend

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
    "ConvexQuadratic",
    "DoubleWell",
    "RingValley",
]
