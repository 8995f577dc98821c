"""Every built-in codec through real brokers: engine -> broker -> engine gives the event back.

Property-tested with hypothesis on Redis Streams, core NATS and JetStream,
each on a server of this module's own. Within one example a batch of events
is published and read back in order; on Redis, json and flat carry the
payload alone (the key and headers have nowhere to go).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codec_support import events, fields_round_trip, message_round_trip
from scenario_engine.events import Event
from scenario_engine.registry import default_registry
from scenario_engine.testing import closing_buses
from scenario_engine.testing.servers import BrokerServer, started_server

pytestmark = pytest.mark.integration

EXAMPLES = settings(max_examples=20, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
TIMEOUT = 20.0
_topics = itertools.count(1)


@pytest.fixture(scope="module")
def redis_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerServer]:
    yield from started_server("redis", tmp_path_factory.mktemp("redis"))


@pytest.fixture(scope="module")
def nats_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrokerServer]:
    yield from started_server("nats", tmp_path_factory.mktemp("nats"))


class Loop:
    """One bus publishing to itself: subscribe a fresh topic, publish, poll until all are back."""

    def __init__(self, url: str) -> None:
        scheme = url.partition("://")[0]
        self.bus: Any = default_registry().load("bus", scheme)(url)
        self.bus.connect()

    def round_trip(self, sent: list[Event]) -> list[Event]:
        topic = f"codec.rt{next(_topics)}"
        got: list[Event] = []
        self.bus.subscribe(topic, got.append)
        for event in sent:
            event.topic = topic
            self.bus.publish(event)
        self.bus.flush()
        deadline = time.monotonic() + TIMEOUT
        while len(got) < len(sent) and time.monotonic() < deadline:
            self.bus.poll(0.05)
        assert len(got) == len(sent), f"{len(got)} of {len(sent)} events came back"
        return got


@pytest.fixture(scope="module")
def loops(redis_broker: BrokerServer, nats_broker: BrokerServer
          ) -> Iterator[Callable[[str, str], Loop]]:
    made: dict[tuple[str, str], Loop] = {}
    with closing_buses() as buses:

        def loop(kind: str, codec: str) -> Loop:
            if (kind, codec) not in made:
                base = redis_broker.url if kind == "redis" else nats_broker.url
                options = f"codec={codec}" + ("&stream=CODECS" if kind == "jetstream" else "")
                made[kind, codec] = Loop(f"{base}?{options}")
                buses.append(made[kind, codec].bus)
            return made[kind, codec]

        yield loop


def _copies(sent: list[Event]) -> list[Event]:
    return [Event(topic=e.topic, payload=e.payload, key=e.key, headers=dict(e.headers), id=e.id,
                  time=e.time, cycle=e.cycle, source=e.source, marks=e.marks) for e in sent]


@pytest.mark.parametrize("codec", ["native", "json", "flat", "faststream"])
@EXAMPLES
@given(data=st.data())
def test_redis_streams_give_back_what_each_codec_carries(
    loops: Callable[[str, str], Loop], codec: str, data: st.DataObject
) -> None:
    """Payloads always; for native and faststream also key, headers and the metadata."""
    sent = data.draw(st.lists(events(flat=codec == "flat"), min_size=1, max_size=5))
    expected = _copies(sent)
    back = loops("redis", codec).round_trip(sent)
    for want, got in zip(expected, back, strict=True):
        want.topic = got.topic
        assert fields_round_trip(codec, want, got), (want, got)


@pytest.mark.parametrize("kind", ["nats", "jetstream"])
@pytest.mark.parametrize("codec", ["native", "json", "faststream"])
@EXAMPLES
@given(data=st.data())
def test_nats_gives_back_payload_key_and_headers(
    loops: Callable[[str, str], Loop], kind: str, codec: str, data: st.DataObject
) -> None:
    """Core NATS and JetStream: every attribute of the event comes back."""
    sent = data.draw(st.lists(events(), min_size=1, max_size=5))
    expected = _copies(sent)
    back = loops(kind, codec).round_trip(sent)
    for want, got in zip(expected, back, strict=True):
        want.topic = got.topic
        assert message_round_trip(want, got), (want, got)


def test_the_stats_count_nothing_undecoded(loops: Callable[[str, str], Loop],
                                           tmp_path: Path) -> None:
    """After all those round trips no entry was refused by its own codec."""
    for kind, codec in itertools.product(["redis", "nats", "jetstream"], ["native", "json"]):
        assert loops(kind, codec).bus.stats["undecoded"] == 0
