"""The trading risk engine, driven over a real broker while it runs under ``scenario host``.

The same playbook shape as playbooks/trading/flash_crash.py, with latency
budgets for a broker hop instead of an in-process call.
"""

from scenario_trading import FlashCrash, Market, Sideways

from scenario_engine import Count, Never, Scenario, Sequence, Within

ORDER_FLOW = {"payload": {"orderId": "o-{{index}}", "side": "buy", "qty": 1}, "start": 1.0}

hosted_risk = (
    Scenario("hosted-risk", seed=42)
    .system("scenario_trading.systems:RiskEngine", drop=0.1, window=5, recovery=0.5)
    .generator(
        Market(symbol="BTC-USD", price=100.0, volatility=0.002), topic="PriceUpdate", every="1s"
    )
    .generator("template", topic="order.request", every="3s", **ORDER_FLOW)
    .phase("calm", cycles=10, profile=Sideways(band=0.01))
    .phase("crash", cycles=30, profile=FlashCrash(severity=0.3, crash_cycles=5, recovery_cycles=20))
    .phase("after", cycles=10, profile=Sideways(band=0.01))
    .expect(Count("TradingHalted", exact=1))
    .expect(Count("TradingResumed", exact=1))
    .expect(Sequence("TradingHalted", "TradingResumed"))
    .expect(Count("OrderRejected", min=1, where={"reason": "trading halted"}))
    .expect(Never("OrderRejected", where={"reason": {"ne": "trading halted"}}))
    .expect(Within("OrderPlaced", "OrderFilled", ms=2000, by="orderId"))
)
