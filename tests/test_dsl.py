"""The fluent builders and spec classes: persistent builders, validated specs, DSL reprs."""

from __future__ import annotations

import doctest
from collections.abc import Callable
from typing import Any

import pytest

import scenario_engine.dsl.scenario
from scenario_engine import (
    ChaosPlaybook,
    Count,
    Custom,
    Delay,
    Drop,
    Modify,
    Never,
    Scenario,
    Sequence,
    Within,
)
from scenario_engine.dsl.spec import SpecError
from scenario_engine.errors import PlanError


def step(ctx: Any) -> None:
    """A module-level step."""


BOOK = ChaosPlaybook("flaky").chaos(Drop("*", probability=0.1))
OTHER = Scenario("other").phase("extra", cycles=1).expect(Never("x"))

#: every builder method, called with valid arguments
CALLS: list[tuple[str, Callable[[Scenario], Scenario]]] = [
    ("seed", lambda s: s.seed(9)),
    ("bus", lambda s: s.bus("memory://")),
    ("clock", lambda s: s.clock("wall", speed=2)),
    ("timeout", lambda s: s.timeout("5m")),
    ("vars", lambda s: s.vars(user="alice")),
    ("tags", lambda s: s.tags("smoke")),
    ("description", lambda s: s.description("why")),
    ("system", lambda s: s.system("pkg.mod:Echo", size=3)),
    ("generator", lambda s: s.generator("counter", topic="tick", every="1s")),
    ("relay", lambda s: s.relay("in", "out")),
    ("phase", lambda s: s.phase("hot", cycles=2, profile="trend", rate=0.1)),
    ("publish", lambda s: s.publish("order", {"id": 1}, repeat=2, interval="10ms")),
    ("wait_for", lambda s: s.wait_for("done", timeout="2s", where={"ok": True})),
    ("do", lambda s: s.do(step)),
    ("check", lambda s: s.check(Count("tick", min=1))),
    ("generate", lambda s: s.generate(2)),
    ("chaos", lambda s: s.chaos(Delay("tick", ms=5))),
    ("include", lambda s: s.include(BOOK, during="calm")),
    ("include a scenario", lambda s: s.include(OTHER)),
    ("expect", lambda s: s.expect(Count("tick", min=1))),
]


@pytest.mark.parametrize(("method", "call"), CALLS, ids=[name for name, _ in CALLS])
def test_every_builder_method_returns_a_new_builder_and_leaves_the_old_one_alone(
    method: str, call: Callable[[Scenario], Scenario]
) -> None:
    base = Scenario("base", seed=1).phase("calm", cycles=3)
    before = base.build()
    derived = call(base)
    assert derived is not base
    assert base.build() == before
    assert derived.build() != before


def test_a_base_scenario_specialises_many_ways() -> None:
    base = Scenario("base").generator("counter", topic="tick").phase("calm", cycles=3)
    short = base.phase("end", cycles=1)
    long = base.phase("end", cycles=100)
    assert [s.name for s in base.build().steps] == ["calm"]  # type: ignore[union-attr]
    assert short.build().steps[-1] != long.build().steps[-1]


def test_a_chaos_playbook_is_persistent_too() -> None:
    book = ChaosPlaybook("b")
    more = book.chaos(Drop("*"))
    assert book.chaos_nodes == ()
    assert len(more.chaos_nodes) == 1


def test_include_marks_chaos_with_its_playbook_and_phase() -> None:
    plan = Scenario("s").phase("calm", cycles=1).include(BOOK, during="calm").build()
    assert (plan.chaos[0].origin, plan.chaos[0].during) == ("flaky", "calm")


def test_a_spec_and_a_registry_name_compile_to_the_same_node() -> None:
    by_spec = Scenario("s").expect(Count("PriceUpdate", min=35)).build()
    by_name = Scenario("s").expect("count", topic="PriceUpdate", min=35).build()
    assert by_spec == by_name


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        (Delay("PriceUpdate", ms=5000, at_cycle=15), "Delay('PriceUpdate', ms=5000, at_cycle=15)"),
        (Drop("*", probability=0.01), "Drop('*', probability=0.01)"),
        (Count("PriceUpdate", min=35), "Count('PriceUpdate', min=35)"),
        (Sequence("OrderPlaced", "OrderFilled", by="orderId"),
         "Sequence('OrderPlaced', 'OrderFilled', by='orderId')"),
        (Within("A", "B", ms=200), "Within('A', 'B', ms=200)"),
        (Custom(step), "Custom(step)"),
    ],
)
def test_a_spec_reads_back_as_the_dsl_call_that_made_it(spec: Any, text: str) -> None:
    assert repr(spec) == text


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Delay("x", ms=-5), "Delay(ms=...): ms must be >= 0 (got -5)"),
        (lambda: Drop("x", probability=2), ("Drop(probability=...): probability must be in [0, 1] "
                                           "(got 2)")),
        (lambda: Count("x", min=5, max=1),
         "Count('x', min=5, max=1): min must be <= max (got min=5, max=1)"),
        (lambda: Count("x"), "Count('x'): give min=, max= or exact= (hint: Count('x', min=1))"),
        (lambda: Sequence("only"), ("Sequence(...): needs at least two topics (got ('only',)) "
                                   "(hint: Sequence('OrderPlaced', 'OrderFilled'))")),
        (lambda: Modify("x"), ("Modify(...): give value=, transform= or delete=True "
                              "(hint: value=0.0)")),
        (lambda: Scenario("s").phase("p"), ("Scenario('s').phase('p'): give cycles= or duration=, "
                                           "not both or neither (hint: phase('calm', cycles=10))")),
        (lambda: Scenario("s").phase("p", cycles=0),
         "Scenario('s').phase('p'): cycles must be an integer >= 1 (got 0)"),
        (lambda: Scenario("s").bus("localhost"),
         "Scenario('s').bus(...): expected a bus URL (got 'localhost') (hint: 'memory://')"),
        (lambda: Scenario(""), "Scenario(...): name must be a non-empty string (got '')"),
    ],
)
def test_a_bad_argument_is_refused_where_it_is_given(
    make: Callable[[], Any], message: str
) -> None:
    with pytest.raises(SpecError) as err:
        make()
    assert str(err.value) == message


def test_build_reports_every_problem_of_the_plan_at_once() -> None:
    scenario = (
        Scenario("s")
        .phase("a", cycles=1)
        .phase("a", cycles=2)
        .chaos(Drop("*"), during="b")
    )
    with pytest.raises(PlanError) as err:
        scenario.build()
    assert str(err.value) == (
        "2 problems:\n"
        "  - steps[1].name: phase 'a' is already defined at steps[0] "
        "(hint: give each phase its own name)\n"
        "  - chaos[0].during: no phase named 'b' (phases: 'a')"
    )


def test_the_builders_docstring_examples_run() -> None:
    result = doctest.testmod(scenario_engine.dsl.scenario, raise_on_error=False)
    assert result.attempted > 0
    assert result.failed == 0
