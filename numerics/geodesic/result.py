"""The result object every path finder returns (DSS, straight segment, Bezier, AutoNEB).

Definitions kept by every finder (papers.md §1.6, §9.11, §9.15):

* **level** L0 and **bound**: a path is *connected at the level* when every piece is certified
  ``E ≤ bound`` with ``bound = accept_factor · L0`` (BF'16's code accepts at 1.1·L0 for the
  polynomial tasks; ``accept_factor = 1`` certifies the level itself). The certificates say how:
  exact, rigorous, bounded or sampled. A piece counts as *certified* below the bound only when
  its certificate's ``outcome`` is ``holds`` with a proof method (``Certificate.decided``); an
  ``inconclusive`` piece (within rounding of the bound) is never counted as holding, and a
  sampled one never as a proof: ``connected`` needs every outcome ``holds``, ``is_proof``
  needs that with every certificate decided.
* **normalised length** = Σ_i ‖P(θ_{i+1} − θ_i)‖ / ‖P(θ_B − θ_A)‖ over the polyline of the path,
  where P selects the coordinates named in ``length_on`` ("all" parameters or "weights" only,
  as BF'16's ``SpringNorm``). Curved paths are measured on a fine polyline. Always ≥ 1.
* A finder that does not connect reports ``status = "not connected within depth d"`` (or
  ``"not connected at this budget"``), never "disconnected": failure to find a path is not a
  proof of disconnection. Beads whose training gave non-finite energies are listed in
  ``failed_beads`` with the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sublevel.numerics.paths.base import LE_BOUND, Bezier, Path, Polygonal, Segment
from sublevel.theory.certificate import Certificate, combine
from sublevel.theory.errors import InputError

__all__ = ["StringResult", "normalized_length", "length_mask", "CURVE_POINTS"]

#: points on which a curved path's length is measured (a polyline through them)
CURVE_POINTS = 513


def length_mask(landscape: Any, length_on: Any, dim: int) -> tuple[np.ndarray | None, str]:
    """The coordinate mask for lengths: ``"all"``, ``"weights"`` (the landscape's
    ``weight_mask()``, falling back to all parameters when it has none) or a boolean array."""
    if isinstance(length_on, str):
        if length_on == "all":
            return None, "all parameters"
        if length_on == "weights":
            if hasattr(landscape, "weight_mask"):
                return np.asarray(
                    landscape.weight_mask(), dtype=bool
                ), "weights only (biases excluded)"
            return None, "all parameters (the landscape has no weight mask)"
        raise InputError(f"length_on={length_on!r} must be 'all', 'weights' or a boolean mask")
    mask = np.asarray(length_on, dtype=bool)
    if mask.shape != (dim,) or not mask.any():
        raise InputError(
            f"length mask has shape {mask.shape} with {int(mask.sum())} entries set; "
            f"expected ({dim},) with at least one"
        )
    return mask, f"custom subset of {int(mask.sum())} parameters"


def normalized_length(points: Any, mask: np.ndarray | None = None) -> float:
    """Σ ‖Δ points‖ / ‖last − first‖ on the masked coordinates (inf if the ends coincide)."""
    p = np.asarray(points, dtype=np.float64)
    if mask is not None:
        p = p[:, mask]
    chord = float(np.linalg.norm(p[-1] - p[0]))
    length = float(np.linalg.norm(np.diff(p, axis=0), axis=1).sum())
    return length / chord if chord > 0 else math.inf


@dataclass
class StringResult:
    """A path between two points at a level, with its certificates and the cost of finding it."""

    method: str
    beads: np.ndarray
    level: float
    bound: float
    connected: bool
    status: str
    certificates: list[Certificate]
    normalized_length: float
    length_on: str
    n_energy_evaluations: int = 0
    n_gradient_evaluations: int = 0
    wall_time: float = 0.0
    landscape_time: float = 0.0
    history: list[dict[str, Any]] = field(default_factory=list)
    failed_beads: list[dict[str, Any]] = field(default_factory=list)
    bead_energies: list[float] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    curve: str = "polygonal"  # or "bezier": beads are then control points
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.beads = np.asarray(self.beads, dtype=np.float64)

    # -------------------------------------------------------------- derived quantities
    @property
    def n_beads(self) -> int:
        """The number of beads (points, or Bézier control points when ``curve`` is "bezier")."""
        return int(self.beads.shape[0])

    @property
    def max_energy(self) -> float:
        """Largest energy on the path found by the certificates (an upper bound when bounded)."""
        return max((c.max_energy for c in self.certificates), default=math.nan)

    @property
    def certificate(self) -> Certificate:
        """All pieces' certificates combined (weakest method, worst margin)."""
        return combine(self.certificates, label=f"{self.method} path")

    @property
    def is_proof(self) -> bool:
        """Connected and every piece's outcome ``holds`` with a proof method (exact, rigorous or
        bounded; never ``inconclusive``, never sampled)."""
        return (
            self.connected
            and bool(self.certificates)
            and all(c.decided and c.outcome == "holds" for c in self.certificates)
        )

    @property
    def outcomes(self) -> dict[str, int]:
        """How many pieces hold, fail or are inconclusive (within rounding of the bound)."""
        out = {"holds": 0, "fails": 0, "inconclusive": 0}
        for c in self.certificates:
            out[c.outcome] = out.get(c.outcome, 0) + 1
        return out

    @property
    def methods(self) -> list[str]:
        """The certificate methods used on the pieces (exact, rigorous, bounded, sampled),
        sorted, each once."""
        return sorted({c.method for c in self.certificates})

    def pieces(self) -> list[Any]:
        """The path's pieces, each promised ``≤ bound``: one segment per consecutive pair of
        beads, or one Bézier piece with the beads as control points."""
        if self.curve == "bezier":
            return [Bezier(self.beads, label=f"{self.method} curve", promise=LE_BOUND)]
        return [
            Segment(a, b, label=f"{self.method} segment {i}", promise=LE_BOUND)
            for i, (a, b) in enumerate(zip(self.beads[:-1], self.beads[1:]))
        ]

    def path(self) -> Path:
        """The path as a :class:`~sublevel.numerics.paths.base.Path` (one piece per segment, or one
        Bezier piece)."""
        return Path(self.pieces())

    def polyline(self, n: int = CURVE_POINTS) -> np.ndarray:
        """Points along the path: the beads for a polygonal path, ``n`` points of a curve."""
        if self.curve == "bezier":
            return Bezier(self.beads).points(np.linspace(0.0, 1.0, n))
        return self.beads

    def polygonal(self) -> Polygonal:
        """The :meth:`polyline` as one :class:`Polygonal` piece (point j at t = j/(B − 1))."""
        return Polygonal(self.polyline(), label=self.method)

    def summary(self) -> dict[str, Any]:
        """One row of a comparison table."""
        return {
            "method": self.method,
            "level": self.level,
            "bound": self.bound,
            "connected": self.connected,
            "status": self.status,
            "beads": self.n_beads,
            "max_energy": self.max_energy,
            "normalized_length": self.normalized_length,
            "length_on": self.length_on,
            "certificate_methods": self.methods,
            "certificate_outcomes": self.outcomes,
            "proof": self.is_proof,
            "energy_evaluations": self.n_energy_evaluations,
            "gradient_evaluations": self.n_gradient_evaluations,
            "wall_time": self.wall_time,
        }

    def to_dict(self, *, with_beads: bool = False) -> dict[str, Any]:
        """JSON form: the :meth:`summary` row plus every certificate, the history, failed
        beads, bead energies, parameters and timings; the beads themselves only with
        ``with_beads``; non-finite ``max_energy``/``normalized_length`` as strings."""
        d = self.summary()
        d.update(
            {
                "certificates": [c.to_dict() for c in self.certificates],
                "history": self.history,
                "failed_beads": self.failed_beads,
                "bead_energies": [float(e) for e in self.bead_energies],
                "params": self.params,
                "curve": self.curve,
                "info": self.info,
                "landscape_time": self.landscape_time,
            }
        )
        if with_beads:
            d["beads"] = self.beads.tolist()
        for k in ("max_energy", "normalized_length"):
            if isinstance(d[k], float) and not math.isfinite(d[k]):
                d[k] = str(d[k])
        return d
