"""The health of one NATS connection, shared by the caller's thread and the loop.

The loop learns about trouble (a lost connection, a refused publish, an event
that cannot be encoded); the caller's thread is where it must be raised. This
record is the meeting point: the loop writes it, the bus reads it at its next
``publish``, ``poll`` or ``flush``. Plain attribute writes and reads are
atomic under the GIL, which is all the sharing this needs.
"""

from __future__ import annotations

import time

import attrs
from scenario_engine.errors import BusError

__all__ = ["Link"]


@attrs.define
class Link:
    """Outage, failures and counters of one connection.

    ``failure`` ends the bus (every later call raises it); ``rejected`` is
    one event that could not be sent, raised once while the bus goes on.
    """

    url: str
    endpoint: str
    outage: float
    down_since: float | None = None
    failure: BusError | None = None
    rejected: BusError | None = None
    published: int = 0
    received: int = 0
    reconnects: int = 0
    errors: int = 0

    def outage_error(self, lasted: float, unsent: int) -> BusError:
        return BusError(
            f"NATS at {self.url} unreachable for {lasted:.1f}s "
            f"(limit {self.outage:g}s); {unsent} events not confirmed",
            hint=f"is nats-server running at {self.endpoint}? raise the limit with ?outage=60s",
        )

    def check_outage(self, unsent: int = 0) -> None:
        """Raise if the connection has been lost for longer than the limit."""
        since = self.down_since
        if since is not None and time.monotonic() - since > self.outage:
            raise self.outage_error(time.monotonic() - since, unsent)

    def reject(self, err: BusError) -> None:
        """One event could not be sent: report it at the next call, keep going."""
        self.errors += 1
        self.rejected = err

    def raise_if_failed(self, unsent: int = 0) -> None:
        """On the caller's thread: raise the failure, a rejection (once), or a long outage."""
        if self.failure is not None:
            raise self.failure
        rejected, self.rejected = self.rejected, None
        if rejected is not None:
            raise rejected
        try:
            self.check_outage(unsent)
        except BusError as err:
            self.failure = err
            raise
