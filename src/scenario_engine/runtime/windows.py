"""Assertions over windows of a run: before, during or after a phase or the chaos window.

Each windowed assertion is a dormant monitor of the run's :class:`MonitorSet`,
woken when its window opens and finished when it closes, so it judges only
what was delivered inside the window; a steady-state hypothesis is the same
assertion in three windows, three verdicts.
"""

from __future__ import annotations

from collections import defaultdict

import attrs

from scenario_engine.plan.lifecycle import CHAOS_WINDOW
from scenario_engine.plan.nodes import Plan
from scenario_engine.plan.validate_lifecycle import chaos_phases
from scenario_engine.report.model import AssertionResult
from scenario_engine.runtime.monitoring import MonitorSet

__all__ = ["WindowSet"]

#: a boundary of the run: (phase name, "start" | "end"); (None, "start") is the run's start
Boundary = tuple[str | None, str]


class WindowSet:
    """The windowed assertions of one run and the boundaries that open and close them."""

    def __init__(self, plan: Plan, monitors: MonitorSet) -> None:
        self._monitors = monitors
        self._opens: dict[Boundary, list[str]] = defaultdict(list)
        self._closes: dict[Boundary, list[str]] = defaultdict(list)
        self._groups: dict[str, str] = {}
        self._order: list[str] = []
        self._state: dict[str, str] = {}  # label -> waiting | open | closed
        self._waiting_for: dict[str, str] = {}
        self._results: dict[str, list[AssertionResult]] = {}
        chaos = chaos_phases(plan)
        for i, node in enumerate(plan.windows):
            first, last = (
                (chaos[0], chaos[-1])
                if node.of == CHAOS_WINDOW and chaos and node.of not in _phase_names(plan)
                else (node.of, node.of)
            )
            label = f"{node.window} {node.of}"
            monitors.add(
                node.assertion, where=f"windows[{i}].assertion", checkpoint=label, dormant=True
            )
            if label in self._state:
                continue
            self._order.append(label)
            self._state[label] = "waiting"
            self._groups[label] = node.group
            opens: Boundary
            closes: Boundary | None
            if node.window == "before":
                opens, closes = (None, "start"), (first, "start")
            elif node.window == "during":
                opens, closes = (first, "start"), (last, "end")
            else:
                opens, closes = (last, "end"), None
            self._waiting_for[label] = f"phase {opens[0]!r} to {opens[1]}"
            self._opens[opens].append(label)
            if closes is not None:
                self._closes[closes].append(label)

    @property
    def labels(self) -> frozenset[str]:
        return frozenset(self._state)

    def _boundary(self, boundary: Boundary) -> None:
        for label in self._closes.get(boundary, ()):
            if self._state[label] == "open":
                self._close(label)
        for label in self._opens.get(boundary, ()):
            if self._state[label] == "waiting":
                self._state[label] = "open"
                self._monitors.wake(label)

    def _close(self, label: str) -> None:
        self._state[label] = "closed"
        group = self._groups[label]
        self._results[label] = [
            attrs.evolve(r, checkpoint=None, window=label, group=group or None)
            for r in self._monitors.finish(label)
        ]

    def begin(self) -> None:
        """The run's steps start: ``before`` windows open."""
        self._boundary((None, "start"))

    def phase_started(self, name: str) -> None:
        self._boundary((name, "start"))

    def phase_ended(self, name: str) -> None:
        self._boundary((name, "end"))

    def finish(self) -> list[AssertionResult]:
        """Every window's verdicts, in plan order: open windows close at the run's end; a
        window that never opened did not judge anything, and fails saying so."""
        out: list[AssertionResult] = []
        for label in self._order:
            if self._state[label] == "open":
                self._close(label)
            if self._state[label] == "waiting":
                group = self._groups[label] or None
                self._results[label] = [
                    attrs.evolve(
                        r,
                        passed=False,
                        actual=f"nothing judged: the run ended before {self._waiting_for[label]}",
                        witnesses=(),
                        at=None,
                        checkpoint=None,
                        window=label,
                        group=group,
                    )
                    for r in self._monitors.finish(label)
                ]
            out += self._results.get(label, [])
        return out


def _phase_names(plan: Plan) -> set[str]:
    return {s.name for s in plan.steps if type(s).__name__ == "PhaseStep"}  # type: ignore[union-attr]
