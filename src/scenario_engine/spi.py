"""The plugin contracts: what a generator, profile, chaos action, monitor, bus,
codec, loader or reporter must provide.

Each entry point in a ``scenario_engine.<kind>`` group names a *factory* (a
class or a function). The registry calls it with the component's parameters
from the plan and checks the result against the protocol below. Plugins
import only this module, :mod:`scenario_engine` and
:mod:`scenario_engine.testing`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import attrs

from scenario_engine.errors import PlanError
from scenario_engine.events import Event, TopicPattern, payload_get

if TYPE_CHECKING:
    from scenario_engine.plan.nodes import Plan
    from scenario_engine.report.model import RunResult

__all__ = [
    "GROUPS",
    "TRANSPORTS",
    "Batch",
    "Bus",
    "ChaosAction",
    "ChaosContext",
    "Codec",
    "CodecBase",
    "DecodeError",
    "Emission",
    "Event",
    "Generator",
    "Loader",
    "Message",
    "Monitor",
    "ParamError",
    "PlanError",
    "Profile",
    "Reporter",
    "SystemBus",
    "Tick",
    "TopicPattern",
    "TopicRoute",
    "Verdict",
    "Witness",
    "compile_where",
    "payload_get",
    "witness",
]

#: entry-point group per component kind
GROUPS: Mapping[str, str] = {
    "generator": "scenario_engine.generators",
    "profile": "scenario_engine.profiles",
    "chaos": "scenario_engine.chaos",
    "assertion": "scenario_engine.assertions",
    "bus": "scenario_engine.buses",
    "loader": "scenario_engine.loaders",
    "reporter": "scenario_engine.reporters",
    "codec": "scenario_engine.codecs",
}


class ParamError(ValueError):
    """A component rejects one of its parameters; the plan error points at that key.

    Raise it from a factory: ``raise ParamError("rate", "must be >= 0", -1)``.
    """

    def __init__(self, param: str, message: str, value: Any = None) -> None:
        self.param = param
        self.value = value
        text = f"{message} (got {value!r})" if value is not None else message
        self.text = text
        super().__init__(f"{param}: {text}")


# --------------------------------------------------------------------------- data generation


@attrs.define(slots=True)
class Tick:
    """Where the run is when a generator emits.

    ``index`` counts cycles over the whole run; ``phase_index`` within the
    phase; ``progress`` goes from 0 to 1 across the phase; ``value`` is the
    generator's value after the profile moved it; ``start_value`` is the value
    when the phase began (multi-phase profiles move relative to it).
    A profile receives the tick with ``value`` still the previous value;
    the engine then sets the new one before the generator sees it (one
    object per tick: this is the hot path).
    """

    index: int
    phase: str
    phase_index: int
    progress: float
    time: float
    value: Any
    start_value: Any = None


@runtime_checkable
class Profile(Protocol):
    """How a value evolves, one cycle at a time.

    Implementers: be a pure function of the arguments: draw randomness only
    from ``rng`` (it is derived from the scenario seed), keep no global state.
    A profile is made anew for each phase that names it.
    """

    def next_value(self, previous: Any, tick: Tick, rng: random.Random) -> Any:
        """The value for this cycle, given the previous one."""
        ...


@attrs.frozen
class Message:
    """One of several events a generator emits in one tick, with its own key (an entity:
    a sensor, a symbol, a user) that the report counts apart."""

    payload: Any
    key: str | None = None


class Batch(tuple[Message, ...]):
    """What a generator returns to emit several events in one tick: ``Batch(messages)``.

    A plain list is a payload like any other (one event whose payload is the
    list); only a Batch is split into events.
    """

    __slots__ = ()

    def __new__(cls, messages: Iterable[Message | Any] = ()) -> Batch:
        return super().__new__(cls, (m if isinstance(m, Message) else Message(m) for m in messages))


@runtime_checkable
class Generator(Protocol):
    """Turns the profile's value into payloads for one topic.

    Implementers: ``initial_value`` seeds the value the profiles move (a
    number, or a mapping of named numbers that profiles move one by one);
    ``payload`` builds the message for one tick (draw only from ``rng``), or
    returns a :class:`Batch` of :class:`Message` to emit several events, each
    with its own key. Optionally ``summary()`` returns statistics for the run
    report.
    """

    def initial_value(self) -> Any:
        """The value before the first cycle."""
        ...

    def payload(self, tick: Tick, rng: random.Random) -> Any:
        """The payload published for this tick."""
        ...


# --------------------------------------------------------------------------- chaos

#: ``(delay_seconds, event)``: an event to deliver, ``delay_seconds`` from now
Emission = tuple[float, Event]


class ChaosContext(Protocol):
    """What a chaos action may use while it handles one event."""

    @property
    def now(self) -> float:
        """Clock time in seconds since the run started."""
        ...

    @property
    def rng(self) -> random.Random:
        """This action's own random stream, derived from the seed."""
        ...

    def emit(self, event: Event, delay: float = 0.0) -> None:
        """Deliver ``event`` later, through the actions after this one."""
        ...

    def hold(self, event: Event) -> None:
        """Announce that ``event`` (about to be returned as no emission) is held back and
        delivered later, not lost: the log and the counts say ``held``, not ``dropped``."""
        ...

    def call_later(self, delay: float, callback: Callable[[], None]) -> None:
        """Run ``callback`` on the run's clock ``delay`` seconds from now."""
        ...

    def derive(self, event: Event, **changes: Any) -> Event:
        """A copy of ``event`` with fields changed (``topic=``, ``payload=``, ...)."""
        ...


@runtime_checkable
class ChaosAction(Protocol):
    """The effect of one chaos action on one event its triggers matched.

    The engine evaluates the generic triggers (topics, probability, at_cycle,
    between, after, every, where, max_times) and calls ``apply`` only for
    matched events, so an implementer writes the effect alone:

    - return ``[(0.0, event)]`` to pass it, ``[]`` to drop it (or, after
      ``ctx.hold(event)``, to keep it and deliver it later with ``ctx.emit``),
      ``[(0.0, changed)]`` to change it, ``[(0.2, event)]`` to delay it,
      several emissions to duplicate it or add events;
    - ``effect`` names what it does in reports (``"delay"``, ``"drop"``...);
    - optional ``active(now) -> bool``: keep receiving events while true,
      even when the triggers no longer match (an outage window);
    - optional ``finish(ctx)``: release what is still held when the run ends.
    """

    effect: str

    def apply(self, event: Event, ctx: ChaosContext) -> Sequence[Emission]:
        """Emissions that replace ``event``."""
        ...


# --------------------------------------------------------------------------- assertions


@attrs.frozen
class Witness:
    """An event quoted by a verdict: enough to find it in the event log."""

    seq: int
    time: float
    topic: str
    excerpt: str

    def __str__(self) -> str:
        return f"#{self.seq} t={self.time:.3f}s {self.topic} {self.excerpt}"


def witness(event: Event, limit: int = 120) -> Witness:
    """Quote an event for a verdict, payload cut to ``limit`` characters."""
    text = repr(event.payload)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return Witness(seq=event.seq, time=event.time, topic=event.topic, excerpt=text)


@attrs.frozen
class Verdict:
    """What a monitor concluded: expected vs actual, and the events that show it."""

    passed: bool
    expected: str
    actual: str
    witnesses: tuple[Witness, ...] = ()
    stats: Mapping[str, Any] = attrs.field(factory=dict)


@runtime_checkable
class Monitor(Protocol):
    """An assertion checked online, event by event.

    Implementers: ``topics`` lists the glob patterns the monitor wants to
    see (the engine routes only those); ``observe`` may return a failing
    :class:`Verdict` as soon as the outcome is certain (a ``Never`` that
    saw its event); ``finish`` gives the final verdict. Keep memory bounded:
    only ``Custom`` keeps the whole history.
    """

    topics: tuple[str, ...]

    def observe(self, event: Event) -> Verdict | None:
        """Look at one delivered event; a verdict here fails early."""
        ...

    def finish(self, now: float) -> Verdict:
        """The verdict once the run (or checkpoint) is over."""
        ...


_OPERATORS: Mapping[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a is not None and a > b,
    "ge": lambda a, b: a is not None and a >= b,
    "lt": lambda a, b: a is not None and a < b,
    "le": lambda a, b: a is not None and a <= b,
    "in": lambda a, b: a in b,
}

_MISSING = object()


def compile_where(where: Any) -> Callable[[Event], bool] | None:
    """A predicate over events from a ``where=``: a callable taking the event,
    or a mapping of payload dot paths to a value or to ``{op: value}``."""
    if where is None:
        return None
    if callable(where):
        return where  # type: ignore[no-any-return]
    if not isinstance(where, Mapping):
        raise TypeError(f"where must be a callable or a mapping of paths (got {where!r})")
    checks: list[tuple[str, Callable[[Any, Any], bool], Any]] = []
    for path, condition in where.items():
        if isinstance(condition, Mapping):
            for op, expected in condition.items():
                if op not in _OPERATORS:
                    raise ValueError(
                        f"where[{path!r}]: unknown operator {op!r}; use one of "
                        + ", ".join(_OPERATORS)
                    )
                checks.append((path, _OPERATORS[op], expected))
        else:
            checks.append((path, _OPERATORS["eq"], condition))

    def predicate(event: Event) -> bool:
        for path, op, expected in checks:
            value = payload_get(event.payload, path, _MISSING)
            if value is _MISSING or not op(value, expected):
                return False
        return True

    return predicate


# --------------------------------------------------------------------------- buses


class SystemBus(Protocol):
    """What an in-process system under test receives: publish and subscribe."""

    def publish(
        self,
        topic: str,
        payload: Any = None,
        *,
        key: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Send a message; it goes through the scenario's chaos like the engine's own."""
        ...

    def subscribe(self, pattern: str, handler: Callable[[Event], None]) -> None:
        """Call ``handler`` for every event whose topic matches the glob ``pattern``."""
        ...

    def now(self) -> float:
        """Clock time in seconds since the run started."""
        ...


@runtime_checkable
class Bus(Protocol):
    """A message transport, chosen by URL scheme; the factory takes the URL.

    Implementers: ``publish`` may buffer, ``flush`` must push everything
    out; ``subscribe`` registers a handler for a glob pattern; ``poll``
    delivers what has arrived to the handlers *on the calling thread* and
    waits at most ``timeout`` seconds for it. ``capabilities`` lists what the
    bus can do (``virtual_time``: delivery is synchronous and needs no wall
    clock; ``headers``; ``keys``). Errors reaching the broker raise
    :class:`scenario_engine.errors.BusError` with the URL, credentials redacted.

    A bus that crosses a wire may map topics: ``route(routes)`` (a list of
    :class:`TopicRoute`, called before ``connect``) and ``codec_transport``,
    the shape of frame its codecs write (``fields`` or ``message``).
    """

    capabilities: frozenset[str]

    def connect(self) -> None: ...

    def publish(self, event: Event) -> None: ...

    def subscribe(self, pattern: str, handler: Callable[[Event], None]) -> None: ...

    def poll(self, timeout: float) -> int: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


# --------------------------------------------------------------------------- codecs

#: the shapes a codec can write: ``fields`` (a Redis Streams entry: field, value pairs)
#: and ``message`` (a body and string headers: NATS core and JetStream)
TRANSPORTS = ("fields", "message")


class DecodeError(ValueError):
    """An inbound entry or message is not in the codec's format; the message says why.

    The bus keeps such an entry raw in the event log and reports it once per
    topic: raise it rather than guessing a payload.
    """


@runtime_checkable
class Codec(Protocol):
    """How an event's payload and metadata become bytes, fields and headers, and back.

    ``transports`` lists the shapes it writes (see :data:`TRANSPORTS`); a bus
    calls only the methods of its shape. ``title`` names the format in hints
    ("FastStream's format"). ``encode_*`` raise
    :class:`~scenario_engine.errors.BusError` for a payload the format cannot
    carry; ``decode_*`` raise :class:`DecodeError`. ``looks_like_*`` say,
    cheaply and without raising, whether a frame is probably in this format:
    they name the right codec in the hint for an entry another codec could
    not decode. Subclass :class:`CodecBase` to write one shape only.
    """

    transports: frozenset[str]
    title: str

    def encode_fields(self, event: Event, count: int) -> list[Any]:
        """The ``field, value, ...`` list of the XADD that carries ``event``
        (``count`` is the publisher's running count, for ordering)."""
        ...

    def decode_fields(self, topic: str, entry_id: bytes, fields: Mapping[bytes, bytes]) -> Event:
        """The event one stream entry carries."""
        ...

    def encode_message(self, event: Event) -> tuple[bytes, dict[str, str]]:
        """The body and headers (a fresh dict: the bus may add to it) that carry ``event``."""
        ...

    def decode_message(self, topic: str, body: bytes, headers: Mapping[str, str] | None) -> Event:
        """The event one message carries."""
        ...

    def looks_like_fields(self, fields: Mapping[bytes, bytes]) -> bool: ...

    def looks_like_message(self, body: bytes, headers: Mapping[str, str] | None) -> bool: ...


class CodecBase:
    """Defaults for a codec that writes one shape: the other one refuses, nothing is sniffed."""

    transports: frozenset[str] = frozenset()
    title = "this format"

    def encode_fields(self, event: Event, count: int) -> list[Any]:
        raise NotImplementedError(f"{type(self).__name__} does not write stream entries")

    def decode_fields(self, topic: str, entry_id: bytes, fields: Mapping[bytes, bytes]) -> Event:
        raise NotImplementedError(f"{type(self).__name__} does not read stream entries")

    def encode_message(self, event: Event) -> tuple[bytes, dict[str, str]]:
        raise NotImplementedError(f"{type(self).__name__} does not write messages")

    def decode_message(self, topic: str, body: bytes, headers: Mapping[str, str] | None) -> Event:
        raise NotImplementedError(f"{type(self).__name__} does not read messages")

    def looks_like_fields(self, fields: Mapping[bytes, bytes]) -> bool:
        return False

    def looks_like_message(self, body: bytes, headers: Mapping[str, str] | None) -> bool:
        return False


@attrs.frozen
class TopicRoute:
    """A topic the plan declares: its broker-side name and its codec.

    ``subject`` is the Redis stream key or NATS subject used verbatim (no
    prefix), or None for the bus's own naming; ``codec`` is None for the
    bus's codec. A bus that maps topics has ``route(routes)``, called before
    it connects; it reads every routed topic from the start of the run.
    """

    topic: str
    subject: str | None = None
    codec: Codec | None = None
    codec_name: str | None = None


# --------------------------------------------------------------------------- files and reports

#: turns a file into plans; ``variables`` are ``--var`` overrides
Loader = Callable[[Path, Mapping[str, str]], "list[Plan]"]


class Reporter(Protocol):
    """Renders a run result; file reporters write under ``directory``."""

    def report(self, result: RunResult, directory: Path) -> Path | None: ...


def iter_emissions(emissions: Iterable[Emission]) -> list[Emission]:
    """Normalise what an action returned (any iterable) to a list."""
    return emissions if isinstance(emissions, list) else list(emissions)
