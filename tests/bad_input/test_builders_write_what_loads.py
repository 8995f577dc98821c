"""The builders accept only what a plan file can hold: whatever builds, compiles and loads back.

Builder calls get junk arguments (wrong types, nan, 65-bit integers, empty
strings, deep lists); each call either raises the project's own plan error
(exit 2) or, once the scenario builds, ``compile`` writes a file that its
own loader reads back as the same plan -- never a file ``play`` rejects.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenario_engine import (
    Always,
    ChaosPlaybook,
    Count,
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
from scenario_engine.errors import PlanError, ScenarioError
from scenario_engine.plan import codec

JUNK = st.one_of(
    st.sampled_from([
        None, 0, 1, 2, -1, 2.5, 2**63, -(2**63) - 1, 2**64, math.nan, math.inf, 1e-300, True,
        "", " ", "x", "t", "1s", "500ms", "-1s", "soon", "memory://", "localhost", "n" * 200,
        [], ["a"], ["a", 1], ("a", "b"), {}, {"h": 1}, {"h": "v"}, {"p": {"gtt": 1}},
        {"p": {"gt": 1}}, {"p": {"in": 3}}, {1: "a"}, {"x": math.nan}, b"raw", {1, 2},
        [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
    ]),
    st.integers(),
    st.floats(),
    st.text(max_size=5),
)
TRIGGERS = ["probability", "at_cycle", "between", "after", "every", "where", "max_times"]
#: each chaos spec with the keyword arguments it takes besides its triggers
SPECS: dict[type, list[str]] = {
    Delay: ["ms", "jitter_ms"], Drop: [], Duplicate: ["copies", "spacing_ms"],
    Reorder: ["window"], Modify: ["path", "value", "delete"],
    Inject: ["event", "payload", "replace"], Outage: ["duration", "buffer"],
}


#: a plausible value for each keyword a spec takes, so that junk is the exception
GOOD: dict[str, Any] = {
    "probability": 0.5, "at_cycle": (1, 3), "between": ("1s", "2s"), "after": "t",
    "every": 2, "where": {"v": {"gt": 1}}, "max_times": 3, "ms": 5, "jitter_ms": 1,
    "copies": 2, "spacing_ms": 1, "window": 3, "path": "v", "value": 1, "delete": False,
    "event": "e", "payload": {"a": 1}, "replace": False, "duration": "1s", "buffer": True,
}


@st.composite
def calls(draw: st.DrawFn) -> Scenario:
    """A scenario built by random builder calls, one argument in eight junk (raises if refused)."""

    def j(good: Any = "t") -> Any:
        return draw(JUNK) if draw(st.integers(0, 7)) == 0 else good

    s = Scenario(j("s"), seed=j(1))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.integers(0, 17))
        if op == 0:
            s = s.generator(draw(st.sampled_from(["counter", "constant"])), topic=j(),
                            every=j("1s"), key=j("k"))
        elif op == 1:
            s = s.phase(j(f"p{len(s._plan.steps)}"), cycles=j(2))
        elif op == 2:
            s = s.publish(j(), j({"a": "{{index}}"}), repeat=j(2), interval=j(0),
                          key=j("k"), headers=j({"h": "v"}))
        elif op == 3:
            s = s.wait_for(j(), timeout=j("1s"), where=j({"a": 1}))
        elif op == 4:
            cls = draw(st.sampled_from(list(SPECS)))
            names = st.sampled_from(TRIGGERS + SPECS[cls])
            kwargs = {k: j(GOOD[k]) for k in draw(st.lists(names, max_size=3, unique=True))}
            if cls is Modify:
                kwargs.setdefault("path", "v")
                kwargs.setdefault("value", 1)
            if cls is Inject:
                kwargs.setdefault("event", "e")
            s = s.chaos(cls(j(), **kwargs))
        elif op == 5:
            bound = draw(st.sampled_from(["min", "max", "exact"]))
            s = s.expect(Count(j(), **{bound: j(1)}, where=j(None)))
        elif op == 6:
            s = s.expect(Never(j(), where=j(None)) if draw(st.booleans())
                         else Always(j(), j({"v": {"ge": 0}})))
        elif op == 7:
            s = s.expect(Within(j(), j("u"), ms=j(5), by=j(None)))
        elif op == 8:
            s = s.expect(Sequence(j(), j("u"), by=j(None), gaps=j(True)))
        elif op == 9:
            s = s.tags(j(), j("u")).description(j("d"))
        elif op == 10:
            s = s.bus(j("memory://"))
        elif op == 11:
            s = s.clock(j("virtual"), speed=j(2.0))
        elif op == 12:
            s = s.timeout(j("5s"))
        elif op == 13:
            s = s.vars(x=j(1), y=j({"a": [1, "b"]}))
        elif op == 14:
            s = s.relay(j(), j("u"))
        elif op == 15:
            s = s.replay(j("events.jsonl"), topics=j(["t"]), sources=j(["engine"]), speed=j(1.0))
        elif op == 16:
            s = s.generate(j(1))
        else:
            s = s.include(ChaosPlaybook("b").chaos(Drop(j())), during=j(None))
    return s


@settings(max_examples=400, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.data())
def test_what_the_builders_accept_compiles_and_loads_back(data: st.DataObject) -> None:
    try:
        plan = data.draw(calls()).build()
    except ScenarioError as err:
        refused: ScenarioError | None = err
    else:
        refused = None
    if refused is not None:
        assert refused.exit_code == 2, refused
        return
    for fmt in ("json", "toml"):
        try:
            text = codec.dumps(plan, fmt)
        except PlanError as err:
            unwritable: PlanError | None = err
        else:
            unwritable = None
        if unwritable is not None:  # only TOML's missing null may refuse what the builders made
            assert fmt == "toml", unwritable
            assert "TOML has no null value" in str(unwritable), unwritable
            continue
        assert codec.loads(text, fmt) == [plan]


def test_a_value_the_loader_refuses_is_refused_by_the_builder_first() -> None:
    """Examples of what was once accepted and then written into files that did not load."""
    refused: list[Any] = []
    for make in (
        lambda: Scenario("s").tags(1, 2),
        lambda: Scenario("s").description(123),
        lambda: Scenario("s").generator("counter", topic="t", key=123),
        lambda: Scenario("s").publish(42, {}),
        lambda: Scenario("s").phase(None, cycles=1),
        lambda: Drop(every=2.5),
        lambda: Drop(max_times=1.5),
        lambda: Scenario("s").publish("t", {}, headers={"h": 1}),
        lambda: Duplicate(copies=10**8),
        lambda: Scenario("s").vars(n=2**64),
    ):
        try:
            make()
        except PlanError as err:
            refused.append(err)
    assert len(refused) == 10
