"""Generators in a run: each keeps its value across phases while profiles change."""

from __future__ import annotations

import math
import random
from typing import Any

from scenario_engine.events import NO_HEADERS, Event
from scenario_engine.plan.nodes import GeneratorNode, PhaseStep
from scenario_engine.plan.values import thaw
from scenario_engine.registry import Registry
from scenario_engine.runtime.arrivals import Arrivals, expected_count
from scenario_engine.runtime.rng import RngFactory
from scenario_engine.spi import Tick

__all__ = ["GeneratorState", "PhaseRate", "ticks_in"]

_EPSILON = 1e-9


def ticks_in(span: float, every: float) -> int:
    """How many ticks, ``every`` apart and starting at 0, fall strictly inside ``span``."""
    return max(0, math.ceil(span / every - _EPSILON))


class PhaseRate:
    """What a shaped generator asked for and achieved in one phase."""

    __slots__ = ("elapsed", "events", "lags", "phase", "seconds", "target")

    def __init__(self, phase: str, seconds: float, target: float) -> None:
        self.phase = phase
        self.seconds = seconds
        self.target = target
        self.events = 0
        self.lags: list[float] = []
        #: clock time the phase really took (on the wall clock, late callbacks included)
        self.elapsed = seconds

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "phase": self.phase,
            "events": self.events,
            "target_rate": round(self.target / self.seconds, 3) if self.seconds else 0.0,
            "achieved_rate": (
                round(self.events / max(self.seconds, self.elapsed), 3) if self.seconds else 0.0
            ),
        }
        if self.lags:
            ordered = sorted(self.lags)

            def pick(q: float) -> float:
                return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

            out["lag_p50_ms"] = round(pick(0.50) * 1000, 3)
            out["lag_p99_ms"] = round(pick(0.99) * 1000, 3)
            out["lag_max_ms"] = round(ordered[-1] * 1000, 3)
        return out


class GeneratorState:
    """One generator of the plan: its component, its RNG, its current value."""

    def __init__(
        self,
        index: int,
        node: GeneratorNode,
        registry: Registry,
        rngs: RngFactory,
        *,
        where: str | None = None,
    ):
        self.node = node
        self.topic = node.topic
        self.key = node.key
        self.every = node.every
        self.identity = f"generator/{node.topic}/{node.ref!r}"
        self.generator = registry.create(
            "generator",
            node.ref.name,
            thaw(node.ref.params),
            where=where or f"generators[{index}]",
        )
        self.rng = rngs.derive(self.identity)
        self.value: Any = self.generator.initial_value()
        self.start_value: Any = self.value
        self.profile: Any = None
        self.profile_rng: random.Random | None = None
        self.emitted = 0
        #: with a load shape: when the next event is due, in active time (phases only)
        self.arrivals = (
            Arrivals(node.shape, rngs.derive(f"arrivals/{self.identity}"))
            if node.shape is not None
            else None
        )
        self.next_arrival = self.arrivals.next_time() if self.arrivals is not None else 0.0
        self.active = 0.0
        self.rates: list[PhaseRate] = []

    def enter_phase(
        self, step: PhaseStep, index: int, registry: Registry, rngs: RngFactory
    ) -> None:
        """Make the phase's profile anew; the value carries over."""
        self.profile = None
        self.start_value = self.value
        if step.profile is not None:
            self.profile = registry.create(
                "profile",
                step.profile.name,
                thaw(step.profile.params),
                where=f"steps[{index}].profile",
            )
            self.profile_rng = rngs.derive(f"profile/{step.name}/{self.identity}/{step.profile!r}")

    def tick(
        self, phase: str, cycle: int, phase_index: int, progress: float, now: float, new_id: str
    ) -> Event:
        """Move the value one cycle and build the event for it."""
        tick = Tick(cycle, phase, phase_index, progress, now, self.value, self.start_value)
        if self.profile is not None:
            self.value = tick.value = self.profile.next_value(self.value, tick, self.profile_rng)
        payload = self.generator.payload(tick, self.rng)
        self.emitted += 1
        return Event(self.topic, payload, self.key, NO_HEADERS, new_id, now, 0, cycle, "engine")

    def begin_shaped_phase(self, phase: str, span: float) -> PhaseRate:
        """Account a phase of ``span`` seconds for a shaped generator."""
        assert self.node.shape is not None
        target = expected_count(self.node.shape, self.active + span) - expected_count(
            self.node.shape, self.active
        )
        rate = PhaseRate(phase, span, target)
        self.rates.append(rate)
        return rate

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "topic": self.topic,
            "generator": self.node.ref.name,
            "emitted": self.emitted,
        }
        if self.rates:
            out["rates"] = [rate.summary() for rate in self.rates]
        summary = getattr(self.generator, "summary", None)
        if summary is not None:
            out.update(summary())
        return out
