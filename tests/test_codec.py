"""The plan codec: round trips for every plan the builders can make, and located errors."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenario_engine import (
    Always,
    ChaosPlaybook,
    Count,
    Custom,
    Delay,
    Drop,
    Duplicate,
    Inject,
    Modify,
    Never,
    Outage,
    Reorder,
    Scenario,
    Sequence,
    Within,
)
from scenario_engine.errors import PlanError, UsageError
from scenario_engine.plan import codec
from scenario_engine.plan.nodes import Plan

# --------------------------------------------------------------------------- module-level callables


def on_tick(ctx: Any) -> None:
    """A step a plan can refer to by ``module:qualname``."""


def double(value: Any) -> Any:
    return value * 2


def all_fine(events: list[Any]) -> bool:
    return True


def is_big(event: Any) -> bool:
    return True


# --------------------------------------------------------------------------- strategies

NAME = st.text(string.ascii_letters + string.digits + "_-.", min_size=1, max_size=10)
#: keyword arguments of the builder methods themselves, not free for component parameters
_RESERVED = {"topic", "every", "key", "cycles", "duration", "profile", "during", "topics",
             "probability", "at_cycle", "between", "after", "where", "max_times", "name"}
IDENT = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True).filter(lambda n: n not in _RESERVED)
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
DURATION = st.one_of(
    st.integers(0, 10**6),
    st.floats(0, 1e6, allow_nan=False, allow_infinity=False),
    st.sampled_from(["500ms", "5s", "2m", "1h", "0.25s", "10us", "1.5m"]),
)
POSITIVE = DURATION.filter(lambda d: d not in (0, 0.0, "0s"))
#: generator periods and phase lengths within the bounds (at most 10 million events a phase)
EVERY = st.one_of(st.integers(1, 10**4), st.floats(1e-3, 1e4),
                  st.sampled_from(["500ms", "5s", "2m", "1h", "0.25s", "1.5m"]))
SPAN = st.one_of(st.integers(1, 10**3), st.floats(1e-3, 1e3), st.sampled_from(["500ms", "5s"]))


def values(toml: bool) -> st.SearchStrategy[Any]:
    """Free-form values a payload or a parameter can hold (no null in TOML)."""
    scalars = st.one_of(
        st.booleans(),
        st.integers(-(2**63), 2**63 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
        TEXT,
        *([] if toml else [st.none()]),
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3)
        | st.dictionaries(TEXT, inner, max_size=3).filter(lambda d: set(d) != {"callable"}),
        max_leaves=6,
    )


def params(toml: bool) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(IDENT, values(toml), max_size=3)


INT64 = st.integers(-(2**63), 2**63 - 1)
WHERE = st.one_of(
    st.dictionaries(IDENT, INT64 | TEXT, min_size=1, max_size=2),
    st.dictionaries(IDENT, st.fixed_dictionaries({"gt": INT64}), min_size=1, max_size=2),
    st.just(is_big),
)


@st.composite
def triggers(draw: st.DrawFn) -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    if draw(st.booleans()):
        chosen["probability"] = draw(st.floats(0, 1))
    if draw(st.booleans()):
        first = draw(st.integers(0, 50))
        last = first + draw(st.integers(0, 9))
        chosen["at_cycle"] = draw(st.sampled_from([first, (first, last)]))
    if draw(st.booleans()):
        start, end = sorted(draw(st.lists(st.integers(0, 100), min_size=2, max_size=2)))
        chosen["between"] = (f"{start}s", end)
    if draw(st.booleans()):
        chosen["after"] = draw(NAME)
    if draw(st.booleans()):
        chosen["every"] = draw(st.integers(1, 10))
    if draw(st.booleans()):
        chosen["where"] = draw(WHERE)
    if draw(st.booleans()):
        chosen["max_times"] = draw(st.integers(1, 10))
    return chosen


@st.composite
def chaos_specs(draw: st.DrawFn, toml: bool) -> Any:
    topics = draw(st.one_of(NAME, st.lists(NAME, min_size=1, max_size=3)))
    common = draw(triggers())
    kind = draw(st.sampled_from(["delay", "drop", "duplicate", "reorder", "modify", "inject",
                                 "outage", "by-name"]))
    if kind == "delay":
        return Delay(topics, ms=draw(st.integers(0, 10**5)), jitter_ms=draw(st.integers(0, 99)),
                     **common)
    if kind == "drop":
        return Drop(topics, **common)
    if kind == "duplicate":
        return Duplicate(topics, copies=draw(st.integers(1, 5)), **common)
    if kind == "reorder":
        return Reorder(topics, window=draw(st.integers(2, 9)), **common)
    if kind == "modify":
        change = draw(st.sampled_from(["value", "transform", "delete"]))
        if change == "value":
            return Modify(topics, path="price", value=draw(values(toml).filter(
                lambda v: v is not None)), **common)
        if change == "transform":
            return Modify(topics, path="price", transform=double, **common)
        return Modify(topics, path="price", delete=True, **common)
    if kind == "inject":
        return Inject(topics, event=draw(NAME), payload=draw(values(toml)), **common)
    if kind == "outage":
        return Outage(topics, duration=draw(DURATION), buffer=draw(st.booleans()), **common)
    return ("net." + draw(IDENT), {**draw(params(toml)), **common, "topics": topics})


@st.composite
def assertion_specs(draw: st.DrawFn, toml: bool) -> Any:
    kind = draw(st.sampled_from(["count", "sequence", "never", "within", "always", "custom",
                                 "by-name"]))
    topic = draw(NAME)
    if kind == "count":
        low = draw(st.integers(0, 99))
        bounds = draw(st.sampled_from([{"min": low}, {"max": low}, {"exact": low},
                                       {"min": low, "max": low + 5}]))
        return Count(topic, **bounds)
    if kind == "sequence":
        topics = draw(st.lists(NAME, min_size=2, max_size=4))
        return Sequence(*topics, by=draw(st.none() | IDENT), gaps=draw(st.booleans()))
    if kind == "never":
        return Never(topic, where=draw(st.none() | WHERE))
    if kind == "within":
        return Within(topic, draw(NAME), ms=draw(st.integers(0, 10**4)), by=draw(st.none() | IDENT))
    if kind == "always":
        return Always(topic, draw(WHERE))
    if kind == "custom":
        return Custom(all_fine, name=draw(st.none() | IDENT), topics=draw(NAME))
    return ("check." + draw(IDENT), draw(params(toml)))


@st.composite
def scenarios(draw: st.DrawFn, toml: bool = True) -> Scenario:
    """A scenario made by a random sequence of builder calls."""
    s = Scenario(draw(NAME), seed=draw(st.integers(-(2**63), 2**63 - 1)))
    phases: list[str] = []
    operations = draw(st.lists(st.integers(0, 21), max_size=14))
    for op in operations:
        if op == 0:
            s = s.bus(draw(st.sampled_from(["memory://", "redis://localhost:6379/0"])))
        elif op == 1:
            s = s.clock(draw(st.sampled_from(["virtual", "wall"])),
                        speed=draw(st.floats(0.01, 100)))
        elif op == 2:
            s = s.timeout(draw(POSITIVE))
        elif op == 3:
            s = s.vars(**draw(params(toml)))
        elif op == 4:
            s = s.tags(*draw(st.lists(NAME, max_size=3))).description(draw(TEXT))
        elif op == 5:
            s = s.system(draw(st.sampled_from(["pkg.systems:Echo", on_tick])),
                         **draw(params(toml)))
        elif op == 6:
            s = s.generator(draw(st.sampled_from(["counter", "trading.market"])),
                            topic=draw(NAME), every=draw(EVERY),
                            key=draw(st.none() | IDENT), **draw(params(toml)))
        elif op in (7, 8):
            name = draw(NAME.filter(lambda n: n not in phases))
            phases.append(name)
            length = ({"cycles": draw(st.integers(1, 100))} if draw(st.booleans())
                      else {"duration": draw(SPAN)})
            profile = draw(st.none() | st.sampled_from(["steady", "trading.flash_crash"]))
            extra = draw(params(toml)) if profile else {}
            s = s.phase(name, profile=profile, **length, **extra)
        elif op == 9:
            s = s.publish(draw(NAME), draw(values(toml)), repeat=draw(st.integers(1, 9)),
                          interval=draw(DURATION), delay=draw(DURATION),
                          key=draw(st.none() | IDENT),
                          headers=draw(st.dictionaries(IDENT, TEXT, max_size=2)))
        elif op == 10:
            s = s.wait_for(draw(NAME), timeout=draw(POSITIVE), where=draw(st.none() | WHERE))
        elif op == 11:
            s = s.do(on_tick, name=draw(st.none() | IDENT))
        elif op == 12:
            found = draw(st.lists(assertion_specs(toml), min_size=1, max_size=2))
            s = s.check(*[a for a in found if not isinstance(a, tuple)] or [Count("x", min=1)])
        elif op == 13:
            s = s.generate(draw(st.integers(1, 9)))
        elif op == 14:
            spec = draw(chaos_specs(toml))
            during = {"during": draw(st.sampled_from(phases))} if phases and draw(
                st.booleans()) else {}
            if isinstance(spec, tuple):
                s = s.chaos(spec[0], **spec[1], **during)
            else:
                s = s.chaos(spec, **during)
        elif op == 15:
            book = ChaosPlaybook(draw(NAME))
            for spec in draw(st.lists(chaos_specs(toml), max_size=2)):
                book = book.chaos(*spec[:1], **spec[1]) if isinstance(spec, tuple) else (
                    book.chaos(spec))
            s = s.include(book, during=draw(st.sampled_from(phases)) if phases else None)
        elif op == 16:
            spec = draw(assertion_specs(toml))
            s = s.expect(spec[0], **spec[1]) if isinstance(spec, tuple) else s.expect(spec)
        elif op == 17:
            s = s.relay(draw(NAME), draw(NAME))
        elif op == 19:  # lifecycle hooks
            hook = draw(st.sampled_from(["setup", "teardown", "rollback"]))
            timeout = draw(st.none() | POSITIVE)
            if hook == "rollback":
                when = draw(st.sampled_from(["failure", "always", "never", "deviated"]))
                s = s.rollback(on_tick, when=when, timeout=timeout)
            else:
                s = getattr(s, hook)(draw(st.sampled_from(["pkg.hooks:go", on_tick])),
                                     name=draw(st.none() | IDENT), timeout=timeout)
        elif op == 20:  # preconditions and snapshots
            found = [a for a in draw(st.lists(assertion_specs(toml), min_size=1, max_size=2))
                     if not isinstance(a, tuple)] or [Count("x", min=1)]
            s = s.require(*found, warmup=draw(st.none() | POSITIVE))
            taken = {snap.name for snap in s._plan.lifecycle.snapshots}
            s = s.snapshot(draw(IDENT.filter(lambda n, taken=taken: n not in taken)), on_tick,
                           every_phase=draw(st.booleans()))
        elif op == 21 and phases:  # assertions over windows
            spec = draw(assertion_specs(toml))
            if isinstance(spec, tuple):
                continue
            of = draw(st.sampled_from(phases))
            if draw(st.booleans()):
                s = s.steady_state(spec, of=of)
            else:
                window = draw(st.sampled_from(["before", "during", "after"]))
                s = s.expect(spec, **{window: of})
        elif op == 18:
            s = s.replay(draw(NAME) + ".jsonl", topics=draw(st.lists(NAME, min_size=1, max_size=2)),
                         sources=draw(st.lists(IDENT, max_size=2)),
                         speed=draw(st.floats(0.01, 100, allow_nan=False)))
    return s


ROUND_TRIP = settings(max_examples=150, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# --------------------------------------------------------------------------- round trips


@ROUND_TRIP
@given(scenarios(toml=True))
def test_every_buildable_plan_survives_a_toml_round_trip(scenario: Scenario) -> None:
    plan = scenario.build()
    text = codec.dumps(plan, "toml")
    assert codec.loads(text, "toml") == [plan]
    assert codec.dumps(codec.loads(text, "toml"), "toml") == text  # no type drift (True vs 1)


@ROUND_TRIP
@given(scenarios(toml=False))
def test_every_buildable_plan_survives_a_json_round_trip(scenario: Scenario) -> None:
    plan = scenario.build()
    text = codec.dumps(plan, "json")
    assert codec.loads(text, "json") == [plan]
    assert codec.dumps(codec.loads(text, "json"), "json") == text


@ROUND_TRIP
@given(scenarios(toml=False))
def test_a_plan_survives_a_plain_dict_round_trip(scenario: Scenario) -> None:
    plan = scenario.build()
    assert codec.from_dict(codec.to_dict(plan)) == plan


def test_several_plans_share_one_file(tmp_path: Path) -> None:
    plans = [Scenario("a").phase("p", cycles=1).build(), Scenario("b", seed=2).build()]
    for suffix in ("toml", "json"):
        path = tmp_path / f"plans.{suffix}"
        codec.dump_file(plans, path)
        assert codec.load_file(path) == plans


# --------------------------------------------------------------------------- readable dumps


def test_a_dump_omits_defaults_and_reads_like_the_playbook() -> None:
    plan = (
        Scenario("flash", seed=42)
        .generator("counter", topic="tick", every="500ms")
        .phase("calm", cycles=10, profile="steady")
        .chaos(Delay("tick", ms=5000, at_cycle=15))
        .expect(Count("tick", min=3))
        .build()
    )
    assert codec.dumps(plan) == (
        "format = 1\n"
        "\n"
        "[[plans]]\n"
        'name = "flash"\n'
        "seed = 42\n"
        "generators = [\n"
        '    { ref = { name = "counter" }, topic = "tick", every = "500ms" },\n'
        "]\n"
        "steps = [\n"
        '    { type = "phase", name = "calm", cycles = 10, profile = { name = "steady" } },\n'
        "]\n"
        "expectations = [\n"
        '    { name = "count", params = { topic = "tick", min = 3 } },\n'
        "]\n"
        "\n"
        "[[plans.chaos]]\n"
        "\n"
        "[plans.chaos.action]\n"
        'name = "delay"\n'
        "\n"
        "[plans.chaos.action.params]\n"
        "ms = 5000\n"
        "\n"
        "[plans.chaos.triggers]\n"
        "topics = [\n"
        '    "tick",\n'
        "]\n"
        "at_cycle = 15\n"
    )


def test_to_dict_tags_steps_and_stores_callables_by_name() -> None:
    plan = Scenario("s").phase("p", duration=1.5).do(on_tick).generate(2).build()
    assert codec.to_dict(plan) == {
        "name": "s",
        "steps": [
            {"type": "phase", "name": "p", "duration": "1.5s"},
            {"type": "do", "fn": {"callable": "test_codec:on_tick"}, "name": "on_tick"},
            {"type": "generate", "count": 2},
        ],
    }


def test_a_duration_that_has_no_exact_unit_form_is_dumped_as_seconds() -> None:
    plan = Scenario("s").phase("p", duration=0.1234567891).build()
    assert codec.to_dict(plan)["steps"][0]["duration"] == 0.1234567891


def test_durations_load_from_numbers_or_strings_with_units() -> None:
    plan = codec.from_dict(
        {"name": "s", "timeout": 90, "steps": [{"type": "wait_for", "topic": "x",
                                                 "timeout": "250ms"}]}
    )
    assert plan.timeout == 90.0
    assert plan.steps[0].timeout == 0.25  # type: ignore[union-attr]


def test_a_callable_target_may_be_written_as_a_bare_string() -> None:
    plan = codec.from_dict({"name": "s", "systems": [{"target": "pkg.mod:Echo"}]})
    assert plan.systems[0].target.target == "pkg.mod:Echo"


# --------------------------------------------------------------------------- what cannot be dumped


def test_a_lambda_is_refused_with_its_key_path_and_where_it_is_defined() -> None:
    plan = Scenario("s").phase("p", cycles=1).do(lambda ctx: None, name="noop").build()
    with pytest.raises(PlanError) as err:
        codec.dumps(plan)
    line = test_a_lambda_is_refused_with_its_key_path_and_where_it_is_defined.__code__
    assert str(err.value) == (
        f"scenario 's': steps[1].fn: a lambda defined at test_codec.py:{line.co_firstlineno + 1} "
        "(test_codec:test_a_lambda_is_refused_with_its_key_path_and_where_it_is_defined"
        ".<locals>.<lambda>) cannot be stored in a plan file: it is not importable by "
        "'module:qualname' (hint: define it at module level (a plain def in an importable "
        "module) and pass that function)"
    )


def test_a_closure_is_refused_with_its_key_path() -> None:
    def make() -> Any:
        def inner(events: list[Any]) -> bool:
            return True

        return inner

    plan = Scenario("s").expect(Custom(make())).build()
    with pytest.raises(PlanError, match=r"^scenario 's': expectations\[0\]\.params\.fn: "
                                        r"a closure defined at test_codec\.py:\d+ "):
        codec.to_dict(plan)


def test_null_in_a_toml_payload_is_refused_with_its_key_path_but_json_keeps_it() -> None:
    plan = Scenario("s").publish("t", {"note": None, "items": [1, None]}).build()
    with pytest.raises(PlanError) as err:
        codec.dumps(plan, "toml")
    assert str(err.value) == (
        "2 problems:\n"
        "  - scenario 's': steps[0].payload.note: TOML has no null value "
        "(hint: drop the key, or write the plan as JSON (-o plan.json))\n"
        "  - scenario 's': steps[0].payload.items[1]: TOML has no null value "
        "(hint: drop the key, or write the plan as JSON (-o plan.json))"
    )
    assert codec.loads(codec.dumps(plan, "json"), "json") == [plan]


def test_a_table_holding_only_a_callable_key_is_reserved() -> None:
    plan = Scenario("s").publish("t", {"callable": "a:b"}).build()
    with pytest.raises(PlanError, match=r"steps\[0\]\.payload: a table whose only key is "
                                        r"'callable' is reserved"):
        codec.dumps(plan)


# --------------------------------------------------------------------------- located load errors


def test_every_problem_of_every_plan_is_reported_at_once() -> None:
    text = """
format = 1
[[plans]]
name = "a"
seeed = 3
[[plans.steps]]
type = "phase"
name = "calm"
cycles = "ten"
[[plans]]
name = "b"
tags = "fast"
[[plans.steps]]
type = "phaze"
"""
    with pytest.raises(PlanError) as err:
        codec.loads(text, "toml", source="p.toml")
    assert [str(p) for p in err.value.problems] == [
        "p.toml:plans[0].steps[0].cycles: must be an integer (got 'ten')",
        "p.toml:plans[0].seeed: unknown key (hint: did you mean 'seed'?)",
        "p.toml:plans[1].tags: must be a list (got 'fast')",
        "p.toml:plans[1].steps[0].type: unknown step type 'phaze' (hint: did you mean 'phase'?)",
    ]


def test_from_dict_prefixes_key_paths_with_where() -> None:
    with pytest.raises(PlanError, match=r"^plans\[3\]\.speed: must be a number \(got 'fast'\)$"):
        codec.from_dict({"name": "s", "speed": "fast"}, where="plans[3]")


def test_structurally_valid_plans_are_also_validated() -> None:
    data = {"name": "s", "steps": [{"type": "generate", "count": 0}]}
    with pytest.raises(PlanError,
                       match=r"^steps\[0\]\.count: must be >= 1 and <= 1,000,000 \(got 0\)$"):
        codec.from_dict(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "s", "seed": True}, "seed: must be an integer (got True)"),
        ({"name": 3}, "name: must be a string (got 3)"),
        ({}, "name: is required"),
        ({"name": "s", "steps": [{"type": "phase", "cycles": 2}]}, "steps[0].name: is required"),
        ({"name": "s", "steps": [3]}, "steps[0]: must be a table with a 'type' key (got 3)"),
        ({"name": "s", "generators": [{"topic": "t", "ref": {"name": "x"}, "every": "fast"}]},
         ("generators[0].every: expected a duration such as '500ms', '5s', '2m' or '1h' "
         "(got 'fast')")),
        ({"name": "s", "chaos": [{"action": {"name": "drop", "kind": "assertion"}}]},
         "chaos[0].action.kind: must be 'chaos' here (got 'assertion')"),
        ({"name": "s", "chaos": [{"action": {"name": "drop"}, "triggers": {"at_cycle": [1]}}]},
         "chaos[0].triggers.at_cycle: must be a list of 2 integers (got [1])"),
        ({"name": "s", "vars": {"when": {"callable": "nocolon"}}},
         "vars.when.callable: must be 'module:qualname' (got 'nocolon')"),
        ({"name": "s", "steps": [{"type": "do"}]}, "steps[0].fn: is required"),
        ({"name": "s", "systems": [{"target": 5}]},
         ("systems[0].target: must be {callable = 'module:qualname'} (got 5) "
         "(hint: {callable = 'mypkg.systems:Echo'})")),
    ],
)
def test_a_bad_field_is_reported_with_its_key_path(data: dict[str, Any], message: str) -> None:
    with pytest.raises(PlanError) as err:
        codec.from_dict(data)
    assert str(err.value) == message


def test_a_wrong_format_version_says_which_one_this_engine_reads() -> None:
    with pytest.raises(PlanError) as err:
        codec.loads('format = 2\n[[plans]]\nname = "x"\n', "toml", source="old.toml")
    assert str(err.value) == (
        "old.toml:format: unsupported plan format 2 (this scenario-engine reads format 1) "
        "(hint: recompile the playbook with `scenario compile`, or install the scenario-engine "
        "that wrote it)"
    )


def test_a_missing_format_version_is_required() -> None:
    with pytest.raises(PlanError, match=r"^x\.json:format: is required \(hint: start the file "
                                        r"with format = 1\)$"):
        codec.loads('{"plans": [{"name": "x"}]}', "json", source="x.json")


def test_an_unknown_top_level_key_suggests_the_close_one() -> None:
    with pytest.raises(PlanError, match=r"^f\.toml:plan: unknown key \(hint: did you mean "
                                        r"'plans'\?\)"):
        codec.loads('format = 1\nplan = []\n[[plans]]\nname = "x"\n', "toml", source="f.toml")


def test_an_empty_plan_list_is_refused() -> None:
    with pytest.raises(PlanError, match=r"^f\.json:plans: must be a non-empty list of plans "
                                        r"\(got \[\]\)$"):
        codec.loads('{"format": 1, "plans": []}', "json", source="f.json")


def test_a_toml_syntax_error_names_the_line_and_column() -> None:
    with pytest.raises(PlanError) as err:
        codec.loads('format = 1\n[[plans]]\nname = \n', "toml", source="bad.toml")
    assert str(err.value) == "bad.toml:3:8: invalid TOML: Invalid value"


def test_a_json_syntax_error_names_the_line_and_column() -> None:
    with pytest.raises(PlanError) as err:
        codec.loads('{"format": 1,\n "plans": [}', "json", source="bad.json")
    assert str(err.value) == "bad.json:2:12: invalid JSON: Expecting value"


def test_a_toml_date_is_not_a_plan_value() -> None:
    text = 'format = 1\n[[plans]]\nname = "x"\n[plans.vars]\nday = 2024-01-31\n'
    with pytest.raises(PlanError) as err:
        codec.loads(text, "toml", source="d.toml")
    assert str(err.value) == (
        "d.toml:plans[0].vars.day: must be a string, number, boolean, list or table "
        "(got date: datetime.date(2024, 1, 31))"
    )


def test_a_plan_file_needs_a_known_suffix(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as err:
        codec.dump_file(Scenario("s").build(), tmp_path / "plan.yaml")
    assert str(err.value) == (
        f"{tmp_path / 'plan.yaml'}: a plan file must end in .toml or .json (got '.yaml')\n"
        "  hint: plan.toml or plan.json"
    )


def test_a_missing_plan_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        codec.load_file(tmp_path / "nope.toml")


def test_loading_gives_the_same_plan_objects_the_builders_give() -> None:
    plan = Scenario("s").phase("calm", cycles=2).build()
    loaded = codec.loads(codec.dumps(plan), "toml")[0]
    assert isinstance(loaded, Plan)
    assert loaded == plan
    assert hash(loaded) == hash(plan)
