"""The generic profiles: steady, random walk, trend, sine and steps.

A profile moves one generator's value by one cycle. The engine makes a new
profile for every phase, and the phase starts from the value the previous
one ended on, so values stay continuous across phases: each profile here
moves relative to ``tick.start_value`` (the value when the phase began) or to
``previous``, never from a fixed origin unless asked to (``Steps`` with
``relative=False``). Randomness comes only from the ``rng`` argument.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from scenario_engine.spi import ParamError, Tick

__all__ = ["RandomWalk", "Sine", "Steady", "Steps", "Trend"]

_TAU = 2.0 * math.pi


def _number(param: str, value: Any, *, minimum: float | None = None, above: bool = False) -> float:
    """A finite real number parameter (bools are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ParamError(param, "must be a finite number", value)
    if minimum is not None and (value <= minimum if above else value < minimum):
        raise ParamError(param, f"must be {'>' if above else '>='} {minimum:g}", value)
    return value


def _current(profile: str, value: Any) -> float:
    """The generator's value, which numeric profiles can only move if it is a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(
            f"profile {profile!r} moves numbers, but the generator's value is {value!r}; "
            f"give the generator a numeric start value"
        )
    return value


class _PhaseStart:
    """Remembers the phase's start value when the engine does not give ``tick.start_value``."""

    __slots__ = ("_start",)

    def __init__(self) -> None:
        self._start: Any = None

    def base(self, profile: str, previous: Any, tick: Tick) -> float:
        if tick.start_value is not None:
            return _current(profile, tick.start_value)
        if self._start is None:
            self._start = _current(profile, previous)
        return self._start  # type: ignore[no-any-return]


class Steady:
    """The value stays where the previous phase left it.

    Args:
        noise: relative Gaussian jitter per cycle (``0.01`` is 1%), drawn
            around the phase's start value so that noise never accumulates.
    """

    __slots__ = ("_noise", "_start")

    def __init__(self, noise: float = 0.0) -> None:
        self._noise = _number("noise", noise, minimum=0)
        self._start = _PhaseStart()

    def next_value(self, previous: Any, tick: Tick, rng: random.Random) -> Any:
        if not self._noise:
            return previous
        base = self._start.base("steady", previous, tick)
        return base * (1.0 + rng.gauss(0.0, self._noise))


class RandomWalk:
    """Each cycle adds a Gaussian step to the previous value.

    Args:
        step: standard deviation of one step; a fraction of the value when
            ``relative`` (``0.01`` is 1%), else in the value's units.
        drift: mean of one step, in the same units as ``step``.
        relative: relative steps compound (``previous * exp(drift + step*z)``),
            so the value never crosses zero; absolute steps add
            (``previous + drift + step*z``).
    """

    __slots__ = ("_drift", "_relative", "_step")

    def __init__(self, step: float = 0.01, drift: float = 0.0, relative: bool = True) -> None:
        self._step = _number("step", step, minimum=0)
        self._drift = _number("drift", drift)
        if not isinstance(relative, bool):
            raise ParamError("relative", "must be true or false", relative)
        self._relative = relative

    def next_value(self, previous: Any, tick: Tick, rng: random.Random) -> Any:
        current = _current("random_walk", previous)
        move = self._drift + self._step * rng.gauss(0.0, 1.0)
        if self._relative:
            return current * math.exp(move)
        return current + move


class Trend:
    """A steady rise (positive ``rate``) or fall (negative ``rate``).

    Args:
        rate: per cycle; ``linear`` adds ``rate * start`` (``start`` being the
            phase's start value, so ``0.01`` is +1% of it each cycle, the same
            amount every cycle); ``exponential`` multiplies by ``1 + rate``.
        mode: ``"linear"`` or ``"exponential"``.
        target: where the value stops: once reached, it stays there. A value
            already past ``target`` in the direction of travel does not move.
    """

    __slots__ = ("_exponential", "_rate", "_start", "_target")

    def __init__(
        self, rate: float = 0.01, mode: str = "linear", target: float | None = None
    ) -> None:
        if mode not in ("linear", "exponential"):
            raise ParamError("mode", "must be 'linear' or 'exponential'", mode)
        self._rate = _number("rate", rate)
        self._exponential = mode == "exponential"
        if self._exponential and rate <= -1:
            raise ParamError("rate", "must be > -1 with mode='exponential'", rate)
        self._target = None if target is None else _number("target", target)
        self._start = _PhaseStart()

    def next_value(self, previous: Any, tick: Tick, rng: random.Random) -> Any:
        current = _current("trend", previous)
        rate = self._rate
        if self._exponential:
            value = current * (1.0 + rate)
        else:
            value = current + rate * self._start.base("trend", previous, tick)
        target = self._target
        if target is None:
            return value
        if value > current:  # rising
            return current if current >= target else min(value, target)
        if value < current:  # falling
            return current if current <= target else max(value, target)
        return value


class Sine:
    """An oscillation around a center, starting at the center.

    ``value = center * (1 + amplitude * sin(2π * phase_index / period))``
    (``relative``), or ``center + amplitude * sin(...)`` otherwise. With
    ``tick.phase_index`` 0 on the phase's first cycle, that cycle keeps the
    center, so the curve joins the previous phase without a jump.

    Args:
        amplitude: the swing: a fraction of the center when ``relative``
            (``0.1`` is ±10%), else in the value's units.
        period: cycles per full oscillation (> 0).
        center: the value to oscillate around; default the phase's start value.
        relative: see ``amplitude``.
    """

    __slots__ = ("_amplitude", "_center", "_period", "_relative", "_start")

    def __init__(
        self,
        amplitude: float = 0.1,
        period: float = 10,
        center: float | None = None,
        relative: bool = True,
    ) -> None:
        self._amplitude = _number("amplitude", amplitude)
        self._period = _number("period", period, minimum=0, above=True)
        self._center = None if center is None else _number("center", center)
        if not isinstance(relative, bool):
            raise ParamError("relative", "must be true or false", relative)
        self._relative = relative
        self._start = _PhaseStart()

    def next_value(self, previous: Any, tick: Tick, rng: random.Random) -> Any:
        center = self._center
        if center is None:
            center = self._start.base("sine", previous, tick)
        swing = self._amplitude * math.sin(_TAU * tick.phase_index / self._period)
        if self._relative:
            return center * (1.0 + swing)
        return center + swing


class Steps:
    """A staircase: holds each level for ``every`` cycles, then keeps the last one.

    Args:
        levels: multipliers of the phase's start value (``relative``, so
            ``[1, 1.5, 0.5]`` is 100%, 150%, 50%), or absolute values.
        every: cycles per level (>= 1).
        relative: see ``levels``.
    """

    __slots__ = ("_every", "_levels", "_relative", "_start")

    def __init__(self, levels: Sequence[float], every: int = 1, relative: bool = True) -> None:
        if isinstance(levels, str | bytes) or not isinstance(levels, Sequence) or not levels:
            raise ParamError("levels", "must be a non-empty list of numbers", levels)
        self._levels = tuple(_number(f"levels[{i}]", level) for i, level in enumerate(levels))
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ParamError("every", "must be an integer >= 1", every)
        self._every = every
        if not isinstance(relative, bool):
            raise ParamError("relative", "must be true or false", relative)
        self._relative = relative
        self._start = _PhaseStart()

    def next_value(self, previous: Any, tick: Tick, rng: random.Random) -> Any:
        levels = self._levels
        level = levels[min(tick.phase_index // self._every, len(levels) - 1)]
        if self._relative:
            return self._start.base("steps", previous, tick) * level
        return level
