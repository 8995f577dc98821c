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
#: how far relative timing may drift, at speed 1
TOLERANCE = 0.005


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
            bus.publish(Event(topic=topic, payload={"n": i, "text": f"é-{i}", "nested": [i]}))
            bus.flush()
            sent.append(time.monotonic())
        bus.poll(0.1)
        bus.publish(Event(topic="elsewhere", payload={"n": -1}))
        bus.flush()
        out, _ = recorder.communicate(timeout=120)
    assert recorder.returncode == 0, log.read_text()
    assert out.decode().startswith(f"recorded {COUNT} event(s) on 2 topic(s) in ")
    lines = read_events(recording)
    assert [line["payload"] for line in lines] == [
        {"n": i, "text": f"é-{i}", "nested": [i]} for i in range(COUNT)
    ]
    assert [line["seq"] for line in lines] == list(range(1, COUNT + 1))
    for got, want in zip(_relative([line["t"] for line in lines]), _relative(sent), strict=True):
        assert abs(got - want) <= TOLERANCE, (got, want)

    # replay at speed 1, listened to by a subscriber of the test's own
    arrivals: list[tuple[float, Any]] = []
    def arrived(event: Event) -> None:
        if event.source == "replay":  # not the warm-up, nor what the test sent itself
            arrivals.append((time.monotonic(), event.payload))

    bus.subscribe("order.*", arrived)
    bus.poll(0.2)
    replayer = _cli("replay", str(recording), "--bus", url, "--report-dir", str(tmp_path / "r"))
    deadline = time.monotonic() + 120
    while len(arrivals) < COUNT and time.monotonic() < deadline:
        bus.poll(0.001)
    out, err_text = replayer.communicate(timeout=120)
    bus.close()
    assert replayer.returncode == 0, out.decode() + err_text.decode()
    assert [payload for _, payload in arrivals] == [line["payload"] for line in lines]
    recorded = _relative([line["t"] for line in lines])
    # when the broker took each replayed event: Redis stamps stream entries (ms); on NATS,
    # which stamps nothing, when it reached the subscriber above
    replayed = _broker_times(server) if isinstance(server, RedisServer) else None
    if replayed is None:
        replayed = [t for t, _ in arrivals]
        tolerance = TOLERANCE
    else:
        tolerance = TOLERANCE + 0.001  # entry ids have whole milliseconds
    for got, want in zip(_relative(replayed), recorded, strict=True):
        assert abs(got - want) <= tolerance, (got, want)


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
