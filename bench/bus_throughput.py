"""Bus adapters against the raw clients they wrap: events per second, and the ratio.

For each bus, N events are published through the adapter (``bus.publish``
for each, then ``bus.flush``) and, alternately, by a hand-written loop over
the raw client sending the same messages: the same subjects or streams, the
same body bytes, the same fields or headers, the same batch size.

========================= ==============================================================
row                       raw client loop
========================= ==============================================================
redis (pipelined XADD)    redis-py pipeline, XADD per event, execute every ``batch``
nats core                 nats-py ``publish`` per event, then ``flush``
nats jetstream (acked)    nats-py ``publish_async`` per event, acks awaited per ``batch``
redis codec=...           as the redis row, writing the fields that codec writes
nats codec=...            as the nats core row, with that codec's body and headers
========================= ==============================================================

The codec rows (``json``, ``flat``, ``faststream``; ``native`` is the plain
rows above) give the raw loop the same encoding work the codec does, written
out by hand: the ratio is the adapter and the codec dispatch, not the format.

The raw loops serialise the payload too (any client must), so the ratio is
what the adapter costs on top of the client: event encoding, buffering, the
hand-over to the client's thread. Target: >= 0.8 everywhere.

The ``engine on ... (e2e)`` rows run the whole engine: a generator publishes
through the adapter and the run ends once the last event has come back from
the broker and been recorded (the engine records what the broker delivered,
not what it meant to send). Their raw loops do the same round trip by hand:
publish every event, then read every one back and decode it.

Each row is a function returning a :class:`Result`; add a row by writing one
and decorating it with ``@row``. The script starts its own redis-server and
nats-server (``scenario_engine.testing.servers``)::

    python bench/bus_throughput.py --n 20000 --repeats 7
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import attrs
import nats
import orjson
import redis
from scenario_nats.bus import NatsBus
from scenario_redis.bus import RedisBus

from scenario_engine.codecs import envelope
from scenario_engine.events import Event
from scenario_engine.testing.servers import BrokerServer, NatsServer, RedisServer

BATCH = 100
TARGET = 0.8


@attrs.frozen
class Workload:
    """The events to publish, and the same messages as raw client arguments."""

    events: tuple[Event, ...]
    topic: str

    @classmethod
    def make(cls, n: int) -> Workload:
        topic = "bench.prices"
        events = tuple(
            Event(
                topic=topic,
                payload={"symbol": "ACME", "price": 100.0 + i * 0.01, "qty": i % 97,
                         "side": "buy" if i % 2 else "sell"},
                key="ACME",
                id=f"e-{i}",
                time=i * 0.001,
                cycle=i // 100,
            )
            for i in range(n)
        )
        return cls(events=events, topic=topic)


@attrs.frozen
class Result:
    """Medians of the alternating repetitions, in events per second."""

    name: str
    adapter: float
    raw: float

    @property
    def ratio(self) -> float:
        return self.adapter / self.raw if self.raw else 0.0


@attrs.frozen
class Context:
    """What every row may use: the brokers, the workload, the repetitions."""

    redis: BrokerServer
    nats: BrokerServer
    work: Workload
    repeats: int


Row = Callable[[Context], Result]
ROWS: list[Row] = []


def row(function: Row) -> Row:
    """Register a row; rows run in the order they are defined."""
    ROWS.append(function)
    return function


def alternate(name: str, n: int, repeats: int, adapter: Callable[[], float],
              raw: Callable[[], float]) -> Result:
    """Time ``adapter`` and ``raw`` in turn (one warm-up each), ``repeats`` times; medians."""
    adapter()
    raw()
    adapter_rates, raw_rates = [], []
    for index in range(repeats):
        # alternate which goes first, so drift on a noisy machine hits both alike
        first, second = (adapter, raw) if index % 2 == 0 else (raw, adapter)
        seconds = {first: first(), second: second()}
        adapter_rates.append(n / seconds[adapter])
        raw_rates.append(n / seconds[raw])
    return Result(name, statistics.median(adapter_rates), statistics.median(raw_rates))


# --------------------------------------------------------------------------- redis


@row
def redis_xadd(ctx: Context) -> Result:
    events = ctx.work.events
    stream = ctx.work.topic
    client = redis.Redis(port=ctx.redis.port)
    bus = RedisBus(f"{ctx.redis.url}?batch={BATCH}")
    bus.connect()

    def through_adapter() -> float:
        client.delete(stream)
        publish = bus.publish
        start = time.perf_counter()
        for event in events:
            publish(event)
        bus.flush()
        return time.perf_counter() - start

    def raw_client() -> float:
        client.delete(stream)
        pipe = client.pipeline(transaction=False)
        dumps = orjson.dumps
        start = time.perf_counter()
        for index, event in enumerate(events, 1):
            pipe.xadd(stream, {
                "payload": dumps(event.payload), "id": event.id, "time": repr(event.time),
                "cycle": str(event.cycle), "source": event.source, "n": index,
                "key": event.key,
            })
            if index % BATCH == 0:
                pipe.execute()
        pipe.execute()
        return time.perf_counter() - start

    try:
        return alternate("redis (pipelined XADD)", len(events), ctx.repeats,
                         through_adapter, raw_client)
    finally:
        bus.close()
        client.close()


def _redis_codec_row(ctx: Context, codec: str, fields: Callable[[Event, int], Any]) -> Result:
    """The adapter with ``?codec=`` against redis-py writing the same fields."""
    events = ctx.work.events
    stream = ctx.work.topic
    client = redis.Redis(port=ctx.redis.port)
    bus = RedisBus(f"{ctx.redis.url}?batch={BATCH}&codec={codec}")
    bus.connect()

    def through_adapter() -> float:
        client.delete(stream)
        publish = bus.publish
        start = time.perf_counter()
        for event in events:
            publish(event)
        bus.flush()
        return time.perf_counter() - start

    def raw_client() -> float:
        client.delete(stream)
        pipe = client.pipeline(transaction=False)
        start = time.perf_counter()
        for index, event in enumerate(events, 1):
            pipe.xadd(stream, fields(event, index))
            if index % BATCH == 0:
                pipe.execute()
        pipe.execute()
        return time.perf_counter() - start

    try:
        return alternate(f"redis codec={codec}", len(events), ctx.repeats, through_adapter,
                         raw_client)
    finally:
        bus.close()
        client.close()


def _flat_value(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return orjson.dumps(value)


def _faststream_headers(event: Event) -> dict[str, str]:
    """FastStream's correlation_id and content-type, then the engine's metadata."""
    return {"correlation_id": event.id, "content-type": "application/json", **_headers(event)}


@row
def redis_json(ctx: Context) -> Result:
    return _redis_codec_row(ctx, "json", lambda e, _: {"data": orjson.dumps(e.payload)})


@row
def redis_flat(ctx: Context) -> Result:
    return _redis_codec_row(
        ctx, "flat", lambda e, _: {k: _flat_value(v) for k, v in e.payload.items()})


@row
def redis_faststream(ctx: Context) -> Result:
    return _redis_codec_row(ctx, "faststream", lambda e, _: {
        "__data__": envelope.pack(_faststream_headers(e), orjson.dumps(e.payload))})


# --------------------------------------------------------------------------- nats


def _headers(event: Event) -> dict[str, str]:
    """The headers the NATS adapter sends, as a raw client would write them."""
    return {
        "Scenario-Id": event.id,
        "Scenario-Time": repr(event.time),
        "Scenario-Cycle": str(event.cycle),
        "Scenario-Source": event.source,
        "Scenario-Key": event.key or "",
    }


@contextmanager
def raw_nats(url: str) -> Iterator[tuple[asyncio.AbstractEventLoop, Any]]:
    loop = asyncio.new_event_loop()
    nc = loop.run_until_complete(nats.connect(url))
    try:
        yield loop, nc
    finally:
        loop.run_until_complete(nc.close())
        loop.close()


def _through(bus: NatsBus, events: tuple[Event, ...]) -> Callable[[], float]:
    def run() -> float:
        publish = bus.publish
        start = time.perf_counter()
        for event in events:
            publish(event)
        bus.flush()
        return time.perf_counter() - start

    return run


@row
def nats_core(ctx: Context) -> Result:
    events = ctx.work.events
    bus = NatsBus(f"{ctx.nats.url}?batch={BATCH}")
    bus.connect()
    with raw_nats(ctx.nats.url) as (loop, nc):

        async def publish_all() -> None:
            dumps = orjson.dumps
            for event in events:
                await nc.publish(event.topic, dumps(event.payload), headers=_headers(event))
            await nc.flush()

        def raw_client() -> float:
            start = time.perf_counter()
            loop.run_until_complete(publish_all())
            return time.perf_counter() - start

        try:
            return alternate("nats core", len(events), ctx.repeats, _through(bus, events),
                             raw_client)
        finally:
            bus.close()


@row
def nats_jetstream(ctx: Context) -> Result:
    events = ctx.work.events
    bus = NatsBus(f"{ctx.nats.url}?stream=BENCH&subjects={ctx.work.topic}&batch={BATCH}"
                  "&storage=memory")
    bus.connect()
    with raw_nats(ctx.nats.url) as (loop, nc):
        js = nc.jetstream()
        prefix = uuid.uuid4().hex[:16] + "-"

        async def publish_all() -> None:
            dumps = orjson.dumps
            for start in range(0, len(events), BATCH):
                futures = []
                for index, event in enumerate(events[start:start + BATCH], start):
                    headers = _headers(event)
                    headers["Nats-Msg-Id"] = f"{prefix}{index}"
                    futures.append(await js.publish_async(
                        event.topic, dumps(event.payload), headers=headers))
                await asyncio.gather(*futures)

        def raw_client() -> float:
            nonlocal prefix
            prefix = uuid.uuid4().hex[:16] + "-"  # fresh ids, or JetStream would dedupe them
            start = time.perf_counter()
            loop.run_until_complete(publish_all())
            return time.perf_counter() - start

        try:
            return alternate("nats jetstream (acked)", len(events), ctx.repeats,
                             _through(bus, events), raw_client)
        finally:
            bus.close()


def _nats_codec_row(ctx: Context, codec: str, headers: Callable[[Event], dict[str, str]]
                    ) -> Result:
    """The adapter with ``?codec=`` against nats-py sending the same body and headers."""
    events = ctx.work.events
    bus = NatsBus(f"{ctx.nats.url}?batch={BATCH}&codec={codec}")
    bus.connect()
    with raw_nats(ctx.nats.url) as (loop, nc):

        async def publish_all() -> None:
            dumps = orjson.dumps
            for event in events:
                await nc.publish(event.topic, dumps(event.payload), headers=headers(event))
            await nc.flush()

        def raw_client() -> float:
            start = time.perf_counter()
            loop.run_until_complete(publish_all())
            return time.perf_counter() - start

        try:
            return alternate(f"nats codec={codec}", len(events), ctx.repeats,
                             _through(bus, events), raw_client)
        finally:
            bus.close()


@row
def nats_json(ctx: Context) -> Result:
    return _nats_codec_row(ctx, "json", _headers)


@row
def nats_faststream(ctx: Context) -> Result:
    return _nats_codec_row(ctx, "faststream", _faststream_headers)


# --------------------------------------------------------------------------- the engine


def _engine_run(url: str, n: int) -> Callable[[], float]:
    """The whole engine: a generator publishes ``n`` events through chaos-free plumbing to the
    bus, and the run ends when the last one has come back and been recorded."""
    from scenario_engine import Scenario
    from scenario_engine.runtime import RunOptions, run_plan

    plan = (
        Scenario("bus-bench", seed=1)
        .generator("counter", topic="bench.engine", every="10us")  # always behind: flat out
        .phase("load", cycles=n)
        .wait_for("bench.engine", where={"index": n - 1}, timeout="120s")
        .build()
    )

    def run() -> float:
        start = time.perf_counter()
        result = run_plan(plan, RunOptions(bus=url, clock="wall", settle=0.0))
        elapsed = time.perf_counter() - start
        if result.topics.get("bench.engine") != n:
            raise SystemExit(f"the engine recorded {result.topics} of {n} events on {url}")
        return elapsed

    return run


@row
def engine_redis(ctx: Context) -> Result:
    n = len(ctx.work.events)
    client = redis.Redis(port=ctx.redis.port)
    stream = "bench.raw"

    def raw_round_trip() -> float:
        client.delete(stream)
        pipe = client.pipeline(transaction=False)
        dumps, loads = orjson.dumps, orjson.loads
        start = time.perf_counter()
        for index in range(n):
            pipe.xadd(stream, {"payload": dumps({"index": index, "value": index}),
                               "id": f"r-{index}", "time": repr(index * 1e-5), "cycle": "0",
                               "source": "engine", "n": index})
            if index % BATCH == BATCH - 1:
                pipe.execute()
        pipe.execute()
        seen, last = 0, "0"
        while seen < n:
            for _, entries in client.xread({stream: last}, count=1000, block=1000):
                for entry_id, fields in entries:
                    loads(fields[b"payload"])
                    last = entry_id
                    seen += 1
        return time.perf_counter() - start

    try:
        return alternate("engine on redis (e2e)", n, ctx.repeats,
                         _engine_run(f"{ctx.redis.url}?batch={BATCH}", n), raw_round_trip)
    finally:
        client.close()


@row
def engine_nats(ctx: Context) -> Result:
    n = len(ctx.work.events)
    with raw_nats(ctx.nats.url) as (loop, nc):

        async def round_trip() -> None:
            done = asyncio.Event()
            seen = 0

            async def receive(msg: Any) -> None:
                nonlocal seen
                orjson.loads(msg.data)
                seen += 1
                if seen == n:
                    done.set()

            sub = await nc.subscribe("bench.raw", cb=receive, pending_msgs_limit=n + 1)
            dumps = orjson.dumps
            for index in range(n):
                event = Event("bench.raw", id=f"r-{index}", time=index * 1e-5)
                await nc.publish("bench.raw", dumps({"index": index, "value": index}),
                                 headers=_headers(event))
            await nc.flush()
            await asyncio.wait_for(done.wait(), 120)
            await sub.unsubscribe()

        def raw_round_trip() -> float:
            start = time.perf_counter()
            loop.run_until_complete(round_trip())
            return time.perf_counter() - start

        return alternate("engine on nats (e2e)", n, ctx.repeats,
                         _engine_run(f"{ctx.nats.url}?batch={BATCH}", n), raw_round_trip)


# --------------------------------------------------------------------------- main


def render(results: list[Result], n: int, repeats: int) -> str:
    lines = [
        f"bus throughput: {n} events, batch {BATCH}, median of {repeats} alternating runs",
        "",
        f"{'row':<26} {'adapter ev/s':>13} {'raw ev/s':>13} {'ratio':>7}  target",
        f"{'-' * 26} {'-' * 13} {'-' * 13} {'-' * 7}  ------",
    ]
    for result in results:
        verdict = "ok" if result.ratio >= TARGET else "LOW"
        lines.append(
            f"{result.name:<26} {result.adapter:>13,.0f} {result.raw:>13,.0f} "
            f"{result.ratio:>7.2f}  >= {TARGET} {verdict}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=20_000, help="events per run (20000)")
    parser.add_argument("--repeats", type=int, default=7, help="alternating runs (7)")
    parser.add_argument("-k", dest="only", default="", help="run only rows whose name has this")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        redis_server = stack.enter_context(RedisServer())
        nats_server = stack.enter_context(NatsServer())
        ctx = Context(redis=redis_server, nats=nats_server, work=Workload.make(args.n),
                      repeats=args.repeats)
        results = [each(ctx) for each in ROWS if args.only in each.__name__]
    print(render(results, args.n, args.repeats))
    return 0 if all(r.ratio >= TARGET for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
