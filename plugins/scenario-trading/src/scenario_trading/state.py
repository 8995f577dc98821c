"""The value trading profiles move: a price that may carry the market's conditions.

Profiles and the ``trading.market`` generator agree on one value: a float, the
price of the market's first symbol. Two profiles need to say more than a
price, and say it with a :class:`MarketState`, a ``float`` subclass with extra
attributes:

- ``trading.liquidity_shock`` sets ``spread_factor`` (the spread is
  multiplied by it) and ``volume_factor`` (so is the volume);
- ``trading.correlated`` sets ``comove``: this cycle's common shock, from
  which the generator moves the market's other symbols.

Because a ``MarketState`` *is* a float, every other profile, the core's
included, reads it as a plain price; what those return is a plain float, which
the generator reads as normal liquidity and the other symbols following the
first one in proportion. The conditions last exactly as long as the phase
whose profile sets them.
"""

from __future__ import annotations

import math
from typing import Any

import attrs

__all__ = ["CoMove", "MarketState", "price_of"]


@attrs.frozen
class CoMove:
    """One cycle's common market shock, for the generator to move the other symbols.

    The first symbol's log return is ``drift + volatility * shock``; another
    symbol's is ``drift + volatility * (rho * shock + sqrt(1 - rho**2) * own)``
    with ``own`` a standard normal draw of its own, so the two returns have
    correlation ``rho``.
    """

    shock: float
    rho: float
    volatility: float
    drift: float = 0.0

    def leg_return(self, own: float) -> float:
        """The log return of another symbol whose own standard normal draw is ``own``."""
        mixed = self.rho * self.shock + math.sqrt(max(0.0, 1.0 - self.rho**2)) * own
        return self.drift + self.volatility * mixed


class MarketState(float):
    """A price (a float) carrying liquidity factors and a common shock.

    Immutable like the float it is: attributes are set once, by the constructor.
    """

    spread_factor: float
    volume_factor: float
    comove: CoMove | None

    def __new__(
        cls,
        price: float,
        *,
        spread_factor: float = 1.0,
        volume_factor: float = 1.0,
        comove: CoMove | None = None,
    ) -> MarketState:
        state = super().__new__(cls, price)
        object.__setattr__(state, "spread_factor", float(spread_factor))
        object.__setattr__(state, "volume_factor", float(volume_factor))
        object.__setattr__(state, "comove", comove)
        return state

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"MarketState is immutable (cannot set {name!r})")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (float(self), self.spread_factor, self.volume_factor, self.comove))

    def __repr__(self) -> str:
        parts = [float.__repr__(self)]
        if self.spread_factor != 1.0:
            parts.append(f"spread_factor={self.spread_factor:g}")
        if self.volume_factor != 1.0:
            parts.append(f"volume_factor={self.volume_factor:g}")
        if self.comove is not None:
            parts.append(f"comove={self.comove!r}")
        return f"MarketState({', '.join(parts)})"


def _rebuild(
    price: float, spread_factor: float, volume_factor: float, comove: CoMove | None
) -> MarketState:
    return MarketState(
        price, spread_factor=spread_factor, volume_factor=volume_factor, comove=comove
    )


def price_of(value: Any, reader: str = "trading profiles move") -> float:
    """The price a value stands for; refuses values that are not prices.

    ``reader`` says who needs the price, for the error message.

    Raises:
        TypeError: ``value`` is not a positive finite number (a trading profile
            was given the value of a non-trading generator, or a profile drove
            the price to zero, for instance).
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{reader} a price (a number); got {type(value).__name__}: {value!r}")
    price = float(value)
    if not math.isfinite(price) or price <= 0:
        raise TypeError(f"{reader} a positive, finite price; got {value!r}")
    return price
