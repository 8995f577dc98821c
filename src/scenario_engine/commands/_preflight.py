"""Validate every plan of a ``play`` before the first one runs, each problem located."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from scenario_engine.errors import PlanError, UsageError

if TYPE_CHECKING:
    from scenario_engine.plan.nodes import Plan
    from scenario_engine.runtime.options import RunOptions

__all__ = ["check_before_running"]


def check_before_running(items: Sequence[tuple[Path, Plan]], options: RunOptions) -> None:
    """Raise one :class:`PlanError` with every problem of every plan (nothing has run yet)."""
    from scenario_engine.loaders import locate
    from scenario_engine.runtime.preflight import bus_problems, preflight

    if options.bus is not None:  # the command line's own bus first: it is no plan's fault
        for problem in bus_problems(options.bus, options.clock, options.registry):
            option = "--bus" if problem.where == "bus" else "--clock"
            raise UsageError(f"{option}: {problem.message}", hint=problem.hint)
    problems = [
        problem
        for source, plan in items
        for problem in locate(
            plan,
            source,
            preflight(
                plan,
                variables=options.variables,
                bus=options.bus,
                clock=options.clock,
                registry=options.registry,
            ),
        )
    ]
    if problems:
        raise PlanError(problems)
