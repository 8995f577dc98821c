"""Collecting a suite: the playbooks and plan files under folders, pytest-like.

Under a folder, a ``.py`` file is a playbook when it defines scenarios (a
file that never mentions ``scenario_engine`` is not even run, and one that
runs but defines none is passed over); a ``.toml`` or ``.json`` file is a
plan file when it holds ``plans``. Hidden and private folders (``.x``,
``_x``), ``__pycache__`` and the ignore patterns (``--ignore``,
``[tool.scenario] ignore``) are skipped. A file named on the command line is
always loaded, whatever it holds.
"""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import attrs

from scenario_engine.errors import PlanError, PlaybookError, Problem, UsageError
from scenario_engine.plan.nodes import Plan
from scenario_engine.plan.trust import Trust

__all__ = ["CollectedPlan", "collect_files", "collect_plans", "expected_failures"]

_SKIP_DIRS = frozenset({"__pycache__", "node_modules", "venv", "site-packages"})
_PY_MARK = re.compile(r"\bscenario_engine\b")
#: a playbook may say its scenarios fail on purpose: ``EXPECTED = "fail"``
_EXPECTED = re.compile(r"^EXPECTED\s*=\s*['\"](fail|pass)['\"]", re.MULTILINE)


@attrs.frozen
class CollectedPlan:
    """A plan and where it came from; ``xfail`` when it is expected to fail."""

    source: Path
    plan: Plan
    xfail: bool = False

    @property
    def key(self) -> str:
        """``/abs/path::name``, the identity ``--lf`` remembers."""
        return f"{self.source.resolve().as_posix()}::{self.plan.name}"


def _ignored(path: Path, root: Path, patterns: Sequence[str]) -> bool:
    relative = path.relative_to(root).as_posix() if path != root else path.name
    for raw in patterns:
        pattern = raw.rstrip("/")
        if fnmatch.fnmatchcase(relative, pattern) or fnmatch.fnmatchcase(path.name, pattern):
            return True
        if fnmatch.fnmatchcase(path.as_posix(), pattern) or path.as_posix().endswith("/" + pattern):
            return True
    return False


def _is_plan_file(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    # an orchestration file holds plans too, but is run by `scenario orchestrate`
    return isinstance(data, dict) and "plans" in data and "orchestration" not in data


def _candidate(path: Path) -> bool:
    if path.suffix == ".py":
        if path.name in {"__init__.py", "conftest.py"}:
            return False
        try:
            return bool(_PY_MARK.search(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError):
            return False
    if path.suffix in (".toml", ".json"):
        return path.name != "pyproject.toml" and _is_plan_file(path)
    return False


def _walk(root: Path, ignore: Sequence[str]) -> Iterator[Path]:
    entries = sorted(root.iterdir(), key=lambda p: p.name)
    for entry in entries:
        if _ignored(entry, root, ignore):
            continue
        if entry.is_dir():
            if entry.name.startswith((".", "_")) or entry.name in _SKIP_DIRS:
                continue
            if (entry / "pyvenv.cfg").exists():
                continue
            yield from (p for p in _walk(entry, ignore) if not _ignored(p, root, ignore))
        elif entry.is_file() and _candidate(entry):
            yield entry


def collect_files(
    paths: Iterable[str | Path], ignore: Sequence[str] = ()
) -> list[tuple[Path, bool]]:
    """Every file to load, in order, each with whether it was named explicitly."""
    out: list[tuple[Path, bool]] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        found = [(path, True)] if not path.is_dir() else [(p, False) for p in _walk(path, ignore)]
        for file, explicit in found:
            real = file.resolve()
            if real not in seen:
                seen.add(real)
                out.append((file, explicit))
    return out


def _defines_nothing(err: PlanError) -> bool:
    return len(err.problems) == 1 and err.problems[0].message == "no scenario found"


def expected_failures(path: Path) -> bool:
    """Whether a playbook says ``EXPECTED = "fail"`` (read, not run)."""
    if path.suffix != ".py":
        return False
    try:
        match = _EXPECTED.search(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return False
    return bool(match and match.group(1) == "fail")


def collect_plans(
    paths: Iterable[str | Path],
    *,
    ignore: Sequence[str] = (),
    variables: dict[str, str] | None = None,
    trust: Trust | None = None,
) -> list[CollectedPlan]:
    """Load every collected file; problems of every file are raised together (exit 2).

    A scenario is expected to fail (xfail) when it is tagged ``xfail`` or its
    playbook says ``EXPECTED = "fail"``. Plan files may call only ``trust``-ed code.
    """
    from scenario_engine.loaders import load_plans

    files = collect_files(paths, ignore)
    items: list[CollectedPlan] = []
    problems: list[Problem] = []
    for path, explicit in files:
        try:
            loaded = load_plans([path], variables=variables or {}, trust=trust)
        except PlaybookError as err:
            if not explicit and _defines_nothing(err):
                continue  # a helper module under the folder, not a playbook
            problems += err.problems
            continue
        except PlanError as err:
            problems += err.problems
            continue
        xfail = expected_failures(path)
        items += [
            CollectedPlan(source, plan, xfail or "xfail" in plan.tags) for source, plan in loaded
        ]
    if problems:
        raise PlanError(problems)
    if not items:
        shown = ", ".join(str(p) for p in paths)
        raise UsageError(
            f"no scenario found in {shown}",
            hint="a playbook is a .py file defining a Scenario; a plan file holds [[plans]]",
        )
    return items
