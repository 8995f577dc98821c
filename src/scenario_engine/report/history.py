"""Run history under a report directory: listing past runs and pruning old ones.

The layout is :mod:`scenario_engine.report.rundir`'s:
``<report-dir>/<scenario>/<timestamp>-seed<N>/`` with a ``latest`` link per
scenario. Retention keeps the newest ``keep`` runs of a
scenario and those younger than ``keep_days``; a run that did not pass is
kept ``failed_factor`` times longer (by count and by age), because that is
the run someone will come back for. The run ``latest`` names is never pruned.
"""

from __future__ import annotations

import calendar
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import orjson

from scenario_engine.report import rundir

__all__ = ["RunRecord", "prune", "runs"]

#: the time stamp that starts a run folder's name
_STAMP = re.compile(r"^(\d{8}T\d{6}Z)-")
_DAY = 86400.0


@attrs.frozen
class RunRecord:
    """One past run, read from its folder and its ``report.json``."""

    scenario: str
    path: Path
    started: float
    status: str
    seed: int | None
    events: int | None
    latest: bool

    @property
    def passed(self) -> bool:
        return self.status == "passed"


def _started(path: Path) -> float:
    match = _STAMP.match(path.name)
    if match:
        return float(calendar.timegm(time.strptime(match.group(1), "%Y%m%dT%H%M%SZ")))
    return path.stat().st_mtime


def _written(path: Path) -> int:
    try:
        return (path / "report.json").stat().st_mtime_ns
    except OSError:
        return path.stat().st_mtime_ns


def _record(scenario: str, path: Path, latest: Path | None) -> RunRecord:
    try:
        report = orjson.loads((path / "report.json").read_bytes())
    except (OSError, orjson.JSONDecodeError):
        report = {}
    return RunRecord(
        scenario=str(report.get("name", scenario)),
        path=path,
        started=_started(path),
        status=str(report.get("status", "unknown")),
        seed=report.get("seed"),
        events=report.get("events_recorded"),
        latest=latest is not None and path.resolve() == latest,
    )


def _scenario_folders(report_dir: Path) -> Iterator[Path]:
    if not report_dir.is_dir():
        return
    for folder in sorted(report_dir.iterdir()):
        if folder.is_dir() and not folder.name.startswith("."):
            yield folder


def runs(report_dir: Path, scenario: str | None = None) -> list[RunRecord]:
    """Every past run under ``report_dir`` (of ``scenario`` only, if given), newest first
    within each scenario, scenarios in name order."""
    out: list[RunRecord] = []
    for folder in _scenario_folders(report_dir):
        newest = rundir.latest(folder)
        latest = newest.resolve() if newest is not None else None
        found = [_record(folder.name, p, latest) for p in rundir.run_folders(folder)]
        # runs of the same second: the folder last written to is the newer (a pruned
        # folder's name can come back, so names do not order them)
        found.sort(key=lambda r: (r.started, _written(r.path)), reverse=True)
        if scenario is not None:
            found = [r for r in found if scenario in (r.scenario, folder.name)]
        out += found
    return out


def _expired(
    record: RunRecord,
    rank: int,
    now: float,
    keep: int | None,
    keep_days: float | None,
    factor: float,
) -> bool:
    stretch = 1.0 if record.passed else factor
    if keep is not None and rank >= keep * stretch:
        return True
    return keep_days is not None and now - record.started > keep_days * stretch * _DAY


def prune(
    report_dir: Path,
    *,
    keep: int | None = None,
    keep_days: float | None = None,
    failed_factor: float = 3.0,
    now: float | None = None,
    dry_run: bool = False,
) -> list[RunRecord]:
    """Delete the runs retention no longer keeps; the ones deleted (or that would be)."""
    if keep is None and keep_days is None:
        return []
    now = time.time() if now is None else now
    gone: list[RunRecord] = []
    by_scenario: dict[Path, list[RunRecord]] = {}
    for record in runs(report_dir):
        by_scenario.setdefault(record.path.parent, []).append(record)
    for records in by_scenario.values():
        for rank, record in enumerate(records):  # newest first
            if record.latest or not _expired(record, rank, now, keep, keep_days, failed_factor):
                continue
            if not dry_run:
                shutil.rmtree(record.path, ignore_errors=True)
            gone.append(record)
    return gone
