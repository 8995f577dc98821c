"""The README and docs say only what is true: every example in them runs here.

(docs/plugins.md has its own test, next to the plugin it walks through;
docs/real-services.md has its own in tests/integration, against real brokers.)
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scenario_engine import Scenario
from scenario_engine.testing import run

REPO = Path(__file__).resolve().parents[1]
DOCS = [
    REPO / "README.md",
    # plugins.md and real-services.md have tests of their own (a plugin; real brokers)
    *sorted(
        p for p in (REPO / "docs").glob("*.md") if p.name not in ("plugins.md", "real-services.md")
    ),
]
_BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def blocks(path: Path, language: str) -> list[str]:
    return [body for lang, body in _BLOCK.findall(path.read_text()) if lang == language]


PYTHON_BLOCKS = [
    pytest.param(doc, index, code, id=f"{doc.name}[{index}]")
    for doc in DOCS
    for index, code in enumerate(blocks(doc, "python"))
]


@pytest.mark.parametrize(("doc", "index", "code"), PYTHON_BLOCKS)
def test_the_python_example_runs_and_its_scenarios_pass(
    doc: Path, index: int, code: str, tmp_path: Path
) -> None:
    namespace: dict[str, object] = {"__name__": f"doc_example_{index}"}
    exec(compile(code, f"{doc.name}[{index}]", "exec"), namespace)
    scenarios = [v for v in namespace.values() if isinstance(v, Scenario)]
    tests = [v for k, v in namespace.items() if k.startswith("test_") and callable(v)]
    assert scenarios or tests, "an example should show a scenario or a test"
    for scenario in scenarios:
        result = run(scenario, report_dir=tmp_path / scenario.name)
        assert result.passed, [a.explain() for a in result.failures]
    for test in tests:
        test(tmp_path / test.__name__)


def test_the_failure_shown_in_the_readme_is_what_the_failing_playbook_prints(
    tmp_path: Path,
) -> None:
    [shown] = [b for b in blocks(REPO / "README.md", "text") if "FAIL slow-fills" in b]
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "scenario_engine.cli",
            "play",
            "playbooks/failing_on_purpose.py",
            "--report-dir",
            str(tmp_path),
        ],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert completed.returncode == 1
    for line in shown.splitlines():
        if "clock time in" in line or line.strip().startswith("report:"):
            continue  # wall time and the report directory differ from run to run
        assert line in completed.stdout, line


def test_the_first_readme_command_works_on_a_fresh_checkout(tmp_path: Path) -> None:
    [setup] = [b.strip() for b in blocks(REPO / "README.md", "bash") if "scenario play" in b]
    files = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    checkout = tmp_path / "checkout"
    for name in files:
        target = checkout / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (REPO / name).is_file():
            shutil.copy2(REPO / name, target)
    completed = subprocess.run(
        ["bash", "-c", setup], cwd=checkout, check=False,
        capture_output=True, text=True, timeout=600
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "PASS quickstart" in completed.stdout


def test_the_readme_names_the_test_command_ci_runs() -> None:
    assert "scripts/test" in blocks(REPO / "README.md", "bash")[1]
    assert "exec scripts/test" in (REPO / ".ci" / "run").read_text()
