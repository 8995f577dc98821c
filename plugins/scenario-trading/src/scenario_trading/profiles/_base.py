"""What the trading profiles share: where the phase began, how far it has gone, noise."""

from __future__ import annotations

import math
import random
from typing import Any, Generic, TypeVar

from scenario_engine import Spec
from scenario_engine.spi import Tick

from scenario_trading.state import price_of

__all__ = ["PhaseProfile", "jitter", "steps"]

S = TypeVar("S", bound=Spec)


def steps(tick: Tick) -> int:
    """How many moves the phase has made once this cycle's is done (1 on its first cycle)."""
    return tick.phase_index + 1


def jitter(rng: random.Random, noise: float) -> float:
    """A multiplicative noise factor ``exp(noise * z)``.

    It always draws, even when ``noise`` is 0, so turning noise on does not
    shift what later draws of the same stream see.
    """
    return math.exp(noise * rng.gauss(0.0, 1.0))


class PhaseProfile(Generic[S]):
    """A profile whose path is measured from the price its phase started at.

    The engine makes a profile anew for each phase, so remembering the start
    here is per phase. The start is the tick's ``start_value`` (or, failing
    that, the value the first cycle of the phase receives).
    """

    def __init__(self, spec: S) -> None:
        self.spec = spec
        self._start: float | None = None

    def start(self, previous: Any, tick: Tick) -> float:
        """The price the phase started at."""
        if self._start is None:
            origin = tick.start_value if tick.start_value is not None else previous
            self._start = price_of(origin)
        return self._start

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.spec!r}>"
