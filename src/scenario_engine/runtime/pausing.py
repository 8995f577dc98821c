"""Pausing a replay: SIGUSR1 pauses, SIGUSR2 resumes, each with a status line.

The pause takes effect before the next recorded event is published. On the
wall clock the time spent paused is taken out of the clock (the scheduler
*holds*), so what comes after keeps its recorded spacing; on the virtual
clock nothing moves while paused anyway.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["Pauser"]


class Pauser:
    """Holds replayed publishes while paused; counts them for the status line."""

    #: real seconds between checks while paused (signals also wake the sleep)
    NAP = 0.02

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say
        self.paused = False
        self.total = 0
        self.done = 0
        self.pauses = 0

    def expect(self, count: int) -> None:
        self.total += count

    def status(self, now: float) -> str:
        return f"{self.done}/{self.total} events replayed, clock {now:.3f}s"

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False

    def before_publish(self, scheduler: Any) -> None:
        if self.paused:
            self.pauses += 1
            self.say(f"paused: {self.status(scheduler.now)} (SIGUSR2 resumes)")
            started = time.monotonic()
            while self.paused:
                time.sleep(self.NAP)
            held = time.monotonic() - started
            hold = getattr(scheduler, "hold", None)
            if hold is not None:
                hold(held)
            self.say(f"resumed after {held:.1f}s: {self.status(scheduler.now)}")
        self.done += 1

    @contextmanager
    def signals(self) -> Iterator[Pauser]:
        """SIGUSR1 pauses and SIGUSR2 resumes while inside the block."""
        previous = (
            signal.signal(signal.SIGUSR1, lambda *_: self.pause()),
            signal.signal(signal.SIGUSR2, lambda *_: self.resume()),
        )
        try:
            yield self
        finally:
            signal.signal(signal.SIGUSR1, previous[0])
            signal.signal(signal.SIGUSR2, previous[1])
