"""The trading assertions on hand-made events: verdicts, texts and witnesses, pinned."""

from __future__ import annotations

import pytest
from scenario_engine.spi import Monitor

from scenario_trading.assertions.book import no_crossed_book, spread_below
from scenario_trading.assertions.prices import max_drawdown, price_within, volatility
from trading_support import event


def prices(*values, topic="PriceUpdate"):
    return [event(topic, {"symbol": "BTC-USD", "price": v}, seq=i + 1)
            for i, v in enumerate(values)]


def books(*sides, topic="PriceUpdate"):
    return [event(topic, {"symbol": "BTC-USD", "bid": b, "ask": a}, seq=i + 1)
            for i, (b, a) in enumerate(sides)]


def feed(monitor, events):
    """Observe every event; return the first early verdict and the final one."""
    early = None
    for e in events:
        verdict = monitor.observe(e)
        if verdict is not None and early is None:
            early = verdict
    return early, monitor.finish(99.0)


@pytest.mark.parametrize("factory", [
    lambda: price_within(low=1, high=2), lambda: max_drawdown(limit=0.1),
    lambda: volatility(max=0.1), no_crossed_book, lambda: spread_below(bps=5),
])
def test_every_assertion_is_a_monitor_of_price_updates(factory):
    monitor = factory()
    assert isinstance(monitor, Monitor)
    assert monitor.topics == ("PriceUpdate",)


# ------------------------------------------------------------------ price_within


def test_price_within_passes_when_every_price_is_in_the_band():
    early, verdict = feed(price_within(low=90, high=110), prices(100, 90, 110, 95.5))
    assert early is None
    assert verdict.passed
    assert verdict.expected == "price on 'PriceUpdate' within [90, 110]"
    assert verdict.actual == "all 4 within the band (lowest 90, highest 110)"


def test_price_within_fails_at_the_first_price_outside_and_quotes_it():
    early, verdict = feed(price_within(low=90, high=110), prices(100, 85.3, 120))
    assert early is verdict
    assert not verdict.passed
    assert verdict.actual == "price 85.3 below the band at #2"
    assert [w.seq for w in verdict.witnesses] == [2]
    assert str(verdict.witnesses[0]) == (
        "#2 t=2.000s PriceUpdate {'symbol': 'BTC-USD', 'price': 85.3}"
    )


def test_price_within_reads_one_symbol_of_a_multi_symbol_quote():
    payload = {"symbol": "BTC-USD", "price": 100.0,
               "quotes": [{"symbol": "BTC-USD", "price": 100.0},
                          {"symbol": "ETH-USD", "price": 42.0}]}
    _, verdict = feed(price_within(low=45, high=55, symbol="ETH-USD"),
                      [event("PriceUpdate", payload, seq=7)])
    assert verdict.expected == "ETH-USD price on 'PriceUpdate' within [45, 55]"
    assert verdict.actual == "price 42 below the band at #7"


def test_price_within_fails_when_no_event_carried_a_price():
    _, verdict = feed(price_within(low=1, high=2), [event("PriceUpdate", {"bid": 1}, seq=1)])
    assert not verdict.passed
    assert verdict.actual == "no 'PriceUpdate' event carried 'price'"


def test_price_within_fails_on_a_price_that_is_not_a_number():
    _, verdict = feed(price_within(low=1, high=2), prices("n/a"))
    assert verdict.actual == "price 'n/a' at #1 is not a number"


def test_price_within_ignores_other_topics():
    monitor = price_within(low=1, high=2)
    assert monitor.observe(event("Other", {"price": 50}, seq=1)) is None


# ------------------------------------------------------------------ max_drawdown


def test_max_drawdown_passes_and_reports_the_worst_fall():
    _, verdict = feed(max_drawdown(limit=0.2), prices(100, 120, 108, 130, 117))
    assert verdict.passed
    assert verdict.expected == "drawdown of price on 'PriceUpdate' at most 20%"
    assert verdict.actual == "max drawdown 10% from 120 at #2 to 108 at #3"
    assert [w.seq for w in verdict.witnesses] == [2, 3]


def test_max_drawdown_fails_as_soon_as_the_fall_from_the_peak_exceeds_the_limit():
    early, verdict = feed(max_drawdown(limit=0.2), prices(100, 125, 110, 99.9, 50))
    assert early is verdict
    assert verdict.actual == "drawdown 20.08% from 125 at #2 to 99.9 at #4"
    assert [w.seq for w in verdict.witnesses] == [2, 4]


def test_max_drawdown_of_a_rising_market_is_zero():
    _, verdict = feed(max_drawdown(limit=0.01), prices(1, 2, 3))
    assert verdict.passed
    assert verdict.actual == "max drawdown 0%"


# ------------------------------------------------------------------ volatility


def test_volatility_passes_inside_its_range():
    _, verdict = feed(volatility(min=0.01, max=0.1), prices(100, 103, 100, 103, 100))
    assert verdict.passed
    assert verdict.expected == "realised volatility of price on 'PriceUpdate' in [0.01, 0.1]"
    assert verdict.actual == "realised volatility 0.034132 over 4 returns"


def test_volatility_too_high_quotes_the_largest_move():
    _, verdict = feed(volatility(max=0.01), prices(100, 101, 80, 81))
    assert not verdict.passed
    assert verdict.expected == "realised volatility of price on 'PriceUpdate' at most 0.01"
    assert verdict.actual == (
        "realised volatility 0.141041 over 3 returns; largest move -20.79% from #2 to #3"
    )
    assert [w.seq for w in verdict.witnesses] == [2, 3]


def test_volatility_too_low_quotes_the_first_and_last_prices():
    _, verdict = feed(volatility(min=0.05), prices(100, 100.1, 100, 100.1))
    assert verdict.expected == "realised volatility of price on 'PriceUpdate' at least 0.05"
    assert verdict.actual == "realised volatility 0.001154 over 3 returns"
    assert [w.seq for w in verdict.witnesses] == [1, 4]


def test_volatility_needs_three_prices():
    _, verdict = feed(volatility(max=1), prices(100, 101))
    assert not verdict.passed
    assert verdict.actual == (
        "only 2 price value(s) on 'PriceUpdate': at least 3 are needed to measure volatility"
    )


def test_volatility_fails_on_a_price_that_is_not_positive():
    _, verdict = feed(volatility(max=1), prices(100, 0))
    assert verdict.actual == "price 0 at #2 is not a positive number"


# ------------------------------------------------------------------ no_crossed_book


def test_no_crossed_book_passes_when_every_bid_is_below_its_ask():
    _, verdict = feed(no_crossed_book(), books((99.9, 100.1), (99.8, 100.0)))
    assert verdict.passed
    assert verdict.expected == "bid < ask on every 'PriceUpdate'"
    assert verdict.actual == "2 books, none crossed"


@pytest.mark.parametrize(("bid", "ask", "text"), [
    (101.0, 100.5, "crossed book at #2: BTC-USD bid 101 >= ask 100.5"),
    (100.5, 100.5, "crossed book at #2: BTC-USD bid 100.5 >= ask 100.5"),
])
def test_no_crossed_book_fails_on_a_crossed_or_locked_book(bid, ask, text):
    early, verdict = feed(no_crossed_book(), books((99.9, 100.1), (bid, ask)))
    assert early is verdict
    assert verdict.actual == text
    assert [w.seq for w in verdict.witnesses] == [2]


def test_no_crossed_book_checks_every_symbol_of_a_multi_symbol_quote():
    payload = {"symbol": "A", "bid": 1.0, "ask": 2.0,
               "quotes": [{"symbol": "A", "bid": 1.0, "ask": 2.0},
                          {"symbol": "B", "bid": 5.0, "ask": 4.0}]}
    _, verdict = feed(no_crossed_book(), [event("PriceUpdate", payload, seq=3)])
    assert verdict.actual == "crossed book at #3: B bid 5 >= ask 4"


def test_no_crossed_book_fails_on_an_unreadable_book():
    _, verdict = feed(no_crossed_book(), books((None, 100.0)))
    assert verdict.actual == "unreadable book at #1: BTC-USD bid None, ask 100.0"


def test_no_crossed_book_fails_when_no_event_carried_a_book():
    _, verdict = feed(no_crossed_book(), prices(100))
    assert verdict.actual == "no 'PriceUpdate' event carried 'bid' and 'ask'"


# ------------------------------------------------------------------ spread_below


def test_spread_below_in_basis_points_reports_the_widest_spread():
    _, verdict = feed(spread_below(bps=25), books((99.95, 100.05), (99.9, 100.1)))
    assert verdict.passed
    assert verdict.expected == "spread on 'PriceUpdate' at most 25 bps"
    assert verdict.actual == "widest spread 20 bps at #2 over 2 books"


def test_spread_below_fails_on_the_first_wider_quote():
    early, verdict = feed(spread_below(bps=25), books((99.95, 100.05), (99.8, 100.12), (1, 2)))
    assert early is verdict
    assert verdict.actual == "spread 32.01 bps at #2 (BTC-USD bid 99.8, ask 100.12)"


def test_spread_below_in_absolute_terms_counts_a_spread_equal_to_the_limit_as_within():
    _, verdict = feed(spread_below(absolute=0.1), books((99.95, 100.05)))
    assert verdict.passed
    assert verdict.expected == "spread on 'PriceUpdate' at most 0.1"
    _, verdict = feed(spread_below(absolute=0.1), books((99.95, 100.06)))
    assert verdict.actual == "spread 0.11 at #1 (BTC-USD bid 99.95, ask 100.06)"


def test_a_failed_assertion_stays_failed_whatever_comes_after():
    monitor = price_within(low=90, high=110)
    first = monitor.observe(prices(100, 50)[1])
    assert monitor.observe(prices(100)[0]) is None
    assert monitor.finish(99.0) is first
