"""The chaos application log, and forced schedules built from it.

Every time a chaos action applies, the run notes *which* action (its index
in the plan's chaos and its label), *which* event (a stable identity, see
below), and *what* it did (dropped, delayed by so many ms, duplicated so many
times, ...). The list is part of the run's result and ``report.json``.

An event's identity is ``topic@cycle#n``: the n-th event on that topic that
entered chaos during that cycle. It does not depend on event ids, times or
on what other actions did to other events, so the same event of another run
of the same scenario has the same identity. Copies made by chaos (a
duplicate, an injected failure) are ``parent+k``.

A forced schedule is a list of such applications. :func:`forced_plan` turns
one into a plan whose chaos applies exactly there (the ``at_events`` trigger)
instead of by chance: re-running the scenario with its own log reproduces
the run, and with a subset of it, a smaller run. Shrinking builds on that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from scenario_engine.events import Event
from scenario_engine.plan.nodes import ChaosNode, Plan, Ref, Triggers
from scenario_engine.plan.values import FrozenMap, thaw
from scenario_engine.report.model import Application

__all__ = [
    "Application",
    "ChaosLog",
    "applications_from_dicts",
    "forced_plan",
    "identity",
    "simplified",
]

#: effects whose applications carry the parameter they drew, so a forced run repeats it
_PARAMETERS = {"delay": "ms", "duplicate": "copies"}


def identity(topic: str, cycle: int, n: int) -> str:
    """``topic@cycle#n``: the n-th event on ``topic`` entering chaos in ``cycle``."""
    return f"{topic}@{cycle}#{n}"


def applications_from_dicts(rows: Iterable[Mapping[str, Any]]) -> list[Application]:
    """Applications read back from ``report.json``."""
    names = {f.name for f in attrs.fields(Application)}
    return [Application(**{k: v for k, v in row.items() if k in names}) for row in rows]


class ChaosLog:
    """Names the events entering chaos and notes every application.

    ``enter`` is called for each event that meets at least one action; events
    no action looks at cost nothing. Names and records are kept raw and
    spelled out only when asked for: a run applies chaos thousands of times.
    """

    __slots__ = ("_children", "_counts", "_keys", "_raw")

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int], int] = {}
        self._keys: dict[str, tuple[str, int, int] | str] = {}
        self._children: dict[str, int] = {}
        self._raw: list[tuple[int, str, str, str, str | tuple[str, int, int], float, Any]] = []

    def enter(self, event: Event) -> None:
        keys = self._keys
        if event.id in keys:  # an event chaos already named (released, forwarded)
            return
        slot = (event.topic, event.cycle)
        counts = self._counts
        n = counts.get(slot, 0)
        counts[slot] = n + 1
        keys[event.id] = (event.topic, event.cycle, n)

    def derived(self, parent: Event, child: Event) -> None:
        """``child`` is a copy chaos made of ``parent``: it is ``parent+k``."""
        name = self.identify(parent)
        k = self._children.get(name, 0) + 1
        self._children[name] = k
        self._keys[child.id] = f"{name}+{k}"

    def identify(self, event: Event) -> str:
        key = self._keys.get(event.id)
        if key is None:
            self.enter(event)
            key = self._keys[event.id]
        return key if isinstance(key, str) else identity(*key)

    def record(
        self,
        index: int,
        label: str,
        effect: str,
        event: Event,
        emissions: Sequence[tuple[float, Event]],
        now: float,
        *,
        held: bool = False,
    ) -> None:
        key = self._keys.get(event.id)
        if key is None:
            key = self.identify(event)
        if not emissions:
            out: Any = "held" if held else 0
        elif effect == "delay":
            out = emissions[0][0]
        else:
            out = len(emissions)
        self._raw.append((index, label, effect, event.topic, key, now, out))

    @property
    def applications(self) -> list[Application]:
        """Every application so far, spelled out."""
        return [_spell(*raw) for raw in self._raw]


def _spell(
    index: int,
    label: str,
    effect: str,
    topic: str,
    key: str | tuple[str, int, int],
    now: float,
    out: Any,
) -> Application:
    params: dict[str, Any] = {}
    if out == "held":
        did = "held"
    elif out == 0 and effect != "delay":
        did = "dropped"
    elif effect == "delay":
        params["ms"] = out * 1000
        did = f"delayed {params['ms']:g}ms"
    elif effect == "duplicate":
        params["copies"] = out - 1
        did = f"duplicated x{out - 1}"
    elif effect == "reorder":
        did = f"released {out} reordered"
    else:
        did = f"{effect} ({out} out)"
    return Application(
        action=index,
        label=label,
        effect=effect,
        event=key if isinstance(key, str) else identity(*key),
        topic=topic,
        time=round(now, 6),
        did=did,
        params=params,
    )


def _forced_ref(ref: Ref, effect: str, params: Mapping[str, Any]) -> Ref:
    values = dict(thaw(ref.params))
    if effect == "delay" and "ms" in params:
        values["ms"] = params["ms"]
        values["jitter_ms"] = 0
    elif effect == "duplicate" and "copies" in params:
        values["copies"] = params["copies"]
    return Ref(kind=ref.kind, name=ref.name, params=FrozenMap(values))


def forced_plan(plan: Plan, schedule: Iterable[Application]) -> Plan:
    """``plan`` with its chaos applying exactly as ``schedule`` says, and nowhere else.

    Each chaos node becomes one targeted node per distinct parameter set (a delay
    drawn at 120 ms and one at 300 ms are two), in the original order, so an
    event meets the actions in the order it did.
    """
    groups: dict[tuple[int, str], list[Application]] = {}
    for app in schedule:
        if not 0 <= app.action < len(plan.chaos):
            raise ValueError(
                f"the schedule names chaos action {app.action}, but {plan.name!r} has "
                f"{len(plan.chaos)}"
            )
        marker = repr(sorted(app.params.items()))
        groups.setdefault((app.action, marker), []).append(app)
    nodes: list[ChaosNode] = []
    for (index, _), apps in sorted(groups.items(), key=lambda item: item[0]):
        node = plan.chaos[index]
        first = apps[0]
        nodes.append(
            ChaosNode(
                action=_forced_ref(node.action, first.effect, first.params),
                triggers=Triggers(
                    topics=node.triggers.topics,
                    at_events=tuple(dict.fromkeys(a.event for a in apps)),
                ),
                origin=node.origin,
            )
        )
    return attrs.evolve(plan, chaos=tuple(nodes))


def simplified(app: Application, **params: Any) -> Application:
    """``app`` with other parameters (a shorter delay, fewer copies)."""
    merged = {**app.params, **params}
    if app.effect == "delay":
        did = f"delayed {merged['ms']:g}ms"
    elif app.effect == "duplicate":
        did = f"duplicated x{merged['copies']}"
    else:
        did = app.did
    return attrs.evolve(app, params=merged, did=did)
