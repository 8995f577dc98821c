"""Running many seeds of one scenario and grouping the failures by signature.

Seeds go out in batches: to the current process (one job), to worker
processes (``jobs`` > 1), or to a Ray cluster (``engine="ray"``). Each batch
comes back as one list of outcomes, in whatever order batches finish; the
result is sorted by seed, so the same seeds give the same result whatever
ran them.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

import attrs

from scenario_engine.errors import UsageError
from scenario_engine.explore.signature import signature
from scenario_engine.explore.target import Target

__all__ = ["Group", "SeedOutcome", "SweepResult", "batches", "run_batch", "sweep"]

Progress = Callable[[int, int, float], None]


@attrs.frozen
class SeedOutcome:
    """One seed's run: its failure signature (None when it passed) and chaos applications."""

    seed: int
    signature: str | None
    applications: int


@attrs.frozen
class Group:
    """Seeds failing with one signature, in increasing order."""

    signature: str
    seeds: tuple[int, ...]

    @property
    def smallest(self) -> int:
        return self.seeds[0]


@attrs.frozen
class SweepResult:
    target: Target
    outcomes: tuple[SeedOutcome, ...]
    seconds: float
    engine: str

    @property
    def failing(self) -> tuple[SeedOutcome, ...]:
        return tuple(o for o in self.outcomes if o.signature is not None)

    @property
    def groups(self) -> list[Group]:
        """Failure groups, the one with the smallest failing seed first."""
        seeds: dict[str, list[int]] = {}
        for outcome in self.failing:
            assert outcome.signature is not None
            seeds.setdefault(outcome.signature, []).append(outcome.seed)
        groups = [Group(sig, tuple(sorted(found))) for sig, found in seeds.items()]
        return sorted(groups, key=lambda g: g.smallest)

    @property
    def rate(self) -> float:
        return len(self.outcomes) / self.seconds if self.seconds > 0 else 0.0


def run_batch(target: Target, seeds: Sequence[int]) -> list[SeedOutcome]:
    """Run ``seeds`` here, one after the other (what every worker and task does)."""
    out = []
    for seed in seeds:
        result = target.run(seed)
        out.append(SeedOutcome(seed, signature(result), len(result.applications)))
    return out


def batches(seeds: Sequence[int], workers: int, size: int | None = None) -> list[list[int]]:
    """Consecutive batches: small enough to balance ``workers`` and report progress often,
    large enough that sending one costs little next to running it."""
    if size is None:
        size = max(1, min(50, len(seeds) // max(1, workers * 8)))
    return [list(seeds[i : i + size]) for i in range(0, len(seeds), size)]


def _local(target: Target, parts: list[list[int]]) -> Iterator[list[SeedOutcome]]:
    for part in parts:
        yield run_batch(target, part)


def _processes(target: Target, parts: list[list[int]], jobs: int) -> Iterator[list[SeedOutcome]]:
    # fork shares the playbook already loaded here; spawn (elsewhere) loads it in each worker
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(run_batch, target, part) for part in parts]
        for future in as_completed(futures):
            yield future.result()


def sweep(
    target: Target,
    seeds: Iterable[int],
    *,
    jobs: int = 1,
    engine: str = "local",
    address: str | None = None,
    progress: Progress | None = None,
) -> SweepResult:
    """Run every seed of ``seeds``; ``progress(done, failing, seconds)`` after each batch."""
    chosen = list(seeds)
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1 (got {jobs})", hint="--jobs 2")
    target.plan()  # load (and check) it here first: a broken playbook fails once, clearly
    started = time.perf_counter()
    if engine == "local":
        parts = batches(chosen, jobs)
        stream = _local(target, parts) if jobs == 1 else _processes(target, parts, jobs)
    elif engine == "ray":
        from scenario_engine.explore.ray_engine import run_on_ray

        stream = run_on_ray(target, chosen, address=address, jobs=jobs)
    else:
        raise UsageError(f"unknown engine {engine!r}", hint="use --engine local or --engine ray")
    outcomes: list[SeedOutcome] = []
    failing = 0
    for part in stream:
        outcomes += part
        failing += sum(o.signature is not None for o in part)
        if progress is not None:
            progress(len(outcomes), failing, time.perf_counter() - started)
    return SweepResult(
        target=target,
        outcomes=tuple(sorted(outcomes, key=lambda o: o.seed)),
        seconds=time.perf_counter() - started,
        engine=engine,
    )
