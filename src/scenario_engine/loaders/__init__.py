"""Turning files into plans: the loader is chosen by suffix through the registry.

The core registers ``py`` (playbooks, executed), ``toml`` and ``json`` (plan
files, data only) and ``yaml`` / ``yml`` (event files, data only) in the
``scenario_engine.loaders`` entry-point group; a plugin adds a format by
registering its suffix there. Whatever the loader, every plan it returns
passes :func:`~scenario_engine.plan.trust.apply_trust`: a reference no code
vouched for resolves only for a trusted module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from os import PathLike
from pathlib import Path

from scenario_engine.errors import PlanError, PluginError, Problem, UsageError
from scenario_engine.loaders.origins import carry, locate
from scenario_engine.loaders.select import matches, select_plans, with_vars
from scenario_engine.plan.nodes import Plan
from scenario_engine.plan.trust import Trust, apply_trust
from scenario_engine.registry import Registry, default_registry
from scenario_engine.spi import Loader

__all__ = ["Trust", "load_plans", "loader_for", "locate", "matches", "select_plans", "with_vars"]


def loader_for(path: Path, registry: Registry | None = None) -> Loader:
    """The loader registered for ``path``'s suffix (``py``, ``toml``, ``json``, ...)."""
    registry = registry or default_registry()
    suffix = path.suffix.lower().lstrip(".")
    known = registry.names("loader")
    if suffix not in known:
        what = f"'.{suffix}' files" if suffix else "files without a suffix"
        raise UsageError(
            f"{path}: no loader for {what} (known: {', '.join('.' + k for k in known)})",
            hint="give a .py playbook, a .toml / .json plan file or a .yaml event file",
        )
    loader: Loader = registry.load("loader", suffix)
    return loader


def _load_one(
    path: Path, variables: Mapping[str, str], registry: Registry, trust: Trust
) -> list[Plan]:
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    if path.is_dir():
        raise UsageError(f"{path}: is a directory", hint=f"give files, e.g. {path}/*.py")
    loader = loader_for(path, registry)
    plans = loader(path, variables)
    if not isinstance(plans, list) or not all(isinstance(p, Plan) for p in plans):
        info = registry.info("loader", path.suffix.lower().lstrip("."))
        raise PluginError(
            f"loader {info.name!r} ({info.target}, from {info.origin}) returned "
            f"{type(plans).__name__}, not a list of Plans",
            hint="see scenario_engine.spi.Loader",
        )
    problems: list[Problem] = []
    trusted = []
    for i, plan in enumerate(plans):
        try:
            trusted.append(apply_trust(plan, trust, f"{path}:plans[{i}]"))
        except PlanError as err:
            problems += err.problems
    if problems:
        raise PlanError(problems)
    return trusted


def load_plans(
    paths: Iterable[str | PathLike[str]],
    select: str | None = None,
    variables: Mapping[str, str] | None = None,
    registry: Registry | None = None,
    trust: Trust | None = None,
) -> list[tuple[Path, Plan]]:
    """Every plan in ``paths`` (those whose name matches ``select``), with ``variables`` set.

    ``trust`` names the modules whose callables a plan file may name (none by
    default); an untrusted reference is a :class:`PlanError` at its key path.

    Invalid files are all reported together: the problems of every file that
    failed are raised as one :class:`PlanError` (a single failing file keeps
    its own error, e.g. a :class:`PlaybookError`). A missing file or an
    unknown suffix is a :class:`UsageError`; ``select`` matching nothing too.
    """
    registry = registry or default_registry()
    variables = dict(variables or {})
    found: list[tuple[Path, Plan]] = []
    failures: list[PlanError] = []
    for raw in paths:
        path = Path(raw)
        try:
            plans = _load_one(path, variables, registry, trust or Trust())
        except PlanError as err:
            failures.append(err)
            continue
        # applied here too, so a third-party loader that ignores them still honours --var
        found += [(path, carry(plan, with_vars(plan, variables))) for plan in plans]
    if len(failures) == 1:
        raise failures[0]
    if failures:
        problems: list[Problem] = [p for err in failures for p in err.problems]
        raise PlanError(problems)
    if not found:
        raise UsageError("no playbook or plan file given", hint="scenario check flash.py")
    return select_plans(found, select)
