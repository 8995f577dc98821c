"""Services, relays and chaos checks in the DSL, the plan files and the commands.

(Running real services is tests/integration/test_services.py.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scenario_engine import Count, Delay, Drop, Scenario
from scenario_engine.cli import main
from scenario_engine.dsl.spec import SpecError
from scenario_engine.errors import PlanError
from scenario_engine.plan.codec import dumps, loads
from scenario_engine.plan.topics import known_topics, unmatched_chaos
from scenario_engine.report.rundir import latest
from scenario_engine.runtime.services import service_environment
from scenario_engine.testing import run

ORDERS = (
    Scenario("orders")
    .bus("nats://127.0.0.1:4222")
    .service("faststream run orders:app", name="orders", cwd="services",
             env={"NATS_URL": "{{broker_url}}"}, ready={"line": "started successfully"},
             ready_timeout="20s", grace="2s", publishes=["order.accepted", "order.filled"])
    .publish("order.request", {"orderId": "o-{{index}}"}, repeat=3)
)


def run_dir(base: Path, scenario: str) -> Path:
    """The newest run folder of ``scenario`` under the report directory ``base``."""
    found = latest(base / scenario)
    assert found is not None, f"no run of {scenario!r} under {base}"
    return found


def problem(call: object) -> str:
    with pytest.raises(SpecError) as info:
        call()  # type: ignore[operator]
    return str(info.value)


def test_a_service_round_trips_through_a_plan_file() -> None:
    plan = ORDERS.build()
    text = dumps(plan)
    assert (
        "[[plans.services]]\n"
        'command = "faststream run orders:app"\n'
        'name = "orders"\n'
        'cwd = "services"\n'
        'ready_line = "started successfully"\n'
        'ready_timeout = "20s"\n'
        'grace = "2s"\n'
        'publishes = [\n    "order.accepted",\n    "order.filled",\n]\n'
        "\n"
        "[plans.services.env]\n"
        'NATS_URL = "{{broker_url}}"\n'
    ) in text
    assert loads(text, "toml") == [plan]


def test_a_command_may_be_a_list_of_arguments_quoted_as_a_shell_would() -> None:
    plan = Scenario("s").service(["python", "my service.py", "--port", "80"], ready=80).build()
    assert plan.services[0].command == "python 'my service.py' --port 80"
    assert plan.services[0].ready_port == 80


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"ready": {"lines": "x"}},
         ("Scenario('s').service(...): ready must name one of line, topic, port (got {'lines': "
         "'x'}) (hint: ready={'line': r'Application started'}, ready={'topic': 'orders.ready'} "
         "or ready=8080)")),
        ({"ready": 70000},
         "Scenario('s').service(...): ready_port: must be a TCP port, 1 to 65535 (got 70000)"),
        ({"ready": {"line": "(started"}},
         ("Scenario('s').service(...): ready_line: not a regular expression: missing ), "
         "unterminated subpattern at position 0 (got '(started')")),
        ({"env": {"PORT": 80}},
         ("Scenario('s').service(...): env.PORT: environment values must be strings (got 80) "
         "(hint: write '80')")),
        ({"grace": "soon"},
         ("Scenario('s').service(...): grace: expected a duration such as '500ms', '5s', '2m' "
         "or '1h' (got 'soon')")),
    ],
)
def test_bad_service_arguments_are_located_and_quoted(options: dict, message: str) -> None:
    text = problem(lambda: Scenario("s").service("python svc.py", **options))
    assert text.startswith(message)


def test_an_empty_command_or_unbalanced_quotes_are_refused() -> None:
    assert problem(lambda: Scenario("s").service("  ")) == (
        "Scenario('s').service(...): command must be a command line or a list of arguments "
        "(got '  ') (hint: 'faststream run orders:app')"
    )
    assert problem(lambda: Scenario("s").service("python 'svc.py")) == (
        "Scenario('s').service(...): command: cannot split \"python 'svc.py\": No closing "
        "quotation (hint: write it as you would in a shell: 'faststream run orders:app')"
    )


def test_two_services_of_one_name_are_refused_in_a_plan_file() -> None:
    data = json.loads(dumps(Scenario("s").service("python a.py", name="svc").build(), "json"))
    data["plans"][0]["services"].append({"command": "python b.py", "name": "svc"})
    with pytest.raises(PlanError) as info:
        loads(json.dumps(data), "json", source="plan.toml")
    assert str(info.value.problems[0]) == (
        "plan.toml:plans[0].services[1].name: service 'svc' is already defined at services[0] "
        "(hint: give each service its own name=, it names its output file)"
    )


def test_relay_takes_its_target_as_into() -> None:
    plan = Scenario("s").relay("order.filled", into="ledger.fill").build()
    assert (plan.relays[0].source, plan.relays[0].target) == ("order.filled", "ledger.fill")
    assert Scenario("s").relay("a", "b").build().relays[0].target == "b"
    assert problem(lambda: Scenario("s").relay("a")) == (
        "Scenario('s').relay('a'): into must name a topic (got None) "
        "(hint: .relay('order.filled', into='ledger.order.filled'))"
    )


def test_show_prints_a_service_in_full(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(dumps(ORDERS.build()))
    result = CliRunner().invoke(main, ["show", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        "  services (programs the run starts):\n"
        "    service('faststream run orders:app', name='orders', cwd='services', "
        "env={'NATS_URL': '{{broker_url}}'}, ready={'line': 'started successfully'}, "
        "publishes=('order.accepted', 'order.filled'))\n"
    ) in result.output


def test_a_plan_file_starts_no_program_unless_allowed(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(dumps(ORDERS.build()))
    result = CliRunner().invoke(main, ["play", str(path), "--report-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output == (
        f"error: {path}: plans[0].services[0]: this plan file would start the program "
        "'faststream run orders:app'; a plan file is data and starts no program on its own "
        f"(hint: check it with `scenario show {path}`, then pass --allow-services to start "
        "it)\n"
    )


def test_a_service_needs_a_bus_it_can_reach() -> None:
    with pytest.raises(PlanError) as info:
        run(Scenario("s").service("python svc.py"))
    assert str(info.value.problems[0]) == (
        "services[0]: a service runs in a process of its own and needs a bus it can reach; "
        "this run is on memory:// (hint: run on redis:// or nats:// (.bus(...) or --bus URL))"
    )


def test_the_dry_run_starts_no_service(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(dumps(ORDERS.build()))
    result = CliRunner().invoke(main, ["play", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "order.request {'orderId': 'o-2'}" in result.output  # it ran, with no service


def test_the_service_is_told_the_bus_and_the_names_on_the_broker() -> None:
    assert service_environment("redis://u:p@127.0.0.1:6390/2?prefix=t1.&group=g") == {
        "SCENARIO_BUS_URL": "redis://u:p@127.0.0.1:6390/2?prefix=t1.&group=g",
        "SCENARIO_BROKER_URL": "redis://u:p@127.0.0.1:6390/2",
        "SCENARIO_PREFIX": "t1.",
        "SCENARIO_STREAM": "",
    }
    assert service_environment("nats://127.0.0.1:4222?stream=ORDERS")["SCENARIO_STREAM"] == (
        "ORDERS")


# --------------------------------------------------------------------------- unmatched chaos


def test_chaos_that_matched_nothing_is_listed_in_the_summary_and_the_report(
    tmp_path: Path,
) -> None:
    path = tmp_path / "typo.py"
    path.write_text(
        "from scenario_engine import Delay, Drop, Scenario\n"
        "s = (Scenario('typo').publish('order.request', {'orderId': 'o-{{index}}'}, repeat=3)\n"
        "     .chaos(Delay('order.filld', ms=30))\n"
        "     .chaos(Drop('order.request', where={'orderId': 'o-9'})))\n"
    )
    result = CliRunner().invoke(main, ["play", str(path), "--report-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (
        "  chaos: no action fired\n"
        "  chaos never matched: Delay('order.filld', ms=30) (expected topics order.filld; no "
        "event on them came through chaos)\n"
        "  chaos never matched: Drop('order.request', where={'orderId': 'o-9'}) (expected topics "
        "order.request; events on order.request came through, but none met its triggers)\n"
    ) in result.output
    report = (run_dir(tmp_path, "typo") / "report.json").read_text()
    assert report.count('"never_matched": true') == 2


def test_chaos_that_fired_is_not_listed_as_never_matched() -> None:
    result = run(Scenario("s").publish("a", 1, repeat=3).chaos(Drop("a", every=2)))
    assert [(c.applied, c.never_matched) for c in result.chaos] == [(1, False)]


def test_check_warns_of_chaos_on_a_topic_the_plan_does_not_know(tmp_path: Path) -> None:
    path = tmp_path / "typo.py"
    path.write_text(
        "from scenario_engine import Count, Delay, Scenario\n"
        "s = (Scenario('typo').publish('order.request', {})\n"
        "     .chaos(Delay('order.filld', ms=30))\n"
        "     .expect(Count('order.filled', min=0)))\n"
    )
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0
    assert result.output == (
        f"warning: {path}: scenario 'typo': chaos[0]: Delay('order.filld', ms=30) matches no "
        "topic the plan publishes, declares or subscribes (it knows: order.request, "
        "order.filled) (hint: did you mean 'order.filled'?)\n"
        f"ok: {path} (1 scenario)\n"
    )


def test_the_topics_a_plan_knows_come_from_every_place_that_names_one() -> None:
    from scenario_engine import Inject, Within

    plan = (
        Scenario("s")
        .generator("counter", topic="tick")
        .publish("order.request", {})
        .wait_for("order.accepted")
        .relay("order.filled", into="ledger.fill")
        .service("svc", ready={"topic": "svc.ready"})
        .chaos(Inject("order.accepted", event="order.failed", after="tick"))
        .expect(Within("order.request", "order.done", ms=5))
        .build()
    )
    assert known_topics(plan) == [
        "tick", "order.request", "order.accepted", "order.filled", "ledger.fill", "svc.ready",
        "order.done", "order.failed",
    ]
    assert unmatched_chaos(plan) == []


def test_a_glob_on_either_side_counts_as_a_match() -> None:
    plan = (Scenario("s").publish("order.request", {}).chaos(Delay("order.*", ms=1))
            .expect(Count("fills.*", min=0)).chaos(Drop("fills.eu")).build())
    assert unmatched_chaos(plan) == []
