"""Test configuration: deterministic hypothesis, strict numerics in our own packages."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "sublevel",
    derandomize=True,  # fixed seeds: the same examples on every run
    deadline=None,
    max_examples=25,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "sublevel"))
