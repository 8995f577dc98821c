"""Chaos on inbound events, on a bus of the test's own that behaves like a real one.

``ServiceBus`` delivers on ``poll`` (wall clock, like Redis and NATS) and has
a "service" behind it that answers each ``order.request`` with an
``order.reply`` published as another program would (no engine id). With
``ids=False`` it also drops the run's ids on the wire, as a codec that carries
the payload alone does.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from scenario_engine import Count, Delay, Drop, Duplicate, Scenario
from scenario_engine.events import Event, TopicPattern
from scenario_engine.report.rundir import latest
from scenario_engine.runtime.interpreter import Run
from scenario_engine.runtime.options import RunOptions
from scenario_engine.testing import read_events


def run_dir(base: Path, scenario: str) -> Path:
    """The newest run folder of ``scenario`` under the report directory ``base``."""
    found = latest(base / scenario)
    assert found is not None, f"no run of {scenario!r} under {base}"
    return found


class ServiceBus:
    capabilities = frozenset({"headers", "keys"})

    def __init__(self, *, ids: bool = True) -> None:
        self.ids = ids
        self.subscriptions: list[tuple[TopicPattern, Callable[[Event], None]]] = []
        self.wire: deque[Event] = deque()
        self.requests_seen = 0

    def connect(self) -> None: ...

    def subscribe(self, pattern: str, handler: Callable[[Event], None]) -> None:
        self.subscriptions.append((TopicPattern(pattern), handler))

    def publish(self, event: Event) -> None:
        copy = attrs.evolve(event)
        if not self.ids:
            copy = Event(topic=event.topic, payload=event.payload, source="external")
        self.wire.append(copy)
        if event.topic == "order.request":
            self.requests_seen += 1
            reply = {"orderId": event.payload["orderId"], "ok": True}
            self.wire.append(Event(topic="order.reply", payload=reply, source="external"))

    def poll(self, timeout: float) -> int:
        delivered = 0
        while self.wire:
            event = self.wire.popleft()
            for pattern, handler in self.subscriptions:
                if pattern(event.topic):
                    handler(attrs.evolve(event))
            delivered += 1
        return delivered

    def flush(self) -> None: ...

    def close(self) -> None: ...


ORDERS = (
    Scenario("inbound", seed=5)
    .publish("order.request", {"orderId": "o-{{index}}"}, repeat=10, interval="1ms")
    .chaos(Duplicate("order.request", where={"orderId": "o-3"}))
    .chaos(Drop("order.reply", every=2))
    .chaos(Delay("order.reply", ms=5, where={"orderId": "o-2"}))
    .expect(Count("order.reply", exact=6))
)


def play(bus: ServiceBus, tmp_path: Path, url: str = "test://") -> tuple[Any, list[dict[str, Any]]]:
    options = RunOptions(report_dir=tmp_path, bus=url, settle=0.05)
    result = Run(ORDERS.build(), options, bus=bus).execute()
    return result, read_events(run_dir(tmp_path, "inbound") / "events.jsonl")


def check(result: Any, events: list[dict[str, Any]], bus: ServiceBus) -> None:
    assert result.passed, [a.explain() for a in result.failures]
    requests = [e for e in events if e["topic"] == "order.request"]
    # the requests passed chaos once, on the way out: ten, and one copy of o-3
    assert bus.requests_seen == 11
    assert [e["payload"]["orderId"] for e in requests].count("o-3") == 2
    assert {e["source"] for e in requests} == {"engine"}
    assert len({e["id"].split("-")[0] for e in requests}) == 1  # the run's own id prefix
    doubled = [e for e in requests if e.get("chaos")]
    assert [e["payload"]["orderId"] for e in doubled] == ["o-3", "o-3"]
    assert doubled[0]["chaos"] == ["Duplicate('order.request', where={'orderId': 'o-3'})"]
    # the replies passed chaos on the way in: every second one lost, o-2's held back
    replies = [e for e in events if e["topic"] == "order.reply"]
    dropped = [e for e in replies if e.get("status") == "dropped"]
    assert len(dropped) == 5
    assert all(e["source"] == "external" for e in replies)
    [late] = [e for e in replies if e.get("chaos") and e.get("status") is None]
    assert late["payload"]["orderId"] == "o-2"
    labels = {c.label: (c.applied, c.inbound) for c in result.chaos}
    assert labels == {
        "Duplicate('order.request', where={'orderId': 'o-3'})": (1, 0),
        "Drop('order.reply', every=2)": (5, 5),
        "Delay('order.reply', ms=5, where={'orderId': 'o-2'})": (1, 1),
    }


def test_chaos_applies_to_what_other_programs_publish_before_the_monitors_see_it(
    tmp_path: Path,
) -> None:
    bus = ServiceBus()
    check(*play(bus, tmp_path), bus)


def test_the_runs_own_events_are_known_again_when_the_wire_drops_their_ids(
    tmp_path: Path,
) -> None:
    bus = ServiceBus(ids=False)
    result, events = play(bus, tmp_path, "test://?codec=json")
    check(result, events, bus)
    requests = [e for e in events if e["topic"] == "order.request"]
    assert all(e["id"] and e["cycle"] == 0 for e in requests)


def test_the_runs_own_events_without_ids_and_without_a_codec_are_taken_for_inbound(
    tmp_path: Path,
) -> None:
    """(Why the run matches echoes when the URL names a codec: otherwise chaos applies twice.)"""
    bus = ServiceBus(ids=False)
    result, _ = play(bus, tmp_path)
    assert {c.label: c.applied for c in result.chaos}[
        "Duplicate('order.request', where={'orderId': 'o-3'})"] == 3


def test_echoes_that_never_come_are_forgotten_oldest_first() -> None:
    from scenario_engine.runtime.inbound import Echoes

    echoes = Echoes()
    echoes.LIMIT = 3
    sent = [Event(topic="t", payload=n, id=f"r-{n}") for n in range(5)]
    for event in sent:
        echoes.sent(event)
    assert echoes.match(Event(topic="t", payload=0)) is None
    assert echoes.match(Event(topic="t", payload=1)) is None
    assert echoes.match(Event(topic="t", payload=4)) is sent[4]
    assert echoes.match(Event(topic="t", payload=4)) is None
