"""Correlated symbols: the profile draws the common shock, the generator the rest.

The profile does not know how many symbols the market has, so it hands the
generator this cycle's common shock (a :class:`~scenario_trading.state.CoMove`
on the value); the generator moves every other symbol by mixing that shock
with a draw of its own. The first symbol's returns and any other's then have
correlation ``rho``.
"""

from __future__ import annotations

import math
import random
from typing import Any

from scenario_engine.spi import Tick

from scenario_trading._spec import component
from scenario_trading.dsl.profiles import Correlated
from scenario_trading.profiles._base import PhaseProfile
from scenario_trading.state import CoMove, MarketState, price_of

__all__ = ["CorrelatedProfile", "correlated"]


class CorrelatedProfile(PhaseProfile[Correlated]):
    """Moves the first symbol by ``drift + volatility * z``; passes ``z`` on."""

    def next_value(self, previous: Any, tick: Tick, rng: random.Random) -> MarketState:
        spec = self.spec
        shock = rng.gauss(0.0, 1.0)
        price = price_of(previous) * math.exp(spec.drift + spec.volatility * shock)
        comove = CoMove(shock=shock, rho=spec.rho, volatility=spec.volatility, drift=spec.drift)
        return MarketState(price, comove=comove)


correlated = component(Correlated, CorrelatedProfile)
