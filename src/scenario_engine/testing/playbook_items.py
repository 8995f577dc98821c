"""Playbooks as pytest tests: one item per scenario, failures rendered like ``scenario play``.

``pytest playbooks/`` collects every playbook (a ``.py`` file that defines
scenarios, or a ``.toml`` / ``.json`` / ``.yaml`` plan) under a folder named
``playbooks`` given on the command line, or matching ``--scenario-glob``
(``scenario_glob`` in the ini file). Each scenario is an item named after it;
its tags are markers (``-m smoke``), ``-k`` selects by name, ``--lf`` and
pytest-xdist work on the item ids. A playbook that says ``EXPECTED_EXIT = 1``
is expected to fail (a strict xfail).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

__all__ = ["PlaybookFile", "ScenarioFailed", "ScenarioItem", "is_playbook"]

SUFFIXES = (".py", ".toml", ".json", ".yaml", ".yml")
_EXPECTED = re.compile(r"^EXPECTED_EXIT\s*=\s*(\d+)", re.MULTILINE)
_TAG = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _globs(config: pytest.Config) -> list[str]:
    given = config.getoption("scenario_glob", default=None) or []
    return [*given, *config.getini("scenario_glob")]


def _under_a_playbooks_argument(path: Path, config: pytest.Config) -> bool:
    for arg in config.args:
        given = Path(str(arg).split("::")[0])
        if not given.is_absolute():
            given = Path(config.invocation_params.dir) / given
        if given.name == "playbooks" and given.is_dir() and path.is_relative_to(given):
            return True
        if given.resolve() == path.resolve() and given.parent.name == "playbooks":
            return True
    return False


def is_playbook(path: Path, config: pytest.Config) -> bool:
    """Whether pytest should collect ``path`` as a playbook."""
    if path.suffix not in SUFFIXES or path.name.startswith(("test_", "conftest")):
        return False
    if path.name.endswith("_test.py") or path.name == "__init__.py":
        return False
    relative = path.relative_to(config.rootpath) if path.is_relative_to(config.rootpath) else path
    chosen = any(fnmatch.fnmatch(str(relative), glob) for glob in _globs(config))
    if not chosen and not _under_a_playbooks_argument(path, config):
        return False
    if path.suffix == ".py":  # a module without scenarios (a system under test) is no playbook
        try:
            return "Scenario(" in path.read_text(encoding="utf-8")
        except OSError:
            return False
    return True


class ScenarioFailed(Exception):  # noqa: N818 - a verdict, not an error
    """A scenario ran and did not pass; carries its result for the report."""

    def __init__(self, result: Any) -> None:
        super().__init__(result.name)
        self.result = result


class PlaybookFile(pytest.File):
    """A playbook or plan file: its scenarios are the items."""

    def collect(self) -> Iterator[pytest.Item]:
        from scenario_engine.errors import ScenarioError
        from scenario_engine.loaders import load_plans

        try:
            plans = [plan for _, plan in load_plans([self.path], trust=_project_trust(self.config))]
        except ScenarioError as err:
            raise self.CollectError(f"{self.path}: {err}") from None
        expected = 0
        if self.path.suffix == ".py":
            match = _EXPECTED.search(self.path.read_text(encoding="utf-8"))
            expected = int(match.group(1)) if match else 0
        for plan in plans:
            item = ScenarioItem.from_parent(self, name=plan.name, plan=plan)
            for tag in plan.tags:
                if _TAG.fullmatch(tag):
                    self.config.addinivalue_line("markers", f"{tag}: a scenario tag")
                    item.add_marker(tag)
            if expected:
                item.add_marker(
                    pytest.mark.xfail(
                        strict=True, reason=f"the playbook says EXPECTED_EXIT = {expected}"
                    )
                )
            yield item


class ScenarioItem(pytest.Item):
    """One scenario of a playbook, run on its own bus and clock."""

    def __init__(self, *, plan: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plan = plan

    def runtest(self) -> None:
        from scenario_engine.runtime import RunOptions, run_plan

        base = self.config.getoption("scenario_report_dir", default=None)
        factory = getattr(self.config, "_tmp_path_factory", None)  # pytest's tmp_path plugin
        if base is None:
            base = factory.getbasetemp() / "scenario-reports" if factory else "scenario-reports"
        result = run_plan(self.plan, RunOptions(report_dir=Path(base), source=self.path))
        if result.replay:
            self.user_properties.append(("replay", result.replay))
        if result.report_dir:
            self.user_properties.append(("report", result.report_dir))
        if result.status == "interrupted":
            raise KeyboardInterrupt
        if not result.passed:
            raise ScenarioFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, ScenarioFailed):
            from scenario_engine.report.console import render_summary

            result = excinfo.value.result
            text = render_summary(result)
            if result.replay:
                text += f"\nreplay: {result.replay}"
            return text
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario {self.name}"


def _project_trust(config: pytest.Config) -> Any:
    """``[tool.scenario] trust`` of the project pytest runs in: what its plan files may call."""
    from scenario_engine.config import load_project_config
    from scenario_engine.plan.trust import Trust

    project = load_project_config(config.rootpath)
    return Trust.of(project.trust, where=f"{project.path}: [tool.scenario] trust")
