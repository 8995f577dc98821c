"""A liquidity shock: the spread widens and the volume dries up, then both recover.

The profile's value is a :class:`~scenario_trading.state.MarketState`: the
price, plus the factors the ``trading.market`` generator applies to its
spread and volume.
"""

from __future__ import annotations

import random
from typing import Any

from scenario_engine.spi import Tick

from scenario_trading._spec import component
from scenario_trading.dsl.profiles import LiquidityShock
from scenario_trading.profiles._base import PhaseProfile, jitter, steps
from scenario_trading.state import MarketState, price_of

__all__ = ["LiquidityShockProfile", "liquidity_shock"]


class LiquidityShockProfile(PhaseProfile[LiquidityShock]):
    """Ramps the shock in, holds it, ramps it out; factors interpolate geometrically."""

    def intensity(self, k: int) -> float:
        """How much of the shock is felt after ``k`` moves: 0 (none) to 1 (full)."""
        spec = self.spec
        if k <= spec.shock_cycles:
            return k / spec.shock_cycles
        k -= spec.shock_cycles
        if k <= spec.hold_cycles:
            return 1.0
        k -= spec.hold_cycles
        if k < spec.recovery_cycles:
            return 1.0 - k / spec.recovery_cycles
        return 0.0

    def next_value(self, previous: Any, tick: Tick, rng: random.Random) -> MarketState:
        spec = self.spec
        felt = self.intensity(steps(tick))
        price = price_of(previous) * (1 + spec.drift * felt) * jitter(rng, spec.noise)
        return MarketState(
            price,
            spread_factor=spec.spread_factor**felt,
            volume_factor=spec.volume_factor**felt,
        )


liquidity_shock = component(LiquidityShock, LiquidityShockProfile)
