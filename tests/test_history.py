"""Run history: listing past runs and pruning them, failed runs kept longer."""

from __future__ import annotations

import calendar
import time
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from scenario_engine.cli import main
from scenario_engine.report.history import prune, runs

DAY = 86400


def stamp(epoch: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(epoch))


NOW = float(calendar.timegm((2026, 12, 1, 12, 0, 0, 0, 0, 0)))


def make_runs(
    base: Path, scenario: str, statuses: list[str], *, days_apart: float = 1
) -> list[Path]:
    """Runs of ``scenario``, oldest first, one every ``days_apart`` days up to NOW; latest
    names the newest."""
    folder = base / scenario
    folder.mkdir(parents=True)
    made = []
    for i, status in enumerate(statuses):
        when = NOW - (len(statuses) - 1 - i) * days_apart * DAY
        run = folder / f"{stamp(when)}-seed{i}"
        run.mkdir()
        report = {"name": scenario, "status": status, "seed": i, "events_recorded": 10 * i}
        (run / "report.json").write_bytes(orjson.dumps(report))
        made.append(run)
    (folder / "latest").symlink_to(made[-1].name)
    return made


def names(records: list) -> list[str]:
    return [r.path.name for r in records]


def test_runs_are_listed_newest_first_with_their_status(tmp_path: Path) -> None:
    made = make_runs(tmp_path, "flash", ["passed", "failed", "passed"])
    found = runs(tmp_path)
    assert names(found) == [p.name for p in reversed(made)]
    assert [(r.status, r.seed, r.events, r.latest) for r in found] == [
        ("passed", 2, 20, True),
        ("failed", 1, 10, False),
        ("passed", 0, 0, False),
    ]


def test_keep_n_prunes_old_passing_runs_and_keeps_failed_ones_three_times_longer(
    tmp_path: Path,
) -> None:
    # newest first: ranks 0..7
    statuses = ["failed", "failed", "passed", "passed", "failed", "passed", "passed", "passed"]
    made = make_runs(tmp_path, "s", statuses)
    gone = prune(tmp_path, keep=2, now=NOW)
    # keep=2: passing runs of rank >= 2 go; failed runs only from rank 6 (2 x 3)
    assert sorted(names(gone)) == sorted(
        p.name for p in (made[0], made[1], made[2], made[3], made[5])
    )
    assert [r.status for r in runs(tmp_path)] == ["passed", "passed", "failed"]


def test_keep_days_prunes_by_age_failed_runs_kept_three_times_longer(tmp_path: Path) -> None:
    made = make_runs(
        tmp_path, "s", ["failed", "passed", "failed", "passed", "passed"], days_apart=2
    )
    # ages in days: 8, 6, 4, 2, 0 ; keep_days=3 -> passing older than 3 go, failed older than 9
    gone = prune(tmp_path, keep_days=3, now=NOW)
    assert sorted(names(gone)) == sorted([made[1].name])
    gone = prune(tmp_path, keep_days=1, now=NOW)  # failed older than 3 days go now
    assert sorted(names(gone)) == sorted([made[0].name, made[2].name, made[3].name])


def test_the_latest_run_is_never_pruned(tmp_path: Path) -> None:
    made = make_runs(tmp_path, "s", ["passed", "passed"])
    assert names(prune(tmp_path, keep=1, now=NOW, dry_run=True)) == [made[0].name]
    (tmp_path / "s" / "latest").unlink()
    (tmp_path / "s" / "latest").write_text(made[0].name)  # a text-file link to the older one
    assert prune(tmp_path, keep=1, now=NOW) == []
    assert made[0].is_dir()
    assert made[1].is_dir()


def test_the_runs_command_lists_and_prunes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    make_runs(tmp_path / "reports", "flash", ["failed", "passed", "passed"])
    make_runs(tmp_path / "reports", "calm", ["passed"])
    runner = CliRunner()
    result = runner.invoke(main, ["runs", "--report-dir", "reports"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("calm  2026-12-01T12:00:00Z  passed     seed 0  0 events  ")
    assert lines[0].endswith("  <- latest")
    result = runner.invoke(main, ["runs", "flash", "--failed", "--report-dir", "reports"])
    assert result.output.startswith("flash  2026-11-29T12:00:00Z  failed     seed 0  0 events  ")
    result = runner.invoke(main, ["runs", "--keep", "1", "--dry-run", "--report-dir", "reports"])
    assert result.output.splitlines()[-1] == "would remove 1 run(s)"
    result = runner.invoke(main, ["runs", "--keep", "1", "--report-dir", "reports"])
    assert result.output.splitlines()[-1] == "removed 1 run(s)"
    assert len(runs(tmp_path / "reports")) == 3


def test_nothing_to_list(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["runs", "--report-dir", str(tmp_path / "none")])
    assert result.output == f"no runs under {tmp_path / 'none'}\n"


def test_play_keep_prunes_real_runs_and_keeps_failed_ones_longer(tmp_path: Path) -> None:
    import textwrap

    from scenario_engine.report import rundir

    book = tmp_path / "kept_book.py"
    book.write_text(
        textwrap.dedent("""
        from scenario_engine import Count, Scenario

        good = (Scenario("good").generator("counter", topic="t").phase("p", cycles=1)
                .expect(Count("t", exact=1)))
        bad = (Scenario("bad").generator("counter", topic="t").phase("p", cycles=1)
               .expect(Count("t", exact=2)))
    """)
    )
    out = tmp_path / "out"
    for _ in range(4):
        result = CliRunner().invoke(
            main, ["play", str(book), "--report-dir", str(out), "--keep", "1"]
        )
        assert result.exit_code == 1, result.output
    assert len(rundir.run_folders(out / "good")) == 1  # keep 1
    assert len(rundir.run_folders(out / "bad")) == 3  # failed: kept 3 x longer
    assert "pruned 2 old run(s) under" in result.output  # one good, the 4th bad
