"""Replaying what an earlier run recorded, as the input of a new run."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenario_engine import Count, Drop, Scenario
from scenario_engine.errors import PlanError
from scenario_engine.plan.codec import dumps, loads
from scenario_engine.testing import read_events, run


class Doubler:
    def __init__(self, bus):
        bus.subscribe("n", lambda e: bus.publish("double", {"v": e.payload["value"] * 2}))


def record(tmp_path: Path) -> Path:
    original = (Scenario("original", seed=3).system(Doubler)
                .generator("counter", topic="n", every="500ms")
                .phase("p", cycles=10).chaos(Drop("n", at_cycle=4)))
    return Path(run(original, report_dir=tmp_path / "rec").events_path)


def test_a_replay_publishes_the_recorded_inputs_at_their_pace(tmp_path: Path) -> None:
    log = record(tmp_path)
    replayed = (Scenario("replayed", seed=9).system(Doubler)
                .replay(str(log), topics="n", speed=2)
                .expect(Count("n", exact=9)).expect(Count("double", exact=9)))
    result = run(replayed, report_dir=tmp_path / "again")
    assert result.passed, [a.explain() for a in result.failures]
    inputs = [e for e in read_events(result.events_path) if e["topic"] == "n"]
    original = [e for e in read_events(log) if e["topic"] == "n" and "status" not in e]
    assert [e["payload"] for e in inputs] == [e["payload"] for e in original]
    # twice as fast: 0.25 s apart instead of 0.5 s, the dropped cycle leaving its gap
    assert [e["t"] for e in inputs] == [(o["t"] - original[0]["t"]) / 2 for o in original]
    assert {e["source"] for e in inputs} == {"replay"}


def test_sources_pick_who_published_the_recorded_events(tmp_path: Path) -> None:
    log = record(tmp_path)
    result = run(Scenario("outputs").replay(str(log), sources=["system"]),
                 report_dir=tmp_path / "outputs")
    assert result.topics == {"double": 9}


def test_a_missing_recording_is_a_located_plan_error(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match=r"steps\[0\]\.path: cannot read 'nowhere.jsonl'"):
        run(Scenario("missing").replay("nowhere.jsonl"), report_dir=tmp_path)


def test_a_replay_step_round_trips_through_plan_files(tmp_path: Path) -> None:
    plan = Scenario("r").replay("run/events.jsonl", topics=["a.*"], sources=["engine"],
                                speed=4).build()
    for fmt in ("toml", "json"):
        assert loads(dumps([plan], fmt), fmt) == [plan]
