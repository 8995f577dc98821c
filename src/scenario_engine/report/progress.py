"""What a run in progress looks like from outside: a snapshot, and who may watch it.

A run hands its observer a :class:`Snapshot` now and then (see
:mod:`scenario_engine.runtime.progress`); a display turns it into a live
line (:mod:`scenario_engine.report.live`). The snapshot is plain data, so a
display needs nothing of the runtime and a test can make one by hand.
"""

from __future__ import annotations

from typing import Protocol

import attrs

__all__ = [
    "ProgressObserver",
    "Snapshot",
    "chaos_line",
    "failing_line",
    "format_rate",
    "status_line",
]


@attrs.frozen(kw_only=True)
class Snapshot:
    """A run at one moment: where it is, how fast it goes, what went wrong so far.

    ``step`` names the step that runs (``"phase crash"``, ``"wait_for OrderFilled"``,
    ``"settling"`` after the last one); ``events_per_s`` is the delivery rate over
    about the last second of wall time; ``chaos`` holds ``(label, times applied)``
    of the actions that fired; ``failing`` the assertions that already failed.
    """

    scenario: str
    step: str
    step_number: int
    steps: int
    clock: str
    clock_time: float
    wall_time: float
    events: int
    events_per_s: float
    chaos: tuple[tuple[str, int], ...] = ()
    failing: tuple[str, ...] = ()


class ProgressObserver(Protocol):
    """Whatever watches a run: called from the run's own loop, so it must be quick."""

    def on_progress(self, snapshot: Snapshot) -> None: ...


def format_rate(per_second: float) -> str:
    """``12,345`` for large rates, ``9.8`` for small ones."""
    return f"{per_second:,.0f}" if per_second >= 100 else f"{per_second:.1f}"


def status_line(snapshot: Snapshot) -> str:
    """``flash: phase crash (2/4) | clock 12.0s | wall 3.1s | 1,234 events/s | 567 events``"""
    step = snapshot.step
    if 0 < snapshot.step_number <= snapshot.steps:
        step += f" ({snapshot.step_number}/{snapshot.steps})"
    return (
        f"{snapshot.scenario}: {step} | {snapshot.clock} clock {snapshot.clock_time:.1f}s"
        f" | wall {snapshot.wall_time:.1f}s | {format_rate(snapshot.events_per_s)} events/s"
        f" | {snapshot.events:,} event{'s' if snapshot.events != 1 else ''}"
    )


def chaos_line(snapshot: Snapshot) -> str:
    """``chaos: Drop('*', probability=0.01) x3, Delay(...) x12`` or "" when none fired."""
    if not snapshot.chaos:
        return ""
    return "chaos: " + ", ".join(f"{label} x{times}" for label, times in snapshot.chaos)


def failing_line(snapshot: Snapshot) -> str:
    """``failing: Within(...) at 4.300s`` or "" while every assertion holds."""
    if not snapshot.failing:
        return ""
    return "failing: " + ", ".join(snapshot.failing)
