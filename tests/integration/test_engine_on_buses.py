"""The engine on real brokers: the same playbooks on every bus, systems in their own process,
relays, outages, a broker killed mid-run, and unreachable brokers."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import nats
import orjson
import pytest
import redis

from scenario_engine import Count, Drop, Outage, Scenario
from scenario_engine.testing import read_events, run
from scenario_engine.testing.servers import BrokerServer, free_port

from .conftest import HostProcess

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
#: on a real bus the clock is wall time; this makes a 1 s cycle last 50 ms
SPEED = "20"


def play(*args: str, cwd: Path = REPO, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scenario_engine.cli", "play", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(params=["memory", "redis", "nats", "jetstream"])
def any_bus(request: pytest.FixtureRequest) -> str:
    kind = request.param
    if kind == "memory":
        return "memory://"
    fixture = "redis_server" if kind == "redis" else "nats_server"
    broker: BrokerServer = request.getfixturevalue(fixture)
    return broker.url + ("?stream=SCENARIO" if kind == "jetstream" else "")


@pytest.mark.parametrize("playbook", ["quickstart.py", "composed_chaos.py"])
def test_the_same_playbook_passes_on_every_bus(any_bus: str, playbook: str, tmp_path: Path) -> None:
    extra = [] if any_bus == "memory://" else ["--bus", any_bus, "--speed", SPEED]
    done = play(str(REPO / "playbooks" / playbook), "--report-dir", str(tmp_path), *extra)
    assert done.returncode == 0, done.stdout + done.stderr
    for report in tmp_path.rglob("report.json"):
        if report.parent == tmp_path:
            continue  # the suite's own report
        data = orjson.loads(report.read_bytes())
        assert data["clock"] == ("virtual" if any_bus == "memory://" else "wall")
        assert data["passed"]


def _xrange_count(url: str, stream: str) -> int:
    client = redis.Redis.from_url(url)
    try:
        return len(client.xrange(stream))
    finally:
        client.close()


def _jetstream_subjects(url: str, stream: str) -> dict[str, int]:
    async def info() -> dict[str, int]:
        connection = await nats.connect(url.partition("?")[0])
        try:
            stream_info = await connection.jetstream().stream_info(stream, subjects_filter=">")
            return dict(stream_info.state.subjects or {})
        finally:
            await connection.close()

    return asyncio.run(info())


@pytest.mark.parametrize("kind", ["redis", "jetstream"])
def test_a_system_in_its_own_process_is_tested_over_the_broker(
    kind: str,
    request: pytest.FixtureRequest,
    start_host: Callable[..., HostProcess],
    tmp_path: Path,
) -> None:
    broker: BrokerServer = request.getfixturevalue(
        "redis_server" if kind == "redis" else "nats_server"
    )
    url = broker.url + ("?stream=RISK" if kind == "jetstream" else "")
    host = start_host(
        "scenario_trading.systems:RiskEngine",
        "--bus",
        url,
        "--param",
        "drop=0.1",
        "--param",
        "window=5",
        "--param",
        "recovery=0.5",
    )
    host.wait_ready()
    # the very playbook that runs the risk engine in-process, not a line changed
    done = play(
        str(REPO / "playbooks" / "trading" / "flash_crash.py"),
        "--bus",
        url,
        "--no-system",
        "--speed",
        "10",
        "--report-dir",
        str(tmp_path),
    )
    assert done.returncode == 0, done.stdout + done.stderr + host.stderr
    latest = tmp_path / "trading-flash-crash" / "latest"
    report = orjson.loads((latest / "report.json").read_bytes())
    assert report["topics"]["TradingHalted"] == 1
    rejected = report["topics"]["OrderRejected"]
    # the broker itself holds what the hosted system published
    if kind == "redis":
        assert _xrange_count(url, "TradingHalted") == 1
        assert _xrange_count(url, "OrderRejected") == rejected
        assert _xrange_count(url, "PriceUpdate") == report["topics"]["PriceUpdate"] == 50
    else:
        subjects = _jetstream_subjects(url, "RISK")
        assert subjects["TradingHalted"] == 1
        assert subjects["OrderRejected"] == rejected
        assert subjects["PriceUpdate"] == 50
    assert host.stop() == 0


def test_a_relay_applies_chaos_between_two_topics_on_redis(
    redis_server: BrokerServer,
    tmp_path: Path,
) -> None:
    scenario = (
        Scenario("relay", seed=1)
        .relay("orders.raw", "orders")
        .publish("orders.raw", {"id": "o-{{index}}"}, repeat=10, interval="100ms")
        .phase("listen", duration="1s")
        .chaos(Drop("orders", every=2))
        .expect(Count("orders", exact=5))
    )
    result = run(scenario, bus=redis_server.url, report_dir=tmp_path)
    assert result.passed, [a.explain() for a in result.failures]
    assert _xrange_count(redis_server.url, "orders.raw") == 10
    assert _xrange_count(redis_server.url, "orders") == 5


def test_an_outage_really_stops_delivery_on_redis(
    redis_server: BrokerServer,
    tmp_path: Path,
) -> None:
    scenario = (
        Scenario("outage", seed=1)
        .generator("counter", topic="tick", every="100ms")
        .phase("run", cycles=30)
        .chaos(Outage("tick", duration="1s", at_cycle=10))
    )
    result = run(scenario, bus=redis_server.url, report_dir=tmp_path)
    # on the wall clock the tick at the window's very end may fall either side of it
    lost = result.chaos[0].applied
    assert lost in (10, 11)
    assert result.events_dropped == lost
    client = redis.Redis.from_url(redis_server.url)
    try:
        stamps = [int(entry_id.split(b"-")[0]) for entry_id, _ in client.xrange("tick")]
    finally:
        client.close()
    assert len(stamps) == 30 - lost
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    # 10 ticks of 100 ms never reached the broker: one gap of about a second
    assert max(gaps) >= 900
    assert sorted(gaps)[-2] < 900


def test_a_broker_killed_mid_run_is_reported_and_nothing_recorded_is_lost(
    redis_server: BrokerServer,
    tmp_path: Path,
) -> None:
    scenario = (
        Scenario("broker-restart", seed=1)
        .generator("counter", topic="tick", every="100ms")
        .phase("run", cycles=60)
        .expect(Count("tick", min=1))
    )
    log = tmp_path / "broker-restart" / "latest" / "events.jsonl"
    seen_before: list[int] = []

    def restart_broker() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(read_events(log) if log.exists() else []) < 15:
            time.sleep(0.05)
        seen_before.append(len(read_events(log)))
        redis_server.restart(kill=True, downtime=1.0)

    killer = threading.Thread(target=restart_broker)
    killer.start()
    result = run(scenario, bus=redis_server.url, report_dir=tmp_path)
    killer.join()
    assert result.bus_stats["reconnects"] >= 1
    events = read_events(log)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert len(events) >= seen_before[0] >= 15
    # what was published while the broker was away went out after it came back
    assert [e["payload"]["index"] for e in events] == list(range(len(events)))
    report = orjson.loads((tmp_path / "broker-restart" / "latest" / "report.json").read_bytes())
    assert report["bus_stats"]["reconnects"] >= 1


@pytest.mark.parametrize("scheme", ["redis", "nats"])
def test_an_unreachable_broker_exits_3_without_showing_credentials(
    scheme: str,
    tmp_path: Path,
) -> None:
    url = f"{scheme}://scott:tiger-secret@127.0.0.1:{free_port()}"
    done = play(
        str(REPO / "playbooks" / "quickstart.py"),
        "--bus",
        url,
        "--report-dir",
        str(tmp_path),
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 3, output
    assert "tiger-secret" not in output
    assert f"{scheme}://scott:***@127.0.0.1" in output
    assert "Traceback" not in output
    for written in tmp_path.rglob("*"):
        if written.is_file():
            assert b"tiger-secret" not in written.read_bytes()
