"""A downstream ledger written with plain nats-py: it books every fill it is sent on
``ledger.fill`` and says so on ``ledger.booked``. It connects to ``NATS_URL``."""

import asyncio
import json
import os
import signal


async def main() -> None:
    import nats

    nc = await nats.connect(os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))

    async def on_fill(msg) -> None:
        fill = json.loads(msg.data)
        await nc.publish("ledger.booked", json.dumps({"orderId": fill["orderId"]}).encode())

    await nc.subscribe("ledger.fill", cb=on_fill)
    await nc.flush()
    print("ledger listening on ledger.fill", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await nc.drain()


if __name__ == "__main__":
    asyncio.run(main())
