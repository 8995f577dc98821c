"""``scenario record`` then ``scenario replay`` through real Redis and NATS servers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from scenario_engine.events import Event
from scenario_engine.registry import default_registry
from scenario_engine.runtime.interpreter import open_bus
from scenario_engine.testing import read_events
from scenario_engine.testing.servers import BrokerServer, RedisServer

pytestmark = pytest.mark.integration

COUNT = 20
SPACING = 0.05
#: how far relative timing may drift, at speed 1 ...
TOLERANCE = 0.005
#: ... for nine events in ten; a loaded two-core machine now and then runs a process late,
#: which no replayer can undo, so every event gets this much
LATE = 0.05


def _timing_kept(got: list[float], want: list[float], tolerance: float) -> None:
    errors = sorted(abs(g - w) for g, w in zip(_relative(got), _relative(want), strict=True))
    assert errors[int(len(errors) * 0.9) - 1] <= tolerance, errors
    assert errors[-1] <= LATE, errors


def _cli(*args: str, stderr: Any = subprocess.PIPE) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "scenario_engine.cli", *args],
        stdout=subprocess.PIPE, stderr=stderr, env=dict(os.environ),
    )


def _wait_for_text(path: Path, text: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and text in path.read_text():
            return
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared in {path}: {path.read_text()!r}")


def _relative(times: list[float]) -> list[float]:
    return [t - times[0] for t in times]


@pytest.fixture(params=["redis", "nats"])
def server(request: pytest.FixtureRequest) -> BrokerServer:
    return request.getfixturevalue(f"{request.param}_server")  # type: ignore[no-any-return]


def test_record_then_replay_keeps_payloads_order_and_timing(
    server: BrokerServer, tmp_path: Path
) -> None:
    url = server.url
    recording = tmp_path / "rec.jsonl"
    log = tmp_path / "record.err"
    bus = open_bus(url, default_registry())
    bus.connect()
    # the topics exist before the recorder starts (it records what comes after), so the
    # first event of each is read as it comes rather than found when its topic appears
    for topic in ("order.new", "order.cancel"):
        bus.publish(Event(topic=topic, payload={"warm-up": True}))
    bus.flush()
    if isinstance(server, RedisServer):
        # another program writing plain entries: recorded with the broker's timestamps
        import redis

        raw = redis.Redis(host="127.0.0.1", port=server.port)

        def payload(i: int) -> dict[str, Any]:
            return {"n": str(i), "text": f"é-{i}"}

        def publish(topic: str, i: int) -> float:
            entry_id = raw.xadd(topic, payload(i))
            return int(entry_id.partition(b"-")[0]) / 1000  # the broker's clock
    else:
        # a program speaking the engine's format: NATS stamps nothing, arrival times count

        def payload(i: int) -> dict[str, Any]:
            return {"n": i, "text": f"é-{i}", "nested": [i]}

        def publish(topic: str, i: int) -> float:
            bus.publish(Event(topic=topic, payload=payload(i)))
            bus.flush()
            return time.monotonic()

    with log.open("wb") as err:
        recorder = _cli("record", "--bus", url, "--topics", "order.*", "--duration", "6s",
                        "-o", str(recording), stderr=err)
        _wait_for_text(log, "recording order.* on")
        time.sleep(0.3)  # the subscription is in place once the recorder says so; be generous
        sent = []
        start = time.monotonic()
        for i in range(COUNT):
            while time.monotonic() < start + i * SPACING:
                time.sleep(0.0005)
            topic = "order.new" if i % 3 else "order.cancel"
            sent.append(publish(topic, i))
        bus.poll(0.1)
        bus.publish(Event(topic="elsewhere", payload={"n": -1}))
        bus.flush()
        out, _ = recorder.communicate(timeout=120)
    assert recorder.returncode == 0, log.read_text()
    assert out.decode().startswith(f"recorded {COUNT} event(s) on 2 topic(s) in ")
    lines = read_events(recording)
    assert [line["payload"] for line in lines] == [payload(i) for i in range(COUNT)]
    assert [line["seq"] for line in lines] == list(range(1, COUNT + 1))
    _timing_kept([line["t"] for line in lines], sent, TOLERANCE)

    # replay at speed 1, listened to by a subscriber of the test's own
    arrivals: list[tuple[float, Any]] = []
    def arrived(event: Event) -> None:
        if event.source == "replay":  # not the warm-up, nor what the test sent itself
            arrivals.append((time.monotonic(), event.payload))

    bus.subscribe("order.*", arrived)
    bus.poll(0.2)
    if not isinstance(server, RedisServer):
        _nats_capture(server, "create")  # a JetStream stream stamps what the replay sends
    replayer = _cli("replay", str(recording), "--bus", url, "--report-dir", str(tmp_path / "r"))
    deadline = time.monotonic() + 120
    while len(arrivals) < COUNT and time.monotonic() < deadline:
        bus.poll(0.001)
    out, err_text = replayer.communicate(timeout=120)
    bus.close()
    assert replayer.returncode == 0, out.decode() + err_text.decode()
    assert [payload for _, payload in arrivals] == [line["payload"] for line in lines]
    recorded = _relative([line["t"] for line in lines])
    # when the broker took each replayed event: Redis stamps stream entries (ms), and a
    # JetStream stream on the same subjects stamps core NATS messages (ns)
    if isinstance(server, RedisServer):
        replayed = _broker_times(server)
        tolerance = TOLERANCE + 0.001  # entry ids have whole milliseconds
    else:
        replayed = _nats_capture(server, "read")
        tolerance = TOLERANCE
    assert len(replayed) == COUNT
    _timing_kept(replayed, recorded, tolerance)


def _nats_capture(server: BrokerServer, what: str) -> list[float]:
    """``create`` a JetStream stream on ``order.>``, or ``read`` the server's timestamps of
    what it captured, in order."""
    import asyncio

    import nats
    from nats.js.api import StreamConfig

    async def main() -> list[float]:
        client = await nats.connect(server.url)
        try:
            js = client.jetstream()
            if what == "create":
                await js.add_stream(StreamConfig(name="REPLAYED", subjects=["order.>"]))
                return []
            consumer = await js.pull_subscribe("order.>", stream="REPLAYED")
            messages = await consumer.fetch(COUNT, timeout=10)
            return [m.metadata.timestamp.timestamp() for m in messages]
        finally:
            await client.close()

    return asyncio.run(main())


def _broker_times(server: BrokerServer) -> list[float]:
    import redis

    client = redis.Redis(host="127.0.0.1", port=server.port)
    try:
        entries = [
            (entry_id, fields)
            for stream in (b"order.new", b"order.cancel")
            for entry_id, fields in client.xrange(stream)
            if fields.get(b"source") == b"replay"
        ]
    finally:
        client.close()

    def millis(entry_id: bytes) -> tuple[int, int]:
        ms, _, n = entry_id.partition(b"-")
        return int(ms), int(n)

    ordered = sorted(entries, key=lambda entry: millis(entry[0]))
    return [millis(entry_id)[0] / 1000 for entry_id, _ in ordered]


def test_ctrl_c_ends_a_recording_and_keeps_what_it_has(
    redis_server: BrokerServer, tmp_path: Path
) -> None:
    recording = tmp_path / "rec.jsonl"
    log = tmp_path / "record.err"
    bus = open_bus(redis_server.url, default_registry())
    bus.connect()
    bus.publish(Event(topic="order.new", payload={"warm-up": True}))
    bus.flush()
    with log.open("wb") as err:
        recorder = _cli("record", "--bus", redis_server.url, "--topics", "order.*",
                        "-o", str(recording), stderr=err)
        _wait_for_text(log, "until Ctrl-C")
        time.sleep(0.3)
        for i in range(3):
            bus.publish(Event(topic="order.new", payload={"n": i}))
        bus.flush()
        deadline = time.monotonic() + 60
        while (not recording.exists() or len(read_events(recording)) < 3) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.05)  # on disk while the recording goes on
        recorder.send_signal(signal.SIGINT)
        out, _ = recorder.communicate(timeout=60)
    bus.close()
    assert recorder.returncode == 0, log.read_text()
    assert out.decode().startswith("recorded 3 event(s) on 1 topic(s) in ")
    assert [line["payload"] for line in read_events(recording)] == [{"n": i} for i in range(3)]


def test_entries_of_other_programs_are_recorded_with_the_broker_timestamps(
    redis_server: BrokerServer, tmp_path: Path
) -> None:
    import redis

    raw = redis.Redis(host="127.0.0.1", port=redis_server.port)
    raw.xadd("legacy.orders", {"warm": "up"})
    recording = tmp_path / "rec.jsonl"
    log = tmp_path / "record.err"
    with log.open("wb") as err:
        recorder = _cli("record", "--bus", redis_server.url, "--topics", "legacy.*",
                        "--duration", "3s", "-o", str(recording), stderr=err)
        _wait_for_text(log, "recording legacy.* on")
        time.sleep(0.3)
        ids = []
        for i in range(10):
            ids.append(raw.xadd("legacy.orders", {"orderId": f"o-{i}"}))
            time.sleep(0.03)
        recorder.communicate(timeout=60)
    raw.close()
    assert recorder.returncode == 0, log.read_text()
    lines = read_events(recording)
    assert [line["payload"] for line in lines] == [{"orderId": f"o-{i}"} for i in range(10)]
    assert [line["source"] for line in lines] == ["external"] * 10
    broker = [int(entry_id.partition(b"-")[0]) / 1000 for entry_id in ids]
    recorded = [line["t"] for line in lines]
    assert _relative(recorded) == pytest.approx(_relative(broker), abs=1e-6)
