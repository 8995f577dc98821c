"""Faults: a system that raises, a wait that never ends, an interrupted run."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from scenario_engine import Count, Scenario
from scenario_engine.runtime import RunOptions, run_plan
from scenario_engine.testing import read_events, run


class Fragile:
    """Raises on every third request."""

    def __init__(self, bus):
        self.bus = bus
        bus.subscribe("request", self.on_request)

    def on_request(self, event):
        if event.payload["index"] % 3 == 2:
            raise ValueError(f"cannot handle {event.payload['index']}")
        self.bus.publish("reply", {"index": event.payload["index"]})


def fragile(cycles: int = 9) -> Scenario:
    return (
        Scenario("fragile", seed=1)
        .system(Fragile)
        .generator("counter", topic="request", every="1s")
        .phase("load", cycles=cycles)
        .phase("after", cycles=1)
    )


def test_a_system_raising_in_a_handler_is_a_step_error_and_the_run_goes_on(tmp_path: Path) -> None:
    result = run(fragile(), report_dir=tmp_path)
    errors = [s for s in result.steps if s.status == "error"]
    assert [s.message for s in errors] == [
        f"system {__name__}:Fragile raised ValueError: cannot handle {i} while handling "
        f"#{seq} request"
        for i, seq in ((2, 5), (5, 10), (8, 15))
    ]
    assert "ValueError: cannot handle 2" in errors[0].detail
    assert "on_request" in errors[0].detail
    assert result.status == "error"
    assert result.exit_code == 1
    assert result.topics["reply"] == 7


def test_fail_fast_stops_at_the_first_handler_error(tmp_path: Path) -> None:
    result = run(fragile(), report_dir=tmp_path, fail_fast=True)
    assert result.topics["request"] == 3
    assert [s.status for s in result.steps if s.kind == "phase"] == ["error", "skipped"]
    events = read_events(result.events_path)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))


def test_a_wait_for_that_never_completes_says_what_came_instead(tmp_path: Path) -> None:
    scenario = (
        Scenario("waiting", seed=1)
        .generator("counter", topic="tick", every="1s")
        .phase("warm", cycles=1)
        .publish("order.request", {"id": 1})
        .wait_for("OrderFilled", timeout="2s")
    )
    result = run(scenario, report_dir=tmp_path)
    step = result.steps[-1]
    assert step.status == "failed"
    assert step.message == (
        "wait_for('OrderFilled') timed out after 2s; saw instead: order.request x1"
    )
    assert result.exit_code == 1


def test_a_wait_for_sees_a_reply_sent_while_its_request_was_published(tmp_path: Path) -> None:
    class Instant:
        def __init__(self, bus):
            bus.subscribe("ping", lambda e: bus.publish("pong", {}))

    scenario = (
        Scenario("instant", seed=1)
        .system(Instant)
        .publish("ping", {})
        .wait_for("pong", timeout="1s")
    )
    result = run_plan(scenario.build(), RunOptions(report_dir=tmp_path))
    assert result.steps[-1].status == "passed"
    assert result.virtual_duration == 0.0


def test_an_interrupted_run_keeps_a_parseable_log_and_a_partial_report(tmp_path: Path) -> None:
    def interrupt(ctx) -> None:
        raise KeyboardInterrupt

    scenario = (
        Scenario("interrupted", seed=1)
        .generator("counter", topic="tick", every="1s")
        .phase("before", cycles=50)
        .do(interrupt)
        .phase("never", cycles=50)
        .expect(Count("tick", min=100))
    )
    result = run_plan(scenario.build(), RunOptions(report_dir=tmp_path))
    assert result.status == "interrupted"
    assert result.exit_code == 130
    assert len(read_events(result.events_path)) == 50
    report = orjson.loads((tmp_path / "interrupted" / "latest" / "report.json").read_bytes())
    assert report["status"] == "interrupted"
    with pytest.raises(KeyboardInterrupt):
        run(scenario, report_dir=tmp_path / "again")


def test_a_run_timeout_stops_the_run_as_a_failure(tmp_path: Path) -> None:
    scenario = (
        Scenario("slow", seed=1)
        .generator("counter", topic="tick", every="1s")
        .phase("long", cycles=100)
        .phase("later", cycles=5)
        .timeout("30s")
    )
    result = run(scenario, report_dir=tmp_path)
    assert result.status == "error"
    assert "the run reached its timeout of 30s" in result.error
    assert result.topics["tick"] == 31


class Brittle:
    """A profile with a bug: fails on its third cycle."""

    def __init__(self) -> None:
        self.calls = 0

    def next_value(self, previous, tick, rng):
        self.calls += 1
        if self.calls == 3:
            raise ZeroDivisionError("division by zero")
        return previous


def test_a_component_that_raises_mid_run_is_a_step_error_and_the_log_survives(
    tmp_path: Path,
) -> None:
    from importlib import metadata

    from scenario_engine.registry import Registry
    from scenario_engine.spi import GROUPS

    installed = [ep for group in GROUPS.values() for ep in metadata.entry_points(group=group)]
    brittle = metadata.EntryPoint(name="brittle", value=f"{__name__}:Brittle",
                                  group="scenario_engine.profiles")
    registry = Registry(entry_points=[*installed, brittle])
    scenario = (Scenario("brittle", seed=1).generator("counter", topic="tick", every="1s")
                .phase("p", cycles=5, profile="brittle").phase("q", cycles=5))
    result = run_plan(scenario.build(), RunOptions(report_dir=tmp_path, registry=registry))
    step = result.steps[0]
    assert step.status == "error"
    assert step.message == "ZeroDivisionError in step phase 'p': division by zero"
    assert "next_value" in step.detail
    assert [s.status for s in result.steps] == ["error", "skipped"]
    assert len(read_events(result.events_path)) == 2
    assert result.exit_code == 1
