"""Load shapes for generators, in the habits of Gatling and k6: constant rates, ramps, stages.

``rate=200`` holds 200 events/s; ``rate=ramp(10, 1000, over="30s")`` ramps
linearly, then holds the last rate; ``stages=[("10s", 100), ("20s", 1000)]``
moves the rate to each target over each duration (from ``start_rate``);
``poisson=True`` draws the arrival times from the seed instead of spacing
them evenly. Shapes run in clock time, so on the virtual clock a minute at
10,000 events/s costs only the events themselves.

    >>> from scenario_engine import Scenario
    >>> s = Scenario("load").generator("counter", topic="t", rate=ramp(10, 30, over="2s"))
    >>> s.phase("go", duration="2s").build().generators[0].shape.stages[0].target
    30.0
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import attrs

from scenario_engine.dsl.spec import SpecError
from scenario_engine.durations import DurationError, parse_duration
from scenario_engine.errors import Problem
from scenario_engine.plan.nodes import LoadShape, Stage

__all__ = ["MAX_RATE", "Ramp", "load_shape", "ramp"]

#: events per second a shape may ask for (a bound, so a typo cannot fill a disk)
MAX_RATE = 1_000_000.0


def _rate(value: Any, what: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpecError([Problem(where, f"{what} must be a number of events/s (got {value!r})")])
    if not math.isfinite(value) or value < 0 or value > MAX_RATE:
        raise SpecError(
            [Problem(where, f"{what} must be from 0 to {MAX_RATE:,.0f} events/s (got {value!r})")]
        )
    return float(value)


def _duration(value: Any, what: str, where: str) -> float:
    try:
        seconds = parse_duration(value)
    except DurationError as err:
        raise SpecError([Problem(where, f"{what}: {err}")]) from None
    if not seconds > 0:
        raise SpecError([Problem(where, f"{what} must be > 0 (got {value!r})")])
    return seconds


@attrs.frozen
class Ramp:
    """A linear ramp from ``from_`` to ``to`` events/s over ``over``; ``to`` holds after."""

    from_: float
    to: float
    over: Any

    def __repr__(self) -> str:
        return f"ramp({self.from_!r}, {self.to!r}, over={self.over!r})"


def ramp(from_: float, to: float, *, over: Any) -> Ramp:
    """A ramp for ``rate=``: ``ramp(10, 1000, over="30s")``."""
    return Ramp(from_, to, over)


def load_shape(
    rate: Any, stages: Iterable[Any] | None, start_rate: Any, poisson: bool, where: str
) -> LoadShape | None:
    """The IR shape for ``generator(rate=..., stages=..., poisson=...)``, checked; None if none."""
    if not isinstance(poisson, bool):
        raise SpecError([Problem(where, f"poisson must be True or False (got {poisson!r})")])
    if rate is None and stages is None:
        if poisson:
            raise SpecError(
                [
                    Problem(
                        where,
                        "poisson=True needs rate= or stages=",
                        "generator(..., rate=200, poisson=True)",
                    )
                ]
            )
        return None
    if rate is not None and stages is not None:
        raise SpecError([Problem(where, "give rate= or stages=, not both")])
    if isinstance(rate, Ramp):
        start = _rate(rate.from_, "ramp's from_", where)
        steps = (
            Stage(
                duration=_duration(rate.over, "ramp's over", where),
                target=_rate(rate.to, "ramp's to", where),
            ),
        )
        return LoadShape(start=start, stages=steps, poisson=poisson)
    if rate is not None:
        value = _rate(rate, "rate", where)
        if value == 0:
            raise SpecError([Problem(where, "rate must be > 0 events/s (got 0)")])
        return LoadShape(start=value, poisson=poisson)
    if isinstance(stages, str | bytes) or not isinstance(stages, Iterable):
        raise SpecError(
            [
                Problem(
                    where,
                    f"stages must be a list of (duration, rate) (got {stages!r})",
                    'stages=[("10s", 100), ("20s", 1000)]',
                )
            ]
        )
    out = []
    for i, stage in enumerate(stages):
        if not (isinstance(stage, tuple | list) and len(stage) == 2):
            raise SpecError(
                [
                    Problem(
                        where,
                        f"stages[{i}] must be (duration, rate) (got {stage!r})",
                        '("10s", 100)',
                    )
                ]
            )
        out.append(
            Stage(
                duration=_duration(stage[0], f"stages[{i}] duration", where),
                target=_rate(stage[1], f"stages[{i}] rate", where),
            )
        )
    if not out:
        raise SpecError([Problem(where, "stages must not be empty", '[("10s", 100)]')])
    return LoadShape(
        start=_rate(start_rate, "start_rate", where), stages=tuple(out), poisson=poisson
    )
