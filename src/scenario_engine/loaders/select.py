"""Choosing plans by name (``-k``) and overriding their variables (``--var``)."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from pathlib import Path

import attrs

from scenario_engine.errors import UsageError
from scenario_engine.plan.nodes import Plan
from scenario_engine.plan.values import FrozenMap

__all__ = ["matches", "select_plans", "with_vars"]


def with_vars(plan: Plan, variables: Mapping[str, str]) -> Plan:
    """``plan`` with ``variables`` set over its own (``--var name=value`` wins)."""
    if not variables:
        return plan
    return attrs.evolve(plan, vars=FrozenMap({**plan.vars, **variables}))


def matches(name: str, pattern: str) -> bool:
    """``-k`` semantics: a glob (``flash*``) matched against the whole name, or the exact name.

    Several patterns may be given separated by commas; any one matching selects.
    """
    return any(
        fnmatch.fnmatchcase(name, part.strip()) for part in pattern.split(",") if part.strip()
    )


def select_plans(
    found: Iterable[tuple[Path, Plan]], select: str | None
) -> list[tuple[Path, Plan]]:
    """The plans whose name matches ``select``; all when it is None.

    Raises :class:`UsageError` when nothing matches, listing what exists.
    """
    found = list(found)
    if select is None:
        return found
    chosen = [(path, plan) for path, plan in found if matches(plan.name, select)]
    if not chosen:
        names = ", ".join(sorted({plan.name for _, plan in found})) or "none"
        raise UsageError(
            f"-k {select!r} matches no scenario (found: {names})",
            hint="give a name or a glob such as 'flash*'; several separated by commas",
        )
    return chosen
