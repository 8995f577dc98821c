"""``scenario explore``: many seeds on the virtual clock, failures grouped by signature,
the smallest failing seed of each group shrunk to a reproducer."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path
from typing import Any

import click
import orjson

from scenario_engine.commands._common import (
    run_command,
    select_option,
    trust_option,
    trust_policy,
    vars_option,
)

__all__ = ["explore"]


class _ProgressLine:
    """``seeds done, failing, seeds/s`` on stderr: rewritten in place on a terminal,
    a line every few seconds (and the last) elsewhere."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.tty = sys.stderr.isatty()
        self.last = 0.0

    def __call__(self, done: int, failing: int, seconds: float) -> None:
        now = time.monotonic()
        final = done >= self.total
        if not final and now - self.last < (0.2 if self.tty else 2.0):
            return
        self.last = now
        rate = done / seconds if seconds > 0 else 0.0
        line = f"  {done}/{self.total} seeds, {failing} failing, {rate:.0f} seeds/s"
        end = "\n" if final or not self.tty else ""
        click.echo(("\r" if self.tty else "") + line, nl=False, err=True)
        if end:
            click.echo("", err=True)


def _seed_range(seeds: int, start: int) -> range:
    return range(start, start + seeds)


@click.command("explore")
@click.argument("path", type=click.Path(dir_okay=False))
@select_option
@vars_option
@trust_option
@click.option("--seeds", type=click.IntRange(min=1), default=100, show_default=True,
              help="How many seeds to run.")
@click.option("--start", type=int, default=1, show_default=True, help="The first seed.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes (or Ray CPUs for a local Ray cluster).")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local",
              show_default=True, help="Run seeds here (local) or on a Ray cluster.")
@click.option("--address", metavar="ADDRESS",
              help="Ray cluster to join (ray://host:10001); default: start a local one.")
@click.option("--shrink/--no-shrink", "do_shrink", default=True, show_default=True,
              help="Shrink the smallest failing seed of each group to a reproducer.")
@click.option(
    "--report-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("scenario-reports"),
    show_default=True,
    help="explore.json and reproducers go to <report-dir>/<scenario>/.",
)
@run_command
def explore(
    path: str,
    select: str | None,
    variables: tuple[tuple[str, str], ...],
    trust: tuple[str, ...],
    seeds: int,
    start: int,
    jobs: int,
    engine: str,
    address: str | None,
    do_shrink: bool,
    report_dir: Path,
) -> None:
    """Run one scenario of PATH with many seeds on the virtual clock; group failing seeds
    by failure signature (which assertion, which kind of witness) and print the
    smallest of each group with its replay command; then shrink each to a minimal
    chaos schedule and a reproducer playbook.

    Exit 0 when every seed passed, 1 when some failed, 2 for bad input, 3 when
    the engine (a Ray cluster) failed.
    """
    from scenario_engine.commands.shrink import report_shrink
    from scenario_engine.explore.shrink import shrink
    from scenario_engine.explore.sweep import sweep
    from scenario_engine.explore.target import Target
    from scenario_engine.runtime.interpreter import report_directory

    if address and engine != "ray":
        raise click.UsageError("--address is for --engine ray")
    target = Target.choose(path, select, variables, trust_policy(trust).modules)
    chosen = _seed_range(seeds, start)
    where = f"{jobs} job{'s' if jobs > 1 else ''}" if engine == "local" else "ray"
    click.echo(
        f"exploring {target.name!r}: seeds {chosen.start}..{chosen.stop - 1} "
        f"({len(chosen)}) on {where}"
    )
    result = sweep(
        target, chosen, jobs=jobs, engine=engine, address=address,
        progress=_ProgressLine(len(chosen)),
    )
    groups = result.groups
    failing = len(result.failing)
    click.echo(
        f"{failing} of {len(chosen)} seeds failed, {len(groups)} signature(s); "
        f"{result.rate:.0f} seeds/s"
    )
    replay: dict[str, str] = {}
    for number, group in enumerate(groups, 1):
        shown = " ".join(str(s) for s in group.seeds[:10])
        more = f" (+{len(group.seeds) - 10} more)" if len(group.seeds) > 10 else ""
        replay[group.signature] = command = _replay(path, target, group.smallest)
        click.echo(f"[{number}] {group.signature}")
        click.echo(f"    {len(group.seeds)} seed(s): {shown}{more}")
        click.echo(f"    smallest {group.smallest}: {command}")
    directory = report_directory(report_dir, target.name)
    directory.mkdir(parents=True, exist_ok=True)
    summary: dict[str, Any] = {
        "scenario": target.name,
        "path": path,
        "seeds": [chosen.start, chosen.stop - 1],
        "engine": engine,
        "jobs": jobs,
        "seconds": round(result.seconds, 3),
        "groups": [
            {"signature": g.signature, "seeds": list(g.seeds), "replay": replay[g.signature]}
            for g in groups
        ],
        "reproducers": {},
    }
    if do_shrink:
        for group in groups:
            click.echo(f"shrinking seed {group.smallest} ...")
            shrunk = shrink(target.plan(), group.smallest)
            summary["reproducers"][group.signature] = str(
                report_shrink(
                    shrunk, target, path, report_dir,
                    _shrink_command(path, target, group.smallest),
                )
            )
    (directory / "explore.json").write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2))
    if failing:
        click.get_current_context().exit(1)


def _replay(path: str, target: Any, seed: int) -> str:
    parts = ["scenario", "play", path, "-k", target.name, "--seed", str(seed)]
    for name, value in target.variables:
        parts += ["--var", f"{name}={value}"]
    for module in target.trust:
        parts += ["--trust", module]
    return " ".join(shlex.quote(p) for p in parts)


def _shrink_command(path: str, target: Any, seed: int) -> str:
    parts = ["scenario", "shrink", path, "-k", target.name, "--seed", str(seed)]
    for name, value in target.variables:
        parts += ["--var", f"{name}={value}"]
    for module in target.trust:
        parts += ["--trust", module]
    return " ".join(shlex.quote(p) for p in parts)
