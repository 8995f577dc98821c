"""The RiskEngine against a SystemBus: halts on fast falls, resumes, fills and rejects orders."""

from __future__ import annotations

import pytest
from scenario_engine.spi import ParamError

from scenario_trading.systems import RiskEngine
from trading_support import FakeBus


def quote(index, price, symbol="BTC-USD"):
    return {"symbol": symbol, "price": price, "bid": round(price - 0.05, 2),
            "ask": round(price + 0.05, 2), "index": index}


def feed(bus, *prices, start=0, topic="PriceUpdate"):
    from scenario_engine.spi import Event

    for i, price in enumerate(prices, start=start):
        bus.clock = float(i)
        bus.deliver(Event(topic, quote(i, price), seq=i))


def order(bus, order_id, **fields):
    from scenario_engine.spi import Event

    bus.deliver(Event("order.request", {"orderId": order_id, **fields}))


@pytest.fixture
def bus():
    return FakeBus()


def test_it_subscribes_to_prices_and_orders(bus):
    RiskEngine(bus)
    assert [pattern for pattern, _ in bus.subscriptions] == ["PriceUpdate", "order.request"]


def test_it_halts_when_the_price_falls_more_than_the_drop_within_the_window(bus):
    engine = RiskEngine(bus, drop=0.1, window=4)
    feed(bus, 100, 99, 95, 91, 88)
    assert engine.state == "halted"
    [halted] = bus.published
    assert halted.topic == "TradingHalted"
    assert halted.payload == {"symbol": "BTC-USD", "price": 88, "reference": 99, "drop": 0.111111,
                              "index": 4, "ts": 4.0}


def test_a_slow_fall_beyond_the_window_does_not_halt(bus):
    engine = RiskEngine(bus, drop=0.1, window=3)
    feed(bus, *[100 - 3 * i for i in range(15)])
    assert engine.state == "trading"
    assert bus.published == []


def test_it_resumes_once_the_price_has_won_back_the_recovery_fraction(bus):
    engine = RiskEngine(bus, drop=0.1, window=5, recovery=0.5)
    feed(bus, 100, 94, 88, 82, 76, 70, 77, 84, 86, 90)
    assert engine.state == "trading"
    assert bus.topics() == ["TradingHalted", "TradingResumed"]
    resumed = bus.published[1].payload
    assert resumed == {"symbol": "BTC-USD", "price": 86, "trough": 70, "reference": 100,
                       "halted_ticks": 6, "index": 8, "ts": 8.0}


def test_it_stays_halted_for_the_cooldown_even_if_the_price_is_back(bus):
    engine = RiskEngine(bus, drop=0.1, cooldown=3)
    feed(bus, 100, 85, 100, 100)
    assert engine.state == "halted"
    feed(bus, 100, start=4)
    assert engine.state == "trading"


def test_it_ignores_stale_price_updates_that_arrive_out_of_order(bus):
    engine = RiskEngine(bus, drop=0.1)
    feed(bus, 100, 100, 100, 100, 100)
    feed(bus, 50, 50, start=1)  # delayed updates of cycles 1 and 2
    assert engine.state == "trading"
    assert engine.stale == 2


def test_it_fills_an_order_at_the_ask_for_a_buy_and_the_bid_for_a_sell(bus):
    RiskEngine(bus)
    feed(bus, 100)
    order(bus, "o-1", side="buy", qty=2, user="ann")
    order(bus, "o-2", side="sell", qty="3")
    assert bus.topics() == ["OrderPlaced", "OrderFilled", "OrderPlaced", "OrderFilled"]
    assert bus.published[1].payload == {"symbol": "BTC-USD", "orderId": "o-1", "side": "buy",
                                        "qty": 2.0, "user": "ann", "price": 100.05, "ts": 0.0}
    assert bus.published[1].key == "o-1"
    assert bus.published[3].payload["price"] == 99.95


@pytest.mark.parametrize(("fields", "reason"), [
    ({"side": "hold"}, "side must be 'buy' or 'sell' (got 'hold')"),
    ({"qty": 0}, "qty must be a number > 0 (got 0)"),
    ({"qty": "many"}, "qty must be a number > 0 (got 'many')"),
])
def test_it_rejects_a_bad_order_request(bus, fields, reason):
    RiskEngine(bus)
    feed(bus, 100)
    order(bus, "o-1", **fields)
    [rejected] = bus.published
    assert (rejected.topic, rejected.payload["reason"]) == ("OrderRejected", reason)


def test_it_rejects_orders_while_halted_and_before_the_first_price(bus):
    RiskEngine(bus, drop=0.1)
    order(bus, "early")
    feed(bus, 100, 80)
    order(bus, "during")
    rejections = [(e.payload["orderId"], e.payload["reason"]) for e in bus.published
                  if e.topic == "OrderRejected"]
    assert rejections == [("early", "no market price yet"), ("during", "trading halted")]


def test_it_watches_one_symbol_of_a_multi_symbol_quote(bus):
    from scenario_engine.spi import Event

    engine = RiskEngine(bus, symbol="ETH-USD", drop=0.1)
    for i, (btc, eth) in enumerate([(100, 50), (100, 40)]):
        payload = {**quote(i, btc), "quotes": [quote(i, btc), quote(i, eth, "ETH-USD")]}
        bus.deliver(Event("PriceUpdate", payload, seq=i))
    assert engine.state == "halted"
    assert bus.published[0].payload["symbol"] == "ETH-USD"


def test_it_is_deterministic(bus):
    def trace():
        b = FakeBus()
        RiskEngine(b, drop=0.05, window=3)
        feed(b, 100, 96, 93, 90, 92, 95, 97, 99)
        order(b, "o")
        return [(e.topic, e.payload) for e in b.published]

    assert trace() == trace()


@pytest.mark.parametrize(("settings", "text"), [
    ({"drop": 1.5}, "RiskSettings(drop=...): drop must be in (0, 1) (got 1.5)"),
    ({"window": 1}, "RiskSettings(window=...): window must be an integer >= 2 (got 1)"),
])
def test_bad_settings_are_refused_in_the_settings_words(bus, settings, text):
    with pytest.raises(ParamError) as caught:
        RiskEngine(bus, **settings)
    assert str(caught.value) == text
