"""A pump and dump: the price is driven up 50 %, then dumped; the risk engine halts for good.

The pump does not worry the risk engine (it halts on falls only); the dump
does, and since the price never wins back half of its fall, trading stays
halted to the end and every later order is rejected.

This playbook names the trading components by their registry names
(``"trading.pump_and_dump"``) instead of importing spec classes: both compile
to the same plan. Without the trading pack installed, it stops before running
with ``unknown profile 'trading.pump_and_dump' ... pip install scenario-trading``.

    scenario play playbooks/trading/pump_and_dump.py

Expected outcome: passes (exit 0)
"""

from scenario_engine import Count, Never, Scenario

EXPECTED_EXIT = 0

pump_and_dump = (
    Scenario("trading-pump-and-dump", seed=7)
    .description("A 50 % pump then a 40 % dump: trading halts on the dump and stays halted.")
    .system("scenario_trading.systems:RiskEngine", drop=0.1, window=5, recovery=0.5)
    .generator("trading.market", topic="PriceUpdate", every="1s", symbol="DOGE-USD",
               price=0.25, tick_size=0.0001, spread_bps=20, volatility=0.003)
    # an order every 4 s (the phase's profile moves this generator's value too, so it
    # starts from a price; the template does not use it)
    .generator("template", topic="order.request", every="4s", start=1.0,
               payload={"orderId": "o-{{index}}", "side": "sell", "qty": 1000})
    .phase("quiet", cycles=10, profile="trading.sideways", band=0.01)
    .phase("scheme", cycles=30, profile="trading.pump_and_dump", gain=0.5, pump_cycles=12,
           hold_cycles=3, dump=0.4, dump_cycles=5)
    .expect(Count("TradingHalted", exact=1))
    .expect(Never("TradingResumed"))
    .expect(Count("OrderRejected", min=3, where={"reason": "trading halted"}))
    .expect("trading.max_drawdown", limit=0.45)
    .expect("trading.price_within", low=0.2, high=0.4)
    .expect("trading.volatility", min=0.01)
    .expect("trading.no_crossed_book")
)
