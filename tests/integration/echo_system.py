"""A small system under test for the host tests: it answers requests, and fails on demand."""

from __future__ import annotations

from typing import Any


class EchoSystem:
    """Replies to ``<prefix>.request`` with ``<prefix>.reply``; raises for ``{"boom": true}``.

    The reply carries the request's payload, key, and id (as header
    ``in-reply-to``), and the ``greeting`` given as a parameter.
    """

    def __init__(self, bus: Any, prefix: str = "echo", greeting: str = "hello") -> None:
        self.bus = bus
        self.prefix = prefix
        self.greeting = greeting
        self.closed = False
        bus.subscribe(f"{prefix}.request", self.on_request)

    def on_request(self, event: Any) -> None:
        if isinstance(event.payload, dict) and event.payload.get("boom"):
            raise ValueError(f"boom requested by {event.id}")
        self.bus.publish(
            f"{self.prefix}.reply",
            {"echo": event.payload, "greeting": self.greeting, "at": self.bus.now()},
            key=event.key,
            headers={"in-reply-to": event.id},
        )

    def close(self) -> None:
        self.closed = True
