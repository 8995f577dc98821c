"""RedisBus against a real redis-server: streams, start position, groups, outages, secrets."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from scenario_engine.errors import BusError, UsageError
from scenario_engine.events import Event
from scenario_engine.testing import capture_log, closing_buses
from scenario_engine.testing.bus_conformance import Inbox, drain, wait_until
from scenario_engine.testing.servers import BrokerServer, started_server

from scenario_redis.bus import RedisBus, literal_head

TIMEOUT = 30.0


@pytest.fixture
def raw(redis_server: BrokerServer) -> Iterator[redis.Redis]:
    """A plain redis-py client on the same server, to check what is really there."""
    client = redis.Redis(port=redis_server.port)
    yield client
    client.close()


@pytest.fixture
def open_bus() -> Iterator[list[RedisBus]]:
    """Buses to close after the test (also when it fails)."""
    with closing_buses() as buses:
        yield buses


def connect(url: str, opened: list[RedisBus]) -> RedisBus:
    bus = RedisBus(url)
    opened.append(bus)
    bus.connect()
    return bus


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    """Everything scenario_redis logs during the test, formatted with its bound extras."""
    with capture_log("scenario_redis") as lines:
        yield lines


def test_topics_are_prefixed_streams_with_one_field_per_attribute(
    redis_server: BrokerServer, raw: redis.Redis, open_bus: list[RedisBus]
) -> None:
    """Writes each event as an entry of stream <prefix><topic>, readable with XRANGE."""
    bus = connect(redis_server.url + "?prefix=run1:", open_bus)
    bus.publish(Event(topic="orders", payload={"id": 1}, key="o1", id="e1", time=0.5, cycle=2))
    bus.flush()
    ((_, fields),) = raw.xrange("run1:orders")
    assert fields == {b"payload": b'{"id":1}', b"id": b"e1", b"time": b"0.5", b"cycle": b"2",
                      b"source": b"engine", b"n": b"1", b"key": b"o1"}
    assert raw.exists("orders") == 0


def test_publishes_are_buffered_until_a_batch_is_full(
    redis_server: BrokerServer, raw: redis.Redis, open_bus: list[RedisBus]
) -> None:
    """Holds publishes until `batch` of them are waiting, then sends them in one go."""
    bus = connect(redis_server.url + "?batch=5", open_bus)
    for index in range(4):
        bus.publish(Event(topic="b", payload=index))
    assert raw.xlen("b") == 0
    bus.publish(Event(topic="b", payload=4))
    assert raw.xlen("b") == 5
    assert bus.stats["published"] == 5


def test_maxlen_trims_each_stream(
    redis_server: BrokerServer, raw: redis.Redis, open_bus: list[RedisBus]
) -> None:
    """Keeps streams near `maxlen` entries (approximate trimming)."""
    bus = connect(redis_server.url + "?maxlen=100", open_bus)
    for index in range(2000):
        bus.publish(Event(topic="trimmed", payload=index))
    bus.flush()
    assert raw.xlen("trimmed") < 2000


def test_only_entries_written_after_connect_are_delivered(
    redis_server: BrokerServer, raw: redis.Redis, open_bus: list[RedisBus]
) -> None:
    """Ignores what an earlier run left in the streams, for exact and wildcard subscriptions."""
    raw.xadd("old.exact", {"payload": b'"stale"'})
    raw.xadd("old.wild", {"payload": b'"stale"'})
    bus = connect(redis_server.url, open_bus)
    exact, wild = Inbox(), Inbox()
    bus.subscribe("old.exact", exact)
    bus.subscribe("old.w*", wild)
    raw.xadd("old.exact", {"payload": b'"fresh"'})
    raw.xadd("old.wild", {"payload": b'"fresh"'})
    wait_until(bus, lambda: len(exact) >= 1 and len(wild) >= 1, TIMEOUT, what="fresh entries")
    drain(bus, 0.3)
    assert exact.payloads == ["fresh"]
    assert wild.payloads == ["fresh"]


def test_wildcards_find_streams_created_after_subscribing(
    redis_server: BrokerServer, open_bus: list[RedisBus]
) -> None:
    """Discovers new matching streams with SCAN and reads them from the connect position."""
    bus = connect(redis_server.url + "?scan=50ms", open_bus)
    inbox = Inbox()
    bus.subscribe("late.*", inbox)
    drain(bus, 0.2)
    other = connect(redis_server.url, open_bus)
    for name in ("late.a", "late.b", "late.c"):
        other.publish(Event(topic=name, payload=name))
    other.flush()
    wait_until(bus, lambda: len(inbox) >= 3, TIMEOUT, what="three new streams")
    assert sorted(inbox.topics) == ["late.a", "late.b", "late.c"]


def test_entries_from_other_programs_are_delivered(
    redis_server: BrokerServer, raw: redis.Redis, open_bus: list[RedisBus]
) -> None:
    """Turns an entry without a payload field into a dict payload marked external."""
    bus = connect(redis_server.url, open_bus)
    inbox = Inbox()
    bus.subscribe("legacy", inbox)
    entry_id = raw.xadd("legacy", {"orderId": "o-9", "qty": "3"})
    wait_until(bus, lambda: len(inbox) >= 1, TIMEOUT, what="the foreign entry")
    (event,) = inbox.events
    assert event.payload == {"orderId": "o-9", "qty": "3"}
    assert event.id == entry_id.decode()
    assert event.source == "external"
    assert event.time == int(entry_id.partition(b"-")[0]) / 1000  # the broker's clock


def test_a_malformed_entry_is_kept_raw_counted_and_logged(
    redis_server: BrokerServer, raw: redis.Redis, open_bus: list[RedisBus],
) -> None:
    """Delivers an entry whose payload is not JSON raw, and keeps reading the stream."""
    bus = connect(redis_server.url, open_bus)
    inbox = Inbox()
    bus.subscribe("mixed", inbox)
    with capture_log("scenario_engine") as log_lines:
        raw.xadd("mixed", {"payload": b"{broken"})
        raw.xadd("mixed", {"payload": b'"fine"'})
        wait_until(bus, lambda: len(inbox) >= 2, TIMEOUT, what="both entries")
    kept, fine = inbox.events
    assert (kept.source, kept.payload["undecoded"]["fields"]) == ("undecoded",
                                                                  {"payload": "{broken"})
    assert fine.payload == "fine"
    assert bus.stats["undecoded"] == 1
    assert any("could not be decoded with codec=native" in line for line in log_lines)


def test_group_mode_acknowledges_what_the_handlers_processed(
    redis_server: BrokerServer, raw: redis.Redis, open_bus: list[RedisBus]
) -> None:
    """Creates the group, reads through it, and leaves nothing pending after handling."""
    bus = connect(redis_server.url + "?group=workers&consumer=w1", open_bus)
    inbox = Inbox()
    bus.subscribe("jobs", inbox)
    publisher = connect(redis_server.url, open_bus)
    for index in range(25):
        publisher.publish(Event(topic="jobs", payload=index))
    publisher.flush()
    wait_until(bus, lambda: len(inbox) >= 25, TIMEOUT, what="25 jobs")
    drain(bus, 0.2)  # the acks go out at the end of a poll
    (group,) = raw.xinfo_groups("jobs")
    assert group["name"] == b"workers"
    assert group["pending"] == 0


def test_two_buses_in_one_group_share_the_work(
    redis_server: BrokerServer, open_bus: list[RedisBus]
) -> None:
    """Delivers each entry to exactly one member of the group."""
    first = connect(redis_server.url + "?group=pool&consumer=a", open_bus)
    second = connect(redis_server.url + "?group=pool&consumer=b", open_bus)
    got_first, got_second = Inbox(), Inbox()
    first.subscribe("work", got_first)
    second.subscribe("work", got_second)
    drain(first, 0.3)
    publisher = connect(redis_server.url, open_bus)
    for index in range(200):
        publisher.publish(Event(topic="work", payload=index))
    publisher.flush()
    wait_until([first, second], lambda: len(got_first) + len(got_second) >= 200, TIMEOUT,
               what="200 jobs between two consumers")
    drain(first, 0.2)
    drain(second, 0.2)
    assert sorted(got_first.payloads + got_second.payloads) == list(range(200))


def test_publishes_during_an_outage_are_sent_after_the_reconnect(
    redis_server: BrokerServer, raw: redis.Redis, open_bus: list[RedisBus],
    log_lines: list[str],
) -> None:
    """Keeps events published while Redis is down and sends them once it is back."""
    bus = connect(redis_server.url + "?batch=10&outage=60s", open_bus)
    bus.publish(Event(topic="kept", payload=-1))
    bus.flush()
    redis_server.stop()
    for index in range(50):
        bus.publish(Event(topic="kept", payload=index))  # never raises during the outage
    assert bus.poll(0.05) == 0
    assert bus.stats["buffered"] > 0
    redis_server.start()  # same port, empty dataset
    bus.flush()
    payloads = [int(fields[b"payload"]) for _, fields in raw.xrange("kept")]
    assert payloads == list(range(50))
    assert bus.stats["reconnects"] >= 1
    assert bus.stats["errors"] >= 1
    assert any("reconnecting" in line for line in log_lines)
    assert any("reconnected" in line for line in log_lines)


def test_an_outage_longer_than_the_limit_is_a_bus_error(
    redis_server: BrokerServer, open_bus: list[RedisBus]
) -> None:
    """Gives up after `outage` seconds with an error naming the URL and the limit."""
    bus = connect(redis_server.url + "?outage=1s", open_bus)
    redis_server.stop()
    bus.publish(Event(topic="lost", payload=1))
    expected = r"unreachable for .*s \(limit 1s\); 1 events not sent"
    with pytest.raises(BusError, match=expected) as info:
        bus.flush()
    assert redis_server.url in str(info.value)
    assert "is redis-server running at 127.0.0.1:" in info.value.hint


def test_a_wrong_password_is_a_bus_error_that_does_not_show_it(tmp_path: Path) -> None:
    """Reports refused credentials with the URL redacted."""
    server_iter = started_server("redis", tmp_path, password="right-secret")
    server = next(server_iter)
    try:
        url = f"redis://default:wrong-secret@127.0.0.1:{server.port}/0"
        with pytest.raises(BusError) as info:
            RedisBus(url).connect()
        text = str(info.value)
        assert "wrong-secret" not in text
        assert f"redis://default:***@127.0.0.1:{server.port}/0" in text
        good = RedisBus(f"redis://default:right-secret@127.0.0.1:{server.port}/0")
        good.connect()
        assert "right-secret" not in repr(good)
        good.close()
    finally:
        server_iter.close()


def test_logs_never_show_the_password(tmp_path: Path, log_lines: list[str]) -> None:
    """Binds the redacted URL to every log line, through an outage and a reconnect."""
    server_iter = started_server("redis", tmp_path, password="pw-in-url")
    server = next(server_iter)
    try:
        bus = RedisBus(f"redis://default:pw-in-url@127.0.0.1:{server.port}/0?outage=60s")
        bus.connect()
        bus.subscribe("t", Inbox())
        server.restart(kill=True, downtime=0.3)
        bus.publish(Event(topic="t", payload=1))
        bus.flush()
        bus.close()
    finally:
        server_iter.close()
    assert log_lines
    assert not any("pw-in-url" in line for line in log_lines)
    assert any("default:***@" in line for line in log_lines)


def test_a_missing_server_is_a_bus_error_with_a_hint(open_bus: list[RedisBus]) -> None:
    """Names the URL and asks whether redis-server is running there."""
    from scenario_engine.testing.servers import free_port

    port = free_port()
    with pytest.raises(BusError, match=f"cannot reach Redis at redis://127.0.0.1:{port}/0") as info:
        RedisBus(f"redis://127.0.0.1:{port}/0").connect()
    assert info.value.hint == f"is redis-server running at 127.0.0.1:{port}?"
    assert info.value.exit_code == 3


def test_using_a_bus_before_connect_or_after_close_is_a_bus_error(
    redis_server: BrokerServer,
) -> None:
    """Says the bus is not connected instead of failing obscurely."""
    bus = RedisBus(redis_server.url)
    with pytest.raises(BusError, match="is new"):
        bus.publish(Event(topic="t"))
    bus.connect()
    bus.close()
    with pytest.raises(BusError, match="is closed"):
        bus.poll(0)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis://h:1/0?bacth=5", "unknown option 'bacth'"),
        ("redis://h:1/zero", "the database must be a number"),
        ("redis://h:1/0?batch=0", "option batch=0: expected an integer >= 1"),
        ("nats://h:1", "expected scheme redis://"),
    ],
)
def test_bad_urls_are_usage_errors(url: str, message: str) -> None:
    """Rejects a malformed URL before connecting, naming the problem."""
    with pytest.raises(UsageError, match=message):
        RedisBus(url)


@pytest.mark.parametrize(
    ("pattern", "head"),
    [("orders", "orders"), ("orders.*", "orders."), ("*", ""), ("a?b*", "a"), ("x[12]", "x")],
)
def test_literal_head_is_the_glob_before_its_first_wildcard(pattern: str, head: str) -> None:
    """Finds the fixed start of a glob, which SCAN uses to look for streams."""
    assert literal_head(pattern) == head


def test_events_on_several_topics_arrive_in_publish_order(
    redis_server: BrokerServer, open_bus: list[RedisBus]
) -> None:
    """Merges the streams of one read, so a reply never arrives before its request."""
    publisher = connect(redis_server.url + "?batch=500", open_bus)
    bus = connect(redis_server.url, open_bus)
    everything, exact = Inbox(), Inbox()
    bus.subscribe("flow.*", everything)
    for topic in ("flow.placed", "flow.filled", "flow.settled"):
        bus.subscribe(topic, exact)
    drain(bus, 0.2)
    sent = [(f"flow.{stage}", n) for n in range(300) for stage in ("placed", "filled", "settled")]
    for topic, n in sent:
        publisher.publish(Event(topic=topic, payload=n))
    publisher.flush()
    wait_until(bus, lambda: len(everything) >= 900 and len(exact) >= 900, TIMEOUT,
               what="900 events on three topics")
    assert list(zip(everything.topics, everything.payloads, strict=True)) == sent
    assert list(zip(exact.topics, exact.payloads, strict=True)) == sent


def test_wildcards_learn_of_new_streams_from_other_buses_without_scanning(
    redis_server: BrokerServer, raw: redis.Redis, open_bus: list[RedisBus]
) -> None:
    """Reads a stream another bus announced in scenario:topics, long before the next SCAN."""
    bus = connect(redis_server.url + "?scan=1h", open_bus)
    inbox = Inbox()
    bus.subscribe("*", inbox)
    drain(bus, 0.3)  # the one SCAN at subscribe time is over
    other = connect(redis_server.url, open_bus)
    other.publish(Event(topic="brand.new", payload=1))
    other.flush()
    wait_until(bus, lambda: len(inbox) >= 1, TIMEOUT, what="the announced stream")
    assert inbox.topics == ["brand.new"]  # the announcement itself is not an event
    assert [f[b"topic"] for _, f in raw.xrange("scenario:topics")] == [b"brand.new"]


def test_a_subscribed_key_that_is_not_a_stream_is_a_bus_error(
    redis_server: BrokerServer, raw: redis.Redis, open_bus: list[RedisBus]
) -> None:
    """Reports a key of another type instead of failing obscurely."""
    raw.set("plain", "a string")
    bus = connect(redis_server.url, open_bus)
    bus.subscribe("plain", Inbox())
    with pytest.raises(BusError, match="refused to read the subscribed streams: WRONGTYPE"):
        wait_until(bus, lambda: False, TIMEOUT)


def test_joining_a_group_other_consumers_read_is_a_warning_naming_them(
    redis_server: BrokerServer, raw: redis.Redis, open_bus: list[RedisBus],
    log_lines: list[str],
) -> None:
    """Warns when the engine's group already has consumers: it would take a share of theirs."""
    raw.xgroup_create("order.request", "orders", id="$", mkstream=True)
    raw.xgroup_createconsumer("order.request", "orders", "orders-service-1")
    bus = connect(redis_server.url + "?group=orders&consumer=engine", open_bus)
    bus.subscribe("order.request", Inbox())
    wait_until(bus, lambda: any("joining consumer group" in line for line in log_lines),
               TIMEOUT, what="the warning")
    [line] = [line for line in log_lines if "joining consumer group" in line]
    assert line.startswith(
        "joining consumer group 'orders' on stream 'order.request', which already has 1 other "
        "consumer: orders-service-1 (idle "
    )
    assert line.split(" pending); ", 1)[1].startswith(
        "each entry goes to one consumer, so the engine takes a share of theirs "
        "(use another ?group= for the engine, or none)"
    )


def test_joining_a_group_of_ones_own_is_quiet(
    redis_server: BrokerServer, open_bus: list[RedisBus], log_lines: list[str]
) -> None:
    """Says nothing when the group is new, or holds only this bus's consumer."""
    bus = connect(redis_server.url + "?group=fresh&consumer=engine", open_bus)
    bus.subscribe("order.request", Inbox())
    drain(bus, 0.5)
    again = connect(redis_server.url + "?group=fresh&consumer=engine", open_bus)
    again.subscribe("order.request", Inbox())
    drain(again, 0.5)
    assert not [line for line in log_lines if "joining consumer group" in line]


def test_a_declared_topic_is_read_without_any_subscription_or_scan(
    redis_server: BrokerServer, raw: redis.Redis, open_bus: list[RedisBus]
) -> None:
    """declare() reads a stream from the connect position with no discovery at all."""
    bus = connect(redis_server.url + "?scan=1h", open_bus)
    bus.declare(["svc.reply"])
    raw.xadd("svc.reply", {"orderId": "o-1"})
    wait_until(bus, lambda: bus.stats["received"] == 1, TIMEOUT, what="the declared stream")


def test_inbound_events_carry_their_arrival_and_the_entry_id_time(
    redis_server: BrokerServer, raw: redis.Redis, open_bus: list[RedisBus]
) -> None:
    """Each event is stamped when the reader had it (monotonic), no later than its entry
    id allows, and carries the entry id's milliseconds as broker_time."""
    bus = connect(redis_server.url, open_bus)
    inbox = Inbox()
    bus.subscribe("svc.reply", inbox)
    drain(bus, 0.2)
    written = time.monotonic()
    entry_id = raw.xadd("svc.reply", {"orderId": "o-1"})
    time.sleep(0.3)  # the event waits in the bus: its stamp must not move with the poll
    bus.poll(1.0)
    (event,) = inbox.events
    assert event.broker_time == int(entry_id.split(b"-")[0]) / 1000
    assert event.arrived is not None
    assert written - 0.002 <= event.arrived < written + 0.2
