"""``scenario runs``: the history of runs under the report directory, and pruning it."""

from __future__ import annotations

from pathlib import Path

import click

from scenario_engine.commands._common import run_command

__all__ = ["runs_command"]


@click.command("runs")
@click.argument("scenario", required=False)
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the runs are (default: [tool.scenario] report_dir, "
    "SCENARIO_REPORT_DIR, or scenario-reports).",
)
@click.option("--failed", is_flag=True, help="Only runs that did not pass.")
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    help="Prune: keep the newest N runs of each scenario (failed ones longer).",
)
@click.option(
    "--keep-days",
    type=click.FloatRange(min=0),
    help="Prune: keep runs younger than D days (failed ones longer).",
)
@click.option("--dry-run", is_flag=True, help="With --keep/--keep-days: only say what would go.")
@run_command
def runs_command(
    scenario: str | None,
    report_dir: Path | None,
    failed: bool,
    keep: int | None,
    keep_days: float | None,
    dry_run: bool,
) -> None:
    """List past runs (newest first per scenario), or prune them with --keep / --keep-days."""
    from scenario_engine.commands._config import project_config
    from scenario_engine.report.history import prune, runs
    from scenario_engine.schedule.timing import iso

    config = project_config()
    base = report_dir or config.report_dir or Path("scenario-reports")
    if keep is not None or keep_days is not None:
        gone = prune(
            base,
            keep=keep,
            keep_days=keep_days,
            failed_factor=config.keep_failed_factor,
            dry_run=dry_run,
        )
        verb = "would remove" if dry_run else "removed"
        for record in gone:
            click.echo(f"{verb} {record.path} ({record.status})")
        click.echo(f"{verb} {len(gone)} run(s)")
        return
    found = [r for r in runs(base, scenario) if not (failed and r.passed)]
    if not found:
        click.echo(f"no runs under {base}" + (f" for {scenario!r}" if scenario else ""))
        return
    for r in found:
        mark = "  <- latest" if r.latest else ""
        events = f"{r.events} events" if r.events is not None else "no report"
        click.echo(
            f"{r.scenario}  {iso(r.started)}  {r.status:<10} seed {r.seed}  {events}  "
            f"{r.path}{mark}"
        )
