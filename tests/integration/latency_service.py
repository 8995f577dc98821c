"""A service under test written without the engine: plain redis-py or plain nats-py.

It reads requests (a JSON object with an ``id``), answers each on the reply
topic after a known sleep with ``{"id": ...}`` (on Redis as flat fields), and
measures its own time from receiving the request (when its read returned)
to having sent the answer (when the broker confirmed it: Redis answered the
XADD, NATS answered a flush, JetStream acknowledged). Each measurement is
appended to ``--log`` as one JSON line, so a test can compare the engine's
latency percentiles with what the service itself saw. Both ends of the
interval are moments the broker also tells the engine about, so the two
measurements see the same delays.

The sleep for a request is one of ``--sleeps-ms``, taken in turn by the
number that ends the request's id, in an order shuffled by ``--seed``. The
default, ten slots from 10 to 50 ms with one 50, puts each percentile among
several answers of the same sleep (p50 among the 30s, p95 in the middle of
the 50s), so a few answers that the machine's load delayed do not move it. With ``--sleeps-ms 0``
the answer goes out at once, from the thread (or callback) that received
the request. ``--emit N`` writes N answers 20 ms apart after the first
request, whatever it asked.

On NATS, ``--jetstream`` sends answers with JetStream publishes (acknowledged
once stored); ``--stream NAME`` also reads the requests through a JetStream
consumer of stream NAME (made, covering both topics, if missing), as the
engine's JetStream bus does.

    python latency_service.py redis://127.0.0.1:6379/0 --ready FILE --log FILE
    python latency_service.py nats://127.0.0.1:4222 [--jetstream] [--stream NAME] --ready ...
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import random
import threading
import time
from pathlib import Path
from typing import Any

perf = time.perf_counter


class Plan:
    """What the service does with one request: when to answer, and what it logs."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.levels = [float(ms) / 1000.0 for ms in args.sleeps_ms.split(",")]
        random.Random(args.seed).shuffle(self.levels)
        self.emit = args.emit
        self._log = Path(args.log).open("a", buffering=1)  # noqa: SIM115 - lives as long as we do
        self._lock = threading.Lock()

    def sleep_for(self, request_id: str) -> float:
        """How long to wait before answering ``request_id`` (seconds)."""
        digits = request_id.rpartition("-")[2]
        number = int(digits) if digits.isdigit() else sum(request_id.encode())
        return self.levels[number % len(self.levels)]

    def sent(self, request_id: str, received: float) -> None:
        """The answer to the request received at ``received`` has been sent: log the time."""
        service_ms = (perf() - received) * 1000.0
        with self._lock:
            self._log.write(json.dumps({"id": request_id, "service_ms": service_ms}) + "\n")


def _request_id(payload: Any) -> str:
    return str(payload["id"]) if isinstance(payload, dict) and "id" in payload else "?"


# ---------------------------------------------------------------------------------- Redis


def serve_redis(url: str, requests: str, replies: str, plan: Plan, ready: Path) -> None:
    import redis

    reader = redis.Redis.from_url(url)
    writer = redis.Redis.from_url(url)
    newest = reader.xrevrange(requests, count=1)
    last = newest[0][0] if newest else b"0-0"
    due: list[tuple[float, int, str, float]] = []
    wake = threading.Condition()
    counter = 0

    def send(request_id: str, received: float) -> None:
        writer.xadd(replies, {"id": request_id})
        plan.sent(request_id, received)

    def sender() -> None:
        while True:
            with wake:
                while not due:
                    wake.wait()
                when, _, request_id, received = due[0]
                pause = when - perf()
                if pause > 0:
                    wake.wait(pause)
                    continue
                heapq.heappop(due)
            send(request_id, received)

    threading.Thread(target=sender, daemon=True).start()
    ready.write_text("ready")
    emitted = False
    while True:
        reply = reader.xread({requests: last}, block=0, count=1000)
        received = perf()
        later: list[tuple[float, str]] = []
        for _, entries in reply:
            for entry_id, fields in entries:
                last = entry_id
                body = fields.get(b"payload")
                payload = json.loads(body) if body is not None else {
                    k.decode(): v.decode() for k, v in fields.items()}
                request_id = _request_id(payload)
                if plan.emit:
                    if not emitted:
                        emitted = True
                        threading.Thread(target=_emit_redis, args=(writer, replies, plan.emit),
                                         daemon=True).start()
                    continue
                sleep = plan.sleep_for(request_id)
                if sleep <= 0:
                    send(request_id, received)
                else:
                    later.append((sleep, request_id))
        if later:  # one wake-up of the sender per read, so the next read follows at once
            with wake:
                for sleep, request_id in later:
                    counter += 1
                    heapq.heappush(due, (received + sleep, counter, request_id, received))
                wake.notify()


def _emit_redis(writer: Any, stream: str, count: int) -> None:
    for index in range(count):
        writer.xadd(stream, {"id": f"emitted-{index}", "index": str(index)})
        time.sleep(0.02)


# ---------------------------------------------------------------------------------- NATS


async def serve_nats(url: str, requests: str, replies: str, plan: Plan, ready: Path,
                     jetstream: bool, stream: str | None) -> None:
    import nats
    from nats.js.api import DeliverPolicy
    from nats.js.errors import NotFoundError

    connection = await nats.connect(url)
    js = connection.jetstream() if jetstream or stream else None

    async def send(request_id: str, received: float) -> None:
        body = json.dumps({"id": request_id}).encode()
        if js is not None:
            await js.publish(replies, body)
        else:
            await connection.publish(replies, body)
            await connection.flush()
        plan.sent(request_id, received)

    async def later(request_id: str, received: float, sleep: float) -> None:
        await asyncio.sleep(max(0.0, received + sleep - perf()))
        await send(request_id, received)

    tasks: set[asyncio.Task[None]] = set()
    emitted = False

    async def on_request(msg: Any) -> None:
        nonlocal emitted
        received = perf()
        request_id = _request_id(json.loads(msg.data))
        if plan.emit:
            if not emitted:
                emitted = True
                task = asyncio.ensure_future(_emit_nats(send, plan.emit))
                tasks.add(task)
            return
        sleep = plan.sleep_for(request_id)
        if sleep <= 0:
            await send(request_id, received)
            return
        task = asyncio.ensure_future(later(request_id, received, sleep))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    if stream is not None and js is not None:
        try:
            await js.stream_info(stream)
        except NotFoundError:
            await js.add_stream(name=stream, subjects=[requests, replies])
        await js.subscribe(requests, stream=stream, cb=on_request, ordered_consumer=True,
                           deliver_policy=DeliverPolicy.NEW)
    else:
        await connection.subscribe(requests, cb=on_request)
    await connection.flush()
    ready.write_text("ready")
    await asyncio.Event().wait()


async def _emit_nats(send: Any, count: int) -> None:
    for index in range(count):
        await send(f"emitted-{index}", perf())
        await asyncio.sleep(0.02)


def _prompt_wake_ups() -> None:
    """Ask the kernel to run this process as soon as its data comes in (where allowed):
    its measurements then hold on a machine busy with other work."""
    import contextlib
    import os

    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(1))
        return
    with contextlib.suppress(AttributeError, OSError):
        os.nice(-10)


def main() -> None:
    _prompt_wake_ups()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--requests", default="lt.request")
    parser.add_argument("--replies", default="lt.reply")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sleeps-ms", default="10,10,20,20,30,30,40,40,40,50")
    parser.add_argument("--emit", type=int, default=0)
    parser.add_argument("--jetstream", action="store_true")
    parser.add_argument("--stream")
    parser.add_argument("--ready", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    plan = Plan(args)
    ready = Path(args.ready)
    if args.url.startswith("redis://"):
        serve_redis(args.url, args.requests, args.replies, plan, ready)
    else:
        asyncio.run(serve_nats(args.url, args.requests, args.replies, plan, ready,
                               args.jetstream, args.stream))


if __name__ == "__main__":
    main()
