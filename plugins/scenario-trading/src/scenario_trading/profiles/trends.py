"""Profiles that trend: a bull run, a bear crash, a gradual trend, and a volatile market."""

from __future__ import annotations

import math
import random
from typing import Any

from scenario_engine.spi import Tick

from scenario_trading._spec import component
from scenario_trading.dsl.profiles import BearCrash, BullRun, GradualTrend, Volatile
from scenario_trading.profiles._base import PhaseProfile, jitter, steps
from scenario_trading.state import price_of

__all__ = [
    "BearCrashProfile",
    "BullRunProfile",
    "GradualTrendProfile",
    "VolatileProfile",
    "bear_crash",
    "bull_run",
    "gradual_trend",
    "volatile",
]

_MAX_FALL = 0.99
#: beyond this, exp() overflows; the fall is capped at _MAX_FALL long before
_LOG_CAP = 700.0


class BullRunProfile(PhaseProfile[BullRun]):
    """Compounds ``rate`` per cycle with log-normal noise of ``volatility``."""

    def next_value(self, previous: Any, tick: Tick, rng: random.Random) -> float:
        spec = self.spec
        return price_of(previous) * (1 + spec.rate) * jitter(rng, spec.volatility)


class BearCrashProfile(PhaseProfile[BearCrash]):
    """Loses ``rate`` per cycle, the rate growing by ``acceleration`` each cycle."""

    def next_value(self, previous: Any, tick: Tick, rng: random.Random) -> float:
        spec = self.spec
        growth = (steps(tick) - 1) * math.log1p(spec.acceleration)
        rate = min(_MAX_FALL, spec.rate * math.exp(min(growth, _LOG_CAP)))
        return price_of(previous) * (1 - rate) * jitter(rng, spec.volatility)


class GradualTrendProfile(PhaseProfile[GradualTrend]):
    """Moves ``speed`` per cycle in ``direction``."""

    def next_value(self, previous: Any, tick: Tick, rng: random.Random) -> float:
        spec = self.spec
        sign = 1 if spec.direction == "up" else -1
        return price_of(previous) * (1 + sign * spec.rate) * jitter(rng, spec.noise)


class VolatileProfile(PhaseProfile[Volatile]):
    """Swings widely around the phase's start: noise, jumps, and a pull back.

    Draws per cycle: a normal (the swing), a uniform (is there a jump?) and a
    uniform (which way).
    """

    def next_value(self, previous: Any, tick: Tick, rng: random.Random) -> float:
        spec = self.spec
        anchor = math.log(self.start(previous, tick))
        level = math.log(price_of(previous))
        swing = spec.volatility * rng.gauss(0.0, 1.0)
        jumps = rng.random() < spec.jump_probability
        upward = rng.random() < 0.5
        jump = 0.0
        if jumps:
            jump = math.log(1 + spec.jump_size) if upward else math.log(1 - spec.jump_size)
        return math.exp(level + spec.reversion * (anchor - level) + swing + jump)


bull_run = component(BullRun, BullRunProfile)
bear_crash = component(BearCrash, BearCrashProfile)
gradual_trend = component(GradualTrend, GradualTrendProfile)
volatile = component(Volatile, VolatileProfile)
