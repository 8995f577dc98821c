"""An order service written with plain nats-py, knowing nothing of scenario-engine.

It takes JSON requests on ``order.request``, answers ``order.accepted`` (or
``order.rejected`` above 100 units) at once, and ``order.filled`` 10-50 ms
later. It remembers the orders it has seen and ignores a repeat, unless
``ORDERS_IDEMPOTENT=0``. It connects to ``NATS_URL``.
"""

import asyncio
import json
import os
import random
import signal


async def main() -> None:
    import nats

    nc = await nats.connect(os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
    idempotent = os.environ.get("ORDERS_IDEMPOTENT", "1") != "0"
    seen: set[str] = set()
    pending: set[asyncio.Task[None]] = set()

    async def fill(order: dict) -> None:
        await asyncio.sleep(random.uniform(0.010, 0.050))
        await nc.publish("order.filled", json.dumps(order).encode())

    async def on_request(msg) -> None:
        order = json.loads(msg.data)
        if idempotent and order["orderId"] in seen:
            return
        seen.add(order["orderId"])
        if order["qty"] > 100:
            await nc.publish("order.rejected", json.dumps({**order, "reason": "qty"}).encode())
            return
        await nc.publish("order.accepted", json.dumps(order).encode())
        task = asyncio.create_task(fill(order))
        pending.add(task)
        task.add_done_callback(pending.discard)

    await nc.subscribe("order.request", cb=on_request)
    await nc.flush()
    print("orders service listening on order.request", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await asyncio.gather(*pending)
    await nc.drain()
    print(f"orders service stopped after {len(seen)} orders", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
