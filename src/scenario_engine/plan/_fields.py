"""How single fields read from and write to plain data, each failure with a key path.

Private to :mod:`scenario_engine.plan.codec`: the strict scalar hooks (a
string is not an integer, ``2.5`` is not a count), durations, free-form values
(payloads, parameters, variables) and the check of what cannot be written to a
file at all.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
)

from scenario_engine.durations import DurationError, format_duration, parse_duration
from scenario_engine.errors import Problem
from scenario_engine.plan._limits import int_in_range
from scenario_engine.plan.values import REFERENCE, CallableRef, FrozenMap

__all__ = [
    "FieldError",
    "boolean",
    "close_match",
    "dump_duration",
    "dump_problems",
    "dump_value",
    "duration",
    "got",
    "integer",
    "join_path",
    "key_path",
    "load_callable",
    "load_cycles",
    "load_headers",
    "load_map",
    "load_value",
    "load_where",
    "number",
    "pair",
    "problems_from",
    "seconds",
    "string",
]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class FieldError(ValueError):
    """A structuring failure with our own wording; ``at`` extends the key path."""

    def __init__(self, message: str, hint: str = "", at: str = "") -> None:
        super().__init__(message)
        self.message, self.hint, self.at = message, hint, at


def got(value: Any) -> str:
    """``(got 'ten')``: the offending value, cut to a readable length."""
    text = repr(value)
    return f"(got {text if len(text) <= 60 else text[:57] + '...'})"


def key_path(path: str, key: object) -> str:
    """``path.key``, ``path[3]``, or ``path['odd key']`` for keys that are not names."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    part = str(key) if _IDENTIFIER.match(str(key)) else f"[{str(key)!r}]"
    return f"{path}{part}" if not path or part.startswith("[") else f"{path}.{part}"


def join_path(prefix: str, path: str) -> str:
    """``prefix`` and a relative key path (``steps[0].name``, ``[2]``) as one path."""
    if not prefix or not path:
        return prefix or path
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}"


def close_match(word: str, choices: Sequence[str]) -> str:
    """A hint: the closest choice, or every choice when none is close."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else "expected one of: " + ", ".join(choices)


# --------------------------------------------------------------------------- scalars


# Strict: cattrs would turn "10" into 10 and 2.7 into 2; a plan file must say what it means.


def integer(value: Any, _: Any = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(f"must be an integer {got(value)}")
    if not int_in_range(value):
        raise FieldError(f"must be a 64-bit integer {got(value)}")
    return value


def number(value: Any, _: Any = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FieldError(f"must be a number {got(value)}")
    return float(value)


def string(value: Any, _: Any = None) -> str:
    if not isinstance(value, str):
        raise FieldError(f"must be a string {got(value)}")
    return value


def boolean(value: Any, _: Any = None) -> bool:
    if not isinstance(value, bool):
        raise FieldError(f"must be true or false {got(value)}")
    return value


def seconds(value: Any, _: Any = None) -> float:
    try:
        return parse_duration(value)
    except DurationError as err:
        raise FieldError(str(err)) from None


def duration(value: Any, _: Any = None) -> float | None:
    return None if value is None else seconds(value)


def dump_duration(value: float) -> str | float:
    """The unit form (``"500ms"``) when it loads back to exactly the same float, else seconds."""
    text = format_duration(value)
    try:
        return text if parse_duration(text) == value else value
    except DurationError:  # pragma: no cover - format_duration output always parses
        return value


def pair(item: Callable[[Any], Any], what: str) -> Callable[..., Any]:
    """A hook for a ``[first, second]`` list, each item through ``item``."""

    def structure(value: Any, _: Any = None) -> Any:
        if value is None:
            return None
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise FieldError(f"must be a list of 2 {what} {got(value)}")
        try:
            return (item(value[0]), item(value[1]))
        except FieldError:
            raise FieldError(f"must be a list of 2 {what} {got(value)}") from None

    return structure


# --------------------------------------------------------------------------- free-form values


def load_value(value: Any, at: str = "") -> Any:
    """Plain data to IR values: tables to FrozenMap, arrays to tuples, callables to refs."""
    if isinstance(value, Mapping):
        if set(value) == {"callable"}:
            target = value["callable"]
            if not isinstance(target, str) or not REFERENCE.match(target):
                raise FieldError(
                    f"must be 'module:qualname' {got(target)}", at=key_path(at, "callable")
                )
            return CallableRef(target)
        return FrozenMap({str(k): load_value(v, key_path(at, k)) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(load_value(v, key_path(at, i)) for i, v in enumerate(value))
    if isinstance(value, float) and not math.isfinite(value):
        raise FieldError(f"must be a finite number {got(value)}", at=at)
    if isinstance(value, int) and not int_in_range(value):
        raise FieldError(f"must be a 64-bit integer {got(value)}", at=at)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise FieldError(
        f"must be a string, number, boolean, list or table (got {type(value).__name__}: {value!r})",
        at=at,
    )


def dump_value(value: Any) -> Any:
    """IR values back to plain data; callables as ``{"callable": "module:qualname"}``."""
    if isinstance(value, CallableRef):
        return {"callable": value.target}
    if isinstance(value, Mapping):
        return {k: dump_value(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [dump_value(v) for v in value]
    return value


def load_callable(value: Any, _: Any = None) -> CallableRef:
    """``{callable = "module:qualname"}``, or the bare string where only a callable fits."""
    target = value.get("callable") if isinstance(value, Mapping) and len(value) == 1 else value
    if not isinstance(target, str) or not REFERENCE.match(target):
        raise FieldError(
            f"must be {{callable = 'module:qualname'}} {got(value)}",
            "{callable = 'mypkg.systems:Echo'}",
        )
    return CallableRef(target)


def load_cycles(value: Any, _: Any = None) -> tuple[int, int] | None:
    """One cycle (``15``) or a ``[first, last]`` range."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    cycles: tuple[int, int] | None = pair(integer, "integers")(value)
    return cycles


def load_map(value: Any, _: Any = None) -> FrozenMap:
    """Parameters, variables, headers: a table of names to free-form values."""
    if not isinstance(value, Mapping):
        raise FieldError(f"must be a table of names to values {got(value)}")
    loaded = load_value(value)
    if not isinstance(loaded, FrozenMap):
        raise FieldError(f"must be a table of names to values, not a callable {got(value)}")
    return loaded


def load_headers(value: Any, _: Any = None) -> FrozenMap:
    """Message headers: a table of names to strings (a bus sends headers as text)."""
    headers = load_map(value)
    for name, item in headers.items():
        if not isinstance(item, str):
            raise FieldError(f"must be a string {got(item)}", f"{name} = {str(item)!r}",
                             at=key_path("", name))
    return headers


def load_where(value: Any, _: Any = None) -> CallableRef | FrozenMap | None:
    """A payload condition: path conditions, or a callable reference."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise FieldError(
            f"must be a table of payload conditions or {{callable = 'module:name'}} {got(value)}"
        )
    return load_value(value)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- errors to problems


def problems_from(exc: BaseException, path: str) -> Iterator[Problem]:
    """Walk cattrs' exception groups, building key paths from their notes."""
    if isinstance(exc, ClassValidationError):
        located, others = exc.group_exceptions()
        for sub, note in located:
            yield from problems_from(sub, key_path(path, note.name))
        for sub in others:
            yield from problems_from(sub, path)
    elif isinstance(exc, IterableValidationError):
        located_items, other_items = exc.group_exceptions()
        for sub, item in located_items:
            yield from problems_from(sub, key_path(path, item.index))
        for sub in other_items:
            yield from problems_from(sub, path)
    elif isinstance(exc, ForbiddenExtraKeysError):
        known = sorted(f.name for f in attrs.fields(exc.cl)) if attrs.has(exc.cl) else []
        for key in sorted(exc.extra_fields):
            yield Problem(key_path(path, key), "unknown key", close_match(key, known))
    elif isinstance(exc, FieldError):
        yield Problem(join_path(path, exc.at), exc.message, exc.hint)
    elif isinstance(exc, KeyError):
        yield Problem(path, "is required")
    else:
        yield Problem(path, f"invalid value: {exc}")


# --------------------------------------------------------------------------- what cannot be dumped


def dump_problems(value: Any, path: str, toml: bool, in_value: bool = False) -> Iterator[Problem]:
    """What cannot go into a file: unimportable callables, and null in TOML."""
    if isinstance(value, CallableRef):
        target = value.target
        if not value.is_importable or target.startswith("__main__:"):
            what = (
                "a lambda"
                if "<lambda>" in target
                else "a closure"
                if "<locals>" in target
                else "a callable"
            )
            code = getattr(value.obj, "__code__", None)
            if code is not None:
                what += f" defined at {Path(code.co_filename).name}:{code.co_firstlineno}"
            yield Problem(
                path,
                f"{what} ({target}) cannot be stored in a plan file: it is not "
                "importable by 'module:qualname'",
                "define it at module level (a plain def in an importable module) "
                "and pass that function",
            )
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            yield from dump_problems(getattr(value, field.name), key_path(path, field.name), toml)
    elif isinstance(value, Mapping):
        if set(value) == {"callable"} and isinstance(value["callable"], str):
            yield Problem(
                path,
                "a table whose only key is 'callable' is reserved for "
                "references to Python callables",
                "add another key or rename it",
            )
        for k, v in value.items():
            yield from dump_problems(v, key_path(path, k), toml, True)
    elif isinstance(value, tuple | list):
        for i, v in enumerate(value):
            yield from dump_problems(v, key_path(path, i), toml, True)
    elif value is None and toml and in_value:
        yield Problem(
            path, "TOML has no null value", "drop the key, or write the plan as JSON (-o plan.json)"
        )
