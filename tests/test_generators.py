"""The generic generators: payloads per tick, summaries, parameter errors."""

from __future__ import annotations

import random

import pytest

from scenario_engine.generators.basic import Constant, Counter, Template
from scenario_engine.plan.values import freeze
from scenario_engine.registry import Registry
from scenario_engine.spi import Generator, ParamError, Tick
from scenario_engine.templates import TemplateError

RNG = random.Random(0)


def tick(index, value, *, phase="calm", phase_index=None, time=None):
    return Tick(
        index=index,
        phase=phase,
        phase_index=index if phase_index is None else phase_index,
        progress=0.5,
        time=float(index) if time is None else time,
        value=value,
    )


@pytest.mark.parametrize("make", [Constant, Counter, lambda: Template(payload={"a": 1})])
def test_generators_satisfy_the_protocol(make):
    """Every built-in generator is a spi.Generator."""
    assert isinstance(make(), Generator)


def test_constant_sends_the_profile_value_by_default():
    """Without a payload, Constant sends {"value": tick.value}."""
    gen = Constant(value=5.0)
    assert gen.initial_value() == 5.0
    assert gen.payload(tick(0, 5.0), RNG) == {"value": 5.0}
    assert gen.payload(tick(1, 6.5), RNG) == {"value": 6.5}


def test_constant_sends_its_payload_verbatim_as_fresh_copies():
    """A given payload is sent as plain data, unrendered, a new copy every tick."""
    gen = Constant(payload=freeze({"status": "up", "tags": ("a",), "t": "{{index}}"}))
    first = gen.payload(tick(0, 0.0), RNG)
    assert first == {"status": "up", "tags": ["a"], "t": "{{index}}"}
    first["tags"].append("changed")
    assert gen.payload(tick(1, 0.0), RNG)["tags"] == ["a"]


def test_counter_counts_payloads_and_ignores_the_profile():
    """value = start + step * n for the n-th payload; index is the tick's."""
    gen = Counter(start=10, step=5)
    assert gen.initial_value() == 10
    payloads = [gen.payload(tick(i, 999.0), RNG) for i in range(3)]
    assert payloads == [
        {"index": 0, "value": 10},
        {"index": 1, "value": 15},
        {"index": 2, "value": 20},
    ]


def test_counter_with_float_steps_does_not_accumulate_error():
    """Values are start + step * n, not repeated additions."""
    gen = Counter(start=0, step=0.1)
    values = [gen.payload(tick(i, 0), RNG)["value"] for i in range(31)]
    assert values[30] == 0.1 * 30


def test_template_renders_tick_variables():
    """index, value, phase, phase_index, progress, time and timestamp are available."""
    gen = Template(
        payload=freeze({
            "id": "p-{{index}}",
            "price": "{{value}}",
            "phase": "{{phase}}#{{phase_index}}",
            "progress": "{{progress}}",
            "t": "{{time}}",
            "at": "{{timestamp}}",
        }),
        start=100.0,
    )
    assert gen.initial_value() == 100.0
    out = gen.payload(tick(4, 101.25, phase="crash", phase_index=1, time=2.5), RNG)
    assert out == {
        "id": "p-4",
        "price": 101.25,
        "phase": "crash#1",
        "progress": 0.5,
        "t": 2.5,
        "at": "1970-01-01T00:00:02.500Z",
    }


def test_template_variables_and_binding():
    """vars are available; bind() adds scenario variables and the clock's epoch."""
    gen = Template(payload={"user": "{{user}}", "desk": "{{desk}}", "at": "{{timestamp}}"},
                   vars={"user": "bob"})
    gen.bind({"user": "ignored", "desk": "fx"}, epoch=1_700_000_000.0)
    assert gen.payload(tick(0, 0.0, time=1.0), RNG) == {
        "user": "bob",
        "desk": "fx",
        "at": "2023-11-14T22:13:21.000Z",
    }


def test_template_tick_variables_win_over_vars():
    """A var named like a tick variable is shadowed by the tick's value."""
    gen = Template(payload="{{index}}", vars={"index": "mine"})
    assert gen.payload(tick(7, 0.0), RNG) == 7


def test_template_unknown_variable_lists_known_names():
    """Rendering an unknown variable fails with the names that exist."""
    gen = Template(payload={"u": "{{usr}}"}, vars={"user": "bob"})
    with pytest.raises(TemplateError) as info:
        gen.payload(tick(0, 0.0), RNG)
    assert str(info.value) == (
        "unknown template variable 'usr'; known: index, phase, phase_index, progress, "
        "time, timestamp, user, value"
    )


def test_summary_tracks_count_min_max_last():
    """summary() reports the values emitted."""
    gen = Constant(value=1.0)
    for i, value in enumerate([3.0, 1.0, 2.0]):
        gen.payload(tick(i, value), RNG)
    assert gen.summary() == {"count": 3, "min": 1.0, "max": 3.0, "last": 2.0}
    assert Counter().summary() == {"count": 0, "min": None, "max": None, "last": None}


@pytest.mark.parametrize(
    ("factory", "text"),
    [
        (lambda: Counter(step=0), "step: must not be 0 (got 0)"),
        (lambda: Counter(start="a"), "start: must be a finite number (got 'a')"),
        (lambda: Constant(value=[1]), "value: must be a number or a string (got [1])"),
        (lambda: Constant(value=float("inf")), "value: must be a finite number (got inf)"),
        (lambda: Template(payload={}, start=None), "start: must be a number or a string"),
        (lambda: Template(payload={}, vars=[1]),
         "vars: must be a mapping of names to values (got [1])"),
    ],
)
def test_bad_parameters_raise_param_error(factory, text):
    """Bad parameters name the parameter and quote the value."""
    with pytest.raises(ParamError) as info:
        factory()
    assert str(info.value) == text


def test_registry_makes_generators():
    """The entry points resolve to these classes."""
    registry = Registry()
    assert isinstance(registry.create("generator", "counter", {"step": 2}), Counter)
    gen = registry.create("generator", "template", {"payload": {"n": "{{index}}"}})
    assert gen.payload(tick(2, 0.0), RNG) == {"n": 2}
