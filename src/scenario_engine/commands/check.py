"""``scenario check``: validate playbooks and plans, components included, without running."""

from __future__ import annotations

from pathlib import Path

import click

from scenario_engine.commands._common import (
    run_command,
    trust_option,
    trust_policy,
    vars_option,
)

__all__ = ["check"]


@click.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@vars_option
@trust_option
@run_command
def check(
    paths: tuple[Path, ...], variables: tuple[tuple[str, str], ...], trust: tuple[str, ...]
) -> None:
    """Check every PATH: structure, then every component through the installed plugins.

    Prints "ok: FILE (N scenarios)" for a valid file and every problem of an
    invalid one; exits 2 if any file has a problem. A broken plugin is not a
    plan problem: it stops the check with exit 3. A plan file's callables are
    checked by name and trust (--trust) only: check imports none of them. A
    chaos action whose topics match nothing the plan publishes, declares or
    subscribes is a warning (the file is still ok).
    """
    import attrs

    from scenario_engine.errors import PlanError, Problem, UsageError
    from scenario_engine.loaders import load_plans, locate
    from scenario_engine.plan.topics import unmatched_chaos
    from scenario_engine.registry import default_registry
    from scenario_engine.runtime.preflight import preflight

    registry = default_registry()
    policy = trust_policy(trust)
    failed = 0
    for path in paths:
        try:
            loaded = load_plans([path], variables=dict(variables), trust=policy)
            plans = [plan for _, plan in loaded]
        except (PlanError, UsageError) as err:
            failed += 1
            problems = err.problems if isinstance(err, PlanError) else [Problem("", str(err))]
            for problem in problems:
                click.echo(f"error: {problem}", err=True)
            continue
        found = [
            p
            for plan in plans
            for p in locate(plan, path, preflight(plan, registry=registry))
        ]
        for plan in plans:
            for warning in unmatched_chaos(plan):
                where = f"{path}: scenario {plan.name!r}: {warning.where}"
                click.echo(f"warning: {attrs.evolve(warning, where=where)}", err=True)
        for problem in found:
            click.echo(f"error: {problem}", err=True)
        if found:
            failed += 1
        else:
            click.echo(f"ok: {path} ({len(plans)} scenario{'s' if len(plans) != 1 else ''})")
    if failed:
        total = len(paths)
        click.echo(f"{failed} of {total} file{'s' if total != 1 else ''} had problems", err=True)
        click.get_current_context().exit(2)
