"""The shape of a quote: built on the tick grid by the generator, read back by
assertions and the risk engine.

A ``PriceUpdate`` payload describes the market's first symbol at its top
level (``symbol``, ``price``, ``bid``, ``ask``, ``spread_bps``, ``volume``).
A market of several symbols adds ``quotes``: one such mapping per symbol,
the first one included, in the order the symbols were given. Readers pick a
symbol's quote with :func:`quote_for` and every book with :func:`books`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

__all__ = ["Book", "books", "grid_decimals", "make_book", "quote_for"]

_EPSILON = 1e-9


@attrs.frozen
class Book:
    """A quote on the tick grid: ``bid <= price <= ask`` and ``bid < ask``."""

    price: float
    bid: float
    ask: float

    @property
    def spread_bps(self) -> float:
        """The spread in basis points of the mid between bid and ask."""
        mid = (self.bid + self.ask) / 2
        return (self.ask - self.bid) / mid * 10_000


def grid_decimals(tick_size: float) -> int:
    """How many decimals a price on this grid has (0.01 -> 2, 0.5 -> 1, 5 -> 0)."""
    exponent = Decimal(repr(tick_size)).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def make_book(mid: float, spread: float, tick_size: float) -> Book:
    """A quote around ``mid`` at least ``spread`` wide, bid and ask on the tick grid.

    The bid rounds down and the ask up, so the book is never narrower than
    asked and never crossed: the ask is at least one tick above the bid, and
    the bid at least one tick above zero.
    """
    places = grid_decimals(tick_size)
    centre = mid / tick_size
    half = spread / 2 / tick_size
    bid_ticks = max(1, math.floor(centre - half + _EPSILON))
    ask_ticks = max(bid_ticks + 1, math.ceil(centre + half - _EPSILON))
    price_ticks = min(max(round(centre), bid_ticks), ask_ticks)
    return Book(
        price=round(price_ticks * tick_size, places),
        bid=round(bid_ticks * tick_size, places),
        ask=round(ask_ticks * tick_size, places),
    )


def books(payload: Any) -> list[Mapping[str, Any]]:
    """Every symbol's quote in a payload: its ``quotes``, or the payload itself."""
    if not isinstance(payload, Mapping):
        return []
    many = payload.get("quotes")
    if isinstance(many, list | tuple):
        return [q for q in many if isinstance(q, Mapping)]
    return [payload]


def quote_for(payload: Any, symbol: str | None) -> Mapping[str, Any] | None:
    """The quote of ``symbol`` in a payload; with no symbol, the payload's top level."""
    if not isinstance(payload, Mapping):
        return None
    if symbol is None:
        return payload
    for quote in books(payload):
        if quote.get("symbol") == symbol:
            return quote
    return None
