"""Each built-in assertion, judged by the interpreter on a run, with its exact failure text."""

from __future__ import annotations

from pathlib import Path

from scenario_engine import Always, Count, Custom, Drop, Never, Scenario, Sequence, Within
from scenario_engine.testing import run


class Orders:
    """Places every order; fills only even ones, the odd ones 2 s late."""

    def __init__(self, bus):
        self.bus = bus
        self.pending: list[str] = []
        bus.subscribe("order", self.on_order)
        bus.subscribe("tick", self.on_tick)

    def on_order(self, event):
        order_id = event.payload["id"]
        self.bus.publish("placed", {"id": order_id})
        if event.payload["n"] % 2 == 0:
            self.bus.publish("filled", {"id": order_id})
        else:
            self.pending.append(order_id)

    def on_tick(self, event):
        for order_id in self.pending:
            self.bus.publish("filled", {"id": order_id})
        self.pending.clear()


def orders() -> Scenario:
    return (
        Scenario("orders", seed=1)
        .system(Orders)
        .publish("order", {"id": "o-{{index}}", "n": "{{index}}"}, repeat=4, interval="1s")
        .publish("tick", {}, delay="1s")
    )


def verdict(scenario: Scenario, tmp_path: Path):
    result = run(scenario, report_dir=tmp_path)
    [assertion] = result.assertions
    return result, assertion


def test_count_reports_how_many_it_saw(tmp_path: Path) -> None:
    scenario = (
        Scenario("count", seed=1)
        .generator("counter", topic="tick", every="1s")
        .phase("p", cycles=100)
        .chaos(Drop("tick", at_cycle=(10, 19)))
        .expect(Count("tick", min=95))
    )
    result, failed = verdict(scenario, tmp_path)
    assert result.exit_code == 1
    assert (failed.label, failed.expected, failed.actual) == (
        "Count('tick', min=95)",
        "at least 95 'tick' events",
        "saw 90",
    )
    assert len(failed.witnesses) == 5


def test_count_over_its_maximum_fails_as_soon_as_it_is_exceeded(tmp_path: Path) -> None:
    scenario = (
        Scenario("count", seed=1)
        .generator("counter", topic="tick", every="1s")
        .phase("p", cycles=10)
        .expect(Count("tick", max=3))
    )
    _, failed = verdict(scenario, tmp_path)
    assert (failed.expected, failed.actual, failed.at) == ("at most 3 'tick' events", "saw 4", 3.0)
    assert failed.witnesses[-1].seq == 4


def test_sequence_by_key_names_the_instance_out_of_order(tmp_path: Path) -> None:
    _, failed = verdict(orders().expect(Sequence("filled", "placed", by="id")), tmp_path)
    assert failed.expected == "'filled' then 'placed' for each id"
    assert failed.actual == "'placed' for id='o-0' came before 'filled'"
    assert [w.topic for w in failed.witnesses] == ["placed"]


def test_within_by_key_fails_once_a_deadline_has_passed_unanswered(tmp_path: Path) -> None:
    _, failed = verdict(orders().expect(Within("placed", "filled", ms=500, by="id")), tmp_path)
    assert failed.expected == ("every 'placed' followed by 'filled' within 500ms with the same id")
    assert failed.actual == "no 'filled' within 500ms of 'placed' for id='o-1'"
    # noticed at the next event after the deadline: o-2 placed at t=2.0
    assert failed.at == 2.0
    assert [(w.seq, w.topic, w.time) for w in failed.witnesses] == [(5, "placed", 1.0)]


def test_within_passes_with_latency_statistics(tmp_path: Path) -> None:
    _, held = verdict(orders().expect(Within("placed", "filled", ms=5000, by="id")), tmp_path)
    assert held.passed
    assert held.stats["count"] == 4
    # o-1 (t=1) and o-3 (t=3) are filled by the tick at t=4
    assert held.stats["max_ms"] == 3000.0


def test_never_quotes_the_event_that_should_not_have_come(tmp_path: Path) -> None:
    _, failed = verdict(orders().expect(Never("filled", where={"id": "o-2"})), tmp_path)
    assert failed.actual == "saw 'filled' at t=2.000s"
    assert failed.witnesses[0].excerpt == "{'id': 'o-2'}"


def test_always_says_which_event_broke_the_rule(tmp_path: Path) -> None:
    _, failed = verdict(orders().expect(Always("order", {"n": {"lt": 2}})), tmp_path)
    assert failed.actual == "the 3rd did not"
    assert failed.witnesses[0].excerpt == "{'id': 'o-2', 'n': 2}"


def all_filled(events) -> tuple[bool, str]:
    filled = {e.payload["id"] for e in events if e.topic == "filled"}
    return len(filled) == 5, f"{len(filled)} distinct orders filled"


def test_custom_gets_the_whole_history_and_its_message_is_the_actual(tmp_path: Path) -> None:
    _, failed = verdict(orders().expect(Custom(all_filled)), tmp_path)
    assert failed.label == "Custom(test_assertions_run:all_filled)"
    assert failed.actual == "4 distinct orders filled"
