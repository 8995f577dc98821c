"""Assertions over the order book: never crossed, never too wide."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from scenario_engine.spi import Event, Verdict, payload_get, witness

from scenario_trading._spec import component, is_number
from scenario_trading.assertions._base import MISSING, LatchingMonitor, num
from scenario_trading.dsl.assertions import NoCrossedBook, SpreadBelow
from scenario_trading.quotes import books, quote_for

__all__ = ["NoCrossedBookMonitor", "SpreadBelowMonitor", "no_crossed_book", "spread_below"]


def _quotes(payload: Any, symbol: str | None) -> list[Mapping[str, Any]]:
    if symbol is None:
        return books(payload)
    quote = quote_for(payload, symbol)
    return [] if quote is None else [quote]


def _sides(
    payload: Any, symbol: str | None, bid_field: str, ask_field: str
) -> Iterator[tuple[str, Any, Any]]:
    """``(label, bid, ask)`` of every quote that carries both sides."""
    for quote in _quotes(payload, symbol):
        bid = payload_get(quote, bid_field, MISSING)
        ask = payload_get(quote, ask_field, MISSING)
        if bid is MISSING or ask is MISSING:
            continue
        name = quote.get("symbol")
        yield (f"{name} " if isinstance(name, str) and name else ""), bid, ask


def _unreadable(event: Event, label: str, bid: Any, ask: Any) -> str:
    return f"unreadable book at #{event.seq}: {label}bid {bid!r}, ask {ask!r}"


class NoCrossedBookMonitor(LatchingMonitor):
    """Fails on the first quote whose bid is not strictly below its ask."""

    def __init__(self, spec: NoCrossedBook) -> None:
        super().__init__(spec.topic)
        self.spec = spec
        owner = f" for {spec.symbol}" if spec.symbol else ""
        self.expected = f"{spec.bid} < {spec.ask} on every {spec.topic!r}{owner}"
        self._books = 0

    def check(self, event: Event) -> Verdict | None:
        spec = self.spec
        for label, bid, ask in _sides(event.payload, spec.symbol, spec.bid, spec.ask):
            if not (is_number(bid) and is_number(ask)):
                return Verdict(False, self.expected, _unreadable(event, label, bid, ask),
                               (witness(event),))
            self._books += 1
            if bid >= ask:
                actual = (
                    f"crossed book at #{event.seq}: {label}{spec.bid} {num(bid)} "
                    f">= {spec.ask} {num(ask)}"
                )
                return Verdict(False, self.expected, actual, (witness(event),))
        return None

    def verdict(self) -> Verdict:
        spec = self.spec
        if not self._books:
            actual = f"no {spec.topic!r} event carried {spec.bid!r} and {spec.ask!r}"
            return Verdict(False, self.expected, actual)
        return Verdict(True, self.expected, f"{self._books} books, none crossed",
                       stats={"books": self._books})


class SpreadBelowMonitor(LatchingMonitor):
    """Fails on the first quote wider than the limit; reports the widest otherwise."""

    def __init__(self, spec: SpreadBelow) -> None:
        super().__init__(spec.topic)
        self.spec = spec
        owner = f" for {spec.symbol}" if spec.symbol else ""
        self.expected = f"spread on {spec.topic!r}{owner} at most {self._show(self._limit)}"
        self._books = 0
        self._widest: tuple[float, Event] | None = None

    @property
    def _limit(self) -> float:
        return self.spec.bps if self.spec.bps is not None else self.spec.absolute or 0.0

    def _show(self, spread: float) -> str:
        if self.spec.bps is not None:
            return f"{num(round(spread, 2))} bps"
        return num(spread)

    def check(self, event: Event) -> Verdict | None:
        spec = self.spec
        for label, bid, ask in _sides(event.payload, spec.symbol, spec.bid, spec.ask):
            mid = (bid + ask) / 2 if is_number(bid) and is_number(ask) else 0.0
            if mid <= 0:
                return Verdict(False, self.expected, _unreadable(event, label, bid, ask),
                               (witness(event),))
            self._books += 1
            spread = ask - bid
            if spec.bps is not None:
                spread = spread / mid * 10_000
            spread = round(spread, 9)  # 100.05 - 99.95 is 0.1, not 0.0999999...
            if self._widest is None or spread > self._widest[0]:
                self._widest = (spread, event)
            if spread > self._limit:
                actual = (
                    f"spread {self._show(spread)} at #{event.seq} "
                    f"({label}{spec.bid} {num(bid)}, {spec.ask} {num(ask)})"
                )
                return Verdict(False, self.expected, actual, (witness(event),))
        return None

    def verdict(self) -> Verdict:
        spec = self.spec
        if self._widest is None:
            actual = f"no {spec.topic!r} event carried {spec.bid!r} and {spec.ask!r}"
            return Verdict(False, self.expected, actual)
        spread, event = self._widest
        actual = f"widest spread {self._show(spread)} at #{event.seq} over {self._books} books"
        return Verdict(True, self.expected, actual, (witness(event),),
                       stats={"books": self._books, "widest": spread})


no_crossed_book = component(NoCrossedBook, NoCrossedBookMonitor)
spread_below = component(SpreadBelow, SpreadBelowMonitor)
