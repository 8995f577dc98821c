"""Worker processes for a suite (``-n N``).

Workers are forked after collection, so each inherits the loaded plans and
runs the ones it is handed by index: nothing is loaded twice, and a
scenario runs exactly as it would alone (its event log is byte for byte the
serial run's). Results come back as they finish.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from scenario_engine.errors import UsageError
from scenario_engine.runtime.options import RunOptions
from scenario_engine.suite.collect import CollectedPlan
from scenario_engine.suite.model import FAILING, SuiteEntry

__all__ = ["auto_workers", "run_parallel"]

#: what forked workers inherit: "items", "options", "policy"
_JOB: dict[str, Any] = {}


def auto_workers() -> int:
    """``-n auto``: one worker per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _run_index(index: int) -> SuiteEntry:
    from scenario_engine.suite.runner import run_one

    assert _JOB, "a suite worker runs only in a forked process"
    return run_one(_JOB["items"][index], _JOB["options"], _JOB["policy"])


def run_parallel(
    items: Sequence[CollectedPlan],
    options: RunOptions,
    policy: Any,
    workers: int,
    on_entry: Callable[[SuiteEntry], None] | None,
) -> list[SuiteEntry]:
    """Run ``items`` on ``workers`` forked processes; entries in the order they finish."""
    if "fork" not in multiprocessing.get_all_start_methods():
        raise UsageError(
            "-n needs worker processes started by fork, which this platform lacks",
            hint="run without -n",
        )
    _JOB.update(items=items, options=options, policy=policy)
    entries: list[SuiteEntry] = []
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    try:
        pending: set[Future[SuiteEntry]] = {pool.submit(_run_index, i) for i in range(len(items))}
        stop = False
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                if future.cancelled():
                    continue
                entry = future.result()
                entries.append(entry)
                if on_entry is not None:
                    on_entry(entry)
                if entry.outcome == "interrupted" or (
                    options.fail_fast and entry.outcome in FAILING
                ):
                    stop = True
            if stop:
                for future in pending:
                    future.cancel()
                pending = {f for f in pending if not f.cancelled()}
    except KeyboardInterrupt:
        # the workers got the same Ctrl-C: the runs they hold end "interrupted" and
        # write their partial reports; the ones not started never start
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _JOB.clear()
    return entries
