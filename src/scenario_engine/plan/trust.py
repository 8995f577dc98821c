"""Trust: a plan file is data, and data never runs code the user has not trusted.

A callable in a plan is a reference, ``module:qualname``. A playbook (code)
vouches for its own references; a reference read from a plan file, or from
any other data loader, starts untrusted (:attr:`CallableRef.trusted` is
False) and cannot import anything. :func:`apply_trust` is the gate every
loaded plan passes: it marks the references of trusted modules trusted and
refuses the plan, naming every other reference with its key path and the
flag that would trust it. A plan cannot grant itself trust: the modules come
from ``--trust`` and ``[tool.scenario] trust`` only.

:func:`find_problem` checks that a trusted reference's module can be found
*without importing it*, so ``scenario check`` runs no code at all.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import re
import sys
from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from scenario_engine.errors import PlanError, Problem, UsageError
from scenario_engine.plan._fields import key_path
from scenario_engine.plan.nodes import Plan
from scenario_engine.plan.values import CallableRef, FrozenMap, untrusted_problem

__all__ = ["Trust", "apply_trust", "find_problem", "references", "thawed_unimported"]

_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


@attrs.frozen
class Trust:
    """The modules whose callables a plan file may name.

    Prefix semantics: trusting ``pkg`` trusts ``pkg.sub`` too (never the
    other way round). Importing ``pkg.sub`` runs ``pkg/__init__.py`` as
    Python always does, so trust a module only together with its package.
    """

    modules: tuple[str, ...] = ()

    @classmethod
    def of(cls, modules: Iterable[str], where: str = "--trust") -> Trust:
        """A policy from module names, each checked: ``--trust 'os:system'`` is a usage error."""
        names: list[str] = []
        for name in modules:
            if not isinstance(name, str) or not _MODULE.match(name):
                raise UsageError(
                    f"{where}: {name!r} is not a module name",
                    hint="name a module, such as --trust mypkg or --trust mypkg.systems",
                )
            if name not in names:
                names.append(name)
        return cls(tuple(names))

    def __add__(self, other: Trust) -> Trust:
        return Trust(self.modules + tuple(m for m in other.modules if m not in self.modules))

    def allows(self, module: str) -> bool:
        """Whether ``module`` is trusted (``pkg`` allows ``pkg`` and ``pkg.sub``)."""
        return any(module == m or module.startswith(m + ".") for m in self.modules)


def references(value: Any, path: str = "") -> Iterator[tuple[str, CallableRef]]:
    """Every callable reference inside ``value`` (a plan or any part of one), with its key path.

    Walks every position, so none is forgotten: systems and their
    parameters, ``do`` steps, ``where`` conditions, component parameters
    (a ``Custom`` assertion's ``fn``, ``Modify(transform=...)``) and vars.
    """
    if isinstance(value, CallableRef):
        yield path, value
    elif isinstance(value, FrozenMap):
        for key, item in value.items():
            yield from references(item, key_path(path, key))
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            yield from references(item, key_path(path, i))
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            yield from references(getattr(value, field.name), key_path(path, field.name))


def _marked(value: Any, trust: Trust, path: str, problems: list[Problem]) -> Any:
    """``value`` with the references of trusted modules marked trusted; the rest reported."""
    if isinstance(value, CallableRef):
        if value.obj is not None or value.trusted:
            return value
        if not trust.allows(value.module):
            problems.append(untrusted_problem(path, value.target))
            return value
        return attrs.evolve(value, trusted=True)
    if isinstance(value, FrozenMap):
        items = {k: _marked(v, trust, key_path(path, k), problems) for k, v in value.items()}
        changed = any(items[k] is not v for k, v in value.items())
        return FrozenMap(items) if changed else value
    if isinstance(value, tuple):
        marked = tuple(_marked(v, trust, key_path(path, i), problems) for i, v in enumerate(value))
        return marked if any(a is not b for a, b in zip(marked, value, strict=True)) else value
    if attrs.has(type(value)):
        changes = {}
        for field in attrs.fields(type(value)):
            old = getattr(value, field.name)
            new = _marked(old, trust, key_path(path, field.name), problems)
            if new is not old:
                changes[field.name] = new
        return attrs.evolve(value, **changes) if changes else value
    return value


def apply_trust(plan: Plan, trust: Trust, where: str = "") -> Plan:
    """``plan`` with its references trusted by ``trust``; nothing is imported.

    Raises:
        PlanError: one problem per untrusted reference, at ``where`` + its key
            path, naming the reference and the ``--trust`` flag that trusts it.
    """
    problems: list[Problem] = []
    marked: Plan = _marked(plan, trust, where, problems)
    if problems:
        raise PlanError(problems)
    return marked


def find_problem(ref: CallableRef, path: str) -> Problem | None:
    """Why ``ref``'s module cannot be imported, found without running any of it; or None.

    A module already imported is looked into (its attributes, no code runs);
    any other is located on ``sys.path`` like the import system would, one
    package level at a time, without executing a package's ``__init__``.
    """
    module, _, qualname = ref.target.partition(":")
    hint = "the module must be importable (on sys.path) and define that name"
    loaded = sys.modules.get(module)
    if loaded is not None:
        obj: Any = loaded
        for part in qualname.split("."):
            if not hasattr(obj, part):
                return Problem(
                    path,
                    f"cannot import {ref.target!r}: AttributeError: module {module!r} "
                    f"has no attribute {qualname!r}",
                    hint,
                )
            obj = getattr(obj, part)
        return None
    parts = module.split(".")
    spec = None
    for depth in range(1, len(parts) + 1):
        name = ".".join(parts[:depth])
        try:
            if depth == 1:
                spec = importlib.util.find_spec(name)
            else:
                locations = spec.submodule_search_locations if spec is not None else None
                found = sys.modules.get(name)
                spec = (
                    found.__spec__ if found is not None
                    else importlib.machinery.PathFinder.find_spec(name, locations)
                    if locations is not None else None
                )
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            return Problem(
                path,
                f"cannot import {ref.target!r}: ModuleNotFoundError: No module named {name!r}",
                hint,
            )
    return None


class _Unresolved:
    """Stands in for a referenced callable while a plan is checked: nothing is imported.

    Callable, so a factory's own ``callable(fn)`` checks pass; calling it is a bug.
    """

    def __init__(self, target: str) -> None:
        self.target = target
        self.__qualname__ = self.__name__ = target.rpartition(":")[2] or target

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(f"{self.target} is not imported while a plan is checked")

    def __repr__(self) -> str:
        return self.target


def thawed_unimported(value: Any, path: str, problems: list[Problem]) -> Any:
    """Plain parameters for a factory while a plan is checked, importing nothing: a
    reference becomes a stand-in, or a problem when it is untrusted or cannot be found."""
    if isinstance(value, CallableRef):
        if value.obj is not None:
            return value.obj
        if not value.trusted:
            problems.append(untrusted_problem(path, value.target))
            return None
        found = find_problem(value, path)
        if found is not None:
            problems.append(found)
            return None
        return _Unresolved(value.target)
    if isinstance(value, FrozenMap):
        return {k: thawed_unimported(v, f"{path}.{k}", problems) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thawed_unimported(v, f"{path}[{i}]", problems) for i, v in enumerate(value)]
    return value
