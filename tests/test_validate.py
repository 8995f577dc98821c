"""Whole-plan validation: every structural problem at once, each with its key path."""

from __future__ import annotations

from scenario_engine.plan.nodes import (
    ChaosNode,
    CheckStep,
    DoStep,
    GenerateStep,
    GeneratorNode,
    PhaseStep,
    Plan,
    PublishStep,
    Ref,
    RelayNode,
    SystemNode,
    Triggers,
    WaitForStep,
)
from scenario_engine.plan.validate import validate
from scenario_engine.plan.values import CallableRef


def messages(plan: Plan) -> list[str]:
    return [str(p) for p in validate(plan)]


def test_a_plan_the_builders_make_has_no_problem() -> None:
    plan = Plan(name="ok", steps=(PhaseStep(name="calm", cycles=1),))
    assert validate(plan) == []


def test_reports_duplicate_phase_names_with_the_first_one() -> None:
    plan = Plan(name="p", steps=(PhaseStep(name="a", cycles=1), PhaseStep(name="a", cycles=2)))
    assert messages(plan) == [
        ("steps[1].name: phase 'a' is already defined at steps[0] "
        "(hint: give each phase its own name)")
    ]


def test_chaos_during_an_unknown_phase_suggests_the_close_one() -> None:
    plan = Plan(
        name="p",
        steps=(PhaseStep(name="crash", cycles=1),),
        chaos=(ChaosNode(action=Ref(kind="chaos", name="drop"), during="crsh"),),
    )
    assert messages(plan) == [
        "chaos[0].during: no phase named 'crsh' (phases: 'crash') (hint: did you mean 'crash'?)"
    ]


def test_chaos_during_with_no_phase_at_all_says_none() -> None:
    plan = Plan(name="p", chaos=(ChaosNode(action=Ref(kind="chaos", name="drop"), during="x"),))
    assert messages(plan) == ["chaos[0].during: no phase named 'x' (phases: none)"]


def test_a_phase_gives_cycles_or_duration_not_both() -> None:
    plan = Plan(name="p", steps=(PhaseStep(name="a", cycles=1, duration=2.0),))
    assert messages(plan) == ["steps[0]: give cycles or duration, not both or neither"]


def test_a_component_in_the_wrong_position_is_reported_by_kind() -> None:
    plan = Plan(
        name="p",
        generators=(GeneratorNode(ref=Ref(kind="profile", name="x"), topic="t"),),
        steps=(PhaseStep(name="a", cycles=1, profile=Ref(kind="profile", name="")),),
        expectations=(Ref(kind="chaos", name="drop"),),
    )
    assert messages(plan) == [
        "generators[0].ref.kind: must be 'generator' here (got 'profile')",
        "steps[0].profile.name: must name a profile (got '')",
        "expectations[0].kind: must be 'assertion' here (got 'chaos')",
    ]


def test_reports_every_problem_of_a_plan_at_once() -> None:
    plan = Plan(
        name="",
        clock="sundial",
        speed=0,
        systems=(SystemNode(target=CallableRef("no_colon")),),
        generators=(GeneratorNode(ref=Ref(kind="generator", name="g"), topic="", every=0),),
        relays=(RelayNode(source="", target="b"),),
        steps=(
            PublishStep(topic="", repeat=0, interval=-1.0),
            WaitForStep(topic="t", timeout=0),
            DoStep(fn=CallableRef("nocolon")),
            CheckStep(name="c"),
            GenerateStep(count=0),
        ),
        chaos=(
            ChaosNode(
                action=Ref(kind="chaos", name="drop"),
                triggers=Triggers(probability=2.0, at_cycle=(5, 1), every=0, after=""),
            ),
        ),
    )
    assert messages(plan) == [
        "name: must not be empty",
        "clock: must be 'virtual' or 'wall' (got 'sundial')",
        "speed: must be > 0 and <= 1e+06 (got 0)",
        ("systems[0].target: must be 'module:qualname' (got 'no_colon') "
        "(hint: 'mypkg.systems:Echo')"),
        "generators[0].every: must be > 0 (got 0)",
        "generators[0].topic: must not be empty",
        "relays[0].source: must name a topic (got '')",
        "steps[0].topic: must not be empty",
        "steps[0].repeat: must be >= 1 and <= 1,000,000 (got 0)",
        "steps[0].interval: must be >= 0 (got -1.0)",
        "steps[1].timeout: must be > 0 (got 0)",
        "steps[2].fn: must be 'module:qualname' (got 'nocolon') (hint: 'mypkg.systems:Echo')",
        "steps[3].assertions: must list at least one assertion",
        "steps[4].count: must be >= 1 and <= 1,000,000 (got 0)",
        "chaos[0].triggers.probability: must be in [0, 1] (got 2.0)",
        "chaos[0].triggers.at_cycle: must satisfy 0 <= first <= last (got [5, 1])",
        "chaos[0].triggers.every: must be >= 1 (got 0)",
        "chaos[0].triggers.after: must name a topic (got '')",
    ]
