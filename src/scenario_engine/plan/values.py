"""Immutable values the IR is made of: frozen mappings and references to Python callables."""

from __future__ import annotations

import importlib
import math
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs

from scenario_engine.errors import PlanError, Problem

__all__ = [
    "REFERENCE",
    "CallableRef",
    "FrozenMap",
    "callable_target",
    "freeze",
    "resolve_target",
    "thaw",
    "untrusted_problem",
]

_NAME = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
#: ``module:qualname``, both dotted Python names: the only form a plan file may write
REFERENCE = re.compile(rf"^{_NAME}:{_NAME}$")


class FrozenMap(Mapping[str, Any]):
    """A hashable, immutable mapping with a stable (insertion) order."""

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[str, Any] | None = None, /, **kwargs: Any) -> None:
        merged = dict(data or {})
        merged.update(kwargs)
        self._data = merged
        self._hash: int | None = None

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._data) == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def set(self, key: str, value: Any) -> FrozenMap:
        """A copy with ``key`` set."""
        return FrozenMap({**self._data, key: value})


@attrs.frozen
class CallableRef:
    """A Python callable named by ``module:qualname``.

    The object itself travels along when a playbook is run in-process, but
    only ``target`` is part of the plan's identity and of its file form.
    ``trusted`` says that code vouched for the reference (a playbook, the
    Python API, or ``--trust``; see :mod:`scenario_engine.plan.trust`): a
    reference read from a plan file starts untrusted and never imports.
    """

    target: str
    obj: Any = attrs.field(default=None, eq=False, repr=False, hash=False)
    trusted: bool = attrs.field(default=False, eq=False, repr=False, hash=False)

    @property
    def is_importable(self) -> bool:
        return "<" not in self.target and ":" in self.target

    @property
    def module(self) -> str:
        """The module part of ``target`` (``os`` for ``os:system``)."""
        return self.target.partition(":")[0]

    def resolve(self) -> Callable[..., Any]:
        """The callable itself: the object carried along, or the import of a trusted ``target``.

        Raises:
            PlanError: the reference is not trusted; nothing is imported.
        """
        if self.obj is not None:
            return self.obj  # type: ignore[no-any-return]
        if not self.trusted:
            raise PlanError([untrusted_problem("", self.target)])
        return resolve_target(self.target)  # type: ignore[no-any-return]


def untrusted_problem(where: str, target: str) -> Problem:
    """The one wording of an untrusted reference: what it is, and the flag that trusts it."""
    module = target.partition(":")[0]
    return Problem(
        where,
        f"untrusted reference {target!r}: a plan file may call code only from modules "
        f"you trust, and {module!r} is not one",
        f"if you trust it: --trust {module}, or trust = [\"{module}\"] under "
        f"[tool.scenario] in pyproject.toml",
    )


def callable_target(obj: Any) -> str:
    """``module:qualname`` of a callable; lambdas and closures carry ``<`` in theirs."""
    module = getattr(obj, "__module__", None) or "?"
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if qualname is None:
        qualname = f"<{type(obj).__name__} instance>"
    return f"{module}:{qualname}"


def resolve_target(target: str) -> Any:
    """Import ``module:qualname`` (or ``module.attr``) and return the object.

    The one place that imports what a plan names; callers check trust first
    (:meth:`CallableRef.resolve`), so only code the user vouched for gets here.
    """
    module_name, sep, qualname = target.partition(":")
    if not sep:
        module_name, _, qualname = target.rpartition(".")
    obj: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


#: how deep tables and lists may nest inside one value (a plan file allows 64 levels in all)
MAX_VALUE_DEPTH = 48


def freeze(value: Any, _depth: int = 0) -> Any:
    """Turn plain data (dicts, lists) into IR values (FrozenMap, tuples); keeps scalars.

    Raises ValueError for what a plan file could not hold: numbers that are
    not finite, integers beyond 64 bits, nesting deeper than MAX_VALUE_DEPTH.
    """
    if isinstance(value, CallableRef):
        return value
    if isinstance(value, Mapping | list | tuple):
        if _depth >= MAX_VALUE_DEPTH:
            raise ValueError(f"values in a plan nest at most {MAX_VALUE_DEPTH} levels deep")
        if isinstance(value, Mapping):
            return FrozenMap({str(k): freeze(v, _depth + 1) for k, v in value.items()})
        return tuple(freeze(v, _depth + 1) for v in value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"numbers in a plan must be finite (got {value!r})")
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        raise ValueError(f"integers in a plan are 64-bit (got {value!r})")
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if callable(value):
        return CallableRef(callable_target(value), value)
    raise TypeError(
        f"a plan can hold strings, numbers, booleans, lists, mappings and callables "
        f"(got {type(value).__name__}: {value!r})"
    )


def thaw(value: Any) -> Any:
    """The plain-data twin of an IR value: dicts and lists, callables resolved."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    if isinstance(value, CallableRef):
        return value.resolve()
    return value
