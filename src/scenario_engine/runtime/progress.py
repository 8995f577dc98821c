"""Progress snapshots of a run, handed to an observer at most every ~0.1 s of wall time.

The hooks are chosen when the run is built: a run without an observer has no
progress code on any of its paths (``attach`` returns None and the run keeps
its plain per-event observer and bus poll). With an observer, every 64th
delivered event and every bus poll of a wall-clock run look at the time, and
a snapshot is built only when :attr:`ProgressTracker.INTERVAL` has passed.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from loguru import logger

from scenario_engine.events import Event
from scenario_engine.report.progress import ProgressObserver, Snapshot
from scenario_engine.runtime.steps import step_kind, step_label

if TYPE_CHECKING:
    from scenario_engine.runtime.interpreter import Run

__all__ = ["ProgressTracker", "attach"]


def attach(run: Run, observer: ProgressObserver | None) -> ProgressTracker | None:
    """The tracker for ``run``, or None (and no cost at all) without an observer."""
    return ProgressTracker(run, observer) if observer is not None else None


class ProgressTracker:
    """Builds snapshots of one run and hands them to the observer."""

    #: seconds of wall time at least between two snapshots
    INTERVAL = 0.1
    #: delivered events between two looks at the time
    EVERY = 64
    #: snapshots the events/s figure is averaged over (about a second)
    WINDOW = 10

    def __init__(self, run: Run, observer: ProgressObserver) -> None:
        self.run = run
        self.on_progress = observer.on_progress
        self._next = 0.0  # the first look reports at once
        self._recent: deque[tuple[float, int]] = deque(maxlen=self.WINDOW)
        steps = run.plan.steps
        self._labels = [f"{step_kind(s)} {step_label(s)}" for s in steps]

    def watching(self, observe: Callable[[Event], None]) -> Callable[[Event], None]:
        """``observe`` (the run's per-event observer) that also looks at the time now and
        then."""
        every = self.EVERY
        left = every
        maybe = self.maybe

        def observe_and_report(event: Event) -> None:
            nonlocal left
            observe(event)
            left -= 1
            if not left:
                left = every
                maybe()

        return observe_and_report

    def maybe(self) -> None:
        """Report if the interval has passed since the last snapshot."""
        if time.perf_counter() >= self._next:
            self.report()

    def report(self) -> None:
        """Build a snapshot now and hand it over; an observer that fails is let go (the run
        is what matters, not its display)."""
        now = time.perf_counter()
        self._next = now + self.INTERVAL
        try:
            self.on_progress(self.snapshot(now))
        except Exception as err:
            logger.warning("the progress display failed and is switched off: {}: {}",
                           type(err).__name__, err)
            self._next = float("inf")

    def snapshot(self, now: float | None = None) -> Snapshot:
        run = self.run
        now = time.perf_counter() if now is None else now
        wall = now - run._wall_start
        recorder = run.recorder
        events = recorder.seq - recorder.dropped - recorder.held
        recent = self._recent
        recent.append((wall, events))
        first_wall, first_events = recent[0]
        span = wall - first_wall
        rate = (events - first_events) / span if span > 0 else 0.0
        index = run.step_index
        if index < 0:
            step, number = "starting", 0
        elif index >= len(self._labels):
            step, number = "settling", len(self._labels)
        else:
            step, number = self._labels[index], index + 1
        return Snapshot(
            scenario=run.plan.name,
            step=step,
            step_number=number,
            steps=len(self._labels),
            clock=run.clock,
            clock_time=run.scheduler.now,
            wall_time=wall,
            events=events,
            events_per_s=rate,
            chaos=_applied(run.pipeline.stages),
            failing=tuple(_failing(f) for f in run.failures),
        )


def _applied(stages: list[Any]) -> tuple[tuple[str, int], ...]:
    return tuple((s.label, s.gate.applied) for s in stages if s.gate.applied)


def _failing(result: Any) -> str:
    where = f" [checkpoint {result.checkpoint}]" if result.checkpoint else ""
    when = f" at {result.at:.3f}s" if result.at is not None else ""
    return f"{result.label}{where}{when}"
