"""Orchestrations: sequence, parallel, loop and continue-on-failure, end to end, and
compiled to TOML and back."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from scenario_engine import Count, Orchestration, Scenario
from scenario_engine.cli import main
from scenario_engine.errors import PlanError
from scenario_engine.plan.orchestration import dumps_orchestration, loads_orchestration
from scenario_engine.runtime.options import RunOptions
from scenario_engine.suite.orchestrate import run_orchestration


def ticks(name: str, cycles: int, exact: int) -> Scenario:
    return (
        Scenario(name, seed=1)
        .generator("counter", topic="tick")
        .phase("p", cycles=cycles)
        .expect(Count("tick", exact=exact))
    )


A, B, C, D = ticks("a", 2, 2), ticks("b", 3, 3), ticks("c", 1, 1), ticks("d", 2, 2)
BAD = ticks("bad", 2, 5)


def table(result: object) -> list[tuple[int, str, list[tuple[int, str, str, tuple[str, ...]]]]]:
    return [
        (i.index, i.status, [(s.index, s.kind, s.status, s.outcomes) for s in i.steps])
        for i in result.iterations  # type: ignore[attr-defined]
    ]


def test_sequence_parallel_and_loop_run_end_to_end(tmp_path: Path) -> None:
    nightly = Orchestration("nightly").then(A).then(B, delay="10ms").parallel(C, D).loop(2).build()
    result = run_orchestration(nightly, RunOptions(report_dir=tmp_path))
    assert result.status == "passed"
    assert result.exit_code == 0
    step_rows = [
        (0, "then", "passed", ("passed",)),
        (1, "then", "passed", ("passed",)),
        (2, "parallel", "passed", ("passed", "passed")),
    ]
    assert table(result) == [(0, "passed", step_rows), (1, "passed", step_rows)]
    folders = {Path(e.result.report_dir).relative_to(tmp_path).parts[:3] for e in result.entries}
    assert folders == {("nightly", f"iteration-{k}", name) for k in (1, 2) for name in "abcd"}
    assert all(Path(e.result.events_path).is_file() for e in result.entries)


def test_a_failed_step_stops_the_orchestration() -> None:
    orch = Orchestration("stop").then(A).parallel(BAD, C).then(D).loop(2).build()
    result = run_orchestration(orch, RunOptions())
    assert result.status == "failed"
    assert result.exit_code == 1
    assert table(result) == [
        (
            0,
            "failed",
            [
                (0, "then", "passed", ("passed",)),
                (1, "parallel", "failed", ("failed", "passed")),
                (2, "then", "skipped", ("",)),
            ],
        ),
        (
            1,
            "skipped",
            [
                (0, "then", "skipped", ("",)),
                (1, "parallel", "skipped", ("", "")),
                (2, "then", "skipped", ("",)),
            ],
        ),
    ]


def test_continue_on_failure_runs_every_step_of_every_iteration() -> None:
    orch = Orchestration("go-on").then(BAD).then(A).loop(2).continue_on_failure().build()
    result = run_orchestration(orch, RunOptions())
    assert result.status == "failed"
    rows = [(0, "then", "failed", ("failed",)), (1, "then", "passed", ("passed",))]
    assert table(result) == [(0, "failed", rows), (1, "failed", rows)]
    assert result.lines()[:4] == [
        f"FAILED orchestration go-on in {result.wall_duration:.2f}s",
        "  iteration 1: failed",
        "    step 1 then: failed (bad failed)",
        "    step 2 then: passed (a passed)",
    ]


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_an_orchestration_compiles_to_a_file_and_back(fmt: str) -> None:
    orch = (
        Orchestration("nightly")
        .then(A)
        .then(B, delay="5s")
        .parallel(C, D)
        .loop(3)
        .continue_on_failure()
        .build()
    )
    text = dumps_orchestration(orch, fmt)  # type: ignore[arg-type]
    assert loads_orchestration(text, fmt) == orch  # type: ignore[arg-type]
    if fmt == "toml":
        assert text.startswith(
            'format = 1\n\n[orchestration]\nname = "nightly"\niterations = 3\n'
            'continue_on_failure = true\n\n[[orchestration.steps]]\nthen = "a"\n\n'
            '[[orchestration.steps]]\nthen = "b"\ndelay = "5s"\n'
        )


def test_a_step_naming_no_plan_is_located() -> None:
    text = dumps_orchestration(Orchestration("o").then(A).parallel(C, D).build())
    text = text.replace('"d"', '"dd"', 1)
    with pytest.raises(PlanError) as err:
        loads_orchestration(text, "toml", source="o.toml")
    assert str(err.value) == (
        "o.toml:orchestration.steps[1].parallel[1]: no plan named 'dd' in this file "
        "(hint: did you mean 'd'?)"
    )


def test_parallel_needs_two_scenarios() -> None:
    with pytest.raises(PlanError) as err:
        Orchestration("o").parallel(A)
    assert str(err.value) == (
        "Orchestration('o').parallel(...): give two or more scenarios (got 1) "
        "(hint: use then(...) for one)"
    )


def test_the_orchestrate_command_runs_a_playbook_and_its_compiled_file(tmp_path: Path) -> None:
    book = tmp_path / "nightly_book.py"
    book.write_text(
        textwrap.dedent("""
        from scenario_engine import Count, Orchestration, Scenario

        def ticks(name, n):
            return (Scenario(name).generator("counter", topic="tick").phase("p", cycles=n)
                    .expect(Count("tick", exact=n)))

        nightly = (Orchestration("nightly").then(ticks("a", 1))
                   .parallel(ticks("b", 2), ticks("c", 3)).loop(2))
    """)
    )
    runner = CliRunner()
    result = runner.invoke(main, ["orchestrate", str(book), "--report-dir", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "iteration 2 step 2 parallel: passed" in result.output
    assert "    step 2 parallel: passed (b passed + c passed)" in result.output
    compiled = tmp_path / "nightly.toml"
    result = runner.invoke(main, ["orchestrate", str(book), "--compile", str(compiled)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        main, ["orchestrate", str(compiled), "--report-dir", str(tmp_path / "s")]
    )
    assert result.exit_code == 0, result.output
    assert "PASSED orchestration nightly" in result.output
