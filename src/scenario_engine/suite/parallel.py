"""Worker processes for a suite (``-n N``).

Workers are forked after collection, so each inherits the loaded plans and
runs the ones it is handed by index: nothing is loaded twice, and a
scenario runs exactly as it would alone (its event log is byte for byte the
serial run's). Results come back as they finish.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
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


def _idle_worker() -> None:
    """A worker ignores Ctrl-C between runs (the suite decides); during one, the run
    ends "interrupted" and writes its partial report, as a serial run does."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run_index(index: int) -> SuiteEntry | None:
    """Run one item; None when the suite was stopped before it began."""
    from scenario_engine.runtime import interrupts
    from scenario_engine.suite.runner import run_one

    assert _JOB, "a suite worker runs only in a forked process"
    try:
        # as in a serial run: the first Ctrl-C stops the run, a second waits for its report
        with interrupts.handling():
            if _JOB["stop"].is_set():
                return None
            return run_one(_JOB["items"][index], _JOB["options"], _JOB["policy"])
    except KeyboardInterrupt:  # between runs of a retry, or before the run began
        return None
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def run_parallel(
    items: Sequence[CollectedPlan],
    options: RunOptions,
    policy: Any,
    workers: int,
    on_entry: Callable[[SuiteEntry], None] | None,
) -> tuple[list[SuiteEntry], bool]:
    """Run ``items`` on ``workers`` forked processes: the entries in the order they
    finished, and whether Ctrl-C stopped the suite."""
    if "fork" not in multiprocessing.get_all_start_methods():
        raise UsageError(
            "-n needs worker processes started by fork, which this platform lacks",
            hint="run without -n",
        )
    context = multiprocessing.get_context("fork")
    stop = context.Event()
    _JOB.update(items=items, options=options, policy=policy, stop=stop)
    entries: list[SuiteEntry] = []

    def take(future: Future[SuiteEntry | None]) -> SuiteEntry | None:
        if future.cancelled():
            return None
        entry = future.result()
        if entry is None:
            return None
        entries.append(entry)
        if on_entry is not None:
            on_entry(entry)
        return entry

    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_idle_worker)
    pending: set[Future[SuiteEntry | None]] = set()
    interrupted = False
    try:
        pending = {pool.submit(_run_index, i) for i in range(len(items))}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            halt = False
            for future in done:
                entry = take(future)
                if entry is not None and (
                    entry.outcome == "interrupted"
                    or (options.fail_fast and entry.outcome in FAILING)
                ):
                    halt = True
            if halt:
                _stop_pending(pending, stop)
    except KeyboardInterrupt:
        # runs not started never start; the running ones are told, end "interrupted"
        # and write their partial reports, and come back like any other result
        interrupted = True
        _stop_pending(pending, stop)
        for process in list(getattr(pool, "_processes", {}).values()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGINT)
        for future in pending:
            if not future.cancelled():
                take(future)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        _JOB.clear()
    return entries, interrupted


def _stop_pending(pending: set[Future[SuiteEntry | None]], stop: Any) -> None:
    """No new run starts: futures not handed out are cancelled, and the ones already queued
    for a worker find the stop flag set."""
    stop.set()
    for future in pending:
        future.cancel()
