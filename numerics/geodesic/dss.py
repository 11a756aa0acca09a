"""Dynamic String Sampling (Freeman & Bruna, ICLR 2017, §3 and App. A; papers.md §5).

``dss(landscape, theta_a, theta_b, level)`` looks for a polygonal path of beads
θ_A = θ_0, θ_1, …, θ_k = θ_B inside the sub-level set at L0 = ``level``:

* **breadth-first** (default; what BF'16's code does, §5.2): the string starts as
  [θ_A, m, θ_B] with m trained from the midpoint; every round certifies each new segment and
  inserts a trained bead at t* (0.5, or the segment's argmax) in *every* failing segment; it
  stops when every segment holds ("connected") or after ``max_depth`` rounds;
* **greedy** (Algorithm 1, §5.1): the same recursion processed depth first — the leftmost failing
  segment is split until it holds or reaches ``max_depth``, then the next (the pseudo-code's
  early return, which never refines the second half, is not copied);
* **constrained** (App. A and the talk, §5.4): a new bead between neighbours θ_l, θ_r starts at
  θ_m = (θ_l + θ_r)/2 and approximates θ3 = argmin{‖θ − θ_m‖ : θ ∈ H, E(θ) ≤ u0} on the
  bisecting hyperplane H = {⟨θ − θ_m, θ_r − θ_l⟩ = 0}: Adam with the gradient projected onto H
  until E ≤ u0, then the closest point to θ_m on the segment [θ_m, θ] with E ≤ u0 (a grid of
  ``pullback_grid`` points; H is affine so the point stays on H).

A bead is trained ("projected", BF'16 §5.1 — plain descent from the interpolant, no proximity
term) until E ≤ ``train_factor``·L0. A segment is accepted when its certificate's outcome is
``holds`` for E ≤ ``accept_factor``·L0 on the whole segment, with the best method the landscape
supports (:func:`sublevel.numerics.certify.certify_piece`: the landscape's ``certify_segment``, an exact
or enclosed polynomial energy — ``exact``/``rigorous`` — otherwise a grid of ``n_interp`` + 1
points refined by golden-section search around the maxima, labelled ``sampled``, never a proof).
A segment whose certificate is ``inconclusive`` (within rounding of the bound) is never
accepted: it is refined like a failing one, and reported in the status if it stays so. BF'16's
constants: train 0.95, accept 1.1, 100 points, depth 10, t* = 0.5 (polynomial tasks); 0.98,
1.02, 20 points (MNIST).

Failure is reported as "not connected within depth d" — never "disconnected" (§9.15). A bead
whose training meets a non-finite energy is marked failed with the reason, its segments are not
refined further, and the run continues. With ``checkpoint=FILE`` the state is written after
every round and a later call with the same arguments resumes from it.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import time
from pathlib import Path as FsPath
from typing import Any

import numpy as np
from sublevel.numerics.backends.function import CountingLandscape
from sublevel.numerics.certify import certify_piece
from sublevel.numerics.geodesic.result import StringResult, length_mask, normalized_length
from sublevel.numerics.geodesic.train import Adam, descend
from sublevel.numerics.landscape import as_theta
from sublevel.numerics.paths.base import LE_BOUND, Segment
from sublevel.theory.certificate import Certificate
from sublevel.theory.errors import InputError

__all__ = ["dss", "VARIANTS", "prepare_endpoints"]

VARIANTS = ("breadth-first", "greedy", "constrained")
MIDPOINTS = ("half", "argmax")
CERTIFY = ("auto", "exact", "rigorous", "sampled")


def prepare_endpoints(
    land: Any,
    theta_a: Any,
    theta_b: Any,
    level: float,
    *,
    train_endpoints: bool = False,
    target: float | None = None,
    optimizer: Adam | None = None,
) -> tuple[np.ndarray, np.ndarray, float, float, int]:
    """Validate the endpoints (dimension, finiteness, distinct, below the level); train those
    above the level to ``target`` when ``train_endpoints``. Returns (a, b, E_a, E_b, grads)."""
    if not (isinstance(level, (int, float, np.floating, np.integer)) and math.isfinite(level)):
        raise InputError(f"level {level!r} is not a finite number")
    a = as_theta(theta_a, land.dim, name="theta_a")
    b = as_theta(theta_b, land.dim, name="theta_b")
    if np.array_equal(a, b):
        raise InputError("theta_a and theta_b are equal: there is nothing to connect")
    grads, out = 0, []
    for name, th in (("theta_a", a), ("theta_b", b)):
        e = float(land.energy(th))
        if not math.isfinite(e):
            raise InputError(f"{name} has non-finite energy {e}")
        if e > level:
            if not train_endpoints:
                raise InputError(
                    f"{name} has energy {e:.6g} above the level {level:.6g}; "
                    "pass train_endpoints=True to train it below first"
                )
            res = descend(land, th, level if target is None else target, optimizer=optimizer)
            grads += res.gradient_evaluations
            if not res.converged:
                raise InputError(
                    f"{name} could not be trained below the level {level:.6g}: {res.reason}"
                )
            th, e = res.theta, res.energy
        out.append((th, e))
    (a, ea), (b, eb) = out
    if np.array_equal(a, b):
        raise InputError("theta_a and theta_b are equal after training: nothing to connect")
    return a, b, ea, eb, grads


def _fail_cert(bound: float, reason: str, label: str) -> Certificate:
    return Certificate(
        False,
        math.inf,
        0.5,
        float(bound),
        "sampled",
        label=label,
        promise=LE_BOUND,
        details={"reason": reason},
    )


class _Run:
    """The mutable state of one DSS run (beads, segment certificates, depths) and its steps."""

    def __init__(
        self,
        land: CountingLandscape,
        a: np.ndarray,
        b: np.ndarray,
        level: float,
        p: dict[str, Any],
        optimizer: Adam,
        objective: Any,
    ):
        self.land, self.level, self.p, self.optimizer, self.objective = (
            land,
            level,
            p,
            optimizer,
            objective,
        )
        self.bound = p["accept_factor"] * level
        self.target = p["train_factor"] * level
        self.beads: list[np.ndarray] = [a, b]
        self.info: list[dict[str, Any]] = [{"status": "endpoint"}, {"status": "endpoint"}]
        self.certs: list[Certificate | None] = [None]
        self.depth: list[int] = [0]
        self.blocked: list[str | None] = [None]
        self.history: list[dict[str, Any]] = []
        self.round = 0
        self.extra_grads = 0
        self.previous: dict[str, float] = {"energy": 0, "grad": 0, "seconds": 0.0, "wall": 0.0}

    # ------------------------------------------------------------------ segment certificates
    def certify(self, i: int) -> Certificate:
        label = f"segment {i}"
        blocked = self.blocked[i]
        if blocked:
            return _fail_cert(self.bound, blocked, label)
        seg = Segment(self.beads[i], self.beads[i + 1], label=label, promise=LE_BOUND)
        proof = self.p["certify"] in ("exact", "rigorous")
        opts = {} if proof else {"n_grid": self.p["n_interp"] + 1, **self.p["certify_options"]}
        try:
            # "rigorous" accepts an exact certificate too (the stronger proof)
            method = "auto" if self.p["certify"] == "rigorous" else self.p["certify"]
            cert = certify_piece(self.land, seg, self.bound, method=method, **opts)
            if proof and not cert.is_proof:
                raise InputError(
                    f"{label}: the landscape gives no {self.p['certify']} "
                    f"certificate (got {cert.method})"
                )
        except (
            InputError,
            ValueError,
            FloatingPointError,
            ZeroDivisionError,
            OverflowError,
        ) as exc:
            if proof:
                raise
            return _fail_cert(self.bound, f"certificate failed: {exc}", label)
        return cert

    def certify_pending(self) -> None:
        for i, c in enumerate(self.certs):
            if c is None:
                self.certs[i] = self.certify(i)

    # ------------------------------------------------------------------ bead insertion
    def split(self, i: int) -> None:
        a, b = self.beads[i], self.beads[i + 1]
        if self.p["midpoint"] == "argmax" and self.p["variant"] != "constrained":
            cert = self.certs[i]
            if cert is None:
                cert = self.certs[i] = self.certify(i)
            lo = 1.0 / self.p["n_interp"]
            t = float(np.clip(cert.argmax_t, lo, 1.0 - lo))
        else:
            t = 0.5
        start = a + t * (b - a)
        if self.p["variant"] == "constrained":
            bead, info = self._constrained(a, b, start)
        else:
            res = descend(
                self.land, start, self.target, optimizer=self.optimizer, objective=self.objective
            )
            bead, info = (
                res.theta,
                {
                    "status": "trained" if res.converged else "unconverged",
                    "steps": res.steps,
                    "energy": res.energy,
                    "reason": res.reason,
                },
            )
        info["t"] = t
        info["depth"] = self.depth[i] + 1
        reason = None
        if not np.all(np.isfinite(bead)) or not math.isfinite(info.get("energy", 0.0)):
            reason = (
                f"bead inserted at depth {info['depth']} failed: {info.get('reason', 'non-finite')}"
            )
            info["status"] = "failed"
            info["reason"] = reason
            bead = start  # keep a finite placeholder; its segments are not refined further
        d = self.depth[i] + 1
        self.beads.insert(i + 1, np.asarray(bead, dtype=np.float64))
        self.info.insert(i + 1, info)
        self.certs[i : i + 1] = [None, None]
        self.depth[i : i + 1] = [d, d]
        self.blocked[i : i + 1] = [reason, reason]

    def _constrained(
        self, a: np.ndarray, b: np.ndarray, mid: np.ndarray
    ) -> tuple[np.ndarray, dict[str, Any]]:
        e = (b - a) / np.linalg.norm(b - a)
        res = descend(
            self.land,
            mid,
            self.target,
            optimizer=self.optimizer,
            objective=self.objective,
            project=lambda g: g - float(g @ e) * e,
        )
        info: dict[str, Any] = {
            "status": "trained" if res.converged else "unconverged",
            "steps": res.steps,
            "energy": res.energy,
            "reason": res.reason,
        }
        if not res.converged or not np.all(np.isfinite(res.theta)):
            return res.theta, info
        s = np.linspace(0.0, 1.0, self.p["pullback_grid"])
        pts = mid[None, :] + s[:, None] * (res.theta - mid)[None, :]
        es = np.asarray(self.land.energies(pts))
        ok = np.flatnonzero(np.isfinite(es) & (es <= self.target))
        k = int(ok[0]) if ok.size else s.size - 1
        info.update(
            energy=float(es[k]),
            pullback=float(s[k]),
            distance_to_midpoint=float(np.linalg.norm(pts[k] - mid)),
            off_hyperplane=float(abs((pts[k] - mid) @ e)),
        )
        return pts[k], info

    # ------------------------------------------------------------------ bookkeeping
    def failing(self) -> list[int]:
        """Segments not accepted: outcome ``fails`` or ``inconclusive`` (never counted as
        holding)."""
        return [i for i, c in enumerate(self.certs) if c is not None and c.outcome != "holds"]

    def splittable(self) -> list[int]:
        return [
            i for i in self.failing() if not self.blocked[i] and self.depth[i] < self.p["max_depth"]
        ]

    def record(self) -> None:
        certs = [c for c in self.certs if c is not None]
        self.history.append(
            {
                "round": self.round,
                "depth": max(self.depth),
                "beads": len(self.beads),
                "failing_segments": len(self.failing()),
                "max_energy": max((c.max_energy for c in certs), default=math.nan),
                "energy_evaluations": self.land.n_energy + int(self.previous["energy"]),
                "gradient_evaluations": self.land.n_grad + int(self.previous["grad"]),
            }
        )

    # ------------------------------------------------------------------ checkpoint
    def signature(self, a: np.ndarray, b: np.ndarray) -> str:
        h = hashlib.sha256()
        h.update(np.ascontiguousarray(a).tobytes())
        h.update(np.ascontiguousarray(b).tobytes())
        h.update(json.dumps({"level": self.level, **self.p}, sort_keys=True, default=str).encode())
        return h.hexdigest()

    def save(self, file: FsPath, signature: str, wall: float) -> None:
        state = {
            "signature": signature,
            "round": self.round,
            "depth": self.depth,
            "blocked": self.blocked,
            "info": self.info,
            "history": self.history,
            "certs": [None if c is None else c.to_dict() for c in self.certs],
            "counts": {
                "energy": self.land.n_energy + self.previous["energy"],
                "grad": self.land.n_grad + self.previous["grad"],
                "seconds": self.land.seconds + self.previous["seconds"],
                "wall": wall + self.previous["wall"],
                "extra_grads": self.extra_grads,
            },
        }
        buf = io.BytesIO()
        np.savez(
            buf, beads=np.stack(self.beads), state=np.array(json.dumps(state, default=_jsonable))
        )
        tmp = file.with_name(file.name + ".tmp")
        tmp.write_bytes(buf.getvalue())
        os.replace(tmp, file)

    def load(self, file: FsPath, signature: str) -> None:
        try:
            with np.load(file, allow_pickle=False) as data:
                beads = data["beads"]
                state = json.loads(str(data["state"]))
        except (OSError, ValueError, KeyError) as exc:
            raise InputError(f"checkpoint {str(file)!r} cannot be read: {exc}") from None
        if state.get("signature") != signature:
            raise InputError(
                f"checkpoint {str(file)!r} was written for other endpoints, level or "
                "parameters; remove it or pass resume=False"
            )
        self.beads = [np.array(x) for x in beads]
        self.round, self.depth, self.blocked = state["round"], state["depth"], state["blocked"]
        self.info, self.history = state["info"], state["history"]
        self.certs = [None if c is None else Certificate.from_dict(c) for c in state["certs"]]
        counts = state["counts"]
        self.previous = {
            "energy": counts["energy"],
            "grad": counts["grad"],
            "seconds": counts["seconds"],
            "wall": counts["wall"],
        }
        self.extra_grads = counts.get("extra_grads", 0)


def _certify_options(options: dict[str, Any] | None) -> dict[str, Any]:
    allowed = {"refine", "xtol"}
    opts = dict(options or {})
    bad = sorted(set(opts) - allowed)
    if bad:
        raise InputError(f"certify_options {bad} not understood; allowed: {sorted(allowed)}")
    return opts


def _landscape_info(landscape: Any) -> dict[str, Any]:
    """What a result must say about its landscape: type, name, and its own ``info`` (data
    subset, device, BatchNorm option for torch landscapes)."""
    out = {"type": type(landscape).__name__, "dim": int(landscape.dim)}
    if getattr(landscape, "name", None):
        out["name"] = landscape.name
    if isinstance(getattr(landscape, "info", None), dict):
        out.update(landscape.info)
    return out


def _jsonable(x: Any) -> Any:
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    return str(x)


def dss(
    landscape: Any,
    theta_a: Any,
    theta_b: Any,
    level: float,
    *,
    variant: str = "breadth-first",
    train_factor: float = 0.95,
    accept_factor: float = 1.1,
    max_depth: int = 10,
    midpoint: str = "half",
    n_interp: int = 100,
    certify: str = "auto",
    optimizer: Adam | None = None,
    objective: Any | None = None,
    length_on: Any = "all",
    train_endpoints: bool = False,
    max_beads: int = 1025,
    pullback_grid: int = 33,
    certify_options: dict[str, Any] | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    resume: bool = True,
) -> StringResult:
    """Connect θ_A and θ_B inside {E ≤ level} by Dynamic String Sampling (see the module doc).

    Returns a :class:`StringResult`: beads, ``connected``, one certificate per segment (bound
    ``accept_factor``·level), normalised length on ``length_on`` ("all", "weights" or a mask),
    evaluations, wall time, history per round, failed beads, and every constant in ``params``.
    ``certify_options`` go to the sampled certificate (e.g. ``{"refine": 1, "xtol": 1e-4}``
    for an expensive landscape: fewer golden-section evaluations). ``certify``: "auto" (the
    best the landscape supports), "exact" or "rigorous" (a proof method asked for: raise when
    the landscape cannot give one), "sampled".

    >>> from sublevel.numerics.geodesic.landscapes import ConvexQuadratic
    >>> import numpy as np
    >>> res = dss(ConvexQuadratic(np.eye(2)), [1.0, 0.0], [-1.0, 0.0], 1.0)
    >>> res.connected, res.is_proof                    # a convex bowl: one certified segment
    (True, True)
    """
    start = time.perf_counter()
    if variant not in VARIANTS:
        raise InputError(f"variant {variant!r} is not one of {', '.join(VARIANTS)}")
    if midpoint not in MIDPOINTS:
        raise InputError(f"midpoint {midpoint!r} is not one of {', '.join(MIDPOINTS)}")
    if certify not in CERTIFY:
        raise InputError(f"certify {certify!r} is not one of {', '.join(CERTIFY)}")
    for name, v in (
        ("max_depth", max_depth),
        ("n_interp", n_interp),
        ("max_beads", max_beads),
        ("pullback_grid", pullback_grid),
    ):
        if not isinstance(v, (int, np.integer)) or v < (2 if name != "max_depth" else 1):
            raise InputError(
                f"{name} = {v!r} must be an integer ≥ {2 if name != 'max_depth' else 1}"
            )
    if not (0 < train_factor <= accept_factor and math.isfinite(accept_factor)):
        raise InputError(
            f"need 0 < train_factor ({train_factor}) ≤ accept_factor ({accept_factor})"
        )
    if level <= 0 and (train_factor != 1 or accept_factor != 1):
        raise InputError(
            f"level {level} ≤ 0: the factors scale the level, use train_factor = "
            "accept_factor = 1 or shift the energy to be positive"
        )
    optimizer = optimizer or Adam()
    land = CountingLandscape(landscape)
    a, b, ea, eb, endpoint_grads = prepare_endpoints(
        land,
        theta_a,
        theta_b,
        level,
        train_endpoints=train_endpoints,
        target=train_factor * level,
        optimizer=optimizer,
    )
    mask, mask_text = length_mask(land, length_on, land.dim)
    p = {
        "variant": variant,
        "train_factor": float(train_factor),
        "accept_factor": float(accept_factor),
        "max_depth": int(max_depth),
        "midpoint": midpoint,
        "n_interp": int(n_interp),
        "certify": certify,
        "max_beads": int(max_beads),
        "pullback_grid": int(pullback_grid),
        "optimizer": optimizer.to_dict(),
        "length_on": mask_text,
        "objective": None if objective is None else type(objective).__name__,
        "certify_options": _certify_options(certify_options),
    }
    run = _Run(land, a, b, float(level), p, optimizer, objective)
    run.extra_grads = endpoint_grads
    file = FsPath(checkpoint) if checkpoint is not None else None
    signature = run.signature(a, b)
    resumed = False
    if file is not None and resume and file.exists():
        run.load(file, signature)
        resumed = True
    if run.round == 0:
        run.split(0)  # BF'16's code: the string starts as [θ_A, midpoint bead, θ_B]
        run.round = 1
    stop = ""
    while True:
        run.certify_pending()
        run.record()
        if file is not None:
            run.save(file, signature, time.perf_counter() - start)
        if not run.failing():
            break
        todo = run.splittable()
        if not todo:
            break
        if variant == "greedy":
            todo = todo[:1]
        if len(run.beads) + len(todo) > max_beads:
            stop = f"not connected within max_beads = {max_beads}"
            break
        for i in reversed(todo):
            run.split(i)
        run.round += 1
    certs = [c for c in run.certs if c is not None]
    failed = [
        dict(info, index=k) for k, info in enumerate(run.info) if info.get("status") == "failed"
    ]
    connected = all(c.outcome == "holds" for c in certs) and not failed
    undecided = sum(c.outcome == "inconclusive" for c in certs)
    if connected:
        status = "connected"
    elif failed:
        status = f"not connected: {len(failed)} bead(s) failed"
    else:
        status = stop or f"not connected within depth {max_depth}"
        if undecided:
            status += (
                f" ({undecided} segment(s) inconclusive: within rounding of the bound, "
                "not certified)"
            )
    beads = np.stack(run.beads)
    bead_energies = (
        land.energies(beads)
        if not failed
        else np.array([land.energy(x) if np.all(np.isfinite(x)) else math.nan for x in beads])
    )
    wall = time.perf_counter() - start + run.previous["wall"]
    return StringResult(
        method=f"dss ({variant})",
        beads=beads,
        level=float(level),
        bound=run.bound,
        connected=connected,
        status=status,
        certificates=certs,
        normalized_length=normalized_length(beads, mask),
        length_on=mask_text,
        n_energy_evaluations=land.n_energy + int(run.previous["energy"]),
        n_gradient_evaluations=land.n_grad + int(run.previous["grad"]),
        wall_time=wall,
        landscape_time=land.seconds + run.previous["seconds"],
        history=run.history,
        failed_beads=failed,
        bead_energies=[float(x) for x in bead_energies],
        params=p,
        info={
            "endpoint_energies": [ea, eb],
            "resumed": resumed,
            "beads": run.info,
            "max_depth_reached": max(run.depth),
            "endpoint_training_gradients": run.extra_grads,
            "landscape": _landscape_info(landscape),
        },
    )
