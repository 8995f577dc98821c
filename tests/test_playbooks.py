"""Every example playbook runs through the real ``scenario`` command, with its expected exit."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from scenario_engine.testing import read_events

REPO = Path(__file__).resolve().parents[1]
PLAYBOOKS = sorted(
    p
    for p in (REPO / "playbooks").rglob("*.py")
    if "systems" not in p.relative_to(REPO / "playbooks").parts and p.name != "__init__.py"
)
_EXPECTED = re.compile(r"^EXPECTED_EXIT\s*=\s*(\d+)", re.MULTILINE)


def expected_exit(path: Path) -> int:
    """0, unless the playbook says it fails on purpose (``EXPECTED_EXIT = 1``)."""
    match = _EXPECTED.search(path.read_text())
    return int(match.group(1)) if match else 0


def test_there_are_at_least_four_example_playbooks() -> None:
    assert len(PLAYBOOKS) >= 4
    assert any(expected_exit(p) == 1 for p in PLAYBOOKS)


@pytest.mark.parametrize("playbook", PLAYBOOKS, ids=lambda p: str(p.relative_to(REPO)))
def test_the_playbook_exits_as_it_says(playbook: Path, tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "scenario_engine.cli",
            "play",
            str(playbook),
            "--report-dir",
            str(tmp_path),
        ],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == expected_exit(playbook), output
    assert "Traceback" not in output
    for log in tmp_path.rglob("events.jsonl"):
        events = read_events(log)
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [p for p in tmp_path.rglob("report.json") if p.parent != tmp_path]  # a scenario's
    if completed.returncode == 1:
        assert output.splitlines()[-1].startswith("replay ")
        assert ": scenario play" in output.splitlines()[-1]
