"""The topics a run judges, which a real bus must read from the run's first moment.

The engine subscribes ``*`` to record everything, and a bus may find the
topics other programs write only as they appear (Redis: by ``SCAN``; a
JetStream stream stores only the subjects it covers). For the topics whose
timing and order the verdicts depend on, that is too late: a reply found
half a second after it was written would be judged as coming then. So the
run tells the bus, before its first step, which topics it judges: those
of its assertions (final and checkpoint), of its ``wait_for`` steps, of
chaos ``after=`` triggers, and of its relays. A bus with a ``declare``
method reads them at once; ``*`` and other globs are left to discovery.
"""

from __future__ import annotations

from scenario_engine.plan.nodes import Plan, WaitForStep

__all__ = ["judged_topics"]


def judged_topics(plan: Plan, monitored: set[str]) -> list[str]:
    """The topic patterns ``plan`` judges (``monitored``: its assertions' topics), sorted."""
    topics = set(monitored)
    topics.update(step.topic for step in plan.steps if isinstance(step, WaitForStep))
    topics.update(node.triggers.after for node in plan.chaos if node.triggers.after)
    topics.update(relay.source for relay in plan.relays)
    topics.discard("*")
    return sorted(topics)
