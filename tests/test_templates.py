"""Payload templates: placeholders, types, errors, and compiled = interpreted."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scenario_engine.plan.values import FrozenMap, freeze
from scenario_engine.template_rules import template_problems
from scenario_engine.templates import (
    TemplateError,
    compile_template,
    data_only,
    iso_timestamp,
    placeholders,
    render,
)

CONTEXT = {"index": 3, "user": "bob", "price": 101.5, "order": {"id": "o-7", "lines": [1, 2]}}


@pytest.fixture(params=["render", "compiled"])
def run(request):
    if request.param == "render":
        return render
    return lambda template, context: compile_template(template)(context)


def test_whole_placeholder_keeps_the_type(run):
    """A string that is exactly one placeholder takes the variable's value and type."""
    assert run("{{index}}", CONTEXT) == 3
    assert run("{{ price }}", CONTEXT) == 101.5


def test_placeholders_inside_strings_are_str_formatted(run):
    """Placeholders inside a longer string are formatted with str()."""
    assert run("o-{{index}}-{{user}}!", CONTEXT) == "o-3-bob!"
    assert run("{{index}}{{index}}", CONTEXT) == "33"
    assert run("p={{price}}", CONTEXT) == "p=101.5"


def test_renders_recursively_and_returns_plain_data(run):
    """FrozenMap and tuples from the plan come out as dicts and lists."""
    template = freeze({"orderId": "o-{{index}}", "tags": ("a", "{{user}}"), "n": {"x": 1}})
    assert isinstance(template, FrozenMap)
    out = run(template, CONTEXT)
    assert out == {"orderId": "o-3", "tags": ["a", "bob"], "n": {"x": 1}}
    assert type(out) is dict
    assert type(out["tags"]) is list
    assert type(out["n"]) is dict


def test_dot_paths_read_inside_variables(run):
    """``{{order.id}}`` reads a path inside a variable."""
    assert run("{{order.id}}", CONTEXT) == "o-7"
    assert run("line {{order.lines.1}}", CONTEXT) == "line 2"


def test_mapping_keys_are_rendered_to_strings(run):
    """Keys with placeholders render, and always to strings."""
    assert run({"{{index}}": 1, "k-{{user}}": 2}, CONTEXT) == {"3": 1, "k-bob": 2}


def test_variable_values_come_out_as_unshared_plain_data(run):
    """A whole-placeholder mapping variable is copied to a plain dict each time."""
    context = {"meta": FrozenMap({"a": (1, 2)})}
    out = run("{{meta}}", context)
    assert out == {"a": [1, 2]}
    assert type(out) is dict


def test_unknown_variable_names_it_and_lists_known_names(run):
    """An unknown variable raises TemplateError (a KeyError) naming it and the known ones."""
    with pytest.raises(TemplateError) as info:
        run({"user": "{{usr}}"}, {"user": "bob", "index": 1})
    assert str(info.value) == "unknown template variable 'usr'; known: index, user"
    assert isinstance(info.value, KeyError)
    assert info.value.name == "usr"


def test_unknown_path_inside_variable(run):
    """A dot path that does not exist inside a variable names the path."""
    with pytest.raises(TemplateError) as info:
        run("{{order.price}}", {"order": {"id": 1}})
    assert str(info.value) == "template variable 'order' has no 'price'; known: order"


def test_text_that_is_not_a_placeholder_stays(run):
    """Single braces, empty or malformed placeholders are literal text."""
    text = "{x} {{ }} {{1a}} {{a b}} {"
    assert run(text, {}) == text


def test_literals_with_quotes_and_backslashes_survive_compilation(run):
    """Literal parts are quoted safely in the compiled code."""
    text = "it's \"{{user}}\" \\n {{{{index}}}}"
    assert run(text, CONTEXT) == "it's \"bob\" \\n {{3}}"


def test_static_template_gives_a_fresh_copy_each_time():
    """A template without placeholders still returns a new object per render."""
    template = freeze({"a": [1, {"b": 2.5}], "c": None, "d": True})
    fn = compile_template(template)
    first, second = fn({}), fn({})
    assert first == second == {"a": [1, {"b": 2.5}], "c": None, "d": True}
    first["a"][1]["b"] = 0
    assert second["a"][1]["b"] == 2.5
    assert fn({})["a"][1]["b"] == 2.5


def test_scalar_template_is_returned_as_is():
    """An immutable scalar needs no copy."""
    assert compile_template(42)({}) == 42
    assert compile_template("plain")({}) == "plain"
    assert compile_template(None)({}) is None


def test_substitute_false_copies_without_rendering():
    """With substitute=False, placeholders are kept as text (constant payloads)."""
    fn = compile_template({"t": "{{index}}"}, substitute=False)
    assert fn({}) == {"t": "{{index}}"}


def test_non_finite_floats_and_other_objects_are_kept():
    """Values that have no literal form are bound as constants."""
    marker = object()
    out = compile_template({"x": float("inf"), "o": marker, 1: "k"})({})
    assert out == {"x": float("inf"), "o": marker, 1: "k"}


def test_deep_templates_fall_back_to_the_interpreter():
    """Templates nested past the compiler's depth still render."""
    template: object = "{{index}}"
    for _ in range(60):
        template = [template]
    out = compile_template(template)({"index": 1})
    for _ in range(60):
        out = out[0]
    assert out == 1


def test_placeholders_lists_variable_names():
    """placeholders() names the variables a template uses (dot paths by their head)."""
    template = {"a": "{{index}}", "{{k}}": ["x{{order.id}}", 1]}
    assert placeholders(template) == {"index", "k", "order"}


def test_iso_timestamp_is_utc_with_milliseconds():
    """Timestamps are ISO 8601 UTC with a Z suffix."""
    assert iso_timestamp(0) == "1970-01-01T00:00:00.000Z"
    assert iso_timestamp(1.5) == "1970-01-01T00:00:01.500Z"
    assert iso_timestamp(2.009) == "1970-01-01T00:00:02.009Z"


@given(st.floats(min_value=0, max_value=4e9))
def test_iso_timestamp_matches_datetime(seconds):
    """The cached formatting gives datetime's own text for any time."""
    moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    assert iso_timestamp(seconds) == moment.isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def test_dot_paths_read_inside_non_dict_variables(run):
    """Dot paths also read inside mappings and lists that are not dicts."""
    context = {"m": FrozenMap({"a": {"b": 1}}), "xs": (10, 20)}
    assert run("{{m.a.b}}|{{xs.1}}", context) == "1|20"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{e.days}}", "template variable 'e' has no 'days'; known: e, f, m, s"),
        ("{{s.__class__.__mro__}}",
         "template variable 's' has no '__class__.__mro__'; known: e, f, m, s"),
        ("x {{s.__class__}}", "template variable 's' has no '__class__'; known: e, f, m, s"),
        ("{{f.__globals__.environ}}",
         "template variable 'f' has no '__globals__.environ'; known: e, f, m, s"),
        ("{{f}}", "template variable 'f' is a callable: a template substitutes data only"),
        ("x-{{f}}", "template variable 'f' is a callable: a template substitutes data only"),
        ("{{m.f}}", "template variable 'm.f' is a callable: a template substitutes data only"),
        ("x-{{m.f}}", "template variable 'm.f' is a callable: a template substitutes data only"),
    ],
)
def test_templates_never_read_attributes_or_render_callables(run, template, message):
    """A template is data: no attribute of an object, no callable, whatever the path."""
    variables = {"e": dt.timedelta(days=2), "s": "text", "f": os.getcwd, "m": {"f": os.getcwd}}
    context = data_only(variables)  # as the engine hands them to templates
    with pytest.raises(TemplateError) as err:
        run(template, context)
    assert str(err.value) == message


def test_template_problems_are_found_before_a_run():
    """Private names and callable variables are refused from the template alone."""
    template = {"env": "{{f.__globals__.environ}}", "k": ["{{x.__class__.__mro__}}", "{{g}}"]}
    hidden = (
        "a template never reads attributes or private names (hint: templates read variables, "
        "keys of tables and list indices, nothing else)"
    )
    found = template_problems(template, "steps[0].payload", {"g": "os:getcwd"})
    assert [str(p) for p in found] == [
        (f"steps[0].payload.env: template '{{{{f.__globals__.environ}}}}' reads '__globals__': "
        f"{hidden}"),
        (f"steps[0].payload.k[0]: template '{{{{x.__class__.__mro__}}}}' reads '__class__': "
        f"{hidden}"),
        (
            "steps[0].payload.k[1]: template '{{g}}' names 'g', a callable (os:getcwd): a "
            "template substitutes data, it never calls or shows code (hint: give the variable "
            "a string, number, list or table)"
        ),
    ]


_names = st.sampled_from(["index", "user", "price", "order.id"])
_text = st.text(alphabet="ab{}-' \\", max_size=8)
_strings = st.one_of(
    _text,
    _names.map(lambda n: "{{" + n + "}}"),
    st.tuples(_text, _names, _text).map(lambda t: t[0] + "{{" + t[1] + "}}" + t[2]),
)
_leaves = st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans(), st.none(), _strings)
_templates = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(_strings, inner, max_size=3),
    ),
    max_leaves=12,
)


@given(_templates)
def test_compiled_rendering_equals_interpreted_rendering(template):
    """The compiled function and the interpreter agree on any template."""
    assert compile_template(template)(CONTEXT) == render(template, CONTEXT)


def test_a_playbook_template_naming_a_callable_variable_is_refused_at_build():
    from scenario_engine import Scenario
    from scenario_engine.errors import PlanError

    with pytest.raises(PlanError) as err:
        Scenario("s").vars(f=os.getcwd).publish("t", {"x": "a-{{f}}"}).build()
    assert str(err.value) == (
        "steps[0].payload.x: template '{{f}}' names 'f', a callable (posix:getcwd): a template "
        "substitutes data, it never calls or shows code (hint: give the variable a string, "
        "number, list or table)"
    )
