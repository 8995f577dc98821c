"""The generic chaos triggers, compiled once into a fast per-event gate.

Conditions are checked cheapest first; the probability is drawn last and
only for events every other condition let through, so the number of draws
(and thus every later draw) depends only on the matching events.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from scenario_engine.events import Event, TopicPattern
from scenario_engine.plan.nodes import Triggers
from scenario_engine.plan.values import thaw
from scenario_engine.spi import compile_where

__all__ = ["TriggerGate"]


class TriggerGate:
    """Decides, event by event, whether a chaos action applies."""

    __slots__ = (
        "_between",
        "_cycles",
        "_events",
        "_every",
        "_max_times",
        "_now",
        "_probability",
        "_rng",
        "_topics",
        "_where",
        "after",
        "applied",
        "armed",
        "identify",
        "matched",
    )

    def __init__(
        self,
        triggers: Triggers,
        rng: random.Random,
        now: Callable[[], float],
        identify: Callable[[Event], str] | None = None,
    ) -> None:
        self._events = frozenset(triggers.at_events) if triggers.at_events is not None else None
        self.identify = identify or (lambda event: "")
        self._topics = TopicPattern(triggers.topics)
        self._cycles = triggers.at_cycle
        self._between = triggers.between
        self._where = compile_where(thaw(triggers.where)) if triggers.where is not None else None
        self._every = triggers.every
        self._probability = triggers.probability
        self._max_times = triggers.max_times
        self._rng = rng
        self._now = now
        self.after = TopicPattern(triggers.after) if triggers.after else None
        self.armed = triggers.after is None
        self.matched = 0
        self.applied = 0

    def arm(self, event: Event) -> None:
        """Watch delivered events for the ``after`` topic."""
        if not self.armed and self.after is not None and self.after(event.topic):
            self.armed = True

    @property
    def simple(self) -> bool:
        """True when only a probability (or nothing) decides: the pipeline's fast path."""
        return (
            self._cycles is None
            and self._between is None
            and self._where is None
            and self._every is None
            and self._max_times is None
            and self._events is None
            and self.armed
        )

    def topic_matches(self, topic: str) -> bool:
        return self._topics(topic)

    def __call__(self, event: Event) -> bool:
        """Whether the action applies to ``event`` (its topic already matched)."""
        if not self.armed:
            return False
        if self._events is not None and self.identify(event) not in self._events:
            return False
        cycles = self._cycles
        if cycles is not None and not cycles[0] <= event.cycle <= cycles[1]:
            return False
        between = self._between
        if between is not None and not between[0] <= self._now() <= between[1]:
            return False
        if self._where is not None and not self._where(event):
            return False
        if self._max_times is not None and self.applied >= self._max_times:
            return False
        self.matched += 1
        if self._every is not None and self.matched % self._every:
            return False
        if self._probability < 1.0 and self._rng.random() >= self._probability:
            return False
        self.applied += 1
        return True

    def chance(self, event: Event) -> bool:
        """``__call__`` for a gate that is :attr:`simple`."""
        self.matched += 1
        if self._probability < 1.0 and self._rng.random() >= self._probability:
            return False
        self.applied += 1
        return True
