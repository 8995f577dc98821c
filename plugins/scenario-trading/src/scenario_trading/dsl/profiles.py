"""Specs of the trading profiles: how a price moves, phase by phase.

Rates, severities and volatilities are fractions of the price (``0.02`` is
2 %); cycle counts are cycles of the phase. Every profile draws its
randomness from the RNG the engine hands it, so a seed replays a run.
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from scenario_trading._spec import (
    ProfileSpec,
    correlation,
    count,
    cycles,
    fail,
    is_number,
    non_negative,
    one_of,
    positive,
    ratio,
    rule,
    unit,
)

__all__ = [
    "SPEEDS",
    "BearCrash",
    "BullRun",
    "Correlated",
    "FlashCrash",
    "GradualTrend",
    "LiquidityShock",
    "PumpAndDump",
    "Sideways",
    "SupportResistance",
    "Volatile",
]

#: named speeds of ``GradualTrend``, as fractions of the price per cycle
SPEEDS = {"slow": 0.001, "medium": 0.005, "fast": 0.02}

_kw = attrs.field
_at_least_one = rule("a number >= 1", lambda v: is_number(v) and v >= 1)
_signed_ratio = rule("in (-1, 1)", lambda v: is_number(v) and -1 < v < 1)


def _optional_count(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not (
        isinstance(value, int) and not isinstance(value, bool) and value >= 0
    ):
        fail(instance, attribute.name, "must be an integer >= 0, or None for never", value)


@attrs.frozen(repr=False)
class BullRun(ProfileSpec):
    """A rising market: the price gains ``rate`` per cycle on average, with noise.

    Each cycle multiplies the price by ``(1 + rate) * exp(volatility * z)``,
    ``z`` a standard normal draw.
    """

    __registry_name__: ClassVar[str] = "trading.bull_run"

    rate: float = _kw(default=0.01, kw_only=True, validator=positive)
    volatility: float = _kw(default=0.005, kw_only=True, validator=non_negative)


@attrs.frozen(repr=False)
class BearCrash(ProfileSpec):
    """A falling market: the price loses ``rate`` per cycle, faster and faster.

    The rate grows by ``acceleration`` (relative) every cycle, up to 0.99.
    """

    __registry_name__: ClassVar[str] = "trading.bear_crash"

    rate: float = _kw(default=0.02, kw_only=True, validator=ratio)
    volatility: float = _kw(default=0.01, kw_only=True, validator=non_negative)
    acceleration: float = _kw(default=0.0, kw_only=True, validator=non_negative)


@attrs.frozen(repr=False)
class GradualTrend(ProfileSpec):
    """A steady trend ``up`` or ``down`` at ``speed`` per cycle.

    ``speed`` is a fraction of the price per cycle, or one of ``'slow'``
    (0.1 %), ``'medium'`` (0.5 %), ``'fast'`` (2 %).
    """

    __registry_name__: ClassVar[str] = "trading.gradual_trend"

    direction: str = _kw(default="up", kw_only=True, validator=one_of("up", "down"))
    speed: float | str = _kw(
        default=0.002,
        kw_only=True,
        validator=rule(
            "a number in (0, 1) or one of 'slow', 'medium', 'fast'",
            lambda v: v in SPEEDS if isinstance(v, str) else is_number(v) and 0 < v < 1,
        ),
    )
    noise: float = _kw(default=0.0, kw_only=True, validator=non_negative)

    @property
    def rate(self) -> float:
        """The speed as a fraction of the price per cycle."""
        return SPEEDS[self.speed] if isinstance(self.speed, str) else float(self.speed)


@attrs.frozen(repr=False)
class Volatile(ProfileSpec):
    """Large swings around the phase's starting price.

    Each cycle adds a normal log return of ``volatility``, a jump of
    ``jump_size`` (either way) with probability ``jump_probability``, and
    pulls back towards the start by ``reversion`` of the distance, so the
    price swings widely without wandering off.
    """

    __registry_name__: ClassVar[str] = "trading.volatile"

    volatility: float = _kw(default=0.04, kw_only=True, validator=non_negative)
    jump_probability: float = _kw(default=0.05, kw_only=True, validator=unit)
    jump_size: float = _kw(default=0.1, kw_only=True, validator=ratio)
    reversion: float = _kw(default=0.1, kw_only=True, validator=unit)


@attrs.frozen(repr=False)
class Sideways(ProfileSpec):
    """Consolidation: the price oscillates around ``center`` and never leaves the band.

    The band is ``center * (1 ± band)``; the price follows a sine of
    ``amplitude`` (default: half the band) and ``period`` cycles, plus
    ``noise``, reflected back into the band. ``center`` defaults to the
    phase's starting price.
    """

    __registry_name__: ClassVar[str] = "trading.sideways"

    band: float = _kw(default=0.03, kw_only=True, validator=ratio)
    period: int = _kw(
        default=12,
        kw_only=True,
        validator=rule(
            "an integer >= 2", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 2
        ),
    )
    amplitude: float | None = _kw(default=None, kw_only=True, validator=non_negative)
    noise: float = _kw(default=0.002, kw_only=True, validator=non_negative)
    center: float | None = _kw(default=None, kw_only=True, validator=positive)

    def __attrs_post_init__(self) -> None:
        if self.amplitude is not None and self.amplitude > self.band:
            fail(self, "amplitude", f"must not exceed band={self.band:g}", self.amplitude)


@attrs.frozen(repr=False)
class SupportResistance(ProfileSpec):
    """The price bounces between a support and a resistance, then breaks out.

    The price travels ``speed`` (a fraction of the phase's starting price)
    per cycle between ``support`` and ``resistance`` (absolute prices;
    default: ``width`` below and above the start). After bouncing
    ``breakout_after`` times off the level on the ``breakout`` side (or at
    cycle ``breakout_at`` of the phase, whichever comes first) it breaks
    through and trends that way at ``breakout_speed`` per cycle.
    ``breakout_after=None`` and no ``breakout_at`` keep it in the range.
    """

    __registry_name__: ClassVar[str] = "trading.support_resistance"

    support: float | None = _kw(default=None, kw_only=True, validator=positive)
    resistance: float | None = _kw(default=None, kw_only=True, validator=positive)
    width: float = _kw(default=0.05, kw_only=True, validator=ratio)
    speed: float = _kw(default=0.01, kw_only=True, validator=ratio)
    breakout_after: int | None = _kw(default=3, kw_only=True, validator=_optional_count)
    breakout_at: int | None = _kw(default=None, kw_only=True, validator=count)
    breakout: str = _kw(default="up", kw_only=True, validator=one_of("up", "down"))
    breakout_speed: float = _kw(default=0.01, kw_only=True, validator=ratio)
    noise: float = _kw(default=0.0, kw_only=True, validator=non_negative)

    def __attrs_post_init__(self) -> None:
        if (
            self.support is not None
            and self.resistance is not None
            and self.support >= self.resistance
        ):
            fail(self, "resistance", f"must be above support={self.support:g}", self.resistance)


@attrs.frozen(repr=False)
class FlashCrash(ProfileSpec):
    """A crash by ``severity`` over ``crash_cycles``, then a recovery over ``recovery_cycles``.

    Measured from ``base`` (default: the phase's starting price): the price
    falls linearly to ``base * (1 - severity)``, climbs back by ``recovery``
    of the loss (1.0: all the way to the base), then holds there. ``noise``
    is relative noise around that path.

    >>> FlashCrash(severity=0.3).to_ref()
    Ref(kind='profile', name='trading.flash_crash', params=FrozenMap({'severity': 0.3}))
    """

    __registry_name__: ClassVar[str] = "trading.flash_crash"

    severity: float = _kw(default=0.2, kw_only=True, validator=ratio)
    crash_cycles: int = _kw(default=5, kw_only=True, validator=cycles)
    recovery_cycles: int = _kw(default=20, kw_only=True, validator=count)
    recovery: float = _kw(default=1.0, kw_only=True, validator=unit)
    noise: float = _kw(default=0.0, kw_only=True, validator=non_negative)
    base: float | None = _kw(default=None, kw_only=True, validator=positive)


@attrs.frozen(repr=False)
class PumpAndDump(ProfileSpec):
    """A pump by ``gain`` over ``pump_cycles``, a plateau, then a dump.

    From the phase's starting price the price rises to ``start * (1 + gain)``,
    holds for ``hold_cycles``, then loses ``dump`` of that peak over
    ``dump_cycles`` and stays there.
    """

    __registry_name__: ClassVar[str] = "trading.pump_and_dump"

    gain: float = _kw(default=0.5, kw_only=True, validator=positive)
    pump_cycles: int = _kw(default=10, kw_only=True, validator=cycles)
    hold_cycles: int = _kw(default=2, kw_only=True, validator=count)
    dump: float = _kw(default=0.4, kw_only=True, validator=ratio)
    dump_cycles: int = _kw(default=5, kw_only=True, validator=cycles)
    noise: float = _kw(default=0.0, kw_only=True, validator=non_negative)


@attrs.frozen(repr=False)
class LiquidityShock(ProfileSpec):
    """Liquidity dries up: the spread widens and the volume falls, then both recover.

    Over ``shock_cycles`` the spread grows to ``spread_factor`` times normal
    and the volume shrinks to ``volume_factor`` of normal; they stay there
    for ``hold_cycles``, and return to normal over ``recovery_cycles``. The
    price drifts by ``drift`` per cycle at full shock, with ``noise``.
    """

    __registry_name__: ClassVar[str] = "trading.liquidity_shock"

    spread_factor: float = _kw(default=8.0, kw_only=True, validator=_at_least_one)
    volume_factor: float = _kw(
        default=0.1,
        kw_only=True,
        validator=rule("in (0, 1]", lambda v: is_number(v) and 0 < v <= 1),
    )
    shock_cycles: int = _kw(default=3, kw_only=True, validator=cycles)
    hold_cycles: int = _kw(default=5, kw_only=True, validator=count)
    recovery_cycles: int = _kw(default=10, kw_only=True, validator=count)
    drift: float = _kw(default=0.0, kw_only=True, validator=_signed_ratio)
    noise: float = _kw(default=0.002, kw_only=True, validator=non_negative)


@attrs.frozen(repr=False)
class Correlated(ProfileSpec):
    """Symbols that move together with correlation ``rho``.

    For a ``trading.market`` of several symbols: the first symbol's log return
    is ``drift + volatility * z``; every other symbol's return has correlation
    ``rho`` with it (the generator mixes ``z`` with a draw of its own).
    """

    __registry_name__: ClassVar[str] = "trading.correlated"

    rho: float = _kw(default=0.8, kw_only=True, validator=correlation)
    volatility: float = _kw(default=0.01, kw_only=True, validator=non_negative)
    drift: float = _kw(default=0.0, kw_only=True, validator=_signed_ratio)
