"""Scheduling with real short intervals and real ``scenario play`` processes; cron
arithmetic checked against croniter; restarts and missed firings."""

from __future__ import annotations

import datetime as dt
import itertools
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from croniter import croniter

from scenario_engine.cli import main
from scenario_engine.schedule.store import ScheduleStore
from scenario_engine.schedule.timing import Timing

BOOK = """
from scenario_engine import Count, Scenario

tick = (Scenario("tick").generator("counter", topic="t").phase("p", cycles=2)
        .expect(Count("t", exact=2)))
"""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "tick_book.py").write_text(textwrap.dedent(BOOK))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def sched(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["schedule", "--store", "s.db", *args])
    return result.exit_code, result.output


def firings(here: Path, name: str | None = None) -> list:
    store = ScheduleStore(here / "s.db")
    try:
        return store.firings(name)
    finally:
        store.close()


def test_a_one_second_schedule_fires_three_times(here: Path) -> None:
    code, output = sched(
        "add", "tick", "tick_book.py", "--every", "1s", "--max", "3", "--", "--report-dir", "out"
    )
    assert code == 0, output
    code, output = sched("run", "--until-idle")
    assert code == 0, output
    fired = firings(here)
    assert [f.status for f in fired] == ["passed", "passed", "passed"]
    dues = [f.due for f in fired]
    assert [round(b - a, 6) for a, b in itertools.pairwise(dues)] == [1.0, 1.0]
    assert all(f.started >= f.due for f in fired)  # never early
    assert output.count("fired: tick") == 3
    code, output = sched("list")
    assert "every 1s" in output
    assert "done" in output
    assert "3/3" in output
    assert (here / "out" / "report.json").is_file()  # play's own options reached the run


@pytest.mark.parametrize(
    ("expression", "tz"),
    [
        ("0 2 * * *", None),
        ("*/15 * * * *", None),
        ("30 9 * * 1-5", "Europe/Paris"),
        ("0 0 1 * *", "America/New_York"),
        ("0 3 * * *", "Europe/Paris"),  # across the spring DST change below
    ],
)
def test_cron_arithmetic_is_croniters(expression: str, tz: str | None) -> None:
    start = dt.datetime(2026, 3, 27, 12, 0, tzinfo=dt.UTC).timestamp()
    timing = Timing("cron", cron=expression, tz=tz)
    zone = dt.UTC if tz is None else __import__("zoneinfo").ZoneInfo(tz)
    reference = croniter(expression, dt.datetime.fromtimestamp(start, zone))
    ours = timing.first(start)
    for _ in range(6):
        assert ours == reference.get_next(float)
        ours = timing.following(ours)


def test_cron_schedules_are_stored_with_their_next_firing(here: Path) -> None:
    before = time.time()
    code, output = sched("add", "nightly", "tick_book.py", "--cron", "0 2 * * *")
    assert code == 0, output
    [entry] = ScheduleStore(here / "s.db").all()
    expected = croniter("0 2 * * *", dt.datetime.fromtimestamp(before, dt.UTC)).get_next(float)
    assert entry.next_due == expected


def test_schedules_survive_a_scheduler_restart(here: Path) -> None:
    sched("add", "tick", "tick_book.py", "--every", "1s", "--max", "3")
    code, output = sched("run", "--for", "1.5s", "--grace", "10s")
    assert code == 0, output
    first = firings(here)
    assert 1 <= len(first) < 3
    code, output = sched("run", "--until-idle", "--grace", "10s")  # a new scheduler process
    assert code == 0, output
    fired = firings(here)
    assert [f.status for f in fired] == ["passed"] * 3
    assert len({f.due for f in fired}) == 3  # no firing twice
    assert ScheduleStore(here / "s.db").get("tick").runs == 3


def test_a_firing_missed_while_the_scheduler_was_down_is_reported(here: Path) -> None:
    sched("add", "later", "tick_book.py", "--in", "500ms")
    time.sleep(2)  # no scheduler meanwhile
    code, output = sched("run", "--for", "200ms")
    assert code == 0, output
    [missed] = firings(here)
    assert missed.status == "missed"
    assert missed.detail.startswith("missed 1 firing(s) due ")
    assert missed.detail.endswith(": the scheduler was not running")
    assert f"missed: later: {missed.detail}" in output
    assert ScheduleStore(here / "s.db").get("later").next_due is None


def test_catch_up_runs_the_missed_firing_once(here: Path) -> None:
    sched("add", "later", "tick_book.py", "--in", "500ms")
    time.sleep(2)
    code, output = sched("run", "--until-idle", "--catch-up")
    assert code == 0, output
    assert [f.status for f in firings(here)] == ["missed", "passed"]


def test_disabled_schedules_do_not_fire_and_trigger_runs_now(here: Path) -> None:
    sched("add", "tick", "tick_book.py", "--every", "200ms")
    assert sched("disable", "tick") == (0, "disabled tick\n")
    code, _ = sched("run", "--for", "700ms")
    assert firings(here) == []
    code, output = sched("trigger", "tick")
    assert code == 0, output
    assert output.endswith("triggered tick: passed (exit 0)\n")
    [manual] = firings(here)
    assert (manual.due, manual.status, manual.detail) == (None, "passed", "triggered by hand")
    assert sched("enable", "tick") == (0, "enabled tick\n")
    assert sched("remove", "tick") == (0, "removed tick\n")
    assert sched("list") == (
        0,
        "no schedule (add one: scenario schedule add NAME PATH --every 1h)\n",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--every", "1s", "--cron", "* * * * *"],
            "error: give one of --once, --in, --every, --cron (got ['--every', '--cron'])",
        ),
        (["--cron", "61 * * * *"], "error: --cron '61 * * * *': "),
        (
            ["--cron", "0 2 * * *", "--tz", "Mars/Olympus"],
            "error: --tz 'Mars/Olympus': no such time zone",
        ),
        (["--once", "2001-01-01T00:00:00Z"], "error: --once '2001-01-01T00:00:00Z' is in the past"),
        (["--in", "1s", "--max", "2"], "error: --max applies to --every and --cron"),
    ],
)
def test_bad_schedules_are_usage_errors(here: Path, args: list[str], message: str) -> None:
    code, output = sched("add", "x", "tick_book.py", *args)
    assert code == 2
    assert output.startswith(message), output


def test_names_are_unique_and_unknown_names_are_listed(here: Path) -> None:
    sched("add", "a", "tick_book.py", "--every", "1h")
    code, output = sched("add", "a", "tick_book.py", "--every", "1h")
    assert (code, output) == (
        2,
        (
            "error: a schedule named 'a' exists already\n"
            "  hint: scenario schedule remove a, or choose another name\n"
        ),
    )
    code, output = sched("enable", "b")
    assert (code, output) == (
        2,
        "error: no schedule named 'b' (schedules: a)\n  hint: scenario schedule list\n",
    )
