"""Running a suite: every scenario checked first, then run one after another or in
worker processes, failures retried with backoff on the wall clock."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import attrs
from loguru import logger

from scenario_engine.errors import PlanError, Problem
from scenario_engine.plan.validate import validate
from scenario_engine.registry import check_components
from scenario_engine.runtime.interpreter import Run
from scenario_engine.runtime.options import RunOptions
from scenario_engine.suite.collect import CollectedPlan
from scenario_engine.suite.model import FAILING, SuiteEntry, SuiteResult, outcome_of

__all__ = ["RetryPolicy", "check_all", "run_one", "run_suite"]

#: the longest wait between two attempts, whatever the backoff says
MAX_BACKOFF = 60.0


@attrs.frozen
class RetryPolicy:
    """``retries`` more attempts for a failing wall-clock run, ``backoff * 2**k`` apart.

    A run on the virtual clock is not retried: it is deterministic, so a
    second attempt would replay the first exactly.
    """

    retries: int = 0
    backoff: float = 1.0

    def delay(self, attempt: int) -> float:
        return float(min(self.backoff * 2 ** (attempt - 1), MAX_BACKOFF))


def check_all(items: Sequence[CollectedPlan], options: RunOptions) -> None:
    """Every plan's problems (structure and components), all at once, before anything runs."""
    problems: list[Problem] = []
    for item in items:
        where = f"{item.source}: "
        found = [*validate(item.plan), *check_components(item.plan, options.registry)]
        problems += [attrs.evolve(p, where=f"{where}{p.where}") for p in found]
    if problems:
        raise PlanError(problems)


def run_one(item: CollectedPlan, options: RunOptions, policy: RetryPolicy) -> SuiteEntry:
    """One scenario, with its retries."""
    attempt = 1
    run_options = attrs.evolve(options, source=item.source)
    while True:
        result = Run(item.plan, run_options).execute()
        retry = (
            not result.passed
            and result.status in FAILING
            and result.clock == "wall"
            and attempt <= policy.retries
        )
        if not retry:
            break
        wait = policy.delay(attempt)
        logger.bind(scenario=item.plan.name).warning(
            "attempt {} {}; retrying in {:g}s", attempt, result.status, wait
        )
        time.sleep(wait)
        attempt += 1
    return SuiteEntry(
        key=item.key,
        source=str(item.source),
        name=item.plan.name,
        outcome=outcome_of(result, attempt, item.xfail),
        attempts=attempt,
        result=result,
        xfail=item.xfail,
    )


def run_suite(
    items: Sequence[CollectedPlan],
    options: RunOptions,
    *,
    workers: int = 1,
    policy: RetryPolicy | None = None,
    on_entry: Callable[[SuiteEntry], None] | None = None,
) -> SuiteResult:
    """Run every item; with ``workers`` > 1 in that many worker processes.

    ``options.fail_fast`` stops at the first failing scenario; Ctrl-C stops
    the suite, and the scenarios that were running report "interrupted".
    """
    from scenario_engine.runtime.session import _warn_shared_names

    policy = policy or RetryPolicy()
    pairs = [(item.source, item.plan) for item in items]
    _warn_shared_names(pairs)
    if not options.allow_services:  # a plan file is data: it starts no program on its own
        from scenario_engine.runtime.service_runs import refuse_untrusted_services

        refuse_untrusted_services(pairs)
    check_all(items, options)
    start = time.perf_counter()
    interrupted = False
    if workers > 1 and len(items) > 1:
        from scenario_engine.suite.parallel import run_parallel

        entries, interrupted = run_parallel(
            items, options, policy, min(workers, len(items)), on_entry
        )
    else:
        entries = []
        for item in items:
            entry = run_one(item, options, policy)
            entries.append(entry)
            if on_entry is not None:
                on_entry(entry)
            if entry.outcome == "interrupted" or (options.fail_fast and entry.outcome in FAILING):
                break
        workers = 1
    ordered = sorted(entries, key=lambda e: _position(items, e))
    return SuiteResult(
        entries=tuple(ordered),
        wall_duration=time.perf_counter() - start,
        workers=workers,
        not_run=len(items) - len(entries),
        interrupted=interrupted,
    )


def _position(items: Sequence[CollectedPlan], entry: SuiteEntry) -> int:
    for i, item in enumerate(items):
        if item.key == entry.key:
            return i
    return len(items)
