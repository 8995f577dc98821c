"""Checks of a plan's lifecycle (hooks, preconditions, snapshots, rollbacks) and of its
windowed assertions, located by key path like the rest of validation."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from typing import Any

from scenario_engine.errors import Problem
from scenario_engine.plan.lifecycle import (
    CHAOS_WINDOW,
    ROLLBACK_STRATEGIES,
    WINDOW_KINDS,
    HookNode,
    RollbackNode,
)
from scenario_engine.plan.nodes import Plan
from scenario_engine.plan.values import CallableRef

__all__ = ["chaos_phases", "validate_lifecycle"]

_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _positive(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def _callable(path: str, ref: CallableRef) -> list[Problem]:
    if ":" in ref.target:
        return []
    return [Problem(path, f"must be 'module:qualname' (got {ref.target!r})", "'mypkg.hooks:reset'")]


def _hook(path: str, hook: HookNode | RollbackNode) -> list[Problem]:
    problems = _callable(f"{path}.fn", hook.fn)
    if hook.timeout is not None and not _positive(hook.timeout):
        problems.append(Problem(f"{path}.timeout", f"must be > 0 (got {hook.timeout!r})"))
    return problems


def chaos_phases(plan: Plan) -> tuple[str, ...]:
    """The phases chaos is limited to (``during=``), in step order: the chaos window."""
    limited = {node.during for node in plan.chaos if node.during is not None}
    return tuple(
        name
        for name in (getattr(s, "name", None) for s in plan.steps if _is_phase(s))
        if name in limited
    )


def _is_phase(step: Any) -> bool:
    return type(step).__name__ == "PhaseStep"


def validate_lifecycle(plan: Plan, phases: Mapping[str, int]) -> list[Problem]:
    """Every problem of ``plan.lifecycle`` and ``plan.windows``, each with its key path."""
    problems: list[Problem] = []
    life = plan.lifecycle
    for name in ("setup", "teardown"):
        for i, hook in enumerate(getattr(life, name)):
            problems += _hook(f"lifecycle.{name}[{i}]", hook)
    for i, rollback in enumerate(life.rollbacks):
        path = f"lifecycle.rollbacks[{i}]"
        problems += _hook(path, rollback)
        if rollback.when not in ROLLBACK_STRATEGIES:
            problems.append(
                Problem(
                    f"{path}.when",
                    f"must be one of {', '.join(ROLLBACK_STRATEGIES)} (got {rollback.when!r})",
                )
            )
    for i, ref in enumerate(life.requires):
        if ref.kind != "assertion" or not ref.name:
            problems.append(
                Problem(f"lifecycle.requires[{i}]", f"must be an assertion (got {ref!r})")
            )
    if life.warmup is not None and not _positive(life.warmup):
        problems.append(Problem("lifecycle.warmup", f"must be > 0 (got {life.warmup!r})"))
    seen: dict[str, int] = {}
    for i, snap in enumerate(life.snapshots):
        path = f"lifecycle.snapshots[{i}]"
        problems += _callable(f"{path}.fn", snap.fn)
        if not _FILE_NAME.match(snap.name or ""):
            problems.append(
                Problem(
                    f"{path}.name",
                    f"must be letters, digits, '-', '_' or '.' (got {snap.name!r})",
                    "it names the snapshot's files in the run directory",
                )
            )
        elif snap.name in seen:
            problems.append(
                Problem(
                    f"{path}.name",
                    f"snapshot {snap.name!r} is already defined at "
                    f"lifecycle.snapshots[{seen[snap.name]}]",
                )
            )
        seen.setdefault(snap.name, i)
    chaos_window = chaos_phases(plan)
    for i, node in enumerate(plan.windows):
        path = f"windows[{i}]"
        if node.assertion.kind != "assertion" or not node.assertion.name:
            problems.append(
                Problem(f"{path}.assertion", f"must be an assertion (got {node.assertion!r})")
            )
        if node.window not in WINDOW_KINDS:
            problems.append(
                Problem(
                    f"{path}.window",
                    f"must be one of {', '.join(WINDOW_KINDS)} (got {node.window!r})",
                )
            )
        if node.of == CHAOS_WINDOW and CHAOS_WINDOW not in phases:
            if not chaos_window:
                problems.append(
                    Problem(
                        f"{path}.of",
                        "the chaos window needs chaos limited to phases, and no chaos action is",
                        "include(chaos, during='crash') or chaos(..., during='crash'); "
                        "or name a phase: expect(..., during='crash')",
                    )
                )
        elif node.of not in phases:
            known = ", ".join(repr(p) for p in phases) or "none"
            close = difflib.get_close_matches(node.of, list(phases), n=1, cutoff=0.6)
            problems.append(
                Problem(
                    f"{path}.of",
                    f"no phase named {node.of!r} (phases: {known}; or 'chaos')",
                    f"did you mean {close[0]!r}?" if close else "",
                )
            )
    return problems
