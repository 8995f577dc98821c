"""Spec classes for the built-in assertions (online monitors)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import attrs

from scenario_engine.dsl.spec import (
    Spec,
    SpecError,
    at_least,
    flag,
    optional_text,
    topics_tuple,
    whole,
)
from scenario_engine.errors import Problem
from scenario_engine.plan.validate import where_problems
from scenario_engine.plan.values import freeze

__all__ = ["Always", "AssertionSpec", "Count", "Custom", "Never", "Sequence", "Within"]


class AssertionSpec(Spec):
    """``allow_empty=True`` on a built-in assertion says that judging nothing is expected
    (no event on its topic): without it, such a verdict fails or says so."""

    __kind__: ClassVar[str] = "assertion"


def _where(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    cls = type(instance).__name__
    if isinstance(value, Mapping):
        try:
            problems = where_problems(freeze(value))
        except (TypeError, ValueError) as err:
            problems = [Problem("", str(err))]
        if problems:
            raise SpecError([
                Problem(f"{cls}({attribute.name}=...)",
                        f"{p.where}: {p.message}" if p.where else p.message, p.hint)
                for p in problems
            ])
        return
    if value is None or callable(value):
        return
    raise SpecError(
        [Problem(f"{cls}({attribute.name}=...)",
                 f"{attribute.name} must be a callable or a mapping of payload paths "
                 f"(got {value!r})")]
    )


def _flag(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, bool):
        cls = type(instance).__name__
        raise SpecError(
            [Problem(f"{cls}({attribute.name}=...)",
                     f"{attribute.name} must be True or False (got {value!r})")]
        )


def _non_empty_topic(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not value:
        cls = type(instance).__name__
        raise SpecError(
            [Problem(f"{cls}(...)", f"{attribute.name} must be a non-empty topic (got {value!r})")]
        )


@attrs.frozen(repr=False)
class Count(AssertionSpec):
    """How many events match ``topic`` (a glob): at least ``min``, at most ``max``, or ``exact``."""

    __registry_name__: ClassVar[str] = "count"
    __positional__: ClassVar[tuple[str, ...]] = ("topic",)

    topic: str = attrs.field(validator=_non_empty_topic)
    min: int | None = attrs.field(default=None, kw_only=True, validator=whole(0))
    max: int | None = attrs.field(default=None, kw_only=True, validator=whole(0))
    exact: int | None = attrs.field(default=None, kw_only=True, validator=whole(0))
    where: Any = attrs.field(default=None, kw_only=True, validator=_where)
    allow_empty: bool = attrs.field(default=False, kw_only=True, validator=_flag)

    def __attrs_post_init__(self) -> None:
        if self.min is None and self.max is None and self.exact is None:
            raise SpecError(
                [Problem(f"{self!r}", "give min=, max= or exact=", f"Count({self.topic!r}, min=1)")]
            )
        if self.exact is not None and (self.min is not None or self.max is not None):
            raise SpecError([Problem(f"{self!r}", "exact= excludes min= and max=")])
        if self.min is not None and self.max is not None and self.min > self.max:
            raise SpecError(
                [Problem(f"{self!r}", f"min must be <= max (got min={self.min}, max={self.max})")]
            )


@attrs.frozen(repr=False, init=False)
class Sequence(AssertionSpec):
    """The topics occur in this order; ``by`` correlates instances on a payload key;
    ``gaps=False`` forbids other listed topics in between."""

    __registry_name__: ClassVar[str] = "sequence"
    __positional__: ClassVar[tuple[str, ...]] = ("topics",)

    topics: tuple[str, ...]
    by: str | None = attrs.field(default=None, validator=optional_text)
    gaps: bool = attrs.field(default=True, validator=flag)
    allow_empty: bool = attrs.field(default=False, validator=_flag)

    def __init__(
        self, *topics: str, by: str | None = None, gaps: bool = True, allow_empty: bool = False
    ) -> None:
        if len(topics) == 1 and isinstance(topics[0], list | tuple):
            topics = tuple(topics[0])
        if len(topics) < 2 or not all(isinstance(t, str) and t for t in topics):
            raise SpecError(
                [Problem("Sequence(...)", f"needs at least two topics (got {topics!r})",
                         "Sequence('OrderPlaced', 'OrderFilled')")]
            )
        self.__attrs_init__(topics=tuple(topics), by=by, gaps=gaps, allow_empty=allow_empty)


@attrs.frozen(repr=False)
class Never(AssertionSpec):
    """No event matching ``topic`` (and ``where``) is ever delivered."""

    __registry_name__: ClassVar[str] = "never"
    __positional__: ClassVar[tuple[str, ...]] = ("topic",)

    topic: str = attrs.field(validator=_non_empty_topic)
    where: Any = attrs.field(default=None, kw_only=True, validator=_where)
    allow_empty: bool = attrs.field(default=False, kw_only=True, validator=_flag)


@attrs.frozen(repr=False)
class Within(AssertionSpec):
    """Every ``first`` is followed by a ``then`` within ``ms`` (matched on ``by`` if given)."""

    __registry_name__: ClassVar[str] = "within"
    __positional__: ClassVar[tuple[str, ...]] = ("first", "then")

    first: str = attrs.field(validator=_non_empty_topic)
    then: str = attrs.field(validator=_non_empty_topic)
    ms: float = attrs.field(kw_only=True, validator=at_least(0))
    by: str | None = attrs.field(default=None, kw_only=True, validator=optional_text)
    allow_empty: bool = attrs.field(default=False, kw_only=True, validator=_flag)


@attrs.frozen(repr=False)
class Always(AssertionSpec):
    """A predicate (a callable, or payload path conditions) holds for every matching event."""

    __registry_name__: ClassVar[str] = "always"
    __positional__: ClassVar[tuple[str, ...]] = ("topic", "predicate")

    topic: str = attrs.field(validator=_non_empty_topic)
    predicate: Any = attrs.field(validator=_where)
    allow_empty: bool = attrs.field(default=False, kw_only=True, validator=_flag)


@attrs.frozen(repr=False)
class Custom(AssertionSpec):
    """A function over the list of delivered events, returning True, False, or
    ``(passed, message)``. The only assertion that keeps the whole history."""

    __registry_name__: ClassVar[str] = "custom"
    __positional__: ClassVar[tuple[str, ...]] = ("fn",)

    fn: Callable[[list[Any]], Any] = attrs.field()
    name: str | None = attrs.field(default=None, kw_only=True, validator=optional_text)
    topics: tuple[str, ...] = attrs.field(default=("*",), kw_only=True, converter=topics_tuple)

    @fn.validator
    def _callable(self, attribute: attrs.Attribute[Any], value: Any) -> None:
        if not callable(value):
            raise SpecError([Problem("Custom(...)", f"fn must be callable (got {value!r})")])
