"""Events other programs publish: through chaos first, then the log, monitors and systems.

What the engine itself publishes passes chaos on its way out (the
outbound :class:`~scenario_engine.runtime.chaos_pipeline.ChaosPipeline`).
An event this run did not make - a real service's reply, a hosted
system's output - passes chaos when it *arrives*, before the event log,
the monitors, the in-process systems and the relays see it: what a
downstream consumer of a flaky link would see. An event is this run's own
when its id carries the run's id prefix (every event the run makes does),
or - on a wire that carries the payload alone, so ids do not come back - when
it matches, by topic and payload, one the run sent and has not seen again
(:class:`Echoes`); then the run's own record of it, marks and all, is what
is delivered.

Inbound chaos is a second pipeline over the same plan nodes, with its own
action instances and random streams (so what arrives never shifts a draw
made for what is sent, and a held event is released in the direction it
came from); the report adds the two up per action.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

import attrs
import orjson

from scenario_engine.events import Event, TopicPattern
from scenario_engine.report.model import ChaosResult
from scenario_engine.runtime.chaos_pipeline import ChaosPipeline

__all__ = ["Echoes", "Inbound", "merge_results"]

Handler = Callable[[Event], None]


class Echoes:
    """The run's own events, recognised when they come back without their ids.

    Each event the run sends is kept under its topic and payload until an
    event with the same topic and payload arrives without the run's id;
    copies (a ``Duplicate``) are matched one by one, oldest first.
    """

    #: events kept waiting for their echo at most (the oldest are forgotten past it)
    LIMIT = 1 << 16

    def __init__(self) -> None:
        self._sent: dict[tuple[str, bytes], deque[Event]] = {}
        self._waiting = 0

    @staticmethod
    def _key(event: Event) -> tuple[str, bytes] | None:
        try:
            return event.topic, orjson.dumps(event.payload, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            return None

    def sent(self, event: Event) -> None:
        key = self._key(event)
        if key is None:
            return
        self._sent.setdefault(key, deque()).append(event)
        self._waiting += 1
        if self._waiting > self.LIMIT:  # echoes that never come (a topic not read back)
            oldest = next(iter(self._sent))
            waiting = self._sent[oldest]
            waiting.popleft()
            self._waiting -= 1
            if not waiting:
                del self._sent[oldest]

    def match(self, event: Event) -> Event | None:
        """The run's own event that ``event`` is the echo of, if any (it is then forgotten)."""
        key = self._key(event)
        waiting = self._sent.get(key) if key is not None else None
        if not waiting:
            return None
        own = waiting.popleft()
        self._waiting -= 1
        if not waiting:
            del self._sent[key]  # type: ignore[arg-type]
        return own


def _nobody(event: Event) -> None:
    """Until the run sets the observer."""


class Inbound:
    """The run's one subscription to the bus, and the local fan-out behind inbound chaos."""

    def __init__(self, own_prefix: str, make_pipeline: Callable[[Handler], ChaosPipeline]) -> None:
        self._prefix = own_prefix
        self.pipeline = make_pipeline(self.deliver)
        #: set when the wire may drop the run's ids (a codec that carries the payload alone)
        self.echoes: Echoes | None = None
        #: what sees every delivered event (the log, the monitors); the run sets it
        self.observe: Handler = _nobody
        self._locals: list[tuple[TopicPattern, Handler]] = []
        self._routes: dict[str, tuple[Handler, ...]] = {}
        #: topics a readiness wait looks for, and those that arrived (before chaos)
        self.awaited: set[str] = set()
        self.arrived: set[str] = set()

    def arrive(self, event: Event) -> None:
        """The handler of the run's ``*`` subscription."""
        if event.id.startswith(self._prefix):
            self.observe(event)
            return
        if self.echoes is not None:
            own = self.echoes.match(event)
            if own is not None:
                self.observe(own)
                return
        if self.awaited and event.topic in self.awaited:
            self.arrived.add(event.topic)
        self.pipeline.send(event)

    def deliver(self, event: Event) -> None:
        """Where inbound chaos hands what it lets through (now, or later if delayed)."""
        self.observe(event)
        if self._locals:
            self._fan_out(event)

    def _fan_out(self, event: Event) -> None:
        handlers = self._routes.get(event.topic)
        if handlers is None:
            handlers = self._routes[event.topic] = tuple(
                h for pattern, h in self._locals if pattern(event.topic)
            )
        for handler in handlers:
            handler(event)

    def local(self, pattern: str, handler: Handler) -> Handler:
        """Register a system's or a relay's handler for inbound events (after chaos); returns
        the handler to subscribe on the bus, which takes only the run's own events."""
        self._locals.append((TopicPattern(pattern), handler))
        self._routes.clear()
        prefix = self._prefix

        def own_only(event: Event) -> None:
            if event.id.startswith(prefix):
                handler(event)

        return own_only


def merge_results(
    outbound: Sequence[ChaosResult],
    inbound: Sequence[ChaosResult] | None,
    *,
    judged: bool = True,
) -> tuple[ChaosResult, ...]:
    """One result per chaos action: both directions added up; ``never_matched`` is decided
    only for a run that ``judged`` its traffic (not one that broke off with an error)."""
    out = []
    for i, result in enumerate(outbound):
        other = inbound[i] if inbound is not None else None
        applied_in = other.applied if other is not None else 0
        matched = result.matched + (other.matched if other is not None else 0)
        seen = tuple(dict.fromkeys((*result.seen, *(other.seen if other is not None else ()))))
        out.append(
            attrs.evolve(
                result,
                applied=result.applied + applied_in,
                matched=matched,
                inbound=applied_in,
                seen=seen,
                never_matched=judged and matched == 0 and result.applied + applied_in == 0,
            )
        )
    return tuple(out)
