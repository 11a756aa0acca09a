"""Tests of sublevel.proofs_checks.registry: the claim → module index that lets one claim's run
import one check module must say exactly what the modules register."""

from __future__ import annotations

import json
import subprocess
import sys

from sublevel.proofs_checks.registry import CHECK_MODULES, CHECKS, load_builtin_checks

PREFIX = "sublevel.proofs_checks.checks."


def _builtin() -> dict[str, dict[str, str | None]]:
    """Claim id → the module and qualified names of its check, control and path builder."""
    load_builtin_checks()
    out = {}
    for cid, chk in CHECKS.items():
        if not chk.run.__module__.startswith(PREFIX):
            continue  # a test's or a plugin's claim
        out[cid] = {
            "module": chk.run.__module__[len(PREFIX) :],
            **{
                part: (None if fn is None else f"{fn.__module__}.{fn.__qualname__}")
                for part, fn in (
                    ("run", chk.run),
                    ("negative_control", chk.negative_control),
                    ("path", chk.path),
                )
            },
        }
    return out


def test_the_index_names_the_module_of_every_builtin_check_and_nothing_else():
    builtin = _builtin()
    assert {cid: d["module"] for cid, d in builtin.items()} == CHECK_MODULES
    for cid, d in builtin.items():  # check, control and path builder live in one module
        for part in ("run", "negative_control", "path"):
            if d[part] is not None:
                assert d[part].startswith(PREFIX + d["module"] + "."), (cid, part, d[part])


def test_loading_one_claim_registers_its_check_control_and_path_from_its_module_alone():
    """In a fresh interpreter: load_checks([id]) imports no check module but the id's own (and
    what that one imports), and registers the same check, control and path builder as a full
    load."""
    expected = _builtin()
    script = """
import json, sys
from sublevel.proofs_checks.registry import CHECKS, load_checks
out = {}
for cid in json.loads(sys.argv[1]):
    before = {m for m in sys.modules if m.startswith("sublevel.proofs_checks.checks.")}
    load_checks([cid])
    chk = CHECKS[cid]
    out[cid] = {
        "new_modules": sorted({m for m in sys.modules if m.startswith("sublevel.proofs_checks.checks.")} - before),
        "loaded": sorted(m for m in sys.modules if m.startswith("sublevel.proofs_checks.checks.")),
        **{part: (None if fn is None else f"{fn.__module__}.{fn.__qualname__}")
           for part, fn in (("run", chk.run), ("negative_control", chk.negative_control), ("path", chk.path))},
    }
print(json.dumps(out))
"""
    proc = subprocess.run(
        [sys.executable, "-c", script, json.dumps(sorted(expected))],
        capture_output=True,
        text=True,
        check=True,
    )
    got = json.loads(proc.stdout)
    for cid, d in expected.items():
        assert {k: got[cid][k] for k in ("run", "negative_control", "path")} == {
            k: d[k] for k in ("run", "negative_control", "path")
        }, cid
        assert PREFIX + d["module"] in got[cid]["loaded"], cid
    # one claim does not pull in every module: the first claim's load imported a strict subset
    first = sorted(expected)[0]
    assert 0 < len(got[first]["new_modules"]) < len(set(CHECK_MODULES.values()))
