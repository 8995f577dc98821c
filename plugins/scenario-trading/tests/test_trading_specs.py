"""Spec classes: the same plan nodes as registry names, the DSL call as repr, cheap imports."""

from __future__ import annotations

import subprocess
import sys

import pytest
from scenario_engine import Scenario
from scenario_engine.plan.nodes import Ref
from scenario_engine.spi import ParamError

import scenario_trading
from scenario_trading import (
    BearCrash,
    BullRun,
    Correlated,
    FlashCrash,
    GradualTrend,
    LiquidityShock,
    Market,
    MaxDrawdown,
    NoCrossedBook,
    PriceWithin,
    PumpAndDump,
    Sideways,
    SpreadBelow,
    SupportResistance,
    Volatile,
    Volatility,
)

PROFILES = [
    (BullRun(rate=0.02), "trading.bull_run", {"rate": 0.02}),
    (BearCrash(acceleration=0.1), "trading.bear_crash", {"acceleration": 0.1}),
    (Sideways(band=0.05), "trading.sideways", {"band": 0.05}),
    (Volatile(volatility=0.1), "trading.volatile", {"volatility": 0.1}),
    (FlashCrash(severity=0.3), "trading.flash_crash", {"severity": 0.3}),
    (PumpAndDump(gain=1.0, dump_cycles=3), "trading.pump_and_dump",
     {"gain": 1.0, "dump_cycles": 3}),
    (GradualTrend(direction="down", speed="slow"), "trading.gradual_trend",
     {"direction": "down", "speed": "slow"}),
    (SupportResistance(breakout_at=30), "trading.support_resistance", {"breakout_at": 30}),
    (LiquidityShock(spread_factor=20.0), "trading.liquidity_shock", {"spread_factor": 20.0}),
    (Correlated(rho=0.5), "trading.correlated", {"rho": 0.5}),
]

ASSERTIONS = [
    (PriceWithin(90, 110), "trading.price_within", {"low": 90, "high": 110}),
    (MaxDrawdown(0.35, topic="Px"), "trading.max_drawdown", {"limit": 0.35, "topic": "Px"}),
    (Volatility(max=0.05), "trading.volatility", {"max": 0.05}),
    (NoCrossedBook(), "trading.no_crossed_book", {}),
    (SpreadBelow(bps=25), "trading.spread_below", {"bps": 25}),
]


def test_every_exported_name_is_a_spec_with_its_registry_name():
    names = {name for name in scenario_trading.__all__ if name[0].isupper()} - {"MarketState"}
    specs = {type(spec).__name__ for spec, _, _ in PROFILES + ASSERTIONS} | {"Market"}
    assert names == specs


@pytest.mark.parametrize(("spec", "name", "params"), PROFILES, ids=repr)
def test_a_profile_spec_compiles_to_the_same_phase_as_its_registry_name(spec, name, params):
    assert spec.to_ref() == Ref(kind="profile", name=name, params=params)
    base = Scenario("s").generator("trading.market", topic="PriceUpdate")
    by_spec = base.phase("p", cycles=3, profile=spec).build()
    by_name = base.phase("p", cycles=3, profile=name, **params).build()
    assert by_spec == by_name


@pytest.mark.parametrize(("spec", "name", "params"), ASSERTIONS, ids=repr)
def test_an_assertion_spec_compiles_to_the_same_expectation_as_its_registry_name(
    spec, name, params
):
    assert spec.to_ref() == Ref(kind="assertion", name=name, params=params)
    base = Scenario("s").generator("trading.market", topic="PriceUpdate").phase("p", cycles=1)
    assert base.expect(spec).build() == base.expect(name, **params).build()


def test_the_market_spec_compiles_to_the_same_generator_as_its_registry_name():
    by_spec = Scenario("s").generator(Market(symbol=["A", "B"], price=[1.0, 2.0]),
                                      topic="PriceUpdate", every="500ms")
    by_name = Scenario("s").generator("trading.market", topic="PriceUpdate", every="500ms",
                                      symbol=["A", "B"], price=[1.0, 2.0])
    assert by_spec.build() == by_name.build()


def test_the_flash_crash_spec_equals_the_registry_form_of_the_design_example():
    assert FlashCrash(severity=0.3).to_ref() == Ref(
        kind="profile", name="trading.flash_crash", params={"severity": 0.3}
    )


@pytest.mark.parametrize(("spec", "text"), [
    (FlashCrash(severity=0.3, crash_cycles=3), "FlashCrash(severity=0.3, crash_cycles=3)"),
    (PriceWithin(90, 110, symbol="ETH-USD"), "PriceWithin(90, 110, symbol='ETH-USD')"),
    (MaxDrawdown(0.2), "MaxDrawdown(0.2)"),
    (Market(), "Market()"),
    (NoCrossedBook(), "NoCrossedBook()"),
])
def test_the_repr_is_the_dsl_call_without_defaults(spec, text):
    assert repr(spec) == text


@pytest.mark.parametrize(("make", "text"), [
    (lambda: FlashCrash(severity=1.5),
     "FlashCrash(severity=...): severity must be in (0, 1) (got 1.5)"),
    (lambda: FlashCrash(crash_cycles=0),
     "FlashCrash(crash_cycles=...): crash_cycles must be an integer >= 1 (got 0)"),
    (lambda: PriceWithin(110, 90), "PriceWithin(high=...): high must be >= low=110 (got 90)"),
    (Volatility, "Volatility(max=...): max must be given, or min (e.g. Volatility(max=0.05))"),
    (lambda: SpreadBelow(bps=10, absolute=0.1),
     ("SpreadBelow(bps=...): bps must be given, or absolute, but not both "
     "(e.g. SpreadBelow(bps=25))")),
    (lambda: GradualTrend(direction="sideways"),
     "GradualTrend(direction=...): direction must be one of 'up', 'down' (got 'sideways')"),
    (lambda: Sideways(band=0.01, amplitude=0.02),
     "Sideways(amplitude=...): amplitude must not exceed band=0.01 (got 0.02)"),
    (lambda: SupportResistance(support=110.0, resistance=100.0),
     "SupportResistance(resistance=...): resistance must be above support=110 (got 100.0)"),
    (lambda: Market(symbol=""),
     "Market(symbol=...): symbol must be a non-empty string or a list of them (got '')"),
])
def test_a_bad_argument_is_refused_in_the_dsl_words(make, text):
    with pytest.raises(ParamError) as caught:
        make()
    assert str(caught.value) == text


def test_importing_the_pack_is_cheap():
    code = (
        "import sys, scenario_trading; from scenario_trading import FlashCrash, PriceWithin; "
        "print(sorted(m for m in sys.modules if m.startswith(('scenario_trading.', "
        "'scenario_engine.runtime', 'numpy', 'pandas'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str([
        "scenario_trading._spec", "scenario_trading.dsl", "scenario_trading.dsl.assertions",
        "scenario_trading.dsl.profiles",
    ])


def test_the_version_comes_from_the_package_metadata():
    from importlib.metadata import version

    assert scenario_trading.__version__ == version("scenario-trading")


def test_a_bad_spec_argument_in_a_playbook_is_reported_at_its_line_with_exit_code_2(tmp_path):
    playbook = tmp_path / "bad.py"
    playbook.write_text(
        "from scenario_engine import Scenario\n"
        "from scenario_trading import FlashCrash\n"
        "\n"
        "bad = (Scenario('bad').generator('trading.market', topic='PriceUpdate')\n"
        "       .phase('crash', cycles=5, profile=FlashCrash(severity=1.5)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "scenario_engine.cli", "play", str(playbook)],
        check=False, capture_output=True, text=True, cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: {playbook}:5: FlashCrash(severity=...): severity must be in (0, 1) (got 1.5)"
    )
