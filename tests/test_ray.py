"""The seed sweep on a real local Ray cluster gives what a local sweep gives."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from scenario_engine.explore.sweep import sweep
from scenario_engine.explore.target import Target

REPO = Path(__file__).resolve().parents[1]
HUNT = REPO / "playbooks" / "settlement_hunt.py"


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """A local Ray cluster of two CPUs, started by the test and stopped after."""
    import ray

    context = ray.init(
        num_cpus=2,
        object_store_memory=80 * 1024 * 1024,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
    )
    try:
        yield context
    finally:
        ray.shutdown()


def test_a_sweep_on_ray_gives_the_local_result(cluster: Any) -> None:
    target = Target.choose(str(HUNT), None)
    local = sweep(target, range(1, 201))
    on_ray = sweep(target, range(1, 201), engine="ray")
    assert on_ray.outcomes == local.outcomes
    assert [(g.signature, g.seeds) for g in on_ray.groups] == [
        ("Always('Settled', {'price': {'gt': 0}}) [Settled]", (20, 51, 52, 95, 103, 160, 162, 170))
    ]


def test_explore_joins_an_existing_cluster_by_address(cluster: Any, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable, "-m", "scenario_engine.cli", "explore", str(HUNT), "--seeds", "200",
            "--engine", "ray", "--address", cluster.address_info["address"], "--no-shrink",
            "--report-dir", str(tmp_path),
        ],
        capture_output=True, text=True, check=False, timeout=300,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.splitlines()[0] == "exploring 'settlement': seeds 1..200 (200) on ray"
    summary = orjson.loads((tmp_path / "settlement" / "explore.json").read_bytes())
    assert [(g["signature"], g["seeds"]) for g in summary["groups"]] == [
        ("Always('Settled', {'price': {'gt': 0}}) [Settled]", [20, 51, 52, 95, 103, 160, 162, 170])
    ]
