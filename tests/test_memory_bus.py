"""The memory bus: the shared conformance suite, plus what only an in-process bus promises."""

from __future__ import annotations

import pytest

from scenario_engine.buses.memory import MemoryBus
from scenario_engine.events import Event
from scenario_engine.testing.bus_conformance import BusConformance, Inbox


class TestMemoryBusConformance(BusConformance):
    """memory:// passes the suite every bus must pass."""

    shared = False
    # no broker: nothing to restart, nothing to be unreachable
    test_reconnects_after_the_broker_restarts = None  # type: ignore[assignment]
    test_an_unreachable_broker_is_a_bus_error_naming_the_url = None  # type: ignore[assignment]
    test_a_second_bus_on_the_same_url_receives_what_the_first_publishes = None  # type: ignore[assignment]

    @pytest.fixture
    def bus_url(self) -> str:
        return "memory://"


def test_delivers_synchronously_during_publish() -> None:
    """Calls the handler before publish returns: no poll is needed."""
    bus = MemoryBus()
    inbox = Inbox()
    bus.subscribe("a", inbox)
    bus.publish(Event(topic="a", payload=1))
    assert inbox.payloads == [1]


def test_events_published_by_handlers_are_delivered_breadth_first() -> None:
    """Queues what a handler publishes until the current delivery finishes."""
    bus = MemoryBus()
    seen: list[str] = []

    def fan_out(event: Event) -> None:
        seen.append(event.topic)
        if event.topic == "root":
            bus.publish(Event(topic="child.1"))
            bus.publish(Event(topic="child.2"))

    bus.subscribe("*", fan_out)
    bus.subscribe("root", lambda event: seen.append("root-second-handler"))
    bus.publish(Event(topic="root"))
    assert seen == ["root", "root-second-handler", "child.1", "child.2"]


def test_declares_virtual_time() -> None:
    """Declares virtual_time: it needs no wall clock."""
    assert "virtual_time" in MemoryBus.capabilities
