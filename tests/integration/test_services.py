"""Services started by the run: real programs, unchanged, on real NATS and Redis servers.

The order services and playbooks are the guide's own (docs/examples/); each
run is cross-checked against its event log: every reply the service sent is
there, delivered or dropped by inbound chaos, and nothing else.
"""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

from scenario_engine import Count, Scenario
from scenario_engine.cli import main
from scenario_engine.report.model import RunResult
from scenario_engine.report.rundir import latest
from scenario_engine.testing import read_events, run
from scenario_engine.testing.servers import BrokerServer, free_port

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "docs" / "examples"


def run_dir(base: Path, scenario: str) -> Path:
    """The newest run folder of ``scenario`` under the report directory ``base``."""
    found = latest(base / scenario)
    assert found is not None, f"no run of {scenario!r} under {base}"
    return found


def load_examples() -> ModuleType:
    spec = importlib.util.spec_from_file_location("orders_examples", EXAMPLES / "orders.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ORDERS = load_examples()


def jetstream(server: BrokerServer) -> str:
    return f"{server.url}?stream=ORDERS&subjects=order.>"


def play(scenario: Scenario, bus: str, report_dir: Path) -> tuple[RunResult, list[dict[str, Any]]]:
    result = run(scenario, bus=bus, report_dir=report_dir, settle=1.0)
    assert result.events_path is not None
    return result, read_events(result.events_path)


def check_orders(result: RunResult, events: list[dict[str, Any]]) -> None:
    """The 200-order playbook held, and the log accounts for every reply the service sent."""
    assert result.passed, [a.explain() for a in result.failures] + [result.error]
    delivered = [e for e in events if e.get("status") != "dropped"]
    requested = {e["payload"]["orderId"]: e["payload"]["qty"]
                 for e in delivered if e["topic"] == "order.request"}
    assert 150 < len(requested) < 200  # some requests were dropped before the bus
    doubled = Counter(e["payload"]["orderId"] for e in delivered if e["topic"] == "order.request")
    assert any(n > 1 for n in doubled.values())  # and some doubled
    small = {o for o, qty in requested.items() if qty <= 100}
    large = set(requested) - small

    def ids(topic: str, status: str | None = None) -> list[str]:
        return [e["payload"]["orderId"] for e in events
                if e["topic"] == topic and e.get("status") == status]

    # the service is idempotent: one acceptance and one fill per order, whatever was doubled
    assert sorted(ids("order.accepted")) == sorted(small)
    assert sorted(ids("order.filled")) == sorted(small)
    # a rejection is delivered or dropped by inbound chaos (before the monitors), never both
    assert sorted(ids("order.rejected") + ids("order.rejected", "dropped")) == sorted(large)
    assert ids("order.rejected", "dropped")
    replies = [e for e in events if e["topic"] != "order.request"]
    assert {e["source"] for e in replies} == {"external"}
    late = [e for e in replies if e["topic"] == "order.filled" and e.get("chaos")]
    delay = "Delay('order.filled', ms=30, jitter_ms=10, probability=0.5)"
    assert late
    assert all(e["chaos"] == [delay] for e in late)
    chaos = {c.label: c for c in result.chaos}
    assert chaos[delay].inbound == len(late)
    assert chaos["Drop('order.rejected', probability=0.2)"].inbound == len(
        ids("order.rejected", "dropped"))
    assert chaos["Drop('order.request', probability=0.05)"].inbound == 0
    assert not any(c.never_matched for c in result.chaos)
    [service] = [s for s in result.steps if s.kind == "service"]
    assert service.status == "passed"
    assert "output in services/orders.log" in service.message


def test_a_plain_nats_py_service_is_started_and_driven_unchanged(
    nats_server: BrokerServer, tmp_path: Path
) -> None:
    result, events = play(ORDERS.orders_nats, nats_server.url, tmp_path)
    check_orders(result, events)
    log = (run_dir(tmp_path, "orders-nats") / "services" / "orders.log").read_text()
    # it got SIGTERM and stopped cleanly, after every order it had seen
    assert log.splitlines()[-1].startswith("orders service stopped after ")


def test_a_faststream_service_on_jetstream_is_started_and_driven_unchanged(
    nats_server: BrokerServer, tmp_path: Path
) -> None:
    result, events = play(ORDERS.orders_faststream_nats, jetstream(nats_server), tmp_path)
    check_orders(result, events)
    log = (run_dir(tmp_path, "orders-faststream-nats") / "services" / "orders.log").read_text()
    assert "FastStream app started successfully" in log


def test_doubled_requests_to_a_service_that_is_not_idempotent_fail_naming_the_order(
    nats_server: BrokerServer, tmp_path: Path
) -> None:
    result, events = play(ORDERS.doubled, nats_server.url, tmp_path)
    assert result.status == "failed"
    [failure] = result.failures
    assert failure.actual == "'order.filled' for orderId='o-7' came before 'order.request'"
    [witness] = failure.witnesses
    assert witness.topic == "order.filled"
    assert "'orderId': 'o-7'" in str(witness)
    fills = [e["payload"]["orderId"] for e in events if e["topic"] == "order.filled"]
    assert fills.count("o-7") == 2


# --------------------------------------------------------------------------- Redis Streams
# the services read and write their own formats: the bus speaks them through its codecs


@pytest.mark.parametrize("wire", ["flat", "json"])
def test_a_plain_redis_py_xreadgroup_service_is_started_and_driven_unchanged(
    wire: str, redis_server: BrokerServer, tmp_path: Path
) -> None:
    scenario = ORDERS.orders_redis.vars(orders_format=wire)
    result, events = play(scenario, f"{redis_server.url}?codec={wire}", tmp_path)
    check_orders(result, events)


def test_a_faststream_service_on_redis_streams_is_started_and_driven_unchanged(
    redis_server: BrokerServer, tmp_path: Path
) -> None:
    result, events = play(ORDERS.orders_faststream_redis, f"{redis_server.url}?codec=faststream",
                          tmp_path)
    check_orders(result, events)
    log = (run_dir(tmp_path, "orders-faststream-redis") / "services" / "orders.log").read_text()
    assert "FastStream app started successfully" in log


# --------------------------------------------------------------------------- failures


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie nobody reaped yet does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def script(tmp_path: Path, name: str, body: str) -> list[str]:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(body))
    return [sys.executable, str(path)]


def playbook(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "playbook.py"
    path.write_text("from scenario_engine import *\n" + textwrap.dedent(body))
    return path


def cli_play(path: Path, bus: str, tmp_path: Path, *extra: str) -> Any:
    return CliRunner().invoke(
        main, ["play", str(path), "--bus", bus, "--report-dir", str(tmp_path / "reports"), *extra]
    )


def test_a_service_that_never_becomes_ready_fails_the_run_with_its_last_lines(
    nats_server: BrokerServer, tmp_path: Path
) -> None:
    command = script(tmp_path, "slow", """
        import time
        print("warming up", flush=True)
        time.sleep(60)
    """)
    path = playbook(tmp_path, f"""
        s = (Scenario("slow-start").publish("order.request", {{"orderId": "o-1"}})
             .service({command!r}, name="slow", ready={{"line": "listening"}},
                      ready_timeout="1s"))
    """)
    result = cli_play(path, nats_server.url, tmp_path)
    assert result.exit_code == 1, result.output
    assert (
        "  step service 'slow': error - service 'slow' did not become ready within 1s "
        "(waiting for a line matching 'listening' on its output)\n"
        "      last lines of its output (services/slow.log):\n"
        "      warming up\n"
    ) in result.output
    assert "never matched" not in result.output


def test_a_service_that_exits_before_it_is_ready_fails_the_run(
    nats_server: BrokerServer, tmp_path: Path
) -> None:
    command = script(tmp_path, "broken", """
        import sys
        print("cannot read config.toml", file=sys.stderr)
        sys.exit(2)
    """)
    path = playbook(tmp_path, f"""
        s = Scenario("broken").service({command!r}, name="broken", ready=free_port)
    """.replace("free_port", str(free_port())))
    result = cli_play(path, nats_server.url, tmp_path)
    assert result.exit_code == 1, result.output
    assert "service 'broken' exited with code 2 before it was ready (waiting for 127.0.0.1:" in (
        result.output)
    assert "      cannot read config.toml\n" in result.output


def test_a_service_that_crashes_mid_run_fails_the_run_and_stops_it(
    nats_server: BrokerServer, tmp_path: Path
) -> None:
    command = script(tmp_path, "crashy", """
        import sys, time
        print("ready", flush=True)
        time.sleep(0.5)
        print("segfault in the order book", flush=True)
        sys.exit(3)
    """)
    path = playbook(tmp_path, f"""
        s = (Scenario("crash").service({command!r}, name="crashy", ready={{"line": "ready"}})
             .publish("order.request", {{"orderId": "o-{{{{index}}}}"}}, repeat=100,
                      interval="100ms"))
    """)
    result = cli_play(path, nats_server.url, tmp_path)
    assert result.exit_code == 1, result.output
    assert (
        "  step service 'crashy': error - service 'crashy' exited with code 3 during the run\n"
        "      last lines of its output (services/crashy.log):\n"
        "      ready\n"
        "      segfault in the order book\n"
    ) in result.output
    events = read_events(run_dir(tmp_path / "reports", "crash") / "events.jsonl")
    assert len(events) < 100  # the run stopped instead of publishing on for 10 s


def test_a_service_that_ignores_sigterm_is_killed_after_its_grace(
    nats_server: BrokerServer, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pid"
    command = script(tmp_path, "stubborn", f"""
        import os, signal, time
        signal.signal(signal.SIGTERM, lambda *a: print("not stopping", flush=True))
        open({str(pid_file)!r}, "w").write(str(os.getpid()))
        print("ready", flush=True)
        while True:
            time.sleep(0.05)
    """)
    scenario = (Scenario("stubborn").publish("order.request", {"orderId": "o-1"})
                .service(command, name="stubborn", ready={"line": "ready"}, grace="300ms"))
    result = run(scenario, bus=nats_server.url, report_dir=tmp_path)
    assert result.passed, result.error
    assert not alive(int(pid_file.read_text()))
    log = run_dir(tmp_path, "stubborn") / "services" / "stubborn.log"
    assert "not stopping" in log.read_text()


def test_a_service_is_ready_once_it_publishes_on_its_ready_topic_or_opens_its_port(
    nats_server: BrokerServer, tmp_path: Path
) -> None:
    port = free_port()
    command = script(tmp_path, "announcer", """
        import asyncio, os, socket, sys
        import nats

        async def main():
            nc = await nats.connect(os.environ["SCENARIO_BROKER_URL"])
            await asyncio.sleep(0.3)
            await nc.publish("orders.ready", b'{"service": "orders"}')
            await nc.flush()
            if len(sys.argv) > 1:
                listener = socket.create_server(("127.0.0.1", int(sys.argv[1])))
            await asyncio.sleep(60)

        asyncio.run(main())
    """)
    scenario = (
        Scenario("announce")
        .service(command, name="by-topic", ready={"topic": "orders.ready"})
        .service([*command, str(port)], name="by-port", ready=port)
        .expect(Count("orders.ready", min=1))
    )
    result = run(scenario, bus=nats_server.url, report_dir=tmp_path)
    assert result.passed, result.error
    messages = [s.message for s in result.steps if s.kind == "service"]
    assert [m.split(" (")[1].split(")")[0] for m in messages] == [
        "waited for an event on 'orders.ready'",
        f"waited for 127.0.0.1:{port} to accept connections",
    ]


def test_the_service_is_told_the_bus_and_env_values_name_it_as_templates(
    nats_server: BrokerServer, tmp_path: Path
) -> None:
    command = script(tmp_path, "env", """
        import os
        for name in ("SCENARIO_BUS_URL", "SCENARIO_BROKER_URL", "SCENARIO_STREAM", "NATS_URL",
                     "SCENARIO_SERVICE", "TENANT"):
            print(f"{name}={os.environ[name]}", flush=True)
        print("done", flush=True)
    """)
    bus = jetstream(nats_server)
    scenario = (Scenario("env").vars(tenant="acme")
                .service(command, name="env", ready={"line": "done"},
                         env={"NATS_URL": "{{broker_url}}", "TENANT": "t-{{tenant}}"}))
    run(scenario, bus=bus, report_dir=tmp_path)
    log = (run_dir(tmp_path, "env") / "services" / "env.log").read_text().splitlines()
    assert log[:6] == [
        f"SCENARIO_BUS_URL={bus}",
        f"SCENARIO_BROKER_URL={nats_server.url}",
        "SCENARIO_STREAM=ORDERS",
        f"NATS_URL={nats_server.url}",
        "SCENARIO_SERVICE=env",
        "TENANT=t-acme",
    ]


# --------------------------------------------------------------------------- relays and chaos


def test_a_relay_puts_a_real_downstream_service_behind_a_flaky_link(
    nats_server: BrokerServer, tmp_path: Path
) -> None:
    scenario = ORDERS.orders_ledger
    result, events = play(scenario, nats_server.url, tmp_path)
    assert result.passed, [a.explain() for a in result.failures] + [result.error]
    fills = [e for e in events if e["topic"] == "order.filled"]
    forwarded = [e for e in events if e["topic"] == "ledger.fill"]
    lost = [e for e in forwarded if e.get("status") == "dropped"]
    booked = [e for e in events if e["topic"] == "ledger.booked"]
    # every fill the monitors saw went to the ledger; the link lost some on the way
    assert len(forwarded) == len(fills)
    assert {e["source"] for e in forwarded} == {"relay"}
    assert lost
    assert len(booked) == len(forwarded) - len(lost)
    assert sorted(e["payload"]["orderId"] for e in booked) == sorted(
        e["payload"]["orderId"] for e in forwarded if e.get("status") != "dropped")


def test_chaos_on_a_topic_nothing_carries_is_listed_as_never_matched(
    nats_server: BrokerServer, tmp_path: Path
) -> None:
    path = playbook(tmp_path, """
        s = (ORDERS.orders_nats.named("typo")
             .chaos(Delay("order.filld", ms=30)))
    """)
    path.write_text(path.read_text().replace(
        "from scenario_engine import *\n",
        "from scenario_engine import *\nimport importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('o', {str(EXAMPLES / 'orders.py')!r})\n"
        "ORDERS = importlib.util.module_from_spec(spec); spec.loader.exec_module(ORDERS)\n"))
    checked = CliRunner().invoke(main, ["check", str(path)])
    assert checked.exit_code == 0
    assert (
        f"warning: {path}: scenario 'typo': chaos[5]: Delay('order.filld', ms=30) matches no "
        "topic the plan publishes, declares or subscribes (it knows: order.request, "
        "order.accepted, order.filled, order.rejected) (hint: did you mean 'order.filled'?)"
    ) in checked.output
    played = cli_play(path, nats_server.url, tmp_path)
    assert played.exit_code == 0, played.output
    assert (
        "  chaos never matched: Delay('order.filld', ms=30) (expected topics order.filld; "
        "no event on them came through chaos)\n"
    ) in played.output
    report = (run_dir(tmp_path / "reports", "typo") / "report.json").read_text()
    assert '"never_matched": true' in report


def test_signals_reach_the_whole_process_group_of_a_service(
    nats_server: BrokerServer, tmp_path: Path
) -> None:
    child_pid = tmp_path / "child"
    command = ["sh", "-c", f"sleep 60 & echo $! > {child_pid}; echo ready; wait"]
    scenario = Scenario("group").service(command, name="shell", ready={"line": "ready"})
    result = run(scenario, bus=nats_server.url, report_dir=tmp_path)
    assert result.passed, result.error
    assert not alive(int(child_pid.read_text()))


class Witness:
    """An in-process system that keeps what it is shown of the service's rejections."""

    seen: list[str] = []

    def __init__(self, bus: Any) -> None:
        Witness.seen = []
        bus.subscribe("order.rejected", lambda event: Witness.seen.append(event.payload["orderId"]))


def test_in_process_systems_see_inbound_events_after_chaos(
    nats_server: BrokerServer, tmp_path: Path
) -> None:
    result, events = play(ORDERS.orders_nats.system(Witness), nats_server.url, tmp_path)
    assert result.passed, result.error
    delivered = [e["payload"]["orderId"] for e in events
                 if e["topic"] == "order.rejected" and e.get("status") != "dropped"]
    dropped = [e for e in events if e["topic"] == "order.rejected" and e.get("status")]
    assert dropped
    assert Witness.seen == delivered


def test_a_plan_file_starts_its_services_with_allow_services(
    nats_server: BrokerServer, tmp_path: Path
) -> None:
    from scenario_engine.plan.codec import dump_file

    command = script(tmp_path, "hello", """
        print("ready", flush=True)
        import time; time.sleep(60)
    """)
    plan = tmp_path / "plan.toml"
    dump_file(Scenario("from-file").service(command, name="hello", ready={"line": "ready"})
              .build(), plan)
    refused = cli_play(plan, nats_server.url, tmp_path)
    assert refused.exit_code == 2
    allowed = cli_play(plan, nats_server.url, tmp_path, "--allow-services")
    assert allowed.exit_code == 0, allowed.output
    log = run_dir(tmp_path / "reports", "from-file") / "services" / "hello.log"
    assert log.read_text() == "ready\n"


def test_silence_on_a_topic_a_service_says_it_publishes_is_a_verdict(
    nats_server: BrokerServer, tmp_path: Path
) -> None:
    from scenario_engine import Never

    quiet = ORDERS.orders_nats.named("quiet").expect(Never("order.failed"))
    declared = run(quiet, bus=nats_server.url, report_dir=tmp_path, settle=0.5)
    undeclared_plan = quiet.build()
    service = undeclared_plan.services[0]
    assert service.publishes == ()
    told = ORDERS.orders.named("told").service(
        service.command, name="orders", env=dict(service.env),
        ready={"line": service.ready_line}, publishes=("order.accepted", "order.failed"),
    ).expect(Never("order.failed"))
    result = run(told, bus=nats_server.url, report_dir=tmp_path, settle=0.5)
    [never_quiet] = [a for a in declared.assertions if a.label == "Never('order.failed')"]
    [never_told] = [a for a in result.assertions if a.label == "Never('order.failed')"]
    assert never_quiet.stats.get("vacuous")
    assert never_told.passed
    assert not never_told.stats.get("vacuous")
