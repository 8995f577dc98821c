"""Generators whose value names several numbers, and included scenarios' generators."""

from __future__ import annotations

from scenario_engine import Count, Scenario
from scenario_engine.spi import Batch, Message
from scenario_engine.testing import read_events, run


def test_a_profile_moves_each_named_value_on_its_own(tmp_path) -> None:
    scenario = (
        Scenario("named", seed=3)
        .generator("constant", topic="env", value={"temp": 20.0, "humidity": 50.0})
        .phase("warm", cycles=3, profile="trend", rate=0.1)
    )
    run(scenario, report_dir=tmp_path)
    [log] = tmp_path.rglob("events.jsonl")
    assert [e["payload"] for e in read_events(log)] == [
        {"temp": 22.0, "humidity": 55.0},
        {"temp": 24.0, "humidity": 60.0},
        {"temp": 26.0, "humidity": 65.0},
    ]


def test_named_values_draw_from_streams_of_their_own(tmp_path) -> None:
    def walk(names: dict[str, float]) -> Scenario:
        return (
            Scenario("walk", seed=5)
            .generator("constant", topic="env", value=names)
            .phase("walk", cycles=20, profile="random_walk", step=0.5, relative=False)
        )

    run(walk({"a": 0.0, "b": 0.0}), report_dir=tmp_path / "first")
    run(walk({"a": 0.0, "b": 0.0}), report_dir=tmp_path / "again")
    [first] = (tmp_path / "first").rglob("events.jsonl")
    [again] = (tmp_path / "again").rglob("events.jsonl")
    both = [e["payload"] for e in read_events(first)]
    assert both == [e["payload"] for e in read_events(again)]
    assert [p["a"] for p in both] != [p["b"] for p in both]  # same start, different walks


def test_including_a_scenario_brings_its_generators(tmp_path) -> None:
    feed = (
        Scenario("feed")
        .generator("counter", topic="tick", every="1s")
        .phase("ticks", cycles=4)
        .expect(Count("tick", exact=4))
    )
    combined = Scenario("combined", seed=1).include(feed)
    plan = combined.build()
    assert [g.topic for g in plan.generators] == ["tick"]
    assert run(combined, report_dir=tmp_path).passed
    own = Scenario("own").generator("counter", topic="tick", every="1s").include(feed).build()
    assert len(own.generators) == 1  # a generator both have is not added twice


def test_a_batch_is_several_messages_and_a_list_stays_one_payload() -> None:
    batch = Batch([Message({"v": 1}, key="s-1"), {"v": 2}])
    assert list(batch) == [Message({"v": 1}, key="s-1"), Message({"v": 2}, key=None)]
    assert isinstance(batch, tuple)
    assert not isinstance([1, 2], Batch)
