"""What the HTML report draws, read once from a run's event log and result.

Rates per topic in equal slices of clock time; the phases as bands; each
chaos action's applications as points; the assertion failures at the time
they were seen; and, per ``Within``, its latencies over time when the
monitor kept them. Bounded whatever the run's size: slices, and at most
``MAX_POINTS`` points per chaos action (evenly thinned, counted in full).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import orjson

from scenario_engine.report.model import RunResult

__all__ = ["MAX_POINTS", "SLICES", "Timeline", "read_timeline"]

SLICES = 120
MAX_POINTS = 400


@attrs.frozen
class Timeline:
    """Everything the page's charts need, in clock seconds."""

    span: float
    lanes: dict[str, list[int]]
    phases: list[tuple[str, float, float]]
    chaos: dict[str, list[float]]
    chaos_counts: dict[str, int]
    failures: list[tuple[int, str, float]]


def _thin(points: list[float], limit: int) -> list[float]:
    if len(points) <= limit:
        return points
    step = len(points) / limit
    return [points[int(i * step)] for i in range(limit)]


def read_timeline(result: RunResult) -> Timeline:
    """The timeline of ``result``, from its event log when it has one."""
    span = max(result.virtual_duration, 1e-9)
    lanes: dict[str, list[int]] = {}
    chaos: dict[str, list[float]] = {}
    path = Path(result.events_path) if result.events_path else None
    if path is not None and path.exists():
        with path.open("rb") as log:
            for line in log:
                if not line.endswith(b"\n"):
                    break  # a torn last line: the run was killed mid-write
                event: dict[str, Any] = orjson.loads(line)
                t = float(event.get("t", 0.0))
                for label in event.get("chaos", ()):
                    chaos.setdefault(label, []).append(t)
                if event.get("status") in ("dropped", "held"):
                    continue
                slot = min(max(int(t / span * SLICES), 0), SLICES - 1)
                lanes.setdefault(event["topic"], [0] * SLICES)[slot] += 1
    for item in result.chaos:  # actions that never fired still get a legend entry
        chaos.setdefault(item.label, [])
    phases = [(s.name, s.started, s.ended) for s in result.steps if s.kind == "phase"]
    failures = [
        (i, a.label, a.at if a.at is not None else result.virtual_duration)
        for i, a in enumerate(result.assertions)
        if not a.passed
    ]
    return Timeline(
        span=span,
        lanes=dict(sorted(lanes.items())),
        phases=phases,
        chaos={label: _thin(times, MAX_POINTS) for label, times in chaos.items()},
        chaos_counts={label: len(times) for label, times in chaos.items()},
        failures=failures,
    )
