"""The sequence monitor: listed topics in order, once or per key."""

from __future__ import annotations

from collections.abc import Sequence as SequenceABC
from typing import Any

from scenario_engine.events import Event
from scenario_engine.runtime.monitors._shared import (
    ALLOWED,
    EMPTY_HINT,
    MAX_WITNESSES,
    MISSING,
    PLAIN_KEYS,
    by_param,
    classifier,
    flag_param,
    getter,
    hashable,
    quote,
    topic_param,
    unknown_topic,
)
from scenario_engine.spi import ParamError, Verdict

__all__ = ["SequenceMonitor"]


class SequenceMonitor:
    """The listed topics occur in order.

    Without ``by`` the assertion is about one occurrence in the stream: the
    first ``topics[0]`` starts it, listed events before that are ignored.
    With ``gaps=True`` the listed topics must appear as a subsequence (any
    events, listed or not, may come in between); with ``gaps=False``, once
    started, the next listed event must be the next step, so another listed
    topic in between fails at once. Once complete, it holds.

    With ``by`` (a payload path) every key value is one instance: it starts
    with ``topics[0]`` and must see the steps in order. Events for other keys
    interleave freely. For one key, a step ahead of the next one (or any step
    but the first for a key not in progress) fails at once; a repeat of an
    earlier step is ignored with ``gaps=True`` and fails with ``gaps=False``.
    A completed key is forgotten, so the same key may start again with
    ``topics[0]``. At the end, instances still in progress fail the
    assertion; no instance at all fails too. Events without the ``by`` value
    are ignored (counted in ``stats["unkeyed"]``).

    Texts: expected ``'OrderPlaced' then 'OrderFilled' for each orderId``
    (``, with no other listed topic in between`` for ``gaps=False``); actual
    ``'OrderFilled' for orderId='o-1' came before 'OrderPlaced'``, ``... came
    again before ...``, ``2 of 10 instances did not complete``, ``stopped
    after 'A': no 'B' followed``, ``saw no 'A'; nothing to judge;
    allow_empty=True says that is expected`` (with ``allow_empty=True``:
    holds, ``saw no 'A' (allowed by allow_empty=True)``), ``no event carried
    'orderId' (45 without it)`` (fails whatever ``allow_empty`` says).
    """

    __slots__ = (
        "_allow_empty",
        "_by",
        "_classify",
        "_completed",
        "_failed",
        "_gaps",
        "_key",
        "_last",
        "_open",
        "_position",
        "_progress",
        "_started",
        "_steps",
        "_unkeyed",
        "expected",
        "topics",
    )

    def __init__(
        self,
        topics: SequenceABC[str],
        by: str | None = None,
        gaps: bool = True,
        allow_empty: bool = False,
    ) -> None:
        self._allow_empty = flag_param("allow_empty", allow_empty)
        if isinstance(topics, str) or not isinstance(topics, SequenceABC) or len(topics) < 2:
            raise ParamError("topics", "must list at least two topics", topics)
        self._steps = tuple(topic_param("topics", t) for t in topics)
        self.topics = tuple(dict.fromkeys(self._steps))
        self._by = by_param(by)
        self._key = None if by is None else getter(by)
        self._gaps = flag_param("gaps", gaps)
        self._classify = classifier(self._steps)
        self.expected = (
            " then ".join(repr(t) for t in self._steps)
            + (f" for each {by}" if by else "")
            + ("" if gaps else ", with no other listed topic in between")
        )
        self._position = 0  # without by: the next step expected
        self._progress: list[Event] = []
        self._open: dict[Any, list[Any]] = {}  # with by: key -> [next step, last event]
        self._started = self._completed = self._unkeyed = 0
        self._last = len(self._steps) - 1
        self._failed: Verdict | None = None

    def _fail(
        self, event: Event, step: int, matched: tuple[int, ...], key: str, before: tuple[Event, ...]
    ) -> Verdict:
        again = "again " if matched[0] < step else ""
        actual = f"{event.topic!r}{key} came {again}before {self._steps[step]!r}"
        self._failed = Verdict(
            False,
            self.expected,
            actual,
            quote((*before[-(MAX_WITNESSES - 1) :], event)),
            self._stats(),
        )
        return self._failed

    def observe(self, event: Event) -> Verdict | None:
        if self._failed is not None:
            return None
        matched = self._classify(event.topic)
        if not matched:
            return None
        if self._key is not None:
            return self._observe_keyed(event, matched, self._key(event.payload))
        step = self._position
        if step > self._last:
            return None
        if step in matched:
            self._progress.append(event)
            self._position = step + 1
            return None
        if step == 0 or self._gaps:
            return None
        return self._fail(event, step, matched, "", tuple(self._progress))

    def _observe_keyed(self, event: Event, matched: tuple[int, ...], key: Any) -> Verdict | None:
        if key is MISSING:
            self._unkeyed += 1
            return None
        if key.__class__ not in PLAIN_KEYS:
            key = hashable(key)
        state = self._open.get(key)
        step = 0 if state is None else state[0]
        if step in matched:
            if state is None:
                self._started += 1
                self._open[key] = [1, event]
            elif step == self._last:
                del self._open[key]
                self._completed += 1
            else:
                state[0] = step + 1
                state[1] = event
            return None
        if state is not None and matched[0] < step and self._gaps:
            return None
        before = () if state is None else (state[1],)
        return self._fail(event, step, matched, f" for {self._by}={key!r}", before)

    def _empty(self, stats: dict[str, Any]) -> Verdict:
        stats = {**stats, "vacuous": True}
        if self._allow_empty:
            return Verdict(True, self.expected, f"saw no {self._steps[0]!r} ({ALLOWED})", (), stats)
        return Verdict(False, self.expected, f"saw no {self._steps[0]!r}; {EMPTY_HINT}", (), stats)

    def review(self, verdict: Verdict, census: Any) -> Verdict:
        """An empty verdict on a topic nothing published or declared suggests close names."""
        if verdict.stats.get("vacuous"):
            return verdict if self._allow_empty else unknown_topic(verdict, self._steps[0], census)
        if not verdict.passed:  # a misspelt later step never comes
            for step in dict.fromkeys(self._steps[1:]):
                if step != self._steps[0]:
                    verdict = unknown_topic(verdict, step, census, judged=False)
        return verdict

    def _stats(self) -> dict[str, Any]:
        if self._by is None:
            return {"steps_seen": self._position}
        return {
            "started": self._started,
            "completed": self._completed,
            "pending": len(self._open),
            "unkeyed": self._unkeyed,
        }

    def finish(self, now: float) -> Verdict:
        if self._failed is not None:
            return self._failed
        steps, stats = self._steps, self._stats()
        if self._by is None:
            step = self._position
            if step > self._last:
                return Verdict(True, self.expected, "saw them in order", (), stats)
            if step == 0:
                return self._empty(stats)
            actual = f"stopped after {steps[step - 1]!r}: no {steps[step]!r} followed"
            return Verdict(
                False, self.expected, actual, quote(self._progress[-MAX_WITNESSES:]), stats
            )
        started, pending = self._started, len(self._open)
        if started == 0:
            if not self._unkeyed:
                return self._empty(stats)
            actual = f"no event carried {self._by!r} ({self._unkeyed} without it)"
            return Verdict(False, self.expected, actual, (), {**stats, "vacuous": True})
        if pending:
            actual = f"{pending} of {started} instances did not complete"
            return Verdict(
                False,
                self.expected,
                actual,
                quote(state[1] for state in self._open.values()),
                stats,
            )
        return Verdict(True, self.expected, f"all {started} instances completed", (), stats)
