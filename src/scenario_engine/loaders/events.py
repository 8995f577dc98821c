"""Event files: the YAML (or JSON) "event scenario" format teams already keep for producers.

A file names a scenario and lists events to publish in order, each on a
``stream``, with an explicit ``payload`` or ``generator: true``, an optional
``delay`` before it, ``repeat`` and ``interval``, and its own ``variables``;
optional ``chaos:`` and ``expect:`` sections add chaos actions and assertions
by registry name. It compiles to the same plan IR as a playbook, through the
public builders, so everything downstream (check, show, compile, play) is the
same. It is data: nothing in it is imported or called.

Numbers given as ``delay`` or ``interval`` are milliseconds, as in the format
this comes from; strings take units (``"500ms"``, ``"2s"``). Every error is
located by line and column in the file.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scenario_engine.durations import DurationError, parse_duration
from scenario_engine.errors import PlanError, Problem, UsageError
from scenario_engine.loaders.select import with_vars
from scenario_engine.plan.nodes import Plan

__all__ = ["compile_event_document", "is_event_document", "load_event_file"]

_TOP_KEYS = (
    "name",
    "description",
    "seed",
    "bus",
    "tags",
    "variables",
    "fixtures",
    "generators",
    "events",
    "chaos",
    "expect",
)
_EVENT_KEYS = (
    "stream",
    "payload",
    "generator",
    "params",
    "delay",
    "repeat",
    "interval",
    "variables",
    "key",
    "headers",
)
#: the generator ``generator: true`` uses when the file names none
DEFAULT_FIXTURES = "fixture"
_SIMPLE = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")

Path_ = tuple[str | int, ...]


class _Marks:
    """Line and column (1-based) of every key path in a YAML or JSON document."""

    def __init__(self, source: Path, marks: Mapping[Path_, tuple[int, int]] | None = None):
        self.source = source
        self.marks = dict(marks or {})

    def at(self, path: Path_) -> str:
        while path and path not in self.marks:
            path = path[:-1]
        line, column = self.marks.get(path, (1, 1))
        return f"{self.source}:{line}:{column}"


def _dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


class _Problems:
    def __init__(self, marks: _Marks) -> None:
        self.marks = marks
        self.found: list[Problem] = []

    def add(self, path: Path_, message: str, hint: str = "") -> None:
        where = self.marks.at(path)
        self.found.append(Problem(where, f"{_dotted(path)}: {message}" if path else message, hint))


# --------------------------------------------------------------------------- reading


def _yaml_marks(node: Any, path: Path_, out: dict[Path_, tuple[int, int]]) -> None:
    import yaml

    out[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else str(key)
            out[(*path, name)] = (key.start_mark.line + 1, key.start_mark.column + 1)
            _yaml_marks(value, (*path, name), out)
            out[(*path, name)] = (key.start_mark.line + 1, key.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _yaml_marks(item, (*path, i), out)


def _read_yaml(path: Path) -> tuple[Any, _Marks]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise PlanError([Problem(f"{path}:1:1", f"not UTF-8 text ({err.reason})")]) from None
    except OSError as err:
        raise UsageError(f"{path}: cannot read ({err.strerror})") from None
    try:
        data = yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
        node = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        what = " ".join(p for p in (err.context, err.problem) if p)
        raise PlanError([Problem(where, f"invalid YAML: {what}")]) from None
    except yaml.YAMLError as err:
        raise PlanError([Problem(f"{path}:1:1", f"invalid YAML: {err}")]) from None
    except RecursionError:
        raise PlanError([Problem(f"{path}:1:1", "invalid YAML: nested too deeply")]) from None
    marks: dict[Path_, tuple[int, int]] = {}
    if node is not None:
        _yaml_marks(node, (), marks)
    return data, _Marks(path, marks)


def is_event_document(data: Any) -> bool:
    """Whether parsed JSON has the event-file shape (``events``, and no ``plans``)."""
    return isinstance(data, Mapping) and "events" in data and "plans" not in data


def load_event_file(path: Path, variables: Mapping[str, str]) -> list[Plan]:
    """The one plan a ``.yaml`` / ``.yml`` event file describes (``--var`` values applied)."""
    data, marks = _read_yaml(path)
    return [compile_event_document(data, marks, variables)]


# --------------------------------------------------------------------------- compiling


def _duration_ms(value: Any, path: Path_, problems: _Problems) -> float:
    """Milliseconds for a number (the format's unit), or a string with a unit."""
    if isinstance(value, bool):
        problems.add(path, f"must be milliseconds or a duration such as '500ms' (got {value!r})")
        return 0.0
    if isinstance(value, int | float):
        if not (value >= 0) or value == float("inf"):
            problems.add(path, f"must be >= 0 milliseconds (got {value!r})")
            return 0.0
        return float(value) / 1000.0
    try:
        seconds = parse_duration(value)
    except DurationError as err:
        problems.add(path, str(err), "a number of milliseconds, or '500ms', '2s'")
        return 0.0
    if seconds < 0:
        problems.add(path, f"must be >= 0 (got {value!r})")
        return 0.0
    return seconds


def _substitute(node: Any, values: Mapping[str, Any]) -> Any:
    """``{{name}}`` replaced for the names in ``values``; every other placeholder kept."""
    if not values:
        return node
    if isinstance(node, str):
        whole = _SIMPLE.fullmatch(node)
        if whole and whole.group(1) in values:
            return values[whole.group(1)]

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            return str(values[name]) if name in values else match.group(0)

        return _SIMPLE.sub(one, node)
    if isinstance(node, Mapping):
        return {_substitute(k, values): _substitute(v, values) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute(item, values) for item in node]
    return node


def _unknown_keys(
    mapping: Mapping[str, Any], known: tuple[str, ...], path: Path_, problems: _Problems
) -> None:
    for key in mapping:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            problems.add(
                (*path, key),
                f"unknown key {key!r}",
                f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}",
            )


def _generator_for(
    stream: str,
    given: Any,
    event: Mapping[str, Any],
    top: Mapping[str, Any],
    path: Path_,
    problems: _Problems,
) -> tuple[str, dict[str, Any]] | None:
    """(generator name, params) for one event's ``generator:`` entry."""
    params = event.get("params", {})
    if not isinstance(params, Mapping):
        problems.add(
            (*path, "params"), f"must be a mapping of generator parameters (got {params!r})"
        )
        params = {}
    if given is True:
        table = top.get("generators") or {}
        chosen = table.get(stream) if isinstance(table, Mapping) else None
        if isinstance(chosen, str):
            return chosen, dict(params)
        if isinstance(chosen, Mapping) and isinstance(chosen.get("name"), str):
            return chosen["name"], {**dict(chosen.get("params") or {}), **params}
        fixtures = top.get("fixtures", DEFAULT_FIXTURES)
        if not isinstance(fixtures, str) or not fixtures:
            problems.add(("fixtures",), f"must name a generator (got {fixtures!r})")
            return None
        return fixtures, {"stream": stream, **params}
    if isinstance(given, str) and given:
        return given, dict(params)
    problems.add(
        (*path, "generator"),
        f"must be true or a generator name (got {given!r})",
        "generator: true uses the file's fixtures generator; generator: trading.market names one",
    )
    return None


def _sections(scenario: Any, kind: str, entries: Any, top_key: str, problems: _Problems) -> Any:
    """Add ``chaos:`` / ``expect:`` entries, each ``{registry_name: {params}}``."""
    from scenario_engine.dsl.spec import SpecError

    if entries is None:
        return scenario
    if not isinstance(entries, list):
        problems.add(
            (top_key,), f"must be a list of {{name: {{params}}}} entries (got {entries!r})"
        )
        return scenario
    for i, entry in enumerate(entries):
        path: Path_ = (top_key, i)
        if not (isinstance(entry, Mapping) and len(entry) == 1):
            problems.add(
                path,
                f"must be one {{name: {{params}}}} mapping (got {entry!r})",
                "- drop: {topics: price.update, probability: 0.1}"
                if kind == "chaos"
                else "- count: {topic: order.request, min: 1}",
            )
            continue
        ((name, params),) = entry.items()
        if params is None:
            params = {}
        if not isinstance(name, str) or not isinstance(params, Mapping):
            problems.add(path, f"{name!r} needs a mapping of parameters (got {params!r})")
            continue
        try:
            if kind == "chaos":
                scenario = scenario.chaos(name, **dict(params))
            else:
                scenario = scenario.expect(name, **dict(params))
        except SpecError as err:
            for p in err.problems:
                problems.add((*path, name), p.message, p.hint)
        except TypeError as err:
            problems.add((*path, name), str(err))
    return scenario


def compile_event_document(
    data: Any, marks: _Marks, variables: Mapping[str, str] | None = None
) -> Plan:
    """The plan an event document describes; every problem at once, each with line:column."""
    from scenario_engine.dsl.scenario import Scenario
    from scenario_engine.dsl.spec import SpecError

    variables = dict(variables or {})
    problems = _Problems(marks)
    if not isinstance(data, Mapping):
        problems.add(
            (),
            f"an event file is a mapping with 'events:' (got {type(data).__name__})",
            "name: my-scenario\nevents:\n  - stream: order.request\n    payload: {}",
        )
        raise PlanError(problems.found)
    _unknown_keys(data, _TOP_KEYS, (), problems)
    name = data.get("name", marks.source.stem)
    if not isinstance(name, str) or not name.strip():
        problems.add(("name",), f"must be a non-empty string (got {name!r})")
        name = marks.source.stem
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        problems.add(("seed",), f"must be an integer (got {seed!r})")
        seed = 0
    description = data.get("description", "")
    if not isinstance(description, str):
        problems.add(("description",), f"must be text (got {description!r})")
        description = ""
    make: Any = Scenario  # attrs' generated signature hides the public one from mypy
    scenario = make(name, seed, description=description)
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        problems.add(("tags",), f"must be a list of strings (got {tags!r})")
    elif tags:
        scenario = scenario.tags(*tags)
    bus = data.get("bus")
    if bus is not None:
        if not isinstance(bus, str) or not bus:
            problems.add(
                ("bus",), f"must be a bus URL such as 'redis://localhost:6379/0' (got {bus!r})"
            )
        else:
            scenario = scenario.bus(bus)
    file_vars = data.get("variables", {})
    if not isinstance(file_vars, Mapping) or not all(isinstance(k, str) for k in file_vars):
        problems.add(("variables",), f"must be a mapping of names to values (got {file_vars!r})")
        file_vars = {}
    if file_vars:
        scenario = scenario.vars(**dict(file_vars))
    generators = data.get("generators")
    if generators is not None and not isinstance(generators, Mapping):
        problems.add(("generators",), f"must map stream names to generators (got {generators!r})")

    events = data.get("events")
    if not isinstance(events, list) or not events:
        hint = "events:\n  - stream: order.request\n    payload: {orderId: o-1}"
        if "events" in data:
            problems.add(("events",), f"must be a non-empty list of events (got {events!r})", hint)
        else:
            problems.add((), "an event file needs an 'events:' list", hint)
        events = []
    for i, event in enumerate(events):
        path: Path_ = ("events", i)
        if not isinstance(event, Mapping):
            problems.add(path, f"an event is a mapping with 'stream:' (got {event!r})")
            continue
        _unknown_keys(event, _EVENT_KEYS, path, problems)
        stream = event.get("stream")
        if not isinstance(stream, str) or not stream:
            problems.add(
                (*path, "stream") if "stream" in event else path,
                f"needs a stream name (got {stream!r})",
                "stream: order.request",
            )
            continue
        has_payload, given = "payload" in event, event.get("generator")
        if has_payload == (given not in (None, False)):
            problems.add(
                path,
                "give a payload or generator: true, not both or neither",
                "payload: {orderId: o-1}   or   generator: true",
            )
            continue
        local = event.get("variables", {})
        if not isinstance(local, Mapping) or not all(isinstance(k, str) for k in local):
            problems.add(
                (*path, "variables"), f"must be a mapping of names to values (got {local!r})"
            )
            local = {}
        own = {k: v for k, v in local.items() if k not in variables}
        repeat = event.get("repeat", 1)
        if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
            problems.add((*path, "repeat"), f"must be an integer >= 1 (got {repeat!r})")
            continue
        options: dict[str, Any] = {
            "repeat": repeat,
            "delay": _duration_ms(event.get("delay", 0), (*path, "delay"), problems),
            "interval": _duration_ms(event.get("interval", 0), (*path, "interval"), problems),
        }
        for field in ("key", "headers"):
            if field in event:
                options[field] = event[field]
        try:
            if has_payload:
                payload = _substitute(event["payload"], own)
                scenario = scenario.publish(stream, payload, **options)
            else:
                chosen = _generator_for(stream, given, event, data, path, problems)
                if chosen is None:
                    continue
                scenario = scenario.publish(
                    stream, generator=chosen[0], params=chosen[1], **options
                )
        except SpecError as err:
            for p in err.problems:
                problems.add(path, p.message, p.hint)
    scenario = _sections(scenario, "chaos", data.get("chaos"), "chaos", problems)
    scenario = _sections(scenario, "assertion", data.get("expect"), "expect", problems)
    if problems.found:
        raise PlanError(problems.found)
    try:
        plan = scenario.build()
    except PlanError as err:
        raise PlanError([Problem(marks.at(()), str(p)) for p in err.problems]) from None
    _check_components(plan, marks)
    return with_vars(plan, variables)


_PLAN_TO_FILE = re.compile(r"^(steps|chaos|expectations)\[(\d+)\]\.?(.*)$")


def _check_components(plan: Plan, marks: _Marks) -> None:
    """Every component the file names exists and takes its parameters, located in the file.

    Installed components only (entry points are trusted by installation); the
    plan's key paths map back one to one: ``steps[i]`` is ``events[i]``,
    ``chaos[i]`` and ``expectations[i]`` are the file's ``chaos[i]`` and ``expect[i]``.
    """
    from scenario_engine.registry import check_components

    found = check_components(plan)
    if not found:
        return
    section = {"steps": "events", "chaos": "chaos", "expectations": "expect"}
    located = []
    for problem in found:
        match = _PLAN_TO_FILE.match(problem.where)
        if match is None:
            located.append(Problem(marks.at(()), problem.message, problem.hint))
            continue
        path: Path_ = (section[match.group(1)], int(match.group(2)))
        located.append(Problem(marks.at(path), f"{_dotted(path)}: {problem.message}", problem.hint))
    raise PlanError(located)
