"""Assertions that judged nothing say so, and never pass silently (texts pinned).

- a topic nothing in the run published (delivered, held or dropped) and the
  plan names nowhere: ``Never``/``Count`` say so, and fail when a close name
  was there (a misspelling); ``allow_empty=True`` says the topic is expected
  to be absent;
- ``Within``, ``Sequence`` and ``Always`` with nothing to judge fail unless
  ``allow_empty=True``; a ``by`` key no event carries fails whatever it says;
- a ``where`` field no event carries: the verdict says the condition never applied.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from scenario_engine import Always, Count, Inject, Never, Scenario, Sequence, Within
from scenario_engine.plan.codec import dumps, loads
from scenario_engine.report.console import render_summary
from scenario_engine.testing import run

HINT = "nothing to judge; allow_empty=True says that is expected"


def orders() -> Scenario:
    """45 accepted and 45 filled orders that carry 'id' but no 'orderId', and one rejection."""
    return (
        Scenario("vacuous", seed=1)
        .publish("order.accepted", {"id": "a-{{index}}"}, repeat=45, interval="10ms")
        .publish("order.filled", {"id": "a-{{index}}"}, repeat=45, interval="10ms")
        .publish("OrderRejected", {"reason": "limit"})
    )


def verdict(scenario: Scenario):
    result = run(scenario)
    [assertion] = result.assertions
    return assertion


def test_never_on_a_misspelt_topic_fails_and_suggests_the_topic_seen() -> None:
    got = verdict(orders().expect(Never("OrderRejeted")))
    assert not got.passed
    assert got.actual == (
        "saw none; nothing in this run published 'OrderRejeted' and the plan declares no such "
        "topic; did you mean 'OrderRejected'?"
    )
    assert got.stats == {"count": 0, "vacuous": True}


def test_count_on_a_misspelt_topic_fails_and_suggests_the_topic_seen() -> None:
    got = verdict(orders().expect(Count("orderrejected", max=0)))
    assert not got.passed
    assert got.actual == (
        "saw 0; nothing in this run published 'orderrejected' and the plan declares no such "
        "topic; did you mean 'OrderRejected'?"
    )


def test_never_on_a_topic_nothing_publishes_holds_but_says_it_judged_nothing() -> None:
    result = run(orders().expect(Never("SystemHalted")))
    [got] = result.assertions
    assert got.passed
    assert got.actual == (
        "saw none; nothing in this run published 'SystemHalted' and the plan declares no such "
        "topic"
    )
    assert got.stats["vacuous"] is True
    summary = render_summary(result)
    assert (
        "  note Never('SystemHalted'): saw none; nothing in this run published 'SystemHalted' "
        "and the plan declares no such topic"
    ) in summary.splitlines()
    assert "  assertions: 1/1 held (1 of them judged nothing)" in summary.splitlines()


def test_allow_empty_says_a_topic_is_expected_to_be_absent() -> None:
    got = verdict(orders().expect(Never("OrderRejeted", allow_empty=True)))
    assert (got.passed, got.actual, got.stats) == (True, "saw none", {"count": 0})


def test_a_topic_the_plan_declares_is_known_even_when_nothing_arrives() -> None:
    """Chaos that injects 'FetchFailed' declares it: a Never over it judged something."""
    scenario = (
        orders()
        .chaos(Inject("order.accepted", event="FetchFailed", probability=0.0))
        .expect(Never("FetchFailed"))
    )
    got = verdict(scenario)
    assert (got.passed, got.actual, got.stats) == (True, "saw none", {"count": 0})


def test_a_topic_whose_events_were_all_dropped_is_known() -> None:
    from scenario_engine import Drop

    scenario = Scenario("lost", seed=1).publish("gone", {}).chaos(Drop("gone"))
    got = verdict(scenario.expect(Count("gone", max=0)))
    assert (got.passed, got.actual) == (True, "saw 0")


def test_never_where_a_field_no_event_carries_says_the_condition_never_applied() -> None:
    got = verdict(orders().expect(Never("order.filled", where={"error": {"ne": None}})))
    assert got.passed
    assert got.actual == (
        "saw none; none of the 45 'order.filled' events carries 'error', so the condition "
        "never applied"
    )
    assert got.stats == {"count": 0, "vacuous": True}
    typo = verdict(orders().expect(Never("OrderRejected", where={"reasn": "limit"})))
    assert typo.actual == (
        "saw none; the one 'OrderRejected' event does not carry 'reasn', so the condition "
        "never applied; did you mean 'reason'?"
    )


def test_count_where_a_field_no_event_carries_says_so() -> None:
    got = verdict(orders().expect(Count("order.filled", min=1, where={"eror": "x"})))
    assert not got.passed
    assert got.actual == (
        "saw 0; none of the 45 'order.filled' events carries 'eror', so the condition never "
        "applied"
    )


def test_within_by_a_key_no_event_carries_fails_and_says_so() -> None:
    within = Within("order.accepted", "order.filled", ms=100, by="orderId")
    got = verdict(orders().expect(within))
    assert not got.passed
    assert got.actual == "45 'order.accepted' events arrived, none with 'orderId': nothing to judge"
    assert got.stats["unkeyed"] == 90
    assert got.stats["vacuous"] is True
    allowed = verdict(orders().expect(attrs.evolve(within, allow_empty=True)))
    assert not allowed.passed  # allow_empty is about no events, not about a missing key


@pytest.mark.parametrize(
    ("assertion", "actual"),
    [
        (
            Within("order.placed", "order.filled", ms=100),
            ("saw no 'order.placed'; nothing in this run published 'order.placed' and the plan "
            f"declares no such topic; {HINT}"),
        ),
        (
            Always("FetchFailed", {"error": "timeout"}),
            ("saw no 'FetchFailed' events; nothing in this run published 'FetchFailed' and the "
            f"plan declares no such topic; {HINT}"),
        ),
        (
            Sequence("order.placed", "order.filled"),
            ("saw no 'order.placed'; nothing in this run published 'order.placed' and the plan "
            f"declares no such topic; {HINT}"),
        ),
        (
            Always("order.acepted", {"id": {"ne": None}}),
            ("saw no 'order.acepted' events; nothing in this run published 'order.acepted' and "
            "the plan declares no such topic; did you mean 'order.accepted'?"),
        ),
    ],
    ids=["within", "always", "sequence", "always-misspelt"],
)
def test_an_empty_within_sequence_or_always_fails_by_default(assertion, actual) -> None:
    got = verdict(orders().expect(assertion))
    assert (got.passed, got.actual) == (False, actual)
    assert got.stats["vacuous"] is True


@pytest.mark.parametrize(
    ("assertion", "actual"),
    [
        (
            Within("order.placed", "order.filled", ms=100, allow_empty=True),
            "saw no 'order.placed' (allowed by allow_empty=True)",
        ),
        (
            Always("FetchFailed", {"error": "timeout"}, allow_empty=True),
            "saw no 'FetchFailed' events (allowed by allow_empty=True)",
        ),
        (
            Sequence("order.placed", "order.filled", allow_empty=True),
            "saw no 'order.placed' (allowed by allow_empty=True)",
        ),
    ],
    ids=["within", "always", "sequence"],
)
def test_allow_empty_makes_an_empty_verdict_a_pass_that_says_so(assertion, actual) -> None:
    result = run(orders().expect(assertion))
    [got] = result.assertions
    assert (got.passed, got.actual, got.stats["vacuous"]) == (True, actual, True)
    assert f"  note {got.label}: {actual}" in render_summary(result).splitlines()


def test_an_empty_verdict_in_a_checkpoint_is_reviewed_too() -> None:
    result = run(orders().check(Never("OrderRejeted"), name="early"))
    assert result.status == "failed"
    [got] = result.assertions
    assert got.checkpoint == "early"
    assert got.actual.endswith("did you mean 'OrderRejected'?")


def test_allow_empty_round_trips_through_plan_files(tmp_path: Path) -> None:
    plan = (
        orders()
        .expect(Within("a", "b", ms=5, allow_empty=True))
        .expect(Sequence("a", "b", allow_empty=True))
        .expect(Never("c", allow_empty=True))
        .expect(Count("c", max=1, allow_empty=True))
        .expect(Always("a", {"x": 1}, allow_empty=True))
        .build()
    )
    for fmt in ("toml", "json"):
        [again] = loads(dumps([plan], fmt), fmt)
        assert again == plan
        assert all(ref.params["allow_empty"] is True for ref in again.expectations)
    assert "allow_empty" not in dumps([orders().expect(Never("c")).build()], "toml")


@pytest.mark.parametrize("spec", [Never, Count, Within, Always, Sequence])
def test_allow_empty_must_be_a_boolean(spec) -> None:
    from scenario_engine.dsl.spec import SpecError

    args = {
        Never: ("x",),
        Count: ("x",),
        Within: ("x", "y"),
        Always: ("x", {"a": 1}),
        Sequence: ("x", "y"),
    }[spec]
    extra = {Count: {"min": 1}, Within: {"ms": 5}}.get(spec, {})
    with pytest.raises(SpecError, match=r"allow_empty must be True or False \(got 'yes'\)"):
        spec(*args, allow_empty="yes", **extra)


class Desk:
    """Rejects nothing in these runs, but says it may publish 'OrderRejected'."""

    publishes = ("OrderAccepted", "OrderRejected")

    def __init__(self, bus):
        bus.subscribe("order", lambda event: bus.publish("OrderAccepted", event.payload))


def test_a_topic_a_system_says_it_publishes_is_known() -> None:
    scenario = Scenario("desk", seed=1).system(Desk).publish("order", {"id": 1})
    got = verdict(scenario.expect(Never("OrderRejected")))
    assert (got.passed, got.actual, got.stats) == (True, "saw none", {"count": 0})
    misspelt = verdict(scenario.expect(Never("OrderRejeted")))
    assert not misspelt.passed
    assert misspelt.actual.endswith("did you mean 'OrderRejected'?")


def test_a_misspelt_answer_topic_is_named_in_the_failure() -> None:
    got = verdict(orders().expect(Within("order.accepted", "order.filed", ms=100)))
    assert not got.passed
    assert got.actual == (
        "no 'order.filed' within 100ms of 'order.accepted'; nothing in this run published "
        "'order.filed' and the plan declares no such topic; did you mean 'order.filled'?"
    )
    assert "vacuous" not in got.stats  # it judged 45 requests: none was answered
    sequence = verdict(orders().expect(Sequence("order.accepted", "order.filed")))
    assert sequence.actual == (
        "stopped after 'order.accepted': no 'order.filed' followed; nothing in this run "
        "published 'order.filed' and the plan declares no such topic; did you mean "
        "'order.filled'?"
    )
