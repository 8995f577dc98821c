"""The result of a run: what happened per step, per assertion and per chaos action."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from scenario_engine.report.snapshots import SnapshotResult
from scenario_engine.spi import Witness

__all__ = ["Application", "AssertionResult", "ChaosResult", "RunResult", "StepResult"]


@attrs.frozen
class StepResult:
    """One step: ``status`` is passed, failed, error, skipped, or tolerated (a step with
    ``critical=False`` that raised: reported, and the run went on)."""

    index: int
    kind: str
    name: str
    status: str
    started: float
    ended: float
    message: str = ""
    detail: str = ""


@attrs.frozen
class AssertionResult:
    """One assertion's verdict; ``at`` is the clock time an early failure was seen."""

    label: str
    passed: bool
    expected: str
    actual: str
    witnesses: tuple[Witness, ...] = ()
    stats: Mapping[str, Any] = attrs.field(factory=dict)
    at: float | None = None
    checkpoint: str | None = None
    #: the window it was judged over ("during crash"), and its steady-state group
    window: str | None = None
    group: str | None = None

    def explain(self) -> str:
        """A few lines a person reads first: expected, actual, the events that show it."""
        lines = [f"expected: {self.expected}", f"actual:   {self.actual}"]
        lines += [f"  {w}" for w in self.witnesses]
        return "\n".join(lines)


@attrs.frozen
class ChaosResult:
    """How often a chaos action's triggers matched and how often it was applied.

    ``applied`` counts both directions; ``inbound`` is the part applied to
    events other programs published. ``topics`` are the action's topic
    patterns and ``seen`` the topics of events that came its way; an action
    whose triggers never matched is ``never_matched``.
    """

    label: str
    effect: str
    applied: int
    matched: int
    origin: str | None = None
    during: str | None = None
    detail: Mapping[str, Any] = attrs.field(factory=dict)
    inbound: int = 0
    topics: tuple[str, ...] = ()
    seen: tuple[str, ...] = ()
    never_matched: bool = False


@attrs.frozen(kw_only=True)
class Application:
    """One chaos application: ``action`` is the chaos node's index in the plan, ``event``
    the event's stable identity ``topic@cycle#n`` (see :mod:`scenario_engine.runtime.forced`).

    ``params`` holds what a forced run needs to do the same (``ms`` of a delay,
    jitter included; ``copies`` of a duplicate); ``did`` says it for people.
    """

    action: int
    label: str
    effect: str
    event: str
    topic: str
    time: float
    did: str
    params: Mapping[str, Any] = attrs.field(factory=dict)

    def key(self) -> tuple[int, str]:
        return (self.action, self.event)

    def __str__(self) -> str:
        return f"{self.label} {self.did} {self.event} at t={self.time:.3f}s"


@attrs.frozen
class RunResult:
    """Everything a run produced; ``status`` is passed, failed, error, interrupted or
    "precondition failed" (a ``require`` did not hold on the warm-up: nothing ran).

    ``events_recorded`` counts deliveries (``events_released`` of them were held
    by chaos first); ``events_dropped`` counts only real losses; ``events_held``
    counts the holds (an event still held when a run was cut short is held and
    not released).
    """

    name: str
    seed: int
    status: str
    bus: str
    clock: str
    steps: tuple[StepResult, ...] = ()
    assertions: tuple[AssertionResult, ...] = ()
    chaos: tuple[ChaosResult, ...] = ()
    topics: Mapping[str, int] = attrs.field(factory=dict)
    events_recorded: int = 0
    events_dropped: int = 0
    events_held: int = 0
    events_released: int = 0
    virtual_duration: float = 0.0
    wall_duration: float = 0.0
    generators: Mapping[str, Any] = attrs.field(factory=dict)
    bus_stats: Mapping[str, Any] = attrs.field(factory=dict)
    report_dir: str | None = None
    events_path: str | None = None
    replay: str = ""
    error: str = ""
    #: wall clock only: events the engine published itself, and how many a second it achieved
    published: int | None = None
    publish_rate: float | None = None
    #: every chaos application, in order (see :class:`Application`)
    applications: tuple[Application, ...] = ()
    snapshots: tuple[SnapshotResult, ...] = ()

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def exit_code(self) -> int:
        return {"passed": 0, "failed": 1, "interrupted": 130}.get(self.status, 1)

    @property
    def failures(self) -> tuple[AssertionResult, ...]:
        return tuple(a for a in self.assertions if not a.passed)
