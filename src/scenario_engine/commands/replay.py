"""``scenario replay``: publish a recording again on a bus, at its pace times N, looping,
filtered, through a chaos playbook; SIGUSR1 pauses it and SIGUSR2 resumes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from scenario_engine.commands._common import run_command
from scenario_engine.errors import UsageError

__all__ = ["chaos_from", "replay"]

if TYPE_CHECKING:  # click >= 8.2 types ParamType by what it converts to; older click does not
    _FloatType = click.ParamType[float]
else:
    _FloatType = click.ParamType


class SpeedType(_FloatType):
    """``--speed N`` (a factor > 0) or ``--speed max`` (as fast as the bus takes it)."""

    name = "N|max"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, float):
            return value
        if str(value).strip().lower() == "max":
            return float("inf")
        try:
            speed = float(value)
        except ValueError:
            self.fail(f"expected a number > 0 or 'max' (got {value!r})", param, ctx)
        if not speed > 0 or speed == float("inf"):
            self.fail(f"expected a number > 0 or 'max' (got {value!r})", param, ctx)
        return speed


def _patterns(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(p.strip() for v in values for p in v.split(",") if p.strip())


def chaos_from(spec: str) -> tuple[Any, ...]:
    """The chaos nodes of ``playbook.py:NAME``: a ChaosPlaybook or a Scenario of that name."""
    from scenario_engine.dsl.scenario import ChaosPlaybook, Scenario
    from scenario_engine.loaders.playbook import _execute

    path, sep, name = spec.rpartition(":")
    if not sep or not path or not name:
        raise UsageError(
            f"--chaos takes PLAYBOOK.py:NAME (got {spec!r})", hint="--chaos playbooks/net.py:flaky"
        )
    module = _execute(Path(path))
    found = []
    for variable, value in vars(module).items():
        if isinstance(value, ChaosPlaybook) and name in (variable, value.name):
            found.append(value.chaos_nodes)
        elif isinstance(value, Scenario) and name in (variable, value.name):
            found.append(value.build().chaos)
    if not found:
        raise UsageError(
            f"{path} has no ChaosPlaybook or Scenario named {name!r}",
            hint="name a module-level ChaosPlaybook('NAME') or Scenario('NAME') of that file",
        )
    return tuple(found[0])


@click.command("replay")
@click.argument("recording", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--bus", metavar="URL", default="memory://", show_default=True,
              help="Where to publish: memory://, redis://host:port/0, nats://host:port.")
@click.option("--speed", type=SpeedType(), default=1.0, show_default=True,
              help="Pace factor (10 = ten times faster), or max.")
@click.option("--loop", type=click.IntRange(min=1), default=1, show_default=True,
              help="Play the recording this many times, one pass after the other.")
@click.option("--topics", multiple=True, metavar="GLOB",
              help="Only these topics (globs; repeatable or comma-separated).")
@click.option("--sources", multiple=True, metavar="NAME",
              help="Only events these published (engine, system, external, ...).")
@click.option("--chaos", "chaos_spec", metavar="PLAYBOOK.py:NAME",
              help="Pass the replay through this ChaosPlaybook (or a scenario's chaos).")
@click.option("--clock", type=click.Choice(["virtual", "wall"]),
              help="virtual (default on memory://) or wall (default on external buses).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the chaos.")
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("scenario-reports"),
    show_default=True,
    help="The replay's events.jsonl and report.json go to <report-dir>/replay-<name>/.",
)
@run_command
def replay(
    recording: Path,
    bus: str,
    speed: float,
    loop: int,
    topics: tuple[str, ...],
    sources: tuple[str, ...],
    chaos_spec: str | None,
    clock: str | None,
    seed: int,
    report_dir: Path,
) -> None:
    """Publish the events of RECORDING (an events.jsonl, or what `scenario record` wrote)
    again on --bus, at their recorded pace times --speed.

    SIGUSR1 pauses before the next event and SIGUSR2 resumes (a status line on
    stderr says where it is); the clock stands still meanwhile. Exit 0 when it
    ran, 3 when the bus failed, 130 when interrupted.
    """
    import attrs

    from scenario_engine.plan.nodes import Plan, ReplayStep
    from scenario_engine.report.console import render_summary
    from scenario_engine.runtime.interpreter import Run
    from scenario_engine.runtime.options import RunOptions
    from scenario_engine.runtime.pausing import Pauser

    chosen = _patterns(topics) or ("*",)
    # max: every offset 0, the bus sets the pace; a finite factor keeps plans valid
    step_speed = 1e12 if speed == float("inf") else speed
    step = ReplayStep(
        path=str(recording), topics=chosen, sources=_patterns(sources), speed=step_speed, loop=loop
    )
    plan = Plan(name=f"replay-{recording.stem}", seed=seed, steps=(step,))
    if chaos_spec:
        plan = attrs.evolve(plan, chaos=chaos_from(chaos_spec))
    pauser = Pauser(lambda line: click.echo(line, err=True))
    options = RunOptions(
        report_dir=report_dir, bus=bus, clock=clock, seed=seed, pauser=pauser, settle=0.2
    )
    with pauser.signals():
        result = Run(plan, options).execute()
    click.echo(render_summary(result, color=sys.stdout.isatty(), verbose=False))
    ratio = result.virtual_duration / result.wall_duration if result.wall_duration > 0 else 0.0
    click.echo(
        f"replayed {pauser.done} event(s) ({loop} pass{'es' if loop > 1 else ''}) in "
        f"{result.wall_duration:.3f}s: {result.virtual_duration:.3f}s of clock time, "
        f"{ratio:,.0f}x real time"
    )
    if result.exit_code:
        click.get_current_context().exit(result.exit_code)
