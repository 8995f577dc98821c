"""The trading profiles, tested for the shape of the path they draw (fixed seeds)."""

from __future__ import annotations

import math
import random
import statistics
from itertools import pairwise

import pytest
from scenario_engine.spi import ParamError, Profile, Tick

from scenario_trading.market import market
from scenario_trading.profiles.correlated import correlated
from scenario_trading.profiles.liquidity import liquidity_shock
from scenario_trading.profiles.ranges import sideways, support_resistance
from scenario_trading.profiles.shapes import flash_crash, pump_and_dump
from scenario_trading.profiles.trends import bear_crash, bull_run, gradual_trend, volatile
from scenario_trading.state import MarketState
from trading_support import ticks, walk

SEEDS = range(20)


def returns(prices: list[float]) -> list[float]:
    return [math.log(b / a) for a, b in pairwise(prices)]


@pytest.mark.parametrize(
    "factory",
    [bull_run, bear_crash, gradual_trend, volatile, sideways, support_resistance, flash_crash,
     pump_and_dump, liquidity_shock, correlated],
)
def test_every_profile_satisfies_the_protocol_and_replays_its_seed(factory):
    assert isinstance(factory(), Profile)
    assert walk(factory(), 100.0, 40, seed=7) == walk(factory(), 100.0, 40, seed=7)


# ------------------------------------------------------------------ flash crash


@pytest.mark.parametrize("seed", SEEDS)
def test_a_flash_crash_falls_by_its_severity_then_recovers_to_its_base(seed):
    path = walk(flash_crash(severity=0.3, crash_cycles=5, recovery_cycles=20, noise=0.005),
                100.0, 30, seed=seed)
    bottom = min(path)
    assert 1 - bottom / 100.0 == pytest.approx(0.3, abs=0.02)
    assert path.index(bottom) in range(3, 7)
    assert path[24:] == pytest.approx([100.0] * 6, rel=0.02)


def test_a_noiseless_flash_crash_bottoms_out_exactly_at_the_end_of_the_crash():
    path = walk(flash_crash(severity=0.3, crash_cycles=5, recovery_cycles=20), 100.0, 30)
    assert path[:5] == pytest.approx([94.0, 88.0, 82.0, 76.0, 70.0])
    assert path[24] == pytest.approx(100.0)
    assert all(b >= a for a, b in pairwise(path[4:]))


def test_a_flash_crash_recovers_only_the_fraction_asked():
    path = walk(flash_crash(severity=0.2, recovery=0.5, crash_cycles=2, recovery_cycles=4),
                50.0, 10)
    assert path[-1] == pytest.approx(45.0)


def test_a_flash_crash_measures_from_the_phase_start_not_from_the_previous_value():
    crash = flash_crash(severity=0.5, crash_cycles=2)
    rng = random.Random(0)
    first = crash.next_value(200.0, Tick(10, "crash", 0, 0.0, 10.0, 200.0, 200.0), rng)
    second = crash.next_value(1.0, Tick(11, "crash", 1, 0.5, 11.0, 1.0, 200.0), rng)
    assert (first, second) == pytest.approx((150.0, 100.0))


# ------------------------------------------------------------------ trends


def test_a_bull_run_ends_above_its_start_for_at_least_95_of_100_seeds():
    ends = [walk(bull_run(rate=0.002, volatility=0.01), 100.0, 100, seed=s)[-1]
            for s in range(100)]
    assert sum(end > 100.0 for end in ends) >= 95


def test_a_bear_crash_ends_below_its_start_for_at_least_95_of_100_seeds():
    ends = [walk(bear_crash(rate=0.01, volatility=0.01), 100.0, 50, seed=s)[-1]
            for s in range(100)]
    assert sum(end < 100.0 for end in ends) >= 95


def test_a_bear_crash_with_acceleration_falls_faster_and_faster():
    path = walk(bear_crash(rate=0.01, volatility=0.0, acceleration=0.2), 100.0, 10)
    falls = [a - b for a, b in zip([100.0, *path], path, strict=False)]
    assert all(later > earlier for earlier, later in pairwise(falls))


@pytest.mark.parametrize(("direction", "speed", "end"), [
    ("up", 0.01, 100 * 1.01**10),
    ("down", "medium", 100 * 0.995**10),
    ("up", "fast", 100 * 1.02**10),
])
def test_a_gradual_trend_moves_at_its_speed_in_its_direction(direction, speed, end):
    path = walk(gradual_trend(direction=direction, speed=speed), 100.0, 10)
    assert path[-1] == pytest.approx(end)


def test_a_volatile_market_swings_far_more_than_a_calm_one_but_stays_around_its_start():
    for seed in SEEDS:
        path = walk(volatile(volatility=0.05), 100.0, 200, seed=seed)
        assert statistics.stdev(returns([100.0, *path])) > 0.04
        assert 50 < statistics.median(path) < 200


# ------------------------------------------------------------------ ranges


@pytest.mark.parametrize("seed", SEEDS)
def test_a_sideways_market_stays_within_its_band(seed):
    path = walk(sideways(band=0.02, noise=0.01), 100.0, 200, seed=seed)
    assert all(98.0 <= p <= 102.0 for p in path)
    assert max(path) - min(path) > 2.0  # it oscillates, it does not sit still


def test_a_sideways_market_oscillates_with_its_period():
    path = walk(sideways(band=0.02, amplitude=0.01, period=10, noise=0.0), 100.0, 20)
    assert path[4] == pytest.approx(100.0 + math.sin(2 * math.pi / 2))  # k = 5: half a period
    assert path[9] == pytest.approx(100.0)
    assert path[1] == pytest.approx(path[11])


def test_support_and_resistance_hold_until_the_breakout():
    profile = support_resistance(support=95.0, resistance=105.0, speed=0.01, breakout_after=2)
    path = walk(profile, 100.0, 60)
    # resistance at cycles k = 5, 25; support at k = 15; the third approach of resistance
    # (k = 45) breaks through
    assert path[4] == pytest.approx(105.0)
    assert path[14] == pytest.approx(95.0)
    assert path[24] == pytest.approx(105.0)
    assert all(95.0 <= p <= 105.0 for p in path[:45])
    assert path[45] > 105.0
    assert path[-1] == pytest.approx(105.0 * 1.01**15)


def test_support_and_resistance_break_down_at_the_cycle_asked():
    profile = support_resistance(width=0.05, breakout_after=None, breakout_at=10,
                                 breakout="down", breakout_speed=0.02)
    path = walk(profile, 100.0, 20)
    assert path[9] == pytest.approx(100.0)  # k = 10: back at the start after a bounce
    assert path[-1] == pytest.approx(100.0 * 0.98**10)


def test_support_and_resistance_without_breakout_bounce_forever():
    path = walk(support_resistance(breakout_after=None), 100.0, 500)
    assert min(path) >= 95.0 - 1e-9
    assert max(path) <= 105.0 + 1e-9


def test_support_above_the_phase_start_default_resistance_is_refused_when_run():
    profile = support_resistance(support=120.0)
    with pytest.raises(ParamError, match=r"resistance=\.\.\.\): resistance must be above"):
        walk(profile, 100.0, 1)


# ------------------------------------------------------------------ multi-stage


def test_a_pump_and_dump_peaks_at_its_gain_then_dumps_below_its_start():
    path = walk(pump_and_dump(gain=0.5, pump_cycles=10, hold_cycles=2, dump=0.4, dump_cycles=5),
                100.0, 20)
    assert max(path) == pytest.approx(150.0)
    assert path.index(max(path)) == 9
    assert path[10:12] == pytest.approx([150.0, 150.0])
    assert path[-1] == pytest.approx(90.0)
    assert all(b > a for a, b in pairwise(path[:10]))


def test_a_liquidity_shock_widens_the_spread_and_dries_up_volume_then_recovers():
    path = walk(liquidity_shock(spread_factor=8.0, volume_factor=0.1, shock_cycles=3,
                                hold_cycles=2, recovery_cycles=4), 100.0, 12)
    assert all(isinstance(v, MarketState) for v in path)
    spreads = [v.spread_factor for v in path]
    volumes = [v.volume_factor for v in path]
    assert spreads[:5] == pytest.approx([2.0, 4.0, 8.0, 8.0, 8.0])
    assert volumes[2] == pytest.approx(0.1)
    assert spreads[-1] == volumes[-1] == 1.0


def test_a_liquidity_shock_shows_in_the_quotes_of_the_market():
    path = walk(liquidity_shock(spread_factor=10.0, volume_factor=0.1, noise=0.0,
                                shock_cycles=1, hold_cycles=1, recovery_cycles=1), 100.0, 4)
    generator = market(spread_bps=10, volume=1000, volume_jitter=0.0)
    rng = random.Random(0)
    quotes = [generator.payload(t, rng) for t in ticks([100.0, *path])]
    assert [q["spread_bps"] for q in quotes] == pytest.approx([10.0, 100.0, 100.0, 10.0, 10.0],
                                                             abs=1.1)
    assert [q["volume"] for q in quotes] == [1000, 100, 100, 1000, 1000]


# ------------------------------------------------------------------ correlated


@pytest.mark.parametrize("rho", [0.9, 0.5, 0.0, -0.6])
def test_correlated_symbols_have_a_sample_correlation_near_rho(rho):
    generator = market(symbol=["BTC-USD", "ETH-USD"], price=[100.0, 50.0], spread_bps=1)
    path = walk(correlated(rho=rho, volatility=0.01), 100.0, 2000, seed=3)
    rng = random.Random(4)
    payloads = [generator.payload(t, rng) for t in ticks(path)]
    first = returns([p["quotes"][0]["price"] for p in payloads])
    second = returns([p["quotes"][1]["price"] for p in payloads])
    assert statistics.correlation(first, second) == pytest.approx(rho, abs=0.06)
    assert generator.summary()["correlation"]["ETH-USD"] == pytest.approx(rho, abs=0.06)


def test_other_symbols_follow_the_first_in_proportion_under_any_other_profile():
    generator = market(symbol=["A", "B"], price=[100.0, 10.0], spread_bps=0)
    rng = random.Random(0)
    payloads = [generator.payload(t, rng) for t in ticks([100.0, 110.0, 99.0])]
    assert [p["quotes"][1]["price"] for p in payloads] == [10.0, 11.0, 9.9]
