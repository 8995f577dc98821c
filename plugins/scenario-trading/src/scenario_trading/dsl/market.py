"""The spec of the ``trading.market`` generator."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from scenario_trading._spec import (
    GeneratorSpec,
    as_tuple,
    fail,
    is_number,
    non_negative,
    positive,
    unit,
)

__all__ = ["Market"]


@attrs.frozen(repr=False)
class Market(GeneratorSpec):
    """Price ticks with a bid/ask spread on a tick grid, and a traded volume.

    The profile moves the first symbol's price; ``volatility`` adds relative
    noise to each published price (drawn per tick, not accumulated), so the
    profile keeps the shape of the path. ``spread_bps`` is the quoted spread,
    ``volume`` the base volume per tick, varied by up to ``volume_jitter``.
    Give ``symbol`` and ``price`` as lists for a market of several symbols:
    one ``PriceUpdate`` then carries every symbol's quote (see
    :mod:`scenario_trading.quotes`).

    >>> Market(symbol="ETH-USD", price=2000.0)
    Market(symbol='ETH-USD', price=2000.0)
    """

    __registry_name__: ClassVar[str] = "trading.market"

    symbol: str | tuple[str, ...] = attrs.field(default="BTC-USD", kw_only=True,
                                                converter=as_tuple)
    price: float | tuple[float, ...] = attrs.field(default=100.0, kw_only=True,
                                                   converter=as_tuple)
    volatility: float = attrs.field(default=0.0, kw_only=True, validator=non_negative)
    spread_bps: float = attrs.field(default=10.0, kw_only=True, validator=non_negative)
    tick_size: float = attrs.field(default=0.01, kw_only=True, validator=positive)
    volume: float = attrs.field(default=1000.0, kw_only=True, validator=non_negative)
    volume_jitter: float = attrs.field(default=0.2, kw_only=True, validator=unit)

    def __attrs_post_init__(self) -> None:
        symbols = self.symbol if isinstance(self.symbol, tuple) else (self.symbol,)
        if not symbols or not all(isinstance(s, str) and s for s in symbols):
            fail(self, "symbol", "must be a non-empty string or a list of them", self.symbol)
        if len(set(symbols)) != len(symbols):
            fail(self, "symbol", "must not repeat a symbol", self.symbol)
        prices: tuple[Any, ...] = self.price if isinstance(self.price, tuple) else (self.price,)
        if not prices or not all(is_number(p) and p > 0 for p in prices):
            fail(self, "price", "must be a number > 0 or a list of them", self.price)
        if isinstance(self.price, tuple) and len(prices) != len(symbols):
            fail(self, "price", f"must give one price per symbol ({len(symbols)})", self.price)

    @property
    def symbols(self) -> tuple[str, ...]:
        """Every symbol, the first one being the one the profile moves."""
        return self.symbol if isinstance(self.symbol, tuple) else (self.symbol,)

    @property
    def prices(self) -> tuple[float, ...]:
        """The starting price of each symbol."""
        if isinstance(self.price, tuple):
            return tuple(float(p) for p in self.price)
        return (float(self.price),) * len(self.symbols)
