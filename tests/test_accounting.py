"""Honest accounting: events chaos holds back are ``held`` then ``released``, never ``dropped``.

The numbers are worked out by hand from the chaos tour's triggers (see its docstring).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from scenario_engine import Count, Outage, Reorder, Scenario
from scenario_engine.cli import main
from scenario_engine.testing import read_events, run

REPO = Path(__file__).resolve().parents[1]
TOUR = REPO / "playbooks" / "chaos_tour.py"


def test_the_chaos_tour_counts_holds_apart_from_losses(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["play", str(TOUR), "--report-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0].startswith(
        "PASS chaos-tour (seed 3, memory://, virtual clock): 794 events delivered "
        "(85 held by chaos, then released), 20 dropped, "
    )
    run_dir = tmp_path / "chaos-tour" / "latest"
    report = orjson.loads((run_dir / "report.json").read_bytes())
    assert (
        report["events_recorded"],
        report["events_dropped"],
        report["events_held"],
        report["events_released"],
    ) == (794, 20, 85, 85)

    lines = read_events(run_dir / "events.jsonl")
    assert len(lines) == 794 + 85 + 20
    statuses = Counter((e["topic"], e.get("status")) for e in lines)
    # Drop: cycles 10..19 lost; Outage without buffer: cycles 50..59 lost
    assert statuses["dropped", "dropped"] == 10
    assert statuses["outage", "dropped"] == 10
    # Reorder(window=4): 3 of every 4 held, then released with the 4th, 25 windows
    assert statuses["shuffled", "held"] == 75
    assert statuses["shuffled", "released"] == 75
    assert statuses["shuffled", None] == 25
    # Outage(buffer=True): cycles 50..59 held for the 10 s, then every one delivered
    assert statuses["buffered", "held"] == 10
    assert statuses["buffered", "released"] == 10
    assert statuses["buffered", None] == 90
    assert sum(n for (_, status), n in statuses.items() if status == "dropped") == 20

    # every held line is followed by exactly one released line for the same event
    held = {e["id"]: e["seq"] for e in lines if e.get("status") == "held"}
    released = {e["id"]: e["seq"] for e in lines if e.get("status") == "released"}
    assert held.keys() == released.keys()
    assert all(released[i] > held[i] for i in held)
    buffered = sorted(e["cycle"] for e in lines if e["topic"] == "buffered" and "status" in e)
    assert buffered == sorted(list(range(50, 60)) * 2)


def test_a_run_cut_short_says_what_chaos_still_held(tmp_path: Path) -> None:
    def interrupt(ctx) -> None:
        raise KeyboardInterrupt

    scenario = (
        Scenario("cut", seed=1)
        .generator("counter", topic="tick", every="1s")
        .chaos(Outage("tick", duration="100s", at_cycle=5, buffer=True))
        .phase("before", cycles=10)
        .do(interrupt)
        .expect(Count("tick", min=1))
    )
    from scenario_engine.report.console import render_summary
    from scenario_engine.runtime.interpreter import Run
    from scenario_engine.runtime.options import RunOptions

    result = Run(scenario.build(), RunOptions(report_dir=tmp_path)).execute()
    assert result.status == "interrupted"
    assert (result.events_recorded, result.events_held, result.events_released) == (5, 5, 0)
    assert result.events_dropped == 0
    assert (
        "5 events delivered (5 held by chaos: 0 released, 5 still held when the run ended), "
        "0 dropped"
    ) in render_summary(result)


def test_reorder_then_drop_counts_one_hold_and_one_loss() -> None:
    """Held by one action, released, then lost by a later one: dropped once, released never."""
    from scenario_engine import Drop

    scenario = (
        Scenario("chain", seed=2)
        .generator("counter", topic="tick", every="1s")
        .phase("run", cycles=8)
        .chaos(Reorder("tick", window=2))
        .chaos(Drop("tick", at_cycle=(0, 3)))
    )
    result = run(scenario)
    # windows of 2: cycles 0, 2, 4, 6 held (4 holds); cycles 0..3 lost after the reorder
    assert (result.events_held, result.events_dropped, result.events_recorded) == (4, 4, 4)
    assert result.events_released == 2


def _late_every(n: int, pairs: int, late_ms: int):
    """``pairs`` requests answered by a system at once, except every ``n``th, late."""
    from scenario_engine import Delay

    class Desk:
        def __init__(self, bus):
            self.bus = bus
            bus.subscribe("request", self.answer)

        def answer(self, event):
            self.bus.publish("reply", {"id": event.payload["id"]})

    return (
        Scenario("latency", seed=3)
        .system(Desk)
        .publish("request", {"id": "r-{{index}}"}, repeat=pairs, interval="100ms")
        .chaos(Delay("reply", ms=late_ms, every=n))
    )


def test_within_measures_every_pair_also_after_its_first_failure() -> None:
    from scenario_engine import Within
    from scenario_engine.report.console import render_summary

    # 174 pairs; every 29th reply comes 50 ms late: 6 late, the first at pair 29
    within = Within("request", "reply", ms=20, by="id")
    result = run(_late_every(29, 174, 50).expect(within))
    [verdict] = result.assertions
    assert not verdict.passed
    assert verdict.actual == "'reply' came 50ms after 'request' for id='r-28'"
    assert verdict.at == pytest.approx(2.85)
    stats = verdict.stats
    assert (stats["count"], stats["late"], stats["pending"]) == (174, 6, 0)
    assert (stats["p50_ms"], stats["p95_ms"], stats["p99_ms"], stats["max_ms"]) == (
        0.0, 0.0, 50.0, 50.0)
    assert "       latency:  174 pairs: p50 0ms, p95 0ms, p99 50ms, max 50ms; 6 late" in (
        render_summary(result).splitlines())


def test_a_checkpoint_within_reports_every_pair_once() -> None:
    from scenario_engine import Within

    # 170 pairs, the last one answered at once: all in when the checkpoint judges
    scenario = _late_every(29, 170, 50).check(
        Within("request", "reply", ms=20, by="id"), name="latency"
    )
    result = run(scenario)
    [verdict] = result.assertions
    assert verdict.checkpoint == "latency"
    assert (verdict.stats["count"], verdict.stats["late"]) == (170, 5)
    assert verdict.actual == "'reply' came 50ms after 'request' for id='r-28'"
