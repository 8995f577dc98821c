"""Each built-in chaos action, run through the interpreter, with hand-computed outcomes."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenario_engine import (
    Count,
    Delay,
    Drop,
    Duplicate,
    Inject,
    Modify,
    Outage,
    Reorder,
    Scenario,
)
from scenario_engine.testing import read_events, run


def ticks(n: int = 100, topic: str = "tick") -> Scenario:
    return (
        Scenario("chaos", seed=5)
        .generator("counter", topic=topic, every="1s")
        .phase("run", cycles=n)
    )


def delivered(result, topic: str = "tick") -> list[dict]:
    return [
        e
        for e in read_events(result.events_path)
        if e["topic"] == topic and e.get("status") not in ("dropped", "held")
    ]


def test_drop_at_cycles_10_to_19_delivers_exactly_90_of_100(tmp_path: Path) -> None:
    result = run(ticks().chaos(Drop("tick", at_cycle=(10, 19))), report_dir=tmp_path)
    indexes = [e["payload"]["index"] for e in delivered(result)]
    assert len(indexes) == 90
    assert set(range(100)) - set(indexes) == set(range(10, 20))
    assert result.events_dropped == 10
    assert result.chaos[0].applied == 10


def test_drop_with_probability_draws_from_the_seed(tmp_path: Path) -> None:
    one = run(ticks(1000).chaos(Drop("tick", probability=0.25)), report_dir=tmp_path / "a")
    again = run(ticks(1000).chaos(Drop("tick", probability=0.25)), report_dir=tmp_path / "b")
    other = run(
        ticks(1000).seed(6).chaos(Drop("tick", probability=0.25)), report_dir=tmp_path / "c"
    )
    assert one.events_dropped == again.events_dropped
    assert 200 <= one.events_dropped <= 300
    assert [e["seq"] for e in delivered(one)] != [e["seq"] for e in delivered(other)]


def test_delay_moves_an_event_later_by_its_milliseconds(tmp_path: Path) -> None:
    result = run(ticks(10).chaos(Delay("tick", ms=5000, at_cycle=2)), report_dir=tmp_path)
    events = delivered(result)
    # ties at t=7.0 go in scheduling order: the delayed event was scheduled first
    late = [e for e in events if e["payload"]["index"] == 2]
    assert late[0]["t"] == 7.0
    assert late[0]["chaos"] == ["Delay('tick', ms=5000, at_cycle=2)"]
    assert [e["payload"]["index"] for e in events] == [0, 1, 3, 4, 5, 6, 2, 7, 8, 9]


def test_an_hour_of_delay_costs_no_wall_time(tmp_path: Path) -> None:
    result = run(ticks(5).chaos(Delay("tick", ms=3_600_000)), report_dir=tmp_path)
    assert result.virtual_duration == pytest.approx(3604.0)
    assert len(delivered(result)) == 5


def test_delay_jitter_stays_within_its_bound(tmp_path: Path) -> None:
    result = run(ticks(50).chaos(Delay("tick", ms=100, jitter_ms=50)), report_dir=tmp_path)
    for event in delivered(result):
        lateness = event["t"] - event["payload"]["index"]
        assert 0.1 <= lateness <= 0.15 + 1e-9


def test_duplicate_every_tenth_adds_ten_copies(tmp_path: Path) -> None:
    result = run(
        ticks().chaos(Duplicate("tick", every=10, copies=2, spacing_ms=100)), report_dir=tmp_path
    )
    events = delivered(result)
    assert len(events) == 120
    copies = [e for e in events if e["payload"]["index"] == 9]
    assert [e["t"] for e in copies] == [9.0, 9.1, 9.2]
    assert len({e["id"] for e in copies}) == 3


def test_reorder_releases_each_window_permuted_and_loses_nothing(tmp_path: Path) -> None:
    result = run(ticks(12).chaos(Reorder("tick", window=4)), report_dir=tmp_path)
    order = [e["payload"]["index"] for e in delivered(result)]
    assert sorted(order) == list(range(12))
    for start in (0, 4, 8):
        window = order[start : start + 4]
        assert sorted(window) == list(range(start, start + 4))
        assert window != sorted(window)


def test_reorder_releases_a_partial_window_at_the_end(tmp_path: Path) -> None:
    result = run(ticks(10).chaos(Reorder("tick", window=4)), report_dir=tmp_path)
    assert sorted(e["payload"]["index"] for e in delivered(result)) == list(range(10))


def test_modify_sets_a_nested_field_and_transforms_another(tmp_path: Path) -> None:
    scenario = (
        Scenario("modify", seed=1)
        .publish("quote", {"price": {"value": 10.0}, "qty": 3}, repeat=3)
        .chaos(Modify("quote", path="price.value", value=0.0, max_times=2))
        .chaos(Modify("quote", path="qty", transform=str))
    )
    result = run(scenario, report_dir=tmp_path)
    payloads = [e["payload"] for e in delivered(result, "quote")]
    assert payloads == [
        {"price": {"value": 0.0}, "qty": "3"},
        {"price": {"value": 0.0}, "qty": "3"},
        {"price": {"value": 10.0}, "qty": "3"},
    ]


def test_inject_adds_a_failure_event_after_its_trigger(tmp_path: Path) -> None:
    result = run(ticks(100).chaos(Inject("tick", event="Failed", every=25)), report_dir=tmp_path)
    failures = delivered(result, "Failed")
    assert len(failures) == 4
    assert len(delivered(result)) == 100
    assert failures[0]["source"] == "chaos"
    assert failures[0]["payload"]["trigger"] == "tick"


def test_outage_loses_its_window_and_buffered_outage_flushes_it(tmp_path: Path) -> None:
    lossy = run(
        ticks().chaos(Outage("tick", duration="10s", at_cycle=50)), report_dir=tmp_path / "a"
    )
    assert len(delivered(lossy)) == 90
    buffered = run(
        ticks().chaos(Outage("tick", duration="10s", at_cycle=50, buffer=True)),
        report_dir=tmp_path / "b",
    )
    events = delivered(buffered)
    assert len(events) == 100
    flushed = [e for e in events if 50 <= e["payload"]["index"] <= 59]
    assert {e["t"] for e in flushed} == {60.0}
    assert [e["payload"]["index"] for e in flushed] == list(range(50, 60))


def test_outage_longer_than_the_run_is_reported_and_the_log_is_intact(tmp_path: Path) -> None:
    result = run(
        ticks(20).chaos(Outage("tick", duration="1h", at_cycle=10)).expect(Count("tick", min=10)),
        report_dir=tmp_path,
    )
    assert result.passed
    assert len(delivered(result)) == 10
    assert result.chaos[0].detail["windows"] == [[10.0, 3610.0]]
    assert len(read_events(result.events_path)) == 20


def test_triggers_between_after_and_where_combine(tmp_path: Path) -> None:
    scenario = (
        Scenario("triggers", seed=1)
        .generator("counter", topic="tick", every="1s")
        .publish("go", {}, delay="5s")
        .phase("run", cycles=20)
        .chaos(Drop("tick", after="go", where={"index": {"ge": 8}}, between=("0s", "15s")))
        .chaos(Drop("tick", after="never-published"))
    )
    result = run(scenario, report_dir=tmp_path)
    lost = [
        e["payload"]["index"]
        for e in read_events(result.events_path)
        if e.get("status") == "dropped"
    ]
    # "go" at t=5s arms the first action; tick i runs at t=5+i: dropped when i >= 8 and t <= 15
    assert lost == [8, 9, 10]
    assert [c.applied for c in result.chaos] == [3, 0]


def test_max_times_caps_how_often_an_action_applies(tmp_path: Path) -> None:
    result = run(ticks(30).chaos(Drop("tick", max_times=3)), report_dir=tmp_path)
    assert [
        e["payload"]["index"]
        for e in read_events(result.events_path)
        if e.get("status") == "dropped"
    ] == [0, 1, 2]
