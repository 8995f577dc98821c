"""Whole-plan checks that no single node can make: located by key path, all reported at once.

Component names and parameters are checked against the registry by
:func:`scenario_engine.registry.check_components`; this module needs no plugin.
"""

from __future__ import annotations

import math
from typing import Any

from scenario_engine.errors import PlanError, Problem
from scenario_engine.plan.nodes import (
    CheckStep,
    PhaseStep,
    Plan,
    PublishStep,
    Triggers,
    WaitForStep,
)

__all__ = ["check_plan", "validate"]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _triggers(path: str, t: Triggers) -> list[Problem]:
    problems = []
    if not t.topics or not all(isinstance(x, str) and x for x in t.topics):
        problems.append(Problem(f"{path}.topics", f"must list topic patterns (got {t.topics!r})"))
    if not _number(t.probability) or not 0 <= t.probability <= 1:
        problems.append(
            Problem(f"{path}.probability", f"must be in [0, 1] (got {t.probability!r})")
        )
    if t.at_cycle is not None and not (0 <= t.at_cycle[0] <= t.at_cycle[1]):
        problems.append(
            Problem(f"{path}.at_cycle", f"must satisfy 0 <= first <= last (got {list(t.at_cycle)!r})")
        )
    if t.between is not None and not (0 <= t.between[0] <= t.between[1]):
        problems.append(
            Problem(f"{path}.between", f"must satisfy 0 <= start <= end (got {list(t.between)!r})")
        )
    for name in ("every", "max_times"):
        value = getattr(t, name)
        if value is not None and value < 1:
            problems.append(Problem(f"{path}.{name}", f"must be >= 1 (got {value!r})"))
    return problems


def validate(plan: Plan) -> list[Problem]:
    """Every structural problem of ``plan``, each with its key path."""
    problems: list[Problem] = []
    if not plan.name:
        problems.append(Problem("name", "must not be empty"))
    if plan.clock not in (None, "virtual", "wall"):
        problems.append(Problem("clock", f"must be 'virtual' or 'wall' (got {plan.clock!r})"))
    if not _number(plan.speed) or plan.speed <= 0:
        problems.append(Problem("speed", f"must be > 0 (got {plan.speed!r})"))
    if plan.timeout is not None and (not _number(plan.timeout) or plan.timeout <= 0):
        problems.append(Problem("timeout", f"must be > 0 (got {plan.timeout!r})"))
    for i, gen in enumerate(plan.generators):
        if not _number(gen.every) or gen.every <= 0:
            problems.append(Problem(f"generators[{i}].every", f"must be > 0 (got {gen.every!r})"))
        if not gen.topic:
            problems.append(Problem(f"generators[{i}].topic", "must not be empty"))

    phases: dict[str, int] = {}
    for i, step in enumerate(plan.steps):
        path = f"steps[{i}]"
        if isinstance(step, PhaseStep):
            if step.name in phases:
                problems.append(
                    Problem(
                        f"{path}.name",
                        f"phase {step.name!r} is already defined at steps[{phases[step.name]}]",
                        "give each phase its own name",
                    )
                )
            phases.setdefault(step.name, i)
            if (step.cycles is None) == (step.duration is None):
                problems.append(Problem(path, "give cycles or duration, not both or neither"))
            if step.cycles is not None and step.cycles < 1:
                problems.append(Problem(f"{path}.cycles", f"must be >= 1 (got {step.cycles!r})"))
            if step.duration is not None and step.duration <= 0:
                problems.append(
                    Problem(f"{path}.duration", f"must be > 0 (got {step.duration!r})")
                )
        elif isinstance(step, PublishStep):
            if step.repeat < 1:
                problems.append(Problem(f"{path}.repeat", f"must be >= 1 (got {step.repeat!r})"))
            for name in ("interval", "delay"):
                value = getattr(step, name)
                if value < 0:
                    problems.append(Problem(f"{path}.{name}", f"must be >= 0 (got {value!r})"))
        elif isinstance(step, WaitForStep):
            if step.timeout <= 0:
                problems.append(Problem(f"{path}.timeout", f"must be > 0 (got {step.timeout!r})"))
        elif isinstance(step, CheckStep) and not step.assertions:
            problems.append(Problem(f"{path}.assertions", "must list at least one assertion"))

    for i, node in enumerate(plan.chaos):
        path = f"chaos[{i}]"
        problems += _triggers(f"{path}.triggers", node.triggers)
        if node.during is not None and node.during not in phases:
            known = ", ".join(repr(p) for p in phases) or "none"
            problems.append(
                Problem(
                    f"{path}.during",
                    f"no phase named {node.during!r} (phases: {known})",
                )
            )
    return problems


def check_plan(plan: Plan) -> None:
    """Raise :class:`PlanError` listing every problem of ``plan``, if any."""
    problems = validate(plan)
    if problems:
        raise PlanError(problems)
