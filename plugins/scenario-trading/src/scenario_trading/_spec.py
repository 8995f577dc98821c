"""How a trading component declares its parameters: once, on its spec class.

A spec class (``FlashCrash``, ``PriceWithin``...) is the single declaration of
a component's parameters: its attrs fields give the names, the defaults and
the rules. The factory an entry point names builds the spec from the plan's
parameters before it builds the component, so a playbook
(``FlashCrash(severity=1.5)``) and a plan file (``severity = 1.5``) are
refused by the same rule, in the same words, and the registry sees the spec's
signature to suggest a name when a parameter is misspelt.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import attrs
from scenario_engine import Spec
from scenario_engine.errors import PlanError, Problem
from scenario_engine.spi import ParamError

__all__ = [
    "AssertionSpec",
    "GeneratorSpec",
    "ProfileSpec",
    "TradingParamError",
    "Validator",
    "as_tuple",
    "component",
    "correlation",
    "count",
    "cycles",
    "fail",
    "is_number",
    "non_negative",
    "one_of",
    "positive",
    "ratio",
    "rule",
    "text",
    "unit",
]

S = TypeVar("S", bound=Spec)
T = TypeVar("T")
Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


class TradingParamError(ParamError, PlanError):
    """A parameter a trading component refuses, told in the DSL's own words.

    It is both errors a refused parameter can be. As a ``ParamError`` (from a
    factory the registry calls) its ``param`` and ``text`` let the registry
    locate the problem in a plan: ``steps[1].profile.params.severity: must be
    in (0, 1) (got 1.5)``. As a ``PlanError`` (from a spec class in a
    playbook) the loader reports it at the playbook's line, exit code 2:
    ``flash.py:12: FlashCrash(severity=...): severity must be in (0, 1) (got 1.5)``.
    """

    def __init__(self, spec: str, param: str, message: str, value: Any = None) -> None:
        ParamError.__init__(self, param, message, value)
        self.spec = spec
        PlanError.__init__(self, [Problem(f"{spec}({param}=...)", f"{param} {self.text}")])

    def __str__(self) -> str:
        return f"{self.spec}({self.param}=...): {self.param} {self.text}"


def fail(instance: object, param: str, message: str, value: Any = None) -> None:
    """Refuse ``param`` of the spec ``instance``."""
    raise TradingParamError(type(instance).__name__, param, message, value)


def is_number(value: Any) -> bool:
    """A finite int or float; booleans are not numbers here."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def rule(description: str, ok: Callable[[Any], bool]) -> Validator:
    """An attrs validator refusing values for which ``ok`` is false.

    ``None`` passes when it is the field's default (an optional parameter).
    """

    def check(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is None and attribute.default is None:
            return
        if not ok(value):
            fail(instance, attribute.name, f"must be {description}", value)

    return check


positive = rule("a number > 0", lambda v: is_number(v) and v > 0)
non_negative = rule("a number >= 0", lambda v: is_number(v) and v >= 0)
unit = rule("in [0, 1]", lambda v: is_number(v) and 0 <= v <= 1)
ratio = rule("in (0, 1)", lambda v: is_number(v) and 0 < v < 1)
correlation = rule("in [-1, 1]", lambda v: is_number(v) and -1 <= v <= 1)
cycles = rule(
    "an integer >= 1", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1
)
count = rule(
    "an integer >= 0", lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0
)
text = rule("a non-empty string", lambda v: isinstance(v, str) and bool(v))


def one_of(*choices: str) -> Validator:
    """A validator accepting exactly these strings."""
    return rule("one of " + ", ".join(repr(c) for c in choices), lambda v: v in choices)


def as_tuple(value: Any) -> Any:
    """Converter: lists (from a plan file) become tuples; everything else is kept."""
    if isinstance(value, list):
        return tuple(value)
    return value


class ProfileSpec(Spec):
    """Base of the trading profile specs."""

    __kind__: ClassVar[str] = "profile"


class GeneratorSpec(Spec):
    """Base of the trading generator specs."""

    __kind__: ClassVar[str] = "generator"


class AssertionSpec(Spec):
    """Base of the trading assertion specs."""

    __kind__: ClassVar[str] = "assertion"


def component(spec_cls: type[S], build: Callable[[S], T]) -> Callable[..., T]:
    """The factory an entry point names: validate through ``spec_cls``, then ``build``.

    The factory carries the spec's signature, so the registry checks
    parameter names (and suggests close ones) before calling it.
    """

    def make(**params: Any) -> T:
        return build(spec_cls(**params))

    signature = inspect.signature(spec_cls)
    make.__name__ = make.__qualname__ = spec_cls.__registry_name__.rpartition(".")[2]
    make.__doc__ = spec_cls.__doc__
    setattr(make, "__signature__", signature)  # noqa: B010 - functions have no typed slot for it
    return make

