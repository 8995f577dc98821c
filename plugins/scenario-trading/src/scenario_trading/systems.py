"""``RiskEngine``: a small in-process trading system with behaviour worth testing.

It is the system under test of the example playbooks, and a model of what an
in-process system looks like: a class taking the scenario's bus (anything
with ``publish``, ``subscribe`` and ``now``, see
:class:`scenario_engine.spi.SystemBus`), reacting to events, publishing its
own. It draws no randomness and reads no wall clock, so a seed replays it.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from typing import Any

import attrs
from scenario_engine.spi import Event, SystemBus, payload_get

from scenario_trading._spec import count, is_number, ratio, rule, text
from scenario_trading.quotes import quote_for

__all__ = ["RiskEngine", "RiskSettings"]

_window = rule(
    "an integer >= 2", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 2
)
_recovery = rule("in (0, 1]", lambda v: is_number(v) and 0 < v <= 1)


@attrs.frozen
class RiskSettings:
    """What the risk engine watches and when it halts.

    - ``prices``: topic (glob) of the price updates; ``field`` and ``symbol``
      pick the price in them, as the trading assertions do;
    - ``orders``: topic of order requests ``{"orderId", "side", "qty"}``;
    - ``drop``: halt when the price falls more than this fraction below the
      highest of the last ``window`` prices;
    - ``recovery``: resume once the price has won back this fraction of the
      fall (from the trough to that high), after at least ``cooldown`` ticks.
    """

    prices: str = attrs.field(default="PriceUpdate", validator=text)
    orders: str = attrs.field(default="order.request", validator=text)
    field: str = attrs.field(default="price", validator=text)
    symbol: str | None = attrs.field(default=None, validator=text)
    drop: float = attrs.field(default=0.1, validator=ratio)
    window: int = attrs.field(default=5, validator=_window)
    recovery: float = attrs.field(default=0.5, validator=_recovery)
    cooldown: int = attrs.field(default=0, validator=count)


def _quantity(request: Mapping[str, Any]) -> float:
    """The requested quantity (1 when not given; NaN when unreadable).

    Payload templates render numbers as text, so ``"5"`` reads as 5.
    """
    value = request.get("qty", 1)
    if isinstance(value, bool):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


class RiskEngine:
    """Halts trading when the price falls too fast; fills or rejects orders.

    Publishes:

    - ``TradingHalted`` ``{symbol, price, reference, drop, index, ts}`` when the
      price falls more than ``drop`` within ``window`` ticks;
    - ``TradingResumed`` ``{symbol, price, trough, reference, halted_ticks,
      index, ts}`` once it has recovered;
    - for each order request: ``OrderPlaced`` then ``OrderFilled`` (at the ask
      for a buy, the bid for a sell), or ``OrderRejected`` ``{orderId,
      reason}`` while halted, before the first price, or for a bad request.

    Price updates that arrive out of order (their payload ``index`` is not
    above the last one seen) are stale and ignored, as a real engine would:
    a delayed quote must not move the market.
    """

    #: the topics it may publish: a ``Never`` over one it did not publish in a run judged it
    publishes = ("TradingHalted", "TradingResumed", "OrderPlaced", "OrderFilled", "OrderRejected")

    def __init__(self, bus: SystemBus, **settings: Any) -> None:
        self.settings = RiskSettings(**settings)
        self.bus = bus
        self.halted = False
        self.halts = 0
        self.stale = 0
        self._window: deque[float] = deque(maxlen=self.settings.window)
        self._last_index: float | None = None
        self._quote: Mapping[str, Any] | None = None
        self._reference = 0.0
        self._trough = 0.0
        self._halted_ticks = 0
        bus.subscribe(self.settings.prices, self.on_price)
        bus.subscribe(self.settings.orders, self.on_order)

    @property
    def state(self) -> str:
        """``"halted"`` or ``"trading"``."""
        return "halted" if self.halted else "trading"

    # ------------------------------------------------------------------ prices

    def on_price(self, event: Event) -> None:
        """Take a price update: maybe halt, maybe resume."""
        settings = self.settings
        quote = quote_for(event.payload, settings.symbol)
        if quote is None:
            return
        price: Any = payload_get(quote, settings.field)
        if not is_number(price) or price <= 0:
            return
        index: Any = payload_get(event.payload, "index")
        if is_number(index):
            if self._last_index is not None and index <= self._last_index:
                self.stale += 1
                return
            self._last_index = index
        self._quote = quote
        if self.halted:
            self._watch_recovery(float(price), index)
        else:
            self._watch_fall(float(price), index)

    def _watch_fall(self, price: float, index: Any) -> None:
        self._window.append(price)
        high = max(self._window)
        fall = (high - price) / high
        if fall <= self.settings.drop:
            return
        self.halted = True
        self.halts += 1
        self._reference, self._trough, self._halted_ticks = high, price, 0
        self._publish(
            "TradingHalted",
            {"price": price, "reference": high, "drop": round(fall, 6), "index": index},
        )

    def _watch_recovery(self, price: float, index: Any) -> None:
        self._halted_ticks += 1
        self._trough = min(self._trough, price)
        target = self._trough + self.settings.recovery * (self._reference - self._trough)
        if self._halted_ticks < self.settings.cooldown or price < target:
            return
        self.halted = False
        self._window.clear()
        self._window.append(price)
        self._publish(
            "TradingResumed",
            {
                "price": price,
                "trough": self._trough,
                "reference": self._reference,
                "halted_ticks": self._halted_ticks,
                "index": index,
            },
        )

    # ------------------------------------------------------------------ orders

    def on_order(self, event: Event) -> None:
        """Fill an order request at the current quote, or reject it."""
        request: dict[str, Any] = (
            dict(event.payload) if isinstance(event.payload, Mapping) else {}
        )
        order_id = request.get("orderId")
        problem = self._problem(request)
        if problem is not None:
            self._publish("OrderRejected", {"orderId": order_id, "reason": problem},
                          key=order_id)
            return
        side = request.get("side", "buy")
        qty = _quantity(request)
        quote = self._quote or {}
        symbol = quote.get("symbol", self.settings.symbol)
        placed = {**request, "orderId": order_id, "side": side, "qty": qty, "symbol": symbol}
        self._publish("OrderPlaced", placed, key=order_id)
        at = quote.get("ask" if side == "buy" else "bid", quote.get(self.settings.field))
        self._publish("OrderFilled", {**placed, "price": at}, key=order_id)

    def _problem(self, request: Mapping[str, Any]) -> str | None:
        if not request.get("orderId"):
            return "missing orderId"
        if request.get("side", "buy") not in ("buy", "sell"):
            return f"side must be 'buy' or 'sell' (got {request.get('side')!r})"
        if not _quantity(request) > 0:
            return f"qty must be a number > 0 (got {request.get('qty')!r})"
        if self.halted:
            return "trading halted"
        if self._quote is None:
            return "no market price yet"
        return None

    # ------------------------------------------------------------------ output

    def _publish(self, topic: str, payload: dict[str, Any], key: Any = None) -> None:
        symbol = payload.get("symbol") or (self._quote or {}).get("symbol", self.settings.symbol)
        body = {"symbol": symbol, **payload, "ts": round(self.bus.now(), 6)}
        self.bus.publish(topic, body, key=None if key is None else str(key))
