"""The foreground scheduler: fires due schedules as ``scenario play`` processes, records
every firing in the store, and reports firings it missed while it was not running.

A firing's due time moves on in the store *before* its process starts, so a
scheduler killed at any moment never fires the same time twice after a
restart. Firings may overlap, as cron jobs do: each run has its own folder.
A firing later than ``grace`` seconds (the scheduler was down, or the
machine slept) is not run late: it is recorded and reported as missed,
unless ``catch_up`` runs the most recent missed firing once.
"""

from __future__ import annotations

import math
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import attrs

from scenario_engine.schedule.store import Schedule, ScheduleStore
from scenario_engine.schedule.timing import iso

__all__ = ["Scheduler", "play_command"]

Echo = Callable[[str], None]
#: the most missed firings counted one by one (beyond, cron schedules are only said to be many)
_MAX_COUNT = 100_000


def play_command(schedule: Schedule) -> list[str]:
    return [sys.executable, "-m", "scenario_engine.cli", "play", schedule.path, *schedule.args]


@attrs.define
class _Running:
    firing: int
    name: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]


class Scheduler:
    """Fires the schedules of ``store``; :meth:`run` loops until stopped."""

    def __init__(
        self,
        store: ScheduleStore,
        *,
        logs: Path,
        grace: float = 1.0,
        tick: float = 0.05,
        catch_up: bool = False,
        echo: Echo = print,
    ) -> None:
        self.store = store
        self.logs = logs
        self.grace = grace
        self.tick = tick
        self.catch_up = catch_up
        self.echo = echo
        self.running: dict[int, _Running] = {}

    # ------------------------------------------------------------------ missed firings

    def _missed(self, schedule: Schedule, now: float) -> None:
        """Record the firings of ``schedule`` that were due more than ``grace`` ago."""
        timing, due = schedule.timing, schedule.next_due
        assert due is not None
        limit = now - self.grace
        if timing.kind == "every":
            assert timing.interval is not None
            count = math.floor((limit - due) / timing.interval) + 1
            last = due + (count - 1) * timing.interval
            upcoming: float | None = last + timing.interval
        else:
            count, last, upcoming = 0, due, due
            while upcoming is not None and upcoming < limit and count < _MAX_COUNT:
                count, last = count + 1, upcoming
                upcoming = timing.following(upcoming)
        when = f"due {iso(due)}" if count == 1 else f"due {iso(due)} to {iso(last)}"
        detail = f"missed {count} firing(s) {when}: the scheduler was not running"
        self.store.record(schedule.name, due, "missed", detail=detail)
        self.echo(f"missed: {schedule.name}: {detail}")
        if self.catch_up:
            self.echo(f"catch-up: {schedule.name} runs its firing due {iso(last)} now")
            self._fire(schedule, last, upcoming, now)
        else:
            self.store.advance(schedule.name, upcoming, ran=False)

    # ------------------------------------------------------------------ firing

    def _fire(self, schedule: Schedule, due: float, upcoming: float | None, now: float) -> None:
        runs = schedule.runs + 1
        if schedule.max_runs is not None and runs >= schedule.max_runs:
            upcoming = None
        self.store.advance(schedule.name, upcoming, ran=True)  # before it starts: never twice
        firing = self.store.record(schedule.name, due, "running", started=now)
        self.logs.mkdir(parents=True, exist_ok=True)
        log = (self.logs / f"{schedule.name}-{firing}.log").open("wb")
        try:
            process = subprocess.Popen(
                play_command(schedule), cwd=schedule.cwd, stdout=log, stderr=subprocess.STDOUT
            )
        except OSError as err:
            log.close()
            self.store.finish(firing, "error", None, f"cannot start: {err}")
            self.echo(f"error: {schedule.name}: cannot start scenario play: {err}")
            return
        self.running[firing] = _Running(firing, schedule.name, process, log)
        self.echo(f"fired: {schedule.name} (due {iso(due)}, run {runs})")

    def _reap(self) -> None:
        for firing, running in list(self.running.items()):
            code = running.process.poll()
            if code is None:
                continue
            running.log.close()
            status = {0: "passed", 1: "failed", 130: "interrupted"}.get(code, "error")
            if code < 0:
                status = "interrupted"
            self.store.finish(running.firing, status, code, f"scenario play exited {code}")
            self.echo(f"done: {running.name}: {status} (exit {code})")
            del self.running[firing]

    def step(self, now: float) -> None:
        """One pass: collect finished firings, then fire (or report missed) what is due."""
        self._reap()
        for schedule in self.store.all():
            due = schedule.next_due
            if not schedule.enabled or due is None or due > now:
                continue
            if now - due > self.grace:
                self._missed(schedule, now)
            else:
                self._fire(schedule, due, schedule.timing.following(due), now)

    def idle(self) -> bool:
        """Nothing running and nothing left to fire."""
        return not self.running and not any(
            s.enabled and s.next_due is not None for s in self.store.all()
        )

    # ------------------------------------------------------------------ the loop

    def run(self, *, duration: float | None = None, until_idle: bool = False) -> None:
        """Fire schedules until ``duration`` has passed, everything is done (``until_idle``),
        or Ctrl-C; then wait for the firings still running."""
        for firing in self.store.lost():
            self.echo(
                f"lost: {firing.name}: the scheduler stopped while its run (due "
                f"{iso(firing.due or 0)}) was going"
            )
        start = time.time()
        try:
            while True:
                now = time.time()
                self.step(now)
                if duration is not None and now - start >= duration:
                    break
                if until_idle and self.idle():
                    break
                time.sleep(self.tick)
        finally:
            for running in self.running.values():
                running.process.wait()
            self._reap()
