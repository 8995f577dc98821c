"""The event record that flows through chaos, buses, monitors and the log; and topic patterns."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

__all__ = ["Event", "TopicPattern", "payload_get"]


def _freeze_headers(value: Mapping[str, str] | None) -> Mapping[str, str]:
    return dict(value) if value else {}


@attrs.frozen(eq=True)
class Event:
    """One message on the bus.

    ``time`` is clock time in seconds since the run started (virtual or wall);
    ``seq`` is the order in which the engine saw it (0 until recorded);
    ``cycle`` is the scenario cycle during which it was produced.
    ``source`` tells who published it: ``engine``, ``system`` or ``chaos``.
    """

    topic: str
    payload: Any = None
    key: str | None = None
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=_freeze_headers)
    id: str = ""
    time: float = 0.0
    seq: int = 0
    cycle: int = 0
    source: str = "engine"


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
