"""The order service written with FastStream on NATS JetStream, knowing nothing of
scenario-engine: a durable consumer of ``order.request`` on the stream ``ORDERS_STREAM``.

Run it as ``faststream run orders_faststream_nats:app``; it connects to ``NATS_URL``.
"""

import asyncio
import os
import random

from faststream import FastStream
from faststream.nats import JStream, NatsBroker

broker = NatsBroker(os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
app = FastStream(broker)
stream = JStream(os.environ.get("ORDERS_STREAM", "orders"), declare=False)
idempotent = os.environ.get("ORDERS_IDEMPOTENT", "1") != "0"
seen: set[str] = set()
pending: set[asyncio.Task[None]] = set()


async def fill(order: dict) -> None:
    await asyncio.sleep(random.uniform(0.010, 0.050))
    await broker.publish(order, "order.filled")


@broker.subscriber("order.request", stream=stream, durable="orders", pull_sub=True)
async def on_request(order: dict) -> None:
    if idempotent and order["orderId"] in seen:
        return
    seen.add(order["orderId"])
    if order["qty"] > 100:
        await broker.publish({**order, "reason": "qty"}, "order.rejected")
        return
    await broker.publish(order, "order.accepted")
    task = asyncio.create_task(fill(order))
    pending.add(task)
    task.add_done_callback(pending.discard)


@app.on_shutdown
async def finish_fills() -> None:
    await asyncio.gather(*pending)
