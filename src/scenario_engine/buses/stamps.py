"""Arrival stamps that this process's own delays cannot push late.

A bus stamps each inbound event when its client receives it
(``Event.arrived``, on ``time.monotonic()``). On a busy machine the thread
that receives may wait for a CPU, or for the interpreter lock, for a few
milliseconds after the bytes came in, and the stamp is late by as much:
a reply looks slower than it was, or a request faster. Where the broker
stamps what it stores (Redis entry ids, in milliseconds; JetStream
metadata, in nanoseconds), that delay can be cut off. A waiting client has a
message no later than

    stored + resolution + lag + transit

where ``stored`` is the broker's time, ``resolution`` how coarse it is,
``lag`` the smallest ``arrival - stored`` seen so far (the two clocks'
offset plus the quickest delivery), and ``transit`` a margin for an
ordinary delivery. :class:`ArrivalBound` keeps ``lag`` and returns the
earlier of the receipt and that bound. The smallest lag may only creep up
slowly (:data:`CREEP`, 50 parts per million), so a broker clock that runs a
little slow does not make every stamp too early.
"""

from __future__ import annotations

import time

__all__ = ["CREEP", "TRANSIT", "ArrivalBound"]

#: how long an ordinary delivery takes at most, beyond the quickest one (seconds)
TRANSIT = 0.0005
#: how fast the smallest lag may grow, in seconds per second (clock rates differ a little)
CREEP = 5e-5


class ArrivalBound:
    """Receipt times bounded by broker times (see the module docstring); one thread's own.

    Args:
        resolution: how coarse the broker's stamps are (Redis: 0.001).
        lag: a first estimate of ``arrival - stored`` (from a clock
            comparison at connect); learned from the first message if None.
    """

    __slots__ = ("_lag", "_last", "resolution")

    def __init__(self, resolution: float = 0.0, lag: float | None = None) -> None:
        self.resolution = resolution
        self._lag = lag
        self._last = time.monotonic()

    @property
    def lag(self) -> float | None:
        return self._lag

    def __call__(self, arrived: float, stored: float) -> float:
        """The arrival of a message received at ``arrived`` (monotonic) and stored by the
        broker at ``stored`` (its Unix time)."""
        lag = arrived - stored
        known = self._lag
        if known is None:
            known = lag
        else:
            known += (arrived - self._last) * CREEP
            known = min(known, lag)
        self._lag = known
        self._last = arrived
        bound = stored + known + self.resolution + TRANSIT
        return bound if bound < arrived else arrived
