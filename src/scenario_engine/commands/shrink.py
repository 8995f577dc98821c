"""``scenario shrink``: a failing seed reduced to a minimal chaos schedule and a reproducer."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from scenario_engine.commands._common import (
    run_command,
    select_option,
    trust_option,
    trust_policy,
    vars_option,
)

if TYPE_CHECKING:
    from scenario_engine.explore.shrink import ShrinkResult
    from scenario_engine.explore.target import Target

__all__ = ["report_shrink", "shrink_command"]


def report_shrink(
    result: ShrinkResult, target: Target, shown: str, report_dir: Path, command: str
) -> Path:
    """Print the minimal schedule, write the reproducer; return its path."""
    from scenario_engine.explore.reproducers import write_reproducer
    from scenario_engine.runtime.interpreter import report_directory

    kept = len(result.schedule)
    click.echo(
        f"shrunk seed {result.seed}: {len(result.original)} chaos applications -> {kept} "
        f"in {result.runs} runs ({result.seconds:.2f}s); removing any one makes it pass"
    )
    click.echo(f"  failure: {result.signature}")
    for app in result.schedule:
        click.echo(f"  {app}")
    path = write_reproducer(
        result,
        report_directory(report_dir, result.plan.name),
        source=Path(target.path),
        command=command,
        variables=dict(target.variables),
    )
    click.echo(f"reproducer: {path}")
    click.echo(f"  scenario play {path}")
    return path


@click.command("shrink")
@click.argument("path", type=click.Path(dir_okay=False))
@select_option
@vars_option
@trust_option
@click.option("--seed", type=int, required=True, help="The failing seed to shrink.")
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("scenario-reports"),
    show_default=True,
    help="The reproducer goes to <report-dir>/<scenario>/.",
)
@run_command
def shrink_command(
    path: str,
    select: str | None,
    variables: tuple[tuple[str, str], ...],
    trust: tuple[str, ...],
    seed: int,
    report_dir: Path,
) -> None:
    """Reduce the failing run of one scenario of PATH with --seed to a minimal chaos
    schedule (1-minimal: removing any application makes it pass), and write a
    reproducer playbook that fails the same way, every time.

    Exit 0 with the schedule shrunk, 2 when the seed passes or the input is wrong.
    """
    import shlex

    from scenario_engine.explore.shrink import shrink
    from scenario_engine.explore.target import Target

    target = Target.choose(path, select, variables, trust_policy(trust).modules)
    parts = ["scenario", "shrink", path, "-k", target.name, "--seed", str(seed)]
    for name, value in target.variables:
        parts += ["--var", f"{name}={value}"]
    for module in target.trust:
        parts += ["--trust", module]
    command = " ".join(shlex.quote(p) for p in parts)
    click.echo(f"shrinking {target.name!r} seed {seed} ...")
    result = shrink(target.plan(), seed)
    report_shrink(result, target, path, report_dir, command)
