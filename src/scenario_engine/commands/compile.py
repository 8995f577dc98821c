"""``scenario compile``: a playbook (code) to a plan file (data)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from scenario_engine.commands._arguments import writable_folder, write_output
from scenario_engine.commands._common import (
    load_selected,
    run_command,
    select_option,
    trust_option,
    vars_option,
    verbosity,
)

if TYPE_CHECKING:
    from scenario_engine.plan.nodes import Plan

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
    A plan file calls code only from modules the user trusts: compile says
    which ones to pass to --trust. A bus password is never written: it
    becomes ${SCENARIO_BUS_PASSWORD}, read from the environment at run time.
    """
    from scenario_engine.errors import PlanError, Problem
    from scenario_engine.plan.codec import dumps, format_for

    fmt = format_for(output) if output is not None else "toml"
    if output is not None:
        writable_folder(output.parent, "-o", create=False)
    plans = [plan for _, plan in load_selected([playbook], select, variables, trust)]
    plans, secrets = _without_secrets(plans)
    try:
        text = dumps(plans, fmt)
    except PlanError as err:
        raise PlanError(
            [Problem(f"{playbook}: {p.where}", p.message, p.hint) for p in err.problems]
        ) from None
    if output is None:
        click.echo(text, nl=False)
    else:
        write_output(output, text)
    if verbosity() < 0:
        return
    target = output or "stdout"
    if output is not None:
        count = f"{len(plans)} scenario{'s' if len(plans) != 1 else ''}"
        click.echo(f"compiled {count} from {playbook} to {output}", err=True)
    for line in _trust_notes(plans, playbook, output):
        click.echo(line, err=True)
    for name in secrets:
        click.echo(
            f"note: a bus secret is not written to {target}: the plan reads it from "
            f"${{{name}}} when it runs; set it first: export {name}=<the secret>",
            err=True,
        )


def _without_secrets(plans: list[Plan]) -> tuple[list[Plan], list[str]]:
    """The plans with every bus secret replaced by a ``${VAR}`` reference, and the VARs."""
    import attrs

    from scenario_engine.buses.env import externalize

    used: dict[str, str] = {}
    out = []
    for plan in plans:
        if not plan.bus:
            out.append(plan)
            continue
        bus, found = externalize(plan.bus, used)
        used.update(found)
        out.append(attrs.evolve(plan, bus=bus))
    return out, list(used)


def _trust_notes(plans: list[Plan], playbook: Path, output: Path | None) -> list[str]:
    """Which modules the plan's references name, and how to trust them (and find them)."""
    import sys

    from scenario_engine.plan.trust import references

    modules = sorted({ref.module for plan in plans for _, ref in references(plan)})
    if not modules:
        return []
    target = output or "the plan"
    flags = " ".join(f"--trust {m}" for m in modules)
    listed = ", ".join(f'"{m}"' for m in modules)
    lines = [
        (
            f"note: {target} calls code from {', '.join(modules)}, which a plan file runs only "
            f"when trusted: play it with {flags} "
            f"(or trust = [{listed}] under [tool.scenario] in pyproject.toml)"
        )
    ]
    folder = playbook.resolve().parent
    here = output.resolve().parent if output is not None else Path.cwd().resolve()
    local = [
        m for m in modules
        if Path(getattr(sys.modules.get(m.partition(".")[0]), "__file__", "") or "/")
        .resolve().parent == folder
    ]
    if local and folder != here:
        lines.append(
            f"note: {', '.join(local)} {'is' if len(local) == 1 else 'are'} found in {folder}: "
            f"keep {target} there, or put that folder on PYTHONPATH"
        )
    return lines
