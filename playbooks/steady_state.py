"""Steady state over windows: fills are fast before and after a slow-fill episode, not during.

Expected outcome: fails (exit 1), on purpose. The steady-state hypothesis
(every order filled within 200 ms) is judged three times, separately: before
the chaos (holds), during it (fails: fills take 500 ms), after it (holds
again: the service recovered). The summary shows the three verdicts.
"""

from systems.orders import OrderService

from scenario_engine import ChaosPlaybook, Count, Delay, Never, Scenario, Within

EXPECTED_EXIT = 1

slow_fills = ChaosPlaybook("slow-fills").chaos(Delay("OrderFilled", ms=500))

steady = (
    Scenario("steady-state", seed=11)
    .description("Fills stay under 200 ms except while the fill path is slow.")
    .system(OrderService)
    .generator("constant", topic="PriceUpdate", value=100.0, every="1s")
    .generator("template", topic="order.request", payload={"orderId": "o-{{index}}"}, every="1s")
    .phase("calm", cycles=5)
    .phase("trouble", cycles=5)
    .phase("recovery", cycles=5)
    .include(slow_fills, during="trouble")
    .steady_state(Within("OrderPlaced", "OrderFilled", ms=200, by="orderId"))
    .expect(Count("OrderFilled", exact=15))
    .expect(Never("OrderRejected"))
)
