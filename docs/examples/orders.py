"""Playbooks for the order services in ``services/``: each service is started by the run,
unchanged, and driven by the same 200 orders with chaos on the requests and on the replies.

    scenario play docs/examples/orders.py -k orders-nats --bus nats://127.0.0.1:4222
"""

import sys
from pathlib import Path

from scenario_engine import Count, Delay, Drop, Duplicate, Never, Scenario, Sequence, Within

SERVICES = Path(__file__).parent / "services"

#: 200 orders, 10 ms apart; quantities 0 to 199, so the service rejects the last 99
orders = (
    Scenario("orders", seed=9)
    .timeout("60s")
    .publish("order.request", {"orderId": "o-{{index}}", "qty": "{{index}}"},
             repeat=200, interval="10ms")
    # what the engine sends: lost, doubled and late requests
    .chaos(Drop("order.request", probability=0.05))
    .chaos(Duplicate("order.request", probability=0.05))
    .chaos(Delay("order.request", ms=20, jitter_ms=15, probability=0.3))
    # what the service sends, before the monitors see it: late fills, lost rejections
    .chaos(Delay("order.filled", ms=30, jitter_ms=10, probability=0.5))
    .chaos(Drop("order.rejected", probability=0.2))
    .expect(Sequence("order.accepted", "order.filled", by="orderId"))
    .expect(Within("order.accepted", "order.filled", ms=2000, by="orderId"))
    .expect(Never("order.accepted", where={"qty": {"gt": 100}}))
    .expect(Count("order.filled", min=50))
    .expect(Count("order.rejected", max=99))
)

orders_nats = orders.named("orders-nats").service(
    [sys.executable, str(SERVICES / "orders_nats.py")],
    name="orders",
    env={"NATS_URL": "{{broker_url}}"},
    ready={"line": "listening on order.request"},
)

#: a service that fills a repeated request twice fails on purpose: the witness names the order
doubled = (
    Scenario("orders-doubled", seed=3)
    .timeout("30s")
    .publish("order.request", {"orderId": "o-{{index}}", "qty": 5}, repeat=20, interval="10ms")
    .chaos(Duplicate("order.request", where={"orderId": "o-7"}))
    .expect(Sequence("order.request", "order.accepted", "order.filled", by="orderId"))
    .service(
        [sys.executable, str(SERVICES / "orders_nats.py")],
        name="orders",
        env={"NATS_URL": "{{broker_url}}", "ORDERS_IDEMPOTENT": "0"},
        ready={"line": "listening on order.request"},
    )
)

orders_faststream_nats = orders.named("orders-faststream-nats").service(
    [sys.executable, "-m", "faststream", "run", "orders_faststream_nats:app"],
    name="orders",
    cwd=str(SERVICES),
    env={"NATS_URL": "{{broker_url}}", "ORDERS_STREAM": "{{stream}}"},
    ready={"line": "started successfully"},
)

#: a real downstream ledger behind a flaky link: the fills the monitors saw, a third of them lost
orders_ledger = (
    orders_nats.named("orders-ledger")
    .relay("order.filled", into="ledger.fill")
    .chaos(Drop("ledger.fill", probability=0.3))
    .service(
        [sys.executable, str(SERVICES / "ledger_nats.py")],
        name="ledger",
        env={"NATS_URL": "{{broker_url}}"},
        ready={"line": "ledger listening"},
    )
    .expect(Count("ledger.booked", min=1))
)

# Redis Streams: the bus speaks each service's own format (?codec=flat, json or faststream)
orders_redis = orders.named("orders-redis").service(
    [sys.executable, str(SERVICES / "orders_redis.py")],
    name="orders",
    env={"REDIS_URL": "{{broker_url}}", "ORDERS_FORMAT": "{{orders_format}}"},
    ready={"line": "reading order.request"},
).vars(orders_format="flat")

orders_faststream_redis = orders.named("orders-faststream-redis").service(
    [sys.executable, "-m", "faststream", "run", "orders_faststream_redis:app"],
    name="orders",
    cwd=str(SERVICES),
    env={"REDIS_URL": "{{broker_url}}"},
    ready={"line": "started successfully"},
)
