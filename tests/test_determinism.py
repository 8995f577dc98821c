"""Same playbook, same seed: the same event log, byte for byte, in any process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scenario_engine import Delay, Drop, Duplicate, Scenario
from scenario_engine.testing import read_events, run

REPO = Path(__file__).resolve().parents[1]

SCRIPT = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from composed import scenario
from scenario_engine.testing import run
run(scenario(int(sys.argv[3])), report_dir=Path(sys.argv[2]))
"""

PLAYBOOK = """
from scenario_engine import Delay, Drop, Duplicate, Reorder, Scenario, Count

class Echo:
    def __init__(self, bus):
        self.bus = bus
        bus.subscribe("request", lambda e: bus.publish("reply", {"n": e.payload["index"]}))

def scenario(seed):
    return (Scenario("det", seed=seed).system(Echo)
            .generator("counter", topic="request", every="100ms")
            .generator("constant", topic="price", value=10.0, every="250ms")
            .phase("a", cycles=200, profile="random_walk", step=0.05)
            .chaos(Drop("*", probability=0.1))
            .chaos(Delay("request", ms=30, jitter_ms=40, probability=0.3))
            .chaos(Duplicate("reply", probability=0.05))
            .chaos(Reorder("price", window=3, probability=0.5))
            .expect(Count("reply", min=1)))
"""


def _run_in_process(tmp_path: Path, name: str, seed: int) -> bytes:
    (tmp_path / "composed.py").write_text(PLAYBOOK)
    out = tmp_path / name
    subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path), str(out), str(seed)], check=True, cwd=REPO
    )
    return (out / "det" / "latest" / "events.jsonl").read_bytes()


def test_the_same_seed_gives_a_byte_identical_log_across_processes(tmp_path: Path) -> None:
    first = _run_in_process(tmp_path, "one", 42)
    second = _run_in_process(tmp_path, "two", 42)
    assert first == second
    assert first.count(b"\n") > 400


def test_another_seed_changes_the_probabilistic_outcomes(tmp_path: Path) -> None:
    assert _run_in_process(tmp_path, "one", 42) != _run_in_process(tmp_path, "two", 43)


def test_repeated_runs_in_one_process_are_identical(tmp_path: Path) -> None:
    scenario = (
        Scenario("again", seed=9)
        .generator("counter", topic="t", every="1s")
        .phase("p", cycles=300)
        .chaos(Drop("t", probability=0.3))
        .chaos(Delay("t", ms=500, jitter_ms=900, probability=0.5))
    )
    one = run(scenario, report_dir=tmp_path / "1")
    two = run(scenario, report_dir=tmp_path / "2")
    assert Path(one.events_path).read_bytes() == Path(two.events_path).read_bytes()


def _dropped(result) -> list[int]:
    return [
        e["payload"]["index"]
        for e in read_events(result.events_path)
        if e.get("status") == "dropped" and e["topic"] == "a"
    ]


def test_adding_a_chaos_action_leaves_the_other_actions_draws_alone(tmp_path: Path) -> None:
    base = (
        Scenario("independent", seed=4)
        .generator("counter", topic="a", every="1s")
        .generator("counter", topic="b", every="1s")
        .phase("p", cycles=200)
    )
    alone = run(base.chaos(Drop("a", probability=0.3)), report_dir=tmp_path / "alone")
    # a new action placed *before* it, drawing on its own
    crowded = run(
        base.chaos(Duplicate("b", probability=0.5)).chaos(Drop("a", probability=0.3)),
        report_dir=tmp_path / "crowded",
    )
    assert _dropped(alone) == _dropped(crowded)
    assert 30 < len(_dropped(alone)) < 90
