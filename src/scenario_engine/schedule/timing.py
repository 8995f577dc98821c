"""When a schedule fires: once at a time, every interval, or by a cron expression.

Cron arithmetic is croniter's (an optional dependency, imported only for
cron schedules); expressions are read in UTC unless a time zone is given.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from scenario_engine.errors import UsageError

__all__ = ["Timing", "cron_iter", "parse_at"]

KINDS = ("once", "every", "cron")


def cron_iter(expression: str, start: float, tz: str | None = None) -> Any:
    """croniter over ``expression`` from epoch ``start`` (exclusive)."""
    try:
        from croniter import croniter
    except ImportError:
        raise UsageError(
            "--cron needs the croniter library",
            hint="pip install 'scenario-engine[schedule]'",
        ) from None
    zone: dt.tzinfo = dt.UTC
    if tz:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(f"--tz {tz!r}: no such time zone", hint="--tz Europe/Paris") from None
    try:
        return croniter(expression, dt.datetime.fromtimestamp(start, zone))
    except (ValueError, KeyError) as err:
        raise UsageError(
            f"--cron {expression!r}: {err}",
            hint="five fields: minute hour day-of-month month day-of-week, e.g. '0 2 * * *'",
        ) from None


def parse_at(text: str, now: float) -> float:
    """``--once AT``: an ISO 8601 time (UTC when it has no offset), or HH:MM today/tomorrow."""
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            clock = dt.time.fromisoformat(text)
        except ValueError:
            raise UsageError(
                f"--once {text!r}: not a time",
                hint="an ISO 8601 time such as 2026-12-24T18:00:00Z, or 18:00 (UTC)",
            ) from None
        today = dt.datetime.fromtimestamp(now, dt.UTC).date()
        when = dt.datetime.combine(today, clock, dt.UTC)
        if when.timestamp() <= now:
            when += dt.timedelta(days=1)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


@attrs.frozen
class Timing:
    """``kind`` once (``at``), every (``interval`` seconds) or cron (``cron``, ``tz``)."""

    kind: str
    at: float | None = None
    interval: float | None = None
    cron: str | None = None
    tz: str | None = None

    def first(self, now: float) -> float:
        """The first firing after a schedule is added at ``now``."""
        if self.kind == "once":
            assert self.at is not None
            return self.at
        return self.after(now)

    def after(self, time: float) -> float:
        """The next firing strictly after ``time`` (for once: none, as infinity)."""
        if self.kind == "every":
            assert self.interval is not None
            return time + self.interval
        if self.kind == "cron":
            assert self.cron is not None
            return float(cron_iter(self.cron, time, self.tz).get_next(float))
        return float("inf")

    def following(self, due: float) -> float | None:
        """The firing after the one due at ``due`` (fixed rate: every = due + interval)."""
        nxt = self.after(due)
        return None if nxt == float("inf") else nxt

    def describe(self) -> str:
        if self.kind == "once":
            assert self.at is not None
            return f"once at {iso(self.at)}"
        if self.kind == "every":
            from scenario_engine.durations import format_duration

            assert self.interval is not None
            return f"every {format_duration(self.interval)}"
        return f"cron {self.cron!r}" + (f" ({self.tz})" if self.tz else " (UTC)")


def iso(epoch: float) -> str:
    """A time as people read it in a table: ISO 8601 UTC to the second."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
