"""The chaos pipeline: every published event passes each chaos action in plan order.

An action's emissions continue to the next action (now, or after their
delay on the run's clock); what leaves the last action is handed to the
bus. Drops and holds are reported to the recorder so the log shows every
event chaos touched: an action that returns no emission loses the event,
unless it called :meth:`ChaosStage.hold` on it first (it delivers it later,
through ``emit`` or a later ``apply``'s emissions).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import attrs

from scenario_engine.events import Event
from scenario_engine.plan.describe import describe_chaos
from scenario_engine.plan.nodes import ChaosNode
from scenario_engine.plan.values import thaw
from scenario_engine.registry import Registry
from scenario_engine.report.model import ChaosResult
from scenario_engine.runtime.forced import ChaosLog
from scenario_engine.runtime.rng import RngFactory
from scenario_engine.runtime.scheduler import Scheduler
from scenario_engine.runtime.triggers import TriggerGate

__all__ = ["ChaosPipeline", "ChaosStage"]

Sink = Callable[[Event], None]


class ChaosStage:
    """One action with its gate; also the :class:`~scenario_engine.spi.ChaosContext` the
    action sees."""

    def __init__(
        self,
        index: int,
        node: ChaosNode,
        action: Any,
        gate: TriggerGate,
        pipeline: ChaosPipeline,
        rng: Any,
    ) -> None:
        self.index = index
        self.node = node
        self.label = describe_chaos(node)
        self.action = action
        self.apply = action.apply
        self.effect = str(getattr(action, "effect", node.action.name))
        self.gate = gate
        self.applies: Callable[[Event], bool] = gate.chance if gate.simple else gate
        self.has_window = hasattr(action, "active")
        self.during = node.during
        self.rng = rng
        self.topics_seen: list[str] = []
        self._pipeline = pipeline

    @property
    def now(self) -> float:
        return self._pipeline.scheduler.now

    def emit(self, event: Event, delay: float = 0.0) -> None:
        self._pipeline.forward(event, self.index + 1, delay)

    def hold(self, event: Event) -> None:
        """Say that ``event`` is held back, not lost: it is logged ``held`` now and
        ``released`` when delivered."""
        self._pipeline.hold(event, self.label)

    def call_later(self, delay: float, callback: Callable[[], None]) -> None:
        self._pipeline.scheduler.call_later(delay, callback)

    def derive(self, event: Event, **changes: Any) -> Event:
        changes.setdefault("id", self._pipeline.new_id())
        changes.setdefault("seq", 0)
        child = attrs.evolve(event, **changes)
        self._pipeline.log.derived(event, child)
        return child


class ChaosPipeline:
    """Builds the stages from the plan and links them to the bus."""

    def __init__(
        self,
        nodes: tuple[ChaosNode, ...],
        *,
        registry: Registry,
        rngs: RngFactory,
        scheduler: Scheduler,
        deliver: Sink,
        dropped: Callable[[Event, str], None],
        phase: Callable[[], str | None],
        new_id: Callable[[], str],
        held: Callable[[Event, str], None] | None = None,
        direction: str = "",
    ) -> None:
        self.scheduler = scheduler
        self.deliver = deliver
        self.dropped = dropped
        self._held = held
        #: holds announced so far: an action that returned nothing and held nothing dropped
        self._holds = 0
        self.phase = phase
        self.new_id = new_id
        self.stages: list[ChaosStage] = []
        #: every application, with the identities of the events it touched
        self.log = ChaosLog()
        for index, node in enumerate(nodes):
            identity = f"chaos/{node.action!r}/{node.triggers!r}/{node.during}"
            if direction:  # inbound chaos draws apart: what arrives never shifts what is sent
                identity += f"/{direction}"
            rng = rngs.derive(identity)
            action = registry.create(
                "chaos", node.action.name, thaw(node.action.params), where=f"chaos[{index}].action"
            )
            gate = TriggerGate(node.triggers, rng, lambda: scheduler.now, self.log.identify)
            self.stages.append(ChaosStage(index, node, action, gate, self, rng))
        self._routes: dict[str, tuple[ChaosStage, ...]] = {}
        self._rests: dict[tuple[str, int], tuple[ChaosStage, ...]] = {}
        self._after_gates = [s.gate for s in self.stages if not s.gate.armed]
        #: whether delivered events still need to be shown to ``after=`` triggers
        self.watching = bool(self._after_gates)
        self._windows = any(s.has_window for s in self.stages)

    def hold(self, event: Event, label: str) -> None:
        self._holds += 1
        if self._held is not None:
            self._held(event, label)

    def _route(self, topic: str) -> tuple[ChaosStage, ...]:
        route = tuple(s for s in self.stages if s.gate.topic_matches(topic))
        self._routes[topic] = route
        for stage in route:  # once per topic: which topics an action saw, for "never matched"
            stage.topics_seen.append(topic)
        return route

    def send(self, event: Event) -> None:
        """The entry point for every published event."""
        route = self._routes.get(event.topic)
        if route is None:
            route = self._route(event.topic)
        if route:
            self.log.enter(event)
            self._pass(event, route, 0)
        else:
            self.deliver(event)

    def forward(self, event: Event, from_index: int, delay: float = 0.0) -> None:
        """Continue ``event`` through the actions from ``from_index`` on (after ``delay``)."""
        if delay > 0:
            self.scheduler.call_later(delay, partial(self.forward, event, from_index))
            return
        key = (event.topic, from_index)
        rest = self._rests.get(key)
        if rest is None:
            route = self._routes.get(event.topic)
            if route is None:
                route = self._route(event.topic)
            rest = self._rests[key] = tuple(s for s in route if s.index >= from_index)
        self._pass(event, rest, 0)

    def _pass(self, event: Event, route: tuple[ChaosStage, ...], position: int) -> None:
        phase = None
        for at in range(position, len(route)):
            stage = route[at]
            if stage.during is not None:
                if phase is None:
                    phase = self.phase() or ""
                if phase != stage.during:
                    continue
            hit = stage.applies(event)
            if not hit and stage.has_window and stage.node.triggers.at_events is None:
                hit = stage.action.active(self.scheduler.now)
                if hit:
                    stage.gate.applied += 1
            if not hit:
                continue
            holds = self._holds
            emissions = stage.apply(event, stage)
            label = stage.label
            held = self._holds != holds
            self.log.record(stage.index, label, stage.effect, event, emissions, self.scheduler.now,
                            held=held)
            if not emissions:
                if not held:  # not held by the action: lost
                    self.dropped(event, label)
                return
            for delay, out in emissions:
                if label not in out.marks:
                    out.marks = (*out.marks, label)
                if delay > 0 or out.topic != event.topic:
                    self.forward(out, stage.index + 1, delay)
                else:
                    self._pass(out, route, at + 1)
            return
        self.deliver(event)

    def observe(self, event: Event) -> None:
        """Arm ``after=`` triggers from delivered events."""
        gates = self._after_gates
        if gates:
            for gate in gates:
                gate.arm(event)
            self._after_gates = [g for g in gates if not g.armed]
            self.watching = bool(self._after_gates)

    def finish(self) -> None:
        """Let actions release what they still hold (a reorder window)."""
        for stage in self.stages:
            finish = getattr(stage.action, "finish", None)
            if finish is not None:
                finish(stage)

    def results(self) -> tuple[ChaosResult, ...]:
        out = []
        for stage in self.stages:
            detail: dict[str, Any] = {}
            action = stage.action
            if hasattr(action, "windows"):
                detail["windows"] = [list(w) for w in action.windows]
                detail["held_at_end"] = len(getattr(action, "held", ()))
                detail["lost"] = getattr(action, "lost", 0)
            out.append(
                ChaosResult(
                    label=stage.label,
                    effect=stage.effect,
                    applied=stage.gate.applied,
                    matched=stage.gate.matched,
                    origin=stage.node.origin,
                    during=stage.node.during,
                    detail=detail,
                    topics=stage.node.triggers.topics,
                    seen=tuple(stage.topics_seen),
                )
            )
        return tuple(out)
