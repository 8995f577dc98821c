"""A small order service: the system under test of the example playbooks.

It listens to prices and to order requests. A request is placed, then
filled at the last price; an order larger than ``max_quantity`` is rejected;
while the service has seen no price it rejects everything ("no market").
"""

from __future__ import annotations

from typing import Any


class OrderService:
    """Answers ``order.request`` with ``OrderPlaced`` + ``OrderFilled``, or ``OrderRejected``."""

    #: the topics it may publish (so ``Never('OrderRejected')`` judges a known topic)
    publishes = ("OrderPlaced", "OrderFilled", "OrderRejected")

    def __init__(self, bus: Any, max_quantity: int = 100) -> None:
        self.bus = bus
        self.max_quantity = max_quantity
        self.last_price: float | None = None
        bus.subscribe("PriceUpdate", self.on_price)
        bus.subscribe("order.request", self.on_order)

    def on_price(self, event: Any) -> None:
        self.last_price = event.payload["value"]

    def on_order(self, event: Any) -> None:
        order = event.payload
        order_id = order["orderId"]
        quantity = int(order.get("quantity", 1))
        if self.last_price is None or quantity > self.max_quantity:
            reason = "no market" if self.last_price is None else "quantity over limit"
            self.bus.publish("OrderRejected", {"orderId": order_id, "reason": reason}, key=order_id)
            return
        self.bus.publish("OrderPlaced", {"orderId": order_id, "quantity": quantity}, key=order_id)
        self.bus.publish(
            "OrderFilled",
            {"orderId": order_id, "quantity": quantity, "price": self.last_price},
            key=order_id,
        )


class Echo:
    """Replies to every ``request`` with a ``reply`` carrying the same index."""

    def __init__(self, bus: Any) -> None:
        self.bus = bus
        bus.subscribe("request", self.on_request)

    def on_request(self, event: Any) -> None:
        self.bus.publish("reply", {"index": event.payload["index"]})
