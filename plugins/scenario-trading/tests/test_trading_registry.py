"""The pack as the engine sees it: entry points, protocols, located parameter errors."""

from __future__ import annotations

from importlib.metadata import version

import pytest
from scenario_engine.errors import PlanError
from scenario_engine.registry import Registry

NAMES = {
    "generator": {"trading.market", "trading.fixtures"},
    "profile": {
        "trading.bull_run", "trading.bear_crash", "trading.sideways", "trading.volatile",
        "trading.flash_crash", "trading.pump_and_dump", "trading.gradual_trend",
        "trading.support_resistance", "trading.liquidity_shock", "trading.correlated",
    },
    "assertion": {
        "trading.price_within", "trading.max_drawdown", "trading.volatility",
        "trading.no_crossed_book", "trading.spread_below",
    },
}


@pytest.fixture(scope="module")
def registry():
    return Registry()


def test_every_trading_name_is_registered_by_the_scenario_trading_distribution(registry):
    found = {}
    for info in registry.entries():
        if info.name.startswith("trading."):
            found.setdefault(info.kind, set()).add(info.name)
            assert (info.distribution, info.version) == (
                "scenario-trading", version("scenario-trading")
            )
    assert found == NAMES


def test_every_trading_component_loads_without_a_broken_plugin(registry):
    broken = [b for b in registry.load_all() if b.info.name.startswith("trading.")]
    assert broken == []


@pytest.mark.parametrize(("kind", "name"), [(k, n) for k, ns in NAMES.items() for n in sorted(ns)])
def test_every_trading_component_is_made_with_its_defaults_and_meets_its_protocol(
    registry, kind, name
):
    params = {"trading.price_within": {"low": 1, "high": 2},
              "trading.max_drawdown": {"limit": 0.1},
              "trading.volatility": {"max": 0.1},
              "trading.spread_below": {"bps": 10}}.get(name, {})
    registry.create(kind, name, params, where="x")


def test_a_bad_parameter_is_located_in_the_plan(registry):
    with pytest.raises(PlanError) as caught:
        registry.create("profile", "trading.flash_crash", {"severity": 2},
                        where="steps[1].profile")
    assert str(caught.value) == "steps[1].profile.params.severity: must be in (0, 1) (got 2)"


def test_a_misspelt_parameter_gets_a_suggestion(registry):
    with pytest.raises(PlanError) as caught:
        registry.create("profile", "trading.flash_crash", {"severty": 0.3},
                        where="steps[1].profile")
    assert str(caught.value) == (
        "steps[1].profile.params.severty: profile 'trading.flash_crash' has no parameter "
        "'severty' (hint: did you mean 'severity'?)"
    )


def test_a_missing_required_parameter_is_named(registry):
    with pytest.raises(PlanError) as caught:
        registry.create("assertion", "trading.max_drawdown", {}, where="expectations[0]")
    assert str(caught.value) == (
        "expectations[0].params.limit: assertion 'trading.max_drawdown' requires parameter 'limit'"
    )


def test_a_misspelt_trading_name_gets_a_suggestion(registry):
    error = registry.unknown("profile", "trading.flash_crsh")
    assert "did you mean 'trading.flash_crash'" in str(error)


def test_the_core_never_imports_the_pack():
    from pathlib import Path

    import scenario_engine

    core = Path(scenario_engine.__file__).parent
    offenders = [p.name for p in core.rglob("*.py") if "scenario_trading" in p.read_text()]
    assert offenders == []
