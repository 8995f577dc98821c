"""The chaos pipeline: every published event passes each chaos action in plan order.

An action's emissions continue to the next action (now, or after their
delay on the run's clock); what leaves the last action is handed to the
bus. Drops are reported to the recorder so the log shows every event chaos
touched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from scenario_engine.events import Event, TopicPattern
from scenario_engine.plan.describe import describe_chaos
from scenario_engine.plan.nodes import ChaosNode
from scenario_engine.plan.values import thaw
from scenario_engine.registry import Registry
from scenario_engine.report.model import ChaosResult
from scenario_engine.runtime.rng import RngFactory
from scenario_engine.runtime.scheduler import Scheduler
from scenario_engine.runtime.triggers import TriggerGate

__all__ = ["ChaosPipeline", "ChaosStage"]

Sink = Callable[[Event], None]


class ChaosStage:
    """One action with its gate, and the context the action sees."""

    def __init__(
        self,
        node: ChaosNode,
        action: Any,
        gate: TriggerGate,
        pipeline: ChaosPipeline,
        rng: Any,
    ) -> None:
        self.node = node
        self.label = describe_chaos(node)
        self.action = action
        self.effect = str(getattr(action, "effect", node.action.name))
        self.gate = gate
        self.topics = TopicPattern(node.triggers.topics)
        self.has_window = hasattr(action, "active")
        self.during = node.during
        self.rng = rng
        self._pipeline = pipeline
        self.next: Sink = pipeline.deliver

    # --- ChaosContext
    @property
    def now(self) -> float:
        return self._pipeline.scheduler.now

    def emit(self, event: Event, delay: float = 0.0) -> None:
        if delay > 0:
            self._pipeline.scheduler.call_later(delay, lambda: self.next(event))
        else:
            self.next(event)

    def call_later(self, delay: float, callback: Callable[[], None]) -> None:
        self._pipeline.scheduler.call_later(delay, callback)

    def derive(self, event: Event, **changes: Any) -> Event:
        changes.setdefault("id", self._pipeline.new_id())
        return attrs.evolve(event, **changes)

    # --- the stage itself
    def handle(self, event: Event) -> None:
        pipeline = self._pipeline
        if self.during is not None and pipeline.phase() != self.during:
            hit = False
        else:
            hit = self.gate(event)
        if not hit and self.has_window and self.topics(event.topic):
            hit = self.action.active(pipeline.scheduler.now)
            if hit:
                self.gate.applied += 1
        if not hit:
            self.next(event)
            return
        emissions = self.action.apply(event, self)
        label = self.label
        if not emissions:
            pipeline.dropped(event, label)
            return
        schedule = pipeline.scheduler.call_later
        following = self.next
        for delay, out in emissions:
            if label not in out.marks:
                out.marks = (*out.marks, label)
            if delay > 0:
                schedule(delay, _bind(following, out))
            else:
                following(out)


def _bind(sink: Sink, event: Event) -> Callable[[], None]:
    return lambda: sink(event)


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
    ) -> None:
        self.scheduler = scheduler
        self.deliver = deliver
        self.dropped = dropped
        self.phase = phase
        self.new_id = new_id
        self.stages: list[ChaosStage] = []
        for index, node in enumerate(nodes):
            identity = f"chaos/{node.action!r}/{node.triggers!r}/{node.during}"
            rng = rngs.derive(identity)
            action = registry.create(
                "chaos", node.action.name, thaw(node.action.params), where=f"chaos[{index}].action"
            )
            gate = TriggerGate(node.triggers, rng, lambda: scheduler.now)
            self.stages.append(ChaosStage(node, action, gate, self, rng))
        for stage, following in zip(self.stages, self.stages[1:], strict=False):
            stage.next = following.handle
        self.send: Sink = self.stages[0].handle if self.stages else deliver
        self._after_gates = [s.gate for s in self.stages if not s.gate.armed]

    def observe(self, event: Event) -> None:
        """Arm ``after=`` triggers from delivered events."""
        gates = self._after_gates
        if gates:
            for gate in gates:
                gate.arm(event)
            self._after_gates = [g for g in gates if not g.armed]

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
                )
            )
        return tuple(out)
