"""``scenario explore`` and ``scenario shrink`` on the planted settlement bug, end to end."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from scenario_engine.cli import main
from scenario_engine.explore.sweep import batches, sweep
from scenario_engine.explore.target import Target

REPO = Path(__file__).resolve().parents[1]
HUNT = REPO / "playbooks" / "settlement_hunt.py"
SIGNATURE = "Always('Settled', {'price': {'gt': 0}}) [Settled]"


def scenario(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scenario_engine.cli", *args],
        capture_output=True, text=True, check=False, cwd=REPO, timeout=300,
    )


@pytest.fixture(scope="module")
def local_sweep():
    return sweep(Target.choose(str(HUNT), None), range(1, 201))


def test_explore_finds_the_bug_shrinks_it_to_the_two_drops_and_the_reproducer_fails(
    tmp_path: Path,
) -> None:
    done = scenario("explore", "playbooks/settlement_hunt.py", "--seeds", "1000",
                    "--report-dir", str(tmp_path))
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    lines = out.splitlines()
    assert lines[0] == "exploring 'settlement': seeds 1..1000 (1000) on 1 job"
    assert re.fullmatch(r"36 of 1000 seeds failed, 1 signature\(s\); \d+ seeds/s", lines[1])
    assert lines[2] == f"[1] {SIGNATURE}"
    assert lines[4] == (
        "    smallest 20: scenario play playbooks/settlement_hunt.py -k settlement --seed 20"
    )
    assert re.search(r"shrunk seed 20: 176 chaos applications -> 2 in \d+ runs", out)
    assert "  Drop('PriceUpdate', probability=0.05) dropped PriceUpdate@28#0 at t=28.000s" in lines
    assert "  Drop('PriceUpdate', probability=0.05) dropped PriceUpdate@29#0 at t=29.000s" in lines
    # the progress line: seeds done, failures, seeds/s
    assert re.search(r"^  1000/1000 seeds, 36 failing, \d+ seeds/s$", done.stderr, re.MULTILINE)
    summary = orjson.loads((tmp_path / "settlement" / "explore.json").read_bytes())
    [group] = summary["groups"]
    assert group["signature"] == SIGNATURE
    assert group["seeds"][:5] == [20, 51, 52, 95, 103]
    reproducer = Path(summary["reproducers"][SIGNATURE])
    assert reproducer == tmp_path / "settlement" / "reproduce_settlement_seed20.py"
    assert (
        ".chaos(Drop('PriceUpdate', at_events=['PriceUpdate@28#0', 'PriceUpdate@29#0']))"
        in reproducer.read_text()
    )
    for _ in range(2):
        replayed = scenario("play", str(reproducer), "--report-dir", str(tmp_path / "r"))
        assert replayed.returncode == 1, replayed.stdout + replayed.stderr
        assert "FAIL Always('Settled', {'price': {'gt': 0}}) at 30.000s" in replayed.stdout
        assert "2 dropped" in replayed.stdout


def test_shrink_command_writes_the_reproducer(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["shrink", str(HUNT), "-k", "settlement", "--seed", "51", "--report-dir", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "shrinking 'settlement' seed 51 ..."
    assert re.fullmatch(
        r"shrunk seed 51: \d+ chaos applications -> 2 in \d+ runs \(\d+\.\d\ds\); "
        r"removing any one makes it pass",
        lines[1],
    )
    drops = [line for line in lines if "dropped PriceUpdate@" in line]
    cycles = [int(re.search(r"@(\d+)#", line).group(1)) for line in drops]  # type: ignore[union-attr]
    assert len(cycles) == 2
    assert cycles[0] // 10 == cycles[1] // 10
    assert sorted(c % 10 for c in cycles) == [8, 9]
    assert (tmp_path / "settlement" / "reproduce_settlement_seed51.py").exists()


def test_shrinking_a_passing_seed_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["shrink", str(HUNT), "--seed", "1", "--report-dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert result.output.splitlines()[-2:] == [
        "error: scenario 'settlement' passes with seed 1: there is nothing to shrink",
        "  hint: give a failing seed (scenario explore finds some)",
    ]


def test_explore_takes_one_scenario(tmp_path: Path) -> None:
    playbook = tmp_path / "two.py"
    playbook.write_text(
        "from scenario_engine import Scenario\n"
        "a = Scenario('a').phase('p', cycles=1)\n"
        "b = Scenario('b').phase('p', cycles=1)\n"
    )
    result = CliRunner().invoke(main, ["explore", str(playbook), "--report-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.splitlines()[-2:] == [
        f"error: {playbook} has 2 scenarios matching '*' (a, b); explore and shrink take one",
        "  hint: name it with -k NAME",
    ]
    passing = CliRunner().invoke(
        main, ["explore", str(playbook), "-k", "a", "--seeds", "5", "--report-dir", str(tmp_path)]
    )
    assert passing.exit_code == 0, passing.output
    assert "0 of 5 seeds failed, 0 signature(s)" in passing.output


def test_address_without_ray_is_misuse(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["explore", str(HUNT), "--address", "ray://h:10001", "--report-dir", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "--address is for --engine ray" in result.output


def test_the_same_sweep_in_two_worker_processes_gives_the_same_result(local_sweep) -> None:
    assert [o.seed for o in local_sweep.failing] == [20, 51, 52, 95, 103, 160, 162, 170]
    assert {o.signature for o in local_sweep.failing} == {SIGNATURE}
    parallel = sweep(Target.choose(str(HUNT), None), range(1, 201), jobs=2)
    assert parallel.outcomes == local_sweep.outcomes
    assert parallel.groups == local_sweep.groups


def test_batches_cover_every_seed_once_in_order() -> None:
    seeds = list(range(1, 1001))
    parts = batches(seeds, workers=2)
    assert [s for part in parts for s in part] == seeds
    assert {len(p) for p in parts[:-1]} == {50}
    assert batches([1, 2, 3], workers=4) == [[1], [2], [3]]


def test_a_plan_file_is_explored_with_the_modules_it_may_call_trusted(tmp_path: Path) -> None:
    plan = tmp_path / "settlement.toml"
    compiled = scenario("compile", str(HUNT), "-o", str(plan))
    assert compiled.returncode == 0, compiled.stderr

    def explore(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "scenario_engine.cli", "explore", str(plan), "--seeds", "30",
             "--no-shrink", "--report-dir", str(tmp_path / "r"), *extra],
            capture_output=True, text=True, check=False, cwd=REPO / "playbooks", timeout=300,
        )

    untrusted = explore()
    assert untrusted.returncode == 2
    assert "untrusted reference 'systems.settlement:SettlementService'" in untrusted.stderr
    trusted = explore("--trust", "systems.settlement")
    assert trusted.returncode == 1, trusted.stdout + trusted.stderr
    assert (
        "    smallest 20: scenario play "
        f"{plan} -k settlement --seed 20 --trust systems.settlement" in trusted.stdout
    )
