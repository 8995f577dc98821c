"""Argument checks shared by the builder methods: each failure names the call and the value.

A builder accepts only what a plan file can hold and its loader accepts
back, so ``compile`` never writes a plan that ``play`` then rejects.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from scenario_engine.dsl.spec import SpecError
from scenario_engine.errors import Problem
from scenario_engine.plan._limits import MAX_INT, MAX_NAME, MAX_SPEED, MIN_INT
from scenario_engine.plan.values import FrozenMap, freeze

__all__ = ["frozen", "frozen_map", "integer", "label", "name", "speed", "text", "texts"]


def _fail(where: str, message: str, hint: str = "") -> SpecError:
    return SpecError([Problem(where, message, hint)])


def text(value: Any, what: str, where: str) -> str:
    """A non-empty string (a topic, a phase name)."""
    if not isinstance(value, str) or not value:
        raise _fail(where, f"{what} must be a non-empty string (got {value!r})")
    return value


def label(value: Any, what: str, where: str) -> str | None:
    """None, or a non-empty string (a payload key, an optional name)."""
    return None if value is None else text(value, what, where)


def name(value: Any, where: str) -> str:
    """A scenario name: it names the scenario's report folder, so it is bounded."""
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"name must be a non-empty string (got {value!r})")
    if len(value) > MAX_NAME:
        raise _fail(where, f"name must be at most {MAX_NAME} characters (got {len(value)})",
                    "a scenario name names its report folder")
    return value


def texts(values: Any, what: str, where: str) -> tuple[str, ...]:
    """A list (or tuple) of non-empty strings; a single string is a mistake here."""
    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise _fail(where, f"{what} must be a list of strings (got {values!r})")
    for value in values:
        text(value, f"each of {what}", where)
    return tuple(values)


def integer(value: Any, what: str, where: str) -> int:
    """A 64-bit integer (a seed)."""
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_INT <= value <= MAX_INT:
        raise _fail(where, f"{what} must be a 64-bit integer (got {value!r})")
    return value


def speed(value: Any, where: str) -> float:
    """A finite speed multiplier > 0."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 < value <= MAX_SPEED
    ):
        raise _fail(where, f"speed must be > 0 and <= {MAX_SPEED:g} (got {value!r})")
    return float(value)


def frozen(value: Any, where: str) -> Any:
    """A value as the plan holds it, refused when no plan file could."""
    try:
        return freeze(value)
    except (TypeError, ValueError) as err:
        raise _fail(where, str(err)) from None


def frozen_map(value: Any, what: str, where: str, *, strings: bool = False) -> FrozenMap:
    """A mapping of names to values (``strings``: to strings only, as headers are)."""
    if value is None:
        return FrozenMap()
    if not isinstance(value, Mapping):
        raise _fail(where, f"{what} must be a mapping (got {value!r})")
    for key, item in value.items():
        if not isinstance(key, str) or not key:
            raise _fail(where, f"{what} names must be non-empty strings (got {key!r})")
        if strings and not isinstance(item, str):
            raise _fail(where, f"{what} values must be strings (got {key}={item!r})",
                        f"{key}={str(item)!r}")
    frozen_value: FrozenMap = frozen(dict(value), where)
    return frozen_value
