"""The time a delivered event is recorded and judged at: when it arrived, on the run's clock.

A wall-clock run waits for real services in blocking polls of up to 50 ms;
the clock's ``now`` is read when the wait starts. Stamping events with it
would make every reply that came during one wait look as if it came at the
start of the wait (a 33 ms fill judged as 1 ms). So a real bus stamps each
event when it receives it (:attr:`~scenario_engine.events.Event.arrived`,
``time.monotonic()`` in its reader thread or callback), and this turns that
stamp into clock time (scaled by ``--speed``). Events without the stamp
(the memory bus, the virtual clock) take the clock's ``now``.

The event log's times never go backwards: an event is never recorded
before the one delivered ahead of it (the order of the log is the order
the monitors judge). An arrival later than the clock's ``now`` moves
``now`` forward, so what a handler publishes in reply is not stamped
earlier than what it answers.
"""

from __future__ import annotations

from scenario_engine.events import Event
from scenario_engine.runtime.scheduler import Scheduler

__all__ = ["ArrivalClock"]


class ArrivalClock:
    """Clock time for each delivered event, in delivery order (see the module docstring)."""

    __slots__ = ("_last", "_origin", "_scheduler", "_speed")

    def __init__(self, scheduler: Scheduler) -> None:
        self._scheduler = scheduler
        self._last = 0.0
        origin = scheduler.monotonic_origin()
        self._origin: float | None = None if origin is None else origin[0]
        self._speed = 1.0 if origin is None else origin[1]

    def settle(self, event: Event) -> None:
        """Before inbound chaos: move the clock to the event's arrival and forget the stamp,
        so an event chaos lets through now is timed at its arrival and one it delays at its
        later delivery."""
        arrived = event.arrived
        origin = self._origin
        if arrived is not None and origin is not None:
            scheduler = self._scheduler
            scheduler.now = max(scheduler.now, (arrived - origin) * self._speed)
        event.arrived = None

    def __call__(self, event: Event) -> float:
        scheduler = self._scheduler
        arrived = event.arrived
        origin = self._origin
        if arrived is None or origin is None:
            now = scheduler.now
        else:
            now = (arrived - origin) * self._speed
            scheduler.now = max(scheduler.now, now)
        now = max(now, self._last)
        self._last = now
        return now
