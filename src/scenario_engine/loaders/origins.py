"""Where each loaded plan came from, so that a problem found after loading is located too.

Loading a file checks its structure; the checks that need the plugins, the
bus, the replay files (``check``, ``play`` before it starts) come later and
know only a key path. The loaders remember, for each plan they return, its
file and either its position in a plan file (``plans[1]``) or the playbook
lines its builder calls were written on; :func:`locate` turns a key path into
``plan.toml:plans[1].steps[0].cycles`` or ``flash.py:12: scenario 'flash':
steps[0].profile.name``.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping
from pathlib import Path

import attrs

from scenario_engine.dsl.origins import key_prefixes
from scenario_engine.errors import Problem
from scenario_engine.plan._fields import join_path
from scenario_engine.plan.nodes import Plan

__all__ = ["Origin", "carry", "locate", "locate_in", "origin_of", "remember", "shown"]


@attrs.frozen
class Origin:
    """A plan's source: ``index`` in a plan file, or the playbook ``lines`` that made it.

    ``lines`` maps key paths to a displayable ``file:line``; ``default`` is
    used for a key path none of them covers (the scenario's assignment line).
    """

    source: Path
    index: int | None = None
    lines: Mapping[str, str] = attrs.field(factory=dict)
    default: str = ""


_ORIGINS: dict[int, tuple[weakref.ref[Plan], Origin]] = {}


def remember(plan: Plan, origin: Origin) -> Plan:
    """Note where ``plan`` came from (for as long as the plan lives); returns it."""
    key = id(plan)
    _ORIGINS[key] = (weakref.ref(plan, lambda _: _ORIGINS.pop(key, None)), origin)
    return plan


def origin_of(plan: Plan) -> Origin | None:
    found = _ORIGINS.get(id(plan))
    if found is None or found[0]() is not plan:
        return None
    return found[1]


def carry(old: Plan, new: Plan) -> Plan:
    """``new`` (e.g. ``old`` with ``--var`` values set) keeps ``old``'s origin."""
    origin = origin_of(old)
    if origin is not None and new is not old:
        remember(new, origin)
    return new


def shown(file: str, playbook: Path, real: Path) -> str:
    """A file name as the user knows it: the playbook as given, others relative to here."""
    path = Path(file)
    if path == real:
        return str(playbook)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def locate_in(
    name: str, source: Path, origin: Origin | None, problems: Iterable[Problem]
) -> list[Problem]:
    """``problems`` of the scenario ``name`` located by ``origin`` (key paths kept)."""
    out = []
    for problem in problems:
        if origin is not None and origin.index is not None:
            where = join_path(f"{origin.source}:plans[{origin.index}]", problem.where)
            out.append(attrs.evolve(problem, where=where))
            continue
        line = ""
        if origin is not None:
            line = next(
                (origin.lines[p] for p in key_prefixes(problem.where) if p in origin.lines),
                origin.default,
            )
        inner = f"{problem.where}: " if problem.where else ""
        out.append(Problem(f"{line or source}: scenario {name!r}",
                           f"{inner}{problem.message}", problem.hint))
    return out


def locate(plan: Plan, source: Path, problems: Iterable[Problem]) -> list[Problem]:
    """``problems`` (key paths within ``plan``) located in the file ``plan`` came from."""
    return locate_in(plan.name, source, origin_of(plan), problems)
