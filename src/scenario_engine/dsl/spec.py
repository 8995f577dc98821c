"""The base of every DSL spec class: a frozen attrs class whose repr is the DSL call.

A spec compiles to a plan :class:`~scenario_engine.plan.nodes.Ref`
``{kind, name, params}``; parameters left at their default are omitted, so
``Count('PriceUpdate', min=35)`` and ``.expect('count', topic='PriceUpdate',
min=35)`` compile to the same node.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs

from scenario_engine.durations import DurationError, parse_duration
from scenario_engine.errors import PlanError, Problem
from scenario_engine.plan.describe import register_spec
from scenario_engine.plan.nodes import Ref
from scenario_engine.plan.values import CallableRef, FrozenMap, freeze

__all__ = [
    "Spec",
    "SpecError",
    "at_least",
    "duration",
    "flag",
    "optional_text",
    "show",
    "spec_for",
    "unit_interval",
    "whole",
]

#: registry name -> spec class, filled as spec classes are defined
_SPECS: dict[tuple[str, str], type[Spec]] = {}


class SpecError(PlanError):
    """A spec was given a bad argument; says which spec, which argument, and why."""


def show(value: Any) -> str:
    """Render a value the way the user wrote it: callables by name, not by address."""
    if isinstance(value, CallableRef):
        return value.target
    if callable(value) and not isinstance(value, type):
        return getattr(value, "__qualname__", None) or repr(value)
    if isinstance(value, FrozenMap):
        return repr(dict(value))
    return repr(value)


class Spec:
    """Base of spec classes (subclasses are ``attrs.frozen``).

    Class attributes: ``__kind__`` (``chaos``, ``assertion``, ``profile``,
    ``generator``), ``__registry_name__``, and ``__positional__``: the fields
    written positionally in the repr.
    """

    __kind__: ClassVar[str] = ""
    __registry_name__: ClassVar[str] = ""
    __positional__: ClassVar[tuple[str, ...]] = ()
    #: fields that are not component parameters (chaos triggers)
    __not_params__: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__kind__ == "chaos" and "probability" not in cls.__not_params__:
            raise TypeError(
                f"{cls.__name__}: a chaos spec subclasses scenario_engine.ChaosSpec, which gives "
                "it the generic triggers (topics, probability, at_cycle, every, where, ...)"
            )
        if cls.__registry_name__:
            _SPECS[(cls.__kind__, cls.__registry_name__)] = cls
            register_spec(cls.__kind__, cls.__registry_name__, cls.__name__, cls.__positional__)

    def _changed_fields(self, *, positional: bool = True) -> list[tuple[str, Any]]:
        """Fields not at their default (and, for the repr, every positional field)."""
        changed = []
        fields: tuple[attrs.Attribute[Any], ...] = attrs.fields(type(self))  # type: ignore[arg-type]
        for field in fields:
            value = getattr(self, field.name)
            default = field.default
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                default = default.factory()  # type: ignore[union-attr]
            if (positional and field.name in self.__positional__) or value != default:
                changed.append((field.name, value))
        return changed

    def params(self) -> FrozenMap:
        """The component parameters: every field that is not left at its default, so a spec
        and its registry name with the same parameters build the same plan."""
        out = {}
        for name, value in self._changed_fields(positional=False):
            if name in self.__not_params__ or value is None:
                continue
            try:
                out[name] = freeze(value)
            except (TypeError, ValueError) as err:
                _fail(self, name, f"{name}: {err}")
        return FrozenMap(out)

    def to_ref(self) -> Ref:
        return Ref(kind=self.__kind__, name=self.__registry_name__, params=self.params())

    def __repr__(self) -> str:
        parts = []
        changed = self._changed_fields()
        # the effect's own parameters read first, the generic triggers after
        changed.sort(
            key=lambda item: (item[0] not in self.__positional__, item[0] in self.__not_params__)
        )
        for name, raw in changed:
            value = raw[0] if name == "at_cycle" and raw is not None and raw[0] == raw[1] else raw
            if name in self.__positional__:
                if isinstance(value, tuple) and name.endswith("topics") and len(value) == 1:
                    parts.append(show(value[0]))
                elif isinstance(value, tuple) and name == "topics":
                    parts.extend(show(v) for v in value)
                else:
                    parts.append(show(value))
            else:
                parts.append(f"{name}={show(value)}")
        return f"{type(self).__name__}({', '.join(parts)})"


def spec_for(kind: str, name: str) -> type[Spec] | None:
    """The spec class registered for a registry name, if its module was imported."""
    return _SPECS.get((kind, name))


def _fail(instance: Any, name: str, message: str) -> None:
    cls = type(instance).__name__
    raise SpecError([Problem(f"{cls}({name}=...)", message)])


def unit_interval(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a probability in [0, 1] (None is not one: the default is 1.0)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        _fail(instance, attribute.name, f"{attribute.name} must be in [0, 1] (got {value!r})")


def at_least(minimum: float, maximum: float | None = None) -> Any:
    """Validator factory: a number >= ``minimum`` (and <= ``maximum``); None passes."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None:
            return
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (isinstance(value, float) and not math.isfinite(value))
        ):
            _fail(instance, attribute.name, f"{attribute.name} must be a number (got {value!r})")
        if value < minimum:
            _fail(
                instance,
                attribute.name,
                f"{attribute.name} must be >= {minimum:g} (got {value!r})",
            )
        if maximum is not None and value > maximum:
            _fail(instance, attribute.name,
                  f"{attribute.name} must be <= {maximum:g} (got {value!r})")

    return check


def duration(value: Any) -> float | None:
    """Converter: a duration with units to seconds (None stays None)."""
    if value is None:
        return None
    try:
        return parse_duration(value)
    except DurationError as err:
        raise SpecError([Problem("", str(err))]) from None


def topics_tuple(value: str | Any) -> tuple[str, ...]:
    """Converter: one topic pattern or several, as a tuple."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Mapping) or not isinstance(value, list | tuple | set | frozenset):
        raise SpecError([Problem("", f"topics must be a string or a list (got {value!r})")])
    topics = tuple(value)
    if not all(isinstance(t, str) and t for t in topics):
        raise SpecError(
            [Problem("", f"topics must be non-empty strings (got {list(topics)!r})")]
        )
    return topics


def whole(minimum: int, maximum: int | None = None) -> Any:
    """Validator factory: an integer from ``minimum`` (to ``maximum``); None passes."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int):
            _fail(instance, attribute.name,
                  f"{attribute.name} must be an integer (got {value!r})")
        if value < minimum or (maximum is not None and value > maximum):
            bound = f">= {minimum}" if maximum is None else f"from {minimum} to {maximum:,}"
            _fail(instance, attribute.name,
                  f"{attribute.name} must be an integer {bound} (got {value!r})")

    return check


def optional_text(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validator: None or a non-empty string (a payload key, a topic, a label)."""
    if value is not None and (not isinstance(value, str) or not value):
        _fail(instance, attribute.name,
              f"{attribute.name} must be a non-empty string (got {value!r})")


def flag(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Validator: True or False (not 1, not 'yes')."""
    if not isinstance(value, bool):
        _fail(instance, attribute.name, f"{attribute.name} must be True or False (got {value!r})")
