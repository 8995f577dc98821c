"""The order service written with FastStream on Redis Streams, knowing nothing of
scenario-engine: it reads ``order.request`` in the consumer group ``orders``.

Run it as ``faststream run orders_faststream_redis:app``; it connects to ``REDIS_URL``.
"""

import asyncio
import os
import random

from faststream import FastStream
from faststream.redis import RedisBroker, StreamSub

broker = RedisBroker(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
app = FastStream(broker)
idempotent = os.environ.get("ORDERS_IDEMPOTENT", "1") != "0"
seen: set[str] = set()
pending: set[asyncio.Task[None]] = set()


async def fill(order: dict) -> None:
    await asyncio.sleep(random.uniform(0.010, 0.050))
    await broker.publish(order, stream="order.filled")


@broker.subscriber(stream=StreamSub("order.request", group="orders", consumer="orders-1"))
async def on_request(order: dict) -> None:
    if idempotent and order["orderId"] in seen:
        return
    seen.add(order["orderId"])
    if order["qty"] > 100:
        await broker.publish({**order, "reason": "qty"}, stream="order.rejected")
        return
    await broker.publish(order, stream="order.accepted")
    task = asyncio.create_task(fill(order))
    pending.add(task)
    task.add_done_callback(pending.discard)


@app.on_shutdown
async def finish_fills() -> None:
    await asyncio.gather(*pending)
