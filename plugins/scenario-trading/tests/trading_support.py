"""Helpers for the pack's tests: drive a profile the way the engine does; a SystemBus."""

from __future__ import annotations

import fnmatch
import random
from collections.abc import Callable, Mapping
from typing import Any

from scenario_engine.spi import Event, Tick


def walk(profile: Any, start: float, cycles: int, seed: int = 0, phase: str = "p") -> list[float]:
    """The values a profile gives over one phase of ``cycles`` cycles, from ``start``."""
    rng = random.Random(seed)
    value: Any = start
    values = []
    for i in range(cycles):
        progress = i / (cycles - 1) if cycles > 1 else 1.0
        tick = Tick(i, phase, i, progress, float(i), value, start)
        value = profile.next_value(value, tick, rng)
        values.append(value)
    return values


def ticks(values: list[Any], phase: str = "p") -> list[Tick]:
    """Ticks as a generator sees them (value = the profile's output)."""
    return [Tick(i, phase, i, 0.0, float(i), v, values[0]) for i, v in enumerate(values)]


def event(topic: str, payload: Any, seq: int, time: float | None = None) -> Event:
    """An event as the engine delivers it to monitors."""
    return Event(topic, payload, seq=seq, time=float(seq) if time is None else time)


class FakeBus:
    """The SystemBus contract in a few lines: records publishes, dispatches to subscribers.

    Like the memory bus, a publish made while a handler runs is delivered
    after that handler returns (breadth first).
    """

    def __init__(self) -> None:
        self.published: list[Event] = []
        self.subscriptions: list[tuple[str, Callable[[Event], None]]] = []
        self.clock = 0.0
        self._queue: list[Event] = []
        self._delivering = False

    def publish(
        self,
        topic: str,
        payload: Any = None,
        *,
        key: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.deliver(Event(topic, payload, key=key, headers=headers, time=self.clock,
                           seq=len(self.published) + 1, source="system"))

    def subscribe(self, pattern: str, handler: Callable[[Event], None]) -> None:
        self.subscriptions.append((pattern, handler))

    def now(self) -> float:
        return self.clock

    def deliver(self, event: Event) -> None:
        """Hand an event to every matching subscriber (what the engine would do)."""
        if event.source == "system":
            self.published.append(event)
        self._queue.append(event)
        if self._delivering:
            return
        self._delivering = True
        try:
            while self._queue:
                current = self._queue.pop(0)
                for pattern, handler in list(self.subscriptions):
                    if fnmatch.fnmatchcase(current.topic, pattern):
                        handler(current)
        finally:
            self._delivering = False

    def topics(self) -> list[str]:
        return [e.topic for e in self.published]
