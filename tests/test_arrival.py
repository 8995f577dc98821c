"""Delivered events are timed at arrival on the run's clock, bounded by broker times."""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest

from scenario_engine import Count, Scenario, Within
from scenario_engine.buses.stamps import TRANSIT, ArrivalBound
from scenario_engine.events import Event
from scenario_engine.plan.nodes import Plan
from scenario_engine.runtime.arrival import ArrivalClock
from scenario_engine.runtime.interest import judged_topics
from scenario_engine.runtime.recorder import Recorder
from scenario_engine.runtime.scheduler import VirtualScheduler, WallScheduler


def _wall(speed: float = 1.0) -> WallScheduler:
    return WallScheduler(lambda timeout: 0, speed)


def _origin(scheduler: WallScheduler) -> float:
    origin = scheduler.monotonic_origin()
    assert origin is not None
    return origin[0]


def test_an_arrival_is_clock_time_at_the_run_speed() -> None:
    """At speed 4, a quarter of a real second after clock zero is clock time 1 s."""
    scheduler = _wall(speed=4.0)
    origin = scheduler.monotonic_origin()
    assert origin is not None
    assert ArrivalClock(scheduler)(Event("t", arrived=origin[0] + 0.25)) == pytest.approx(1.0)


def test_an_event_is_timed_when_it_arrived_not_when_it_was_polled() -> None:
    """The arrival stamp decides the event's time; a later arrival moves now forward."""
    scheduler = _wall()
    stamp = ArrivalClock(scheduler)
    scheduler.now = 0.5  # the poll started at 0.5 s and waited
    start = _origin(scheduler)
    assert stamp(Event("t", arrived=start + 0.533)) == pytest.approx(0.533)
    assert scheduler.now == pytest.approx(0.533)
    assert stamp(Event("t")) == pytest.approx(0.533)  # no stamp: the clock's now


def test_times_never_go_backwards_in_delivery_order() -> None:
    """An event delivered after another is never recorded before it."""
    scheduler = _wall()
    stamp = ArrivalClock(scheduler)
    start = _origin(scheduler)
    assert stamp(Event("t", arrived=start + 0.2)) == pytest.approx(0.2)
    assert stamp(Event("t", arrived=start + 0.1)) == pytest.approx(0.2)


def test_virtual_time_ignores_arrival_stamps() -> None:
    """On the virtual clock an event is delivered at now, whatever it carries."""
    scheduler = VirtualScheduler()
    scheduler.now = 3.0
    assert ArrivalClock(scheduler)(Event("t", arrived=123.0)) == 3.0


def test_arrival_stamps_and_broker_times_do_not_change_equality() -> None:
    """Two copies of one message read at different moments are the same event."""
    assert Event("t", 1, arrived=1.0, broker_time=5.0) == Event("t", 1)


def test_a_late_receipt_is_cut_back_to_what_the_broker_time_allows() -> None:
    """Receipts delayed in this process are bounded by store time + known lag + margin."""
    now = time.monotonic()
    stored = now - 10.0  # the broker's clock is 10 s behind ours
    bound = ArrivalBound(resolution=0.001, lag=10.0)
    assert bound(now + 0.0004, stored) == pytest.approx(now + 0.0004)  # on time: kept
    late = bound(now + 0.0090, stored)
    assert late == pytest.approx(stored + 10.0 + 0.001 + TRANSIT, abs=1e-5)
    assert bound.lag == pytest.approx(10.0, abs=1e-5)


def test_the_smallest_lag_is_learned_from_the_quickest_message() -> None:
    """Without a first guess, the first message sets the lag; a quicker one lowers it."""
    bound = ArrivalBound()
    assert bound(100.002, 90.0) == pytest.approx(100.002)
    assert bound(101.001, 91.0) == pytest.approx(101.001)
    assert bound.lag == pytest.approx(10.001, abs=1e-4)


def test_the_event_log_keeps_the_broker_time(tmp_path: Path) -> None:
    """broker_time is written when the bus gave one, and absent otherwise."""
    recorder = Recorder(tmp_path / "events.jsonl")
    recorder.delivered(Event("a", {"x": 1}, broker_time=1764615701.123), 0.5)
    recorder.delivered(Event("b", {"x": 2}, key="k", broker_time=1764615701.5), 0.6)
    recorder.delivered(Event("c", {"x": 3}), 0.7)
    recorder.close()
    lines = [orjson.loads(line) for line in (tmp_path / "events.jsonl").read_bytes().splitlines()]
    assert [line.get("broker_time") for line in lines] == [1764615701.123, 1764615701.5, None]
    assert lines[0] == {"seq": 1, "t": 0.5, "cycle": 0, "topic": "a", "source": "engine",
                        "id": "", "payload": {"x": 1}, "broker_time": 1764615701.123}


def _plan() -> Plan:
    return (Scenario("judged")
            .relay("in.raw", "in.clean")
            .publish("order.request", {"id": 1})
            .wait_for("order.accepted")
            .expect(Within("order.request", "order.filled", ms=50))
            .expect(Count("*", exact=3))
            .build())


def test_the_topics_a_run_judges_are_its_assertions_waits_and_relays() -> None:
    """Everything a verdict depends on, without the catch-all '*'."""
    monitored = {"order.request", "order.filled", "*"}
    assert judged_topics(_plan(), monitored) == [
        "in.raw", "order.accepted", "order.filled", "order.request"]
