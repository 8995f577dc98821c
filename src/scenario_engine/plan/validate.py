"""Whole-plan checks that no single node can make: located by key path, all reported at once.

Component names and parameters are checked against the registry by
:func:`scenario_engine.registry.check_components`; this module needs no plugin.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from typing import Any

from scenario_engine.durations import MAX_SECONDS
from scenario_engine.errors import PlanError, Problem
from scenario_engine.plan._fields import key_path
from scenario_engine.plan._limits import (
    MAX_EVENTS_PER_PHASE,
    MAX_NAME,
    MAX_REPEAT,
    MAX_SPEED,
    MIN_EVERY,
)
from scenario_engine.plan.nodes import (
    CheckStep,
    DoStep,
    GenerateStep,
    PhaseStep,
    Plan,
    PublishStep,
    Ref,
    ReplayStep,
    Triggers,
    WaitForStep,
)
from scenario_engine.plan.services import service_problems
from scenario_engine.plan.validate_lifecycle import validate_lifecycle
from scenario_engine.plan.values import CallableRef, FrozenMap
from scenario_engine.template_rules import template_problems

__all__ = ["WHERE_OPERATORS", "check_plan", "validate", "where_problems"]

#: the operators of a payload condition ``{path = {op = value}}``
WHERE_OPERATORS = ("eq", "ne", "gt", "ge", "lt", "le", "in")
#: what other query languages call them
_ALIASES = {"lte": "le", "gte": "ge", "neq": "ne", "equals": "eq", "==": "eq", "!=": "ne",
            ">": "gt", ">=": "ge", "<": "lt", "<=": "le", "=": "eq", "contains": "in"}
#: built-in assertions whose parameter is a payload condition
_CONDITIONS = {"count": "where", "never": "where", "always": "predicate"}


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
            Problem(
                f"{path}.at_cycle",
                f"must satisfy 0 <= first <= last (got {list(t.at_cycle)!r})",
            )
        )
    if t.between is not None and not (0 <= t.between[0] <= t.between[1]):
        problems.append(
            Problem(f"{path}.between", f"must satisfy 0 <= start <= end (got {list(t.between)!r})")
        )
    for name in ("every", "max_times"):
        value = getattr(t, name)
        if value is not None and value < 1:
            problems.append(Problem(f"{path}.{name}", f"must be >= 1 (got {value!r})"))
    if t.at_events is not None and not all(isinstance(n, str) and "@" in n for n in t.at_events):
        problems.append(
            Problem(
                f"{path}.at_events",
                "must list event identities such as 'PriceUpdate@17#0' "
                f"(got {list(t.at_events)!r})",
            )
        )
    if t.after is not None and not t.after:
        problems.append(Problem(f"{path}.after", "must name a topic (got '')"))
    if t.where is not None:
        problems += _where(f"{path}.where", t.where)
    return problems


def _where(path: str, where: Any) -> list[Problem]:
    """Path conditions: ``{dot.path = value}`` or ``{dot.path = {op = value}}``."""
    if isinstance(where, CallableRef):
        return _callable(path, where)
    problems = []
    if not where:
        problems.append(Problem(path, "must list at least one payload condition",
                                "{price = {gt = 0}}"))
    for field, condition in where.items():
        here = key_path(path, field)
        if not field or any(not part for part in field.split(".")):
            problems.append(Problem(here, f"must be a payload path such as 'price.value' "
                                    f"(got {field!r})"))
        if not isinstance(condition, Mapping) or isinstance(condition, CallableRef):
            continue
        if not condition:
            problems.append(Problem(here, "must give an operator and a value",
                                    "one of: " + ", ".join(WHERE_OPERATORS)))
        for op, expected in condition.items():
            if op not in WHERE_OPERATORS:
                close = [_ALIASES[op]] if op in _ALIASES else difflib.get_close_matches(
                    op, WHERE_OPERATORS, n=1, cutoff=0.5)
                problems.append(Problem(
                    key_path(here, op),
                    f"unknown operator {op!r}",
                    f"did you mean {close[0]!r}?" if close
                    else "one of: " + ", ".join(WHERE_OPERATORS),
                ))
            elif op == "in" and not isinstance(expected, tuple | str):
                problems.append(Problem(key_path(here, "in"), f"must be a list (got {expected!r})",
                                        "{side = {in = ['buy', 'sell']}}"))
    return problems


def _ref(path: str, ref: Ref, kind: str) -> list[Problem]:
    """A component reference in a position that implies its kind."""
    problems = []
    if ref.kind != kind:
        problems.append(Problem(f"{path}.kind", f"must be {kind!r} here (got {ref.kind!r})"))
    if not ref.name:
        problems.append(Problem(f"{path}.name", f"must name a {kind} (got '')"))
    return problems


def _callable(path: str, ref: CallableRef) -> list[Problem]:
    if ":" in ref.target:
        return []
    return [Problem(path, f"must be 'module:qualname' (got {ref.target!r})",
                    "'mypkg.systems:Echo'")]


def _topics(plan: Plan) -> list[Problem]:
    """Declared topics: named, each once, broker-side names distinct (codecs: the registry)."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    subjects: dict[str, int] = {}
    for i, node in enumerate(plan.topics):
        path = f"topics[{i}]"
        if not node.name or any(ch in node.name for ch in "*?["):
            problems.append(Problem(f"{path}.name", f"must name one topic, no wildcards "
                                    f"(got {node.name!r})"))
        elif node.name in seen:
            problems.append(Problem(f"{path}.name", f"topic {node.name!r} is declared twice",
                                    f"merge it with topics[{seen[node.name]}]"))
        seen.setdefault(node.name, i)
        if node.subject is not None:
            if not node.subject:
                problems.append(Problem(f"{path}.subject", "must not be empty"))
            elif node.subject in subjects:
                problems.append(Problem(
                    f"{path}.subject",
                    f"subject {node.subject!r} already carries "
                    f"topics[{subjects[node.subject]}]",
                    "one broker-side name per topic"))
            subjects.setdefault(node.subject, i)
        if node.params and node.codec is None:
            problems.append(Problem(f"{path}.params", "codec parameters need a codec",
                                    "give codec='json', 'flat', ..."))
    return problems


def _callable_vars(variables: FrozenMap) -> dict[str, str]:
    """Variables holding callables, with their references: templates may not render them."""
    return {k: v.target for k, v in variables.items() if isinstance(v, CallableRef)}


def validate(plan: Plan) -> list[Problem]:
    """Every structural problem of ``plan``, each with its key path."""
    problems: list[Problem] = []
    if not plan.name or not plan.name.strip():
        problems.append(Problem("name", "must not be empty"))
    elif len(plan.name) > MAX_NAME:
        problems.append(Problem("name", f"must be at most {MAX_NAME} characters "
                                f"(got {len(plan.name)})", "a scenario name names its folder"))
    if plan.bus is not None:
        scheme, sep, _ = plan.bus.partition("://")
        if not sep or not scheme:
            problems.append(Problem(
                "bus", f"expected a bus URL such as 'redis://{plan.bus or 'localhost'}:6379/0' "
                f"(got {plan.bus!r})", "memory://, redis://host:port/0 or nats://host:port",
            ))
    if plan.clock not in (None, "virtual", "wall"):
        problems.append(Problem("clock", f"must be 'virtual' or 'wall' (got {plan.clock!r})"))
    if not _number(plan.speed) or plan.speed <= 0 or plan.speed > MAX_SPEED:
        problems.append(Problem("speed", f"must be > 0 and <= {MAX_SPEED:g} (got {plan.speed!r})"))
    if plan.timeout is not None and (not _number(plan.timeout) or plan.timeout <= 0):
        problems.append(Problem("timeout", f"must be > 0 (got {plan.timeout!r})"))
    for i, system in enumerate(plan.systems):
        problems += _callable(f"systems[{i}].target", system.target)
    callables = _callable_vars(plan.vars)
    for i, gen in enumerate(plan.generators):
        problems += _ref(f"generators[{i}].ref", gen.ref, "generator")
        local = gen.ref.params.get("vars")
        own = {**callables, **_callable_vars(local)} if isinstance(local, FrozenMap) else callables
        problems += template_problems(gen.ref.params, f"generators[{i}].ref.params", own)
        if not _number(gen.every) or gen.every <= 0:
            problems.append(Problem(f"generators[{i}].every", f"must be > 0 (got {gen.every!r})"))
        elif gen.every < MIN_EVERY:
            problems.append(Problem(f"generators[{i}].every",
                                    f"must be at least 1us (got {gen.every!r})",
                                    "a generator emits at most a million events a second"))
        if not gen.topic:
            problems.append(Problem(f"generators[{i}].topic", "must not be empty"))
    problems += _topics(plan)
    problems += service_problems(plan)
    for i, relay in enumerate(plan.relays):
        for name in ("source", "target"):
            if not getattr(relay, name):
                problems.append(Problem(f"relays[{i}].{name}", "must name a topic (got '')"))

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
            if step.profile is not None:
                problems += _ref(f"{path}.profile", step.profile, "profile")
            problems += _phase_size(plan, path, step)
        elif isinstance(step, PublishStep):
            problems += template_problems(step.payload, f"{path}.payload", callables)
            if not step.topic:
                problems.append(Problem(f"{path}.topic", "must not be empty"))
            if step.repeat < 1 or step.repeat > MAX_REPEAT:
                problems.append(Problem(f"{path}.repeat", f"must be >= 1 and <= {MAX_REPEAT:,} "
                                        f"(got {step.repeat!r})"))
            if step.generator is not None:
                problems += _ref(f"{path}.generator", step.generator, "generator")
                if step.payload is not None:
                    problems.append(
                        Problem(path, "give a payload or a generator, not both",
                                "drop the payload: the generator makes each one")
                    )
            for name in ("interval", "delay"):
                value = getattr(step, name)
                if value < 0:
                    problems.append(Problem(f"{path}.{name}", f"must be >= 0 (got {value!r})"))
        elif isinstance(step, WaitForStep):
            if not step.topic:
                problems.append(Problem(f"{path}.topic", "must not be empty"))
            if step.timeout <= 0:
                problems.append(Problem(f"{path}.timeout", f"must be > 0 (got {step.timeout!r})"))
            if step.where is not None:
                problems += _where(f"{path}.where", step.where)
        elif isinstance(step, CheckStep):
            if not step.assertions:
                problems.append(Problem(f"{path}.assertions", "must list at least one assertion"))
            for j, ref in enumerate(step.assertions):
                problems += _ref(f"{path}.assertions[{j}]", ref, "assertion")
        elif isinstance(step, DoStep):
            problems += _callable(f"{path}.fn", step.fn)
        elif isinstance(step, GenerateStep) and not 1 <= step.count <= MAX_REPEAT:
            problems.append(Problem(f"{path}.count", f"must be >= 1 and <= {MAX_REPEAT:,} "
                                    f"(got {step.count!r})"))
        elif isinstance(step, ReplayStep):
            if not step.path:
                problems.append(Problem(f"{path}.path", "must name an events.jsonl file"))
            if not _number(step.speed) or step.speed <= 0:
                problems.append(Problem(f"{path}.speed", f"must be > 0 (got {step.speed!r})"))
            if isinstance(step.loop, bool) or not isinstance(step.loop, int) or step.loop < 1:
                problems.append(Problem(f"{path}.loop", f"must be >= 1 (got {step.loop!r})"))

    for i, node in enumerate(plan.chaos):
        path = f"chaos[{i}]"
        problems += _ref(f"{path}.action", node.action, "chaos")
        problems += _triggers(f"{path}.triggers", node.triggers)
        if node.during is not None and node.during not in phases:
            known = ", ".join(repr(p) for p in phases) or "none"
            close = difflib.get_close_matches(node.during, list(phases), n=1, cutoff=0.6)
            problems.append(
                Problem(
                    f"{path}.during",
                    f"no phase named {node.during!r} (phases: {known})",
                    f"did you mean {close[0]!r}?" if close else "",
                )
            )
    for i, ref in enumerate(plan.expectations):
        problems += _ref(f"expectations[{i}]", ref, "assertion")
        problems += _condition(f"expectations[{i}]", ref)
    for i, step in enumerate(plan.steps):
        if isinstance(step, CheckStep):
            for j, ref in enumerate(step.assertions):
                problems += _condition(f"steps[{i}].assertions[{j}]", ref)
    problems += validate_lifecycle(plan, phases)
    return problems


def _phase_size(plan: Plan, path: str, step: PhaseStep) -> list[Problem]:
    """A phase may not ask a generator for more events than a run can hold or finish."""
    if not all(_number(g.every) and g.every > 0 for g in plan.generators):
        return []
    period = min((g.every for g in plan.generators), default=1.0)
    if step.cycles is not None:
        span = step.cycles * period
    elif step.duration is not None and _number(step.duration):
        span = step.duration
    else:
        return []
    problems = []
    if span > MAX_SECONDS:
        problems.append(Problem(path, f"phase {step.name!r} would last {_count(span)}s "
                                f"({step.cycles} cycles of {period:g}s): at most 10 years",
                                "fewer cycles"))
    for i, gen in enumerate(plan.generators):
        if gen.every >= MIN_EVERY and span / gen.every > MAX_EVENTS_PER_PHASE:
            problems.append(Problem(
                path,
                f"phase {step.name!r} would emit {_count(span / gen.every)} events from "
                f"generators[{i}] (at most {MAX_EVENTS_PER_PHASE:,} a phase)",
                "shorten the phase or slow the generator down (every=...)",
            ))
    return problems


def _condition(path: str, ref: Ref) -> list[Problem]:
    """The payload condition of a built-in assertion, checked as the triggers' are."""
    name = _CONDITIONS.get(ref.name)
    value = ref.params.get(name) if name else None
    if isinstance(value, FrozenMap):
        return _where(f"{path}.params.{name}", value)
    return []


def where_problems(where: Any) -> list[Problem]:
    """The problems of a payload condition, by key path inside it (for the builders)."""
    return _where("", where)


def _count(n: float) -> str:
    return f"{n:,.0f}" if n < 1e15 else f"{n:.3g}"


def check_plan(plan: Plan) -> None:
    """Raise :class:`PlanError` listing every problem of ``plan``, if any."""
    problems = validate(plan)
    if problems:
        raise PlanError(problems)
