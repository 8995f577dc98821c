"""The summary a person reads in the terminal: verdict first, then what failed and why."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

import click

from scenario_engine.durations import format_duration
from scenario_engine.report.model import RunResult

__all__ = ["ConsoleReporter", "render_summary"]

_MARK = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "interrupted": "INTERRUPTED"}
_COLOR = {"passed": "green", "failed": "red", "error": "red", "interrupted": "yellow"}


def _seconds(value: float) -> str:
    return format_duration(round(value, 3)) if value else "0s"


def _held(result: RunResult) -> str:
    """What chaos held back and delivered later: never counted as dropped."""
    if not result.events_held:
        return ""
    text = f" ({result.events_released} held by chaos, then released"
    still = result.events_held - result.events_released
    if still > 0:
        text += f"; {still} still held when the run ended"
    return text + ")"


def render_summary(result: RunResult, *, color: bool = False, verbose: bool = False) -> str:
    """Lines for one run: verdict, counts, failures with witnesses, chaos, replay command."""
    style = click.style if color else (lambda text, **kw: text)
    head = style(
        _MARK.get(result.status, result.status.upper()), fg=_COLOR.get(result.status), bold=True
    )
    lines = [
        (
            f"{head} {result.name} (seed {result.seed}, {result.bus}, {result.clock} clock): "
            f"{result.events_recorded} events delivered{_held(result)}, "
            f"{result.events_dropped} dropped, "
            f"{_seconds(result.virtual_duration)} clock time in {result.wall_duration:.2f}s"
        )
    ]
    for step in result.steps:
        if step.status in ("failed", "error") or verbose:
            lines.append(
                f"  step {step.kind} {step.name!r}: {step.status}"
                + (f" - {step.message}" if step.message else "")
            )
            if step.detail and step.status != "passed":
                lines += [f"      {line}" for line in step.detail.splitlines()]
    for assertion in result.assertions:
        if assertion.passed and not verbose:
            continue
        mark = style("ok  ", fg="green") if assertion.passed else style("FAIL", fg="red")
        where = f" [checkpoint {assertion.checkpoint}]" if assertion.checkpoint else ""
        when = f" at {assertion.at:.3f}s" if assertion.at is not None else ""
        lines.append(f"  {mark} {assertion.label}{where}{when}")
        if not assertion.passed or verbose:
            lines += [f"       {line}" for line in assertion.explain().splitlines()]
    passed = sum(a.passed for a in result.assertions)
    if result.assertions:
        lines.append(f"  assertions: {passed}/{len(result.assertions)} held")
    applied = [c for c in result.chaos if c.applied]
    if result.chaos:
        lines.append(
            "  chaos: "
            + (", ".join(f"{c.label} x{c.applied}" for c in applied) or "no action fired")
        )
    if (
        result.error
        and result.status != "passed"
        and not any(s.status in ("failed", "error") for s in result.steps)
    ):
        lines.append(f"  error: {result.error}")
    reconnects = result.bus_stats.get("reconnects", 0)
    if reconnects:
        lines.append(f"  bus: the connection was lost and re-established {reconnects} time(s)")
    if result.report_dir:
        lines.append(f"  report: {result.report_dir}")
    return "\n".join(lines)


class ConsoleReporter:
    """Reporter plugin: prints the summary."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def report(self, result: RunResult, directory: Path) -> Path | None:
        click.echo(render_summary(result, color=self.stream is None), file=self.stream)
        return None
