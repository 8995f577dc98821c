"""``scenario replay`` (loop, speed, chaos, pause and resume by signal) and ``scenario diff``."""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from scenario_engine import Count, Drop, Scenario
from scenario_engine.cli import main
from scenario_engine.dsl.spec import SpecError
from scenario_engine.plan.codec import dumps, loads
from scenario_engine.testing import read_events, run


def recording(tmp_path: Path, cycles: int = 10, every: str = "1s") -> Path:
    made = run(
        Scenario("rec", seed=1).generator("counter", topic="order.new", every=every)
        .generator("counter", topic="price", every=every)
        .phase("p", cycles=cycles),
        report_dir=tmp_path / "rec",
    )
    return Path(made.events_path or "")


def test_the_replay_step_loops(tmp_path: Path) -> None:
    log = recording(tmp_path, cycles=4)
    looped = Scenario("looped").replay(str(log), topics="order.*", loop=3)
    result = run(looped.expect(Count("order.new", exact=12)), report_dir=tmp_path / "l")
    assert result.passed, [a.explain() for a in result.failures]
    times = [e["t"] for e in read_events(Path(result.events_path or ""))]
    # three passes of 0, 1, 2, 3 s, one mean gap (1 s) apart
    assert times == [float(t) for t in range(12)]
    assert result.steps[0].message == "replayed 4 event(s) x3"
    plan = looped.build()
    for fmt in ("toml", "json"):
        assert loads(dumps([plan], fmt), fmt) == [plan]
    with pytest.raises(SpecError, match=r"loop must be an integer >= 1 \(got 0\)"):
        Scenario("x").replay(str(log), loop=0)


def test_replay_command_loops_filters_and_runs_far_faster_than_real_time(tmp_path: Path) -> None:
    log = recording(tmp_path, cycles=1000)
    result = CliRunner().invoke(
        main,
        ["replay", str(log), "--loop", "3", "--topics", "order.*", "--report-dir",
         str(tmp_path / "out")],
    )
    assert result.exit_code == 0, result.output
    last = result.output.splitlines()[-1]
    match = re.fullmatch(
        r"replayed 3000 event\(s\) \(3 passes\) in [\d.]+s: 2999\.000s of clock time, "
        r"([\d,]+)x real time",
        last,
    )
    assert match, last
    [log_out] = (tmp_path / "out").rglob("events.jsonl")
    events = read_events(log_out)
    assert len(events) == 3000
    assert {e["topic"] for e in events} == {"order.new"}
    assert {e["source"] for e in events} == {"replay"}


def test_replay_through_a_chaos_playbook(tmp_path: Path) -> None:
    log = recording(tmp_path, cycles=100)
    chaos = tmp_path / "net.py"
    chaos.write_text(
        "from scenario_engine import ChaosPlaybook, Drop\n"
        "lossy = ChaosPlaybook('lossy').chaos(Drop('price', every=4))\n"
    )
    result = CliRunner().invoke(
        main,
        ["replay", str(log), "--speed", "max", "--chaos", f"{chaos}:lossy",
         "--report-dir", str(tmp_path / "out")],
    )
    assert result.exit_code == 0, result.output
    assert "chaos: Drop('price', every=4) x25" in result.output
    missing = CliRunner().invoke(main, ["replay", str(log), "--chaos", f"{chaos}:nope"])
    assert missing.exit_code == 2
    assert missing.output.splitlines()[-2:] == [
        f"error: {chaos} has no ChaosPlaybook or Scenario named 'nope'",
        "  hint: name a module-level ChaosPlaybook('NAME') or Scenario('NAME') of that file",
    ]
    bad = CliRunner().invoke(main, ["replay", str(log), "--speed", "fast"])
    assert bad.exit_code == 2
    assert "expected a number > 0 or 'max' (got 'fast')" in bad.output


def _lines(directory: Path) -> int:
    logs = list(directory.rglob("events.jsonl"))
    return len(logs[0].read_bytes().splitlines()) if logs else 0


def test_sigusr1_pauses_and_sigusr2_resumes_with_a_status_line(tmp_path: Path) -> None:
    log = recording(tmp_path, cycles=60, every="50ms")
    out_dir = tmp_path / "out"
    err_path = tmp_path / "replay.err"
    with err_path.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "scenario_engine.cli", "replay", str(log), "--clock", "wall",
             "--report-dir", str(out_dir)],
            stdout=subprocess.PIPE, stderr=err, env=dict(os.environ),
        )
        try:
            deadline = time.monotonic() + 60
            while _lines(out_dir) < 10 and time.monotonic() < deadline:
                time.sleep(0.01)
            process.send_signal(signal.SIGUSR1)
            while "paused:" not in err_path.read_text() and time.monotonic() < deadline:
                time.sleep(0.01)
            held = _lines(out_dir)
            time.sleep(1.5)
            assert _lines(out_dir) == held  # nothing goes out while paused
            process.send_signal(signal.SIGUSR2)
            out, _ = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
    assert process.returncode == 0, err_path.read_text()
    status = err_path.read_text().splitlines()
    paused = [line for line in status if line.startswith("paused: ")]
    resumed = [line for line in status if line.startswith("resumed after ")]
    assert len(paused) == 1
    assert len(resumed) == 1
    assert re.fullmatch(
        r"paused: (\d+)/120 events replayed, clock [\d.]+s \(SIGUSR2 resumes\)", paused[0]
    )
    assert re.fullmatch(r"resumed after [\d.]+s: \d+/120 events replayed, clock [\d.]+s",
                        resumed[0])
    assert b"replayed 120 event(s) (1 pass)" in out
    # the clock stood still while paused: the replayed times keep the recorded spacing
    [replayed] = out_dir.rglob("events.jsonl")
    times = [e["t"] for e in read_events(replayed)]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps) < 1.0  # paused for 1.5 s


def two_runs(tmp_path: Path) -> tuple[Path, Path]:
    def lossy(seed: int) -> Scenario:
        return (
            Scenario("lossy", seed=seed)
            .generator("counter", topic="tick", every="1s")
            .phase("p", cycles=50)
            .chaos(Drop("tick", probability=0.1))
            .expect(Count("tick", min=46))
        )

    a = run(lossy(2), report_dir=tmp_path / "a")  # drops cycles 3, 5, 6, 8, ...: fails
    b = run(lossy(6), report_dir=tmp_path / "b")  # drops cycles 4, 8, 20: passes
    return Path(a.report_dir or ""), Path(b.report_dir or "")


def test_diff_of_two_seeds_names_the_first_divergent_event(tmp_path: Path) -> None:
    a, b = two_runs(tmp_path)
    result = CliRunner().invoke(main, ["diff", str(a), str(b), "--context", "1"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    drop = "Drop('tick', probability=0.1)"
    assert lines[2:5] == [
        "verdicts:",
        "  run: failed -> passed",
        "  Count('tick', min=46): FAILED -> passed",
    ]
    at = lines.index("first divergence at event 4:")
    assert lines[at + 1 :] == [
        '  = #3 t=2.000s cycle 2 tick [engine] {"index":2,"value":2}',
        f'  A #4 t=3.000s cycle 3 tick DROPPED [engine] {{"index":3,"value":3}} <- {drop}',
        '  B #4 t=3.000s cycle 3 tick [engine] {"index":3,"value":3}',
    ]
    assert "events per topic (A -> B):" in lines
    assert "chaos applications (A -> B):" in lines
    same = CliRunner().invoke(main, ["diff", str(a), str(a / "events.jsonl")])
    assert same.exit_code == 0, same.output
    assert same.output.splitlines()[-1] == "no difference"
    nowhere = CliRunner().invoke(main, ["diff", str(a), str(tmp_path / "nowhere")])
    assert nowhere.exit_code == 2
    assert f"error: {tmp_path / 'nowhere'}: no events.jsonl there" in nowhere.output
