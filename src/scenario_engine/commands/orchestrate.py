"""``scenario orchestrate``: run orchestrations from a playbook or an orchestration file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from scenario_engine.commands._common import DurationType, run_command, select_option

if TYPE_CHECKING:
    from scenario_engine.plan.orchestration import OrchestrationPlan
    from scenario_engine.suite.orchestrate import StepStatus

__all__ = ["orchestrate"]


def _load(path: Path, select: str | None) -> list[OrchestrationPlan]:
    from scenario_engine.errors import PlaybookError, Problem, UsageError
    from scenario_engine.loaders.select import matches
    from scenario_engine.plan.orchestration import load_orchestration

    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    if path.suffix in (".toml", ".json"):
        found = [load_orchestration(path)]
    else:
        from scenario_engine.dsl.orchestration import Orchestration
        from scenario_engine.loaders.playbook import run_module

        module = run_module(path)
        found = [v.build() for v in vars(module).values() if isinstance(v, Orchestration)]
        if not found:
            raise PlaybookError(
                [
                    Problem(
                        str(path),
                        "no orchestration found",
                        "define one at module level: nightly = Orchestration('nightly').then(a)",
                    )
                ]
            )
    if select is not None:
        found = [o for o in found if matches(o.name, select)]
        if not found:
            raise UsageError(f"-k {select!r} matches no orchestration in {path}")
    return found


@click.command("orchestrate")
@click.argument("path", type=click.Path(path_type=Path))
@select_option
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("scenario-reports"),
    show_default=True,
    help="Each iteration's reports go to REPORT_DIR/NAME/iteration-K/.",
)
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=0,
    help="Retry a failing wall-clock scenario up to N times.",
)
@click.option("--retry-backoff", type=DurationType(), default=1.0, show_default=True)
@click.option(
    "--compile",
    "compile_to",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Do not run: write the orchestration (one, chosen with -k if several) to "
    "this .toml/.json file.",
)
@run_command
def orchestrate(
    path: Path,
    select: str | None,
    report_dir: Path,
    retries: int,
    retry_backoff: float,
    compile_to: Path | None,
) -> None:
    """Run the orchestrations in PATH: a .py playbook's module-level Orchestration
    objects, or a .toml/.json orchestration file (see `scenario compile`).

    Prints each step's status as it ends, then the table of every iteration.
    Exit 0 when every step passed, 1 when one failed, 130 when interrupted.
    """
    from scenario_engine.runtime.options import RunOptions
    from scenario_engine.suite.orchestrate import run_orchestration
    from scenario_engine.suite.runner import RetryPolicy

    def show(k: int, step: StepStatus) -> None:
        click.echo(f"iteration {k + 1} step {step.index + 1} {step.kind}: {step.status}")

    found = _load(path, select)
    if compile_to is not None:
        from scenario_engine.errors import UsageError
        from scenario_engine.plan.orchestration import dump_orchestration

        if len(found) != 1:
            names = ", ".join(o.name for o in found)
            raise UsageError(
                f"{path} holds {len(found)} orchestrations ({names})",
                hint="choose one with -k NAME",
            )
        dump_orchestration(found[0], compile_to)
        click.echo(f"compiled orchestration {found[0].name} to {compile_to}", err=True)
        return
    code = 0
    for orch in found:
        result = run_orchestration(
            orch,
            RunOptions(report_dir=report_dir),
            source=path,
            policy=RetryPolicy(retries=retries, backoff=retry_backoff),
            on_step=show,
        )
        click.echo("\n".join(result.lines()))
        code = max(code, result.exit_code)
    if code:
        click.get_current_context().exit(code)
