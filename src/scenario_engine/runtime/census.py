"""Which topics a run knows: those it saw and those its plan names.

An assertion over a topic that is in neither judged nothing; the monitors
review their verdicts against this census to say so, and to suggest the
close names that were there (a misspelt topic is the common cause).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping

from scenario_engine.events import TopicPattern
from scenario_engine.plan.nodes import Plan, PublishStep, ReplayStep, WaitForStep

__all__ = ["TopicCensus", "declared_topics"]

#: how alike two names must be to suggest one for the other (difflib ratio, case-insensitive)
CUTOFF = 0.8


def declared_topics(plan: Plan) -> frozenset[str]:
    """Every topic (or glob) the plan declares, publishes, waits for, relays, injects or aims
    chaos at."""
    names: set[str] = {g.topic for g in plan.generators}
    names.update(node.name for node in plan.topics)
    for relay in plan.relays:
        names |= {relay.source, relay.target}
    for step in plan.steps:
        if isinstance(step, PublishStep | WaitForStep):
            names.add(step.topic)
        elif isinstance(step, ReplayStep):
            names.update(step.topics)
    for node in plan.chaos:
        names.update(node.triggers.topics)
        injected = node.action.params.get("event") if node.action.name == "inject" else None
        if isinstance(injected, str):
            names.add(injected)
    names.discard("*")
    return frozenset(names)


class TopicCensus:
    """The run's known topics: ``seen`` (live counts, read when asked) and ``declared``."""

    def __init__(self, declared: Iterable[str], *seen: Mapping[str, int]) -> None:
        self.declared = set(declared)
        self._seen = seen

    def declare(self, topics: object) -> None:
        """Add what a system says it publishes (its ``publishes`` attribute: topic names)."""
        if isinstance(topics, str):
            topics = (topics,)
        if isinstance(topics, Iterable):
            self.declared.update(t for t in topics if isinstance(t, str) and t)

    def names(self) -> list[str]:
        out: set[str] = set(self.declared)
        for counts in self._seen:
            out.update(t for t, n in counts.items() if n)
        return sorted(out)

    def known(self, pattern: str) -> bool:
        """Whether ``pattern`` matches a topic seen or declared (or is one of the declared
        globs, or a declared glob covers it)."""
        match = TopicPattern(pattern)
        for name in self.names():
            if name == pattern or match(name) or TopicPattern(name)(pattern):
                return True
        return False

    def suggest(self, pattern: str, limit: int = 3) -> list[str]:
        """Known names close to ``pattern``, closest first."""
        names = self.names()
        lowered = {name.lower(): name for name in names}
        close = difflib.get_close_matches(pattern.lower(), list(lowered), n=limit, cutoff=CUTOFF)
        return [lowered[c] for c in close]
