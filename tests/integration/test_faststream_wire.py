"""codec=faststream against a real FastStream broker, both ways, on Redis Streams and NATS.

FastStream runs in the test process (its own asyncio loop) against the same
real server as the engine's bus; the engine's bus runs on a worker thread,
as it would in a run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest
from faststream.nats import JStream, NatsBroker, NatsMessage
from faststream.redis import RedisBroker, RedisStreamMessage, StreamSub

from scenario_engine.events import Event
from scenario_engine.registry import default_registry
from scenario_engine.testing import closing_buses
from scenario_engine.testing.servers import BrokerServer

pytestmark = pytest.mark.integration

ORDERS = [{"orderId": f"o-{i}", "qty": i * 10, "price": 2.5 + i, "side": "buy"} for i in range(5)]
TIMEOUT = 20.0


@pytest.fixture
def open_buses() -> Iterator[list[Any]]:
    with closing_buses() as buses:
        yield buses


def engine_bus(url: str, buses: list[Any]) -> Any:
    bus = default_registry().load("bus", url.partition("://")[0])(url)
    buses.append(bus)
    bus.connect()
    return bus


def collect(bus: Any, topic: str, count: int) -> list[Event]:
    got: list[Event] = []
    bus.subscribe(topic, got.append)
    return got


def wait_for(bus: Any, got: list[Event], count: int) -> None:
    deadline = time.monotonic() + TIMEOUT
    while len(got) < count and time.monotonic() < deadline:
        bus.poll(0.05)
    assert len(got) == count, f"{len(got)} of {count} messages arrived"


def assert_decoded(got: list[Event]) -> None:
    assert [e.payload for e in got] == ORDERS
    assert [e.headers["correlation_id"] for e in got] == [f"c-{i}" for i in range(5)]
    assert all(e.headers["x-origin"] == "faststream" for e in got)
    assert {e.source for e in got} == {"external"}


# --------------------------------------------------------------------------- FastStream -> engine


def test_a_faststream_publisher_on_redis_streams_decodes_to_what_it_sent(
    redis_server: BrokerServer, open_buses: list[Any]
) -> None:
    """Its binary envelope in __data__: payload, correlation_id and headers come out."""
    bus = engine_bus(redis_server.url + "?codec=faststream", open_buses)
    got = collect(bus, "fs.orders", len(ORDERS))

    async def publish() -> None:
        async with RedisBroker(redis_server.url) as broker:
            for i, order in enumerate(ORDERS):
                await broker.publish(order, stream="fs.orders", correlation_id=f"c-{i}",
                                     headers={"x-origin": "faststream"})

    asyncio.run(publish())
    wait_for(bus, got, len(ORDERS))
    assert_decoded(got)


@pytest.mark.parametrize("jetstream", [False, True], ids=["core", "jetstream"])
def test_a_faststream_publisher_on_nats_decodes_to_what_it_sent(
    nats_server: BrokerServer, open_buses: list[Any], jetstream: bool
) -> None:
    """Body by content-type, correlation_id and headers, on core NATS and JetStream."""
    options = "?codec=faststream" + ("&stream=FSIN" if jetstream else "")
    bus = engine_bus(nats_server.url + options, open_buses)
    got = collect(bus, "fs.orders", len(ORDERS))

    async def publish() -> None:
        async with NatsBroker(nats_server.url) as broker:
            for i, order in enumerate(ORDERS):
                await broker.publish(order, subject="fs.orders", correlation_id=f"c-{i}",
                                     headers={"x-origin": "faststream"},
                                     stream="FSIN" if jetstream else None)

    asyncio.run(publish())
    wait_for(bus, got, len(ORDERS))
    assert_decoded(got)


# --------------------------------------------------------------------------- engine -> FastStream


def publish_from_engine(bus: Any, topic: str) -> None:
    for i, order in enumerate(ORDERS):
        bus.publish(Event(topic=topic, payload=order, id=f"e-{i}", key=order["orderId"],
                          headers={"correlation_id": f"c-{i}"} if i % 2 else {}))
    bus.flush()


async def received_by(broker: Any, seen: list[tuple[Any, str]], bus: Any, topic: str) -> None:
    async with broker:
        await broker.start()
        await asyncio.to_thread(publish_from_engine, bus, topic)
        deadline = time.monotonic() + TIMEOUT
        while len(seen) < len(ORDERS) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)


def assert_received(seen: list[tuple[Any, str]]) -> None:
    """The body is the payload; correlation_id is the event's header, else the event id."""
    assert [body for body, _ in seen] == ORDERS
    assert [cid for _, cid in seen] == ["e-0", "c-1", "e-2", "c-3", "e-4"]


def test_a_faststream_subscriber_on_redis_streams_reads_what_the_engine_writes(
    redis_server: BrokerServer, open_buses: list[Any]
) -> None:
    """A StreamSub handler gets the payload as its body and the right correlation_id."""
    bus = engine_bus(redis_server.url + "?codec=faststream", open_buses)
    broker = RedisBroker(redis_server.url)
    seen: list[tuple[Any, str]] = []

    # from the start of the (fresh) stream: "$" would miss entries written between two reads
    @broker.subscriber(stream=StreamSub("fs.in", polling_interval=20, last_id="0"))
    async def handle(body: dict[str, Any], message: RedisStreamMessage) -> None:
        seen.append((body, message.correlation_id))

    asyncio.run(received_by(broker, seen, bus, "fs.in"))
    assert_received(seen)


@pytest.mark.parametrize("jetstream", [False, True], ids=["core", "jetstream"])
def test_a_faststream_subscriber_on_nats_reads_what_the_engine_writes(
    nats_server: BrokerServer, open_buses: list[Any], jetstream: bool
) -> None:
    """A NATS (or JetStream) handler gets the payload and the right correlation_id."""
    broker = NatsBroker(nats_server.url)
    seen: list[tuple[Any, str]] = []
    stream = JStream("FSOUT", subjects=["fs.out"]) if jetstream else None

    @broker.subscriber("fs.out", stream=stream)
    async def handle(body: dict[str, Any], message: NatsMessage) -> None:
        seen.append((body, message.correlation_id))

    async def scenario() -> None:
        async with broker:
            await broker.start()
            # the engine's bus uses FastStream's stream as it finds it
            options = "?codec=faststream" + ("&stream=FSOUT" if jetstream else "")
            bus = await asyncio.to_thread(engine_bus, nats_server.url + options, open_buses)
            await asyncio.to_thread(publish_from_engine, bus, "fs.out")
            deadline = time.monotonic() + TIMEOUT
            while len(seen) < len(ORDERS) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)

    asyncio.run(scenario())
    assert_received(seen)
