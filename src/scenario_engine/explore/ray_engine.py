"""The seed sweep on a Ray cluster: one task per batch of seeds, results streamed back.

Ray is an optional extra (``pip install scenario-engine[ray]``) imported only
here, only when ``--engine ray`` is asked for. Without ``address`` a local
cluster is started for the sweep (and stopped after); ``ray://host:10001``
or ``host:6379`` (or ``RAY_ADDRESS``) joins an existing one. Each task loads the playbook itself,
by path: the workers must see the same files (one machine, a shared
filesystem, or Ray's ``runtime_env`` working directory).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

from scenario_engine.errors import InfrastructureError, UsageError
from scenario_engine.explore.sweep import SeedOutcome, batches, run_batch
from scenario_engine.explore.target import Target

__all__ = ["run_on_ray"]


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as err:
        raise UsageError(
            "--engine ray needs Ray, which is not installed",
            hint="pip install 'scenario-engine[ray]'",
        ) from err
    return ray


def _batch(target: Target, seeds: Sequence[int]) -> list[tuple[int, str | None, int]]:
    # plain tuples travel cheaper than attrs instances and need no import on the way back
    return [(o.seed, o.signature, o.applications) for o in run_batch(target, seeds)]


def run_on_ray(
    target: Target, seeds: Sequence[int], *, address: str | None, jobs: int
) -> Iterator[list[SeedOutcome]]:
    """Yield each batch's outcomes as its task finishes."""
    ray = _import_ray()
    address = address or os.environ.get("RAY_ADDRESS") or None
    started_here = not ray.is_initialized()
    if started_here:
        options: dict[str, Any] = {"log_to_driver": False, "include_dashboard": False}
        if address:
            options["address"] = address
        else:
            options["num_cpus"] = jobs if jobs > 1 else (os.cpu_count() or 1)
            # outcomes are a few bytes a seed: the smallest object store Ray allows will do
            options["object_store_memory"] = 80 * 1024 * 1024
        try:
            ray.init(**options)
        except Exception as err:  # Ray raises ConnectionError, RuntimeError, ... by case
            raise InfrastructureError(
                f"cannot reach the Ray cluster at {address or 'a local cluster'}: {err}",
                hint="check the address (ray://host:10001 or host:6379) and that "
                "`ray status` works there",
            ) from err
    try:
        task = ray.remote(_batch)
        workers = int(ray.cluster_resources().get("CPU", 1))
        pending = [task.remote(target, part) for part in batches(seeds, workers)]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                yield [SeedOutcome(*row) for row in ray.get(ref)]
    finally:
        if started_here:
            ray.shutdown()
