"""Chaos blinds the risk engine: a lagging, lossy price feed hides a flash crash.

The same 30 % flash crash as ``flash_crash.py``, but while it happens the
price feed loses a third of its updates and the rest lag 40 seconds behind. The risk
engine rightly ignores quotes older than the latest it has seen, so by the
time the crash prices arrive they are stale: it never halts, and keeps
filling orders (an order every 3 s) at pre-crash prices. The scenario asserts what *should*
happen — a halt — and fails: that failure is the finding chaos testing is
for (a feed-staleness check is missing from the engine).

    scenario play playbooks/trading/chaos_blinds_risk.py

Expected outcome: fails (exit 1)
"""

from scenario_trading import FlashCrash, Market, NoCrossedBook, Sideways

from scenario_engine import ChaosPlaybook, Count, Delay, Drop, Scenario, Sequence

EXPECTED_EXIT = 1

lagging_feed = (
    ChaosPlaybook("lagging-feed")
    .chaos(Drop("PriceUpdate", probability=0.33))
    .chaos(Delay("PriceUpdate", ms=40_000))
)

chaos_blinds_risk = (
    Scenario("trading-chaos-blinds-risk", seed=42)
    .description("A lagging, lossy feed during a flash crash: the risk engine never halts.")
    .system("scenario_trading.systems:RiskEngine", drop=0.1, window=5, recovery=0.5)
    .generator(Market(symbol="BTC-USD", price=100.0, volatility=0.002), topic="PriceUpdate",
               every="1s")
    .generator("template", topic="order.request", every="3s", start=1.0,
               payload={"orderId": "o-{{index}}", "side": "buy", "qty": 1})
    .phase("calm", cycles=10, profile=Sideways(band=0.01))
    .phase("crash", cycles=30, profile=FlashCrash(severity=0.3, crash_cycles=5,
                                                   recovery_cycles=20))
    .phase("after", cycles=10, profile=Sideways(band=0.01))
    .include(lagging_feed, during="crash")
    # what must happen in a crash, chaos or not
    .expect(Count("TradingHalted", exact=1))
    .expect(Sequence("TradingHalted", "TradingResumed"))
    .expect(Count("OrderRejected", min=1, where={"reason": "trading halted"}))
    # the book stays sane: chaos delays quotes, it does not corrupt them
    .expect(NoCrossedBook())
)
