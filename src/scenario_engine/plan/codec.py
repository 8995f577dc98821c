"""The one codec: :class:`Plan` <-> plain dicts <-> TOML / JSON text.

A plan file is ``{"format": 1, "plans": [{plan}, ...]}``. Steps are a tagged
union (``type = "phase"``, ``"publish"``, ...); a component reference drops
its ``kind`` (the position says it); a Python callable is stored as
``{"callable": "module:qualname"}``; fields left at their default are
omitted, so a dump reads like what the user wrote. Durations load from
numbers (seconds) or strings with units and dump as the shortest exact string.

Every structuring failure, in every plan of a file, becomes one
:class:`Problem` with a key path (``plans[0].steps[2].cycles: must be an
integer (got 'ten')``), and all of them are raised together.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal

import attrs
from cattrs import Converter
from cattrs.errors import (
    AttributeValidationNote,
    ClassValidationError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.json import make_converter as make_json_converter
from cattrs.preconf.tomllib import make_converter as make_toml_converter

from scenario_engine.errors import PlanError, Problem, UsageError
from scenario_engine.plan._fields import (
    FieldError,
    boolean,
    close_match,
    dump_duration,
    dump_problems,
    dump_value,
    duration,
    got,
    integer,
    join_path,
    load_callable,
    load_cycles,
    load_headers,
    load_map,
    load_value,
    load_where,
    number,
    pair,
    problems_from,
    seconds,
    string,
)
from scenario_engine.plan._parse import parse
from scenario_engine.plan.lifecycle import (
    HookNode,
    Lifecycle,
    RollbackNode,
    SnapshotNode,
    WindowNode,
)
from scenario_engine.plan.nodes import (
    FORMAT_VERSION,
    ChaosNode,
    CheckStep,
    DoStep,
    GenerateStep,
    GeneratorNode,
    LoadShape,
    PhaseStep,
    Plan,
    PublishStep,
    Ref,
    RelayNode,
    ReplayStep,
    ServiceNode,
    Stage,
    Step,
    SystemNode,
    TopicNode,
    Triggers,
    WaitForStep,
)
from scenario_engine.plan.validate import validate
from scenario_engine.plan.values import CallableRef, FrozenMap

__all__ = [
    "Format",
    "dump_file",
    "dumps",
    "format_for",
    "from_dict",
    "load_file",
    "loads",
    "to_dict",
]

Format = Literal["toml", "json"]

STEP_TYPES: Mapping[str, type] = {
    "phase": PhaseStep,
    "publish": PublishStep,
    "wait_for": WaitForStep,
    "do": DoStep,
    "check": CheckStep,
    "generate": GenerateStep,
    "replay": ReplayStep,
}
_STEP_TAGS: Mapping[type, str] = {cls: tag for tag, cls in STEP_TYPES.items()}
_NODES = (
    Ref,
    Triggers,
    ChaosNode,
    Stage,
    LoadShape,
    GeneratorNode,
    SystemNode,
    RelayNode,
    TopicNode,
    ServiceNode,
    *STEP_TYPES.values(),
    HookNode,
    SnapshotNode,
    RollbackNode,
    Lifecycle,
    WindowNode,
    Plan,
)
#: fields holding durations (seconds in the IR, "500ms" or 0.5 in files)
_DURATIONS: Mapping[type, tuple[str, ...]] = {
    GeneratorNode: ("every",),
    Stage: ("duration",),
    PhaseStep: ("duration",),
    PublishStep: ("interval", "delay"),
    WaitForStep: ("timeout",),
    ServiceNode: ("ready_timeout", "grace"),
    DoStep: ("timeout",),
    HookNode: ("timeout",),
    RollbackNode: ("timeout",),
    Lifecycle: ("warmup",),
    Plan: ("timeout",),
}
#: fields holding component references, with the kind their position implies
_REFS: Mapping[type, tuple[str, str]] = {
    GeneratorNode: ("ref", "generator"),
    PhaseStep: ("profile", "profile"),
    PublishStep: ("generator", "generator"),
    ChaosNode: ("action", "chaos"),
    CheckStep: ("assertions", "assertion"),
    Plan: ("expectations", "assertion"),
    Lifecycle: ("requires", "assertion"),
    WindowNode: ("assertion", "assertion"),
}


# --------------------------------------------------------------------------- the converters


def _list_of(
    item: Callable[[Any, Any], Any], item_type: Any = None
) -> Callable[[Any, Any], tuple[Any, ...]]:
    """A tuple from a list, every bad item reported with its index."""

    def structure(value: Any, _: Any = None) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            raise FieldError(f"must be a list {got(value)}")
        out, errors = [], []
        for i, element in enumerate(value):
            try:
                out.append(item(element, item_type))
            except Exception as err:  # collected, reported with the index
                err.__notes__ = [
                    *getattr(err, "__notes__", []),
                    IterableValidationNote(f"index {i}", i, object),
                ]
                errors.append(err)
        if errors:
            raise IterableValidationError("while structuring a list", errors, tuple)
        return tuple(out)

    return structure


def _ref_hooks(conv: Converter, kind: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """Hooks for a reference whose kind the position implies: omitted on dump, checked on load."""

    def load(value: Any, _: Any = None) -> Ref:
        if isinstance(value, Mapping) and value.get("kind", kind) != kind:
            err = FieldError(f"must be {kind!r} here {got(value['kind'])}")
            err.__notes__ = [AttributeValidationNote("kind", "kind", str)]
            raise ClassValidationError("while structuring a reference", [err], Ref)
        data = {**value, "kind": kind} if isinstance(value, Mapping) else value
        return conv.structure(data, Ref)

    def dump(ref: Ref) -> dict[str, Any]:
        data: dict[str, Any] = conv.unstructure(ref, Ref)
        if data.get("kind") == kind:
            del data["kind"]
        return data

    return load, dump


def _struct_hook(conv: Converter, cls: type) -> Callable[[Any, Any], Any]:
    """Structure one node class: strict fields, no unknown keys, every failure collected."""
    fields = {f.name: f for f in attrs.fields(cls)}
    overrides: dict[str, Any] = {
        name: override(struct_hook=duration if fields[name].default is None else seconds)
        for name in _DURATIONS.get(cls, ())
    }
    if cls in _REFS:
        name, kind = _REFS[cls]
        load = _ref_hooks(conv, kind)[0]
        is_list = typing.get_origin(fields[name].type) is tuple
        overrides[name] = override(struct_hook=_list_of(load) if is_list else load)
    if "payload" in fields:
        overrides["payload"] = override(struct_hook=lambda v, _: load_value(v))
    if "where" in fields:
        overrides["where"] = override(struct_hook=load_where)
    if "headers" in fields:
        overrides["headers"] = override(struct_hook=load_headers)
    if cls is Triggers:
        overrides["at_cycle"] = override(struct_hook=load_cycles)
        overrides["between"] = override(struct_hook=pair(seconds, "durations"))
    if cls is Plan:
        overrides["steps"] = override(struct_hook=_list_of(_step_hook(conv)))
    structure: Callable[[Any, Any], Any] = make_dict_structure_fn(
        cls, conv, _cattrs_forbid_extra_keys=True, _cattrs_detailed_validation=True, **overrides
    )

    def hook(value: Any, _: Any = None) -> Any:
        if not isinstance(value, Mapping):
            raise FieldError(f"must be a table {got(value)}")
        return structure(value, cls)

    return hook


def _step_hook(conv: Converter) -> Callable[[Any, Any], Any]:
    """Steps are a tagged union: ``type`` picks the node class."""

    def load(value: Any, _: Any = None) -> Step:
        if not isinstance(value, Mapping):
            raise FieldError(f"must be a table with a 'type' key {got(value)}")
        tag = value.get("type")
        cls = STEP_TYPES.get(tag) if isinstance(tag, str) else None
        if cls is None:
            err = (
                FieldError("is required", "one of: " + ", ".join(STEP_TYPES))
                if tag is None
                else FieldError(
                    f"unknown step type {tag!r}", close_match(str(tag), list(STEP_TYPES))
                )
            )
            err.__notes__ = [AttributeValidationNote("type", "type", str)]
            raise ClassValidationError("while structuring a step", [err], dict)
        step: Step = conv.structure({k: v for k, v in value.items() if k != "type"}, cls)
        return step

    return load


def _unstruct_hook(conv: Converter, cls: type) -> Callable[[Any], dict[str, Any]]:
    """Unstructure one node class, leaving out every field still at its default."""
    fields = {f.name: f for f in attrs.fields(cls)}
    overrides: dict[str, Any] = {
        name: override(unstruct_hook=dump_duration) for name in _DURATIONS.get(cls, ())
    }
    if cls in _REFS:
        name, kind = _REFS[cls]
        dump = _ref_hooks(conv, kind)[1]
        is_list = typing.get_origin(fields[name].type) is tuple
        overrides[name] = override(
            unstruct_hook=(lambda refs: [dump(r) for r in refs]) if is_list else dump
        )
    for name in ("payload", "where"):
        if name in fields:
            overrides[name] = override(unstruct_hook=dump_value)
    if cls is Triggers:
        overrides["between"] = override(unstruct_hook=lambda p: [dump_duration(s) for s in p])
        overrides["at_cycle"] = override(unstruct_hook=lambda c: c[0] if c[0] == c[1] else list(c))
    unstructure: Callable[[Any], dict[str, Any]] = make_dict_unstructure_fn(
        cls, conv, _cattrs_omit_if_default=True, **overrides
    )
    tag = _STEP_TAGS.get(cls)
    if tag is None:
        return unstructure
    return lambda step: {"type": tag, **unstructure(step)}


def _configure(conv: Converter) -> Converter:
    """Register our hooks over a preconf converter (JSON or tomllib/tomli-w)."""
    for scalar, fn in ((int, integer), (float, number), (str, string), (bool, boolean)):
        conv.register_structure_hook(scalar, fn)
    conv.register_structure_hook(FrozenMap, load_map)
    conv.register_unstructure_hook(FrozenMap, dump_value)
    conv.register_unstructure_hook(CallableRef, dump_value)
    conv.register_structure_hook(CallableRef, load_callable)
    conv.register_structure_hook_func(
        _is_list_type,
        lambda v, t: _list_of(conv.get_structure_hook(t.__args__[0]), t.__args__[0])(v, t),
    )
    conv.register_structure_hook_func(
        _is_optional, lambda v, t: None if v is None else conv.structure(v, _non_none(t))
    )
    for cls in _NODES:
        attrs.resolve_types(cls)
        conv.register_structure_hook(cls, _struct_hook(conv, cls))
        conv.register_unstructure_hook(cls, _unstruct_hook(conv, cls))
    return conv


def _is_list_type(t: Any) -> bool:
    args = typing.get_args(t)
    return typing.get_origin(t) is tuple and len(args) == 2 and args[1] is Ellipsis


def _is_optional(t: Any) -> bool:
    args = typing.get_args(t)
    return (
        typing.get_origin(t) in (typing.Union, types.UnionType)
        and len(args) == 2
        and type(None) in args
    )


def _non_none(t: Any) -> Any:
    return next(a for a in typing.get_args(t) if a is not type(None))


@cache
def _converter(fmt: Format) -> Converter:
    if fmt == "toml":
        return _configure(make_toml_converter())
    return _configure(make_json_converter(unstruct_collection_overrides={tuple: list}))


# --------------------------------------------------------------------------- plain data


def _structure(data: Any, where: str) -> tuple[Plan | None, list[Problem]]:
    try:
        plan = _converter("json").structure(data, Plan)
    except Exception as err:
        return None, list(problems_from(err, where))
    return plan, [Problem(join_path(where, p.where), p.message, p.hint) for p in validate(plan)]


def from_dict(data: Any, where: str = "") -> Plan:
    """The plan a plain dict describes; every problem at once, paths prefixed by ``where``."""
    plan, problems = _structure(data, where)
    if problems or plan is None:
        raise PlanError(problems)
    return plan


# --------------------------------------------------------------------------- dumping


def _dump_all(plans: Sequence[Plan], fmt: Format) -> dict[str, Any]:
    problems = [
        Problem(f"scenario {plan.name!r}: {p.where}", p.message, p.hint)
        for plan in plans
        for p in dump_problems(plan, "", fmt == "toml")
    ]
    if problems:
        raise PlanError(problems)
    conv = _converter(fmt)
    return {"format": FORMAT_VERSION, "plans": [conv.unstructure(p, Plan) for p in plans]}


def to_dict(plan: Plan) -> dict[str, Any]:
    """The plain-data form of one plan (JSON-compatible: dicts, lists, scalars)."""
    result: dict[str, Any] = _dump_all([plan], "json")["plans"][0]
    return result


def _as_list(plans: Plan | Sequence[Plan]) -> list[Plan]:
    return [plans] if isinstance(plans, Plan) else list(plans)


def dumps(plans: Plan | Sequence[Plan], fmt: Format = "toml") -> str:
    """A plan file's text: ``{"format": 1, "plans": [...]}`` as TOML or JSON."""
    data = _dump_all(_as_list(plans), fmt)
    if fmt == "toml":
        import tomli_w

        return tomli_w.dumps(data)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- loading


def loads(text: str, fmt: Format, source: str = "<string>") -> list[Plan]:
    """The plans of a plan file's text, checked: every problem of every plan at once."""
    data = parse(text, fmt, source)
    prefix = f"{source}:" if source else ""
    if not isinstance(data, dict):
        raise PlanError([Problem(source, f"a plan file must be a table {got(data)}")])
    problems = [
        Problem(f"{prefix}{key}", "unknown key", close_match(str(key), ["format", "plans"]))
        for key in data
        if key not in ("format", "plans")
    ]
    version = data.get("format")
    if version is None:
        problems.append(
            Problem(
                f"{prefix}format", "is required", f"start the file with format = {FORMAT_VERSION}"
            )
        )
    elif type(version) is not int or version != FORMAT_VERSION:  # true and 1.0 equal 1
        problems.append(
            Problem(
                f"{prefix}format",
                f"unsupported plan format {version!r} (this scenario-engine reads format "
                f"{FORMAT_VERSION})",
                "recompile the playbook with `scenario compile`, or install the scenario-engine "
                "that wrote it",
            )
        )
    if problems and (type(version) is not int or version != FORMAT_VERSION):
        raise PlanError(problems)  # the rest may be another format: do not guess at it
    raw = data.get("plans")
    if not isinstance(raw, list) or not raw:
        problems.append(
            Problem(
                f"{prefix}plans",
                f"must be a non-empty list of plans {got(raw)}"
                if raw is not None
                else "is required",
            )
        )
        raw = []
    plans = []
    for i, item in enumerate(raw):
        plan, found = _structure(item, f"plans[{i}]")
        problems += [Problem(prefix + p.where, p.message, p.hint) for p in found]
        if plan is not None:
            plans.append(plan)
    if problems:
        raise PlanError(problems)
    return plans


def format_for(path: Path) -> Format:
    """``toml`` or ``json`` from a file's suffix."""
    suffix = path.suffix.lower()
    if suffix in (".toml", ".json"):
        return "toml" if suffix == ".toml" else "json"
    raise UsageError(
        f"{path}: a plan file must end in .toml or .json (got {suffix or 'none'!r})",
        hint="plan.toml or plan.json",
    )


def dump_file(plans: Plan | Sequence[Plan], path: Path) -> None:
    """Write a plan file, TOML or JSON by ``path``'s suffix."""
    text = dumps(plans, format_for(path))
    path.write_text(text, encoding="utf-8")


def load_file(path: Path) -> list[Plan]:
    """Read and check a plan file (TOML or JSON by suffix); never executes code."""
    fmt = format_for(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"{path}: cannot read: {err}") from None
    return loads(text, fmt, source=str(path))
