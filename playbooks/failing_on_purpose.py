"""Fails on purpose: a 300 ms delay on fills breaks a 200 ms latency objective.

Expected outcome: fails (exit 1). It shows what a failure report looks like:
what was expected, what was seen, the witness events, and the replay command.
"""

from systems.orders import OrderService

from scenario_engine import Count, Delay, Scenario, Within

EXPECTED_EXIT = 1

slow_fills = (
    Scenario("slow-fills", seed=7)
    .system(OrderService)
    .generator("constant", topic="PriceUpdate", value=100.0, every="1s")
    .phase("market", cycles=3)
    .publish("order.request", {"orderId": "o-{{index}}"}, repeat=4, interval="1s")
    .chaos(Delay("OrderFilled", ms=300, every=2))
    .expect(Count("OrderFilled", exact=4))
    .expect(Within("OrderPlaced", "OrderFilled", ms=200, by="orderId"))
)
