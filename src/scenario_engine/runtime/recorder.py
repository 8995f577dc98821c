"""The event log: one compact JSON line per event delivered or touched by chaos.

Lines are written as the run goes (flushed to the OS every few hundred
lines, at every step and while waiting on the wall clock), so whatever
ends the process, what was already seen is on disk and every complete line
parses. ``seq`` is the line number: witnesses in reports point at it.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import attrs
import orjson

from scenario_engine.events import Event

__all__ = ["Recorder", "encode_payload"]

_OPTIONS = orjson.OPT_APPEND_NEWLINE | orjson.OPT_NON_STR_KEYS


def _default(obj: Any) -> Any:
    if attrs.has(type(obj)):
        return attrs.asdict(obj)
    if isinstance(obj, tuple | set | frozenset):
        return list(obj)
    if hasattr(obj, "items"):
        return dict(obj.items())
    return str(obj)


def encode_payload(value: Any) -> bytes:
    """JSON bytes for any payload the engine may carry (attrs and dataclasses included)."""
    return orjson.dumps(value, default=_default, option=orjson.OPT_NON_STR_KEYS)


class Recorder:
    """Streams events to ``path`` (or only counts them, when ``path`` is None)."""

    FLUSH_EVERY = 256

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file: IO[bytes] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("wb")
        self._lines: list[bytes] = []
        self.seq = 0
        self.dropped = 0
        self.topics: dict[str, int] = {}

    def _line(self, event: Event, status: str | None) -> None:
        self.seq += 1
        if self._file is None:
            return
        record: dict[str, Any] = {
            "seq": self.seq,
            "t": round(event.time, 6),
            "cycle": event.cycle,
            "topic": event.topic,
            "source": event.source,
            "id": event.id,
        }
        if event.key is not None:
            record["key"] = event.key
        if event.headers:
            record["headers"] = dict(event.headers)
        record["payload"] = event.payload
        if event.marks:
            record["chaos"] = event.marks
        if status is not None:
            record["status"] = status
        self._lines.append(orjson.dumps(record, default=_default, option=_OPTIONS))
        if len(self._lines) >= self.FLUSH_EVERY:
            self.flush()

    def delivered(self, event: Event, now: float) -> None:
        """Record a delivered event, stamping its ``seq`` and delivery ``time``."""
        event.time = now
        self._line(event, None)
        event.seq = self.seq
        topics = self.topics
        topics[event.topic] = topics.get(event.topic, 0) + 1

    def dropped_event(self, event: Event, now: float, label: str) -> None:
        """Record an event a chaos action kept from being delivered."""
        event.time = now
        if label not in event.marks:
            event.marks = (*event.marks, label)
        self.dropped += 1
        self._line(event, "dropped")

    def flush(self) -> None:
        if self._file is not None and self._lines:
            self._file.write(b"".join(self._lines))
            self._file.flush()
            self._lines.clear()

    def close(self) -> None:
        self.flush()
        if self._file is not None:
            self._file.close()
            self._file = None
