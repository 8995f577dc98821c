"""The bus conformance suite: what every bus must do, as pytest tests any bus plugin can run.

The memory, Redis and NATS buses all pass it, and a third-party bus gets the
same checks by subclassing :class:`BusConformance` in its own test suite and
saying where its broker is::

    from scenario_engine.testing.bus_conformance import BusConformance

    class TestMyBusConformance(BusConformance):
        @pytest.fixture
        def bus_url(self, my_broker):
            return f"mybus://127.0.0.1:{my_broker.port}"

        @pytest.fixture
        def unreachable_url(self):
            return "mybus://127.0.0.1:9"

        @pytest.fixture
        def restart_broker(self, my_broker):  # only if the bus declares "reconnect"
            return my_broker.restart

The suite builds buses through the registry (the URL scheme selects the
entry point), so it also checks that the plugin is installed correctly.
Delivery on a real bus is asynchronous: tests wait with :func:`wait_until`,
which keeps calling ``poll`` until a condition holds, with generous
timeouts, and never assert on speed.

A test that does not apply to a bus (the in-process memory bus has no
broker to restart) can be switched off in the subclass by setting it to
``None``.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar

import pytest

from scenario_engine.buses.url import redact, scrub
from scenario_engine.errors import BusError
from scenario_engine.events import Event
from scenario_engine.registry import default_registry
from scenario_engine.spi import Bus

__all__ = [
    "ROUND_TRIP_PAYLOADS",
    "BusConformance",
    "Inbox",
    "drain",
    "make_bus_from_url",
    "wait_until",
]


def make_bus_from_url(url: str) -> Bus:
    """A bus for ``url``, made by the factory the registry has for its scheme."""
    scheme = url.partition("://")[0].lower()
    factory = default_registry().load("bus", scheme)
    bus: Bus = factory(url)
    return bus


def wait_until(
    bus: Bus | Sequence[Bus],
    predicate: Callable[[], bool],
    timeout: float = 20.0,
    *,
    interval: float = 0.05,
    what: str = "",
) -> float:
    """Poll ``bus`` (or each of several) until ``predicate()`` holds; returns the seconds it took.

    Raises:
        AssertionError: the predicate still fails after ``timeout`` seconds;
            the message says ``what`` was awaited.
    """
    buses = [bus] if not isinstance(bus, Sequence) else list(bus)
    start = time.monotonic()
    deadline = start + timeout
    while not predicate():
        now = time.monotonic()
        if now > deadline:
            raise AssertionError(
                f"waited {timeout:g}s for {what or 'the condition'}, in vain"
            )
        before = now
        for each in buses:
            each.poll(interval / len(buses))
        # a bus that delivers synchronously returns at once: do not spin
        spare = interval - (time.monotonic() - before)
        if spare > 0:
            time.sleep(spare)
    return time.monotonic() - start


def drain(bus: Bus, seconds: float) -> int:
    """Poll ``bus`` for ``seconds``; returns how many events it delivered meanwhile."""
    deadline = time.monotonic() + seconds
    delivered = 0
    while (left := deadline - time.monotonic()) > 0:
        delivered += bus.poll(min(left, 0.05))
        if left > 0.05:
            time.sleep(0.01)
    return delivered


class Inbox:
    """A handler that keeps every event it is given, in order."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def __len__(self) -> int:
        return len(self.events)

    @property
    def topics(self) -> list[str]:
        return [e.topic for e in self.events]

    @property
    def payloads(self) -> list[Any]:
        return [e.payload for e in self.events]

    def __repr__(self) -> str:
        return f"Inbox({len(self.events)} events: {self.topics[:5]!r}...)"


#: payloads that must cross any bus unchanged (JSON-representable values)
ROUND_TRIP_PAYLOADS: tuple[Any, ...] = (
    None,
    True,
    0,
    -(2**63),
    2**63 - 1,
    0.1,
    -0.0,
    1e-300,
    1.7976931348623157e308,
    "",
    "plain",
    "unicode: é ß 東京 🚀 \u2028 \"quoted\" back\\slash\nnew line\ttab \x00 nul",
    [],
    {},
    [1, 2.5, "three", None, [4, [5, {"six": 6}]]],
    {"order": {"id": "o-1", "lines": [{"sku": "A", "qty": 2, "price": 9.99}],
               "tags": ["x", "y"], "meta": {"nested": {"deep": {"deeper": [True, False]}}}}},
)


def _connect_once(url: str) -> None:
    bus = make_bus_from_url(url)
    try:
        bus.connect()
    finally:
        bus.close()


class BusConformance:
    """Tests every bus must pass; subclass it and provide the ``bus_url`` fixture.

    Optional fixtures: ``unreachable_url`` (a URL of this scheme where no
    broker listens, ideally with a password in it, to check it is redacted)
    and ``restart_broker`` (a callable that stops the broker and starts it
    again, for buses that declare the ``reconnect`` capability).
    """

    #: seconds a delivery may take on a loaded machine (generous on purpose)
    delivery_timeout: ClassVar[float] = 30.0
    #: buses made from the same URL see each other's events (False for in-process buses)
    shared: ClassVar[bool] = True

    # ------------------------------------------------------------------ fixtures

    @pytest.fixture
    def bus_url(self) -> str:
        raise NotImplementedError(
            f"{type(self).__name__} must provide a `bus_url` fixture (the URL of the bus to test)"
        )

    @pytest.fixture
    def make_bus(self, bus_url: str) -> Iterator[Callable[..., Bus]]:
        """Make connected buses for ``bus_url`` (or another URL); all are closed afterwards."""
        made: list[Bus] = []

        def make(url: str | None = None, *, connect: bool = True) -> Bus:
            bus = make_bus_from_url(url or bus_url)
            made.append(bus)
            if connect:
                bus.connect()
            return bus

        yield make
        for bus in reversed(made):
            with contextlib.suppress(BusError):
                bus.close()

    @pytest.fixture
    def namespace(self) -> str:
        """A topic prefix of this test's own, so tests never see each other's events."""
        return f"conf{uuid.uuid4().hex[:12]}"

    def wait(self, bus: Bus | Sequence[Bus], predicate: Callable[[], bool], what: str) -> None:
        wait_until(bus, predicate, self.delivery_timeout, what=what)

    # ------------------------------------------------------------------ the contract

    def test_declares_its_capabilities(self, make_bus: Callable[..., Bus]) -> None:
        """Declares its capabilities as a frozenset of names."""
        bus = make_bus()
        assert isinstance(bus.capabilities, frozenset)
        assert all(isinstance(c, str) for c in bus.capabilities)
        assert isinstance(bus, Bus)

    def test_round_trip_keeps_every_event_field(
        self, make_bus: Callable[..., Bus], namespace: str
    ) -> None:
        """Delivers an event with its topic, payload, key, headers, id, time, cycle and source."""
        bus = make_bus()
        topic = f"{namespace}.orders"
        inbox = Inbox()
        bus.subscribe(topic, inbox)
        sent = Event(
            topic=topic,
            payload={"orderId": "o-1", "price": 101.25, "qty": 3, "name": "Ünïcödé ✓"},
            key="o-1" if "keys" in bus.capabilities else None,
            headers={"trace-id": "abc123", "tenant": "acme"}
            if "headers" in bus.capabilities else {},
            id="evt-0001",
            time=12.345678901234,
            cycle=7,
            source="system",
        )
        bus.publish(sent)
        bus.flush()
        self.wait(bus, lambda: len(inbox) >= 1, "the event")
        (got,) = inbox.events
        assert (got.topic, got.payload, got.key, dict(got.headers), got.id) == (
            sent.topic, sent.payload, sent.key, dict(sent.headers), sent.id)
        assert (got.time, got.cycle, got.source) == (sent.time, sent.cycle, sent.source)

    def test_an_event_without_key_or_headers_arrives_without_them(
        self, make_bus: Callable[..., Bus], namespace: str
    ) -> None:
        """Keeps a missing key as None and missing headers as an empty mapping."""
        bus = make_bus()
        topic = f"{namespace}.bare"
        inbox = Inbox()
        bus.subscribe(topic, inbox)
        bus.publish(Event(topic=topic, payload=1))
        bus.flush()
        self.wait(bus, lambda: len(inbox) >= 1, "the event")
        (got,) = inbox.events
        assert got.key is None
        assert dict(got.headers) == {}

    def test_payload_values_survive_the_wire(
        self, make_bus: Callable[..., Bus], namespace: str
    ) -> None:
        """Delivers nested, unicode, float, integer, boolean and empty payloads unchanged."""
        bus = make_bus()
        topic = f"{namespace}.values"
        inbox = Inbox()
        bus.subscribe(topic, inbox)
        for index, payload in enumerate(ROUND_TRIP_PAYLOADS):
            bus.publish(Event(topic=topic, payload=payload, id=f"v{index}"))
        bus.flush()
        self.wait(bus, lambda: len(inbox) >= len(ROUND_TRIP_PAYLOADS), "every payload")
        assert inbox.payloads == list(ROUND_TRIP_PAYLOADS)
        for got, want in zip(inbox.payloads, ROUND_TRIP_PAYLOADS, strict=True):
            # -0.0 == 0.0 and True == 1 in Python: compare the types too
            assert type(got) is type(want), (got, want)

    def test_events_on_one_topic_arrive_in_publish_order(
        self, make_bus: Callable[..., Bus], namespace: str
    ) -> None:
        """Delivers 1000 events on one topic in the order they were published."""
        bus = make_bus()
        topic = f"{namespace}.ticks"
        inbox = Inbox()
        bus.subscribe(topic, inbox)
        for index in range(1000):
            bus.publish(Event(topic=topic, payload={"n": index}, id=f"t{index}"))
        bus.flush()
        self.wait(bus, lambda: len(inbox) >= 1000, "1000 events")
        assert [p["n"] for p in inbox.payloads] == list(range(1000))
        assert len(inbox) == 1000

    def test_glob_subscriptions_receive_exactly_the_matching_topics(
        self, make_bus: Callable[..., Bus], namespace: str
    ) -> None:
        """Matches ``*`` across dots and ``?`` as one character, like fnmatch, and nothing else."""
        bus = make_bus()
        orders, versions = Inbox(), Inbox()
        bus.subscribe(f"{namespace}.orders.*", orders)
        bus.subscribe(f"{namespace}.v?", versions)
        topics = [
            f"{namespace}.orders.created",
            f"{namespace}.orders.eu.created",
            f"{namespace}.payments.created",
            f"{namespace}.orders",
            f"{namespace}.v1",
            f"{namespace}.v10",
            f"{namespace}.end",
        ]
        ends = Inbox()
        bus.subscribe(f"{namespace}.end", ends)
        for topic in topics:
            bus.publish(Event(topic=topic, payload=topic))
        bus.flush()
        self.wait(bus, lambda: len(orders) >= 2 and len(versions) >= 1 and len(ends) >= 1,
                  "the matching topics")
        drain(bus, 0.3)  # anything wrongly delivered would be here by now
        assert sorted(orders.topics) == [f"{namespace}.orders.created",
                                         f"{namespace}.orders.eu.created"]
        assert versions.topics == [f"{namespace}.v1"]

    def test_every_subscriber_gets_each_event_once(
        self, make_bus: Callable[..., Bus], namespace: str
    ) -> None:
        """Calls each handler whose pattern matches, once per event, even when patterns overlap."""
        bus = make_bus()
        topic = f"{namespace}.fills.eu"
        first, second, wide = Inbox(), Inbox(), Inbox()
        bus.subscribe(topic, first)
        bus.subscribe(topic, second)
        bus.subscribe(f"{namespace}.fills.*", wide)
        for index in range(5):
            bus.publish(Event(topic=topic, payload=index))
        bus.flush()
        self.wait(bus, lambda: min(len(first), len(second), len(wide)) >= 5, "three subscribers")
        drain(bus, 0.3)
        assert first.payloads == second.payloads == wide.payloads == [0, 1, 2, 3, 4]

    def test_subscriptions_made_before_connect_work(
        self, make_bus: Callable[..., Bus], namespace: str
    ) -> None:
        """Honours subscriptions registered before ``connect``."""
        bus = make_bus(connect=False)
        topic = f"{namespace}.early"
        inbox = Inbox()
        bus.subscribe(topic, inbox)
        bus.connect()
        bus.publish(Event(topic=topic, payload="hi"))
        bus.flush()
        self.wait(bus, lambda: len(inbox) >= 1, "the event")
        assert inbox.payloads == ["hi"]

    def test_a_second_bus_on_the_same_url_receives_what_the_first_publishes(
        self, make_bus: Callable[..., Bus], namespace: str
    ) -> None:
        """Connects two processes' worth of buses through the broker (shared buses only)."""
        if not self.shared:
            pytest.skip("this bus is in-process: instances do not share messages")
        publisher, subscriber = make_bus(), make_bus()
        topic = f"{namespace}.shared"
        inbox = Inbox()
        subscriber.subscribe(topic, inbox)
        for index in range(20):
            publisher.publish(Event(topic=topic, payload=index, key=str(index)))
        # flush alone must push the events out: the publisher is never polled
        publisher.flush()
        self.wait(subscriber, lambda: len(inbox) >= 20, "20 events on the other bus")
        assert inbox.payloads == list(range(20))

    def test_events_published_by_a_handler_go_out_during_poll(
        self, make_bus: Callable[..., Bus], namespace: str
    ) -> None:
        """Sends what a handler publishes without an explicit flush (request, then reply)."""
        bus = make_bus()
        requests, replies = f"{namespace}.req", f"{namespace}.rep"
        inbox = Inbox()

        def responder(event: Event) -> None:
            bus.publish(Event(topic=replies, payload={"re": event.payload}))

        bus.subscribe(requests, responder)
        bus.subscribe(replies, inbox)
        bus.publish(Event(topic=requests, payload=1))
        bus.flush()
        self.wait(bus, lambda: len(inbox) >= 1, "the reply")
        assert inbox.payloads == [{"re": 1}]

    def test_a_large_payload_round_trips(
        self, make_bus: Callable[..., Bus], namespace: str
    ) -> None:
        """Delivers a payload of about one megabyte intact."""
        bus = make_bus()
        topic = f"{namespace}.blob"
        inbox = Inbox()
        bus.subscribe(topic, inbox)
        blob = "".join(chr(0x41 + (i % 26)) for i in range(1000)) * 1000
        payload = {"blob": blob, "n": 1}
        bus.publish(Event(topic=topic, payload=payload))
        bus.flush()
        self.wait(bus, lambda: len(inbox) >= 1, "the large event")
        assert inbox.payloads[0] == payload

    def test_poll_returns_zero_when_nothing_arrives(self, make_bus: Callable[..., Bus]) -> None:
        """Returns 0 from an idle poll."""
        bus = make_bus()
        assert bus.poll(0.1) == 0

    def test_flush_with_nothing_buffered_is_harmless(self, make_bus: Callable[..., Bus]) -> None:
        """Flushes an empty buffer without error, repeatedly."""
        bus = make_bus()
        bus.flush()
        bus.flush()

    def test_close_is_idempotent(self, make_bus: Callable[..., Bus], namespace: str) -> None:
        """Closes twice without error, after sending what was buffered."""
        bus = make_bus()
        bus.subscribe(f"{namespace}.x", Inbox())
        bus.publish(Event(topic=f"{namespace}.x", payload=1))
        bus.close()
        bus.close()

    def test_reconnects_after_the_broker_restarts(
        self, make_bus: Callable[..., Bus], namespace: str, request: pytest.FixtureRequest
    ) -> None:
        """Delivers again, in order, once a restarted broker is back (``reconnect`` buses)."""
        bus = make_bus()
        if "reconnect" not in bus.capabilities:
            pytest.skip("the bus does not declare the 'reconnect' capability")
        restart: Callable[[], None] = request.getfixturevalue("restart_broker")
        topic = f"{namespace}.resilient"
        inbox = Inbox()
        bus.subscribe(topic, inbox)
        for index in range(10):
            bus.publish(Event(topic=topic, payload={"phase": "before", "n": index}))
        bus.flush()
        self.wait(bus, lambda: len(inbox) >= 10, "the events before the restart")

        restart()

        probes = iter(range(1_000_000))

        def a_probe_came_back() -> bool:
            bus.publish(Event(topic=topic, payload={"phase": "probe", "n": next(probes)}))
            return any(p["phase"] == "probe" for p in inbox.payloads)

        wait_until(bus, a_probe_came_back, self.delivery_timeout, interval=0.2,
                   what="delivery after the broker restart")
        for index in range(100):
            bus.publish(Event(topic=topic, payload={"phase": "after", "n": index}))
        bus.flush()
        self.wait(bus, lambda: sum(p["phase"] == "after" for p in inbox.payloads) >= 100,
                  "the events after the restart")
        after = [p["n"] for p in inbox.payloads if p["phase"] == "after"]
        assert after == list(range(100))
        stats = getattr(bus, "stats", None)
        if isinstance(stats, dict) and "reconnects" in stats:
            assert stats["reconnects"] >= 1

    def test_an_unreachable_broker_is_a_bus_error_naming_the_url(
        self, request: pytest.FixtureRequest
    ) -> None:
        """Fails with BusError (exit 3) that names the URL, credentials redacted, with a hint."""
        url: str = request.getfixturevalue("unreachable_url")
        with pytest.raises(BusError) as info:
            _connect_once(url)
        err = info.value
        assert err.exit_code == 3
        assert redact(url) in str(err)
        assert scrub(str(err), url) == str(err), "the error shows a credential"
        assert err.hint

