"""Running statistics over a price series, in constant memory.

The generator's run summary and the ``trading.volatility`` assertion both
measure *realised volatility*: the sample standard deviation of the log
returns between consecutive prices (per tick, not annualised).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["Correlation", "Moments", "PriceSeries", "log_return"]


def log_return(previous: float, price: float) -> float:
    """``ln(price / previous)``; both must be positive."""
    return math.log(price / previous)


class Moments:
    """Mean and sample variance, updated one value at a time (Welford)."""

    __slots__ = ("_m2", "count", "mean")

    def __init__(self) -> None:
        self.count = 0
        self.mean = 0.0
        self._m2 = 0.0

    def add(self, value: float) -> None:
        self.count += 1
        delta = value - self.mean
        self.mean += delta / self.count
        self._m2 += delta * (value - self.mean)

    @property
    def stdev(self) -> float:
        """Sample standard deviation; 0 with fewer than two values."""
        if self.count < 2:
            return 0.0
        return math.sqrt(self._m2 / (self.count - 1))


class Correlation:
    """Sample (Pearson) correlation of paired values, updated one pair at a time."""

    __slots__ = ("_cxy", "_mx", "_my", "_sxx", "_syy", "count")

    def __init__(self) -> None:
        self.count = 0
        self._mx = self._my = 0.0
        self._sxx = self._syy = self._cxy = 0.0

    def add(self, x: float, y: float) -> None:
        self.count += 1
        dx = x - self._mx
        self._mx += dx / self.count
        dy = y - self._my
        self._my += dy / self.count
        self._sxx += dx * (x - self._mx)
        self._syy += dy * (y - self._my)
        self._cxy += dx * (y - self._my)

    @property
    def value(self) -> float | None:
        """The correlation, or None while either series is constant or too short."""
        if self.count < 2 or self._sxx <= 0 or self._syy <= 0:
            return None
        return self._cxy / math.sqrt(self._sxx * self._syy)


class PriceSeries:
    """Start, end, extremes, drawdown and realised volatility of one symbol's prices."""

    __slots__ = ("_peak", "end", "high", "low", "max_drawdown", "returns", "start", "ticks")

    def __init__(self) -> None:
        self.ticks = 0
        self.start = self.end = self.high = self.low = self._peak = math.nan
        self.max_drawdown = 0.0
        self.returns = Moments()

    def add(self, price: float) -> None:
        if self.ticks == 0:
            self.start = self.high = self.low = self._peak = price
        elif self.end > 0 and price > 0:
            self.returns.add(log_return(self.end, price))
        self.ticks += 1
        self.end = price
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self._peak = max(self._peak, price)
        if self._peak > 0:
            self.max_drawdown = max(self.max_drawdown, (self._peak - price) / self._peak)

    def summary(self) -> dict[str, Any]:
        """The statistics the run report shows (empty before the first price)."""
        if self.ticks == 0:
            return {"ticks": 0}
        change = (self.end - self.start) / self.start * 100 if self.start else 0.0
        return {
            "ticks": self.ticks,
            "start": self.start,
            "end": self.end,
            "change_pct": round(change, 4),
            "min": self.low,
            "max": self.high,
            "range": round(self.high - self.low, 10),
            "max_drawdown_pct": round(self.max_drawdown * 100, 4),
            "realised_volatility": round(self.returns.stdev, 6),
        }
