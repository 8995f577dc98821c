"""The schedule store: one SQLite file holding the schedules and the history of their
firings, so a scheduler restarted later knows what was due and what it missed."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import attrs

from scenario_engine.errors import UsageError
from scenario_engine.schedule.timing import Timing

__all__ = ["Firing", "Schedule", "ScheduleStore"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schedules (
    name TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    cwd TEXT NOT NULL,
    args TEXT NOT NULL,
    kind TEXT NOT NULL,
    at REAL, interval REAL, cron TEXT, tz TEXT,
    max_runs INTEGER,
    enabled INTEGER NOT NULL DEFAULT 1,
    created REAL NOT NULL,
    next_due REAL,
    runs INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS firings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    due REAL,
    started REAL,
    ended REAL,
    status TEXT NOT NULL,
    exit_code INTEGER,
    detail TEXT NOT NULL DEFAULT ''
);
"""


@attrs.frozen
class Schedule:
    """A schedule as stored: what to play (``path`` with ``args``, from ``cwd``) and when."""

    name: str
    path: str
    cwd: str
    args: tuple[str, ...]
    timing: Timing
    max_runs: int | None
    enabled: bool
    created: float
    next_due: float | None
    runs: int


@attrs.frozen
class Firing:
    """One firing (or a missed one): ``status`` running, passed, failed, error, missed,
    interrupted or lost (the scheduler stopped while it ran)."""

    id: int
    name: str
    due: float | None
    started: float | None
    ended: float | None
    status: str
    exit_code: int | None
    detail: str


def _schedule(row: sqlite3.Row) -> Schedule:
    return Schedule(
        name=row["name"],
        path=row["path"],
        cwd=row["cwd"],
        args=tuple(json.loads(row["args"])),
        timing=Timing(row["kind"], row["at"], row["interval"], row["cron"], row["tz"]),
        max_runs=row["max_runs"],
        enabled=bool(row["enabled"]),
        created=row["created"],
        next_due=row["next_due"],
        runs=row["runs"],
    )


class ScheduleStore:
    """Schedules and firings in the SQLite file at ``path`` (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=10, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    # ------------------------------------------------------------------ schedules

    def add(self, schedule: Schedule) -> None:
        t = schedule.timing
        try:
            self._db.execute(
                "INSERT INTO schedules (name, path, cwd, args, kind, at, interval, cron, tz, "
                "max_runs, enabled, created, next_due, runs) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    schedule.name,
                    schedule.path,
                    schedule.cwd,
                    json.dumps(list(schedule.args)),
                    t.kind,
                    t.at,
                    t.interval,
                    t.cron,
                    t.tz,
                    schedule.max_runs,
                    int(schedule.enabled),
                    schedule.created,
                    schedule.next_due,
                    schedule.runs,
                ),
            )
        except sqlite3.IntegrityError:
            raise UsageError(
                f"a schedule named {schedule.name!r} exists already",
                hint=f"scenario schedule remove {schedule.name}, or choose another name",
            ) from None

    def get(self, name: str) -> Schedule:
        row = self._db.execute("SELECT * FROM schedules WHERE name = ?", (name,)).fetchone()
        if row is None:
            known = ", ".join(s.name for s in self.all()) or "none"
            raise UsageError(
                f"no schedule named {name!r} (schedules: {known})", hint="scenario schedule list"
            )
        return _schedule(row)

    def all(self) -> list[Schedule]:
        rows = self._db.execute("SELECT * FROM schedules ORDER BY name").fetchall()
        return [_schedule(r) for r in rows]

    def remove(self, name: str) -> None:
        self.get(name)
        self._db.execute("DELETE FROM schedules WHERE name = ?", (name,))

    def set_enabled(self, name: str, enabled: bool) -> None:
        self.get(name)
        self._db.execute("UPDATE schedules SET enabled = ? WHERE name = ?", (int(enabled), name))

    def advance(self, name: str, next_due: float | None, *, ran: bool) -> None:
        """Move a schedule to its next firing (None: no more), counting a run if ``ran``."""
        self._db.execute(
            "UPDATE schedules SET next_due = ?, runs = runs + ? WHERE name = ?",
            (next_due, int(ran), name),
        )

    # ------------------------------------------------------------------ firings

    def record(
        self,
        name: str,
        due: float | None,
        status: str,
        *,
        started: float | None = None,
        ended: float | None = None,
        exit_code: int | None = None,
        detail: str = "",
    ) -> int:
        cursor = self._db.execute(
            "INSERT INTO firings (name, due, started, ended, status, exit_code, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (name, due, started, ended, status, exit_code, detail),
        )
        return int(cursor.lastrowid or 0)

    def finish(self, firing: int, status: str, exit_code: int | None, detail: str = "") -> None:
        self._db.execute(
            "UPDATE firings SET status = ?, exit_code = ?, ended = ?, detail = ? WHERE id = ?",
            (status, exit_code, time.time(), detail, firing),
        )

    def firings(self, name: str | None = None) -> list[Firing]:
        query = "SELECT * FROM firings"
        params: tuple[str, ...] = ()
        if name is not None:
            query, params = query + " WHERE name = ?", (name,)
        rows = self._db.execute(query + " ORDER BY id", params).fetchall()
        return [Firing(**dict(r)) for r in rows]

    def lost(self) -> Iterator[Firing]:
        """Firings left ``running`` by a scheduler that stopped: now ``lost``."""
        for firing in self.firings():
            if firing.status == "running":
                self.finish(firing.id, "lost", None, "the scheduler stopped while it ran")
                yield firing
