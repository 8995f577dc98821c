"""The embedded default bus: synchronous, in-process, ordered, and free of wall time.

Publishing hands the event to every matching subscriber in subscription
order. A handler that publishes while being called does not recurse: its
event is queued and delivered once the current delivery finishes, so
delivery order is breadth-first and deterministic.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from scenario_engine.errors import UsageError
from scenario_engine.events import Event, TopicPattern

__all__ = ["MemoryBus"]

Handler = Callable[[Event], None]


class MemoryBus:
    """An in-process bus for ``memory://`` URLs."""

    capabilities = frozenset({"virtual_time", "headers", "keys"})

    def __init__(self, url: str = "memory://") -> None:
        if url.partition("://")[2]:
            raise UsageError(
                f"bus URL {url}: the memory bus takes no host, path or options",
                hint="memory://",
            )
        self.url = url
        self._subscriptions: list[tuple[TopicPattern, Handler]] = []
        self._routes: dict[str, tuple[Handler, ...]] = {}
        self._queue: deque[Event] = deque()
        self._delivering = False
        self.published = 0

    def connect(self) -> None:
        """Nothing to connect to."""

    def subscribe(self, pattern: str, handler: Handler) -> None:
        self._subscriptions.append((TopicPattern(pattern), handler))
        self._routes.clear()

    def _route(self, topic: str) -> tuple[Handler, ...]:
        handlers = tuple(h for pattern, h in self._subscriptions if pattern(topic))
        self._routes[topic] = handlers
        return handlers

    def publish(self, event: Event) -> None:
        self.published += 1
        if self._delivering:
            self._queue.append(event)
            return
        self._delivering = True
        routes = self._routes
        try:
            handlers = routes.get(event.topic) or self._route(event.topic)
            for handler in handlers:
                handler(event)
            queue = self._queue
            while queue:
                queued = queue.popleft()
                handlers = routes.get(queued.topic) or self._route(queued.topic)
                for handler in handlers:
                    handler(queued)
        finally:
            self._delivering = False
            self._queue.clear()

    def poll(self, timeout: float) -> int:
        """Delivery is synchronous, so nothing waits to be polled: the wall clock's wait for
        its next callback is a plain sleep here (not a busy loop that the OS would preempt)."""
        if timeout > 0:
            time.sleep(timeout)
        return 0

    def flush(self) -> None:
        """Nothing is buffered."""

    def close(self) -> None:
        self._subscriptions.clear()
        self._routes.clear()
