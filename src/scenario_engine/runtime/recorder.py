"""The event log: one compact JSON line per event delivered or touched by chaos.

Lines are written as the run goes (handed to the OS every 64 KiB, at
every step, and whenever a wall-clock run waits), so whatever ends the
process, what was already seen is on disk and every complete line parses.
``seq`` is the line number: witnesses in reports point at it.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import attrs
import orjson

from scenario_engine.events import Event

__all__ = ["Recorder"]

_OPTIONS = orjson.OPT_APPEND_NEWLINE
_dumps = orjson.dumps


def _default(obj: Any) -> Any:
    if attrs.has(type(obj)):
        return attrs.asdict(obj)
    if isinstance(obj, tuple | set | frozenset):
        return list(obj)
    if hasattr(obj, "items"):
        return dict(obj.items())
    return str(obj)


class Recorder:
    """Streams events to ``path`` (or only counts them, when ``path`` is None)."""

    #: bytes held in the process before they reach the OS
    BUFFER = 1 << 16

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file: IO[bytes] | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("wb", buffering=self.BUFFER)
        self.seq = 0
        self.dropped = 0
        self.topics: dict[str, int] = {}

    def _write(self, record: dict[str, Any]) -> None:
        # each line goes straight into the file's buffer: keeping many small ``bytes``
        # objects alive costs more than encoding them (measured: 3.4 vs 0.9 us a line)
        assert self._file is not None
        try:
            line = orjson.dumps(record, default=_default, option=_OPTIONS)
        except TypeError:  # mapping keys that are not strings: the slower, general path
            line = orjson.dumps(record, default=_default, option=_OPTIONS | orjson.OPT_NON_STR_KEYS)
        self._file.write(line)

    def _record(self, event: Event, seq: int, status: str | None) -> dict[str, Any]:
        record: dict[str, Any] = {
            "seq": seq,
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
        return record

    def delivered(self, event: Event, now: float) -> None:
        """Record a delivered event, stamping its ``seq`` and delivery ``time``."""
        event.time = now
        self.seq = seq = self.seq + 1
        event.seq = seq
        topic = event.topic
        topics = self.topics
        topics[topic] = topics.get(topic, 0) + 1
        if self._file is None:
            return
        if event.key is None and not event.headers and not event.marks:
            # the common case, spelled out: no optional fields to look at
            try:
                self._file.write(
                    _dumps(
                        {
                            "seq": seq,
                            "t": round(now, 6),
                            "cycle": event.cycle,
                            "topic": topic,
                            "source": event.source,
                            "id": event.id,
                            "payload": event.payload,
                        },
                        default=_default,
                        option=_OPTIONS,
                    )
                )
                return
            except TypeError:
                pass
        self._write(self._record(event, seq, None))

    def dropped_event(self, event: Event, now: float, label: str) -> None:
        """Record an event a chaos action kept from being delivered."""
        event.time = now
        if label not in event.marks:
            event.marks = (*event.marks, label)
        self.dropped += 1
        self.seq += 1
        if self._file is not None:
            self._write(self._record(event, self.seq, "dropped"))

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        self.flush()
        if self._file is not None:
            self._file.close()
            self._file = None
