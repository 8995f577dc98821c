"""The chaos application log and forced schedules: what chaos did, and doing exactly that again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from scenario_engine import Count, Delay, Drop, Duplicate, Scenario
from scenario_engine.dsl.spec import SpecError
from scenario_engine.errors import PlanError
from scenario_engine.plan import codec
from scenario_engine.report.model import RunResult
from scenario_engine.runtime.forced import applications_from_dicts, forced_plan, simplified
from scenario_engine.runtime.interpreter import Run
from scenario_engine.runtime.options import RunOptions
from scenario_engine.testing import read_events


def noisy(seed: int = 3) -> Scenario:
    return (
        Scenario("noisy", seed=seed)
        .generator("constant", topic="P", value=1.0, every="1s")
        .generator("constant", topic="Q", value=2.0, every="1s")
        .phase("a", cycles=40)
        .chaos(Drop("P", probability=0.2))
        .chaos(Delay("*", ms=10, jitter_ms=30, probability=0.3))
        .chaos(Duplicate("P", copies=2, spacing_ms=5, probability=0.3))
        .expect(Count("P", min=1))
    )


def run(plan: Any, tmp: Path | None = None) -> RunResult:
    return Run(plan, RunOptions(report_dir=tmp)).execute()


def test_every_application_is_logged_with_action_event_effect_and_parameters(
    tmp_path: Path,
) -> None:
    result = run(noisy().build(), tmp_path)
    apps = result.applications
    assert sum(c.applied for c in result.chaos) == len(apps) > 20
    first = {a.effect: a for a in apps}
    assert first["drop"].action == 0
    assert first["drop"].did == "dropped"
    assert first["drop"].params == {}
    delay = first["delay"]
    assert delay.action == 1
    assert 10 <= delay.params["ms"] <= 40
    assert delay.did == f"delayed {delay.params['ms']:g}ms"
    assert first["duplicate"].params == {"copies": 2}
    assert first["duplicate"].did == "duplicated x2"
    assert all(a.event.startswith(f"{a.topic}@") for a in apps)
    # identities are unique per action and name the cycle the event was made in
    assert len({a.key() for a in apps}) == len(apps)
    dropped = [e for e in read_events(Path(result.events_path or "")) if e.get("status")]
    assert [f"P@{e['cycle']}#0" for e in dropped] == [a.event for a in apps if a.action == 0]
    report = orjson.loads((Path(result.report_dir or "") / "report.json").read_bytes())
    assert applications_from_dicts(report["applications"]) == list(apps)


def test_copies_chaos_makes_are_named_after_their_parent() -> None:
    plan = (
        Scenario("copies")
        .generator("constant", topic="P", value=1.0, every="1s")
        .phase("a", cycles=2)
        .chaos(Duplicate("P", copies=2))
        .chaos(Drop("P", every=3))
        .build()
    )
    apps = run(plan).applications
    assert [(a.effect, a.event) for a in apps] == [
        ("duplicate", "P@0#0"),
        ("drop", "P@0#0+2"),
        ("duplicate", "P@1#0"),
        ("drop", "P@1#0+2"),
    ]


def _without_marks(path: str | None) -> list[dict[str, Any]]:
    events = read_events(Path(path or ""))
    for e in events:
        e.pop("chaos", None)
    return events


def test_a_run_forced_with_its_own_log_is_the_same_run(tmp_path: Path) -> None:
    plan = noisy(seed=11).build()
    original = run(plan, tmp_path / "a")
    forced = run(forced_plan(plan, original.applications), tmp_path / "b")
    assert _without_marks(forced.events_path) == _without_marks(original.events_path)
    assert [(a.event, a.did) for a in forced.applications] == [
        (a.event, a.did) for a in original.applications
    ]


def test_a_forced_subset_applies_there_and_nowhere_else() -> None:
    plan = noisy(seed=5).build()
    original = run(plan)
    drops = [a for a in original.applications if a.effect == "drop"]
    keep = [drops[0], drops[-1]]
    forced = run(forced_plan(plan, keep))
    assert [(a.event, a.did) for a in forced.applications] == [(a.event, a.did) for a in keep]
    assert forced.topics["P"] == 40 - 2
    assert forced.topics["Q"] == 40


def test_identities_do_not_shift_when_other_applications_go() -> None:
    plan = noisy(seed=8).build()
    original = run(plan)
    later = original.applications[len(original.applications) // 2 :]
    forced = run(forced_plan(plan, later))
    assert [a.event for a in forced.applications] == [a.event for a in later]


def test_a_simplified_delay_is_forced_with_its_new_length() -> None:
    plan = (
        Scenario("late")
        .generator("constant", topic="P", value=1.0, every="1s")
        .phase("a", cycles=3)
        .chaos(Delay("P", ms=400, jitter_ms=200, at_cycle=1))
        .build()
    )
    (app,) = run(plan).applications
    shorter = simplified(app, ms=250)
    assert shorter.did == "delayed 250ms"
    (forced,) = run(forced_plan(plan, [shorter])).applications
    assert forced.params == {"ms": 250}
    assert forced.time == 1.0


def test_a_schedule_naming_a_missing_action_is_refused() -> None:
    plan = noisy().build()
    app = run(plan).applications[0]
    bad = simplified(app)
    object.__setattr__(bad, "action", 7)
    with pytest.raises(ValueError, match=r"names chaos action 7, but 'noisy' has 3"):
        forced_plan(plan, [bad])


def test_at_events_round_trips_through_plan_files_and_is_validated() -> None:
    plan = (
        Scenario("t")
        .phase("a", cycles=2)
        .chaos(Drop("P", at_events=["P@1#0", "P@2#0+1"]))
        .build()
    )
    for fmt in ("toml", "json"):
        assert codec.loads(codec.dumps(plan, fmt), fmt) == [plan]
    with pytest.raises(SpecError, match="must list event identities such as 'PriceUpdate@17#0'"):
        Drop("P", at_events=["seventeen"])
    data = codec.to_dict(plan)
    data["chaos"][0]["triggers"]["at_events"] = ["P-1"]
    with pytest.raises(PlanError) as caught:
        codec.from_dict(data)
    assert str(caught.value) == (
        "chaos[0].triggers.at_events: must list event identities such as 'PriceUpdate@17#0' "
        "(got ['P-1'])"
    )


def test_what_chaos_holds_back_is_logged_held_and_what_it_loses_dropped() -> None:
    from scenario_engine import Outage

    plan = (
        Scenario("outages")
        .generator("counter", topic="kept", every="1s")
        .generator("counter", topic="lost", every="1s")
        .phase("a", cycles=6)
        .chaos(Outage("kept", duration="2s", buffer=True, at_cycle=2))
        .chaos(Outage("lost", duration="2s", at_cycle=2))
        .build()
    )
    apps = run(plan).applications
    assert [(a.topic, a.event, a.did) for a in apps] == [
        ("kept", "kept@2#0", "held"),
        ("lost", "lost@2#0", "dropped"),
        ("kept", "kept@3#0", "held"),
        ("lost", "lost@3#0", "dropped"),
    ]


def test_at_events_leaves_every_action_s_random_stream_as_it_was() -> None:
    from scenario_engine.plan.nodes import Triggers

    # each action's stream is seeded from its triggers' repr: a new field must stay out
    assert repr(Triggers(topics=("P",), probability=0.5)) == (
        "Triggers(topics=('P',), probability=0.5, at_cycle=None, between=None, after=None, "
        "every=None, where=None, max_times=None)"
    )
