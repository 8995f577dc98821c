"""Load shapes: constant rates, ramps and stages publish the integral of their rate."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest

from scenario_engine import Scenario, ramp
from scenario_engine.dsl.spec import SpecError
from scenario_engine.plan.codec import dumps, loads
from scenario_engine.plan.nodes import LoadShape, Stage
from scenario_engine.report.console import render_summary
from scenario_engine.runtime.arrivals import Arrivals, expected_count
from scenario_engine.testing import read_events, run


def times(result_dir: Path) -> list[float]:
    [log] = sorted(result_dir.rglob("events.jsonl"))
    return [e["t"] for e in read_events(log)]


def test_a_ramp_from_10_to_1000_per_second_over_30s_publishes_its_integral(tmp_path) -> None:
    scenario = (
        Scenario("ramp", seed=1)
        .generator("counter", topic="t", rate=ramp(10, 1000, over="30s"))
        .phase("go", duration="30s")
    )
    result = run(scenario, report_dir=tmp_path)
    assert abs(result.events_recorded - (10 + 1000) / 2 * 30) <= 1
    [rate] = result.generators["t"]["rates"]
    assert rate == {"phase": "go", "events": 15150, "target_rate": 505.0, "achieved_rate": 505.0}
    gaps = [b - a for a, b in itertools.pairwise(times(tmp_path))]
    assert gaps[0] > gaps[-1]  # the rate rises: gaps shrink from ~0.1s to ~1ms
    slope = (1000 - 10) / 30  # N(x) = 10x + slope x²/2 reaches 1 at the first gap
    assert gaps[0] == pytest.approx(2 / (10 + math.sqrt(100 + 2 * slope)), abs=2e-6)
    assert gaps[-1] == pytest.approx(0.001, rel=0.02)


def test_a_constant_rate_spaces_events_evenly_across_phases(tmp_path) -> None:
    scenario = (
        Scenario("hold", seed=1)
        .generator("counter", topic="t", rate=200)
        .phase("a", duration="2s")
        .phase("b", duration="3s")
    )
    result = run(scenario, report_dir=tmp_path)
    assert result.events_recorded == 1000
    stamps = times(tmp_path)
    assert stamps[:3] == [0.0, 0.005, 0.01]
    assert [r["events"] for r in result.generators["t"]["rates"]] == [400, 600]


def test_the_shape_runs_in_active_time_so_a_pause_between_phases_keeps_the_ramp(tmp_path) -> None:
    scenario = (
        Scenario("pause", seed=1)
        .generator("counter", topic="t", rate=ramp(0, 100, over="10s"))
        .phase("first", duration="5s")
        .publish("marker", {"x": 1}, delay="60s")
        .phase("second", duration="5s")
    )
    result = run(scenario, report_dir=tmp_path)
    rates = result.generators["t"]["rates"]
    assert [r["events"] for r in rates] == [125, 375]  # 0→50/s, then 50→100/s
    assert result.events_recorded == 500 + 1


def test_stages_move_the_rate_and_a_zero_stage_is_silent(tmp_path) -> None:
    scenario = (
        Scenario("stages", seed=1)
        .generator("counter", topic="t", stages=[("10s", 100), ("5s", 0), ("5s", 0), ("5s", 40)])
        .phase("go", duration="30s")
    )
    result = run(scenario, report_dir=tmp_path)
    # 0→100 over 10s: 500; 100→0 over 5s: 250; silent 5s; 0→40 over 5s: 100; hold 40/s 5s: 200
    assert abs(result.events_recorded - 1050) <= 1
    stamps = times(tmp_path)
    assert not [t for t in stamps if 15.0 <= t < 20.0]


def test_poisson_arrivals_come_from_the_seed(tmp_path) -> None:
    def shaped(seed: int) -> Scenario:
        return (
            Scenario("poisson", seed=seed)
            .generator("counter", topic="t", rate=500, poisson=True)
            .phase("go", duration="20s")
        )

    first = run(shaped(3), report_dir=tmp_path / "a")
    run(shaped(3), report_dir=tmp_path / "b")
    other = run(shaped(4), report_dir=tmp_path / "c")
    assert times(tmp_path / "a") == times(tmp_path / "b")
    assert times(tmp_path / "a") != times(tmp_path / "c")
    for result in (first, other):  # Poisson(10,000): within 5 standard deviations
        assert abs(result.events_recorded - 10_000) < 5 * math.sqrt(10_000)
    stamps = times(tmp_path / "a")
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert sum(gaps) / len(gaps) == pytest.approx(1 / 500, rel=0.05)
    assert min(gaps) < 0.0005 < 0.01 < max(gaps)  # exponential gaps, not even spacing


def test_expected_count_is_the_integral_of_the_rate() -> None:
    shape = LoadShape(start=10, stages=(Stage(duration=30, target=1000),))
    assert expected_count(shape, 30) == pytest.approx(15150)
    assert expected_count(shape, 40) == pytest.approx(15150 + 10_000)
    import random

    arrivals = Arrivals(shape, random.Random(0))
    due = [arrivals.next_time() for _ in range(15151)]
    assert due[0] == 0.0
    assert due[15149] < 30.0 <= due[15150]


def test_a_load_shape_round_trips_through_a_plan_file() -> None:
    plan = (
        Scenario("file", seed=1)
        .generator("counter", topic="t", stages=[("10s", 100), ("500ms", 5)], poisson=True)
        .phase("go", duration="11s")
        .build()
    )
    for fmt in ("toml", "json"):
        text = dumps([plan], fmt)
        assert loads(text, fmt) == [plan]
    assert 'duration = "500ms"' in dumps([plan], "toml")


def test_the_summary_shows_the_achieved_rate_per_phase(tmp_path) -> None:
    scenario = (
        Scenario("shown", seed=1)
        .generator("counter", topic="t", rate=50)
        .phase("go", duration="2s")
    )
    text = render_summary(run(scenario, report_dir=tmp_path))
    assert "  load t in go: 50/s achieved of 50/s" in text


def test_on_the_wall_clock_the_rate_is_met_within_tolerance(tmp_path) -> None:
    scenario = (
        Scenario("wall", seed=1)
        .clock("wall")
        .generator("counter", topic="t", rate=400)
        .phase("go", duration="1s")
    )
    result = run(scenario, report_dir=tmp_path)
    [rate] = result.generators["t"]["rates"]
    assert rate["events"] == 400
    assert rate["achieved_rate"] >= 0.8 * 400  # a loaded machine may run late, not lose events
    assert 0 <= rate["lag_p50_ms"] <= rate["lag_p99_ms"] <= rate["lag_max_ms"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rate": 10, "every": "1s"}, "give every= or a load shape (rate=, stages=), not both"),
        ({"rate": -1}, "rate must be from 0 to 1,000,000 events/s (got -1)"),
        ({"rate": 0}, "rate must be > 0 events/s (got 0)"),
        ({"rate": float("nan")}, "rate must be from 0 to 1,000,000 events/s (got nan)"),
        ({"rate": 1e9}, "rate must be from 0 to 1,000,000 events/s (got 1000000000.0)"),
        ({"rate": "fast"}, "rate must be a number of events/s (got 'fast')"),
        ({"poisson": True}, "poisson=True needs rate= or stages="),
        ({"poisson": "yes", "rate": 1}, "poisson must be True or False (got 'yes')"),
        ({"rate": 1, "stages": [("1s", 1)]}, "give rate= or stages=, not both"),
        ({"stages": []}, "stages must not be empty"),
        ({"stages": "10s"}, "stages must be a list of (duration, rate) (got '10s')"),
        ({"stages": [("1s",)]}, "stages[0] must be (duration, rate) (got ('1s',))"),
        ({"stages": [("0s", 5)]}, "stages[0] duration must be > 0 (got '0s')"),
        ({"rate": ramp(1, 2, over="soon")}, "ramp's over: expected a duration"),
    ],
)
def test_a_bad_load_shape_is_refused_where_it_is_made(kwargs, message) -> None:
    with pytest.raises(SpecError) as err:
        Scenario("bad").generator("counter", topic="t", **kwargs)
    assert message in str(err.value)
