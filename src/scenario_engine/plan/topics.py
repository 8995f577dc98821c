"""The topics a plan knows of, and chaos actions aimed at none of them.

A chaos action on a misspelt topic applies zero times and otherwise passes
unnoticed; ``scenario check`` warns about it before anything runs. A plan
knows a topic when it publishes on it (publish steps, generators, relays,
replays, injected events), declares it (``.topic(...)``) or subscribes to it
(``wait_for``, assertions, relays, a service's ready topic, ``after=``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

from scenario_engine.errors import Problem
from scenario_engine.plan.describe import describe_chaos
from scenario_engine.plan.nodes import Plan, PublishStep, ReplayStep, WaitForStep

__all__ = ["known_topics", "unmatched_chaos"]

#: assertion parameters that name topics (the built-ins' and the usual names of plugins')
_TOPIC_PARAMS = ("topic", "topics", "first", "then")


def _names(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        yield from (v for v in value if isinstance(v, str))


def known_topics(plan: Plan) -> list[str]:
    """Every topic (or glob) the plan publishes, declares or subscribes, in plan order."""
    found: list[str] = []
    found += [g.topic for g in plan.generators]
    for step in plan.steps:
        if isinstance(step, PublishStep | WaitForStep):
            found.append(step.topic)
        elif isinstance(step, ReplayStep):
            found += step.topics
    for relay in plan.relays:
        found += (relay.source, relay.target)
    for service in plan.services:
        found += [*service.publishes, *([service.ready_topic] if service.ready_topic else [])]
    for declared in getattr(plan, "topics", ()):  # ``.topic(name, ...)`` declarations
        name = declared if isinstance(declared, str) else getattr(declared, "name", None)
        if isinstance(name, str):
            found.append(name)
    refs = [*plan.expectations]
    for step in plan.steps:
        refs += getattr(step, "assertions", ())
    for ref in refs:
        for param in _TOPIC_PARAMS:
            found += _names(ref.params.get(param))
    for node in plan.chaos:
        if node.triggers.after:
            found.append(node.triggers.after)
        if node.action.name == "inject":
            found += _names(node.action.params.get("event"))
    return list(dict.fromkeys(t for t in found if t))


def _overlaps(pattern: str, topic: str) -> bool:
    return fnmatchcase(topic, pattern) or fnmatchcase(pattern, topic)


def unmatched_chaos(plan: Plan) -> list[Problem]:
    """A warning for each chaos action none of whose topics matches a topic the plan knows."""
    known = known_topics(plan)
    warnings = []
    for i, node in enumerate(plan.chaos):
        patterns = node.triggers.topics
        if any(_overlaps(p, t) for p in patterns for t in known):
            continue
        close = [
            match
            for p in patterns
            for match in difflib.get_close_matches(p, known, n=1, cutoff=0.6)
        ]
        listed = ", ".join(known) if known else "none"
        warnings.append(
            Problem(
                f"chaos[{i}]",
                f"{describe_chaos(node)} matches no topic the plan publishes, declares or "
                f"subscribes (it knows: {listed})",
                f"did you mean {close[0]!r}?" if close else "check the topic's spelling",
            )
        )
    return warnings
