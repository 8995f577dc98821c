"""What is validated before the first event goes out, and what fails as a run instead."""

from __future__ import annotations

import json
from pathlib import Path

from bad_input.argument_cases import OK_PY, OK_TOML
from bad_input.corpus import HEADER, invoke, write_files


def test_a_bad_second_file_stops_play_before_the_first_file_runs(workdir: Path) -> None:
    bad = HEADER + "t = Scenario('t').phase('p', cycles=1, profile='stedy')\n"
    write_files({"ok.py": OK_PY, "bad.py": bad}, workdir)
    result = invoke(["play", "ok.py", "bad.py"])
    assert result.exit_code == 2
    assert result.output == (
        "error: bad.py:2: scenario 't': steps[0].profile.name: unknown profile 'stedy' "
        "(hint: did you mean 'steady'?)\n"
    )
    assert not (workdir / "scenario-reports").exists()


def test_every_problem_of_every_plan_of_a_file_is_reported_at_once(workdir: Path) -> None:
    text = OK_TOML + (
        '[[plans]]\nname = "q"\n'
        '[[plans.steps]]\ntype = "publish"\ntopic = "o"\npayload = "{{who}}"\n'
        '[[plans]]\nname = "r"\n[[plans.steps]]\ntype = "replay"\npath = "gone.jsonl"\n'
    )
    write_files({"three.toml": text}, workdir)
    result = invoke(["play", "three.toml"])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "error: 2 problems:",
        ("  - three.toml:plans[1].steps[0].payload: unknown template variable 'who'; known: "
         "cycle, index, seed, time, timestamp (hint: define it with .vars(...) or --var "
         "name=value; a publish step also knows index, cycle, time, timestamp, seed)"),
        ("  - three.toml:plans[2].steps[0].path: no such file 'gone.jsonl' "
         "(hint: give the events.jsonl of an earlier run)"),
    ]
    assert not (workdir / "scenario-reports").exists()


def test_a_template_error_is_found_once_the_bus_is_fixed(workdir: Path) -> None:
    text = OK_TOML + '[[plans.steps]]\ntype = "publish"\ntopic = "o"\npayload = "{{who}}"\n'
    write_files({"plan.toml": text}, workdir)
    result = invoke(["check", "plan.toml"])
    assert result.exit_code == 2
    assert result.output.splitlines()[0] == (
        "error: plan.toml:plans[0].steps[1].payload: unknown template variable 'who'; known: "
        "cycle, index, seed, time, timestamp (hint: define it with .vars(...) or --var "
        "name=value; a publish step also knows index, cycle, time, timestamp, seed)"
    )
    assert invoke(["check", "plan.toml", "--var", "who=me"]).exit_code == 0


def test_a_system_that_fails_to_start_is_that_runs_error(workdir: Path) -> None:
    write_files({
        "boom_system.py": "class Boom:\n    def __init__(self, bus):\n"
                          "        raise RuntimeError('cannot open the order book')\n",
        "pb.py": HEADER + "s = (Scenario('s').system('boom_system:Boom')\n"
                 "     .generator('counter', topic='t').phase('p', cycles=2))\n",
    }, workdir)
    result = invoke(["play", "pb.py"])
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output
    assert ("step system 'boom_system:Boom': error - system boom_system:Boom failed to start: "
            "RuntimeError: cannot open the order book") in result.output
    report = json.loads((workdir / "scenario-reports" / "s" / "latest" / "report.json").read_text())
    assert report["status"] == "error"
    assert [s["status"] for s in report["steps"]] == ["error", "skipped"]
