"""``scenario play`` end to end: through click's runner and through a real process."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from scenario_engine.cli import main
from scenario_engine.testing import read_events

REPO = Path(__file__).resolve().parents[1]
QUICKSTART = REPO / "playbooks" / "quickstart.py"
FAILING = REPO / "playbooks" / "failing_on_purpose.py"

LONG_WALL_RUN = """
from scenario_engine import Count, Scenario

endless = (Scenario("endless", seed=1).clock("wall", speed=20)
           .generator("counter", topic="tick", every="100ms")
           .phase("long", cycles=100000)
           .expect(Count("tick", min=1)))
"""


def play(*args: str, report_dir: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["play", *args, "--report-dir", str(report_dir)])
    return result.exit_code, result.output


def test_a_passing_playbook_exits_0_and_writes_its_report(tmp_path: Path) -> None:
    code, output = play(str(QUICKSTART), report_dir=tmp_path)
    assert code == 0, output
    assert "PASS quickstart" in output
    assert output.rstrip().endswith("1 passed, 0 failed (1 of 1 scenario(s) run)")
    report = orjson.loads((tmp_path / "quickstart" / "latest" / "report.json").read_bytes())
    assert report["status"] == "passed"
    assert report["topics"]["OrderFilled"] == 5
    assert [a["passed"] for a in report["assertions"]] == [True] * 5


def test_a_failing_run_ends_with_the_command_that_replays_it(tmp_path: Path) -> None:
    code, output = play(str(FAILING), "--seed", "7", report_dir=tmp_path)
    assert code == 1
    assert output.splitlines()[-1] == (
        f"replay slow-fills: scenario play {FAILING} -k slow-fills --seed 7"
    )
    assert "expected: every 'OrderPlaced' followed by 'OrderFilled' within 200ms" in output


def test_seed_and_var_overrides_reach_the_run(tmp_path: Path) -> None:
    code, output = play(str(QUICKSTART), "--seed", "5", "--var", "user=bob", report_dir=tmp_path)
    assert code == 0, output
    events = read_events(tmp_path / "quickstart" / "latest" / "events.jsonl")
    users = {e["payload"]["user"] for e in events if e["topic"] == "order.request"}
    assert users == {"bob"}
    report = orjson.loads((tmp_path / "quickstart" / "latest" / "report.json").read_bytes())
    assert report["seed"] == 5


def test_dry_run_prints_the_schedule_and_delivers_nothing(tmp_path: Path) -> None:
    code, output = play(str(REPO / "playbooks" / "chaos_tour.py"), "--dry-run", report_dir=tmp_path)
    assert code == 0, output
    lines = output.splitlines()
    assert lines[0] == "dry run of 'chaos-tour' (seed 3): the first 20 events"
    assert "t=   0.000s cycle 0    dropped {'index': 0, 'value': 0}" in lines[1]
    assert not list(tmp_path.rglob("events.jsonl"))


def test_the_wall_clock_runs_in_real_time_scaled_by_speed(tmp_path: Path) -> None:
    playbook = tmp_path / "wall.py"
    playbook.write_text(
        "from scenario_engine import Count, Scenario\n"
        "wall = (Scenario('wall', seed=1).generator('counter', topic='t', every='1s')"
        ".phase('p', cycles=4).expect(Count('t', exact=4)))\n"
    )
    code, output = play(
        str(playbook),
        "--clock",
        "wall",
        "--speed",
        "5",  # 0.2 s of real time a tick: a loaded machine is late by less than half a tick
        "--settle",
        "0s",
        report_dir=tmp_path / "out",
    )
    assert code == 0, output
    report = orjson.loads((tmp_path / "out" / "wall" / "latest" / "report.json").read_bytes())
    assert report["clock"] == "wall"
    assert report["virtual_duration"] >= 4.0
    times = [e["t"] for e in read_events(tmp_path / "out" / "wall" / "latest" / "events.jsonl")]
    assert [round(t) for t in times] == [0, 1, 2, 3]


def test_an_unknown_bus_scheme_is_a_usage_error(tmp_path: Path) -> None:
    code, output = play(str(QUICKSTART), "--bus", "kafka://localhost:9092", report_dir=tmp_path)
    assert code == 2
    assert "unknown bus 'kafka'" in output
    assert "Traceback" not in output


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupt_exits_130_and_keeps_a_partial_report(signum: int, tmp_path: Path) -> None:
    playbook = tmp_path / "endless.py"
    playbook.write_text(LONG_WALL_RUN)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scenario_engine.cli",
            "play",
            str(playbook),
            "--report-dir",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
    )
    log = out / "endless" / "latest" / "events.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (log.exists() and log.stat().st_size > 500):
        time.sleep(0.05)
    process.send_signal(signum)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert "INTERRUPTED endless" in output
    assert "Traceback" not in output
    report = orjson.loads((out / "endless" / "latest" / "report.json").read_bytes())
    assert report["status"] == "interrupted"
    events = read_events(log)
    assert len(events) >= 5
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
