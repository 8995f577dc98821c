"""Running several plans in a row, as ``scenario play`` does, and the dry run."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import attrs
from loguru import logger

from scenario_engine.errors import PlanError
from scenario_engine.events import Event
from scenario_engine.plan.nodes import Plan
from scenario_engine.plan.validate import check_plan
from scenario_engine.registry import check_components
from scenario_engine.report.model import RunResult
from scenario_engine.runtime.interpreter import Run
from scenario_engine.runtime.options import RunOptions
from scenario_engine.runtime.service_runs import refuse_untrusted_services

__all__ = ["dry_run", "play_all"]


def play_all(
    items: Iterable[tuple[Path, Plan]],
    options: RunOptions,
    *,
    on_result: Callable[[RunResult], None] | None = None,
) -> list[RunResult]:
    """Run each plan; ``fail_fast`` also stops after the first scenario that fails."""
    items = list(items)
    _warn_shared_names(items)
    results = []
    items = list(items)
    if not options.allow_services:
        refuse_untrusted_services(items)
    for source, plan in items:
        check_plan(plan)
        problems = check_components(plan, options.registry)
        if problems:  # every unknown or misconfigured component at once, before anything runs
            raise PlanError([attrs.evolve(p, where=f"{source}: {p.where}") for p in problems])
        result = Run(plan, attrs.evolve(options, source=source)).execute()
        results.append(result)
        if on_result is not None:
            on_result(result)
        if result.status == "interrupted" or (options.fail_fast and not result.passed):
            break
    return results


def _warn_shared_names(items: list[tuple[Path, Plan]]) -> None:
    """Scenarios that share a name share a folder: say so (each run still has its own)."""
    where: dict[str, list[str]] = {}
    for source, plan in items:
        where.setdefault(plan.name, []).append(str(source))
    for name, sources in where.items():
        if len(sources) > 1:
            counted = {source: sources.count(source) for source in sources}
            logger.warning(
                "{} scenarios are named {!r} ({}): each run gets its own folder, "
                "none overwrites another; give them distinct names to tell them apart",
                len(sources),
                name,
                ", ".join(f"{s} x{n}" if n > 1 else s for s, n in counted.items()),
            )


class _ScheduleBus:
    """Captures what would be published, delivering nothing."""

    capabilities = frozenset({"virtual_time"})

    def __init__(self, limit: int, stop: Callable[[], None], now: Callable[[], float]) -> None:
        self.limit = limit
        self.stop = stop
        self.now = now
        self.events: list[Event] = []

    def connect(self) -> None: ...

    def subscribe(self, pattern: str, handler: Callable[[Event], None]) -> None: ...

    def publish(self, event: Event) -> None:
        event.time = self.now()
        self.events.append(event)
        if len(self.events) >= self.limit:
            self.stop()

    def poll(self, timeout: float) -> int:
        return 0

    def flush(self) -> None: ...

    def close(self) -> None: ...


def dry_run(plan: Plan, options: RunOptions, limit: int = 20) -> list[str]:
    """The first ``limit`` events the engine would publish, and the chaos that would touch
    them, without starting any system or delivering anything."""
    check_plan(plan)
    quiet = attrs.evolve(
        plan, systems=(), services=(), expectations=(), relays=(), clock="virtual"
    )
    quiet = attrs.evolve(
        quiet,
        steps=tuple(
            s
            for s in quiet.steps
            if type(s).__name__ in ("PhaseStep", "PublishStep", "GenerateStep")
        ),
    )
    holder: dict[str, Any] = {}
    bus = _ScheduleBus(
        limit,
        lambda: setattr(holder["run"].scheduler, "stopped", True),
        lambda: float(holder["run"].scheduler.now),
    )
    run = Run(quiet, attrs.evolve(options, report_dir=None, bus=None, clock=None), bus=bus)
    holder["run"] = run
    dropped: list[Event] = []
    original = run.recorder.dropped_event

    def note_drop(event: Event, now: float, label: str) -> None:
        original(event, now, label)
        dropped.append(event)

    run.recorder.dropped_event = note_drop  # type: ignore[method-assign]
    run.execute()
    lines = [f"dry run of {plan.name!r} (seed {run.plan.seed}): the first {limit} events"]
    timeline = sorted(
        [(e.time, 0, e) for e in bus.events] + [(e.time, 1, e) for e in dropped],
        key=lambda item: (item[0], item[1]),
    )
    for when, is_drop, event in timeline[:limit]:
        excerpt = repr(event.payload)
        if len(excerpt) > 70:
            excerpt = excerpt[:67] + "..."
        chaos = f"  <- {', '.join(event.marks)}" if event.marks else ""
        verb = "DROPPED " if is_drop else ""
        lines.append(
            f"  t={when:8.3f}s cycle {event.cycle:<4} {verb}{event.topic} {excerpt}{chaos}"
        )
    lines += [
        f"  chaos {chaos.label}: would fire x{chaos.applied} in this window"
        for chaos in run.pipeline.results()
    ]
    return lines
