"""Each kind of step, run by the interpreter."""

from __future__ import annotations

from pathlib import Path

from scenario_engine import Count, Never, Scenario
from scenario_engine.testing import read_events, run

_SEEN: list[tuple[float, int]] = []


def note_progress(ctx) -> None:
    _SEEN.append((ctx.now(), ctx.seen("tick")))
    ctx.publish("note", {"ticks": ctx.seen("tick"), "user": ctx.vars["user"]})


def explode(ctx) -> None:
    raise RuntimeError("boom")


def test_phases_switch_profiles_while_the_value_stays_continuous(tmp_path: Path) -> None:
    scenario = (
        Scenario("phases", seed=1)
        .generator("constant", topic="price", value=100.0, every="1s")
        .phase("flat", cycles=3, profile="steady")
        .phase("up", cycles=3, profile="trend", rate=0.1)
        .phase("down", duration="2s", profile="trend", rate=-0.1)
    )
    result = run(scenario, report_dir=tmp_path)
    events = read_events(result.events_path)
    assert [e["payload"]["value"] for e in events] == pytest_approx(
        [100, 100, 100, 110, 120, 130, 117, 104]
    )
    assert [e["cycle"] for e in events] == list(range(8))
    assert [e["t"] for e in events] == [float(i) for i in range(8)]
    assert result.steps[2].ended == 8.0


def pytest_approx(values):
    import pytest

    return pytest.approx([float(v) for v in values])


def test_publish_repeats_at_its_interval_after_its_delay(tmp_path: Path) -> None:
    scenario = (
        Scenario("publish", seed=1)
        .vars(user="alice")
        .publish(
            "order",
            {"id": "o-{{index}}", "user": "{{user}}", "at": "{{timestamp}}"},
            repeat=3,
            interval="250ms",
            delay="1s",
            key="k",
        )
    )
    events = read_events(run(scenario, report_dir=tmp_path).events_path)
    assert [(e["t"], e["payload"]["id"], e["key"]) for e in events] == [
        (1.0, "o-0", "k"),
        (1.25, "o-1", "k"),
        (1.5, "o-2", "k"),
    ]
    assert events[0]["payload"]["user"] == "alice"
    assert events[0]["payload"]["at"] == "2025-01-01T00:00:01.000Z"


def test_an_unknown_template_variable_is_a_located_plan_error(tmp_path: Path) -> None:
    import pytest

    from scenario_engine.errors import PlanError

    scenario = Scenario("vars", seed=1).publish("order", {"user": "{{who}}"})
    with pytest.raises(PlanError, match=r"steps\[0\]\.payload: .*'who'"):
        run(scenario, report_dir=tmp_path)


def test_do_calls_a_function_with_the_run_context(tmp_path: Path) -> None:
    _SEEN.clear()
    scenario = (
        Scenario("do", seed=1)
        .vars(user="ann")
        .generator("counter", topic="tick", every="1s")
        .phase("a", cycles=4)
        .do(note_progress)
        .phase("b", cycles=1)
    )
    result = run(scenario, report_dir=tmp_path)
    assert _SEEN == [(4.0, 4)]
    notes = [e for e in read_events(result.events_path) if e["topic"] == "note"]
    assert notes[0]["payload"] == {"ticks": 4, "user": "ann"}
    assert result.passed


def test_a_do_step_that_raises_is_a_step_error_with_its_traceback(tmp_path: Path) -> None:
    result = run(Scenario("boom", seed=1).do(explode), report_dir=tmp_path)
    step = result.steps[0]
    assert (step.status, step.message) == ("error", "do(explode) raised RuntimeError: boom")
    assert "RuntimeError: boom" in step.detail
    assert result.exit_code == 1


def test_a_checkpoint_judges_what_was_delivered_so_far(tmp_path: Path) -> None:
    scenario = (
        Scenario("checkpoints", seed=1)
        .generator("counter", topic="tick", every="1s")
        .phase("a", cycles=5)
        .check(Count("tick", exact=5), Never("alarm"), name="after a")
        .phase("b", cycles=5)
        .check(Count("tick", max=7), name="after b")
        .expect(Count("tick", exact=10))
    )
    result = run(scenario, report_dir=tmp_path)
    statuses = [(s.name, s.status) for s in result.steps]
    assert statuses == [
        ("a", "passed"),
        ("after a", "passed"),
        ("b", "passed"),
        ("after b", "failed"),
    ]
    failed = [a for a in result.assertions if not a.passed]
    assert [(a.label, a.checkpoint, a.actual) for a in failed] == [
        ("Count('tick', max=7)", "after b", "saw 8")
    ]
    assert result.status == "failed"


def test_generate_emits_now_without_advancing_cycles(tmp_path: Path) -> None:
    scenario = (
        Scenario("generate", seed=1)
        .generator("counter", topic="tick", every="1s")
        .phase("a", cycles=2)
        .generate(3)
        .phase("b", cycles=1)
    )
    events = read_events(run(scenario, report_dir=tmp_path).events_path)
    assert [(e["t"], e["cycle"]) for e in events] == [
        (0.0, 0),
        (1.0, 1),
        (2.0, 2),
        (2.0, 2),
        (2.0, 2),
        (2.0, 2),
    ]
