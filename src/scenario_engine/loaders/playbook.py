"""The loader for ``.py`` playbooks: run the file as a module, collect its scenarios.

A playbook is code. It is executed as a module named after the file
(``flash.py`` -> ``flash``) with its directory first on ``sys.path``, so a
function defined in it is the importable ``flash:function`` that a compiled
plan refers to. Every public module-level :class:`Scenario` is built (and
module-level :class:`Plan` objects, or lists of either, are taken as they
are). Whatever goes wrong -- a syntax error, an exception at import, a bad
argument to a builder -- becomes a :class:`PlaybookError` located at
``file:line`` in the playbook, quoting the error.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
import traceback
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from scenario_engine.errors import (
    PlanError,
    PlaybookError,
    PluginError,
    Problem,
    ScenarioError,
    UsageError,
)
from scenario_engine.loaders.origins import Origin, carry, locate_in, origin_of, remember, shown
from scenario_engine.loaders.select import with_vars
from scenario_engine.loaders.user_code import is_user_code
from scenario_engine.packs import install_hint, pack_of_module
from scenario_engine.plan.nodes import Plan

__all__ = ["load_playbook", "run_module"]

_EXAMPLE = "scenario = Scenario('name').phase('calm', cycles=3)"
#: set on modules run as playbooks: a later playbook of the same name may replace them
_MARK = "__scenario_playbook__"


def load_playbook(path: Path, variables: Mapping[str, str]) -> list[Plan]:
    """The plans of every public module-level scenario in ``path``, in definition order.

    Raises :class:`PlaybookError` (located at ``file:line``) when the file
    fails to run or a scenario fails to build, and when it defines no
    scenario at all; :class:`UsageError` when the file does not exist.
    """
    module = _execute(path)
    return [carry(plan, with_vars(plan, variables)) for plan in _collect(module, path)]


def run_module(path: Path) -> ModuleType:
    """Execute a playbook as a module, as :func:`load_playbook` does, for callers that look
    for other module-level objects (orchestrations)."""
    return _execute(path)


def _module_name(path: Path, real: Path) -> str:
    name = real.stem
    if name in sys.stdlib_module_names or name in ("scenario_engine", "__main__"):
        raise PlaybookError(
            [Problem(str(path), f"the file name shadows the module {name!r}",
                     "rename the playbook (it runs as a module named after the file)")]
        )
    existing = sys.modules.get(name)
    origin = getattr(existing, "__file__", None)
    if existing is not None and not getattr(existing, _MARK, False):
        raise PlaybookError(
            [Problem(str(path), f"the module name {name!r} is already taken by "
                     f"{origin or 'a built-in module'}",
                     "rename the playbook (it runs as a module named after the file)")]
        )
    return name


def _execute(path: Path) -> ModuleType:
    if not path.is_file():
        raise UsageError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    real = path.resolve()
    name = _module_name(path, real)
    directory = str(real.parent)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    # as under `python -m`: targets such as "playbooks.systems.risk:RiskEngine" resolve
    # from the directory the command runs in
    cwd = str(Path.cwd())
    if cwd not in sys.path and "" not in sys.path:
        sys.path.append(cwd)
    spec = importlib.util.spec_from_file_location(name, real)
    if spec is None or spec.loader is None:  # pragma: no cover - a .py file always has a spec
        raise UsageError(f"{path}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    setattr(module, _MARK, True)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as err:
        sys.modules.pop(name, None)
        raise broken_pack(err) or _located(err, path, real) from err
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def _playbook_line(err: BaseException, real: Path) -> tuple[str, int] | None:
    """The file and line of the innermost frame that runs the user's own code: the
    playbook, or a file it includes (not the engine, a plugin or the standard library)."""
    if isinstance(err, SyntaxError) and err.filename and Path(err.filename).resolve() == real:
        return (str(real), err.lineno) if err.lineno else None
    found = None
    for frame, lineno in traceback.walk_tb(err.__traceback__):
        if is_user_code(frame.f_code.co_filename, frame.f_globals.get("__name__", ""), real):
            found = (frame.f_code.co_filename, lineno)
    return found


def _located(err: BaseException, path: Path, real: Path) -> PlaybookError:
    line = _playbook_line(err, real)
    where = f"{shown(line[0], path, real)}:{line[1]}" if line else str(path)
    if isinstance(err, PlanError):
        problems = [
            Problem(where, f"{p.where}: {p.message}" if p.where else p.message, p.hint)
            for p in err.problems
        ]
    elif isinstance(err, ScenarioError):
        problems = [Problem(where, err.message, err.hint)]
    elif isinstance(err, SyntaxError):
        inside = "" if Path(err.filename or "").resolve() == real else (
            f" in {err.filename}:{err.lineno}"
        )
        problems = [Problem(where, f"{type(err).__name__}{inside}: {err.msg}")]
    elif isinstance(err, ModuleNotFoundError) and pack_of_module(err.name):
        prefix = pack_of_module(err.name) or ""
        problems = [Problem(where, f"{type(err).__name__}: {err}",
                            f"the playbook needs the '{prefix}' pack; {install_hint(prefix)}")]
    else:
        problems = [Problem(where, f"{type(err).__name__}: {err}")]
    return PlaybookError(problems)


def broken_pack(err: BaseException) -> PluginError | None:
    """When an installed pack raised while being imported: that pack's error (exit 3).

    A playbook that imports a broken pack is not wrong itself; the error names
    the distribution, its version and where inside it the import failed.
    """
    from scenario_engine.packs import installed_packs

    if isinstance(err, ScenarioError | SyntaxError):
        return None
    if isinstance(err, ModuleNotFoundError) and pack_of_module(err.name):
        return None  # the pack itself is missing: the playbook's error, with an install hint
    for frame, lineno in reversed(list(traceback.walk_tb(err.__traceback__))):
        prefix = pack_of_module(frame.f_globals.get("__name__"))
        pack = installed_packs().get(prefix or "")
        if pack is not None:
            return PluginError(
                f"the {pack.distribution} {pack.version} pack failed to import: "
                f"{type(err).__name__}: {err} (at {frame.f_code.co_filename}:{lineno})",
                hint=f"reinstall {pack.distribution} or report it to its authors; "
                "rerun with --debug for the traceback",
            )
    return None


def _candidates(module: ModuleType) -> Iterator[tuple[str, Any]]:
    from scenario_engine.dsl.scenario import Scenario

    for var, value in list(vars(module).items()):
        if var.startswith("_"):
            continue
        items = value if isinstance(value, list | tuple) else (value,)
        for item in items:
            if isinstance(item, Scenario | Plan):
                yield var, item


def _assigned_lines(real: Path) -> dict[str, int]:
    """Module-level variable -> line of its (last) assignment, to locate build errors."""
    try:
        tree = ast.parse(real.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return {}
    lines: dict[str, int] = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        for target in targets:
            if isinstance(target, ast.Name):
                lines[target.id] = node.lineno
    return lines


def _collect(module: ModuleType, path: Path) -> list[Plan]:
    real = path.resolve()
    plans: list[Plan] = []
    owners: dict[str, str] = {}
    problems: list[Problem] = []
    lines: dict[str, int] | None = None
    for var, item in _candidates(module):
        lines = lines if lines is not None else _assigned_lines(real)
        default = f"{path}:{lines[var]}" if var in lines else str(path)
        if isinstance(item, Plan):
            plan = item
            if origin_of(plan) is None:
                remember(plan, Origin(path, default=default))
        else:
            made = {
                key: f"{shown(file, path, real)}:{line}"
                for key, (file, line) in item.origins().items()
            }
            try:
                plan = item.build()
            except PlanError as err:
                origin = Origin(path, lines=made, default=default)
                problems += locate_in(item.name, path, origin, err.problems)
                continue
            plan = remember(plan, Origin(path, lines=made, default=default))
        if plan in plans:
            continue  # the same scenario under two names
        if plan.name in owners:
            problems.append(Problem(
                str(path),
                f"two different scenarios are named {plan.name!r} "
                f"(variables {owners[plan.name]} and {var})",
                "give each its own name, or start a base scenario's variable with _ "
                "to keep it out of the run",
            ))
            continue
        owners[plan.name] = var
        plans.append(plan)
    if problems:
        raise PlaybookError(problems)
    if not plans:
        raise PlaybookError([Problem(str(path), "no scenario found",
                                     f"define one at module level: {_EXAMPLE}")])
    return plans
