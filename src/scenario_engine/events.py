"""The event record that flows through chaos, buses, monitors and the log; and topic patterns."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

__all__ = ["NO_HEADERS", "Event", "TopicPattern", "payload_get"]


#: the shared empty header mapping (events without headers allocate nothing)
NO_HEADERS: Mapping[str, str] = MappingProxyType({})


@attrs.define(slots=True, eq=True, weakref_slot=False)
class Event:
    """One message on the bus.

    ``time`` is clock time in seconds since the run started (virtual or wall);
    ``seq`` is the event's line number in the run's event log, stamped when
    it is delivered; ``cycle`` is the scenario cycle during which it was
    produced; ``source`` tells who published it (``engine``, ``system``,
    ``chaos``, ``relay``); ``marks`` names the chaos actions that touched it.

    Events that come in from a real bus carry two more stamps, set by the bus
    at receipt and ignored by ``==``: ``arrived`` is ``time.monotonic()`` when
    the bus client received the message (in its reader thread or callback,
    not when the engine got round to polling), which the engine turns into
    the event's ``time`` on the run's clock; ``broker_time`` is when the
    broker stored it, in Unix seconds by the broker's clock (Redis: the entry
    id's milliseconds; JetStream: the message's metadata timestamp), or None
    where the bus has no such stamp (core NATS, the memory bus).

    Treat events as values: the engine stamps ``seq`` and ``time`` in place
    on delivery, so code that emits one event twice emits copies
    (:func:`attrs.evolve`).
    """

    topic: str
    payload: Any = None
    key: str | None = None
    headers: Mapping[str, str] = NO_HEADERS
    id: str = ""
    time: float = 0.0
    seq: int = 0
    cycle: int = 0
    source: str = "engine"
    marks: tuple[str, ...] = ()
    arrived: float | None = attrs.field(default=None, eq=False)
    broker_time: float | None = attrs.field(default=None, eq=False)


def payload_get(payload: Any, path: str, default: Any = None) -> Any:
    """Read a dot path (``price.value``) from dicts, lists and attribute objects."""
    current = payload
    for part in path.split("."):
        if isinstance(current, Mapping):
            if part not in current:
                return default
            current = current[part]
        elif isinstance(current, list | tuple) and part.isdigit():
            index = int(part)
            if index >= len(current):
                return default
            current = current[index]
        elif hasattr(current, part):
            current = getattr(current, part)
        else:
            return default
    return current


class TopicPattern:
    """A set of glob patterns (``order.*``, ``*``) matched against topics, cached per topic."""

    __slots__ = ("_cache", "_regex", "patterns")

    def __init__(self, patterns: str | Iterable[str]) -> None:
        self.patterns: tuple[str, ...] = (
            (patterns,) if isinstance(patterns, str) else tuple(patterns)
        )
        if any(p == "*" for p in self.patterns):
            self._regex: re.Pattern[str] | None = None
        else:
            self._regex = re.compile(
                "|".join(f"(?:{fnmatch.translate(p)})" for p in self.patterns)
            )
        self._cache: dict[str, bool] = {}

    @property
    def matches_all(self) -> bool:
        return self._regex is None

    def __call__(self, topic: str) -> bool:
        hit = self._cache.get(topic)
        if hit is None:
            hit = self._regex is None or self._regex.match(topic) is not None
            self._cache[topic] = hit
        return hit

    def __repr__(self) -> str:
        return f"TopicPattern({self.patterns!r})"
