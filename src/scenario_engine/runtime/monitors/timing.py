"""The within monitor: every `first` answered by a `then` in time, with latency statistics."""

from __future__ import annotations

import math
import random
from array import array
from collections import deque
from typing import Any

import attrs

from scenario_engine.events import Event, TopicPattern
from scenario_engine.runtime.monitors._shared import (
    ALLOWED,
    EMPTY_HINT,
    EPSILON,
    MISSING,
    PLAIN_KEYS,
    by_param,
    flag_param,
    format_ms,
    getter,
    hashable,
    plural,
    quote,
    topic_param,
    unknown_topic,
)
from scenario_engine.spi import ParamError, Verdict

__all__ = ["LatencyStats", "WithinMonitor"]

_FIRST, _THEN = 1, 2


class LatencyStats:
    """Latencies in ms: exact up to ``capacity`` values, then a uniform reservoir of that size.

    Count, max and mean stay exact; percentiles (nearest rank) are exact
    until the reservoir takes over, then estimates (``stats["approximate"]``).
    The reservoir draws from its own fixed-seed RNG, so reports reproduce.
    """

    __slots__ = ("_rng", "_stride", "capacity", "count", "maximum", "series", "total", "values")

    #: points of (clock time, ms) kept for charts: evenly thinned past twice this many
    SERIES = 1000

    def __init__(self, capacity: int = 65_536) -> None:
        self.capacity = capacity
        self.values = array("d")
        self.count = 0
        self.total = 0.0
        self.maximum = 0.0
        self._rng: random.Random | None = None
        self.series: list[tuple[float, float]] = []
        self._stride = 1

    def add(self, ms: float, at: float | None = None) -> None:
        self.count += 1
        self.total += ms
        self.maximum = max(self.maximum, ms)
        if at is not None and (self.count - 1) % self._stride == 0:
            self.series.append((round(at, 6), round(ms, 3)))
            if len(self.series) >= 2 * self.SERIES:
                self.series = self.series[::2]
                self._stride *= 2
        if self.count <= self.capacity:
            self.values.append(ms)
            return
        if self._rng is None:
            self._rng = random.Random(0x5EED)
        slot = self._rng.randrange(self.count)
        if slot < self.capacity:
            self.values[slot] = ms

    def stats(self) -> dict[str, Any]:
        if not self.count:
            return {"count": 0}
        ordered = sorted(self.values)

        def rank(p: float) -> float:
            return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)], 3)

        out: dict[str, Any] = {
            "count": self.count,
            "p50_ms": rank(50),
            "p95_ms": rank(95),
            "p99_ms": rank(99),
            "max_ms": round(self.maximum, 3),
            "mean_ms": round(self.total / self.count, 3),
        }
        if self.count > self.capacity:
            out["approximate"] = True
        if self.series:
            out["series"] = [list(point) for point in self.series]
        return out


class WithinMonitor:
    """Every ``first`` event is followed by a ``then`` within ``ms`` of clock time.

    Pairing: with ``by``, a ``then`` answers the oldest pending ``first`` with
    the same payload value at ``by``; without, the oldest pending ``first``
    (FIFO). A ``then`` with nothing to answer is counted (``unmatched``) and
    otherwise ignored; events without the ``by`` value are ignored
    (``unkeyed``). An event matching both topics answers, then starts.

    Fails at once when a ``then`` comes late, or when one of its events (a
    ``first`` or a ``then``) arrives after the oldest pending ``first``'s
    deadline. At ``finish(now)``, every pending
    ``first`` fails the assertion: those past their deadline, and also those
    whose deadline had not come when the run ended, since nothing shows they
    would have been answered in time (end the scenario with a wait if the
    last ones need it). Memory: the pending ``first`` events within the
    window, and the latencies (see :class:`LatencyStats`).

    Texts: expected ``every 'OrderPlaced' followed by 'OrderFilled' within
    200ms`` (`` with the same orderId``); actual ``'OrderFilled' came 312ms
    after 'OrderPlaced' for orderId='o-1'``, ``no 'OrderFilled' within 200ms
    of 'OrderPlaced' for orderId='o-2'``, ``2 'OrderPlaced' got no
    'OrderFilled' within 200ms; 1 more still waited when the run ended``,
    ``all 10 answered; max 120ms``. Every pair's latency is measured, also
    after the first failure (the verdict is the first failure; its stats
    cover the whole run: count, p50, p95, p99, max, and ``late``).

    Judging nothing fails: ``saw no 'OrderPlaced'; nothing to judge;
    allow_empty=True says that is expected`` (with ``allow_empty=True`` it
    holds, ``stats["vacuous"]`` set), and ``45 'OrderPlaced' events arrived,
    none with 'orderId': nothing to judge`` whatever ``allow_empty`` says.
    """

    #: keep routing events here after the first failure: the latency statistics need them
    observes_after_failure = True

    __slots__ = (
        "_allow_empty",
        "_by",
        "_extra",
        "_failed",
        "_first",
        "_key",
        "_kinds",
        "_late",
        "_latencies",
        "_limit",
        "_match_first",
        "_match_then",
        "_ms",
        "_pending",
        "_queue",
        "_then",
        "_unkeyed",
        "_unkeyed_first",
        "_unmatched",
        "expected",
        "topics",
    )

    def __init__(
        self,
        first: str,
        then: str,
        ms: float,
        by: str | None = None,
        allow_empty: bool = False,
    ) -> None:
        self._allow_empty = flag_param("allow_empty", allow_empty)
        self._first, self._then = topic_param("first", first), topic_param("then", then)
        if (
            isinstance(ms, bool)
            or not isinstance(ms, int | float)
            or not math.isfinite(ms)
            or ms < 0
        ):
            raise ParamError("ms", "must be a number >= 0", ms)
        self._by = by_param(by)
        self._key = None if by is None else getter(by)
        self.topics = tuple(dict.fromkeys((first, then)))
        self._ms = ms
        self._limit = ms / 1000.0 + EPSILON
        self._match_first, self._match_then = TopicPattern(first), TopicPattern(then)
        self._kinds: dict[str, int] = {}  # topic -> _FIRST | _THEN bits
        self.expected = f"every {first!r} followed by {then!r} within {format_ms(ms)}ms" + (
            f" with the same {by}" if by else ""
        )
        # Pending firsts in arrival order, as [event, key, answered]. Without by,
        # a `then` pops the head. With by, it answers the key's record in
        # `_pending` (later firsts of the same key wait in `_extra`), and answered
        # records leave the queue once they reach its head.
        self._queue: deque[list[Any]] = deque()
        self._pending: dict[Any, list[Any]] = {}
        self._extra: dict[Any, deque[list[Any]]] = {}
        self._latencies = LatencyStats()
        self._unmatched = self._unkeyed = self._unkeyed_first = self._late = 0
        self._failed: Verdict | None = None

    def _kind(self, topic: str) -> int:
        kind = (_FIRST if self._match_first(topic) else 0) | (
            _THEN if self._match_then(topic) else 0
        )
        self._kinds[topic] = kind
        return kind

    def _key_text(self, key: Any) -> str:
        return "" if self._by is None else f" for {self._by}={key!r}"

    def observe(self, event: Event) -> Verdict | None:
        kind = self._kinds.get(event.topic)
        if kind is None:
            kind = self._kind(event.topic)
        keyed = self._key
        key = None
        if keyed is not None:
            key = keyed(event.payload)
            if key is MISSING:
                self._unkeyed += 1
                if kind & _FIRST:
                    self._unkeyed_first += 1
                return None
            if key.__class__ not in PLAIN_KEYS:
                key = hashable(key)
        queue = self._queue
        if kind & _THEN:
            if keyed is None:
                record = queue.popleft() if queue else None
            else:
                record = self._pending.pop(key, None)
                if record is not None:
                    record[2] = True
                    if self._extra:
                        self._promote(key)
            if record is None:
                self._unmatched += 1
            else:
                latency = event.time - record[0].time
                self._latencies.add(latency * 1000.0, event.time)
                if latency > self._limit:
                    self._late += 1
                if latency > self._limit and self._failed is None:
                    actual = (
                        f"{event.topic!r} came {format_ms(latency * 1000.0)}ms after "
                        f"{record[0].topic!r}{self._key_text(key)}"
                    )
                    return self._fail(actual, (record[0], event))
        if queue:
            while queue[0][2]:
                queue.popleft()
                if not queue:
                    break
            else:
                head = queue[0]
                if event.time - head[0].time > self._limit and self._failed is None:
                    actual = (
                        f"no {self._then!r} within {format_ms(self._ms)}ms of "
                        f"{head[0].topic!r}{self._key_text(head[1])}"
                    )
                    return self._fail(actual, (head[0],))
        if kind & _FIRST:
            record = [event, key, False]
            queue.append(record)
            if keyed is not None and self._pending.setdefault(key, record) is not record:
                self._extra.setdefault(key, deque()).append(record)
        return None

    def _empty(self, stats: dict[str, Any]) -> Verdict:
        """Nothing was judged: no ``first`` at all, or none carrying the ``by`` key."""
        stats["vacuous"] = True
        if self._unkeyed_first:
            actual = (
                f"{plural(self._unkeyed_first, self._first)} arrived, none with {self._by!r}: "
                "nothing to judge"
            )
            return Verdict(False, self.expected, actual, (), stats)
        if self._allow_empty:
            return Verdict(True, self.expected, f"saw no {self._first!r} ({ALLOWED})", (), stats)
        return Verdict(False, self.expected, f"saw no {self._first!r}; {EMPTY_HINT}", (), stats)

    def review(self, verdict: Verdict, census: Any) -> Verdict:
        """An empty verdict on a topic nothing published or declared suggests close names."""
        if verdict.stats.get("vacuous"):
            return verdict if self._allow_empty else unknown_topic(verdict, self._first, census)
        if not verdict.passed and self._then != self._first:  # a misspelt answer never comes
            verdict = unknown_topic(verdict, self._then, census, judged=False)
        return verdict

    def _promote(self, key: Any) -> None:
        """The key's next pending first (a duplicate key) becomes the one to answer."""
        waiting = self._extra.get(key)
        if waiting:
            self._pending[key] = waiting.popleft()
            if not waiting:
                del self._extra[key]

    def _fail(self, actual: str, events: tuple[Event, ...]) -> Verdict:
        self._failed = Verdict(False, self.expected, actual, quote(events), self._stats())
        return self._failed

    def _stats(self) -> dict[str, Any]:
        stats = self._latencies.stats()
        stats["pending"] = sum(1 for record in self._queue if not record[2])
        stats["unmatched"] = self._unmatched
        stats["late"] = self._late
        if self._by is not None:
            stats["unkeyed"] = self._unkeyed
        return stats

    def finish(self, now: float) -> Verdict:
        stats = self._stats()
        if self._failed is not None:  # the first failure, with the whole run's statistics
            return attrs.evolve(self._failed, stats=stats)
        waiting = [record[0] for record in self._queue if not record[2]]
        if not waiting:
            answered = self._latencies.count
            if not answered:
                return self._empty(stats)
            actual = f"all {answered} answered; max {format_ms(self._latencies.maximum)}ms"
            if self._unkeyed:
                actual += f"; {self._unkeyed} event(s) without {self._by!r} were not judged"
            return Verdict(True, self.expected, actual, (), stats)
        late = [e for e in waiting if now - e.time > self._limit]
        parts = []
        if late:
            parts.append(
                f"{len(late)} {self._first!r} got no {self._then!r} within {format_ms(self._ms)}ms"
            )
        still = len(waiting) - len(late)
        if still:
            parts.append(
                f"{still} more still waited when the run ended"
                if late
                else f"{still} {self._first!r} still waited for {self._then!r} when the run ended"
            )
        return Verdict(False, self.expected, "; ".join(parts), quote(late or waiting), stats)
