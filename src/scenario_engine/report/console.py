"""The summary a person reads in the terminal: verdict first, then what failed and why."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import click

from scenario_engine.durations import format_duration
from scenario_engine.report.model import ChaosResult, RunResult
from scenario_engine.report.progress import format_rate

__all__ = ["ConsoleReporter", "never_matched_lines", "render_summary"]

_MARK = {
    "passed": "PASS",
    "failed": "FAIL",
    "error": "ERROR",
    "interrupted": "INTERRUPTED",
    "precondition failed": "PRECONDITION FAILED",
}
_COLOR = {
    "passed": "green",
    "failed": "red",
    "error": "red",
    "interrupted": "yellow",
    "precondition failed": "red",
}
#: how many snapshot changes the summary lists before "and N more"
_CHANGES = 10


def _seconds(value: float) -> str:
    return format_duration(round(value, 3)) if value else "0s"


_LATENCIES = (("p50", "p50_ms"), ("p95", "p95_ms"), ("p99", "p99_ms"), ("max", "max_ms"))


def format_ms(ms: float) -> str:
    return f"{ms:.3f}".rstrip("0").rstrip(".")


def latency_line(stats: Mapping[str, Any]) -> str:
    """``174 pairs: p50 12ms, p95 40ms, p99 52ms, max 60ms; 6 late`` (every pair, also those
    after a first failure), or "" for stats without latencies."""
    count = stats.get("count")
    if not count or "p50_ms" not in stats:
        return ""
    parts = ", ".join(
        f"{name} {format_ms(stats[key])}ms" for name, key in _LATENCIES if key in stats
    )
    late = stats.get("late")
    text = f"{count} pair{'s' if count != 1 else ''}: {parts}" + (f"; {late} late" if late else "")
    if stats.get("approximate"):
        text += " (percentiles estimated from a sample)"
    return text


def _events_per_s(result: RunResult) -> str:
    """``, 12,345 events/s``: deliveries per second of wall time (none for an empty run)."""
    if result.wall_duration <= 0 or not result.events_recorded:
        return ""
    return f", {format_rate(result.events_recorded / result.wall_duration)} events/s"


def _held(result: RunResult) -> str:
    """What chaos held back and delivered later: never counted as dropped."""
    if not result.events_held:
        return ""
    still = result.events_held - result.events_released
    if still <= 0:
        return f" ({result.events_released} held by chaos, then released)"
    return (
        f" ({result.events_held} held by chaos: {result.events_released} released, "
        f"{still} still held when the run ended)"
    )


def never_matched_lines(results: Sequence[ChaosResult]) -> list[str]:
    """What the summary says of each chaos action that matched nothing during the run."""
    lines = []
    for result in results:
        if not result.never_matched:
            continue
        expected = ", ".join(result.topics)
        if result.seen:
            why = f"events on {', '.join(result.seen)} came through, but none met its triggers"
        else:
            why = "no event on them came through chaos"
        lines.append(f"never matched: {result.label} (expected topics {expected}; {why})")
    return lines


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
            f"{_events_per_s(result)}"
        )
    ]
    if result.publish_rate is not None:
        lines.append(
            f"  publish rate: {format_rate(result.publish_rate)}/s achieved "
            f"({result.published} events published by the engine)"
        )
    for step in result.steps:
        if step.status in ("failed", "error", "tolerated") or verbose:
            lines.append(
                f"  step {step.kind} {step.name!r}: {step.status}"
                + (f" - {step.message}" if step.message else "")
            )
            if step.detail and step.status != "passed":
                lines += [f"      {line}" for line in step.detail.splitlines()]
    for assertion in result.assertions:
        vacuous = bool(assertion.stats.get("vacuous"))
        latency = latency_line(assertion.stats)
        where = f" [checkpoint {assertion.checkpoint}]" if assertion.checkpoint else ""
        if assertion.checkpoint == "precondition":
            where = " [precondition]"
        if assertion.window:
            where = f" [{assertion.group + ', ' if assertion.group else ''}{assertion.window}]"
        if assertion.passed and not verbose:
            # a pass that judged nothing is said; a latency assertion shows its distribution
            if vacuous:
                lines.append(
                    f"  {style('note', fg='yellow')} {assertion.label}{where}: {assertion.actual}"
                )
            elif latency:
                lines.append(f"  {style('ok  ', fg='green')} {assertion.label}{where}: {latency}")
            continue
        mark = style("ok  ", fg="green") if assertion.passed else style("FAIL", fg="red")
        when = f" at {assertion.at:.3f}s" if assertion.at is not None else ""
        lines.append(f"  {mark} {assertion.label}{where}{when}")
        lines += [f"       {line}" for line in assertion.explain().splitlines()]
        if latency:
            lines.append(f"       latency:  {latency}")
    lines += _windows(result)
    lines += _snapshots(result)
    passed = sum(a.passed for a in result.assertions)
    if result.assertions:
        empty = sum(1 for a in result.assertions if a.passed and a.stats.get("vacuous"))
        lines.append(
            f"  assertions: {passed}/{len(result.assertions)} held"
            + (f" ({empty} of them judged nothing)" if empty else "")
        )
    applied = [c for c in result.chaos if c.applied]
    if result.chaos:
        lines.append(
            "  chaos: "
            + (", ".join(
                f"{c.label} x{c.applied}" + (f" ({c.inbound} inbound)" if c.inbound else "")
                for c in applied
            ) or "no action fired")
        )
        lines += [f"  chaos {line}" for line in never_matched_lines(result.chaos)]
    if (
        result.error
        and result.status != "passed"
        and not any(s.status in ("failed", "error") for s in result.steps)
    ):
        lines.append(f"  error: {result.error}")
    lines += _load_lines(result)
    reconnects = result.bus_stats.get("reconnects", 0)
    if reconnects:
        lines.append(f"  bus: the connection was lost and re-established {reconnects} time(s)")
    undecoded = result.bus_stats.get("undecoded", 0)
    if undecoded:
        lines.append(
            f"  bus: {undecoded} inbound {'entry' if undecoded == 1 else 'entries'} could not "
            "be decoded; kept raw in the event log (source 'undecoded')"
        )
    if result.report_dir:
        lines.append(f"  report: {result.report_dir}")
    return "\n".join(lines)


def _windows(result: RunResult) -> list[str]:
    """One line per assertion judged over windows: its verdict in each, in order."""
    verdicts: dict[str, list[str]] = {}
    for a in result.assertions:
        if a.window:
            held = "held" if a.passed else "FAILED"
            verdicts.setdefault(a.label, []).append(f"{a.window} {held}")
    return [f"  windows {label}: {', '.join(parts)}" for label, parts in verdicts.items()]


def _snapshots(result: RunResult) -> list[str]:
    lines = []
    for snap in result.snapshots:
        if snap.error:
            lines.append(f"  snapshot {snap.name}: {snap.error}")
            continue
        if not snap.changes:
            lines.append(f"  snapshot {snap.name}: no change from before to after")
            continue
        lines.append(f"  snapshot {snap.name}: {len(snap.changes)} change(s) from before to after")
        lines += [f"       {change}" for change in snap.changes[:_CHANGES]]
        if len(snap.changes) > _CHANGES:
            lines.append(f"       and {len(snap.changes) - _CHANGES} more")
    return lines


class ConsoleReporter:
    """Reporter plugin: prints the summary."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def report(self, result: RunResult, directory: Path) -> Path | None:
        click.echo(render_summary(result, color=self.stream is None), file=self.stream)
        return None


def _load_lines(result: RunResult) -> list[str]:
    """Per shaped generator and phase: the rate achieved against the one asked for."""
    lines = []
    for name, summary in result.generators.items():
        for rate in summary.get("rates", ()) if isinstance(summary, dict) else ():
            text = (
                f"  load {name} in {rate['phase']}: {rate['achieved_rate']:g}/s achieved of "
                f"{rate['target_rate']:g}/s"
            )
            if "lag_p99_ms" in rate:
                text += f", lag p50 {rate['lag_p50_ms']:g}ms p99 {rate['lag_p99_ms']:g}ms"
            lines.append(text)
    return lines
