"""A fuzzer over plan files: compiled playbooks, mutated, must meet only the project's own errors.

Each document is a plan the example playbooks compile to, changed in one to
four places -- a value replaced by one of another type, a key dropped, added
or misspelt, a value wrapped a hundred levels deep, a list emptied, the text
cut short -- and written as TOML or JSON. Loading it and running every check
``scenario check`` and ``scenario play`` make must end in a plan or usage
error (exit 2, located in the file) or in a plan that compiles back to the
same thing; never in any other exception and never in a hang (each document
has its own deadline).

The default run tries a few hundred documents; the slow tier (``-m slow``,
and always under ``CI=true``) tries 12,000.
"""

from __future__ import annotations

import copy
import json
import math
import signal
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scenario_engine.errors import PlanError, ScenarioError
from scenario_engine.loaders import load_plans
from scenario_engine.plan import codec
from scenario_engine.runtime.preflight import preflight

ROOT = Path(__file__).resolve().parents[2]
#: seconds one document may take to load and check
DEADLINE = 20


@cache
def compiled() -> tuple[dict[str, Any], ...]:
    """Every plan the example playbooks compile to, as plain data."""
    paths = sorted((ROOT / "playbooks").rglob("*.py"))
    playbooks = [p for p in paths if "systems" not in p.parts]
    return tuple(codec.to_dict(plan) for _, plan in load_plans(playbooks))


JUNK = st.one_of(
    st.sampled_from([
        0, -1, 1, 2**63, -(2**63) - 1, 10**30, 1.5, -0.0, 1e-300, 1e300, math.nan, math.inf,
        -math.inf, True, False, "", " ", "x", "{{nope}}", "{{index.x}}", "1us", "-5s", "0s",
        "soon", "module:attr", "no_such_module_here:thing", "memory://", "redis://h:port",
        "localhost", "n" * 300, [], [1, "a"], {}, {"callable": "no_such_module_here:f"},
        {"callable": 5}, {"gtt": 1}, {"in": 3}, [[[[[]]]]], {"a": {"b": {"c": {}}}},
    ]),
    st.integers(),
    st.floats(),
    st.text(st.characters(blacklist_characters=":", blacklist_categories=("Cs",)), max_size=8),
)
KEYS = st.one_of(
    st.sampled_from(["nmae", "typ", "params", "every", "where", "kind", "seed", "callable",
                     "format", "plans", "steps", "cycles", "ref", ""]),
    st.text(max_size=6),
)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*path, i))


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    _get(doc, path[:-1])[path[-1]] = value
    return doc


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    """A plan file's data: one or more compiled plans, changed in 1 to 4 places."""
    plans = draw(st.lists(st.sampled_from(compiled()), min_size=1, max_size=2))
    doc: Any = {"format": 1, "plans": copy.deepcopy(plans)}
    for _ in range(draw(st.integers(1, 4))):
        paths = list(_paths(doc))
        path = draw(st.sampled_from(paths))
        target = _get(doc, path)
        how = draw(st.sampled_from(
            ["replace", "replace", "drop", "add", "rename", "wrap", "deepen", "empty", "swap"]))
        if how == "replace":
            doc = _set(doc, path, copy.deepcopy(draw(JUNK)))  # the pool itself stays as it is
        elif how == "drop" and path:
            del _get(doc, path[:-1])[path[-1]]
        elif how == "add" and isinstance(target, dict):
            target[draw(KEYS)] = copy.deepcopy(draw(JUNK))
        elif how == "rename" and path and isinstance(path[-1], str):
            parent, key = _get(doc, path[:-1]), path[-1]
            cut = draw(st.integers(0, len(key)))
            parent[key[:cut] + key[cut + 1:] if draw(st.booleans()) else key + key[-1:]] = (
                parent.pop(key))
        elif how == "wrap":
            doc = _set(doc, path, [target] if draw(st.booleans()) else {"v": target})
        elif how == "deepen":
            for _ in range(draw(st.integers(2, 120))):
                target = [target] if draw(st.booleans()) else {"v": target}
            doc = _set(doc, path, target)
        elif how == "empty" and isinstance(target, list | dict):
            target.clear()
        elif how == "swap":
            other = draw(st.sampled_from(paths))
            doc = _set(doc, path, copy.deepcopy(_get(doc, other)))
    return doc


def _nulls(node: Any) -> bool:
    if node is None:
        return True
    if isinstance(node, dict):
        return any(_nulls(v) for v in node.values())
    if isinstance(node, list):
        return any(_nulls(v) for v in node)
    return False


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, str]:
    """``(text, format)``: a mutated plan written as TOML or JSON, sometimes cut or garbled."""
    doc = draw(mutated())
    fmt = draw(st.sampled_from(["toml", "json"]))
    text = None
    if fmt == "toml" and isinstance(doc, dict) and not _nulls(doc):
        try:
            text = tomli_w.dumps(doc)
        except (TypeError, ValueError, RecursionError):
            text = None  # not every structure has a TOML form (nan keys, deep inline tables)
    if text is None:
        fmt, text = "json", json.dumps(doc)
    edit = draw(st.sampled_from(["none", "none", "none", "cut", "insert"]))
    if edit == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif edit == "insert":
        at = draw(st.integers(0, len(text)))
        junk = draw(st.sampled_from([*"{}[]\",:=#'\\\n", "\x00", "\ufeff"]))
        text = text[:at] + junk + text[at:]
    return text, fmt


class _Overdue(Exception):
    pass


def _overdue(signum: int, frame: FrameType | None) -> None:
    raise _Overdue


def judge(text: str, fmt: str) -> None:
    """Load and check one document the way ``scenario check`` does; only plan errors may end it."""
    source = f"fuzz.{fmt}"
    previous = signal.signal(signal.SIGALRM, _overdue)
    signal.setitimer(signal.ITIMER_REAL, DEADLINE)
    loaded = False
    refused: ScenarioError | None = None
    try:
        plans = codec.loads(text, fmt, source=source)
        loaded = True
        for plan in plans:
            if not preflight(plan):  # a valid plan compiles back to itself
                assert codec.loads(codec.dumps(plan, "json"), "json") == [plan]
    except _Overdue:
        pytest.fail(f"a document took longer than {DEADLINE}s to load and check:\n{text[:2000]}")
    except ScenarioError as err:
        refused = err
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    if refused is not None:
        assert refused.exit_code == 2, f"{type(refused).__name__}: {refused}"
    if isinstance(refused, PlanError) and not loaded:  # the file's errors name the file
        assert refused.problems
        assert all(p.where.startswith(source) for p in refused.problems), refused


FUZZ = {"deadline": None, "database": None,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large,
                                  HealthCheck.filter_too_much]}


@pytest.fixture(autouse=True)
def _from_the_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the playbooks name their systems from the project's root


def test_the_fuzzer_starts_from_every_example_playbook() -> None:
    assert len(compiled()) >= 7
    assert all(codec.from_dict(data) for data in compiled())


@settings(max_examples=300, **FUZZ)
@given(documents())
def test_mutated_plans_meet_only_plan_errors(document: tuple[str, str]) -> None:
    judge(*document)


@pytest.mark.slow
@settings(max_examples=12_000, **FUZZ)
@given(documents())
def test_twelve_thousand_mutated_plans_meet_only_plan_errors(document: tuple[str, str]) -> None:
    judge(*document)
