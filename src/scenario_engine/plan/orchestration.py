"""Orchestrations as data: scenarios chained in sequence and in parallel, looped.

A file holds the scenarios as ordinary plans and the orchestration names
them::

    format = 1
    [orchestration]
    name = "nightly"
    iterations = 3
    continue_on_failure = true
    steps = [{then = "a"}, {then = "b", delay = "5s"}, {parallel = ["c", "d"]}]
    [[plans]]
    name = "a"
    ...

Loading checks everything and reports every problem with its key path
(``orchestration.steps[1].then: no plan named 'bb'``), like plan files.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from scenario_engine.durations import DurationError, parse_duration
from scenario_engine.errors import PlanError, Problem
from scenario_engine.plan._fields import close_match, dump_duration, got
from scenario_engine.plan.codec import Format, format_for, from_dict, to_dict
from scenario_engine.plan.nodes import FORMAT_VERSION, Plan

__all__ = [
    "OrchestrationPlan",
    "OrchestrationStep",
    "dump_orchestration",
    "dumps_orchestration",
    "is_orchestration_file",
    "load_orchestration",
    "loads_orchestration",
]


@attrs.frozen(kw_only=True)
class OrchestrationStep:
    """One step: a scenario (``then``) or several at once (``parallel``), after ``delay``
    real seconds."""

    scenarios: tuple[Plan, ...]
    parallel: bool = False
    delay: float = 0.0


@attrs.frozen(kw_only=True)
class OrchestrationPlan:
    """Steps run in order, ``iterations`` times; a failed step stops the orchestration
    unless ``continue_on_failure``."""

    name: str
    steps: tuple[OrchestrationStep, ...] = ()
    iterations: int = 1
    continue_on_failure: bool = False
    description: str = ""


# --------------------------------------------------------------------------- dumping


def _to_data(orch: OrchestrationPlan) -> dict[str, Any]:
    plans: dict[str, Plan] = {}
    steps: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for i, step in enumerate(orch.steps):
        problems.extend(
            Problem(
                f"orchestration {orch.name!r}: steps[{i}]",
                f"two different scenarios are named {plan.name!r}",
                "give each scenario its own name (Scenario.named(...))",
            )
            for plan in step.scenarios
            if plans.setdefault(plan.name, plan) != plan
        )
        names = [p.name for p in step.scenarios]
        entry: dict[str, Any] = {"parallel": names} if step.parallel else {"then": names[0]}
        if step.delay:
            entry["delay"] = dump_duration(step.delay)
        steps.append(entry)
    if problems:
        raise PlanError(problems)
    table: dict[str, Any] = {"name": orch.name}
    if orch.description:
        table["description"] = orch.description
    if orch.iterations != 1:
        table["iterations"] = orch.iterations
    if orch.continue_on_failure:
        table["continue_on_failure"] = True
    table["steps"] = steps
    return {
        "format": FORMAT_VERSION,
        "orchestration": table,
        "plans": [to_dict(p) for p in plans.values()],
    }


def dumps_orchestration(orch: OrchestrationPlan, fmt: Format = "toml") -> str:
    """An orchestration file's text, TOML or JSON."""
    data = _to_data(orch)
    if fmt == "toml":
        import tomli_w

        return tomli_w.dumps(data)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def dump_orchestration(orch: OrchestrationPlan, path: Path) -> None:
    path.write_text(dumps_orchestration(orch, format_for(path)), encoding="utf-8")


# --------------------------------------------------------------------------- loading

_TABLE_KEYS = ("name", "description", "iterations", "continue_on_failure", "steps")


def _step(
    raw: Any, where: str, plans: Mapping[str, Plan], problems: list[Problem]
) -> OrchestrationStep | None:
    if not isinstance(raw, Mapping):
        problems.append(Problem(where, f"must be a table with 'then' or 'parallel' {got(raw)}"))
        return None
    unknown = [k for k in raw if k not in ("then", "parallel", "delay")]
    problems += [
        Problem(f"{where}.{k}", "unknown key", close_match(str(k), ["then", "parallel", "delay"]))
        for k in unknown
    ]
    if ("then" in raw) == ("parallel" in raw):
        problems.append(Problem(where, "give then = NAME or parallel = [NAMES], one of them"))
        return None
    parallel = "parallel" in raw
    names = raw["parallel"] if parallel else [raw["then"]]
    key = "parallel" if parallel else "then"
    if parallel and (not isinstance(names, list) or len(names) < 2):
        problems.append(
            Problem(f"{where}.parallel", f"must list two or more scenario names {got(names)}")
        )
        return None
    chosen = []
    for j, name in enumerate(names):
        at = f"{where}.{key}[{j}]" if parallel else f"{where}.then"
        if not isinstance(name, str) or name not in plans:
            hint = close_match(str(name), list(plans)) if plans else "add it under [[plans]]"
            problems.append(Problem(at, f"no plan named {name!r} in this file", hint))
            continue
        chosen.append(plans[name])
    delay = 0.0
    if "delay" in raw:
        try:
            delay = parse_duration(raw["delay"])
        except DurationError as err:
            problems.append(Problem(f"{where}.delay", str(err)))
    if len(chosen) != len(names):
        return None
    return OrchestrationStep(scenarios=tuple(chosen), parallel=parallel, delay=delay)


def _from_data(data: Any, source: str) -> OrchestrationPlan:
    prefix = f"{source}:" if source else ""
    problems: list[Problem] = []
    if not isinstance(data, Mapping):
        raise PlanError([Problem(source, f"an orchestration file must be a table {got(data)}")])
    if data.get("format") != FORMAT_VERSION:
        raise PlanError(
            [Problem(f"{prefix}format", f"must be {FORMAT_VERSION} {got(data.get('format'))}")]
        )
    plans: dict[str, Plan] = {}
    for i, raw in enumerate(data.get("plans") or []):
        try:
            plan = from_dict(raw, where=f"plans[{i}]")
        except PlanError as err:
            problems += [attrs.evolve(p, where=prefix + p.where) for p in err.problems]
            continue
        plans[plan.name] = plan
    table = data.get("orchestration")
    if not isinstance(table, Mapping):
        problems.append(Problem(f"{prefix}orchestration", f"must be a table {got(table)}"))
        raise PlanError(problems)
    where = f"{prefix}orchestration"
    problems += [
        Problem(f"{where}.{k}", "unknown key", close_match(str(k), list(_TABLE_KEYS)))
        for k in table
        if k not in _TABLE_KEYS
    ]
    name = table.get("name")
    if not isinstance(name, str) or not name:
        problems.append(Problem(f"{where}.name", f"must be a non-empty string {got(name)}"))
    iterations = table.get("iterations", 1)
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1:
        problems.append(
            Problem(f"{where}.iterations", f"must be an integer >= 1 {got(iterations)}")
        )
    cont = table.get("continue_on_failure", False)
    if not isinstance(cont, bool):
        problems.append(
            Problem(f"{where}.continue_on_failure", f"must be true or false {got(cont)}")
        )
    raw_steps = table.get("steps")
    steps = []
    if not isinstance(raw_steps, list) or not raw_steps:
        problems.append(Problem(f"{where}.steps", f"must be a non-empty list {got(raw_steps)}"))
    else:
        for i, raw in enumerate(raw_steps):
            step = _step(raw, f"{where}.steps[{i}]", plans, problems)
            if step is not None:
                steps.append(step)
    if problems:
        raise PlanError(problems)
    return OrchestrationPlan(
        name=str(name),
        steps=tuple(steps),
        iterations=int(iterations),
        continue_on_failure=bool(cont),
        description=str(table.get("description", "")),
    )


def loads_orchestration(text: str, fmt: Format, source: str = "<string>") -> OrchestrationPlan:
    """The orchestration an orchestration file's text describes, checked."""
    try:
        data = tomllib.loads(text) if fmt == "toml" else json.loads(text)
    except ValueError as err:
        raise PlanError([Problem(source, f"invalid {fmt.upper()}: {err}")]) from None
    return _from_data(data, source)


def load_orchestration(path: Path) -> OrchestrationPlan:
    return loads_orchestration(path.read_text(encoding="utf-8"), format_for(path), str(path))


def is_orchestration_file(path: Path) -> bool:
    """Whether a .toml/.json file holds an ``orchestration`` table."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(data, dict) and "orchestration" in data
