"""``scenario diff``: what changed between two runs."""

from __future__ import annotations

import click

from scenario_engine.commands._common import run_command

__all__ = ["diff"]


@click.command("diff")
@click.argument("run_a")
@click.argument("run_b")
@click.option("--context", "around", type=click.IntRange(min=0), default=2, show_default=True,
              help="Events shown around the first divergence.")
@run_command
def diff(run_a: str, run_b: str, around: int) -> None:
    """Compare two runs (report directories or events.jsonl files): assertion verdicts
    that changed, events per topic, chaos applications, latency percentiles, and the
    first event where they diverge, with the events around it.

    Exit 0 when they are the same, 1 when they differ, 2 for bad input.
    """
    from scenario_engine.report.diff import diff_runs, load_run, render_diff

    a, b = load_run(run_a), load_run(run_b)
    result = diff_runs(a, b, around=around)
    for line in render_diff(a, b, result):
        click.echo(line)
    if not result.same:
        click.get_current_context().exit(1)
