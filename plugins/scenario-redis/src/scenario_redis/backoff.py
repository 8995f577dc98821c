"""One period of lost connection: when it began, when to try again, and when to give up.

Both the publisher and the reader of a bus keep one. Retrying with an
exponential delay (capped) keeps a restarting broker from being hammered,
while the first retry comes quickly enough that a short blip costs
milliseconds. An outage that outlasts the configured limit becomes a
:class:`~scenario_engine.errors.BusError`: the run stops with exit code 3
instead of waiting forever.
"""

from __future__ import annotations

import time

__all__ = ["Outage"]


class Outage:
    """Backoff state of one connection; ``down_since`` is None while it works.

    Args:
        limit: seconds the connection may stay lost before :meth:`exceeded` is true.
        initial: delay before the first retry.
        cap: longest delay between two retries.
    """

    __slots__ = ("_delay", "cap", "down_since", "initial", "limit", "retry_at")

    def __init__(self, limit: float, *, initial: float = 0.05, cap: float = 2.0) -> None:
        self.limit = limit
        self.initial = initial
        self.cap = cap
        self.down_since: float | None = None
        self.retry_at = 0.0
        self._delay = initial

    @property
    def active(self) -> bool:
        return self.down_since is not None

    def failed(self, now: float | None = None) -> float:
        """Record a failed attempt; returns the delay until the next one."""
        now = time.monotonic() if now is None else now
        if self.down_since is None:
            self.down_since = now
            self._delay = self.initial
        else:
            self._delay = min(self._delay * 2, self.cap)
        delay = min(self._delay, max(self.remaining(now), 0.0) + self.initial)
        self.retry_at = now + delay
        return delay

    def recovered(self, now: float | None = None) -> float | None:
        """Record a success; returns how long the outage lasted, or None if there was none."""
        if self.down_since is None:
            return None
        now = time.monotonic() if now is None else now
        lasted = now - self.down_since
        self.down_since = None
        self._delay = self.initial
        return lasted

    def due(self, now: float | None = None) -> bool:
        """True if no outage is going on, or it is time for the next attempt."""
        if self.down_since is None:
            return True
        return (time.monotonic() if now is None else now) >= self.retry_at

    def elapsed(self, now: float | None = None) -> float:
        if self.down_since is None:
            return 0.0
        return (time.monotonic() if now is None else now) - self.down_since

    def remaining(self, now: float | None = None) -> float:
        """Seconds left before the outage counts as too long."""
        return self.limit - self.elapsed(now)

    def exceeded(self, now: float | None = None) -> bool:
        return self.down_since is not None and self.elapsed(now) > self.limit
