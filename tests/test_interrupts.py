"""Nothing recorded is lost: double Ctrl-C, SIGKILL on the virtual clock, sys.exit in user code.

Real processes, real signals. The timings in these tests pace the signals;
no test asserts how long anything took.
"""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from scenario_engine import Count, Custom, Scenario
from scenario_engine.testing import read_events, run

REPO = Path(__file__).resolve().parents[1]

#: a virtual-clock run that lasts until it is stopped: the system under test paces it
PACED_RUN = """
import os
import struct
import time

from scenario_engine import Count, Scenario


class Witness:
    \"\"\"Sleeps PACE seconds per event, then writes how many it has seen (8 bytes, one pwrite):
    the truth about what the system had seen, whatever kills the process.\"\"\"

    def __init__(self, bus):
        self.fd = os.open(os.environ["SEEN_FILE"], os.O_RDWR | os.O_CREAT)
        self.pace = float(os.environ["PACE"])
        self.n = 0
        bus.subscribe("tick", self.seen)

    def seen(self, event):
        time.sleep(self.pace)
        self.n += 1
        os.pwrite(self.fd, struct.pack("<Q", self.n), 0)


paced = Scenario("paced", seed=1)
if os.environ.get("CLOCK") == "wall":
    paced = paced.clock("wall", speed=1000)
paced = (
    paced
    .system(Witness)
    .generator("counter", topic="tick", every="1s")
    .phase("long", cycles=10_000_000)
    .expect(Count("tick", min=1))
)
"""


def _start(
    tmp_path: Path, pace: float, clock: str = "virtual"
) -> tuple[subprocess.Popen[str], Path, Path]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    playbook = tmp_path / "paced.py"
    playbook.write_text(PACED_RUN)
    seen = tmp_path / "seen.bin"
    seen.write_bytes(bytes(8))
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "scenario_engine.cli", "play", str(playbook),
         "--report-dir", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
        env={**os.environ, "SEEN_FILE": str(seen), "PACE": repr(pace), "CLOCK": clock},
    )
    return process, seen, out / "paced" / "latest"


def _seen(path: Path) -> int:
    return int(struct.unpack("<Q", path.read_bytes()[:8])[0])


def _wait_for(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:g}s for {what}")
        time.sleep(0.02)


def _complete_lines(log: Path) -> int:
    return log.read_bytes().count(b"\n")


def _signal_twice(pid: int, gap: float) -> None:
    os.kill(pid, signal.SIGINT)
    until = time.perf_counter() + gap
    while time.perf_counter() < until:  # busy-wait: sleep() is too coarse for half a millisecond
        pass
    os.kill(pid, signal.SIGINT)


@pytest.mark.parametrize("clock", ["virtual", "wall"])
@pytest.mark.parametrize("gap", [0.0005, 0.005], ids=["0.5ms", "5ms"])
def test_a_second_ctrl_c_during_shutdown_still_leaves_the_report(
    gap: float, clock: str, tmp_path: Path
):
    process, seen, run_dir = _start(tmp_path, pace=0.0002, clock=clock)
    _wait_for(lambda: _seen(seen) > 200, "the run to get going")
    _signal_twice(process.pid, gap)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert "Traceback" not in output
    assert f"INTERRUPTED paced (seed 1, memory://, {clock} clock)" in output
    report = orjson.loads((run_dir / "report.json").read_bytes())
    assert report["status"] == "interrupted"
    assert report["exit_code"] == 130
    lines = read_events(run_dir / "events.jsonl")
    assert report["events_recorded"] <= len(lines)
    assert [e["seq"] for e in lines] == list(range(1, len(lines) + 1))


def test_after_sigint_the_counts_never_exceed_the_log(tmp_path: Path):
    """Interrupted at any point, the report counts no line the log lacks."""
    for attempt in range(3):
        process, seen, run_dir = _start(tmp_path / str(attempt), pace=0.0001)
        least = 100 * (attempt + 1)
        _wait_for(lambda seen=seen, least=least: _seen(seen) > least, "the run to get going")
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 130, output
        report = orjson.loads((run_dir / "report.json").read_bytes())
        lines = _complete_lines(run_dir / "events.jsonl")
        counted = report["events_recorded"] + report["events_dropped"] + report["events_held"]
        assert report["events_recorded"] <= lines
        assert lines - 1 <= counted <= lines


def test_sigkill_on_the_virtual_clock_loses_at_most_a_tenth_of_a_second(tmp_path: Path):
    """The log reaches the OS at least every 0.1 s of wall time, also when the virtual clock
    never waits: a SIGKILL loses at most what 0.1 s delivers (measured here, in the same run)."""
    process, seen, run_dir = _start(tmp_path, pace=0.002)
    log = run_dir / "events.jsonl"
    _wait_for(lambda: _seen(seen) > 50, "the run to get going")
    first, started = _seen(seen), time.perf_counter()
    time.sleep(1.0)
    last, ended = _seen(seen), time.perf_counter()
    rate = (last - first) / (ended - started)  # events a second the system saw
    process.kill()
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    truth = _seen(seen)
    on_disk = _complete_lines(log)
    lost = max(0, truth - on_disk)
    # 64 KiB of lines (the write buffer) is ~500 of these events: without the timed flush a
    # kill loses up to that many, far more than 0.1 s delivers at this pace
    assert rate * 0.1 < 100, f"the pace is too fast to tell ({rate:.0f} events/s)"
    assert lost <= rate * 0.1 + 1, f"lost {lost} lines; 0.1 s delivers {rate * 0.1:.1f}"


def test_sys_exit_in_a_custom_assertion_fails_that_check_and_writes_the_report(tmp_path):
    def leaves(events):
        sys.exit(3)

    scenario = (
        Scenario("exits", seed=1)
        .generator("counter", topic="tick", every="1s")
        .phase("run", cycles=3)
        .expect(Custom(leaves, name="leaves"))
        .expect(Count("tick", exact=3))
    )
    result = run(scenario, report_dir=tmp_path)
    assert result.status == "failed"
    [failed] = result.failures
    assert failed.actual == (
        "called sys.exit(3); a check returns or raises AssertionError instead of exiting"
    )
    report = orjson.loads((tmp_path / "exits" / "latest" / "report.json").read_bytes())
    assert report["status"] == "failed"
    assert report["exit_code"] == 1


def test_sys_exit_in_a_do_step_or_a_system_is_that_ones_error(tmp_path: Path):
    def step(ctx):
        sys.exit("bye")

    class Quitter:
        def __init__(self, bus):
            bus.subscribe("tick", self.on_tick)

        def on_tick(self, event):
            sys.exit(4)

    stepped = run(
        Scenario("exit-step", seed=1)
        .generator("counter", topic="tick", every="1s")
        .phase("a", cycles=2)
        .do(step, name="leave")
        .phase("b", cycles=2),
        report_dir=tmp_path,
    )
    assert stepped.status == "error"
    [error] = [s for s in stepped.steps if s.status == "error"]
    assert error.message == "do(leave) called sys.exit('bye')"
    assert stepped.topics["tick"] == 2  # a step that raised stops the scenario
    assert stepped.steps[-1].status == "skipped"
    assert (tmp_path / "exit-step" / "latest" / "report.json").exists()

    hosted = run(
        Scenario("exit-system", seed=1)
        .system(Quitter)
        .generator("counter", topic="tick", every="1s")
        .phase("a", cycles=2),
        report_dir=tmp_path,
    )
    assert hosted.status == "error"
    messages = [s.message for s in hosted.steps if s.kind == "system"]
    assert messages[0].startswith("system ")
    assert messages[0].endswith("raised SystemExit: 4 while handling #1 tick")
    assert (tmp_path / "exit-system" / "latest" / "report.json").exists()
