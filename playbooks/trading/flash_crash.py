"""A flash crash: the risk engine halts trading on the way down and resumes on the way up.

The market falls 30 % in five seconds, then climbs back over twenty. Orders
keep arriving every three seconds: those that come while trading is halted
are rejected, the others are filled.

    scenario play playbooks/trading/flash_crash.py

Expected outcome: passes (exit 0)
"""

from scenario_trading import (
    FlashCrash,
    Market,
    MaxDrawdown,
    NoCrossedBook,
    PriceWithin,
    Sideways,
    SpreadBelow,
)

from scenario_engine import Count, Never, Scenario, Sequence, Within

EXPECTED_EXIT = 0

#: the risk engine under test: halt on a fall of more than 10 % within 5 ticks,
#: resume once half of the fall is won back
RISK = {"drop": 0.1, "window": 5, "recovery": 0.5}

#: an order every 3 s; the phase's profile moves this generator's value too,
#: so it starts from a price (the template does not use it)
ORDER_FLOW = {"payload": {"orderId": "o-{{index}}", "side": "buy", "qty": 1}, "start": 1.0}

flash_crash = (
    Scenario("trading-flash-crash", seed=42)
    .description("A 30 % flash crash halts trading; it resumes once the market recovers.")
    .system("scenario_trading.systems:RiskEngine", **RISK)
    .generator(Market(symbol="BTC-USD", price=100.0, volatility=0.002), topic="PriceUpdate",
               every="1s")
    .generator("template", topic="order.request", every="3s", **ORDER_FLOW)
    .phase("calm", cycles=10, profile=Sideways(band=0.01))
    .phase("crash", cycles=30, profile=FlashCrash(severity=0.3, crash_cycles=5,
                                                   recovery_cycles=20))
    .phase("after", cycles=10, profile=Sideways(band=0.01))
    # the engine sees the crash: one halt, then one resumption
    .expect(Count("TradingHalted", exact=1))
    .expect(Count("TradingResumed", exact=1))
    .expect(Sequence("TradingHalted", "TradingResumed"))
    # while halted, orders are turned away; otherwise filled at once (well within
    # 500 ms, also when the risk engine runs behind a broker)
    .expect(Count("OrderRejected", min=1, where={"reason": "trading halted"}))
    .expect(Never("OrderRejected", where={"reason": {"ne": "trading halted"}}))
    .expect(Within("OrderPlaced", "OrderFilled", ms=500, by="orderId"))
    # the market itself: a deep fall, but a sane book throughout
    .expect(MaxDrawdown(0.35))
    .expect(PriceWithin(60, 110))
    .expect(NoCrossedBook())
    .expect(SpreadBelow(bps=15))
)
