"""Declared topics: ``.topic()`` in the DSL, the IR and plan files; codec checks; the CLI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from scenario_engine import Scenario
from scenario_engine.errors import PlanError
from scenario_engine.plan.codec import dumps, loads
from scenario_engine.plan.nodes import TopicNode
from scenario_engine.registry import check_components
from scenario_engine.runtime.topics import route_topics

Cli = Callable[..., Result]

ORDERS = (
    Scenario("orders")
    .topic("order.request", codec="faststream", subject="orders:req")
    .topic("order.filled", codec="flat", types={"qty": int, "price": float})
    .topic("audit")
)


def test_topic_stores_codec_subject_and_params_with_type_names() -> None:
    """Python types become their names, so the plan is data."""
    assert ORDERS.build().topics == (
        TopicNode(name="order.request", subject="orders:req", codec="faststream"),
        TopicNode(name="order.filled", codec="flat",
                  params=loads_params({"types": {"qty": "int", "price": "float"}})),
        TopicNode(name="audit"),
    )


def loads_params(params: dict[str, object]) -> object:
    from scenario_engine.plan.values import FrozenMap, freeze

    return FrozenMap(freeze(params))


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_declared_topics_round_trip_through_plan_files(fmt: str) -> None:
    """A compiled plan keeps every declared topic as written."""
    plan = ORDERS.build()
    assert loads(dumps([plan], fmt), fmt) == [plan]  # type: ignore[arg-type]


def test_plan_files_declare_topics_as_tables() -> None:
    """[[plans.topics]] with name, subject, codec and params."""
    (plan,) = loads(
        'format = 1\n[[plans]]\nname = "p"\n[[plans.topics]]\nname = "orders"\n'
        'codec = "flat"\nparams = {types = {qty = "int"}}\n', "toml")
    assert plan.topics[0].codec == "flat"
    assert check_components(plan) == []


def test_bad_codecs_and_parameters_are_located_with_close_matches() -> None:
    """Unknown codec, unknown parameter, unknown type: each at its key path, with a hint."""
    plan = (Scenario("bad").topic("a", codec="jsn").topic("b", codec="flat", types={"q": "integer"})
            .topic("c", codec="json", feild="body")).build()
    assert [str(p) for p in check_components(plan)] == [
        "topics[0].codec: unknown codec 'jsn' (hint: did you mean 'json'?)",
        "topics[1].params.types.q: must be one of int, float, bool, str, json (got 'integer')",
        ("topics[2].params.feild: codec 'json' has no parameter 'feild' "
        "(hint: did you mean 'field'?)"),
    ]


def test_the_ir_refuses_wildcards_twice_declared_topics_and_shared_subjects() -> None:
    """One topic per declaration, each once, each on a subject of its own."""
    with pytest.raises(PlanError) as info:
        (Scenario("bad").topic("order.*").topic("a", subject="s").topic("a")
         .topic("b", subject="s")).build()
    assert [str(p) for p in info.value.problems] == [
        "topics[0].name: must name one topic, no wildcards (got 'order.*')",
        "topics[2].name: topic 'a' is declared twice (hint: merge it with topics[1])",
        ("topics[3].subject: subject 's' already carries topics[1] (hint: one broker-side "
        "name per topic)"),
    ]


def test_a_codec_that_does_not_fit_the_bus_is_a_plan_error_at_run_time() -> None:
    """flat on NATS: refused before anything connects, where the plan declares it."""

    class NatsLike:
        codec_transport = "message"

        def route(self, routes: object) -> None:
            raise AssertionError("not reached")

    with pytest.raises(PlanError, match=r"^topics\[1\]\.codec: codec 'flat' does not work on "
                                        r"NATS \(only on Redis Streams\)"):
        route_topics(ORDERS.build(), NatsLike())


def test_a_bus_without_routes_ignores_declared_topics() -> None:
    """The memory bus has no wire: codecs and subjects do not apply."""
    from scenario_engine.buses.memory import MemoryBus

    assert route_topics(ORDERS.build(), MemoryBus()) == []


def test_check_reports_a_bad_codec_with_the_playbook_and_exits_2(
    cli: Cli, write: Callable[[str, str], Path]
) -> None:
    bad = write("bad_codec.py", (
        "from scenario_engine import Scenario\n"
        "s = Scenario('s').topic('orders', codec='fastream')\n"
    ))
    result = cli("check", str(bad))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        f"error: {bad}:2: scenario 's': topics[0].codec: unknown codec 'fastream' "
        "(hint: did you mean 'faststream'?)")


def test_show_outlines_declared_topics(cli: Cli, write: Callable[[str, str], Path]) -> None:
    path = write("topics.py", (
        "from scenario_engine import Scenario\n"
        "s = (Scenario('s').topic('order.request', codec='json', subject='orders:req', "
        "field='body').topic('audit'))\n"
    ))
    result = cli("show", str(path))
    assert result.exit_code == 0, result.output
    assert ("  topics:\n    order.request: subject 'orders:req'; codec json(field='body')\n"
            "    audit: read from the start\n") in result.stdout


def test_plugins_lists_the_built_in_codecs(cli: Cli) -> None:
    result = cli("plugins", "--kind", "codec")
    assert result.exit_code == 0
    lines = [line.split()[0] for line in result.stdout.splitlines()]
    assert lines[0] == "scenario_engine.codecs"
    assert lines[1:] == ["faststream", "flat", "json", "native"]


def test_an_unknown_codec_in_the_plans_bus_url_is_found_by_check() -> None:
    """The URL's ?codec= is checked like a declared topic's."""
    plan = Scenario("s").bus("redis://127.0.0.1:6379/0?codec=flatt").build()
    assert [str(p) for p in check_components(plan)] == [
        "bus: unknown codec 'flatt' (hint: did you mean 'flat'?)"]


def test_play_with_an_unknown_codec_on_the_bus_url_exits_2(
    cli: Cli, write: Callable[[str, str], Path]
) -> None:
    """Refused before anything connects, naming the URL and the codec meant."""
    path = write("plain.py", "from scenario_engine import Scenario\ns = Scenario('s')\n")
    result = cli("play", str(path), "--bus", "redis://127.0.0.1:1/0?codec=jsn")
    assert result.exit_code == 2, result.output
    assert ("error: --bus: bus URL redis://127.0.0.1:1/0?codec=jsn: unknown codec 'jsn'\n"
            "  hint: did you mean 'json'?") in result.stderr


def test_a_declared_topic_is_a_known_topic_for_the_assertions() -> None:
    """Never over a declared topic nothing published judges a known topic (no vacuous note)."""
    from scenario_engine import Never
    from scenario_engine.testing import run

    declared = run(Scenario("s").topic("order.rejected").expect(Never("order.rejected")))
    undeclared = run(Scenario("s").expect(Never("order.rejected")))
    assert declared.assertions[0].actual == "saw none"
    assert "the plan declares no such topic" in undeclared.assertions[0].actual
