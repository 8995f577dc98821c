"""Assertions over windows of the run: before, during, after a phase or the chaos window."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scenario_engine import Count, Drop, Scenario
from scenario_engine.errors import PlanError
from scenario_engine.plan.codec import dumps, loads
from scenario_engine.report.console import render_summary
from scenario_engine.report.junit import junit_xml
from scenario_engine.runtime.interpreter import Run
from scenario_engine.runtime.options import RunOptions


def ticking(name: str = "win") -> Scenario:
    return (
        Scenario(name, seed=5)
        .generator("counter", topic="tick", every="1s")
        .phase("a", cycles=2)
        .phase("b", cycles=3)
        .phase("c", cycles=4)
    )


def run(scenario: Scenario, tmp_path: Path | None = None) -> Any:
    return Run(scenario.build(), RunOptions(report_dir=tmp_path)).execute()


def verdicts(result: Any) -> list[tuple[str | None, bool, str]]:
    return [(a.window, a.passed, a.actual) for a in result.assertions]


def test_an_assertion_during_a_phase_sees_only_that_phase() -> None:
    result = run(ticking().expect(Count("tick", exact=3), during="b"))
    assert result.status == "passed"
    assert verdicts(result) == [("during b", True, "saw 3")]


def test_before_and_after_a_phase() -> None:
    scenario = (
        ticking()
        .expect(Count("tick", exact=2), before="b")
        .expect(Count("tick", exact=4), after="b")
        .expect(Count("tick", exact=9))
    )
    result = run(scenario)
    assert result.status == "passed"
    assert verdicts(result) == [
        ("before b", True, "saw 2"),
        ("after b", True, "saw 4"),
        (None, True, "saw 9"),
    ]


def test_steady_state_is_three_verdicts_around_the_chaos_window(tmp_path: Path) -> None:
    scenario = ticking("steady").chaos(Drop("tick"), during="b").steady_state(Count("tick", min=1))
    result = run(scenario, tmp_path)
    assert result.status == "failed"
    assert verdicts(result) == [
        ("before chaos", True, "saw 2"),
        ("during chaos", False, "saw 0"),
        ("after chaos", True, "saw 4"),
    ]
    assert {a.group for a in result.assertions} == {"steady state"}
    summary = render_summary(result)
    assert (
        "  windows Count('tick', min=1): before chaos held, during chaos FAILED, "
        "after chaos held"
    ) in summary.splitlines()
    junit = junit_xml([result]).decode()
    assert 'name="Count(\'tick\', min=1) [during chaos]"' in junit
    report = json.loads((Path(result.report_dir) / "report.json").read_text())
    assert [a["window"] for a in report["assertions"]] == [
        "before chaos",
        "during chaos",
        "after chaos",
    ]


def test_the_chaos_window_spans_every_phase_chaos_is_limited_to() -> None:
    scenario = (
        ticking()
        .chaos(Drop("tick", every=2), during="a")
        .chaos(Drop("tick", every=2), during="c")
        .expect(Count("tick", exact=6), during="chaos")
    )
    result = run(scenario)
    # a: 2 ticks, 1 dropped; b: 3; c: 4 ticks, 2 dropped -> 1 + 3 + 2 delivered
    assert verdicts(result) == [("during chaos", True, "saw 6")]


def test_a_window_the_run_never_reached_fails_saying_so() -> None:
    scenario = ticking().timeout("2s").expect(Count("tick", min=0), during="c")
    result = run(scenario)
    assert verdicts(result) == [
        ("during c", False, "nothing judged: the run ended before phase 'c' to start")
    ]


def test_an_unknown_phase_is_a_located_error() -> None:
    with pytest.raises(PlanError) as err:
        ticking().expect(Count("tick", min=1), during="bb").build()
    assert str(err.value) == (
        "windows[0].of: no phase named 'bb' (phases: 'a', 'b', 'c'; or 'chaos') "
        "(hint: did you mean 'b'?)"
    )


def test_the_chaos_window_needs_chaos_limited_to_phases() -> None:
    with pytest.raises(PlanError) as err:
        ticking().chaos(Drop("tick")).steady_state(Count("tick", min=1)).build()
    lines = str(err.value).splitlines()
    assert lines[0] == "3 problems:"  # one per window: before, during, after
    assert lines[1] == (
        "  - windows[0].of: the chaos window needs chaos limited to phases, and no chaos "
        "action is (hint: include(chaos, during='crash') or chaos(..., during='crash'); "
        "or name a phase: expect(..., during='crash'))"
    )


def test_one_window_per_expectation() -> None:
    with pytest.raises(PlanError) as err:
        ticking().expect(Count("tick", min=1), before="a", after="b")
    assert str(err.value) == (
        "Scenario('win').expect(...): give one of before=, during=, after= "
        "(got ['before', 'after'])"
    )


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_windows_round_trip_through_plan_files(fmt: str) -> None:
    plan = (
        ticking()
        .chaos(Drop("tick"), during="b")
        .steady_state(Count("tick", min=1))
        .expect(Count("tick", exact=4), after="b")
        .build()
    )
    assert loads(dumps(plan, fmt), fmt) == [plan]  # type: ignore[arg-type]


def test_the_steady_state_playbook_holds_before_and_after_but_not_during() -> None:
    from scenario_engine.loaders import load_plans

    repo = Path(__file__).resolve().parents[1]
    [(_, plan)] = load_plans([repo / "playbooks" / "steady_state.py"])
    result = Run(plan, RunOptions()).execute()
    assert result.status == "failed"
    assert [(a.window, a.passed) for a in result.assertions if a.window] == [
        ("before chaos", True),
        ("during chaos", False),
        ("after chaos", True),
    ]
    assert all(a.passed for a in result.assertions if not a.window)
