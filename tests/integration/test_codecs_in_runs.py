"""Codecs and topic mapping in whole runs, against plain redis-py and nats-py peers."""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nats
import orjson
import pytest
import redis

from scenario_engine import Count, Never, Scenario
from scenario_engine.codecs import envelope
from scenario_engine.testing import capture_log, read_events, run
from scenario_engine.testing.servers import BrokerServer

pytestmark = pytest.mark.integration


FASTSTREAM_ENTRY = envelope.pack({"correlation_id": "c-1", "content-type": "application/json"},
                                 b'{"orderId": "o-1"}')


def plain_redis(ctx: Any) -> redis.Redis:
    return redis.Redis.from_url(ctx.vars["redis"])


def xadd_orders(ctx: Any) -> None:
    """What a plain redis-py service writes: flat string fields."""
    client = plain_redis(ctx)
    for order_id, qty in ctx.vars["orders"].items():
        client.xadd("orders", {"orderId": order_id, "qty": str(qty), "price": "9.5"})
    client.close()


def xadd_faststream_entry(ctx: Any) -> None:
    """What FastStream writes on a stream: its binary envelope in __data__."""
    client = plain_redis(ctx)
    client.xadd("order.accepted", {"__data__": FASTSTREAM_ENTRY})
    client.close()


def flat_orders(url: str, orders: dict[str, int]) -> Scenario:
    last = list(orders)[-1]
    return (
        Scenario("flat-orders")
        .vars(redis=url, orders=orders)
        .topic("orders", codec="flat", types={"qty": int, "price": float})
        .do(xadd_orders)
        .wait_for("orders", where={"orderId": last}, timeout=15)
        .expect(Never("orders", where={"qty": {"gt": 100}}))
        .expect(Count("orders", exact=len(orders)))
    )


def test_never_compares_typed_flat_fields_from_a_plain_xadd(
    redis_server: BrokerServer, tmp_path: Path
) -> None:
    """qty arrives as an int: Never(qty > 100) fails on the order of 150, no TypeError."""
    result = run(flat_orders(redis_server.url, {"o-1": 10, "o-2": 150, "o-3": 20}),
                 bus=redis_server.url, report_dir=tmp_path)
    assert result.status == "failed", result.error
    never = next(a for a in result.assertions if a.label.startswith("Never"))
    assert not never.passed
    assert "'qty': 150" in str(never.witnesses[0])
    assert "'orderId': 'o-2'" in str(never.witnesses[0])
    assert "'price': 9.5" in str(never.witnesses[0])


def test_typed_flat_fields_pass_when_every_order_is_small(
    redis_server: BrokerServer, tmp_path: Path
) -> None:
    """The same playbook holds when no quantity is over 100."""
    result = run(flat_orders(redis_server.url, {"o-1": 10, "o-2": 99}), bus=redis_server.url,
                 report_dir=tmp_path)
    assert result.status == "passed", result.error


# --------------------------------------------------------------------------- topic mapping


@pytest.fixture
def json_service(redis_server: BrokerServer) -> Iterator[list[dict[str, Any]]]:
    """A plain redis-py service: reads JSON requests from orders:req, answers on orders:acc."""
    seen: list[dict[str, Any]] = []
    stop = threading.Event()
    client = redis.Redis(port=redis_server.port)

    def serve() -> None:
        last = "0"
        while not stop.is_set():
            for _, entries in client.xread({"orders:req": last}, block=50) or ():
                for entry_id, fields in entries:
                    last = entry_id
                    request = orjson.loads(fields[b"data"])
                    seen.append({k.decode(): v for k, v in fields.items()})
                    reply = {"orderId": request["orderId"], "status": "accepted"}
                    client.xadd("orders:acc", {"data": orjson.dumps(reply)})

    worker = threading.Thread(target=serve, daemon=True)
    worker.start()
    yield seen
    stop.set()
    worker.join(5)
    client.close()


def test_subjects_put_topics_on_the_services_streams_beside_a_prefix(
    redis_server: BrokerServer, json_service: list[dict[str, Any]], tmp_path: Path
) -> None:
    """order.request goes to orders:req as JSON in 'data'; orders:acc comes back as
    order.accepted; the prefix applies to the other topics only."""
    scenario = (
        Scenario("mapped")
        .topic("order.request", codec="json", subject="orders:req")
        .topic("order.accepted", codec="json", subject="orders:acc")
        .publish("order.request", {"orderId": "o-{{index}}"}, repeat=3)
        .publish("audit", {"note": "not mapped"})
        .wait_for("order.accepted", where={"orderId": "o-2"}, timeout=15)
        .expect(Count("order.accepted", exact=3))
    )
    result = run(scenario, bus=redis_server.url + "?prefix=run1:", report_dir=tmp_path)
    assert result.status == "passed", result.error
    assert [set(fields) for fields in json_service] == [{"data"}] * 3
    raw = redis.Redis(port=redis_server.port)
    assert raw.exists("run1:audit")
    assert not raw.exists("run1:order.request")
    logged = {e["topic"] for e in read_events(result.events_path or "")}
    assert {"order.request", "order.accepted", "audit"} <= logged


@pytest.mark.parametrize("options", ["", "?stream=MAPPED"], ids=["core", "jetstream"])
def test_subjects_map_topics_to_a_nats_services_subjects(
    nats_server: BrokerServer, tmp_path: Path, options: str
) -> None:
    """order.request is published on svc.orders.req; svc.orders.acc is read as order.accepted
    (on JetStream the stream stores the declared subjects from the start)."""

    async def service(ready: threading.Event, stop: threading.Event) -> None:
        client = await nats.connect(nats_server.url)

        async def answer(msg: Any) -> None:
            await client.publish("svc.orders.acc", msg.data)

        await client.subscribe("svc.orders.req", cb=answer)
        await client.flush()
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.02)
        await client.drain()

    ready, stop = threading.Event(), threading.Event()
    worker = threading.Thread(target=lambda: asyncio.run(service(ready, stop)), daemon=True)
    worker.start()
    assert ready.wait(15)
    scenario = (
        Scenario("mapped-nats")
        .topic("order.request", codec="json", subject="svc.orders.req")
        .topic("order.accepted", codec="json", subject="svc.orders.acc")
        .publish("order.request", {"orderId": "o-{{index}}"}, repeat=3)
        .wait_for("order.accepted", where={"orderId": "o-2"}, timeout=15)
        .expect(Count("order.accepted", exact=3))
    )
    try:
        result = run(scenario, bus=nats_server.url + options, report_dir=tmp_path)
    finally:
        stop.set()
        worker.join(5)
    assert result.status == "passed", result.error


def test_a_declared_topics_codec_overrides_the_bus_urls(
    redis_server: BrokerServer, tmp_path: Path
) -> None:
    """?codec=json for the bus, flat for one topic: each stream holds its own format."""
    scenario = (
        Scenario("override")
        .topic("flat.one", codec="flat")
        .publish("flat.one", {"orderId": "o-1", "qty": 3})
        .publish("json.one", {"orderId": "o-2", "qty": 4})
        .wait_for("json.one", timeout=15)
    )
    result = run(scenario, bus=redis_server.url + "?codec=json", report_dir=tmp_path)
    assert result.status == "passed", result.error
    raw = redis.Redis(port=redis_server.port)
    assert [fields for _, fields in raw.xrange("flat.one")] == [
        {b"orderId": b"o-1", b"qty": b"3"}]
    assert [fields for _, fields in raw.xrange("json.one")] == [
        {b"data": b'{"orderId":"o-2","qty":4}'}]
    logged = [e["payload"] for e in read_events(result.events_path or "")]
    assert {"orderId": "o-1", "qty": 3} in logged


# --------------------------------------------------------------------------- undecodable


def test_an_entry_the_codec_cannot_decode_is_kept_raw_and_reported_once(
    redis_server: BrokerServer, tmp_path: Path
) -> None:
    """A FastStream entry read with the native codec: in the log as base64, one warning that
    names FastStream's format, counted in the bus stats and the summary."""
    scenario = (
        Scenario("undecodable")
        .vars(redis=redis_server.url)
        .do(xadd_faststream_entry)
        .wait_for("order.accepted", timeout=15)
    )
    with capture_log("scenario_engine") as lines:
        result = run(scenario, bus=redis_server.url, report_dir=tmp_path)
    assert result.bus_stats["undecoded"] == 1
    (logged,) = [e for e in read_events(result.events_path or "") if e["topic"] ==
                 "order.accepted"]
    assert logged["source"] == "undecoded"
    raw = logged["payload"]["undecoded"]["fields"]["__data__"]
    assert base64.b64decode(raw["base64"]) == FASTSTREAM_ENTRY
    warnings = [line for line in lines if "could not be decoded" in line]
    assert warnings[0].startswith(
        "topic 'order.accepted': an entry could not be decoded with codec=native "
        "(field '__data__' is not UTF-8 text); it is kept raw in the event log "
        "(source 'undecoded'), and further ones on this topic are only counted "
        "(hint: this entry looks like FastStream's format: use codec=faststream)")
    from scenario_engine.report.console import render_summary

    assert ("  bus: 1 inbound entry could not be decoded; kept raw in the event log "
            "(source 'undecoded')") in render_summary(result, color=False)


def test_a_nats_message_the_codec_cannot_decode_is_kept_raw(
    nats_server: BrokerServer, tmp_path: Path
) -> None:
    """A binary body on a json topic: delivered as base64 with its headers, counted."""

    def publish_binary(ctx: Any) -> None:
        async def send() -> None:
            client = await nats.connect(ctx.vars["nats"])
            await client.publish("sensor.raw", b"\x00\xff\x10", headers={"x-kind": "blob"})
            await client.flush()
            await client.close()

        asyncio.run(send())

    scenario = (
        Scenario("undecodable-nats")
        .vars(nats=nats_server.url)
        .topic("sensor.raw", codec="json")
        .do(publish_binary)
        .wait_for("sensor.raw", timeout=15)
    )
    result = run(scenario, bus=nats_server.url, report_dir=tmp_path)
    assert result.bus_stats["undecoded"] == 1
    (logged,) = [e for e in read_events(result.events_path or "") if e["topic"] == "sensor.raw"]
    assert logged["source"] == "undecoded"
    assert logged["headers"] == {"x-kind": "blob"}
    assert logged["payload"]["undecoded"]["body"] == {"base64": "AP8Q"}
    assert logged["payload"]["undecoded"]["codec"] == "json"
