"""pytest integration: playbooks collected as tests, and fixtures for running scenarios.

Loaded through the ``pytest11`` entry point; it imports nothing heavy until a
playbook is collected or a fixture is used.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("scenario-engine")
    group.addoption(
        "--scenario-glob",
        dest="scenario_glob",
        action="append",
        default=[],
        metavar="GLOB",
        help="also collect playbooks matching GLOB (relative to the root); repeatable",
    )
    group.addoption(
        "--scenario-report-dir",
        dest="scenario_report_dir",
        default=None,
        metavar="DIR",
        help="where collected playbooks write their reports (default: pytest's temp dir)",
    )
    parser.addini("scenario_glob", type="linelist", help="globs of playbooks to collect")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    from scenario_engine.testing.playbook_items import SUFFIXES, PlaybookFile, is_playbook

    if file_path.suffix not in SUFFIXES or not is_playbook(file_path, parent.config):
        return None
    return PlaybookFile.from_parent(parent, path=file_path)


@pytest.fixture
def scenario_run(tmp_path: Path) -> Callable[..., Any]:
    """Run a Scenario or Plan with its report under the test's tmp dir; returns the RunResult."""
    from scenario_engine.testing import run

    def _run(scenario: Any, **options: Any) -> Any:
        options.setdefault("report_dir", tmp_path / "scenario-reports")
        return run(scenario, **options)

    return _run
