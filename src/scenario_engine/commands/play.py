"""``scenario play``: run playbooks and plans, print a summary, write reports and event logs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import click

from scenario_engine.commands._arguments import SpeedType, check_bus_option, writable_folder
from scenario_engine.commands._common import (
    DurationType,
    load_selected,
    run_command,
    select_option,
    trust_option,
    vars_option,
    verbosity,
)
from scenario_engine.commands._loop import play_looped, ran_text
from scenario_engine.commands._preflight import check_before_running

__all__ = ["play"]


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@select_option
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
    "report.json), with DIR/<scenario>/latest naming the newest.",
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
@click.option("--no-system", "no_system", is_flag=True,
              help="Do not start the playbook's in-process systems nor its services: they "
                   "run elsewhere (`scenario host ... --bus URL`).")
@click.option("--allow-services", is_flag=True,
              help="Start the programs a plan file's services name (a .py playbook's "
                   "services start anyway: it is code you run knowingly).")
@run_command
def play(
    paths: tuple[str, ...],
    select: str | None,
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
    loop: int | None,
    loop_interval: float,
    no_system: bool,
    allow_services: bool,
) -> None:
    """Run every scenario in PATHS (.py playbooks, .toml/.json plans).

    Exit 0 when every assertion held, 1 when one failed, 2 for an invalid
    playbook, 3 when the bus or a plugin failed, 130 when interrupted (the
    partial report and event log are still written).
    """
    from scenario_engine.commands._play_output import PlayOutput
    from scenario_engine.registry import default_registry
    from scenario_engine.runtime import interrupts
    from scenario_engine.runtime.options import RunOptions
    from scenario_engine.runtime.session import dry_run as schedule

    check_bus_option(bus)
    items = load_selected(paths, select, variables, trust)
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
        trust=tuple(trust),
        allow_services=allow_services,
    )
    check_before_running(items, options)
    if dry_run:
        for _, plan in items:
            click.echo("\n".join(schedule(plan, options)))
        return
    registry = default_registry()
    renderers = [registry.load("reporter", name, where="--reporter")() for name in reporters]
    writable_folder(report_dir, "--report-dir")
    # a live status area on a terminal; only the summaries on a pipe or with -q
    output = PlayOutput(None if loop == 0 else len(items) * (loop or 1), verbosity())
    options = attrs.evolve(options, progress=output.observer)

    def show(result: Any) -> None:
        output.summary(result)
        for renderer in renderers:
            if result.report_dir:
                renderer.report(result, Path(result.report_dir))

    # Ctrl-C or SIGTERM stop the run; a second one waits for its report
    with interrupts.handling(exiting=True):
        with output:
            results, interrupted = play_looped(items, options, show, loop, loop_interval)
        for renderer in renderers:
            suite = getattr(renderer, "suite", None)
            if suite is not None:
                suite(report_dir)
        _conclude(results, len(items), loop, interrupted, totals=not output.only_failures)


def _conclude(
    results: list[Any], planned: int, loop: int | None, interrupted: bool, *, totals: bool = True
) -> None:
    passed = sum(r.passed for r in results)
    if totals:
        click.echo(
            f"{passed} passed, {len(results) - passed} failed "
            f"({ran_text(results, planned, loop)})"
        )
    for result in results:
        if not result.passed and result.replay:
            click.echo(f"replay {result.name}: {result.replay}")
    codes = [r.exit_code for r in results]
    code = 130 if interrupted or 130 in codes else max(codes, default=0)
    if code:
        click.get_current_context().exit(code)
