"""Running an orchestration: its steps in order, a parallel step's scenarios at the same
time in worker processes, the whole loop ``iterations`` times, with a status for every
step of every iteration."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import attrs

from scenario_engine.plan.orchestration import OrchestrationPlan, OrchestrationStep
from scenario_engine.runtime.interpreter import report_directory
from scenario_engine.runtime.options import RunOptions
from scenario_engine.suite.collect import CollectedPlan
from scenario_engine.suite.model import FAILING, SuiteEntry
from scenario_engine.suite.runner import RetryPolicy, check_all, run_one

__all__ = ["IterationStatus", "OrchestrationResult", "StepStatus", "run_orchestration"]


@attrs.frozen
class StepStatus:
    """One step of one iteration: each scenario's outcome, and the step's status
    (passed, failed, interrupted, or skipped when an earlier failure stopped the run)."""

    index: int
    kind: str
    scenarios: tuple[str, ...]
    outcomes: tuple[str, ...]
    status: str
    started: float = 0.0
    ended: float = 0.0


@attrs.frozen
class IterationStatus:
    index: int
    status: str
    steps: tuple[StepStatus, ...]


@attrs.frozen
class OrchestrationResult:
    name: str
    status: str
    iterations: tuple[IterationStatus, ...]
    wall_duration: float
    entries: tuple[SuiteEntry, ...] = ()

    @property
    def exit_code(self) -> int:
        return {"passed": 0, "interrupted": 130}.get(self.status, 1)

    def lines(self) -> list[str]:
        """The status table a person reads: iteration by iteration, step by step."""
        out = [f"{self.status.upper()} orchestration {self.name} in {self.wall_duration:.2f}s"]
        for iteration in self.iterations:
            out.append(f"  iteration {iteration.index + 1}: {iteration.status}")
            for step in iteration.steps:
                what = " + ".join(
                    f"{name} {outcome}" if outcome else name
                    for name, outcome in zip(step.scenarios, step.outcomes, strict=True)
                )
                out.append(f"    step {step.index + 1} {step.kind}: {step.status} ({what})")
        return out


def _step_status(entries: list[SuiteEntry]) -> str:
    outcomes = {e.outcome for e in entries}
    if "interrupted" in outcomes:
        return "interrupted"
    return "failed" if outcomes & FAILING else "passed"


def _run_step(
    step: OrchestrationStep, source: Path, options: RunOptions, policy: RetryPolicy
) -> list[SuiteEntry]:
    items = [CollectedPlan(source, plan) for plan in step.scenarios]
    if not step.parallel:
        return [run_one(items[0], options, policy)]
    from scenario_engine.suite.parallel import run_parallel

    found, _ = run_parallel(items, options, policy, len(items), None)
    order = {item.key: i for i, item in enumerate(items)}
    return sorted(found, key=lambda e: order[e.key])


def run_orchestration(
    orch: OrchestrationPlan,
    options: RunOptions,
    *,
    source: Path | None = None,
    policy: RetryPolicy | None = None,
    on_step: Callable[[int, StepStatus], None] | None = None,
) -> OrchestrationResult:
    """Run ``orch``; each iteration writes under ``<report-dir>/<name>/iteration-<k>/``."""
    policy = policy or RetryPolicy()
    source = source or Path(f"<orchestration {orch.name}>")
    check_all([CollectedPlan(source, p) for s in orch.steps for p in s.scenarios], options)
    start = time.perf_counter()
    iterations: list[IterationStatus] = []
    entries: list[SuiteEntry] = []
    stopped: str | None = None
    for k in range(orch.iterations):
        run_options = options
        if options.report_dir is not None:
            folder = report_directory(options.report_dir, orch.name) / f"iteration-{k + 1}"
            run_options = attrs.evolve(options, report_dir=folder)
        steps: list[StepStatus] = []
        for i, step in enumerate(orch.steps):
            names = tuple(p.name for p in step.scenarios)
            kind = "parallel" if step.parallel else "then"
            if stopped is not None:
                steps.append(StepStatus(i, kind, names, ("",) * len(names), "skipped"))
                continue
            if step.delay:
                time.sleep(step.delay)
            began = time.perf_counter() - start
            found = _run_step(step, source, run_options, policy)
            entries += found
            status = _step_status(found)
            result = StepStatus(
                i,
                kind,
                names,
                tuple(e.outcome for e in found),
                status,
                began,
                time.perf_counter() - start,
            )
            steps.append(result)
            if on_step is not None:
                on_step(k, result)
            if status == "interrupted" or (status == "failed" and not orch.continue_on_failure):
                stopped = status
        statuses = {s.status for s in steps}
        if statuses == {"skipped"}:
            overall = "skipped"
        elif "interrupted" in statuses:
            overall = "interrupted"
        else:
            overall = "failed" if "failed" in statuses else "passed"
        iterations.append(IterationStatus(k, overall, tuple(steps)))
    final = {i.status for i in iterations}
    status = (
        "interrupted" if "interrupted" in final else ("failed" if "failed" in final else "passed")
    )
    return OrchestrationResult(
        name=orch.name,
        status=status,
        iterations=tuple(iterations),
        wall_duration=time.perf_counter() - start,
        entries=tuple(entries),
    )
