"""Shrinking on hand-built cases whose minimal chaos schedule is known."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from scenario_engine import Delay, Duplicate, Never, Scenario, Within
from scenario_engine.errors import UsageError
from scenario_engine.explore.reproducers import write_reproducer
from scenario_engine.explore.shrink import ddmin, shrink
from scenario_engine.explore.signature import signature
from scenario_engine.explore.target import run_plan
from scenario_engine.report.model import Application
from scenario_engine.runtime.forced import simplified
from scenario_engine.testing import run


class Twice:
    """Raises an Alarm once every cycle in ``cycles`` has been seen at least twice."""

    def __init__(self, bus, cycles=(42,)):
        self.bus = bus
        self.cycles = set(cycles)
        self.seen: dict[int, int] = {}
        self.raised = False
        bus.subscribe("P", self.on_price)

    def on_price(self, event):
        self.seen[event.cycle] = self.seen.get(event.cycle, 0) + 1
        if not self.raised and all(self.seen.get(c, 0) >= 2 for c in self.cycles):
            self.raised = True
            self.bus.publish("Alarm", {"cycles": sorted(self.cycles)})


class Acks:
    """Acknowledges every request at once."""

    def __init__(self, bus):
        self.bus = bus
        bus.subscribe("req", lambda e: bus.publish("ack", {"n": e.payload["n"]}))


def duplicated_everywhere(cycles: tuple[int, ...]) -> Scenario:
    return (
        Scenario("twice", seed=4)
        .system(Twice, cycles=list(cycles))
        .generator("counter", topic="P", every="1s")
        .phase("run", cycles=100)
        .chaos(Duplicate("P", copies=3))
        .expect(Never("Alarm"))
    )


def test_one_required_application_among_100() -> None:
    plan = duplicated_everywhere((42,)).build()
    result = shrink(plan, 4)
    assert len(result.original) == 100
    assert [(a.effect, a.event, a.params) for a in result.schedule] == [
        ("duplicate", "P@42#0", {"copies": 1})
    ]
    assert result.signature == "Never('Alarm') [Alarm]"
    assert result.runs < 60


def test_two_required_applications() -> None:
    plan = duplicated_everywhere((17, 63)).build()
    result = shrink(plan, 4)
    assert [(a.event, a.params) for a in result.schedule] == [
        ("P@17#0", {"copies": 1}),
        ("P@63#0", {"copies": 1}),
    ]


def slow_acks() -> Scenario:
    return (
        Scenario("slow-acks", seed=9)
        .system(Acks)
        .publish("req", {"n": "{{index}}"}, repeat=30, interval="1s")
        .chaos(Delay("ack", ms=600, jitter_ms=300, probability=0.5))
        .expect(Within("req", "ack", ms=500, by="n"))
    )


def test_a_delay_past_a_timeout_shrinks_to_the_smallest_that_still_fails() -> None:
    plan = slow_acks().build()
    result = shrink(plan, 9)
    assert len(result.original) > 10
    [app] = result.schedule
    assert app.effect == "delay"
    assert app.params == {"ms": 501}
    assert app.did == "delayed 501ms"
    assert result.signature == "Within('req', 'ack', ms=500, by='n') [ack, req]"
    # one millisecond less passes
    assert signature(run_plan(plan, 9, [simplified(app, ms=500)])) is None


def test_ddmin_alone_finds_the_pair_among_many() -> None:
    items = [
        Application(action=0, label="x", effect="drop", event=f"P@{i}#0", topic="P", time=i,
                    did="dropped")
        for i in range(200)
    ]
    needed = {"P@37#0", "P@151#0"}
    calls: list[int] = []

    def fails(schedule: object) -> bool:
        calls.append(1)
        return needed <= {a.event for a in schedule}  # type: ignore[attr-defined]

    assert {a.event for a in ddmin(items, fails)} == needed
    assert len(calls) < 100


def test_a_passing_seed_has_nothing_to_shrink() -> None:
    quiet = Scenario("quiet").generator("counter", topic="P", every="1s").phase("a", cycles=2)
    with pytest.raises(UsageError) as caught:
        shrink(quiet.build(), 1)
    assert str(caught.value) == (
        "scenario 'quiet' passes with seed 1: there is nothing to shrink\n"
        "  hint: give a failing seed (scenario explore finds some)"
    )


def test_the_reproducer_playbook_fails_the_same_way_every_time(tmp_path: Path) -> None:
    source = tmp_path / "acks_playbook.py"
    source.write_text(
        "from scenario_engine import Delay, Scenario, Within\n"
        "from test_shrink import Acks\n\n"
        "acks = (\n"
        "    Scenario('slow-acks', seed=9)\n"
        "    .system(Acks)\n"
        "    .publish('req', {'n': '{{index}}'}, repeat=30, interval='1s')\n"
        "    .chaos(Delay('ack', ms=600, jitter_ms=300, probability=0.5))\n"
        "    .expect(Within('req', 'ack', ms=500, by='n'))\n"
        ")\n"
    )
    result = shrink(slow_acks().build(), 9)
    path = write_reproducer(result, tmp_path / "out", source=source, command="scenario shrink")
    text = path.read_text()
    assert "from scenario_engine import Delay\n" in text
    assert "reproducer(__file__, '../acks_playbook.py', 'slow-acks', seed=9)" in text
    assert ".chaos(Delay('ack', ms=501, jitter_ms=0, at_events=['ack@" in text
    tests = str(Path(__file__).parent)
    outputs = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "scenario_engine.cli", "play", str(path),
             "--report-dir", str(tmp_path / "reports")],
            capture_output=True, text=True, check=False,
            env={**__import__("os").environ, "PYTHONPATH": tests},
        )
        assert done.returncode == 1, done.stdout + done.stderr
        # the same verdicts, witnesses and chaos; only the wall time and run folder differ
        text = re.sub(r"clock time in [\d.]+s(, [\d,.]+ events/s)?", "", done.stdout)
        outputs.append([line for line in text.splitlines() if "report:" not in line])
    assert outputs[0] == outputs[1]
    from scenario_engine.loaders import load_plans

    [(_, plan)] = load_plans([path])
    assert signature(run_plan(plan, plan.seed)) == result.signature
    assert signature(run(slow_acks())) == result.signature


def test_the_planted_bug_shrinks_to_a_one_minimal_schedule() -> None:
    from scenario_engine.explore.target import Target

    hunt = Path(__file__).parents[1] / "playbooks" / "settlement_hunt.py"
    target = Target.choose(str(hunt), None)
    result = shrink(target.plan(), 20)
    assert [a.event for a in result.schedule] == ["PriceUpdate@28#0", "PriceUpdate@29#0"]
    assert signature(run_plan(target.plan(), 20, result.schedule)) == result.signature
    for i in range(len(result.schedule)):
        rest = result.schedule[:i] + result.schedule[i + 1 :]
        assert signature(run_plan(target.plan(), 20, rest)) is None
