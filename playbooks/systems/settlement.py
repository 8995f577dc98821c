"""A settlement service with a planted bug that only a rare pair of losses shows.

Prices arrive once a cycle. Trading runs in sessions of ``session`` cycles;
the last ``auction`` cycles of each session are its closing auction, and the
session settles at the last price seen in that auction. The settlement is
published when the first price of the next session arrives.

The bug, on purpose: when *every* price of a closing auction is lost, the
service settles at the auction price it never received, 0.0, instead of
falling back to the last price it saw. One lost price is harmless (the other
auction price settles); delays and duplicates are harmless. Only two drops,
of the two auction prices of the same session, show it.
"""

from __future__ import annotations

from typing import Any


class SettlementService:
    """Publishes ``Settled {session, price, auction_prices}`` once per finished session."""

    def __init__(self, bus: Any, session: int = 20, auction: int = 2) -> None:
        self.bus = bus
        self.session = session
        self.auction = auction
        self.current = 0
        self.closing: float | None = None
        self.auction_prices = 0
        self.last: float | None = None
        bus.subscribe("PriceUpdate", self.on_price)

    def on_price(self, event: Any) -> None:
        session, offset = divmod(event.cycle, self.session)
        if session > self.current:
            self._settle()
            self.current = session
        price = float(event.payload["value"])
        self.last = price
        if offset >= self.session - self.auction:
            self.closing = price
            self.auction_prices += 1

    def _settle(self) -> None:
        # the planted bug: no auction price means 0.0, where self.last was meant
        price = self.closing if self.closing is not None else 0.0
        self.bus.publish(
            "Settled",
            {"session": self.current, "price": price, "auction_prices": self.auction_prices},
        )
        self.closing = None
        self.auction_prices = 0
