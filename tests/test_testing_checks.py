"""The component conformance checks pass for the built-ins and catch what they promise to."""

from __future__ import annotations

import random

import pytest

from scenario_engine.events import Event
from scenario_engine.generators.basic import Constant, Counter, Template
from scenario_engine.generators.fixture import Fixture
from scenario_engine.profiles.basic import RandomWalk, Sine, Steady, Steps, Trend
from scenario_engine.runtime.chaos_actions import (
    DelayEffect,
    DropEffect,
    DuplicateEffect,
    InjectEffect,
    ModifyEffect,
    OutageEffect,
    ReorderEffect,
)
from scenario_engine.runtime.monitors import CountMonitor, NeverMonitor, WithinMonitor
from scenario_engine.testing.checks import (
    check_chaos_action,
    check_generator,
    check_monitor,
    check_profile,
)


@pytest.mark.parametrize(
    ("factory", "params"),
    [(Steady, {}), (RandomWalk, {"step": 0.05}), (Trend, {"rate": 0.01}),
     (Sine, {"amplitude": 0.2, "period": 8}), (Steps, {"levels": [1.0, 1.5], "every": 5})],
)
def test_every_built_in_profile_conforms(factory, params) -> None:
    assert len(check_profile(factory, params)) == 50


@pytest.mark.parametrize(
    ("factory", "params"),
    [(Constant, {"value": 3.0}), (Counter, {}), (Template, {"payload": {"n": "{{index}}"}}),
     (Fixture, {"stream": "order.request"})],
)
def test_every_built_in_generator_conforms(factory, params) -> None:
    assert len(check_generator(factory, params)) == 20


@pytest.mark.parametrize(
    ("factory", "params"),
    [(DelayEffect, {"ms": 10, "jitter_ms": 5}), (DropEffect, {}), (DuplicateEffect, {"copies": 2}),
     (ReorderEffect, {"window": 3}), (ModifyEffect, {"path": "nested.value", "value": 0}),
     (InjectEffect, {"event": "Failed"}), (OutageEffect, {"duration": 3.0})],
)
def test_every_built_in_chaos_action_conforms(factory, params) -> None:
    assert len(check_chaos_action(factory, params)) == 20


def test_the_monitor_check_returns_the_final_verdict() -> None:
    events = [Event("a", {"k": i}, time=float(i)) for i in range(3)]
    assert check_monitor(CountMonitor, {"topic": "a", "exact": 3}, events=events).passed
    assert not check_monitor(NeverMonitor, {"topic": "a"}, events=events).passed
    within = check_monitor(WithinMonitor, {"first": "a", "then": "b", "ms": 10}, events=events)
    assert not within.passed


class _GlobalRandomProfile:
    def next_value(self, previous, tick, rng):
        return previous + random.random()


class _MutatingAction:
    effect = "mutate"

    def apply(self, event, ctx):
        event.payload["index"] = -1
        return [(0.0, event)]


def test_a_profile_drawing_from_the_global_random_is_caught() -> None:
    with pytest.raises(AssertionError, match="drew from the global random module"):
        check_profile(_GlobalRandomProfile)


def test_an_action_changing_its_input_event_is_caught() -> None:
    with pytest.raises(AssertionError, match="apply\\(\\) changed the event it was given"):
        check_chaos_action(_MutatingAction)
