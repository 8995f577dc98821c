"""Monitors that look at events one at a time: count, never, always."""

from __future__ import annotations

import math
from collections import deque
from typing import Any

from scenario_engine.events import Event
from scenario_engine.runtime.monitors._shared import (
    ALLOWED,
    EMPTY_HINT,
    MAX_WITNESSES,
    FieldProbe,
    compile_condition,
    count_param,
    describe_where,
    flag_param,
    ordinal,
    plural,
    quote,
    topic_param,
    unknown_topic,
)
from scenario_engine.spi import ParamError, Verdict, witness

__all__ = ["AlwaysMonitor", "CountMonitor", "NeverMonitor"]


class CountMonitor:
    """How many events match ``topic`` (and ``where``): at least ``min``, at most ``max``,
    or ``exact``. Exceeding the upper bound fails at once; a shortfall fails at the end.

    Texts: expected ``at least 35 'PriceUpdate' events`` / ``at most 3 ...`` /
    ``between 2 and 5 ...`` / ``exactly 3 ...``, plus `` where <condition>``;
    actual ``saw 30``. Witnesses: the last events counted.

    Judging nothing is said (``stats["vacuous"]``): ``saw 0; none of the 40
    'zeroed' events carries 'valu', so the condition never applied; did you
    mean 'value'?``, and for a topic nothing in the run published or the
    plan declares, ``saw 0; nothing in this run published 'OrderRejeted'
    and the plan declares no such topic`` -- which fails when a close name
    was there (``; did you mean 'OrderRejected'?``). ``allow_empty=True``
    says an unknown topic is expected.
    """

    __slots__ = (
        "_allow_empty",
        "_failed",
        "_high",
        "_low",
        "_n",
        "_probe",
        "_recent",
        "_where",
        "expected",
        "topics",
    )

    def __init__(
        self,
        topic: str,
        min: int | None = None,
        max: int | None = None,
        exact: int | None = None,
        where: Any = None,
        allow_empty: bool = False,
    ) -> None:
        self.topics = (topic_param("topic", topic),)
        self._allow_empty = flag_param("allow_empty", allow_empty)
        self._probe = FieldProbe(where)
        low, high = count_param("min", min), count_param("max", max)
        exact = count_param("exact", exact)
        if low is None and high is None and exact is None:
            raise ParamError("min", "give min, max or exact")
        if exact is not None:
            if low is not None or high is not None:
                raise ParamError("exact", "excludes min and max", exact)
            low = high = exact
        if low is not None and high is not None and low > high:
            raise ParamError("min", f"must be <= max ({high})", low)
        self._low = low or 0
        self._high = high if high is not None else math.inf
        self._where = compile_condition(where)
        if exact is not None:
            bound = f"exactly {plural(exact, topic)}"
        elif high is None:
            bound = f"at least {plural(self._low, topic)}"
        elif low is None:
            bound = f"at most {plural(high, topic)}"
        else:
            bound = f"between {low} and {plural(high, topic)}"
        self.expected = bound + (f" where {describe_where(where)}" if where is not None else "")
        self._n = 0
        self._recent: deque[Event] = deque(maxlen=MAX_WITNESSES)
        self._failed: Verdict | None = None

    def observe(self, event: Event) -> Verdict | None:
        where = self._where
        if where is not None:
            self._probe.probe(event.payload)
            if not where(event):
                return None
        n = self._n = self._n + 1
        self._recent.append(event)
        if n > self._high and self._failed is None:
            self._failed = Verdict(
                False, self.expected, f"saw {n}", quote(self._recent), {"count": n}
            )
            return self._failed
        return None

    def finish(self, now: float) -> Verdict:
        if self._failed is not None:
            return self._failed
        n = self._n
        passed = self._low <= n <= self._high
        actual, stats = f"saw {n}", {"count": n}
        note = self._probe.note(self.topics[0])
        if note is not None:
            actual, stats = f"{actual}; {note}", {"count": n, "vacuous": True}
        return Verdict(passed, self.expected, actual, () if passed else quote(self._recent), stats)

    def review(self, verdict: Verdict, census: Any) -> Verdict:
        """Say so when the topic is one nothing in the run published or declared."""
        if self._allow_empty:
            return verdict
        return unknown_topic(verdict, self.topics[0], census)


class NeverMonitor:
    """No event matches ``topic`` (and ``where``); the first one fails at once.

    Texts: expected ``no 'SystemHalted' events``; actual ``saw 'SystemHalted'
    at t=3.000s`` (the topic as delivered) or ``saw none``.

    Judging nothing is said (``stats["vacuous"]``), as for :class:`CountMonitor`:
    ``saw none; none of the 45 'reply' events carries 'error', so the
    condition never applied``; ``saw none; nothing in this run published
    'OrderRejeted' and the plan declares no such topic; did you mean
    'OrderRejected'?`` (a failure: the name is close to one that was there).
    """

    __slots__ = ("_allow_empty", "_failed", "_probe", "_where", "expected", "topics")

    def __init__(self, topic: str, where: Any = None, allow_empty: bool = False) -> None:
        self.topics = (topic_param("topic", topic),)
        self._allow_empty = flag_param("allow_empty", allow_empty)
        self._probe = FieldProbe(where)
        self._where = compile_condition(where)
        self.expected = f"no {topic!r} events" + (
            f" where {describe_where(where)}" if where is not None else ""
        )
        self._failed: Verdict | None = None

    def observe(self, event: Event) -> Verdict | None:
        if self._failed is not None:
            return None
        if self._where is not None:
            self._probe.probe(event.payload)
            if not self._where(event):
                return None
        self._failed = Verdict(
            False,
            self.expected,
            f"saw {event.topic!r} at t={event.time:.3f}s",
            (witness(event),),
            {"count": 1},
        )
        return self._failed

    def finish(self, now: float) -> Verdict:
        if self._failed is not None:
            return self._failed
        note = self._probe.note(self.topics[0])
        if note is not None:
            return Verdict(
                True, self.expected, f"saw none; {note}", (), {"count": 0, "vacuous": True}
            )
        return Verdict(True, self.expected, "saw none", (), {"count": 0})

    def review(self, verdict: Verdict, census: Any) -> Verdict:
        """Say so when the topic is one nothing in the run published or declared."""
        if self._allow_empty:
            return verdict
        return unknown_topic(verdict, self.topics[0], census)


class AlwaysMonitor:
    """``predicate`` holds for every event matching ``topic``; the first violation fails at once.

    A predicate that raises counts as violated. No events at all judged
    nothing: that fails, unless ``allow_empty=True`` says it is expected.
    Texts: expected ``every 'PriceUpdate' event satisfying price > 0``; actual
    ``the 12th did not`` / ``the predicate raised KeyError: 'price' on the 3rd``
    / ``all 40 did`` / ``saw no 'PriceUpdate' events; nothing to judge;
    allow_empty=True says that is expected`` / ``saw no 'PriceUpdate' events
    (allowed by allow_empty=True)``.
    """

    __slots__ = ("_allow_empty", "_failed", "_n", "_predicate", "expected", "topics")

    def __init__(self, topic: str, predicate: Any, allow_empty: bool = False) -> None:
        self.topics = (topic_param("topic", topic),)
        self._allow_empty = flag_param("allow_empty", allow_empty)
        compiled = compile_condition(predicate)
        if compiled is None:
            raise ParamError("predicate", "must be a callable or a mapping of payload paths")
        self._predicate = compiled
        self.expected = f"every {topic!r} event satisfying {describe_where(predicate)}"
        self._n = 0
        self._failed: Verdict | None = None

    def observe(self, event: Event) -> Verdict | None:
        n = self._n = self._n + 1
        try:
            if self._predicate(event):
                return None
            actual = f"the {ordinal(n)} did not"
        except Exception as err:  # the user's predicate failing is this assertion's failure
            actual = f"the predicate raised {type(err).__name__}: {err} on the {ordinal(n)}"
        if self._failed is not None:
            return None
        self._failed = Verdict(False, self.expected, actual, (witness(event),), {"count": n})
        return self._failed

    def finish(self, now: float) -> Verdict:
        if self._failed is not None:
            return self._failed
        n = self._n
        if n:
            return Verdict(True, self.expected, f"all {n} did", (), {"count": n})
        stats = {"count": 0, "vacuous": True}
        none = f"saw no {self.topics[0]!r} events"
        if self._allow_empty:
            return Verdict(True, self.expected, f"{none} ({ALLOWED})", (), stats)
        return Verdict(False, self.expected, f"{none}; {EMPTY_HINT}", (), stats)

    def review(self, verdict: Verdict, census: Any) -> Verdict:
        """An empty verdict on a topic nothing published or declared suggests close names."""
        if not verdict.stats.get("vacuous") or self._allow_empty:
            return verdict
        return unknown_topic(verdict, self.topics[0], census)
