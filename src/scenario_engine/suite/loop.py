"""``play --loop`` over a suite: the same scenarios again and again, iteration k with
every seed moved by k (so a soak test sends fresh data each time, and any iteration
replays alone with its ``--seed``)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence

import attrs

from scenario_engine.runtime.options import RunOptions
from scenario_engine.suite.collect import CollectedPlan
from scenario_engine.suite.model import FAILING, SuiteEntry, SuiteResult

__all__ = ["run_looped"]


def run_looped(
    items: Sequence[CollectedPlan],
    options: RunOptions,
    run: Callable[[Sequence[CollectedPlan], RunOptions], SuiteResult],
    loop: int,
    interval: float,
    say: Callable[[str], None],
) -> SuiteResult:
    """Run the suite ``loop`` times (0: until interrupted), ``interval`` real seconds apart;
    one result holding every iteration's entries."""
    start = time.perf_counter()
    entries: list[SuiteEntry] = []
    workers, not_run, interrupted = 1, 0, False
    for k in itertools.count():
        batch, opts = list(items), options
        if k and options.seed is not None:
            opts = attrs.evolve(options, seed=options.seed + k)
        elif k:
            batch = [
                attrs.evolve(i, plan=attrs.evolve(i.plan, seed=i.plan.seed + k)) for i in items
            ]
        say(f"loop {k + 1}" + (f" of {loop}" if loop else " (until stopped)"))
        suite = run(batch, opts)
        entries += suite.entries
        workers, not_run = suite.workers, not_run + suite.not_run
        if suite.interrupted or any(e.outcome == "interrupted" for e in suite.entries):
            interrupted = True
            break
        failed = options.fail_fast and any(e.outcome in FAILING for e in suite.entries)
        if (loop and k + 1 >= loop) or failed:
            break
        try:
            time.sleep(interval)
        except KeyboardInterrupt:
            say("interrupted between loop iterations")
            interrupted = True
            break
    return SuiteResult(
        entries=tuple(entries),
        wall_duration=time.perf_counter() - start,
        workers=workers,
        not_run=not_run,
        interrupted=interrupted,
    )
