"""The trading playbooks, run end to end through `scenario play`, and the pack missing."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

PLAYBOOKS = Path(__file__).resolve().parents[3] / "playbooks" / "trading"
SCENARIO = [sys.executable, "-m", "scenario_engine.cli"]

pytestmark = pytest.mark.skipif(
    not PLAYBOOKS.is_dir(), reason="the example playbooks live in the scenario-engine repository"
)


def expected_exit(path: Path) -> int:
    """The playbook's own ``EXPECTED_EXIT`` constant, read without running it."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets
                                             if isinstance(t, ast.Name)] == ["EXPECTED_EXIT"]:
            return ast.literal_eval(node.value)
    raise AssertionError(f"{path.name} declares no EXPECTED_EXIT")


def play(
    path: Path, tmp_path: Path, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SCENARIO, "play", str(path), "--report-dir", str(tmp_path), *args],
        check=False, capture_output=True, text=True, env={**os.environ, **env}, timeout=120,
    )


def playbooks() -> list[Path]:
    return sorted(PLAYBOOKS.glob("*.py")) if PLAYBOOKS.is_dir() else []


@pytest.mark.parametrize("path", playbooks(), ids=lambda p: p.name)
def test_each_playbook_exits_with_the_code_it_declares(path, tmp_path):
    result = play(path, tmp_path)
    assert result.returncode == expected_exit(path), result.stdout + result.stderr


@pytest.mark.parametrize("path", playbooks(), ids=lambda p: p.name)
def test_each_playbook_says_its_expected_outcome_in_its_docstring(path):
    code = expected_exit(path)
    outcome = "passes (exit 0)" if code == 0 else f"fails (exit {code})"
    assert f"Expected outcome: {outcome}" in ast.get_docstring(ast.parse(path.read_text()))


def test_the_chaos_playbook_fails_by_design_because_the_engine_never_halts(tmp_path):
    result = play(PLAYBOOKS / "chaos_blinds_risk.py", tmp_path)
    assert result.returncode == 1
    assert "FAIL Count('TradingHalted', exact=1)" in result.stdout
    assert "actual:   saw 0" in result.stdout


def test_the_flash_crash_halts_then_resumes_and_reports_trading_statistics(tmp_path):
    sys.path.insert(0, str(PLAYBOOKS))
    try:
        from flash_crash import flash_crash
    finally:
        sys.path.remove(str(PLAYBOOKS))
    from scenario_engine.testing import read_events, run

    result = run(flash_crash, report_dir=tmp_path)
    assert result.passed, [(a.label, a.actual) for a in result.assertions if not a.passed]
    topics = [e["topic"] for e in read_events(result.events_path)
              if e["topic"].startswith("Trading")]
    assert topics == ["TradingHalted", "TradingResumed"]
    stats = result.generators["PriceUpdate"]
    assert stats["generator"] == "trading.market"
    assert {"start", "end", "change_pct", "min", "max", "range",
            "realised_volatility"} <= set(stats)
    assert stats["min"] == pytest.approx(70.0, rel=0.02)


def test_the_same_seed_replays_the_same_event_log(tmp_path):
    from scenario_engine.testing import read_events

    logs = []
    for run_dir in ("one", "two"):
        play(PLAYBOOKS / "flash_crash.py", tmp_path / run_dir)
        [log] = (tmp_path / run_dir).glob("*/latest/events.jsonl")
        logs.append([{k: v for k, v in e.items() if k != "id"} for e in read_events(log)])
    assert len(logs[0]) > 100
    assert logs[0] == logs[1]


def test_without_the_pack_a_trading_playbook_stops_naming_it_and_how_to_install_it(tmp_path):
    result = play(PLAYBOOKS / "pump_and_dump.py", tmp_path,
                  SCENARIO_ENGINE_DISABLE_PLUGIN_AUTOLOAD="1")
    assert result.returncode == 2
    assert "no installed plugin provides 'trading.*' names" in result.stderr
    assert "pip install -e plugins/scenario-trading (from a clone of scenario-engine" in (
        result.stderr
    )


def test_without_the_pack_a_playbook_using_its_spec_classes_stops_before_running(tmp_path):
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text("import sys\nsys.modules['scenario_trading'] = None\n")
    result = play(PLAYBOOKS / "flash_crash.py", tmp_path / "reports",
                  SCENARIO_ENGINE_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONPATH=str(hide))
    assert result.returncode == 2
    assert "flash_crash.py:" in result.stderr
    assert "scenario_trading" in result.stderr


def test_scenario_plugins_lists_every_trading_name_with_its_distribution_and_version():
    result = subprocess.run([*SCENARIO, "plugins"], capture_output=True, text=True, check=True)
    rows = [line.split() for line in result.stdout.splitlines() if "trading." in line]
    assert len(rows) == 17
    assert all(row[-2:] == ["scenario-trading", version("scenario-trading")] for row in rows)


def test_a_trading_playbook_compiled_to_a_plan_file_replays_the_same_events(tmp_path):
    from scenario_engine.testing import read_events

    plan = tmp_path / "flash_crash.toml"
    compiled = subprocess.run(
        [*SCENARIO, "compile", str(PLAYBOOKS / "flash_crash.py"), "-o", str(plan)],
        check=False, capture_output=True, text=True,
    )
    assert compiled.returncode == 0, compiled.stderr
    assert "play it with --trust scenario_trading.systems " in compiled.stderr
    logs = []
    for source, run_dir in ((PLAYBOOKS / "flash_crash.py", "py"), (plan, "toml")):
        trust = ("--trust", "scenario_trading.systems") if source == plan else ()
        assert play(source, tmp_path / run_dir, *trust).returncode == 0
        [log] = (tmp_path / run_dir).glob("*/latest/events.jsonl")
        logs.append([{k: v for k, v in e.items() if k != "id"} for e in read_events(log)])
    assert logs[0] == logs[1]
