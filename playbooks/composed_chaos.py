"""A reusable chaos playbook, included in two scenarios: once for a whole run, once only
during one phase."""

from systems.orders import OrderService

from scenario_engine import ChaosPlaybook, Count, Delay, Drop, Duplicate, Never, Scenario

flaky_network = (
    ChaosPlaybook("flaky-network")
    .chaos(Delay("*", ms=50, jitter_ms=20, probability=0.2))
    .chaos(Duplicate("Order*", probability=0.1))
)

lossy_feed = ChaosPlaybook("lossy-feed").chaos(Drop("PriceUpdate", probability=0.3))

# a building block: names starting with "_" are not run on their own
_orders = (
    Scenario("orders", seed=11)
    .system(OrderService)
    .generator("constant", topic="PriceUpdate", value=100.0, every="1s")
    .phase("warm-up", cycles=5)
    .phase("storm", cycles=20)
    .publish(
        "order.request", {"orderId": "o-{{index}}", "quantity": 1}, repeat=10, interval="200ms"
    )
    .wait_for("OrderFilled", timeout="5s")
    .expect(Count("OrderFilled", min=10))
    .expect(Never("OrderRejected"))
)

whole_run = _orders.named("orders-under-flaky-network").include(flaky_network)

storm_only = (
    Scenario("feed-loss-in-storm", seed=11)
    .generator("constant", topic="PriceUpdate", value=100.0, every="1s")
    .phase("warm-up", cycles=5)
    .phase("storm", cycles=20)
    .include(lossy_feed, during="storm")
    .expect(Count("PriceUpdate", min=5, max=24))
)
