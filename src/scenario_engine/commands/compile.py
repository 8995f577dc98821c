"""``scenario compile``: a playbook (code) to a plan file (data)."""

from __future__ import annotations

from pathlib import Path

import click

from scenario_engine.commands._common import (
    load_selected,
    run_command,
    select_option,
    trust_option,
    vars_option,
    verbosity,
)

__all__ = ["compile_command"]


@click.command("compile")
@click.argument("playbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the plan file here; .toml or .json by suffix. Default: TOML on stdout.",
)
@select_option
@vars_option
@trust_option
@run_command
def compile_command(
    playbook: Path,
    output: Path | None,
    select: str | None,
    variables: tuple[tuple[str, str], ...],
    trust: tuple[str, ...],
) -> None:
    """Compile PLAYBOOK to a plan file that runs without executing the playbook.

    Every scenario of the playbook (or those chosen with -k) goes into one
    file. Python callables are stored as module:qualname references; a
    lambda or a closure cannot be, and is refused with where it is defined.
    """
    from scenario_engine.errors import PlanError, Problem
    from scenario_engine.plan.codec import dumps, format_for

    fmt = format_for(output) if output is not None else "toml"
    plans = [plan for _, plan in load_selected([playbook], select, variables, trust)]
    try:
        text = dumps(plans, fmt)
    except PlanError as err:
        raise PlanError(
            [Problem(f"{playbook}: {p.where}", p.message, p.hint) for p in err.problems]
        ) from None
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    if verbosity() >= 0:
        count = f"{len(plans)} scenario{'s' if len(plans) != 1 else ''}"
        click.echo(f"compiled {count} from {playbook} to {output}", err=True)
