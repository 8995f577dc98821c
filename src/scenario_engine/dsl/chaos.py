"""Spec classes for the built-in chaos actions, sharing the generic triggers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import attrs

from scenario_engine.dsl.spec import (
    Spec,
    SpecError,
    at_least,
    duration,
    flag,
    optional_text,
    topics_tuple,
    unit_interval,
    whole,
)
from scenario_engine.durations import MAX_SECONDS
from scenario_engine.errors import Problem
from scenario_engine.plan._limits import MAX_COPIES, MAX_WINDOW
from scenario_engine.plan.nodes import ChaosNode, Triggers
from scenario_engine.plan.values import freeze

__all__ = [
    "TRIGGER_NAMES",
    "ChaosSpec",
    "Delay",
    "Drop",
    "Duplicate",
    "Inject",
    "Modify",
    "Outage",
    "Reorder",
    "make_triggers",
]

#: the longest delay or spacing: 10 years, in milliseconds
MAX_MS = MAX_SECONDS * 1000

#: the generic triggers every chaos action takes: the fields of the IR's Triggers
TRIGGER_NAMES = frozenset(field.name for field in attrs.fields(Triggers))


def _cycle_range(value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        pair = (value, value)
    elif isinstance(value, list | tuple | range) and len(value) == 2:
        pair = (value[0], value[1]) if not isinstance(value, range) else (value[0], value[-1])
    elif isinstance(value, range) and len(value) > 0:
        pair = (value[0], value[-1])
    else:
        raise SpecError(
            [Problem("at_cycle", f"must be a cycle or a (first, last) pair (got {value!r})")]
        )
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in pair):
        raise SpecError([Problem("at_cycle", f"cycles must be integers (got {value!r})")])
    if pair[0] < 0 or pair[1] < pair[0]:
        raise SpecError([Problem("at_cycle", f"must satisfy 0 <= first <= last (got {value!r})")])
    return pair


def _window(value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise SpecError(
            [Problem("between", f"must be a (start, end) pair of durations (got {value!r})")]
        )
    start, end = duration(value[0]) or 0.0, duration(value[1]) or 0.0
    if end < start:
        raise SpecError([Problem("between", f"end must not come before start (got {value!r})")])
    return (start, end)


def _event_names(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    names = (value,) if isinstance(value, str) else value
    if not isinstance(names, list | tuple) or not all(
        isinstance(n, str) and "@" in n for n in names
    ):
        raise SpecError(
            [
                Problem(
                    "at_events",
                    f"must list event identities such as 'PriceUpdate@17#0' (got {value!r})",
                )
            ]
        )
    return tuple(names)


def _where(value: Any) -> Any:
    if value is None or callable(value) or isinstance(value, Mapping):
        return value
    raise SpecError(
        [Problem("where", f"must be a callable or a mapping of payload paths (got {value!r})")]
    )


def make_triggers(
    topics: Any = "*",
    probability: float = 1.0,
    at_cycle: Any = None,
    between: Any = None,
    after: str | None = None,
    every: int | None = None,
    where: Any = None,
    max_times: int | None = None,
    at_events: Any = None,
) -> Triggers:
    """Triggers for a chaos action named by registry name (``.chaos('x', ...)``)."""
    probe = _TriggerCheck(
        topics=topics,
        probability=probability,
        at_cycle=at_cycle,
        between=between,
        after=after,
        every=every,
        where=where,
        max_times=max_times,
        at_events=at_events,
    )
    return probe.triggers()


@attrs.frozen(repr=False)
class ChaosSpec(Spec):
    """Common triggers of every chaos action; subclasses add the effect's parameters."""

    __kind__: ClassVar[str] = "chaos"
    __positional__: ClassVar[tuple[str, ...]] = ("topics",)
    __not_params__: ClassVar[frozenset[str]] = TRIGGER_NAMES

    topics: tuple[str, ...] = attrs.field(default=("*",), converter=topics_tuple)
    probability: float = attrs.field(default=1.0, kw_only=True, validator=unit_interval)
    at_cycle: tuple[int, int] | None = attrs.field(
        default=None, kw_only=True, converter=_cycle_range
    )
    between: tuple[float, float] | None = attrs.field(default=None, kw_only=True, converter=_window)
    after: str | None = attrs.field(default=None, kw_only=True, validator=optional_text)
    every: int | None = attrs.field(default=None, kw_only=True, validator=whole(1))
    where: Any = attrs.field(default=None, kw_only=True, converter=_where)
    max_times: int | None = attrs.field(default=None, kw_only=True, validator=whole(1))
    at_events: tuple[str, ...] | None = attrs.field(
        default=None, kw_only=True, converter=_event_names
    )

    def triggers(self) -> Triggers:
        try:
            where = freeze(self.where)
        except (TypeError, ValueError) as err:
            name = type(self).__name__.lstrip("_").replace("TriggerCheck", "chaos")
            raise SpecError([Problem(f"{name}(where=...)", str(err))]) from None
        return Triggers(
            topics=self.topics,
            probability=float(self.probability),
            at_cycle=self.at_cycle,
            between=self.between,
            after=self.after,
            every=self.every,
            where=where,
            max_times=self.max_times,
            at_events=self.at_events,
        )

    def to_node(self, *, during: str | None = None, origin: str | None = None) -> ChaosNode:
        return ChaosNode(
            action=self.to_ref(), triggers=self.triggers(), during=during, origin=origin
        )


@attrs.frozen(repr=False)
class _TriggerCheck(ChaosSpec):
    """Validates triggers given by keyword to a chaos action named by registry name."""


@attrs.frozen(repr=False)
class Delay(ChaosSpec):
    """Hold matching events for ``ms`` milliseconds (plus up to ``jitter_ms``)."""

    __registry_name__: ClassVar[str] = "delay"

    ms: float = attrs.field(default=0, kw_only=True, validator=at_least(0, MAX_MS))
    jitter_ms: float = attrs.field(default=0, kw_only=True, validator=at_least(0, MAX_MS))


@attrs.frozen(repr=False)
class Drop(ChaosSpec):
    """Lose matching events."""

    __registry_name__: ClassVar[str] = "drop"


@attrs.frozen(repr=False)
class Duplicate(ChaosSpec):
    """Deliver matching events ``copies`` extra times, ``spacing_ms`` apart."""

    __registry_name__: ClassVar[str] = "duplicate"

    copies: int = attrs.field(default=1, kw_only=True, validator=whole(1, MAX_COPIES))
    spacing_ms: float = attrs.field(default=0, kw_only=True, validator=at_least(0, MAX_MS))


@attrs.frozen(repr=False)
class Reorder(ChaosSpec):
    """Hold ``window`` matching events, then release them in a shuffled order."""

    __registry_name__: ClassVar[str] = "reorder"

    window: int = attrs.field(default=3, kw_only=True, validator=whole(2, MAX_WINDOW))


def _modify_check(instance: Modify, attribute: attrs.Attribute[Any], value: Any) -> None:
    if instance.transform is not None and instance.value is not None:
        raise SpecError([Problem("Modify(...)", "give value= or transform=, not both")])
    if instance.transform is None and instance.value is None and not instance.delete:
        raise SpecError(
            [Problem("Modify(...)", "give value=, transform= or delete=True", "value=0.0")]
        )


@attrs.frozen(repr=False)
class Modify(ChaosSpec):
    """Set, transform or delete the payload field at a dot ``path`` of matching events."""

    __registry_name__: ClassVar[str] = "modify"

    path: str = attrs.field(default="", kw_only=True)
    value: Any = attrs.field(default=None, kw_only=True)
    transform: Callable[[Any], Any] | None = attrs.field(default=None, kw_only=True)
    delete: bool = attrs.field(default=False, kw_only=True, validator=[flag, _modify_check])

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.path, str):
            raise SpecError([Problem("Modify(path=...)",
                                     f"path must be a string (got {self.path!r})")])
        if self.transform is not None and not callable(self.transform):
            raise SpecError([Problem("Modify(transform=...)",
                                     f"transform must be callable (got {self.transform!r})")])
        if not self.path:
            raise SpecError([Problem("Modify(path=...)", "path is required", "path='price.value'")])


@attrs.frozen(repr=False)
class Inject(ChaosSpec):
    """When triggered, also publish a failure event ``event`` with ``payload``."""

    __registry_name__: ClassVar[str] = "inject"

    event: str = attrs.field(default="", kw_only=True)
    payload: Any = attrs.field(default=None, kw_only=True)
    replace: bool = attrs.field(default=False, kw_only=True, validator=flag)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.event, str):
            raise SpecError([Problem("Inject(event=...)",
                                     f"event must be a topic (got {self.event!r})")])
        if not self.event:
            raise SpecError(
                [Problem("Inject(event=...)", "event is required", "event='DataFetchFailed'")]
            )


@attrs.frozen(repr=False)
class Outage(ChaosSpec):
    """Deliver nothing matching for ``duration``, starting at the first triggered event;
    with ``buffer=True`` what was held is flushed at the end, as a broker restart would."""

    __registry_name__: ClassVar[str] = "outage"

    duration: float = attrs.field(default=1.0, kw_only=True, converter=duration)
    buffer: bool = attrs.field(default=False, kw_only=True, validator=flag)
