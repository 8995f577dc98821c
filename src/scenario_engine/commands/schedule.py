"""``scenario schedule``: add, list, enable, disable, remove and trigger scheduled runs,
and ``schedule run``, the foreground scheduler that fires them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import click

from scenario_engine.commands._common import DurationType, run_command

__all__ = ["schedule"]

DEFAULT_STORE = Path(".scenario") / "schedules.db"


def _store(ctx: click.Context) -> Any:
    from scenario_engine.commands._config import project_config
    from scenario_engine.schedule.store import ScheduleStore

    given = ctx.find_object(dict) or {}
    path = given.get("store") or project_config().schedule_store or DEFAULT_STORE
    return ScheduleStore(Path(path))


@click.group("schedule")
@click.option(
    "--store",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"The schedule store (SQLite). Default: [tool.scenario] schedule_store, "
    f"SCENARIO_SCHEDULE_STORE, or {DEFAULT_STORE}.",
)
@click.pass_context
def schedule(ctx: click.Context, store: Path | None) -> None:
    """Scheduled runs of playbooks, plans and folders: `scenario schedule run` fires them."""
    obj = ctx.ensure_object(dict)
    if store is not None:
        obj["store"] = store


@schedule.command("add")
@click.argument("name")
@click.argument("path", type=click.Path(exists=True))
@click.argument("play_args", nargs=-1, type=click.UNPROCESSED)
@click.option("--once", "once", metavar="AT", help="Once, at this time (ISO 8601, UTC).")
@click.option("--in", "delay", type=DurationType(), help="Once, this long from now.")
@click.option("--every", "every", type=DurationType(), help="Periodically, this far apart.")
@click.option("--cron", "cron", metavar="EXPR", help="By a cron expression: '0 2 * * *'.")
@click.option("--tz", metavar="ZONE", help="Time zone of --cron (default UTC).")
@click.option("--max", "max_runs", type=click.IntRange(min=1), help="Stop after N runs.")
@click.pass_context
@run_command
def add(
    ctx: click.Context,
    name: str,
    path: str,
    play_args: tuple[str, ...],
    once: str | None,
    delay: float | None,
    every: float | None,
    cron: str | None,
    tz: str | None,
    max_runs: int | None,
) -> None:
    """Schedule `scenario play PATH [PLAY_ARGS]` (give play's own options after --)."""
    from scenario_engine.errors import UsageError
    from scenario_engine.schedule.store import Schedule
    from scenario_engine.schedule.timing import Timing, cron_iter, iso, parse_at

    given = [
        flag
        for flag, value in (("--once", once), ("--in", delay), ("--every", every), ("--cron", cron))
        if value is not None
    ]
    if len(given) != 1:
        raise UsageError(
            f"give one of --once, --in, --every, --cron (got {given or 'none'})",
            hint="scenario schedule add nightly playbooks/ --cron '0 2 * * *'",
        )
    if tz is not None and cron is None:
        raise UsageError("--tz applies to --cron only")
    now = time.time()
    if every is not None and every <= 0:
        raise UsageError(f"--every must be > 0 (got {every:g}s)")
    if once is not None:
        timing = Timing("once", at=parse_at(once, now))
        if timing.at is not None and timing.at <= now:
            raise UsageError(f"--once {once!r} is in the past ({iso(timing.at)})")
    elif delay is not None:
        timing = Timing("once", at=now + delay)
    elif every is not None:
        timing = Timing("every", interval=every)
    else:
        assert cron is not None
        cron_iter(cron, now, tz)  # checks the expression and the zone now, not at firing
        timing = Timing("cron", cron=cron, tz=tz)
    if max_runs is not None and timing.kind == "once":
        raise UsageError("--max applies to --every and --cron")
    store = _store(ctx)
    entry = Schedule(
        name=name,
        path=path,
        cwd=str(Path.cwd()),
        args=play_args,
        timing=timing,
        max_runs=max_runs,
        enabled=True,
        created=now,
        next_due=timing.first(now),
        runs=0,
    )
    store.add(entry)
    click.echo(f"added {name}: {timing.describe()}, next at {iso(entry.next_due or now)}")


@schedule.command("list")
@click.pass_context
@run_command
def list_schedules(ctx: click.Context) -> None:
    """The schedules: when each fires next, its runs, its last outcome."""
    from scenario_engine.schedule.timing import iso

    store = _store(ctx)
    rows = []
    last = {f.name: f for f in store.firings()}
    for s in store.all():
        runs = f"{s.runs}" + (f"/{s.max_runs}" if s.max_runs else "")
        nxt = iso(s.next_due) if s.next_due is not None else "done"
        latest = last.get(s.name)
        rows.append(
            (
                s.name,
                "on" if s.enabled else "off",
                s.timing.describe(),
                nxt,
                runs,
                latest.status if latest else "-",
                s.path,
            )
        )
    if not rows:
        click.echo("no schedule (add one: scenario schedule add NAME PATH --every 1h)")
        return
    head = ("NAME", "ENABLED", "WHEN", "NEXT", "RUNS", "LAST", "PATH")
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    for row in [head, *rows]:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


def _toggle(ctx: click.Context, name: str, enabled: bool) -> None:
    _store(ctx).set_enabled(name, enabled)
    click.echo(f"{'enabled' if enabled else 'disabled'} {name}")


@schedule.command("enable")
@click.argument("name")
@click.pass_context
@run_command
def enable(ctx: click.Context, name: str) -> None:
    """Fire NAME again when due."""
    _toggle(ctx, name, True)


@schedule.command("disable")
@click.argument("name")
@click.pass_context
@run_command
def disable(ctx: click.Context, name: str) -> None:
    """Keep NAME, but do not fire it."""
    _toggle(ctx, name, False)


@schedule.command("remove")
@click.argument("name")
@click.pass_context
@run_command
def remove(ctx: click.Context, name: str) -> None:
    """Forget NAME (its history stays)."""
    _store(ctx).remove(name)
    click.echo(f"removed {name}")


@schedule.command("trigger")
@click.argument("name")
@click.pass_context
@run_command
def trigger(ctx: click.Context, name: str) -> None:
    """Run NAME now, in the foreground (its next due time is unchanged)."""
    import subprocess

    from scenario_engine.schedule.scheduler import play_command

    store = _store(ctx)
    entry = store.get(name)
    firing = store.record(name, None, "running", started=time.time(), detail="triggered")
    code = subprocess.run(play_command(entry), cwd=entry.cwd, check=False).returncode
    status = {0: "passed", 1: "failed", 130: "interrupted"}.get(code, "error")
    store.finish(firing, status, code, "triggered by hand")
    click.echo(f"triggered {name}: {status} (exit {code})")
    if code:
        ctx.exit(code)


@schedule.command("history")
@click.argument("name", required=False)
@click.pass_context
@run_command
def history(ctx: click.Context, name: str | None) -> None:
    """Every firing (or missed one), oldest first."""
    from scenario_engine.schedule.timing import iso

    for f in _store(ctx).firings(name):
        due = iso(f.due) if f.due is not None else "by hand"
        click.echo(
            f"{f.name}  due {due}  {f.status}"
            + (f" (exit {f.exit_code})" if f.exit_code is not None else "")
            + (f"  {f.detail}" if f.detail else "")
        )


@schedule.command("run")
@click.option("--for", "duration", type=DurationType(), help="Stop after this long.")
@click.option(
    "--until-idle", is_flag=True, help="Stop once no schedule has a firing left and nothing runs."
)
@click.option(
    "--grace",
    type=DurationType(),
    default=1.0,
    show_default=True,
    help="A firing later than this is reported missed, not run late.",
)
@click.option("--catch-up", is_flag=True, help="Run the latest missed firing of each schedule.")
@click.pass_context
@run_command
def run(
    ctx: click.Context, duration: float | None, until_idle: bool, grace: float, catch_up: bool
) -> None:
    """The scheduler, in the foreground: fires due schedules until stopped (Ctrl-C waits
    for the runs going on). Missed firings are reported; the store survives restarts."""
    from scenario_engine.schedule.scheduler import Scheduler

    store = _store(ctx)
    scheduler = Scheduler(
        store, logs=store.path.parent / "logs", grace=grace, catch_up=catch_up, echo=click.echo
    )
    click.echo(f"scheduler: {len(store.all())} schedule(s) in {store.path}")
    scheduler.run(duration=duration, until_idle=until_idle)
