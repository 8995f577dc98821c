"""The rate at which a wall-clock run really published: what a load test is judged by.

On the virtual clock the plan's rate is kept exactly, by construction; on the
wall clock the engine may fall behind (a slow bus, a busy machine), so the
run counts what it handed to the bus itself (generator ticks, publish and
replay steps, ``do`` steps) and times the first and the last of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from scenario_engine.events import Event

__all__ = ["PublishMeter"]

#: sources of the events the engine publishes itself (systems under test and relays aside)
_ENGINE = frozenset({"engine", "replay"})


class PublishMeter:
    """Wraps the run's ``send``: counts the engine's own publishes and times them."""

    def __init__(self) -> None:
        self.published = 0
        self._first = 0.0
        self._last = 0.0

    def counting(self, send: Callable[[Event], None]) -> Callable[[Event], None]:
        def send_counted(event: Event) -> None:
            if event.source in _ENGINE:
                now = time.perf_counter()
                if not self.published:
                    self._first = now
                self._last = now
                self.published += 1
            send(event)

        return send_counted

    @property
    def rate(self) -> float | None:
        """Publishes per second of wall time from the first to the last; None for fewer
        than two."""
        span = self._last - self._first
        if self.published < 2 or span <= 0:
            return None
        return (self.published - 1) / span
