"""The order service written with plain redis-py, knowing nothing of scenario-engine.

It reads ``order.request`` with ``XREADGROUP`` in the group ``orders`` and
answers with ``XADD`` on ``order.accepted`` / ``order.rejected`` at once and
``order.filled`` 10-50 ms later. ``ORDERS_FORMAT`` is its wire format: ``flat``
(each field of the order is a field of the entry, values as text) or ``json``
(the whole order as JSON in the field ``data``). It connects to ``REDIS_URL``.
"""

import json
import os
import random
import signal
import threading
import time

import redis

STREAM, GROUP, CONSUMER = "order.request", "orders", "orders-1"


def main() -> None:
    client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    flat = os.environ.get("ORDERS_FORMAT", "flat") == "flat"
    idempotent = os.environ.get("ORDERS_IDEMPOTENT", "1") != "0"
    try:
        client.xgroup_create(STREAM, GROUP, id="$", mkstream=True)
    except redis.ResponseError as err:
        if "BUSYGROUP" not in str(err):
            raise
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())

    def send(stream: str, order: dict) -> None:
        fields = {k: str(v) for k, v in order.items()} if flat else {"data": json.dumps(order)}
        client.xadd(stream, fields)

    def read(fields: dict) -> dict:
        if flat:
            order = {k.decode(): v.decode() for k, v in fields.items()}
            return {**order, "qty": int(order["qty"])}
        return json.loads(fields[b"data"])

    fills: list[tuple[float, dict]] = []
    seen: set[str] = set()
    print(f"orders service reading {STREAM} in group {GROUP}", flush=True)
    while not stopping.is_set() or fills:
        now = time.monotonic()
        for due, order in [f for f in fills if f[0] <= now]:
            send("order.filled", order)
            fills.remove((due, order))
        if stopping.is_set():
            time.sleep(0.005)
            continue
        reply = client.xreadgroup(GROUP, CONSUMER, {STREAM: ">"}, count=100, block=5)
        for _, entries in reply or ():
            for entry_id, fields in entries:
                order = read(fields)
                client.xack(STREAM, GROUP, entry_id)
                if idempotent and order["orderId"] in seen:
                    continue
                seen.add(order["orderId"])
                if order["qty"] > 100:
                    send("order.rejected", {**order, "reason": "qty"})
                    continue
                send("order.accepted", order)
                fills.append((time.monotonic() + random.uniform(0.010, 0.050), order))
    print(f"orders service stopped after {len(seen)} orders", flush=True)


if __name__ == "__main__":
    main()
