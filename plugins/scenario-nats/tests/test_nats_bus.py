"""NatsBus against a real nats-server: subjects, JetStream streams, durables, outages, secrets."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import nats
import pytest
from nats.js.api import StreamConfig
from scenario_engine.errors import BusError, UsageError
from scenario_engine.events import Event
from scenario_engine.testing import capture_log, closing_buses
from scenario_engine.testing.bus_conformance import Inbox, drain, wait_until
from scenario_engine.testing.servers import BrokerServer, NatsServer, free_port, started_server

from scenario_nats.bus import NatsBus, broker_time
from scenario_nats.streams import MANAGED

TIMEOUT = 30.0
T = TypeVar("T")


def with_client(url: str, work: Callable[[Any], Awaitable[T]]) -> T:
    """Run ``work(nc)`` with a plain nats-py client, to check what the server really holds."""

    async def main() -> T:
        nc = await nats.connect(url)
        try:
            return await work(nc)
        finally:
            await nc.close()

    return asyncio.run(main())


@pytest.fixture
def opened() -> Iterator[list[NatsBus]]:
    """Buses to close after the test (also when it fails)."""
    with closing_buses() as buses:
        yield buses


def connect(url: str, opened: list[NatsBus]) -> NatsBus:
    bus = NatsBus(url)
    opened.append(bus)
    bus.connect()
    return bus


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    """Everything scenario_nats logs during the test, formatted with its bound extras."""
    with capture_log("scenario_nats") as lines:
        yield lines


def test_core_messages_are_the_topic_subject_with_json_body_and_headers(
    nats_server: BrokerServer, opened: list[NatsBus]
) -> None:
    """Publishes on the topic as subject, the payload as JSON, the rest as Scenario-* headers."""
    bus = connect(nats_server.url, opened)

    async def receive(nc: Any) -> Any:
        sub = await nc.subscribe("orders.created")
        await nc.flush()
        bus.publish(Event(topic="orders.created", payload={"id": 1}, key="o1", id="e1",
                          headers={"trace": "t"}))
        bus.flush()
        return await sub.next_msg(timeout=TIMEOUT)

    msg = with_client(nats_server.url, receive)
    assert msg.data == b'{"id":1}'
    assert msg.headers["Scenario-Id"] == "e1"
    assert msg.headers["Scenario-Key"] == "o1"
    assert msg.headers["trace"] == "t"


def test_a_created_stream_is_managed_and_grows_to_cover_the_topics(
    nats_server: BrokerServer, opened: list[NatsBus]
) -> None:
    """Creates the stream, then adds each new topic or subscription subject to it."""
    bus = connect(nats_server.url + "?stream=RUN", opened)
    bus.subscribe("orders.*", Inbox())
    bus.publish(Event(topic="prices", payload=1))
    bus.publish(Event(topic="orders.created", payload=2))
    bus.flush()

    async def stream(nc: Any) -> Any:
        return await nc.jetstream().stream_info("RUN")

    info = with_client(nats_server.url, stream)
    assert info.config.description == MANAGED
    assert sorted(info.config.subjects) == ["RUN", "orders.>", "prices"]
    assert info.state.messages == 2


def test_a_stream_made_by_someone_else_is_not_changed(
    nats_server: BrokerServer, opened: list[NatsBus]
) -> None:
    """Refuses a topic the stream does not cover, naming the stream's subjects."""

    async def create(nc: Any) -> None:
        await nc.jetstream().add_stream(StreamConfig(name="THEIRS", subjects=["orders.>"]))

    with_client(nats_server.url, create)
    bus = connect(nats_server.url + "?stream=THEIRS", opened)
    bus.publish(Event(topic="orders.created", payload=1))
    with pytest.raises(BusError, match=r"'THEIRS' .* does not cover subject 'prices' "
                                       r"\(its subjects: orders\.>\)"):
        bus.publish(Event(topic="prices", payload=1))


def test_jetstream_consumption_starts_at_connect(
    nats_server: BrokerServer, opened: list[NatsBus]
) -> None:
    """Delivers what was stored after connect, not what an earlier run left in the stream."""
    first = connect(nats_server.url + "?stream=HIST", opened)
    first.publish(Event(topic="hist", payload="old"))
    first.flush()
    bus = connect(nats_server.url + "?stream=HIST", opened)
    inbox = Inbox()
    bus.subscribe("hist", inbox)
    first.publish(Event(topic="hist", payload="new"))
    first.flush()
    wait_until(bus, lambda: len(inbox) >= 1, TIMEOUT, what="the new message")
    drain(bus, 0.3)
    assert inbox.payloads == ["new"]


def test_intentional_duplicates_are_stored_twice(
    nats_server: BrokerServer, opened: list[NatsBus]
) -> None:
    """Keeps two events with the same id (chaos Duplicate): JetStream dedup does not eat them."""
    bus = connect(nats_server.url + "?stream=DUPS", opened)
    inbox = Inbox()
    bus.subscribe("dup", inbox)
    event = Event(topic="dup", payload=1, id="same-id")
    bus.publish(event)
    bus.publish(event)
    bus.flush()
    wait_until(bus, lambda: len(inbox) >= 2, TIMEOUT, what="both copies")
    assert [e.id for e in inbox.events] == ["same-id", "same-id"]


def test_a_durable_consumer_resumes_where_it_stopped(
    nats_server: BrokerServer, opened: list[NatsBus]
) -> None:
    """Delivers to a returning durable consumer what was published while it was away."""
    url = nats_server.url + "?stream=JOBS&durable=worker"
    publisher = connect(nats_server.url + "?stream=JOBS", opened)
    worker = connect(url, opened)
    inbox = Inbox()
    worker.subscribe("jobs", inbox)
    publisher.publish(Event(topic="jobs", payload=1))
    publisher.flush()
    wait_until(worker, lambda: len(inbox) >= 1, TIMEOUT, what="the first job")
    drain(worker, 0.3)  # acks go out after the handlers ran
    worker.close()
    publisher.publish(Event(topic="jobs", payload=2))
    publisher.flush()
    again = connect(url, opened)
    later = Inbox()
    again.subscribe("jobs", later)
    # a job published before the server saw the worker go can be pushed to the gone worker;
    # JetStream then redelivers it after its ack wait (30 s), so wait past that
    wait_until(again, lambda: len(later) >= 1, 2 * TIMEOUT, what="the job published meanwhile")
    drain(again, 0.3)
    assert later.payloads == [2]


def test_publishes_during_an_outage_are_stored_once_after_the_restart(
    nats_server: BrokerServer, opened: list[NatsBus], log_lines: list[str]
) -> None:
    """Re-sends unacknowledged JetStream publishes after a restart, without duplicates."""
    bus = connect(nats_server.url + "?stream=KEPT&outage=60s&batch=10&timeout=1s", opened)
    bus.publish(Event(topic="kept", payload=-1))
    bus.flush()
    nats_server.stop()
    wait_until(bus, lambda: not bus.connected, TIMEOUT, what="the bus to notice the outage")
    for index in range(50):
        bus.publish(Event(topic="kept", payload=index))
    nats_server.start()
    bus.flush()

    async def stored(nc: Any) -> list[int]:
        js = nc.jetstream()
        info = await js.stream_info("KEPT")
        return [int((await js.get_msg("KEPT", seq)).data)
                for seq in range(info.state.first_seq, info.state.last_seq + 1)]

    assert with_client(nats_server.url, stored) == [-1, *range(50)]
    assert bus.stats["reconnects"] >= 1
    assert any("reconnecting" in line for line in log_lines)
    assert any("reconnected to NATS" in line for line in log_lines)


def test_an_outage_longer_than_the_limit_is_a_bus_error(
    nats_server: BrokerServer, opened: list[NatsBus]
) -> None:
    """Gives up after `outage` seconds with an error naming the URL and the limit."""
    bus = connect(nats_server.url + "?outage=1s", opened)
    nats_server.stop()
    with pytest.raises(BusError, match=r"unreachable for .*s \(limit 1s\)") as info:
        wait_until(bus, lambda: False, TIMEOUT)
    assert nats_server.url in str(info.value)
    assert "is nats-server running at 127.0.0.1:" in info.value.hint


def test_an_oversized_event_is_a_bus_error_with_the_limit(
    nats_server: BrokerServer, opened: list[NatsBus]
) -> None:
    """Names the topic, the size and the server's max_payload."""
    bus = connect(nats_server.url, opened)
    bus.publish(Event(topic="huge", payload="x" * 2_000_000))
    with pytest.raises(BusError, match=r"'huge' is 2000002 bytes, over .* max_payload of 1048576"):
        bus.flush()


def test_a_wrong_token_is_a_bus_error_that_does_not_show_it(tmp_path: Path) -> None:
    """Reports refused credentials with the URL redacted."""
    servers = started_server("nats", tmp_path, token="right-token")
    server = next(servers)
    try:
        with pytest.raises(BusError, match="refused the credentials") as info:
            NatsBus(f"nats://wrong-token@127.0.0.1:{server.port}").connect()
        assert "wrong-token" not in str(info.value)
        assert f"nats://***@127.0.0.1:{server.port}" in str(info.value)
        good = NatsBus(f"nats://right-token@127.0.0.1:{server.port}")
        good.connect()
        assert "right-token" not in repr(good)
        good.close()
    finally:
        servers.close()


def test_logs_never_show_the_token(tmp_path: Path, log_lines: list[str]) -> None:
    """Binds the redacted URL to every log line, through an outage and a reconnect."""
    servers = started_server("nats", tmp_path, token="tok-in-url")
    server = next(servers)
    try:
        bus = NatsBus(f"nats://tok-in-url@127.0.0.1:{server.port}?outage=60s")
        bus.connect()
        server.restart(kill=True, downtime=0.3)
        wait_until(bus, lambda: bus.stats["reconnects"] >= 1, TIMEOUT, what="the reconnect")
        bus.close()
    finally:
        servers.close()
    assert log_lines
    assert not any("tok-in-url" in line for line in log_lines)
    assert any("nats://***@127.0.0.1" in line for line in log_lines)


def test_stream_on_a_server_without_jetstream_is_a_bus_error(tmp_path: Path) -> None:
    """Says JetStream is missing and how to enable it."""
    with NatsServer(tmp_path / "plain", jetstream=False) as server:
        with pytest.raises(BusError, match="has no JetStream") as info:
            NatsBus(server.url + "?stream=S").connect()
        assert "-js" in info.value.hint


def test_a_missing_server_is_a_bus_error_with_a_hint() -> None:
    """Names the URL and asks whether nats-server is running there."""
    port = free_port()
    with pytest.raises(BusError, match=f"cannot reach NATS at nats://127.0.0.1:{port}") as info:
        NatsBus(f"nats://127.0.0.1:{port}").connect()
    assert info.value.hint == f"is nats-server running at 127.0.0.1:{port}?"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nats://h:1?strem=S", "unknown option 'strem'"),
        ("nats://h:1?durable=d", "durable= needs stream="),
        ("nats://h:1?stream=a.b", "not a valid JetStream name"),
        ("nats://h:1?stream=S&storage=disk", "expected file or memory"),
        ("redis://h:1", "expected scheme nats://"),
    ],
)
def test_bad_urls_are_usage_errors(url: str, message: str) -> None:
    """Rejects a malformed URL before connecting, naming the problem."""
    with pytest.raises(UsageError, match=message):
        NatsBus(url)


def test_an_unsendable_payload_is_reported_once_and_the_bus_goes_on(
    nats_server: BrokerServer, opened: list[NatsBus]
) -> None:
    """Raises BusError naming the topic at the next flush, then keeps sending other events."""
    bus = connect(nats_server.url, opened)
    inbox = Inbox()
    bus.subscribe("mixed", inbox)
    bus.publish(Event(topic="mixed", payload={"when": object()}))
    bus.publish(Event(topic="mixed", payload="fine"))
    with pytest.raises(BusError, match="cannot send the payload of an event on 'mixed'"):
        bus.flush()
    bus.publish(Event(topic="mixed", payload="still fine"))
    bus.flush()
    wait_until(bus, lambda: len(inbox) >= 2, TIMEOUT, what="the good events")
    assert inbox.payloads == ["fine", "still fine"]


def test_a_durable_another_program_reads_is_refused_naming_the_reader(
    nats_server: BrokerServer, opened: list[NatsBus]
) -> None:
    """Says who holds a durable consumer instead of nats-py's bare "already bound"."""
    url = nats_server.url + "?stream=JOBS&durable=worker"
    first = connect(url, opened)
    first.subscribe("jobs", Inbox())
    drain(first, 0.2)
    second = connect(url, opened)
    with pytest.raises(BusError) as info:
        second.subscribe("jobs", Inbox())
    message = str(info.value)
    assert message.startswith(
        f"durable consumer 'worker-a8936dc5' on stream 'JOBS' at {url} is already read by "
        "another program: a subscriber on '_INBOX."
    )
    assert info.value.hint == "stop the other reader, or give this run another ?durable= (or none)"


def test_the_jetstream_store_time_is_read_from_the_ack_subject() -> None:
    """Both forms of the ack subject give the timestamp; anything else gives None."""
    v1 = "$JS.ACK.RUN.c1.1.42.7.1764615701123456789.0"
    v2 = "$JS.ACK.hub.ACCHASH.RUN.c1.1.42.7.1764615701123456789.0.rnd"
    assert broker_time(v1) == broker_time(v2) == 1764615701123456789 / 1e9
    assert broker_time("_INBOX.abc") is None
    assert broker_time("") is None


def test_a_declared_topic_is_stored_by_the_managed_stream_from_the_start(
    nats_server: BrokerServer, opened: list[NatsBus]
) -> None:
    """declare() makes the stream cover a topic only another program publishes, so its
    first message is stored and read, with its store time."""
    bus = connect(nats_server.url + "?stream=DECL", opened)
    inbox = Inbox()
    bus.subscribe("*", inbox)
    bus.declare(["svc.reply", "svc.*"])

    async def publish(nc: Any) -> Any:
        return await nc.jetstream().publish("svc.reply", b'{"orderId": "o-1"}')

    ack = with_client(nats_server.url, publish)
    wait_until(bus, lambda: len(inbox) >= 1, TIMEOUT, what="the service's first reply")
    (event,) = inbox.events
    assert ack.seq >= 1
    assert event.payload == {"orderId": "o-1"}
    assert event.broker_time is not None
    assert event.arrived is not None


def test_core_messages_are_stamped_on_receipt(
    nats_server: BrokerServer, opened: list[NatsBus]
) -> None:
    """A message that waits in the bus keeps the time it was received, not the poll's."""
    bus = connect(nats_server.url, opened)
    inbox = Inbox()
    bus.subscribe("svc.reply", inbox)

    async def publish(nc: Any) -> None:
        await nc.publish("svc.reply", b"{}")
        await nc.flush()

    sent = time.monotonic()
    with_client(nats_server.url, publish)
    flushed = time.monotonic()
    time.sleep(0.3)
    wait_until(bus, lambda: len(inbox) >= 1, TIMEOUT, what="the message")
    (event,) = inbox.events
    assert event.arrived is not None
    assert sent <= event.arrived < flushed + 0.25
    assert event.broker_time is None
