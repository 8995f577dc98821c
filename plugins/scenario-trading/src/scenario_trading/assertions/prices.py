"""Assertions over a price series: a band, a maximum drawdown, a volatility range."""

from __future__ import annotations

import math

from scenario_engine.spi import Event, Verdict, Witness, witness

from scenario_trading._spec import component
from scenario_trading.assertions._base import (
    MISSING,
    LatchingMonitor,
    not_a_number,
    num,
    pct,
    read_field,
    subject,
)
from scenario_trading.dsl.assertions import MaxDrawdown, PriceWithin, Volatility
from scenario_trading.stats import Moments

__all__ = [
    "MaxDrawdownMonitor",
    "PriceWithinMonitor",
    "VolatilityMonitor",
    "max_drawdown",
    "price_within",
    "volatility",
]


def _unreadable(field: str, value: object, event: Event) -> str:
    return f"{field} {value!r} at #{event.seq} is not a number"


def _nothing_seen(field: str, topic: str, symbol: str | None) -> str:
    owner = f" for {symbol}" if symbol else ""
    return f"no {topic!r} event carried {field!r}{owner}"


class PriceWithinMonitor(LatchingMonitor):
    """Fails on the first price outside the band."""

    def __init__(self, spec: PriceWithin) -> None:
        super().__init__(spec.topic)
        self.spec = spec
        self.expected = (
            f"{subject(spec.field, spec.topic, spec.symbol)} "
            f"within [{num(spec.low)}, {num(spec.high)}]"
        )
        self._count = 0
        self._low = math.inf
        self._high = -math.inf

    def check(self, event: Event) -> Verdict | None:
        spec = self.spec
        value = read_field(event.payload, spec.field, spec.symbol)
        if value is MISSING:
            return None
        if not_a_number(value):
            actual = _unreadable(spec.field, value, event)
            return Verdict(False, self.expected, actual, (witness(event),))
        self._count += 1
        self._low = min(self._low, value)
        self._high = max(self._high, value)
        if spec.low <= value <= spec.high:
            return None
        side = "below" if value < spec.low else "above"
        actual = f"{spec.field} {num(value)} {side} the band at #{event.seq}"
        return Verdict(False, self.expected, actual, (witness(event),))

    def verdict(self) -> Verdict:
        spec = self.spec
        if not self._count:
            return Verdict(False, self.expected, _nothing_seen(spec.field, spec.topic, spec.symbol))
        actual = (
            f"all {self._count} within the band "
            f"(lowest {num(self._low)}, highest {num(self._high)})"
        )
        return Verdict(True, self.expected, actual, stats={"count": self._count})


class MaxDrawdownMonitor(LatchingMonitor):
    """Tracks the running peak; fails as soon as the fall from it exceeds the limit."""

    def __init__(self, spec: MaxDrawdown) -> None:
        super().__init__(spec.topic)
        self.spec = spec
        self.expected = (
            f"drawdown of {subject(spec.field, spec.topic, spec.symbol)} "
            f"at most {pct(spec.limit)}"
        )
        self._count = 0
        self._peak = -math.inf
        self._peak_event: Event | None = None
        self._worst = 0.0
        self._worst_events: tuple[Event, Event] | None = None

    def check(self, event: Event) -> Verdict | None:
        spec = self.spec
        value = read_field(event.payload, spec.field, spec.symbol)
        if value is MISSING:
            return None
        if not_a_number(value):
            return Verdict(
                False, self.expected, _unreadable(spec.field, value, event), (witness(event),)
            )
        self._count += 1
        if value > self._peak or self._peak_event is None:
            self._peak, self._peak_event = value, event
            return None
        drawdown = (self._peak - value) / self._peak if self._peak > 0 else 0.0
        if drawdown > self._worst:
            self._worst, self._worst_events = drawdown, (self._peak_event, event)
        if drawdown <= spec.limit:
            return None
        actual = (
            f"drawdown {pct(drawdown)} from {num(self._peak)} at #{self._peak_event.seq} "
            f"to {num(value)} at #{event.seq}"
        )
        return Verdict(
            False,
            self.expected,
            actual,
            (witness(self._peak_event), witness(event)),
            stats={"max_drawdown": drawdown},
        )

    def verdict(self) -> Verdict:
        spec = self.spec
        if not self._count:
            return Verdict(False, self.expected, _nothing_seen(spec.field, spec.topic, spec.symbol))
        witnesses: tuple[Witness, ...] = ()
        actual = f"max drawdown {pct(self._worst)}"
        if self._worst_events is not None:
            peak, trough = self._worst_events
            peak_value = read_field(peak.payload, spec.field, spec.symbol)
            trough_value = read_field(trough.payload, spec.field, spec.symbol)
            actual += (
                f" from {num(peak_value)} at #{peak.seq} to {num(trough_value)} at #{trough.seq}"
            )
            witnesses = (witness(peak), witness(trough))
        return Verdict(True, self.expected, actual, witnesses,
                       stats={"max_drawdown": self._worst})


class VolatilityMonitor(LatchingMonitor):
    """Measures realised volatility; decides at the end of the run."""

    def __init__(self, spec: Volatility) -> None:
        super().__init__(spec.topic)
        self.spec = spec
        if spec.min is not None and spec.max is not None:
            bound = f"in [{num(spec.min)}, {num(spec.max)}]"
        elif spec.min is not None:
            bound = f"at least {num(spec.min)}"
        else:
            bound = f"at most {num(spec.max or 0.0)}"
        self.expected = (
            f"realised volatility of {subject(spec.field, spec.topic, spec.symbol)} {bound}"
        )
        self._returns = Moments()
        self._prices = 0
        self._first: Event | None = None
        self._last: tuple[float, Event] | None = None
        self._largest: tuple[float, Event, Event] | None = None

    def check(self, event: Event) -> Verdict | None:
        spec = self.spec
        value = read_field(event.payload, spec.field, spec.symbol)
        if value is MISSING:
            return None
        if not_a_number(value) or value <= 0:
            actual = f"{spec.field} {value!r} at #{event.seq} is not a positive number"
            return Verdict(False, self.expected, actual, (witness(event),))
        self._prices += 1
        if self._first is None:
            self._first = event
        if self._last is not None:
            previous, previous_event = self._last
            change = math.log(value / previous)
            self._returns.add(change)
            if self._largest is None or abs(change) > abs(self._largest[0]):
                self._largest = (change, previous_event, event)
        self._last = (float(value), event)
        return None

    def verdict(self) -> Verdict:
        spec = self.spec
        n = self._returns.count
        if n < 2:
            actual = (
                f"only {self._prices} {spec.field} value(s) on {spec.topic!r}: "
                "at least 3 are needed to measure volatility"
            )
            return Verdict(False, self.expected, actual)
        realised = self._returns.stdev
        stats = {"realised_volatility": realised, "returns": n}
        actual = f"realised volatility {num(realised)} over {n} returns"
        too_low = spec.min is not None and realised < spec.min
        too_high = spec.max is not None and realised > spec.max
        if too_high and self._largest is not None:
            change, before, after = self._largest
            actual += f"; largest move {pct(math.expm1(change))} from #{before.seq} to #{after.seq}"
            return Verdict(False, self.expected, actual, (witness(before), witness(after)), stats)
        if too_low and self._first is not None and self._last is not None:
            span = (witness(self._first), witness(self._last[1]))
            return Verdict(False, self.expected, actual, span, stats)
        return Verdict(True, self.expected, actual, stats=stats)


price_within = component(PriceWithin, PriceWithinMonitor)
max_drawdown = component(MaxDrawdown, MaxDrawdownMonitor)
volatility = component(Volatility, VolatilityMonitor)
