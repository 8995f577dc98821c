"""Specs of the trading assertions: online monitors over ``PriceUpdate`` quotes.

Each reads a payload field (``price`` by default) of the events on ``topic``.
``symbol`` picks one symbol's quote in a market of several symbols (see
:mod:`scenario_trading.quotes`); without it, price assertions read the top
level (the first symbol) and book assertions check every symbol's quote.
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from scenario_trading._spec import (
    AssertionSpec,
    fail,
    is_number,
    non_negative,
    positive,
    ratio,
    rule,
    text,
)

__all__ = ["MaxDrawdown", "NoCrossedBook", "PriceWithin", "SpreadBelow", "Volatility"]

_number = rule("a number", is_number)


@attrs.frozen(repr=False)
class PriceWithin(AssertionSpec):
    """Every price stays within ``[low, high]`` (bounds included).

    >>> PriceWithin(90, 110)
    PriceWithin(90, 110)
    """

    __registry_name__: ClassVar[str] = "trading.price_within"
    __positional__: ClassVar[tuple[str, ...]] = ("low", "high")

    low: float = attrs.field(validator=_number)
    high: float = attrs.field(validator=_number)
    topic: str = attrs.field(default="PriceUpdate", kw_only=True, validator=text)
    field: str = attrs.field(default="price", kw_only=True, validator=text)
    symbol: str | None = attrs.field(default=None, kw_only=True, validator=text)

    def __attrs_post_init__(self) -> None:
        if self.high < self.low:
            fail(self, "high", f"must be >= low={self.low:g}", self.high)


@attrs.frozen(repr=False)
class MaxDrawdown(AssertionSpec):
    """The price never falls more than ``limit`` (a fraction) below its running peak.

    >>> MaxDrawdown(0.2)
    MaxDrawdown(0.2)
    """

    __registry_name__: ClassVar[str] = "trading.max_drawdown"
    __positional__: ClassVar[tuple[str, ...]] = ("limit",)

    limit: float = attrs.field(validator=ratio)
    topic: str = attrs.field(default="PriceUpdate", kw_only=True, validator=text)
    field: str = attrs.field(default="price", kw_only=True, validator=text)
    symbol: str | None = attrs.field(default=None, kw_only=True, validator=text)


@attrs.frozen(repr=False)
class Volatility(AssertionSpec):
    """The realised volatility (sample stdev of log returns per event) is in range.

    >>> Volatility(max=0.05)
    Volatility(max=0.05)
    """

    __registry_name__: ClassVar[str] = "trading.volatility"

    min: float | None = attrs.field(default=None, kw_only=True, validator=non_negative)
    max: float | None = attrs.field(default=None, kw_only=True, validator=non_negative)
    topic: str = attrs.field(default="PriceUpdate", kw_only=True, validator=text)
    field: str = attrs.field(default="price", kw_only=True, validator=text)
    symbol: str | None = attrs.field(default=None, kw_only=True, validator=text)

    def __attrs_post_init__(self) -> None:
        if self.min is None and self.max is None:
            fail(self, "max", "must be given, or min (e.g. Volatility(max=0.05))")
        if self.min is not None and self.max is not None and self.max < self.min:
            fail(self, "max", f"must be >= min={self.min:g}", self.max)


@attrs.frozen(repr=False)
class NoCrossedBook(AssertionSpec):
    """The bid is strictly below the ask in every quote.

    >>> NoCrossedBook()
    NoCrossedBook()
    """

    __registry_name__: ClassVar[str] = "trading.no_crossed_book"

    topic: str = attrs.field(default="PriceUpdate", kw_only=True, validator=text)
    symbol: str | None = attrs.field(default=None, kw_only=True, validator=text)
    bid: str = attrs.field(default="bid", kw_only=True, validator=text)
    ask: str = attrs.field(default="ask", kw_only=True, validator=text)


@attrs.frozen(repr=False)
class SpreadBelow(AssertionSpec):
    """The spread never exceeds ``bps`` basis points of the mid, or ``absolute``.

    >>> SpreadBelow(bps=25)
    SpreadBelow(bps=25)
    """

    __registry_name__: ClassVar[str] = "trading.spread_below"

    bps: float | None = attrs.field(default=None, kw_only=True, validator=positive)
    absolute: float | None = attrs.field(default=None, kw_only=True, validator=positive)
    topic: str = attrs.field(default="PriceUpdate", kw_only=True, validator=text)
    symbol: str | None = attrs.field(default=None, kw_only=True, validator=text)
    bid: str = attrs.field(default="bid", kw_only=True, validator=text)
    ask: str = attrs.field(default="ask", kw_only=True, validator=text)

    def __attrs_post_init__(self) -> None:
        if (self.bps is None) == (self.absolute is None):
            fail(self, "bps", "must be given, or absolute, but not both (e.g. SpreadBelow(bps=25))")
