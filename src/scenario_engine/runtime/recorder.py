"""The event log: one compact JSON line per event delivered or touched by chaos.

Lines are written as the run goes and handed to the OS at every step,
whenever a wall-clock run waits, when 64 KiB are buffered, and by a
background flusher at least every :attr:`Recorder.FLUSH_EVERY` seconds of
wall time (a virtual-clock run never waits), so whatever ends the process,
at most that much of what was already seen is lost and every complete line
parses. ``seq`` is the line number: witnesses in reports point at it.

Statuses: a delivered event has none; ``"held"`` is an event chaos holds
back (a reorder window, a buffering outage) and delivers later, where its
delivery line says ``"released"``; ``"dropped"`` is an event chaos lost.

A line has ``seq``, ``t`` (clock seconds: when the event arrived, see
:mod:`scenario_engine.runtime.arrival`), ``cycle``, ``topic``, ``source``,
``id``, ``payload``, and where they apply ``key``, ``headers``, ``chaos``
(the marks), ``status`` and ``broker_time`` (when the broker stored the
event, Unix seconds by the broker's clock: Redis entry ids, JetStream
metadata). Readers ignore keys they do not know, so lines written before a
key existed still read.
"""

from __future__ import annotations

import threading
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
    #: seconds of wall time at most between two hand-overs to the OS
    FLUSH_EVERY = 0.1

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file: IO[bytes] | None = None
        self._stop: threading.Event | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("wb", buffering=self.BUFFER)
            self._stop = threading.Event()
            threading.Thread(
                target=self._flusher, args=(self._file, self._stop), daemon=True,
                name="scenario-recorder-flush",
            ).start()
        self.seq = 0
        self.dropped = 0
        self.held = 0
        self.released = 0
        #: delivered events per topic
        self.topics: dict[str, int] = {}
        #: events chaos held or dropped, per topic (they were published, so the topic exists)
        self.touched: dict[str, int] = {}
        #: events held and not yet delivered: event id -> how many holds are open
        self._holding: dict[str, int] = {}

    def _flusher(self, file: IO[bytes], stop: threading.Event) -> None:
        """Hand what is buffered to the OS every FLUSH_EVERY seconds (a buffered file locks
        each write, so a flush comes between two lines, never inside one)."""
        while not stop.wait(self.FLUSH_EVERY):
            try:
                file.flush()
            except (OSError, ValueError):  # closed under us, or the disk is gone: close() says so
                return

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
        if event.broker_time is not None:
            record["broker_time"] = event.broker_time
        return record

    def delivered(self, event: Event, now: float) -> None:
        """Record a delivered event, stamping its ``seq`` and delivery ``time``."""
        event.time = now
        seq = self.seq + 1
        event.seq = seq
        topic = event.topic
        if self._holding and event.id in self._holding:
            self._release(event, seq)
            return
        if self._file is None:
            self._count(topic, seq)
            return
        if event.key is None and not event.headers and not event.marks:
            # the common case, spelled out: no optional fields to look at
            record = {
                "seq": seq,
                "t": round(now, 6),
                "cycle": event.cycle,
                "topic": topic,
                "source": event.source,
                "id": event.id,
                "payload": event.payload,
            }
            if event.broker_time is not None:
                record["broker_time"] = event.broker_time
            try:
                self._file.write(_dumps(record, default=_default, option=_OPTIONS))
                self._count(topic, seq)
                return
            except TypeError:
                pass
        self._write(self._record(event, seq, None))
        self._count(topic, seq)

    def _count(self, topic: str, seq: int) -> None:
        # counted once written: an interrupt between the two never counts a line the log lacks
        self.seq = seq
        topics = self.topics
        topics[topic] = topics.get(topic, 0) + 1

    def _release(self, event: Event, seq: int) -> None:
        """The delivery of an event chaos had held: its line says ``released``."""
        self._close_hold(event.id)
        if self._file is not None:
            self._write(self._record(event, seq, "released"))
        self.released += 1
        self._count(event.topic, seq)

    def _close_hold(self, event_id: str) -> None:
        open_holds = self._holding[event_id] - 1
        if open_holds:
            self._holding[event_id] = open_holds
        else:
            del self._holding[event_id]

    def _touched(self, event: Event, now: float, label: str, status: str) -> int:
        event.time = now
        if label not in event.marks:
            event.marks = (*event.marks, label)
        seq = self.seq + 1
        if self._file is not None:
            self._write(self._record(event, seq, status))
        # the status count first: seq - dropped - held (the deliveries) never counts this line
        if status == "held":
            self.held += 1
        else:
            self.dropped += 1
        self.seq = seq
        self.touched[event.topic] = self.touched.get(event.topic, 0) + 1
        return seq

    def dropped_event(self, event: Event, now: float, label: str) -> None:
        """Record an event a chaos action lost: it is never delivered."""
        self._touched(event, now, label, "dropped")
        if event.id in self._holding:  # held by one action, then lost by a later one
            self._close_hold(event.id)

    def held_event(self, event: Event, now: float, label: str) -> None:
        """Record an event a chaos action holds back to deliver later (its ``released`` line
        follows when it is delivered)."""
        self._touched(event, now, label, "held")
        self._holding[event.id] = self._holding.get(event.id, 0) + 1

    @property
    def still_held(self) -> int:
        """Events held and not (yet) delivered: nonzero only when a run was cut short."""
        return sum(self._holding.values())

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._stop is not None:
            self._stop.set()
        self.flush()
        if self._file is not None:
            self._file.close()
            self._file = None
