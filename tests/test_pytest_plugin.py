"""The pytest plugin: the ``scenario_run`` fixture runs a scenario inside a test."""

from __future__ import annotations

from pathlib import Path

from scenario_engine import Count, Scenario


def test_the_fixture_runs_a_scenario_into_the_tests_temporary_directory(
    scenario_run, tmp_path: Path
) -> None:
    result = scenario_run(
        Scenario("fixture", seed=1)
        .generator("counter", topic="tick", every="1s")
        .phase("p", cycles=3)
        .expect(Count("tick", exact=3))
    )
    assert result.passed
    assert Path(result.events_path).is_relative_to(tmp_path)
    assert (tmp_path / "scenario-reports" / "fixture" / "latest" / "report.json").exists()
