"""What the trading monitors share: picking the value they watch, latching a
failure, and writing numbers the way a reader expects them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scenario_engine.spi import Event, TopicPattern, Verdict, payload_get

from scenario_trading._spec import is_number
from scenario_trading.quotes import quote_for

__all__ = ["MISSING", "LatchingMonitor", "num", "pct", "read_field", "subject"]

MISSING = object()


def num(value: float) -> str:
    """A number with at most six decimals and no trailing zeros: ``85.3``, ``100``."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def pct(fraction: float) -> str:
    """A fraction as a percentage with at most two decimals: ``0.3012 -> 30.12%``."""
    text = f"{fraction * 100:.2f}".rstrip("0").rstrip(".")
    return f"{'0' if text in ('', '-0') else text}%"


def subject(field: str, topic: str, symbol: str | None) -> str:
    """What a monitor watches, as its texts name it: ``price on 'PriceUpdate'``."""
    owner = f"{symbol} " if symbol else ""
    return f"{owner}{field} on {topic!r}"


def read_field(payload: Any, field: str, symbol: str | None) -> Any:
    """The field of ``symbol``'s quote (or of the top level), or :data:`MISSING`."""
    quote = quote_for(payload, symbol)
    if not isinstance(quote, Mapping):
        return MISSING
    return payload_get(quote, field, MISSING)


class LatchingMonitor:
    """A monitor whose first failure is final: later events change nothing.

    Subclasses implement ``check(event) -> Verdict | None`` (a failing verdict
    ends it) and ``verdict() -> Verdict`` (the outcome when nothing failed).
    """

    topics: tuple[str, ...]

    def __init__(self, topic: str) -> None:
        self.topics = (topic,)
        self._match = TopicPattern(topic)
        self._failure: Verdict | None = None

    def observe(self, event: Event) -> Verdict | None:
        if self._failure is not None or not self._match(event.topic):
            return None
        self._failure = self.check(event)
        return self._failure

    def finish(self, now: float) -> Verdict:
        return self._failure or self.verdict()

    def check(self, event: Event) -> Verdict | None:
        raise NotImplementedError

    def verdict(self) -> Verdict:
        raise NotImplementedError


def not_a_number(value: Any) -> bool:
    """True for anything a price check cannot compare."""
    return not is_number(value)
