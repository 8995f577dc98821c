"""The :class:`Orchestration` builder: scenarios chained, run side by side, looped.

>>> from scenario_engine import Scenario
>>> a, b = Scenario("a").phase("p", cycles=1), Scenario("b").phase("p", cycles=1)
>>> nightly = Orchestration("nightly").then(a).then(b, delay="5s").loop(2)
>>> plan = nightly.build()
>>> [s.scenarios[0].name for s in plan.steps], plan.steps[1].delay, plan.iterations
(['a', 'b'], 5.0, 2)
"""

from __future__ import annotations

from typing import Any

import attrs

from scenario_engine.dsl.spec import SpecError
from scenario_engine.durations import DurationError, parse_duration
from scenario_engine.errors import Problem
from scenario_engine.plan.nodes import Plan
from scenario_engine.plan.orchestration import OrchestrationPlan, OrchestrationStep

__all__ = ["Orchestration"]


def _plan(scenario: Any, where: str) -> Plan:
    from scenario_engine.dsl.scenario import Scenario

    if isinstance(scenario, Plan):
        return scenario
    if isinstance(scenario, Scenario):
        return scenario.build()
    raise SpecError([Problem(where, f"expected a Scenario or a Plan (got {scenario!r})")])


@attrs.frozen(repr=False)
class Orchestration:
    """Scenarios in order (``then``) and side by side (``parallel``), ``loop``-ed; each method
    returns a new orchestration; ``build()`` gives the data a file holds."""

    name: str
    steps: tuple[OrchestrationStep, ...] = ()
    iterations: int = 1
    keep_going: bool = False
    description: str = ""

    def _where(self, method: str) -> str:
        return f"Orchestration({self.name!r}).{method}"

    def _delay(self, delay: Any, where: str) -> float:
        try:
            seconds = parse_duration(delay)
        except DurationError as err:
            raise SpecError([Problem(where, str(err))]) from None
        if seconds < 0:
            raise SpecError([Problem(where, f"delay must be >= 0 (got {delay!r})")])
        return seconds

    def then(self, scenario: Any, *, delay: Any = 0) -> Orchestration:
        """Run ``scenario`` next, ``delay`` (real time) after the step before ends."""
        where = self._where("then(...)")
        step = OrchestrationStep(
            scenarios=(_plan(scenario, where),), delay=self._delay(delay, where)
        )
        return attrs.evolve(self, steps=(*self.steps, step))

    def parallel(self, *scenarios: Any, delay: Any = 0) -> Orchestration:
        """Run these scenarios at the same time, each in its own worker process."""
        where = self._where("parallel(...)")
        if len(scenarios) < 2:
            raise SpecError(
                [
                    Problem(
                        where,
                        f"give two or more scenarios (got {len(scenarios)})",
                        "use then(...) for one",
                    )
                ]
            )
        plans = tuple(_plan(s, where) for s in scenarios)
        step = OrchestrationStep(scenarios=plans, parallel=True, delay=self._delay(delay, where))
        return attrs.evolve(self, steps=(*self.steps, step))

    def loop(self, iterations: int) -> Orchestration:
        """Run all the steps this many times."""
        if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 1:
            raise SpecError(
                [
                    Problem(
                        self._where("loop(...)"),
                        f"iterations must be an integer >= 1 (got {iterations!r})",
                    )
                ]
            )
        return attrs.evolve(self, iterations=iterations)

    def continue_on_failure(self, keep_going: bool = True) -> Orchestration:
        """Go on after a failed step (by default a failed step stops the orchestration)."""
        return attrs.evolve(self, keep_going=bool(keep_going))

    def build(self) -> OrchestrationPlan:
        if not self.steps:
            raise SpecError(
                [Problem(self._where("build()"), "no step: add then(...) or parallel(...)")]
            )
        return OrchestrationPlan(
            name=self.name,
            steps=self.steps,
            iterations=self.iterations,
            continue_on_failure=self.keep_going,
            description=self.description,
        )

    def __repr__(self) -> str:
        return f"Orchestration({self.name!r}) with {len(self.steps)} step(s) x{self.iterations}" + (
            ", continue on failure" if self.keep_going else ""
        )
