"""Quickstart: an order service under a steady market, then a dip; every order is filled.

scenario play playbooks/quickstart.py
"""

from systems.orders import OrderService

from scenario_engine import Count, Never, Scenario, Sequence, Within

quickstart = (
    Scenario("quickstart", seed=42)
    .description("Orders placed during a price dip are all filled, fast, in order.")
    .system(OrderService, max_quantity=50)
    .generator("constant", topic="PriceUpdate", value=100.0, every="1s")
    .phase("calm", cycles=10, profile="steady")
    .phase("dip", cycles=5, profile="trend", rate=-0.02)
    .publish(
        "order.request",
        {"orderId": "o-{{index}}", "user": "{{user}}", "quantity": 10},
        repeat=5,
        interval="500ms",
    )
    .wait_for("OrderFilled", timeout="5s")
    .vars(user="alice")
    .expect(Count("PriceUpdate", exact=15))
    .expect(Count("OrderFilled", exact=5))
    .expect(Sequence("OrderPlaced", "OrderFilled", by="orderId"))
    .expect(Within("OrderPlaced", "OrderFilled", ms=200, by="orderId"))
    .expect(Never("OrderRejected"))
)
