"""The built-in assertions as online monitors: count, sequence, never, within, always, custom.

The engine routes to ``observe`` only the events whose topic matches a
monitor's ``topics``, stops routing once a monitor returned a failing verdict,
and calls ``finish(now)`` at the end of the run (or of a checkpoint). So
``observe`` trusts the routing, does the least it can per event, and keeps
memory bounded: counters, and per-key state that is dropped as soon as a key
is settled. Only ``custom`` keeps the events it saw.

Verdict texts read ``expected`` / ``actual``, e.g. expected ``at least 35
'PriceUpdate' events``, actual ``saw 30``; witnesses quote at most
:data:`MAX_WITNESSES` events.
"""

from __future__ import annotations

from scenario_engine.runtime.monitors._shared import MAX_WITNESSES, describe_where
from scenario_engine.runtime.monitors.counting import AlwaysMonitor, CountMonitor, NeverMonitor
from scenario_engine.runtime.monitors.custom import CustomMonitor
from scenario_engine.runtime.monitors.ordering import SequenceMonitor
from scenario_engine.runtime.monitors.timing import LatencyStats, WithinMonitor

__all__ = [
    "MAX_WITNESSES",
    "AlwaysMonitor",
    "CountMonitor",
    "CustomMonitor",
    "LatencyStats",
    "NeverMonitor",
    "SequenceMonitor",
    "WithinMonitor",
    "describe_where",
]
