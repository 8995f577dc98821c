"""Lifecycle hooks: setup, teardown, preconditions, snapshots, rollbacks, critical steps."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from scenario_engine import Count, Drop, Scenario
from scenario_engine.errors import PlanError
from scenario_engine.plan.codec import dumps, loads
from scenario_engine.report.console import render_summary
from scenario_engine.runtime.interpreter import Run
from scenario_engine.runtime.options import RunOptions
from scenario_engine.testing import read_events

CALLS: list[str] = []


@pytest.fixture(autouse=True)
def _fresh_calls() -> None:
    CALLS.clear()


def note(what: str) -> Any:
    def hook(ctx: Any) -> None:
        CALLS.append(what)

    hook.__qualname__ = f"note_{what}"
    return hook


def boom(ctx: Any) -> None:
    raise RuntimeError("boom")


def interrupt(ctx: Any) -> None:
    raise KeyboardInterrupt


def sleepy(ctx: Any) -> None:
    time.sleep(2)


def counted(ctx: Any) -> dict[str, Any]:
    return {"ticks": ctx.seen("tick"), "fixed": "same"}


def base(name: str = "life") -> Scenario:
    return (
        Scenario(name, seed=3)
        .generator("counter", topic="tick", every="1s")
        .setup(note("setup"))
        .teardown(note("teardown"))
    )


def run(scenario: Scenario, tmp_path: Path | None = None) -> Any:
    return Run(scenario.build(), RunOptions(report_dir=tmp_path)).execute()


def kinds(result: Any) -> list[tuple[str, str]]:
    return [(s.kind, s.status) for s in result.steps]


def test_setup_runs_before_the_steps_and_teardown_after() -> None:
    result = run(base().phase("calm", cycles=3).expect(Count("tick", exact=3)))
    assert result.status == "passed"
    assert CALLS == ["setup", "teardown"]
    assert kinds(result) == [("setup", "passed"), ("phase", "passed"), ("teardown", "passed")]


def test_teardowns_run_in_reverse_order_of_declaration() -> None:
    result = run(base().teardown(note("second")).phase("calm", cycles=1))
    assert result.status == "passed"
    assert CALLS == ["setup", "second", "teardown"]


def test_teardown_runs_after_a_failed_assertion() -> None:
    result = run(base().phase("calm", cycles=3).expect(Count("tick", exact=4)))
    assert result.status == "failed"
    assert CALLS == ["setup", "teardown"]


def test_teardown_runs_after_the_scenario_timeout() -> None:
    result = run(base().phase("long", cycles=10).phase("never", cycles=1).timeout("4s"))
    assert result.status == "error"
    assert result.error == "the run reached its timeout of 4s"
    assert kinds(result)[-2:] == [("phase", "skipped"), ("teardown", "passed")]
    assert CALLS == ["setup", "teardown"]


def test_teardown_runs_after_ctrl_c_in_a_step() -> None:
    result = run(base().phase("calm", cycles=2).do(interrupt).phase("later", cycles=2))
    assert result.status == "interrupted"
    assert result.exit_code == 130
    assert CALLS == ["setup", "teardown"]


def test_teardown_runs_after_a_real_sigint(tmp_path: Path) -> None:
    playbook = tmp_path / "sigint_book.py"
    marker = tmp_path / "torn-down"
    playbook.write_text(
        textwrap.dedent(
            """
            import os, signal
            from pathlib import Path
            from scenario_engine import Scenario

            def ctrl_c(ctx):
                os.kill(os.getpid(), signal.SIGINT)

            def tidy(ctx):
                Path(ctx.vars["marker"]).write_text("done")

            scenario = (
                Scenario("sigint")
                .generator("counter", topic="tick")
                .teardown(tidy)
                .phase("calm", cycles=2)
                .do(ctrl_c)
                .phase("later", cycles=2)
            )
            """
        )
    )
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "scenario_engine.cli",
            "play",
            str(playbook),
            "--report-dir",
            str(tmp_path / "reports"),
            "--var",
            f"marker={marker}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 130, completed.stdout + completed.stderr
    assert marker.read_text() == "done"
    assert "Traceback" not in completed.stderr


def test_a_failing_setup_runs_no_step_and_still_tears_down() -> None:
    result = run(base().setup(boom).phase("calm", cycles=3).expect(Count("tick", min=0)))
    assert result.status == "error"
    assert CALLS == ["setup", "teardown"]
    assert kinds(result) == [
        ("setup", "passed"),
        ("setup", "error"),
        ("phase", "skipped"),
        ("teardown", "passed"),
    ]
    assert result.steps[1].message == "setup(boom) raised RuntimeError: boom"
    assert result.events_recorded == 0


def test_a_hook_that_outlives_its_timeout_is_an_error() -> None:
    result = run(base().setup(sleepy, timeout="100ms").phase("calm", cycles=1))
    assert result.status == "error"
    assert result.steps[1].message == "setup(sleepy) timed out: did not finish within 0.1s"
    assert CALLS == ["setup", "teardown"]


def test_a_do_step_that_raises_stops_the_scenario() -> None:
    result = run(base().phase("a", cycles=2).do(boom).phase("b", cycles=2))
    assert result.status == "error"
    assert kinds(result)[1:4] == [("phase", "passed"), ("do", "error"), ("phase", "skipped")]
    assert result.steps[2].message == "do(boom) raised RuntimeError: boom"
    assert result.events_recorded == 2


def test_a_do_step_not_critical_is_tolerated_and_the_run_goes_on() -> None:
    scenario = base().phase("a", cycles=2).do(boom, critical=False).phase("b", cycles=2)
    result = run(scenario.expect(Count("tick", exact=4)))
    assert result.status == "passed"
    assert result.steps[2].status == "tolerated"
    assert result.steps[2].message == "do(boom) raised RuntimeError: boom (not critical)"


def test_a_do_step_timeout_stops_the_scenario() -> None:
    result = run(base().phase("a", cycles=1).do(sleepy, timeout="0.1s").phase("b", cycles=1))
    assert result.status == "error"
    assert result.steps[2].message == "do(sleepy) timed out: did not finish within 0.1s"
    assert result.steps[3].status == "skipped"


# ----------------------------------------------------------------------------- preconditions


def test_a_failing_precondition_prevents_any_chaos(tmp_path: Path) -> None:
    scenario = (
        base("pre")
        .require(Count("heartbeat", min=1), warmup="2s")
        .phase("calm", cycles=3)
        .chaos(Drop("tick"))
        .expect(Count("tick", exact=3))
    )
    result = run(scenario, tmp_path)
    assert result.status == "precondition failed"
    assert result.exit_code == 1
    assert [(a.label, a.passed, a.checkpoint) for a in result.assertions] == [
        ("Count('heartbeat', min=1)", False, "precondition")
    ]
    assert kinds(result) == [
        ("setup", "passed"),
        ("precondition", "failed"),
        ("phase", "skipped"),
        ("teardown", "passed"),
    ]
    assert result.steps[1].message == "did not hold: Count('heartbeat', min=1)"
    summary = render_summary(result).splitlines()
    assert summary[0].startswith("PRECONDITION FAILED pre (seed 3, memory://, virtual clock)")
    assert "  FAIL Count('heartbeat', min=1) [precondition]" in summary
    events = read_events(Path(result.events_path))
    assert len(events) == 2  # the warm-up's two ticks, delivered untouched
    assert not any("chaos" in e or e.get("status") for e in events)
    assert result.chaos[0].applied == 0
    assert CALLS == ["setup", "teardown"]


def test_a_holding_precondition_lets_the_run_go_on_without_counting_the_warm_up() -> None:
    scenario = (
        base()
        .require(Count("tick", min=3))
        .phase("calm", cycles=4)
        .chaos(Drop("tick", every=2))
        .expect(Count("tick", exact=2))
    )
    result = run(scenario)
    assert result.status == "passed"
    assert result.steps[1].name == "warm-up 3s"
    assert result.chaos[0].applied == 2
    assert result.events_recorded == 3 + 2


# ----------------------------------------------------------------------------- snapshots


def test_snapshots_are_stored_before_and_after_and_compared(tmp_path: Path) -> None:
    scenario = (
        base("snap")
        .snapshot("state", counted)
        .snapshot("phases", counted, every_phase=True)
        .phase("a", cycles=2)
        .phase("b", cycles=3)
    )
    result = run(scenario, tmp_path)
    assert result.status == "passed"
    state, phases = result.snapshots
    assert state.changes == ("$.ticks: 0 -> 5",)
    assert dict(state.files) == {
        "before": "snapshots/state/before.json",
        "after": "snapshots/state/after.json",
    }
    assert list(phases.files) == ["before", "after a", "after b", "after"]
    run_dir = Path(result.report_dir)
    assert json.loads((run_dir / "snapshots/phases/after-a.json").read_text()) == {
        "fixed": "same",
        "ticks": 2,
    }
    report = json.loads((run_dir / "report.json").read_text())
    assert report["snapshots"][0]["changes"] == ["$.ticks: 0 -> 5"]


def test_a_snapshot_that_is_not_json_is_an_error_of_the_run() -> None:
    result = run(base().snapshot("bad", lambda ctx: {1, 2}).phase("a", cycles=1))
    assert result.status == "error"
    assert result.snapshots[0].error.startswith("snapshot 'bad' at before failed: TypeError")


# ----------------------------------------------------------------------------- rollbacks

OUTCOMES = {
    "passed": lambda s: s.phase("a", cycles=2).expect(Count("tick", exact=2)),
    "deviated": lambda s: s.phase("a", cycles=2).expect(Count("tick", exact=3)),
    "error": lambda s: s.phase("a", cycles=2).expect(Count("tick", exact=2)).do(boom),
}


@pytest.mark.parametrize(
    ("when", "outcome", "runs"),
    [
        ("failure", "passed", False),
        ("failure", "deviated", True),
        ("failure", "error", True),
        ("always", "passed", True),
        ("always", "deviated", True),
        ("always", "error", True),
        ("never", "passed", False),
        ("never", "deviated", False),
        ("never", "error", False),
        ("deviated", "passed", False),
        ("deviated", "deviated", True),
        ("deviated", "error", False),
    ],
)
def test_rollback_strategies(when: str, outcome: str, runs: bool) -> None:
    scenario = OUTCOMES[outcome](base().rollback(note("rollback"), when=when))
    result = run(scenario)
    assert result.status == {"passed": "passed", "deviated": "failed", "error": "error"}[outcome]
    assert (["setup", "rollback", "teardown"] if runs else ["setup", "teardown"]) == CALLS


def test_rollback_rejects_an_unknown_strategy() -> None:
    with pytest.raises(PlanError) as err:
        base().rollback(note("x"), when="sometimes")
    assert str(err.value) == (
        "Scenario('life').rollback(...): when must be one of failure, always, never, deviated "
        "(got 'sometimes')"
    )


# ----------------------------------------------------------------------------- plan files


def hooks_plan() -> Any:
    return (
        Scenario("hooks", seed=1)
        .generator("counter", topic="tick")
        .setup("tests.hooks:start", timeout="5s")
        .teardown("tests.hooks:stop")
        .require(Count("tick", min=1), warmup="2s")
        .snapshot("db", "tests.hooks:probe", every_phase=True)
        .rollback("tests.hooks:undo", when="deviated")
        .phase("calm", cycles=2)
        .do("tests.hooks:poke", critical=False, timeout="1s")
        .build()
    )


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_the_lifecycle_round_trips_through_plan_files(fmt: str) -> None:
    plan = hooks_plan()
    assert loads(dumps(plan, fmt), fmt) == [plan]  # type: ignore[arg-type]


def test_a_plan_file_with_a_bad_strategy_is_located() -> None:
    text = dumps(hooks_plan()).replace('when = "deviated"', 'when = "sometimes"')
    with pytest.raises(PlanError) as err:
        loads(text, "toml", source="p.toml")
    assert str(err.value) == (
        "p.toml:plans[0].lifecycle.rollbacks[0].when: must be one of failure, always, never, "
        "deviated (got 'sometimes')"
    )


def test_show_outlines_the_lifecycle() -> None:
    from scenario_engine.commands.show import outline

    lines = list(outline(hooks_plan()))
    assert lines[-6:] == [
        "  setup: start (tests.hooks:start) (timeout 5s)",
        "  require (warm-up 2s, no chaos):",
        "    Count('tick', min=1)",
        "  snapshot db: tests.hooks:probe (before and after, after every phase)",
        "  rollback on deviated: undo (tests.hooks:undo)",
        "  teardown: stop (tests.hooks:stop)",
    ]
    assert "    2. do poke (tests.hooks:poke, not critical, timeout 1s)" in lines


def test_a_plan_file_s_hooks_pass_the_trust_gate(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from scenario_engine.cli import main

    plan = Scenario("hooked").generator("counter", topic="t").setup("os:getcwd")
    path = tmp_path / "hooked.toml"
    path.write_text(dumps(plan.phase("p", cycles=1).build()))
    result = CliRunner().invoke(main, ["play", str(path), "--report-dir", str(tmp_path / "r")])
    assert result.exit_code == 2
    assert result.output.startswith(
        f"error: {path}:plans[0].lifecycle.setup[0].fn: untrusted reference 'os:getcwd'"
    )
    assert not (tmp_path / "r").exists()  # nothing ran
