"""The interpreter: clocks, scheduling, chaos, monitors, recording.

``run_plan(plan, RunOptions(...))`` is the one entry point; it returns a
:class:`~scenario_engine.report.model.RunResult`.
"""

from __future__ import annotations

from scenario_engine.plan.nodes import Plan
from scenario_engine.plan.validate import check_plan
from scenario_engine.report.model import RunResult
from scenario_engine.runtime.interpreter import Run
from scenario_engine.runtime.options import RunOptions

__all__ = ["RunOptions", "run_plan"]


def run_plan(plan: Plan, options: RunOptions | None = None) -> RunResult:
    """Validate ``plan``, run it, and return what happened."""
    check_plan(plan)
    return Run(plan, options or RunOptions()).execute()
