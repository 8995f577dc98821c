"""Online monitors: route each delivered event only to the monitors that want its topic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from scenario_engine.events import Event, TopicPattern
from scenario_engine.plan.describe import describe_ref
from scenario_engine.plan.nodes import Ref
from scenario_engine.plan.values import thaw
from scenario_engine.registry import Registry
from scenario_engine.report.model import AssertionResult
from scenario_engine.spi import Verdict

__all__ = ["MonitorSet", "Watcher"]


@attrs.define
class _Slot:
    label: str
    monitor: Any
    topics: TopicPattern
    checkpoint: str | None
    result: AssertionResult | None = None
    #: the monitor keeps seeing events after its first failure (its statistics need them)
    persistent: bool = False
    finished: bool = False
    #: a dormant monitor sees nothing until woken (a window not open yet)
    dormant: bool = False

    @property
    def routed(self) -> bool:
        if self.dormant:
            return False
        return self.result is None or (self.persistent and not self.finished)


class Watcher:
    """A temporary observer (a ``wait_for``): counts what it sees, notes when its topic came."""

    def __init__(self, topic: str, where: Callable[[Event], bool] | None) -> None:
        self.pattern = TopicPattern(topic)
        self.where = where
        self.hit: Event | None = None
        self.others: dict[str, int] = {}

    def observe(self, event: Event) -> None:
        if self.hit is not None:
            return
        if self.pattern(event.topic) and (self.where is None or self.where(event)):
            self.hit = event
        else:
            self.others[event.topic] = self.others.get(event.topic, 0) + 1


class MonitorSet:
    """The run's assertions (final ones and checkpoints), fed event by event."""

    def __init__(
        self,
        registry: Registry,
        now: Callable[[], float],
        on_failure: Callable[[AssertionResult], None],
    ) -> None:
        self._registry = registry
        self._now = now
        self._on_failure = on_failure
        self._slots: list[_Slot] = []
        self._watchers: list[Watcher] = []
        self._routes: dict[str, tuple[tuple[_Slot | None, Callable[[Event], Any]], ...]] = {}
        #: what the run saw and declared, for monitors that review an empty verdict
        self.census: Any = None

    def add(
        self, ref: Ref, where: str, checkpoint: str | None = None, *, dormant: bool = False
    ) -> None:
        monitor = self._registry.create("assertion", ref.name, thaw(ref.params), where=where)
        slot = _Slot(
            describe_ref(ref),
            monitor,
            TopicPattern(monitor.topics),
            checkpoint,
            persistent=bool(getattr(monitor, "observes_after_failure", False)),
            dormant=dormant,
        )
        self._slots.append(slot)
        self._routes.clear()

    def topics(self) -> set[str]:
        """Every topic pattern some assertion watches."""
        return {pattern for slot in self._slots for pattern in slot.topics.patterns}

    def wake(self, checkpoint: str | None) -> None:
        """Start showing events to the dormant monitors of ``checkpoint``."""
        for slot in self._slots:
            if slot.checkpoint == checkpoint:
                slot.dormant = False
        self._routes.clear()

    def watch(self, watcher: Watcher) -> None:
        self._watchers.append(watcher)
        self._routes.clear()

    def unwatch(self, watcher: Watcher) -> None:
        self._watchers.remove(watcher)
        self._routes.clear()

    def _route(self, topic: str) -> tuple[tuple[_Slot | None, Callable[[Event], Any]], ...]:
        route: tuple[tuple[_Slot | None, Callable[[Event], Any]], ...] = tuple(
            (slot, slot.monitor.observe)
            for slot in self._slots
            if slot.routed and slot.topics(topic)
        )
        route += tuple((None, w.observe) for w in self._watchers)
        self._routes[topic] = route
        return route

    def _fail(self, slot: _Slot, verdict: Verdict) -> None:
        slot.result = _result(slot, verdict, at=self._now())
        self._routes.clear()
        self._on_failure(slot.result)

    def observe(self, event: Event) -> None:
        route = self._routes.get(event.topic)
        if route is None:
            route = self._route(event.topic)
        for slot, observe in route:
            try:
                verdict = observe(event)
            except Exception as err:  # a monitor's bug fails that assertion, not the run
                if slot is None:
                    raise
                verdict = Verdict(
                    False, "the monitor to run", f"it raised {type(err).__name__}: {err}"
                )
            if (
                verdict is not None
                and slot is not None
                and not verdict.passed
                and slot.result is None
            ):
                self._fail(slot, verdict)  # later events take routes without it

    def finish(self, checkpoint: str | None) -> list[AssertionResult]:
        """Final verdicts of the monitors belonging to ``checkpoint`` (None: the run's own)."""
        results = []
        for slot in self._slots:
            if slot.checkpoint != checkpoint:
                continue
            if not slot.finished:
                early = slot.result
                try:
                    if early is None or slot.persistent:
                        verdict = slot.monitor.finish(self._now())
                    else:  # failed early and stopped watching: its verdict stands
                        verdict = Verdict(
                            False, early.expected, early.actual, early.witnesses, early.stats
                        )
                    review = getattr(slot.monitor, "review", None)
                    if review is not None and self.census is not None:
                        verdict = review(verdict, self.census)
                except Exception as err:
                    verdict = Verdict(
                        False, "the monitor to finish", f"it raised {type(err).__name__}: {err}"
                    )
                except SystemExit as err:  # a user's check calling sys.exit fails that check
                    verdict = Verdict(
                        False, "the monitor to finish", f"it called sys.exit({err.code!r})"
                    )
                if early is not None:  # failed early: keep when; statistics and review brought up
                    final = attrs.evolve(early, actual=verdict.actual, stats=dict(verdict.stats))
                else:
                    final = _result(slot, verdict, at=None)
                slot.result = final
                slot.finished = True
                self._routes.clear()
            assert slot.result is not None  # finished slots have their verdict
            results.append(slot.result)
        return results


def _result(slot: _Slot, verdict: Verdict, at: float | None) -> AssertionResult:
    return AssertionResult(
        label=slot.label,
        passed=verdict.passed,
        expected=verdict.expected,
        actual=verdict.actual,
        witnesses=tuple(verdict.witnesses),
        stats=dict(verdict.stats),
        at=at,
        checkpoint=slot.checkpoint,
    )
