"""Clocks behind one interface: a discrete-event scheduler in virtual or wall time.

Virtual time jumps from one scheduled callback to the next, so an hour of
delay costs nothing and the same inputs give the same order every time.
Wall time waits for real (scaled by ``speed``) and polls the bus while it
waits, so messages from real services arrive in between.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["VIRTUAL_EPOCH", "Scheduler", "VirtualScheduler", "WallScheduler"]

#: what ``{{timestamp}}`` shows at virtual time 0
VIRTUAL_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)

Callback = Callable[[], None]
StopCondition = Callable[[], bool]


class Scheduler:
    """Time-ordered callbacks; ties run in the order they were scheduled."""

    kind = "virtual"

    def __init__(self) -> None:
        self.now = 0.0
        self._heap: list[tuple[float, int, Callback]] = []
        self._counter = 0
        self.stopped = False

    def call_at(self, when: float, callback: Callback) -> None:
        when = max(when, self.now)
        self._counter += 1
        heapq.heappush(self._heap, (when, self._counter, callback))

    def call_later(self, delay: float, callback: Callback) -> None:
        self.call_at(self.now + delay, callback)

    def current(self) -> float:
        """Clock time read now; on the virtual clock, ``now`` itself."""
        return float(self.now)

    @property
    def pending(self) -> int:
        return len(self._heap)

    def next_time(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    @property
    def epoch(self) -> float:
        """Unix time of clock zero."""
        return VIRTUAL_EPOCH.timestamp()

    def monotonic_origin(self) -> tuple[float, float] | None:
        """``(monotonic time of clock zero, speed)``, so that clock time is
        ``(monotonic - origin) * speed``; None for virtual time."""
        return None

    def run_until(self, end: float, stop: StopCondition | None = None) -> bool:
        """Run callbacks due up to ``end``; True if ``stop`` became true first."""
        raise NotImplementedError

    def catch_up(self) -> None:
        """Bring ``now`` to the present (wall time) while waiting outside ``run_until``."""

    def drain(self, limit: float | None = None) -> None:
        """Run everything still scheduled (up to time ``limit``)."""
        raise NotImplementedError


class VirtualScheduler(Scheduler):
    """Discrete-event time: jump straight to the next callback."""

    def run_until(self, end: float, stop: StopCondition | None = None) -> bool:
        heap = self._heap
        pop = heapq.heappop
        if stop is not None and stop():
            return True
        while heap and heap[0][0] <= end and not self.stopped:
            when, _, callback = pop(heap)
            self.now = when
            callback()
            if stop is not None and stop():
                return True
        if not self.stopped:
            self.now = max(self.now, end)
        return False

    def drain(self, limit: float | None = None) -> None:
        heap = self._heap
        while heap and not self.stopped:
            if limit is not None and heap[0][0] > limit:
                return
            when, _, callback = heapq.heappop(heap)
            self.now = when
            callback()


class WallScheduler(Scheduler):
    """Real time scaled by ``speed``; ``poll(timeout)`` is called while waiting."""

    kind = "wall"
    #: seconds of real time between polls while callbacks are due
    POLL_EVERY = 0.005

    def __init__(self, poll: Callable[[float], int], speed: float = 1.0) -> None:
        super().__init__()
        self._poll = poll
        self.speed = speed
        self._start = time.monotonic()
        self._wall_start = datetime.now(UTC)
        self._last_poll = self._start

    def _elapsed(self) -> float:
        return (time.monotonic() - self._start) * self.speed

    def current(self) -> float:
        """Clock time read now (``now`` is only refreshed between callbacks)."""
        return self._elapsed()

    def hold(self, seconds: float) -> None:
        """The clock stood still for ``seconds`` of real time (a pause): later callbacks
        keep their spacing instead of firing in a burst."""
        self._start += seconds

    @property
    def epoch(self) -> float:
        return self._wall_start.timestamp()

    def catch_up(self) -> None:
        self.now = self._elapsed()

    def monotonic_origin(self) -> tuple[float, float] | None:
        return self._start, self.speed

    def _wait(self, until: float, stop: StopCondition | None) -> bool:
        """Poll the bus until clock time ``until``; True if ``stop`` became true."""
        while not self.stopped:
            self.now = self._elapsed()
            remaining = (until - self.now) / self.speed
            if remaining <= 0:
                return False
            self._poll(min(remaining, 0.05))
            self._last_poll = time.monotonic()
            self.now = self._elapsed()
            if stop is not None and stop():
                return True
        return False

    def run_until(self, end: float, stop: StopCondition | None = None) -> bool:
        heap = self._heap
        self.now = self._elapsed()
        if stop is not None and stop():
            return True
        while not self.stopped:
            target = min(heap[0][0], end) if heap else end
            if self._wait(target, stop):
                return True
            if heap and heap[0][0] <= self.now and heap[0][0] <= end:
                _, _, callback = heapq.heappop(heap)
                callback()
                # when behind schedule, callbacks run back to back; the bus is polled every
                # few milliseconds, not after each one, so its publishes go out in batches
                wall = time.monotonic()
                if wall - self._last_poll >= self.POLL_EVERY:
                    self._last_poll = wall
                    self._poll(0)
                if stop is not None and stop():
                    return True
                continue
            if self.now >= end:
                return False
        return False

    def drain(self, limit: float | None = None) -> None:
        while self._heap and not self.stopped:
            when = self._heap[0][0]
            if limit is not None and when > limit:
                return
            self.run_until(when)
