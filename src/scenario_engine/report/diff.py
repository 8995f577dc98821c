"""Comparing two runs: verdicts, counts per topic, chaos applications, latencies, and the
first event where the two logs part.

A run is its report directory (``events.jsonl`` and ``report.json``; a
directory holding a ``latest`` link to one is followed) or an event log alone.
Events are compared on what happened (topic, source, status, cycle, time,
payload, key, headers, chaos marks), never on ids or line numbers, which
differ between any two runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import orjson

from scenario_engine.errors import UsageError

__all__ = ["LoadedRun", "RunDiff", "diff_runs", "load_run"]

_IGNORED = ("id", "seq")
_LATENCY = ("p50_ms", "p95_ms", "max_ms")


@attrs.frozen
class LoadedRun:
    name: str
    events: tuple[dict[str, Any], ...]
    report: Mapping[str, Any] | None


def _events(path: Path) -> tuple[dict[str, Any], ...]:
    out = []
    with path.open("rb") as log:
        for number, raw in enumerate(log, 1):
            if not raw.endswith(b"\n"):
                break  # a torn last line: the run was killed mid-write
            try:
                out.append(orjson.loads(raw))
            except orjson.JSONDecodeError as err:
                raise UsageError(
                    f"{path}:{number}: not a JSON line ({err})",
                    hint="give a run's events.jsonl or its report directory",
                ) from err
    return tuple(out)


def load_run(where: str | Path) -> LoadedRun:
    """A run from its report directory or its event log."""
    path = Path(where)
    if path.is_dir():
        if not (path / "events.jsonl").exists() and (path / "latest").exists():
            path = path / "latest"
        log, report = path / "events.jsonl", path / "report.json"
    else:
        log, report = path, path.with_name("report.json")
    if not log.is_file():
        raise UsageError(
            f"{where}: no events.jsonl there",
            hint="give a run's report directory (scenario-reports/NAME) or an events.jsonl",
        )
    data = orjson.loads(report.read_bytes()) if report.is_file() else None
    return LoadedRun(str(where), _events(log), data)


def _key(event: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k not in _IGNORED}


@attrs.frozen
class RunDiff:
    """What differs; :attr:`same` when nothing does."""

    verdicts: tuple[tuple[str, str, str], ...]
    topics: tuple[tuple[str, int, int], ...]
    chaos: tuple[tuple[str, int, int], ...]
    only_a: int
    only_b: int
    latencies: tuple[tuple[str, str, float | None, float | None], ...]
    divergence: int | None
    context: tuple[str, ...]

    @property
    def same(self) -> bool:
        return not (
            self.verdicts or self.topics or self.chaos or self.only_a or self.only_b
        ) and self.divergence is None


def _verdicts(
    a: Mapping[str, Any] | None, b: Mapping[str, Any] | None
) -> list[tuple[str, str, str]]:
    if a is None or b is None:
        return []

    def table(report: Mapping[str, Any]) -> dict[str, str]:
        rows = {"run": str(report.get("status"))}
        for item in report.get("assertions", ()):
            rows[item["label"]] = "passed" if item["passed"] else "FAILED"
        return rows

    ta, tb = table(a), table(b)
    return [
        (label, ta.get(label, "-"), tb.get(label, "-"))
        for label in dict.fromkeys([*ta, *tb])
        if ta.get(label, "-") != tb.get(label, "-")
    ]


def _counts(events: Sequence[Mapping[str, Any]]) -> Counter[str]:
    # delivered: no status, or "released" (delivered after chaos held it)
    return Counter(e["topic"] for e in events if e.get("status") in (None, "released"))


def _applications(report: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    return list(report.get("applications", ())) if report else []


def _latencies(
    a: Mapping[str, Any] | None, b: Mapping[str, Any] | None
) -> list[tuple[str, str, float | None, float | None]]:
    def stats(report: Mapping[str, Any] | None) -> dict[tuple[str, str], float]:
        out = {}
        for item in (report or {}).get("assertions", ()):
            for name in _LATENCY:
                value = (item.get("stats") or {}).get(name)
                if isinstance(value, int | float):
                    out[(item["label"], name)] = float(value)
        return out

    sa, sb = stats(a), stats(b)
    return [
        (label, name, sa.get((label, name)), sb.get((label, name)))
        for label, name in dict.fromkeys([*sa, *sb])
    ]


def _show(event: Mapping[str, Any]) -> str:
    payload = orjson.dumps(event.get("payload"), default=str).decode()
    if len(payload) > 80:
        payload = payload[:77] + "..."
    status = f" {event['status'].upper()}" if event.get("status") else ""
    chaos = f" <- {', '.join(event['chaos'])}" if event.get("chaos") else ""
    return (
        f"#{event.get('seq')} t={event.get('t', 0):.3f}s cycle {event.get('cycle')} "
        f"{event.get('topic')}{status} [{event.get('source')}] {payload}{chaos}"
    )


def _divergence(
    a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]], around: int
) -> tuple[int | None, list[str]]:
    pairs = enumerate(zip(a, b, strict=False))
    first = next((k for k, (x, y) in pairs if _key(x) != _key(y)), None)
    if first is None:
        if len(a) == len(b):
            return None, []
        first = min(len(a), len(b))
    i = first
    lines = [f"  = {_show(e)}" for e in a[max(0, i - around) : i]]
    lines += [f"  A {_show(e)}" for e in a[i : i + around]]
    lines += [f"  B {_show(e)}" for e in b[i : i + around]]
    if i >= len(a):
        lines.append(f"  A ends after {len(a)} event(s)")
    if i >= len(b):
        lines.append(f"  B ends after {len(b)} event(s)")
    return i, lines


def diff_runs(a: LoadedRun, b: LoadedRun, *, around: int = 2) -> RunDiff:
    counts_a, counts_b = _counts(a.events), _counts(b.events)
    topics = [
        (t, counts_a.get(t, 0), counts_b.get(t, 0))
        for t in sorted({*counts_a, *counts_b})
        if counts_a.get(t, 0) != counts_b.get(t, 0)
    ]
    apps_a, apps_b = _applications(a.report), _applications(b.report)
    per_a = Counter(str(x["label"]) for x in apps_a)
    per_b = Counter(str(x["label"]) for x in apps_b)
    chaos = [
        (label, per_a.get(label, 0), per_b.get(label, 0))
        for label in dict.fromkeys([*per_a, *per_b])
        if per_a.get(label, 0) != per_b.get(label, 0)
    ]
    keys_a = Counter((x["label"], x["event"], x["did"]) for x in apps_a)
    keys_b = Counter((x["label"], x["event"], x["did"]) for x in apps_b)
    index, context = _divergence(a.events, b.events, around)
    return RunDiff(
        verdicts=tuple(_verdicts(a.report, b.report)),
        topics=tuple(topics),
        chaos=tuple(chaos),
        only_a=sum((keys_a - keys_b).values()),
        only_b=sum((keys_b - keys_a).values()),
        latencies=tuple(_latencies(a.report, b.report)),
        divergence=index,
        context=tuple(context),
    )


def render_diff(a: LoadedRun, b: LoadedRun, diff: RunDiff) -> Iterator[str]:
    yield f"A: {a.name} ({len(a.events)} events)"
    yield f"B: {b.name} ({len(b.events)} events)"
    if diff.same:
        yield "no difference"
        return
    if diff.verdicts:
        yield "verdicts:"
        yield from (f"  {label}: {va} -> {vb}" for label, va, vb in diff.verdicts)
    if diff.topics:
        yield "events per topic (A -> B):"
        yield from (f"  {t}: {ca} -> {cb} ({cb - ca:+d})" for t, ca, cb in diff.topics)
    if diff.chaos or diff.only_a or diff.only_b:
        yield "chaos applications (A -> B):"
        yield from (f"  {label}: {ca} -> {cb}" for label, ca, cb in diff.chaos)
        yield f"  {diff.only_a} only in A, {diff.only_b} only in B"
    changed = [row for row in diff.latencies if row[2] != row[3]]
    if changed:
        yield "latency (A -> B):"
        for label, name, va, vb in changed:
            shown_a = "-" if va is None else f"{va:g}ms"
            shown_b = "-" if vb is None else f"{vb:g}ms"
            yield f"  {label} {name[:-3]}: {shown_a} -> {shown_b}"
    if diff.divergence is not None:
        yield f"first divergence at event {diff.divergence + 1}:"
        yield from diff.context
