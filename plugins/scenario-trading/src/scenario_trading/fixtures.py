"""``trading.fixtures``: seeded fixture payloads for the usual trading streams.

Event files that say ``generator: true`` with ``fixtures: trading.fixtures``
get, per stream, a payload of the shape a trading service expects: price
updates, order requests and their responses (accepted with probability
``accept_ratio``), position lifecycle events, funding rates and heartbeats.
Every draw comes from the run's random stream for that event, so a seed
gives the same payloads every time.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from scenario_engine.spi import ParamError, Tick

__all__ = ["STREAMS", "TradingFixtures"]

_USERS = ("alice", "bob", "carol", "dave")
_BASKETS = ("basket_1", "basket_2", "basket_3")


class TradingFixtures:
    """One payload per tick for ``stream`` (one of :data:`STREAMS`).

    Args:
        stream: which stream's shape to build.
        accept_ratio: how often ``order.response`` says ``accepted`` (0..1).
        price: the reference price that price updates and positions move around.
    """

    def __init__(
        self, stream: str = "price.update", accept_ratio: float = 0.7, price: float = 50_000.0
    ) -> None:
        if stream not in STREAMS:
            raise ParamError(
                "stream", f"has no fixture (streams: {', '.join(sorted(STREAMS))})", stream
            )
        if (
            isinstance(accept_ratio, bool)
            or not isinstance(accept_ratio, int | float)
            or not (0.0 <= accept_ratio <= 1.0)
        ):
            raise ParamError("accept_ratio", "must be a number from 0 to 1", accept_ratio)
        if isinstance(price, bool) or not isinstance(price, int | float) or not price > 0:
            raise ParamError("price", "must be a number > 0", price)
        self.stream = stream
        self.accept_ratio = float(accept_ratio)
        self.price = float(price)
        self.emitted = 0
        self.counts: dict[str, int] = {}

    def initial_value(self) -> float:
        return self.price

    def payload(self, tick: Tick, rng: random.Random) -> dict[str, Any]:
        n = self.emitted
        self.emitted += 1
        body = STREAMS[self.stream](self, n, rng)
        status = body.get("status")
        if isinstance(status, str):
            self.counts[status] = self.counts.get(status, 0) + 1
        return body

    def summary(self) -> dict[str, Any]:
        return {"stream": self.stream, "count": self.emitted, **self.counts}

    # ------------------------------------------------------------------ shapes

    def _price(self, rng: random.Random) -> float:
        return round(self.price * (1 + rng.gauss(0, 0.002)), 2)

    def price_update(self, n: int, rng: random.Random) -> dict[str, Any]:
        return {"basketId": rng.choice(_BASKETS), "price": str(self._price(rng)), "seq": n}

    def order_request(self, n: int, rng: random.Random) -> dict[str, Any]:
        size = rng.randrange(1_000, 20_000, 500)
        return {
            "orderId": f"order_{n}",
            "user": rng.choice(_USERS),
            "basketId": rng.choice(_BASKETS),
            "size": str(size),
            "collateral": str(size // 5),
            "isLong": rng.random() < 0.5,
            "leverage": rng.choice((1, 2, 3, 5, 10)),
        }

    def order_response(self, n: int, rng: random.Random) -> dict[str, Any]:
        accepted = rng.random() < self.accept_ratio
        body: dict[str, Any] = {
            "orderId": f"order_{n}",
            "status": "accepted" if accepted else "rejected",
        }
        if not accepted:
            body["reason"] = rng.choice(("insufficient_collateral", "price_moved", "paused"))
        return body

    def position_event(self, n: int, rng: random.Random) -> dict[str, Any]:
        return {
            "positionId": f"pos_{n}",
            "user": rng.choice(_USERS),
            "basketId": rng.choice(_BASKETS),
            "entryPrice": str(self._price(rng)),
            "size": str(rng.randrange(1_000, 20_000, 500)),
        }

    def funding_rate(self, n: int, rng: random.Random) -> dict[str, Any]:
        return {"basketId": rng.choice(_BASKETS), "rate": round(rng.uniform(-0.001, 0.001), 6)}

    def heartbeat(self, n: int, rng: random.Random) -> dict[str, Any]:
        return {"service": "execution-engine", "seq": n, "healthy": True}


STREAMS: dict[str, Callable[[TradingFixtures, int, random.Random], dict[str, Any]]] = {
    "price.update": TradingFixtures.price_update,
    "order.request": TradingFixtures.order_request,
    "order.response": TradingFixtures.order_response,
    "position.opened": TradingFixtures.position_event,
    "position.closed": TradingFixtures.position_event,
    "position.liquidated": TradingFixtures.position_event,
    "funding.rate": TradingFixtures.funding_rate,
    "service.heartbeat": TradingFixtures.heartbeat,
}
