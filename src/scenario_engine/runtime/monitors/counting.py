"""Monitors that look at events one at a time: count, never, always."""

from __future__ import annotations

import math
from collections import deque
from typing import Any

from scenario_engine.events import Event
from scenario_engine.runtime.monitors._shared import (
    MAX_WITNESSES,
    compile_condition,
    count_param,
    describe_where,
    ordinal,
    plural,
    quote,
    topic_param,
)
from scenario_engine.spi import ParamError, Verdict, witness

__all__ = ["AlwaysMonitor", "CountMonitor", "NeverMonitor"]


class CountMonitor:
    """How many events match ``topic`` (and ``where``): at least ``min``, at most ``max``,
    or ``exact``. Exceeding the upper bound fails at once; a shortfall fails at the end.

    Texts: expected ``at least 35 'PriceUpdate' events`` / ``at most 3 ...`` /
    ``between 2 and 5 ...`` / ``exactly 3 ...``, plus `` where <condition>``;
    actual ``saw 30``. Witnesses: the last events counted.
    """

    __slots__ = ("_failed", "_high", "_low", "_n", "_recent", "_where", "expected", "topics")

    def __init__(
        self,
        topic: str,
        min: int | None = None,
        max: int | None = None,
        exact: int | None = None,
        where: Any = None,
    ) -> None:
        self.topics = (topic_param("topic", topic),)
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
        if where is not None and not where(event):
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
        return Verdict(
            passed, self.expected, f"saw {n}", () if passed else quote(self._recent), {"count": n}
        )


class NeverMonitor:
    """No event matches ``topic`` (and ``where``); the first one fails at once.

    Texts: expected ``no 'SystemHalted' events``; actual ``saw 'SystemHalted'
    at t=3.000s`` (the topic as delivered) or ``saw none``.
    """

    __slots__ = ("_failed", "_where", "expected", "topics")

    def __init__(self, topic: str, where: Any = None) -> None:
        self.topics = (topic_param("topic", topic),)
        self._where = compile_condition(where)
        self.expected = f"no {topic!r} events" + (
            f" where {describe_where(where)}" if where is not None else ""
        )
        self._failed: Verdict | None = None

    def observe(self, event: Event) -> Verdict | None:
        if self._failed is not None or (self._where is not None and not self._where(event)):
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
        return self._failed or Verdict(True, self.expected, "saw none", (), {"count": 0})


class AlwaysMonitor:
    """``predicate`` holds for every event matching ``topic``; the first violation fails at once.

    A predicate that raises counts as violated. No events at all pass.
    Texts: expected ``every 'PriceUpdate' event satisfying price > 0``; actual
    ``the 12th did not`` / ``the predicate raised KeyError: 'price' on the 3rd``
    / ``all 40 did`` / ``saw none``.
    """

    __slots__ = ("_failed", "_n", "_predicate", "expected", "topics")

    def __init__(self, topic: str, predicate: Any) -> None:
        self.topics = (topic_param("topic", topic),)
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
        return Verdict(True, self.expected, f"all {n} did" if n else "saw none", (), {"count": n})
