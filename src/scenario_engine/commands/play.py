"""``scenario play``: run playbooks, plans and folders of them as a suite; print a
summary, write reports and event logs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import click

from scenario_engine.commands._arguments import SpeedType, check_bus_option, writable_folder
from scenario_engine.commands._common import (
    DurationType,
    run_command,
    select_option,
    trust_option,
    vars_option,
    verbosity,
)
from scenario_engine.commands._preflight import check_before_running

__all__ = ["play"]


if TYPE_CHECKING:  # click >= 8.2 types ParamType by what it converts to
    _IntType = click.ParamType[int]
else:
    _IntType = click.ParamType


class WorkersType(_IntType):
    """``-n auto`` (one per CPU) or a number of worker processes."""

    name = "auto|N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, int):
            return value
        if str(value).strip().lower() == "auto":
            from scenario_engine.suite.parallel import auto_workers

            return auto_workers()
        try:
            number = int(value)
        except ValueError:
            number = 0
        if number < 1:
            self.fail(f"expected 'auto' or a number >= 1 (got {value!r})", param, ctx)
        return number


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@select_option
@click.option(
    "-m", "marks", metavar="EXPR", help="Only scenarios whose tags match: 'smoke and not slow'."
)
@vars_option
@trust_option
@click.option(
    "--seed", type=click.IntRange(-(2**63), 2**63 - 1), help="Override every scenario's seed."
)
@click.option(
    "--bus", metavar="URL",
    help="Bus URL: memory://, redis://host:port/0, nats://host:port; ${VAR} in it is read "
    "from the environment (redis://app:${REDIS_PASSWORD}@host).",
)
@click.option(
    "--clock",
    type=click.Choice(["virtual", "wall"]),
    help="virtual (default on memory://) or wall (default on external buses).",
)
@click.option(
    "--speed",
    type=SpeedType(),
    help="Wall-clock speed multiplier (2 = twice as fast).",
)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("scenario-reports"),
    show_default=True,
    help="Where runs are written: DIR/<scenario>/<timestamp>-seed<N>/ (events.jsonl, "
    "report.json), with DIR/<scenario>/latest naming the newest; and the suite's "
    "report.json and junit.xml.",
)
@click.option(
    "--reporter",
    "reporters",
    multiple=True,
    metavar="NAME",
    help="Also render with these reporters (e.g. junit); see `scenario plugins`.",
)
@click.option(
    "--settle",
    type=DurationType(),
    default=0.5,
    show_default=True,
    help="Wall clock: how long to keep listening after the last step.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Validate and print the first events and the chaos that would fire; deliver nothing.",
)
@click.option("--fail-fast", is_flag=True, help="Stop at the first failure.")
@click.option(
    "--no-system",
    "no_system",
    is_flag=True,
    help="Do not start the playbook's in-process systems nor its services: they "
    "run elsewhere (`scenario host ... --bus URL`).",
)
@click.option(
    "--allow-services",
    is_flag=True,
    help="Start the programs a plan file's services name (a .py playbook's "
    "services start anyway: it is code you run knowingly).",
)
@click.option(
    "-n",
    "--jobs",
    "workers",
    type=WorkersType(),
    default=1,
    help="Run scenarios in this many worker processes ('auto': one per CPU).",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=0,
    help="Run a failing wall-clock scenario again up to N times; a pass after a "
    "retry is reported flaky.",
)
@click.option(
    "--retry-backoff",
    type=DurationType(),
    default=1.0,
    show_default=True,
    help="Wait before the first retry; doubled before each next one.",
)
@click.option(
    "--lf",
    "--last-failed",
    "last_failed",
    is_flag=True,
    help="Run only the scenarios that failed last time (all, if none did).",
)
@click.option(
    "--xfail",
    "xfail",
    multiple=True,
    metavar="NAME",
    help="Mark scenarios (names or globs) as expected to fail (repeatable).",
)
@click.option(
    "--ignore",
    "ignore",
    multiple=True,
    metavar="PATTERN",
    help="Skip files and folders matching this while collecting (repeatable).",
)
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    metavar="N",
    help="Afterwards, prune all but the newest N runs of each scenario (failed runs "
    "are kept longer; see also [tool.scenario] keep_days).",
)
@click.option(
    "--loop",
    type=click.IntRange(min=0),
    is_flag=False,
    flag_value=0,
    default=None,
    metavar="[N]",
    help="Play the scenarios again and again: N times, or until stopped when N is left out "
    "(iteration k uses seed + k). Put it after the paths.",
)
@click.option(
    "--loop-interval",
    type=DurationType(),
    default=0.0,
    help="With --loop: real time to wait between iterations (e.g. 10s).",
)
@click.option(
    "--junit-xml",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the suite's JUnit XML here (default: REPORT_DIR/junit.xml).",
)
@run_command
def play(
    paths: tuple[str, ...],
    select: str | None,
    marks: str | None,
    variables: tuple[tuple[str, str], ...],
    trust: tuple[str, ...],
    seed: int | None,
    bus: str | None,
    clock: str | None,
    speed: float | None,
    report_dir: Path,
    reporters: tuple[str, ...],
    settle: float,
    dry_run: bool,
    fail_fast: bool,
    no_system: bool,
    allow_services: bool,
    workers: int,
    retries: int,
    retry_backoff: float,
    last_failed: bool,
    xfail: tuple[str, ...],
    ignore: tuple[str, ...],
    junit_xml: Path | None,
    keep: int | None,
    loop: int | None,
    loop_interval: float,
) -> None:
    """Run every scenario in PATHS: .py playbooks, .toml/.json plans, and folders of
    them (collected recursively).

    Exit 0 when every scenario passed (or failed as expected), 1 when one
    failed, 2 for an invalid playbook, 3 when the bus or a plugin failed, 130
    when interrupted (the partial report and event log are still written).
    """
    from scenario_engine.commands._common import trust_policy
    from scenario_engine.commands._config import configured, project_config
    from scenario_engine.commands._play_output import PlayOutput
    from scenario_engine.registry import default_registry
    from scenario_engine.runtime import interrupts
    from scenario_engine.runtime.options import RunOptions
    from scenario_engine.runtime.session import dry_run as schedule
    from scenario_engine.suite.collect import collect_plans
    from scenario_engine.suite.parallel import auto_workers
    from scenario_engine.suite.report import read_lastfailed, write_suite
    from scenario_engine.suite.runner import RetryPolicy, run_suite
    from scenario_engine.suite.select import select_items

    given = configured(
        {
            "report_dir": report_dir,
            "bus": bus,
            "reporters": reporters,
            "seed": seed,
            "workers": workers,
            "retries": retries,
            "retry_backoff": retry_backoff,
        },
        {
            "report_dir": "report_dir",
            "bus": "bus",
            "reporters": "reporters",
            "seed": "seed",
            "workers": "jobs",
            "retries": "retries",
            "retry_backoff": "retry_backoff",
        },
    )
    report_dir, bus, reporters, seed = (
        Path(given["report_dir"]),
        given["bus"],
        tuple(given["reporters"]),
        given["seed"],
    )
    workers = auto_workers() if given["workers"] == "auto" else int(given["workers"])
    retries, retry_backoff = int(given["retries"]), float(given["retry_backoff"])
    ignore = (*project_config().ignore, *ignore)
    collected = collect_plans(
        paths, ignore=ignore, variables=dict(variables), trust=trust_policy(trust)
    )
    items, notes = select_items(
        collected,
        names=select,
        marks=marks,
        xfail=xfail,
        last_failed=read_lastfailed(report_dir) if last_failed else None,
    )
    for note in notes:
        click.echo(note)
    check_bus_option(bus)
    options = RunOptions(
        report_dir=report_dir,
        bus=bus,
        clock=clock,
        speed=speed,
        seed=seed,
        variables=dict(variables),
        fail_fast=fail_fast,
        settle=settle,
        systems=not no_system,
        allow_services=allow_services,
        trust=tuple(trust),
    )
    check_before_running([(item.source, item.plan) for item in items], options)
    if dry_run:
        for item in items:
            click.echo("\n".join(schedule(item.plan, options)))
        return
    registry = default_registry()
    renderers = [registry.load("reporter", name, where="--reporter")() for name in reporters]
    writable_folder(report_dir, "--report-dir")
    # a live status area on a terminal; only the summaries on a pipe or with -q. Worker
    # processes do not draw it: the bar counts the scenarios they finish
    output = PlayOutput(None if loop == 0 else len(items) * (loop or 1), verbosity())
    if workers <= 1:
        options = attrs.evolve(options, progress=output.observer)

    def show(entry: Any) -> None:
        result = entry.result
        output.summary(result)
        if entry.outcome != result.status:
            say = output.live.echo if output.live is not None else click.echo
            say(f"  outcome: {entry.outcome} after {entry.attempts} attempt(s)")
        for renderer in renderers:
            if result.report_dir:
                renderer.report(result, Path(result.report_dir))

    # Ctrl-C or SIGTERM stop the run; a second one waits for its report
    policy = RetryPolicy(retries=retries, backoff=retry_backoff)

    def run(batch: Any, opts: Any) -> Any:
        return run_suite(batch, opts, workers=workers, policy=policy, on_entry=show)

    with interrupts.handling(exiting=True):
        with output:
            if loop is None:
                suite = run(items, options)
            else:
                from scenario_engine.suite.loop import run_looped

                suite = run_looped(items, options, run, loop, loop_interval, click.echo)
        write_suite(suite, report_dir, junit_xml)
        for renderer in renderers:  # reporters that also render the suite (an index page)
            render_suite = getattr(renderer, "suite", None)
            if render_suite is not None:
                render_suite(report_dir)
        _prune(report_dir, keep)
        _conclude(suite, loop, len(items), totals=not output.only_failures)


def _prune(report_dir: Path, keep: int | None) -> None:
    """``--keep`` / ``[tool.scenario] keep`` and ``keep_days``: old runs go, failed ones later."""
    from scenario_engine.commands._config import project_config

    config = project_config()
    keep = keep if keep is not None else config.keep
    if keep is None and config.keep_days is None:
        return
    from scenario_engine.report.history import prune

    gone = prune(
        report_dir, keep=keep, keep_days=config.keep_days, failed_factor=config.keep_failed_factor
    )
    if gone:
        click.echo(f"pruned {len(gone)} old run(s) under {report_dir}")


def _conclude(suite: Any, loop: int | None, planned: int, *, totals: bool = True) -> None:
    if not totals:  # -qq: only what failed
        pass
    elif loop is None:
        click.echo(suite.summary())
    else:  # the closing line of a loop counts runs and loops
        from scenario_engine.commands._loop import ran_text

        results = [e.result for e in suite.entries]
        passed = sum(r.passed for r in results)
        click.echo(
            f"{passed} passed, {len(results) - passed} failed "
            f"({ran_text(results, planned, loop)})"
        )
    for entry in suite.entries:
        if not entry.result.passed and entry.result.replay and entry.outcome != "xfailed":
            click.echo(f"replay {entry.name}: {entry.result.replay}")
    if suite.exit_code:
        click.get_current_context().exit(suite.exit_code)
