"""Profiles that stay in a range: sideways consolidation, support and resistance."""

from __future__ import annotations

import math
import random
from typing import Any

from scenario_engine.spi import Tick

from scenario_trading._spec import TradingParamError, component
from scenario_trading.dsl.profiles import Sideways, SupportResistance
from scenario_trading.profiles._base import PhaseProfile, jitter, steps

__all__ = ["SidewaysProfile", "SupportResistanceProfile", "sideways", "support_resistance"]


def _reflect(price: float, low: float, high: float) -> float:
    """Fold a price that overshot the band back inside it (then clamp)."""
    if price > high:
        price = high - (price - high)
    elif price < low:
        price = low + (low - price)
    return min(max(price, low), high)


class SidewaysProfile(PhaseProfile[Sideways]):
    """A sine around the centre, with noise, folded back into the band."""

    def band(self, previous: Any, tick: Tick) -> tuple[float, float, float]:
        """``(low, centre, high)`` of the band for this phase."""
        centre = float(self.spec.center or self.start(previous, tick))
        return centre * (1 - self.spec.band), centre, centre * (1 + self.spec.band)

    def next_value(self, previous: Any, tick: Tick, rng: random.Random) -> float:
        spec = self.spec
        low, centre, high = self.band(previous, tick)
        amplitude = spec.band / 2 if spec.amplitude is None else spec.amplitude
        wave = math.sin(2 * math.pi * steps(tick) / spec.period)
        price = centre * (1 + amplitude * wave) * jitter(rng, spec.noise)
        return _reflect(price, low, high)


class SupportResistanceProfile(PhaseProfile[SupportResistance]):
    """Bounces between the levels at a constant speed, then breaks out.

    The path is a pure function of the cycle: unfolded, the price travels
    ``u = distance from support at the start + k * step``; folded into the
    range, that is a triangle wave whose turns are the touches. Going up
    first, resistance is touched at ``u = L, 3L, 5L...`` and support at
    ``u = 2L, 4L...`` (``L`` the range's width), so the breakout after ``n``
    bounces happens at ``u = (2n + 1) L`` upwards or ``2 (n + 1) L`` downwards.
    """

    def levels(self, previous: Any, tick: Tick) -> tuple[float, float]:
        """``(support, resistance)`` for this phase."""
        spec = self.spec
        start = self.start(previous, tick)
        support = spec.support if spec.support is not None else start * (1 - spec.width)
        resistance = (
            spec.resistance if spec.resistance is not None else start * (1 + spec.width)
        )
        if support >= resistance:
            raise TradingParamError(
                type(spec).__name__,
                "resistance",
                f"must be above the support ({support:g})",
                resistance,
            )
        return support, resistance

    def breakout_step(self, origin: float, width: float, step: float) -> float:
        """The (fractional) number of moves after which the price breaks out."""
        spec = self.spec
        when = math.inf
        if spec.breakout_after is not None:
            bounces = spec.breakout_after
            if spec.breakout == "up":
                target = (2 * bounces + 1) * width
            else:
                target = 2 * (bounces + 1) * width
            when = (target - origin) / step
        if spec.breakout_at is not None:
            when = min(when, float(spec.breakout_at))
        return when

    def next_value(self, previous: Any, tick: Tick, rng: random.Random) -> float:
        spec = self.spec
        support, resistance = self.levels(previous, tick)
        start = self.start(previous, tick)
        width = resistance - support
        origin = min(max(start, support), resistance) - support
        step = spec.speed * start

        def folded(k: float) -> float:
            travelled = (origin + k * step) % (2 * width)
            return support + (travelled if travelled <= width else 2 * width - travelled)

        k = steps(tick)
        noise = jitter(rng, spec.noise)
        breakout = self.breakout_step(origin, width, step)
        if k <= breakout:
            return _reflect(folded(k) * noise, support, resistance)
        sign = 1 if spec.breakout == "up" else -1
        trend: float = (1 + sign * spec.breakout_speed) ** (k - breakout)
        return folded(breakout) * trend * noise


sideways = component(Sideways, SidewaysProfile)
support_resistance = component(SupportResistance, SupportResistanceProfile)
