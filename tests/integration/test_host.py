"""``scenario host``: a system in its own process, driven over Redis and NATS.

The echo system (``echo_system.py``) runs under ``scenario host`` in a
subprocess; the test talks to it through the bus adapters, like the engine
would, and cross-checks with the brokers themselves (XRANGE; JetStream stream
info and messages).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterator
from typing import Any

import nats
import orjson
import pytest
import redis
from click.testing import CliRunner

from scenario_engine.cli import main
from scenario_engine.events import Event
from scenario_engine.registry import default_registry
from scenario_engine.spi import Bus
from scenario_engine.testing.bus_conformance import Inbox, wait_until
from scenario_engine.testing.servers import BrokerServer, free_port

from .conftest import HERE, HostProcess

pytestmark = pytest.mark.integration

TARGET = "echo_system:EchoSystem"
TIMEOUT = 30.0


@pytest.fixture
def client_bus() -> Iterator[Callable[[str], Bus]]:
    """Buses the test drives the hosted system with (closed afterwards)."""
    made: list[Bus] = []

    def make(url: str) -> Bus:
        bus: Bus = default_registry().load("bus", url.partition("://")[0])(url)
        bus.connect()
        made.append(bus)
        return bus

    yield make
    for bus in made:
        with contextlib.suppress(Exception):
            bus.close()


def ask(bus: Bus, replies: Inbox, count: int, *, start: int = 0) -> None:
    """Publish ``count`` requests and wait for as many replies."""
    before = len(replies)
    for index in range(start, start + count):
        bus.publish(Event(topic="echo.request", payload={"n": index}, key=f"k{index}",
                          id=f"req-{index}"))
    bus.flush()
    wait_until(bus, lambda: len(replies) >= before + count, TIMEOUT,
               what=f"{count} replies from the hosted system")


def exchange(host: HostProcess, bus: Bus) -> Inbox:
    """The common script: five requests, one that makes the system raise, one more."""
    host.wait_ready()
    replies = Inbox()
    bus.subscribe("echo.reply", replies)
    ask(bus, replies, 5)
    bus.publish(Event(topic="echo.request", payload={"boom": True}, id="req-boom"))
    ask(bus, replies, 1, start=5)  # the service kept running after the exception
    return replies


def check_replies(replies: Inbox) -> None:
    assert [e.payload["echo"] for e in replies.events] == [{"n": n} for n in range(6)]
    assert [e.key for e in replies.events] == [f"k{n}" for n in range(6)]
    assert [e.headers["in-reply-to"] for e in replies.events] == [f"req-{n}" for n in range(6)]
    assert {e.payload["greeting"] for e in replies.events} == {"bonjour"}
    assert {e.source for e in replies.events} == {"system"}


def check_clean_exit(host: HostProcess, bus_shown: str) -> None:
    assert host.stop(signal.SIGTERM) == 0, host.stderr
    assert f"scenario host: {TARGET} ready on {bus_shown} (pid " in host.stdout
    assert "7 events handled, 6 published, 1 handler errors" in host.stdout
    assert "ValueError: boom requested by req-boom" in host.stderr
    assert not host.ready_file.exists()


# --------------------------------------------------------------------------- over real brokers


def test_hosts_a_system_over_redis(
    redis_server: BrokerServer, start_host: Callable[..., HostProcess],
    client_bus: Callable[[str], Bus],
) -> None:
    """Serves requests over Redis streams, survives a handler error, stops cleanly on SIGTERM."""
    host = start_host(TARGET, "--bus", redis_server.url, "--param", "greeting=bonjour")
    replies = exchange(host, client_bus(redis_server.url))
    check_replies(replies)

    raw = redis.Redis(port=redis_server.port)
    requests = raw.xrange("echo.request")
    answers = raw.xrange("echo.reply")
    raw.close()
    assert len(requests) == 7
    assert [orjson.loads(f[b"payload"])["echo"] for _, f in answers] == [
        {"n": n} for n in range(6)]
    assert {f[b"source"] for _, f in answers} == {b"system"}
    assert [orjson.loads(f[b"headers"])["in-reply-to"] for _, f in answers] == [
        f"req-{n}" for n in range(6)]
    check_clean_exit(host, redis_server.url)


def _jetstream_contents(url: str, stream: str) -> tuple[Any, list[Any]]:
    async def read() -> tuple[Any, list[Any]]:
        nc = await nats.connect(url)
        try:
            js = nc.jetstream()
            info = await js.stream_info(stream)
            messages = [await js.get_msg(stream, seq)
                        for seq in range(info.state.first_seq, info.state.last_seq + 1)]
            return info, messages
        finally:
            await nc.close()

    return asyncio.run(read())


def test_hosts_a_system_over_nats_jetstream(
    nats_server: BrokerServer, start_host: Callable[..., HostProcess],
    client_bus: Callable[[str], Bus],
) -> None:
    """Serves requests over a JetStream stream; the stream holds every request and reply."""
    url = nats_server.url + "?stream=ECHO"
    host = start_host(TARGET, "--bus", url, "--param", "greeting=bonjour")
    replies = exchange(host, client_bus(url))
    check_replies(replies)

    info, messages = _jetstream_contents(nats_server.url, "ECHO")
    assert info.state.messages == 13
    assert {"echo.request", "echo.reply"} <= set(info.config.subjects)
    answers = [m for m in messages if m.subject == "echo.reply"]
    assert [orjson.loads(m.data)["echo"] for m in answers] == [{"n": n} for n in range(6)]
    assert {m.headers["Scenario-Source"] for m in answers} == {"system"}
    assert [m.headers["in-reply-to"] for m in answers] == [f"req-{n}" for n in range(6)]
    check_clean_exit(host, url)


def test_hosts_a_system_over_core_nats(
    nats_server: BrokerServer, start_host: Callable[..., HostProcess],
    client_bus: Callable[[str], Bus],
) -> None:
    """Serves requests over plain NATS subjects."""
    host = start_host(TARGET, "--bus", nats_server.url, "--param", "greeting=bonjour")
    replies = exchange(host, client_bus(nats_server.url))
    check_replies(replies)
    check_clean_exit(host, nats_server.url)


@pytest.mark.parametrize("mode", ["redis", "nats-jetstream"])
def test_a_hosted_system_keeps_serving_across_a_broker_restart(
    mode: str, redis_server: BrokerServer, nats_server: BrokerServer,
    start_host: Callable[..., HostProcess], client_bus: Callable[[str], Bus],
) -> None:
    """Reconnects after the broker is killed and restarted, logs the outage, answers again."""
    server = redis_server if mode == "redis" else nats_server
    url = server.url if mode == "redis" else server.url + "?stream=ECHO"
    host = start_host(TARGET, "--bus", url, "--poll", "50ms")
    host.wait_ready()
    bus = client_bus(url)
    replies = Inbox()
    bus.subscribe("echo.reply", replies)
    ask(bus, replies, 1)

    server.restart(kill=True, downtime=1.0)

    probes = iter(range(100, 100_000))

    def answered_again() -> bool:
        bus.publish(Event(topic="echo.request", payload={"n": next(probes)}))
        return any(e.payload["echo"]["n"] >= 100 for e in replies.events)

    wait_until(bus, answered_again, TIMEOUT, interval=0.25, what="a reply after the restart")
    assert host.stop(signal.SIGTERM) == 0, host.stderr
    assert "lost the connection" in host.stderr
    stopped = host.stdout.splitlines()[-1]
    assert " 0 reconnects" not in stopped, stopped


# --------------------------------------------------------------------------- the command itself


def test_sigint_stops_the_host_cleanly(
    redis_server: BrokerServer, start_host: Callable[..., HostProcess]
) -> None:
    """Exits 0 on Ctrl-C, after closing the system and the bus."""
    host = start_host(TARGET, "--bus", redis_server.url)
    host.wait_ready()
    assert host.stop(signal.SIGINT) == 0, host.stderr
    assert "scenario host: stopped; 0 events handled" in host.stdout


def test_an_unreachable_bus_exits_3_with_the_url_redacted(
    start_host: Callable[..., HostProcess]
) -> None:
    """Names the bus URL without its password, with a hint, and exits 3."""
    port = free_port()
    host = start_host(TARGET, "--bus", f"redis://app:s3cret-pw@127.0.0.1:{port}/0")
    assert host.wait() == 3
    assert f"cannot reach Redis at redis://app:***@127.0.0.1:{port}/0" in host.stderr
    assert f"is redis-server running at 127.0.0.1:{port}?" in host.stderr
    assert "s3cret-pw" not in host.stderr + host.stdout
    assert host.stdout == ""


@pytest.fixture
def importable(monkeypatch: pytest.MonkeyPatch) -> None:
    """The echo system importable in this process, for CliRunner tests."""
    monkeypatch.syspath_prepend(str(HERE))


def test_help_describes_the_command() -> None:
    """Documents the target, the bus, params, the ready file and the stop signals."""
    result = CliRunner().invoke(main, ["host", "--help"])
    assert result.exit_code == 0
    for text in ("MODULE:CLASS", "--bus", "--param", "--ready-file", "SIGTERM"):
        assert text in result.output


@pytest.mark.usefixtures("importable")
def test_runs_on_the_memory_bus_for_a_duration() -> None:
    """Starts, reports ready, stops by itself after --duration, and exits 0."""
    result = CliRunner().invoke(
        main, ["host", TARGET, "--bus", "memory://", "--duration", "200ms",
               "--param", "greeting=hi"])
    assert result.exit_code == 0, result.output
    assert f"scenario host: {TARGET} ready on memory://" in result.output
    assert "scenario host: stopped; 0 events handled" in result.output


@pytest.mark.usefixtures("importable")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nowhere:Thing"], "cannot import the system 'nowhere:Thing': ModuleNotFoundError"),
        (["echo_system"], "expected MODULE:CLASS for the system to host"),
        ([TARGET, "--param", "oops"], "--param 'oops': expected NAME=VALUE"),
        ([TARGET, "--param", "colour=red", "--duration", "1s"],
         "the system echo_system:EchoSystem failed to start: TypeError"),
        ([TARGET, "--bus", "kafka://h:1"], "unknown bus 'kafka'"),
        ([TARGET, "--bus", "redis://h:1/0?bacth=1"], "unknown option 'bacth'"),
    ],
)
def test_misuse_exits_2_with_a_clear_message(args: list[str], message: str) -> None:
    """Rejects a bad target, parameter or bus URL before serving anything."""
    result = CliRunner().invoke(main, ["host", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
