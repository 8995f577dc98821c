"""The generic generators: constant, counter and template.

A generator turns the value its profile moved into one payload per tick.
Each one here keeps a small running summary (count, min, max, last value)
for the run report, and produces a fresh payload object every tick, so a
chaos action or a system that changes one payload never changes the next.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any

from scenario_engine.spi import ParamError, Tick
from scenario_engine.templates import compile_template, data_only, iso_timestamp, placeholders

__all__ = ["Constant", "Counter", "Template"]

#: variables every template sees, filled from the tick
TICK_VARIABLES = ("index", "phase", "phase_index", "progress", "time", "timestamp", "value")
_NO_CONTEXT: Mapping[str, Any] = {}


def _start_value(param: str, value: Any) -> Any:
    """A value profiles can move (a number, or a mapping of named numbers) or keep (a string)."""
    if isinstance(value, Mapping):
        if not value:
            raise ParamError(param, "must name at least one value", value)
        return {str(k): _finite(f"{param}.{k}", v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        raise ParamError(param, "must be a finite number", value)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ParamError(param, "must be a number or a string", value)
    return value


def _finite(param: str, value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ParamError(param, "must be a finite number", value)
    return value


class _Summary:
    """Count, min, max and last of the values emitted, for the report."""

    __slots__ = ("_count", "_last", "_max", "_min")

    def __init__(self) -> None:
        self._count = 0
        self._last: Any = None
        self._min: Any = None
        self._max: Any = None

    def _track(self, value: Any) -> None:
        self._count += 1
        self._last = value
        if value.__class__ is float or value.__class__ is int:
            if self._min is None or value < self._min:
                self._min = value
            if self._max is None or value > self._max:
                self._max = value

    def summary(self) -> dict[str, Any]:
        """``count``, ``min``, ``max`` (numbers only, else None) and ``last``."""
        return {"count": self._count, "min": self._min, "max": self._max, "last": self._last}


class Constant(_Summary):
    """The same payload every tick, or ``{"value": <the profile's value>}``.

    Args:
        value: the start value that profiles move; a mapping of named numbers
            (``{"temp": 20.0, "humidity": 50.0}``) is moved name by name and
            published as that mapping.
        payload: sent as given (a fresh copy each tick; ``{{...}}`` is not
            rendered, use ``template`` for that); default ``{"value": value}``.
    """

    __slots__ = ("_copy", "_value")

    def __init__(self, value: Any = 0.0, payload: Any = None) -> None:
        super().__init__()
        self._value = _start_value("value", value)
        self._copy = None if payload is None else compile_template(payload, substitute=False)

    def initial_value(self) -> Any:
        return self._value

    def payload(self, tick: Tick, rng: random.Random) -> Any:
        value = tick.value
        self._track(value)
        if self._copy is None:
            return dict(value) if value.__class__ is dict else {"value": value}
        return self._copy(_NO_CONTEXT)


class Counter(_Summary):
    """``{"index": tick.index, "value": start + step * n}`` for the n-th payload (from 0).

    The counter counts payloads and ignores the profile's value: a counter
    is a sequence number, not a measurement.

    Args:
        start: the first value.
        step: added per payload; not 0 (a fixed value is the ``constant`` generator).
    """

    __slots__ = ("_emitted", "_start", "_step")

    def __init__(self, start: int | float = 0, step: int | float = 1) -> None:
        super().__init__()
        self._start = _finite("start", start)
        self._step = _finite("step", step)
        if step == 0:
            raise ParamError("step", "must not be 0", step)
        self._emitted = 0

    def initial_value(self) -> Any:
        return self._start

    def payload(self, tick: Tick, rng: random.Random) -> Any:
        value = self._start + self._step * self._emitted
        self._emitted += 1
        self._track(value)
        return {"index": tick.index, "value": value}


class Template(_Summary):
    """Renders a payload template per tick.

    Variables: ``index`` (cycle over the run), ``phase``, ``phase_index``,
    ``progress`` (0..1 across the phase), ``value`` (the profile's value),
    ``time`` (clock seconds), ``timestamp`` (ISO 8601 UTC of ``epoch +
    time``), plus ``vars``; the tick's own variables win over ``vars`` of
    the same name.

    Args:
        payload: the template (see :mod:`scenario_engine.templates`).
        start: the start value that profiles move.
        vars: extra variables; the engine may add the scenario's with :meth:`bind`.
    """

    __slots__ = ("_context", "_epoch", "_render", "_stamp", "_start_value")

    def __init__(
        self, payload: Any, start: Any = 0.0, vars: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__()
        if vars is not None and not isinstance(vars, Mapping):
            raise ParamError("vars", "must be a mapping of names to values", vars)
        self._render = compile_template(payload)
        self._stamp = "timestamp" in placeholders(payload)
        self._epoch = 0.0
        self._start_value = _start_value("start", start)
        # one context, updated in place per tick: rendering allocates only the payload
        self._context: dict[str, Any] = data_only(vars or {})
        self._context.update(dict.fromkeys(TICK_VARIABLES))

    def bind(
        self, variables: Mapping[str, Any] | None = None, *, epoch: float | None = None
    ) -> None:
        """Add the scenario's variables, and the Unix time of clock zero for ``timestamp``."""
        if variables:
            for name, value in variables.items():
                self._context.setdefault(name, value)
        if epoch is not None:
            self._epoch = float(epoch)

    def initial_value(self) -> Any:
        return self._start_value

    def payload(self, tick: Tick, rng: random.Random) -> Any:
        value = tick.value
        self._track(value)
        context = self._context
        context["index"] = tick.index
        context["value"] = value
        context["phase"] = tick.phase
        context["phase_index"] = tick.phase_index
        context["progress"] = tick.progress
        context["time"] = tick.time
        if self._stamp:
            context["timestamp"] = iso_timestamp(self._epoch + tick.time)
        return self._render(context)
