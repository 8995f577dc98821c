"""pytest integration: fixtures for running scenarios inside a test suite.

Loaded through the ``pytest11`` entry point; it imports nothing heavy until a
fixture is used.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def scenario_run(tmp_path: Path) -> Callable[..., Any]:
    """Run a Scenario or Plan with its report under the test's tmp dir; returns the RunResult."""
    from scenario_engine.testing import run

    def _run(scenario: Any, **options: Any) -> Any:
        options.setdefault("report_dir", tmp_path / "scenario-reports")
        return run(scenario, **options)

    return _run
