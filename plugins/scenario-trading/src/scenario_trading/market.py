"""The ``trading.market`` generator: quotes for one or several symbols, and run statistics."""

from __future__ import annotations

import math
import random
from typing import Any

from scenario_engine.spi import Tick

from scenario_trading._spec import component
from scenario_trading.dsl.market import Market
from scenario_trading.quotes import make_book
from scenario_trading.state import price_of
from scenario_trading.stats import Correlation, PriceSeries, log_return

__all__ = ["MarketGenerator", "market"]


class MarketGenerator:
    """Publishes each tick's quotes; keeps the statistics the run report shows.

    The profile's value is the first symbol's price. The other symbols move
    from the generator's own record of their prices: by the common shock of a
    ``trading.correlated`` profile when the value carries one, else in
    proportion to the first symbol (see :mod:`scenario_trading.state`).
    Draws per tick, in order: one normal per other symbol (correlated moves
    only), then per symbol a normal for the price noise and a uniform for the
    volume.
    """

    def __init__(self, spec: Market) -> None:
        self.spec = spec
        self._symbols = spec.symbols
        self._prices = list(spec.prices)
        self._series = [PriceSeries() for _ in self._symbols]
        self._pairs = [Correlation() for _ in self._symbols[1:]]
        self._published: list[float] | None = None

    def initial_value(self) -> float:
        """The first symbol's starting price."""
        return self.spec.prices[0]

    def payload(self, tick: Tick, rng: random.Random) -> dict[str, Any]:
        """The quotes of every symbol at this tick."""
        value = tick.value
        lead = price_of(value, "trading.market publishes")
        self._move_others(value, lead, rng)
        spread_factor = float(getattr(value, "spread_factor", 1.0))
        volume_factor = float(getattr(value, "volume_factor", 1.0))
        quotes = [
            self._quote(symbol, price, spread_factor, volume_factor, rng)
            for symbol, price in zip(self._symbols, self._prices, strict=True)
        ]
        self._record([q["price"] for q in quotes])
        payload: dict[str, Any] = dict(quotes[0])
        payload.update(index=tick.index, ts=round(tick.time, 6), phase=tick.phase)
        if len(quotes) > 1:
            payload["quotes"] = quotes
        return payload

    def summary(self) -> dict[str, Any]:
        """Start, end, change %, min, max, range, drawdown and realised volatility.

        For several symbols: each symbol's statistics under ``symbols`` and the
        correlation of each other symbol's returns with the first's under
        ``correlation``.
        """
        if len(self._symbols) == 1:
            return {"symbol": self._symbols[0], **self._series[0].summary()}
        correlations = {}
        for symbol, pair in zip(self._symbols[1:], self._pairs, strict=True):
            value = pair.value
            correlations[symbol] = None if value is None else round(value, 4)
        return {
            "symbols": {
                symbol: series.summary()
                for symbol, series in zip(self._symbols, self._series, strict=True)
            },
            "correlation": correlations,
        }

    # ------------------------------------------------------------------ internals

    def _move_others(self, value: Any, lead: float, rng: random.Random) -> None:
        comove = getattr(value, "comove", None)
        previous_lead = self._prices[0]
        for i in range(1, len(self._prices)):
            if comove is not None:
                self._prices[i] *= math.exp(comove.leg_return(rng.gauss(0.0, 1.0)))
            else:
                self._prices[i] *= lead / previous_lead
        self._prices[0] = lead

    def _quote(
        self,
        symbol: str,
        price: float,
        spread_factor: float,
        volume_factor: float,
        rng: random.Random,
    ) -> dict[str, Any]:
        spec = self.spec
        mid = price * math.exp(spec.volatility * rng.gauss(0.0, 1.0))
        book = make_book(mid, mid * spec.spread_bps * spread_factor / 10_000, spec.tick_size)
        jitter = 1.0 + spec.volume_jitter * rng.uniform(-1.0, 1.0)
        volume = max(0, round(spec.volume * volume_factor * jitter))
        return {
            "symbol": symbol,
            "price": book.price,
            "bid": book.bid,
            "ask": book.ask,
            "spread_bps": round(book.spread_bps, 2),
            "volume": volume,
        }

    def _record(self, prices: list[float]) -> None:
        for series, price in zip(self._series, prices, strict=True):
            series.add(price)
        last = self._published
        if last is not None:
            first = log_return(last[0], prices[0])
            for i, pair in enumerate(self._pairs, start=1):
                pair.add(first, log_return(last[i], prices[i]))
        self._published = prices


#: the entry point ``trading.market``
market = component(Market, MarketGenerator)
