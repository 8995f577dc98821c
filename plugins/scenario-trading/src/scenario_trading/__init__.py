"""scenario-trading: the trading domain pack for scenario-engine.

The engine finds this pack's components through entry points (``trading.*``
names); a playbook may also use these spec classes, which compile to the same
plan nodes::

    from scenario_trading import FlashCrash, Market, PriceWithin

Names load on first use, so importing the package stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scenario_trading.dsl.assertions import (
        MaxDrawdown,
        NoCrossedBook,
        PriceWithin,
        SpreadBelow,
        Volatility,
    )
    from scenario_trading.dsl.market import Market
    from scenario_trading.dsl.profiles import (
        BearCrash,
        BullRun,
        Correlated,
        FlashCrash,
        GradualTrend,
        LiquidityShock,
        PumpAndDump,
        Sideways,
        SupportResistance,
        Volatile,
    )
    from scenario_trading.state import MarketState

__all__ = [
    "BearCrash",
    "BullRun",
    "Correlated",
    "FlashCrash",
    "GradualTrend",
    "LiquidityShock",
    "Market",
    "MarketState",
    "MaxDrawdown",
    "NoCrossedBook",
    "PriceWithin",
    "PumpAndDump",
    "Sideways",
    "SpreadBelow",
    "SupportResistance",
    "Volatile",
    "Volatility",
    "__version__",
]

_PROFILES = "scenario_trading.dsl.profiles"
_ASSERTIONS = "scenario_trading.dsl.assertions"
_LAZY = {
    "BearCrash": _PROFILES,
    "BullRun": _PROFILES,
    "Correlated": _PROFILES,
    "FlashCrash": _PROFILES,
    "GradualTrend": _PROFILES,
    "LiquidityShock": _PROFILES,
    "PumpAndDump": _PROFILES,
    "Sideways": _PROFILES,
    "SupportResistance": _PROFILES,
    "Volatile": _PROFILES,
    "Market": "scenario_trading.dsl.market",
    "MarketState": "scenario_trading.state",
    "MaxDrawdown": _ASSERTIONS,
    "NoCrossedBook": _ASSERTIONS,
    "PriceWithin": _ASSERTIONS,
    "SpreadBelow": _ASSERTIONS,
    "Volatility": _ASSERTIONS,
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import version

        return version("scenario-trading")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'scenario_trading' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
