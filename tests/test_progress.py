"""Live progress of ``scenario play``: on a real pseudo-terminal, through a pipe, with -q, -qq.

The terminal tests run ``python -m scenario_engine.cli play`` in a child process whose
standard streams are a pseudo-terminal, read everything it writes, and feed it to a
terminal emulator (pyte) to see what the person at the terminal is left with.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import pyte
import pytest
from click.testing import CliRunner

from scenario_engine import Count, Delay, Drop, Never, Scenario
from scenario_engine.cli import main
from scenario_engine.report.progress import Snapshot
from scenario_engine.runtime import progress as run_progress
from scenario_engine.runtime.interpreter import Run
from scenario_engine.runtime.options import RunOptions
from scenario_engine.testing.servers import BrokerServer, started_server

REPO = Path(__file__).resolve().parents[1]
QUICKSTART = REPO / "playbooks" / "quickstart.py"
FAILING = REPO / "playbooks" / "failing_on_purpose.py"
TOUR = REPO / "playbooks" / "chaos_tour.py"
COLUMNS, ROWS = 160, 60

#: two wall-clock scenarios of about two seconds and one: a tick every 20 ms, some dropped,
#: one assertion failing early (index 4 is never dropped with this seed)
WALL = """
from scenario_engine import Count, Drop, Never, Scenario

ticking = (
    Scenario("ticking", seed=1)
    .clock("wall")
    .generator("counter", topic="tick", every="20ms")
    .phase("warm", duration="1s")
    .phase("busy", duration="1s")
    .chaos(Drop("tick", probability=0.2))
    .expect(Count("tick", min=1))
    .expect(Never("tick", where={"index": 4}))
)
tocking = (
    Scenario("tocking", seed=2)
    .clock("wall")
    .generator("counter", topic="tock", every="50ms")
    .phase("only", duration="1s")
    .expect(Count("tock", min=1))
)
"""

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def normalise(text: str) -> str:
    """Hide what differs from run to run: wall times, rates, clock times of a wall clock,
    run folder names."""
    text = re.sub(r"\S+ clock time in \d+\.\d+s, [\d,.]+ events/s",
                  "<T> clock time in <W>, <R> events/s", text)
    text = re.sub(r"publish rate: [\d,.]+/s", "publish rate: <R>/s", text)
    text = re.sub(r"\bt=\d+\.\d+s", "t=<t>", text)
    text = re.sub(r" at \d+\.\d+s", " at <t>", text)
    return re.sub(r"/\d{8}T\d{6}Z(-\d+)?-seed", "/<stamp>-seed", text)


def in_terminal(
    args: list[str], cwd: Path, *, interrupt_when: str | None = None
) -> tuple[int, str, list[str]]:
    """Run ``scenario ARGS`` on a pseudo-terminal: its exit code, everything it wrote, and
    the screen it leaves (trailing blank lines dropped). ``interrupt_when``: send SIGINT once
    the output shows this text."""
    primary, secondary = os.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS)}
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "scenario_engine.cli", *args],
        stdin=secondary, stdout=secondary, stderr=secondary, cwd=cwd, env=env,
    )
    os.close(secondary)
    raw = b""
    deadline = time.monotonic() + 120
    interrupted = interrupt_when is None
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([primary], [], [], 0.2)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(primary, 1 << 16)
            except OSError:  # the child closed its side: everything was read
                break
            if not chunk:
                break
            raw += chunk
            if not interrupted and interrupt_when in ANSI.sub("", raw.decode(errors="replace")):
                process.send_signal(signal.SIGINT)
                interrupted = True
    finally:
        os.close(primary)
        code = process.wait(timeout=60)
    text = raw.decode()
    screen = pyte.Screen(COLUMNS, ROWS)
    pyte.Stream(screen).feed(text)
    lines = [line.rstrip() for line in screen.display]
    while lines and not lines[-1]:
        lines.pop()
    return code, text, lines


@pytest.fixture
def wall_playbook(tmp_path: Path) -> Path:
    path = tmp_path / "wall.py"
    path.write_text(WALL)
    return path


def _summary(playbook: Path) -> list[str]:
    return [
        ("FAIL ticking (seed 1, memory://, wall clock): 81 events delivered, 19 dropped, "
        "<T> clock time in <W>, <R> events/s"),
        "  publish rate: <R>/s achieved (100 events published by the engine)",
        "  FAIL Never('tick', where={'index': 4}) at <t>",
        "       expected: no 'tick' events where index == 4",
        "       actual:   saw 'tick' at t=<t>",
        "         #5 t=<t> tick {'index': 4, 'value': 4}",
        "  assertions: 1/2 held",
        "  chaos: Drop('tick', probability=0.2) x19",
        "  report: out/ticking/<stamp>-seed1",
        ("PASS tocking (seed 2, memory://, wall clock): 20 events delivered, 0 dropped, "
        "<T> clock time in <W>, <R> events/s"),
        "  publish rate: <R>/s achieved (20 events published by the engine)",
        "  assertions: 1/1 held",
        "  report: out/tocking/<stamp>-seed2",
        "1 passed, 1 failed (2 of 2 scenario(s) run)",
        f"replay ticking: scenario play {playbook} -k ticking --seed 1",
    ]


# --------------------------------------------------------------------------- a terminal


def test_a_terminal_shows_the_live_status_and_is_left_with_the_summary(
    wall_playbook: Path,
) -> None:
    code, raw, screen = in_terminal(
        ["play", str(wall_playbook), "--report-dir", "out"], wall_playbook.parent
    )
    assert code == 1, raw
    shown = ANSI.sub("", raw)
    # the live line: scenario, step, clock and wall time, events/s, events so far
    assert re.search(
        r"ticking: phase warm \(1/2\) \| wall clock \d+\.\ds \| wall \d+\.\ds "
        r"\| [\d,.]+ events/s \| [\d,]+ events?", shown
    ), shown
    assert "ticking: phase busy (2/2) | wall clock" in shown
    assert "tocking: phase only (1/1) | wall clock" in shown
    # chaos applied so far, the assertion already failing, the bar of scenarios done
    assert re.search(r"chaos: Drop\('tick', probability=0\.2\) x\d+", shown)
    assert re.search(r"failing: Never\('tick', where=\{'index': 4\}\) at \d+\.\d{3}s", shown)
    assert "0/2 scenarios done" in shown
    assert "1/2 scenarios done, 1 failed" in shown
    # colours on a terminal
    assert "\x1b[1;31mFAIL\x1b[0m ticking" in raw
    # the live area leaves no trace: the screen holds the summaries and nothing else
    assert [normalise(line) for line in screen] == _summary(wall_playbook)


def test_quiet_on_a_terminal_prints_only_the_summary(wall_playbook: Path) -> None:
    code, raw, screen = in_terminal(
        ["-q", "play", str(wall_playbook), "--report-dir", "out"], wall_playbook.parent
    )
    assert code == 1, raw
    assert "events/s |" not in raw
    assert "scenarios done" not in raw
    assert [normalise(line) for line in screen] == _summary(wall_playbook)


def test_ctrl_c_on_a_terminal_ends_the_live_area_and_prints_the_partial_summary(
    tmp_path: Path,
) -> None:
    playbook = tmp_path / "endless.py"
    playbook.write_text(
        "from scenario_engine import Count, Scenario\n"
        "endless = (Scenario('endless', seed=1).clock('wall')\n"
        "           .generator('counter', topic='tick', every='10ms')\n"
        "           .phase('long', duration='10m')\n"
        "           .expect(Count('tick', min=1)))\n"
    )
    code, raw, screen = in_terminal(
        ["play", str(playbook), "--report-dir", "out"], tmp_path,
        interrupt_when="endless: phase long (1/1)",
    )
    assert code == 130, raw
    assert "Traceback" not in raw
    shown = [normalise(line) for line in screen]
    assert re.fullmatch(
        r"INTERRUPTED endless \(seed 1, memory://, wall clock\): \d+ events? delivered, "
        r"0 dropped, <T> clock time in <W>, <R> events/s", shown[0]
    ), shown
    # the publish rate is there once the engine has published twice: it depends on when
    rest = [line for line in shown[1:] if not line.startswith("  publish rate: <R>/s achieved")]
    assert rest == [
        "  report: out/endless/<stamp>-seed1",
        "0 passed, 1 failed (1 of 1 scenario(s) run)",
        f"replay endless: scenario play {playbook} -k endless --seed 1",
    ]
    assert not any("endless: phase long" in line for line in screen)


@pytest.fixture(params=["redis", "nats"])
def broker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BrokerServer]:
    yield from started_server(request.param, tmp_path)


@pytest.mark.integration
def test_a_terminal_shows_the_progress_of_a_run_on_a_real_broker(
    broker: BrokerServer, tmp_path: Path
) -> None:
    playbook = tmp_path / "paced.py"
    playbook.write_text(
        "from scenario_engine import Count, Scenario\n"
        "paced = (Scenario('paced', seed=3)\n"
        "         .generator('counter', topic='pulse', every='20ms')\n"
        "         .phase('steady', duration='1500ms')\n"
        "         .expect(Count('pulse', exact=75)))\n"
    )
    code, raw, screen = in_terminal(
        ["play", str(playbook), "--bus", broker.url, "--report-dir", "out"], tmp_path
    )
    assert code == 0, raw
    assert "paced: phase steady (1/1) | wall clock" in ANSI.sub("", raw)
    assert [normalise(line) for line in screen] == [
        (f"PASS paced (seed 3, {broker.url}, wall clock): 75 events delivered, 0 dropped, "
        "<T> clock time in <W>, <R> events/s"),
        "  publish rate: <R>/s achieved (75 events published by the engine)",
        "  assertions: 1/1 held",
        "  report: out/paced/<stamp>-seed3",
        "1 passed, 0 failed (1 of 1 scenario(s) run)",
    ]


# --------------------------------------------------------------------------- a pipe


def test_a_pipe_gets_only_the_summary_and_no_control_sequences(wall_playbook: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scenario_engine.cli", "play", str(wall_playbook),
         "--report-dir", "out"],
        cwd=wall_playbook.parent, capture_output=True, text=True, check=False,
        env={**os.environ, "TERM": "xterm-256color"},
    )
    assert done.returncode == 1, done.stderr
    assert "\x1b" not in done.stdout
    assert "\r" not in done.stdout
    assert normalise(done.stdout).splitlines() == _summary(wall_playbook)
    assert done.stderr == ""


def test_a_pipe_never_imports_rich(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "scenario_engine.cli", "play",
         str(QUICKSTART), "--report-dir", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    imported = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:") and "|" in line}
    assert "scenario_engine.runtime.interpreter" in imported
    assert sorted(m for m in imported if m.startswith(("rich", "scenario_engine.report.live"))) \
        == []


# --------------------------------------------------------------------------- -q and -qq


def _play(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, normalise(result.output)


FAILING_SUMMARY = """\
FAIL slow-fills (seed 7, memory://, virtual clock): 15 events delivered, 0 dropped, \
<T> clock time in <W>, <R> events/s
  FAIL Within('OrderPlaced', 'OrderFilled', ms=200, by='orderId') at <t>
       expected: every 'OrderPlaced' followed by 'OrderFilled' within 200ms with the same orderId
       actual:   'OrderFilled' came 300ms after 'OrderPlaced' for orderId='o-1'
         #8 t=<t> OrderPlaced {'orderId': 'o-1', 'quantity': 1}
         #9 t=<t> OrderFilled {'orderId': 'o-1', 'quantity': 1, 'price': 100.0}
       latency:  4 pairs: p50 0ms, p95 300ms, p99 300ms, max 300ms; 2 late
  assertions: 1/2 held
  chaos: Delay('OrderFilled', ms=300, every=2) x2
  report: {out}/slow-fills/<stamp>-seed7
"""

PASSING_SUMMARY = """\
PASS quickstart (seed 42, memory://, virtual clock): 30 events delivered, 0 dropped, \
<T> clock time in <W>, <R> events/s
  ok   Within('OrderPlaced', 'OrderFilled', ms=200, by='orderId'): 5 pairs: p50 0ms, p95 0ms, \
p99 0ms, max 0ms
  assertions: 5/5 held
  report: {out}/quickstart/<stamp>-seed42
"""


def test_quiet_prints_every_summary_the_totals_and_the_replay_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = _play("-q", "play", str(QUICKSTART), str(FAILING), "--report-dir", str(out))
    assert code == 1
    assert output == (
        PASSING_SUMMARY.replace("{out}", str(out))
        + FAILING_SUMMARY.replace("{out}", str(out))
        + "1 passed, 1 failed (2 of 2 scenario(s) run)\n"
        + f"replay slow-fills: scenario play {FAILING} -k slow-fills --seed 7\n"
    )


def test_very_quiet_prints_only_what_failed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = _play("-qq", "play", str(QUICKSTART), str(FAILING), "--report-dir", str(out))
    assert code == 1
    assert output == (
        FAILING_SUMMARY.replace("{out}", str(out))
        + f"replay slow-fills: scenario play {FAILING} -k slow-fills --seed 7\n"
    )


def test_very_quiet_prints_nothing_when_everything_passed(tmp_path: Path) -> None:
    code, output = _play("-qq", "play", str(QUICKSTART), "--report-dir", str(tmp_path))
    assert (code, output) == (0, "")
    assert (tmp_path / "quickstart" / "latest" / "report.json").is_file()


# --------------------------------------------------------------------------- the snapshots


class Collect:
    def __init__(self) -> None:
        self.snapshots: list[Snapshot] = []

    def on_progress(self, snapshot: Snapshot) -> None:
        self.snapshots.append(snapshot)


def test_snapshots_follow_the_run_and_change_nothing_in_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no interval to wait for, a snapshot comes every 64th delivered event."""
    monkeypatch.setattr(run_progress.ProgressTracker, "INTERVAL", 0.0)
    drop = Drop("tick", probability=0.1, at_cycle=(100, 199))
    scenario = (
        Scenario("watched", seed=5)
        .generator("counter", topic="tick", every="1s")
        .phase("calm", cycles=100)
        .phase("storm", cycles=100)
        .chaos(drop)
        .chaos(Delay("tick", ms=1500, at_cycle=(150, 160)))
        .expect(Never("tick", where={"index": 120}))
        .expect(Count("tick", min=1))
    )
    plan = scenario.build()
    collect = Collect()
    watched = Run(plan, RunOptions(report_dir=tmp_path / "a", progress=collect)).execute()
    plain = Run(plan, RunOptions(report_dir=tmp_path / "b")).execute()

    def log(base: Path) -> bytes:
        return (base / "watched" / "latest" / "events.jsonl").read_bytes()

    assert log(tmp_path / "a") == log(tmp_path / "b")
    assert watched.events_recorded == plain.events_recorded
    snapshots = collect.snapshots
    assert len(snapshots) == watched.events_recorded // 64
    assert [s.events for s in snapshots] == [64 * (i + 1) for i in range(len(snapshots))]
    assert {(s.scenario, s.clock, s.steps) for s in snapshots} == {("watched", "virtual", 2)}
    steps = [(s.step_number, s.step) for s in snapshots]
    assert sorted(set(steps)) == [(1, "phase calm"), (2, "phase storm")]
    assert steps == sorted(steps)
    clock = [s.clock_time for s in snapshots]
    assert clock == sorted(clock)
    calm = [s for s in snapshots if s.step == "phase calm"]
    assert all(s.chaos == () and s.failing == () for s in calm)
    storm = [s for s in snapshots if s.step == "phase storm"]
    label = "Drop('tick', probability=0.1, at_cycle=(100, 199))"
    drops = [dict(s.chaos).get(label, 0) for s in storm]
    assert drops == sorted(drops)
    assert drops[-1] > 0
    failing = [s.failing for s in storm if s.failing]
    assert failing[0] == ("Never('tick', where={'index': 120}) at 120.000s",)


class Broken:
    def __init__(self) -> None:
        self.calls = 0

    def on_progress(self, snapshot: Snapshot) -> None:
        self.calls += 1
        raise OSError("the terminal is gone")


def test_a_failing_display_is_switched_off_and_the_run_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from scenario_engine.testing import capture_log

    monkeypatch.setattr(run_progress.ProgressTracker, "INTERVAL", 0.0)
    plan = (
        Scenario("shown", seed=1)
        .generator("counter", topic="t", every="1s")
        .phase("p", cycles=300)
        .expect(Count("t", exact=300))
        .build()
    )
    broken = Broken()
    with capture_log("scenario_engine") as log:
        result = Run(plan, RunOptions(progress=broken)).execute()
    assert result.passed, result.error
    assert broken.calls == 1
    assert [m for m in log if "progress" in m] == [
        "the progress display failed and is switched off: OSError: the terminal is gone {}\n"
    ]


def test_no_observer_no_tracker() -> None:
    plan = Scenario("bare", seed=1).generator("counter", topic="t").phase("p", cycles=3).build()
    run = Run(plan, RunOptions())
    assert run.progress is None
    assert run.meter is None  # a virtual clock keeps its rate by construction
    result = run.execute()
    assert (result.published, result.publish_rate) == (None, None)


def test_a_wall_clock_run_counts_what_the_engine_published() -> None:
    plan = (
        Scenario("paced", seed=1)
        .clock("wall", speed=50)
        .generator("counter", topic="t", every="1s")
        .phase("p", cycles=20)
        .publish("one.more", {"n": 1}, repeat=3, interval="1s")
        .build()
    )
    result = Run(plan, RunOptions(settle=0.0)).execute()
    assert result.published == 23
    assert result.publish_rate is not None
    assert result.publish_rate > 0


# --------------------------------------------------------------------------- the drawing


def test_the_live_area_draws_the_snapshot_the_chaos_the_failures_and_the_suite_bar() -> None:
    import io

    from rich.console import Console

    from scenario_engine.report.live import LiveProgress

    file = io.StringIO()
    console = Console(file=file, width=120, color_system=None, force_terminal=False)
    live = LiveProgress(3, console=console)
    live.done, live.failed = 1, 1
    live.snapshot = Snapshot(
        scenario="flash", step="phase crash", step_number=2, steps=4, clock="virtual",
        clock_time=12.04, wall_time=3.06, events=12345, events_per_s=4321.4,
        chaos=(("Drop('*', probability=0.01)", 3),),
        failing=("Within('a', 'b', ms=200) at 4.300s",),
    )
    console.print(live.render())
    *lines, bar = file.getvalue().splitlines()
    assert lines == [
        ("flash: phase crash (2/4) | virtual clock 12.0s | wall 3.1s | 4,321 events/s "
        "| 12,345 events"),
        "  chaos: Drop('*', probability=0.01) x3",
        "  failing: Within('a', 'b', ms=200) at 4.300s",
    ]
    # a third of a 30-wide bar, then the count
    assert bar.startswith("━" * 10 + " ")
    assert bar.endswith(" 1/3 scenarios done, 1 failed")
    assert len(bar) == 31 + len("1/3 scenarios done, 1 failed")


def test_one_scenario_has_no_suite_bar_and_a_long_line_is_cut_to_the_width() -> None:
    import io

    from rich.console import Console

    from scenario_engine.report.live import LiveProgress

    file = io.StringIO()
    console = Console(file=file, width=40, color_system=None, force_terminal=False)
    live = LiveProgress(1, console=console)
    live.snapshot = Snapshot(
        scenario="slow", step="starting", step_number=0, steps=3, clock="wall",
        clock_time=0.0, wall_time=0.0, events=1, events_per_s=0.0,
    )
    console.print(live.render())
    assert file.getvalue().splitlines() == ["slow: starting | wall clock 0.0s | wall…"]


def test_runs_until_stopped_are_counted_without_a_bar() -> None:
    import io

    from rich.console import Console

    from scenario_engine.report.live import LiveProgress

    file = io.StringIO()
    console = Console(file=file, width=80, color_system=None, force_terminal=False)
    live = LiveProgress(None, console=console)
    live.done, live.failed = 7, 2
    console.print(live.render())
    assert file.getvalue() == "7 scenario runs done, 2 failed\n"


def test_the_summary_gives_events_per_second_and_the_publish_rate_of_a_wall_clock_run(
) -> None:
    from scenario_engine.report.console import render_summary
    from scenario_engine.report.model import RunResult

    result = RunResult(
        name="paced", seed=1, status="passed", bus="redis://localhost:6379/0", clock="wall",
        events_recorded=180, virtual_duration=2.5, wall_duration=2.0,
        published=100, publish_rate=49.84,
    )
    assert render_summary(result).splitlines() == [
        ("PASS paced (seed 1, redis://localhost:6379/0, wall clock): 180 events delivered, "
        "0 dropped, 2.5s clock time in 2.00s, 90.0 events/s"),
        "  publish rate: 49.8/s achieved (100 events published by the engine)",
    ]
    fast = attrs.evolve(result, clock="virtual", events_recorded=200_000, published=None,
                        publish_rate=None)
    assert render_summary(fast).splitlines() == [
        ("PASS paced (seed 1, redis://localhost:6379/0, virtual clock): 200000 events "
        "delivered, 0 dropped, 2.5s clock time in 2.00s, 100,000 events/s"),
    ]
