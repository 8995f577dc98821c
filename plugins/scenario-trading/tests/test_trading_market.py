"""The trading.market generator: quotes on the tick grid, several symbols, run statistics."""

from __future__ import annotations

import math
import random
import statistics

import pytest
from scenario_engine.spi import Generator, ParamError

from scenario_trading.market import market
from scenario_trading.profiles.trends import volatile
from scenario_trading.quotes import grid_decimals, make_book
from trading_support import ticks, walk


def test_the_market_is_a_generator_starting_at_its_price():
    generator = market(price=250.0)
    assert isinstance(generator, Generator)
    assert generator.initial_value() == 250.0


def test_a_quote_carries_symbol_price_bid_ask_spread_volume_and_where_it_was_made():
    generator = market(volume_jitter=0.0)
    payload = generator.payload(ticks([100.0])[0], random.Random(0))
    assert payload == {
        "symbol": "BTC-USD", "price": 100.0, "bid": 99.95, "ask": 100.05, "spread_bps": 10.0,
        "volume": 1000, "index": 0, "ts": 0.0, "phase": "p",
    }


@pytest.mark.parametrize("seed", range(10))
def test_every_quote_is_on_the_tick_grid_and_never_crossed(seed):
    generator = market(price=3.0, volatility=0.02, spread_bps=1, tick_size=0.05)
    path = walk(volatile(volatility=0.2), 3.0, 300, seed=seed)
    rng = random.Random(seed)
    for tick in ticks(path):
        quote = generator.payload(tick, rng)
        assert quote["bid"] < quote["ask"]
        assert quote["bid"] <= quote["price"] <= quote["ask"]
        for side in ("bid", "ask", "price"):
            steps = quote[side] / 0.05
            assert steps == pytest.approx(round(steps), abs=1e-6)
            assert quote[side] == round(quote[side], 2)


def test_volatility_is_noise_around_the_profile_path_not_a_random_walk():
    generator = market(volatility=0.01, spread_bps=0)
    rng = random.Random(1)
    prices = [generator.payload(t, rng)["price"] for t in ticks([100.0] * 500)]
    assert max(abs(p - 100.0) for p in prices) < 5.0
    assert 0.5 < sum(abs(p - 100.0) for p in prices) / len(prices) < 1.2


def test_the_volume_varies_around_its_base_by_at_most_the_jitter():
    generator = market(volume=1000, volume_jitter=0.2)
    rng = random.Random(2)
    volumes = [generator.payload(t, rng)["volume"] for t in ticks([100.0] * 200)]
    assert min(volumes) >= 800
    assert max(volumes) <= 1200
    assert len(set(volumes)) > 50


def test_the_same_seed_gives_the_same_quotes():
    def quotes(seed):
        generator = market(volatility=0.01)
        rng = random.Random(seed)
        return [generator.payload(t, rng) for t in ticks([100.0, 101.0, 99.0])]

    assert quotes(5) == quotes(5)
    assert quotes(5) != quotes(6)


def test_the_summary_gives_the_trading_statistics_of_the_published_prices():
    generator = market(spread_bps=0)
    rng = random.Random(0)
    for tick in ticks([100.0, 120.0, 90.0, 110.0]):
        generator.payload(tick, rng)
    summary = generator.summary()
    expected_vol = statistics.stdev([math.log(1.2), math.log(90 / 120), math.log(110 / 90)])
    assert summary == {
        "symbol": "BTC-USD", "ticks": 4, "start": 100.0, "end": 110.0, "change_pct": 10.0,
        "min": 90.0, "max": 120.0, "range": 30.0, "max_drawdown_pct": 25.0,
        "realised_volatility": round(expected_vol, 6),
    }


def test_a_market_of_several_symbols_quotes_each_of_them_in_one_update():
    generator = market(symbol=["BTC-USD", "ETH-USD"], price=[100.0, 20.0], volume_jitter=0.0)
    payload = generator.payload(ticks([100.0])[0], random.Random(0))
    assert payload["symbol"] == "BTC-USD"
    assert [q["symbol"] for q in payload["quotes"]] == ["BTC-USD", "ETH-USD"]
    assert payload["quotes"][1] == {"symbol": "ETH-USD", "price": 20.0, "bid": 19.99,
                                    "ask": 20.01, "spread_bps": 10.0, "volume": 1000}
    assert set(generator.summary()) == {"symbols", "correlation"}


@pytest.mark.parametrize(("params", "message"), [
    ({"price": 0}, "price: must be a number > 0 or a list of them (got 0)"),
    ({"symbol": ["A", "A"]}, "symbol: must not repeat a symbol (got ('A', 'A'))"),
    ({"symbol": ["A", "B"], "price": [1.0]}, "price: must give one price per symbol (2)"),
    ({"tick_size": 0}, "tick_size: must be a number > 0 (got 0)"),
    ({"volume_jitter": 2}, "volume_jitter: must be in [0, 1] (got 2)"),
])
def test_bad_parameters_are_refused_with_the_parameter_named(params, message):
    with pytest.raises(ParamError) as caught:
        market(**params)
    assert f"{caught.value.param}: {caught.value.text}".startswith(message)


@pytest.mark.parametrize(("tick_size", "places"), [(0.01, 2), (0.5, 1), (5, 0), (0.0001, 4),
                                                   (1e-8, 8)])
def test_grid_decimals_follow_the_tick_size(tick_size, places):
    assert grid_decimals(tick_size) == places


def test_a_book_is_never_narrower_than_one_tick_nor_at_zero():
    assert make_book(100.0, 0.0, 0.01) == make_book(100.0, 0.0, 0.01)
    book = make_book(100.0, 0.0, 0.01)
    assert book.ask - book.bid == pytest.approx(0.01)
    tiny = make_book(0.001, 0.0, 0.01)
    assert (tiny.bid, tiny.ask) == (0.01, 0.02)
