"""Per-instance seeds: a pure function of (run seed, claim id, role, index).

The same run seed gives the same instances whatever the number of workers, the order in which
they finish, or whether the run was interrupted and resumed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["instance_seed", "params_digest"]


def instance_seed(seed: int, claim_id: str, index: int, role: str = "instance") -> int:
    """A 63-bit seed derived from (seed, claim id, role, index) by SHA-256."""
    text = f"{int(seed)}\x00{claim_id}\x00{role}\x00{int(index)}".encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "big") >> 1


def params_digest(params: dict[str, Any]) -> str:
    """A short stable digest of a check's parameters (part of an evidence line's key)."""
    text = json.dumps(params, sort_keys=True, default=str).encode()
    return hashlib.sha256(text).hexdigest()[:16]
