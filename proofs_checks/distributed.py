"""Sweeps beyond one machine: a ``dask.distributed`` cluster behind the Executor interface.

``sublevel verify --dask local`` starts a ``LocalCluster`` with ``--workers`` single-threaded
worker processes; ``sublevel verify --scheduler tcp://host:8786`` connects to a running
scheduler (its workers must have sublevel installed, and any ``--plugin`` file at the same
path). Either way the runner sees a ``concurrent.futures.Executor``: results stream back into
the same ``evidence.jsonl``, ``--resume`` works the same, and the report is identical to a local
run with the same seed.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sublevel.theory.errors import InputError

__all__ = ["dask_executor"]


@contextmanager
def dask_executor(
    scheduler: str | None = None, *, workers: int = 2, timeout: float = 10.0
) -> Iterator[cf.Executor]:
    """An executor backed by a dask cluster (``scheduler`` None or "local": a LocalCluster)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError(
            "--dask/--scheduler need the 'dask' extra: pip install 'sublevel[dask]'"
        ) from None
    cluster = None
    if scheduler in (None, "local"):
        # dashboard on a free port: 8787 may be taken by another cluster (a warning every run)
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.ERROR,
        )
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout=f"{timeout}s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(
                f"dask scheduler {scheduler!r} did not answer within {timeout:g} s ({exc}); "
                "nothing was run"
            ) from None
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
