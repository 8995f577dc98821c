"""What a template may not do, found before anything runs.

Templates are data, often from a plan file: they read variables, keys of
tables and list indices. A placeholder that names a private or dunder name
(``{{f.__globals__.environ}}``, ``{{x.__class__.__mro__}}``) or a variable
holding a callable is a plan error at its key path, so ``check`` and the
builders refuse it; the renderer in :mod:`scenario_engine.templates` refuses
the same at run time whatever the source.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scenario_engine.errors import Problem
from scenario_engine.templates import placeholder_paths

__all__ = ["template_problems"]

_DATA_HINT = "templates read variables, keys of tables and list indices, nothing else"


def template_problems(
    template: Any, where: str, callables: Mapping[str, str] | None = None
) -> list[Problem]:
    """What a template may not do, found before it runs: read a name starting with ``_``
    (``{{f.__globals__}}``), or render a variable that holds a callable.

    ``callables`` maps the variables holding callables to their references.
    """
    problems: list[Problem] = []
    for at, text in _strings(template, where):
        for written, path in placeholder_paths(text):
            head = path.partition(".")[0]
            hidden = [part for part in path.split(".") if part.startswith("_")]
            if hidden:
                problems.append(Problem(
                    at,
                    f"template {written!r} reads {hidden[0]!r}: a template never "
                    "reads attributes or private names",
                    _DATA_HINT,
                ))
            elif callables and head in callables:
                problems.append(Problem(
                    at,
                    f"template {written!r} names {head!r}, a callable "
                    f"({callables[head]}): a template substitutes data, it never calls or "
                    "shows code",
                    "give the variable a string, number, list or table",
                ))
    return problems


def _strings(node: Any, path: str) -> list[tuple[str, str]]:
    """Every string of a template that holds a placeholder, with its key path."""
    if isinstance(node, str):
        return [(path, node)] if "{{" in node else []
    if isinstance(node, Mapping):
        found = []
        for key, value in node.items():
            at = f"{path}.{key}" if str(key).isidentifier() else f"{path}[{str(key)!r}]"
            found += _strings(key, at) + _strings(value, at)
        return found
    if isinstance(node, list | tuple):
        return [s for i, item in enumerate(node) for s in _strings(item, f"{path}[{i}]")]
    return []
