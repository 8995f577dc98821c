"""Generators in a run: each keeps its value across phases while profiles change."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from typing import Any

from scenario_engine.events import NO_HEADERS, Event
from scenario_engine.plan.nodes import GeneratorNode, PhaseStep
from scenario_engine.plan.values import thaw
from scenario_engine.registry import Registry
from scenario_engine.runtime.arrivals import Arrivals, expected_count
from scenario_engine.runtime.rng import RngFactory
from scenario_engine.spi import Batch, Tick

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
        self.profiles: dict[str, tuple[Any, random.Random]] | None = None
        #: events per key, for generators that emit a Batch per tick (one key per entity)
        self.per_key: dict[str | None, int] = {}

    def enter_phase(
        self, step: PhaseStep, index: int, registry: Registry, rngs: RngFactory
    ) -> None:
        """Make the phase's profile anew; the value carries over.

        A value that is a mapping of named numbers gets one profile per name,
        each with its own random stream, so the names move independently.
        """
        self.profile = None
        self.profiles = None
        self.start_value = self.value
        if step.profile is None:
            return
        where = f"steps[{index}].profile"
        params = thaw(step.profile.params)
        identity = f"profile/{step.name}/{self.identity}/{step.profile!r}"
        if isinstance(self.value, Mapping):
            self.profiles = {
                name: (
                    registry.create("profile", step.profile.name, params, where=where),
                    rngs.derive(f"{identity}/{name}"),
                )
                for name in self.value
            }
            return
        self.profile = registry.create("profile", step.profile.name, params, where=where)
        self.profile_rng = rngs.derive(identity)

    def _move_each(self, tick: Tick) -> dict[str, Any]:
        assert self.profiles is not None
        moved = dict(self.value)
        for name, (profile, rng) in self.profiles.items():
            one = Tick(
                tick.index,
                tick.phase,
                tick.phase_index,
                tick.progress,
                tick.time,
                self.value[name],
                self.start_value[name],
            )
            moved[name] = profile.next_value(self.value[name], one, rng)
        return moved

    def tick(
        self,
        phase: str,
        cycle: int,
        phase_index: int,
        progress: float,
        now: float,
        new_id: Callable[[], str],
    ) -> Event | list[Event]:
        """Move the value one cycle and build the event for it (events, for a Batch)."""
        tick = Tick(cycle, phase, phase_index, progress, now, self.value, self.start_value)
        if self.profile is not None:
            self.value = tick.value = self.profile.next_value(self.value, tick, self.profile_rng)
        elif self.profiles is not None:
            self.value = tick.value = self._move_each(tick)
        payload = self.generator.payload(tick, self.rng)
        if payload.__class__ is Batch:
            events = []
            for message in payload:
                key = message.key if message.key is not None else self.key
                self.emitted += 1
                self.per_key[key] = self.per_key.get(key, 0) + 1
                events.append(
                    Event(
                        self.topic,
                        message.payload,
                        key,
                        NO_HEADERS,
                        new_id(),
                        now,
                        0,
                        cycle,
                        "engine",
                    )
                )
            return events
        self.emitted += 1
        return Event(self.topic, payload, self.key, NO_HEADERS, new_id(), now, 0, cycle, "engine")

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
        if self.per_key:
            out["entities"] = {
                str(key): {"emitted": count} for key, count in sorted(self.per_key.items(), key=str)
            }
        summary = getattr(self.generator, "summary", None)
        if summary is not None:
            out.update(summary())
        return out
