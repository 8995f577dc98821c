"""The built-in monitors: verdicts, pinned texts, early failures, per-key state, statistics."""

from __future__ import annotations

import itertools

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scenario_engine.dsl.assertions import Always, Count, Custom, Never, Sequence, Within
from scenario_engine.events import Event, TopicPattern
from scenario_engine.plan.values import thaw
from scenario_engine.registry import Registry
from scenario_engine.runtime.monitors import (
    AlwaysMonitor,
    CountMonitor,
    CustomMonitor,
    LatencyStats,
    NeverMonitor,
    SequenceMonitor,
    WithinMonitor,
    describe_where,
)
from scenario_engine.runtime.monitors._shared import compile_condition
from scenario_engine.spi import Monitor, ParamError, compile_where


def stream(*items):
    """Events from ``(topic, time)`` or ``(topic, time, payload)``; seq is the position."""
    events = []
    for seq, item in enumerate(items):
        topic, time, *rest = item
        events.append(Event(topic, rest[0] if rest else None, seq=seq, time=time))
    return events


def feed(monitor, events, now=None):
    """Drive a monitor like the engine: route matching topics only, stop at the first failure.

    Returns ``(verdict, early)``: ``early`` is the seq of the event that failed it, or None.
    """
    pattern = TopicPattern(monitor.topics)
    for event in events:
        if pattern(event.topic):
            verdict = monitor.observe(event)
            if verdict is not None:
                assert not verdict.passed
                final = monitor.finish(event.time)
                # the early verdict stands; a monitor that keeps observing refreshes its stats
                assert attrs.evolve(final, stats={}) == attrs.evolve(verdict, stats={})
                return verdict, event.seq
    end = now if now is not None else (events[-1].time if events else 0.0)
    return monitor.finish(end), None


def seqs(verdict):
    return [w.seq for w in verdict.witnesses]


def test_every_monitor_satisfies_the_protocol():
    """Each factory makes a spi.Monitor."""
    monitors = [
        CountMonitor("A", min=1),
        SequenceMonitor(["A", "B"]),
        NeverMonitor("A"),
        WithinMonitor("A", "B", ms=1),
        AlwaysMonitor("A", {"x": 1}),
        CustomMonitor(lambda events: True),
    ]
    assert all(isinstance(m, Monitor) for m in monitors)


# --------------------------------------------------------------------------- count


def test_count_passes_at_the_minimum():
    """Exactly min events pass; stats carry the count."""
    verdict, early = feed(CountMonitor("PriceUpdate", min=3), stream(*[("PriceUpdate", i)
                                                                       for i in range(3)]))
    assert (verdict.passed, early) == (True, None)
    assert verdict.expected == "at least 3 'PriceUpdate' events"
    assert verdict.actual == "saw 3"
    assert verdict.witnesses == ()
    assert verdict.stats == {"count": 3}


def test_count_short_of_the_minimum_fails_at_the_end_quoting_the_last_events():
    """30 of 35 fails at finish; witnesses are the last five counted."""
    events = stream(*[("PriceUpdate", i * 0.5) for i in range(30)])
    verdict, early = feed(CountMonitor("PriceUpdate", min=35), events)
    assert (verdict.passed, early) == (False, None)
    assert verdict.expected == "at least 35 'PriceUpdate' events"
    assert verdict.actual == "saw 30"
    assert seqs(verdict) == [25, 26, 27, 28, 29]
    assert str(verdict.witnesses[-1]) == "#29 t=14.500s PriceUpdate None"


def test_count_above_the_maximum_fails_at_once():
    """The (max+1)-th event fails the assertion as it arrives."""
    events = stream(("Order", 0.0), ("Other", 0.5), ("Order", 1.0), ("Order", 2.0), ("Order", 3))
    verdict, early = feed(CountMonitor("Order", max=2), events)
    assert early == 3
    assert verdict.expected == "at most 2 'Order' events"
    assert verdict.actual == "saw 3"
    assert seqs(verdict) == [0, 2, 3]


def test_count_exact_and_between_texts():
    """exact and min+max read as people say them."""
    one = stream(("A", 0))
    assert feed(CountMonitor("A", exact=1), one)[0].expected == "exactly 1 'A' event"
    verdict, early = feed(CountMonitor("A", exact=0), one)
    assert (verdict.actual, early) == ("saw 1", 0)
    verdict, _ = feed(CountMonitor("A", min=2, max=5), one)
    assert (verdict.expected, verdict.actual) == ("between 2 and 5 'A' events", "saw 1")


def test_count_where_filters_and_is_described():
    """A where mapping counts only matching payloads and shows in the text."""
    events = stream(("Order", 0, {"side": "buy", "qty": 10}), ("Order", 1, {"side": "sell"}),
                    ("Order", 2, {"side": "buy", "qty": 1}))
    verdict, _ = feed(CountMonitor("Order", min=2, where={"side": "buy", "qty": {"gt": 5}}), events)
    assert verdict.expected == "at least 2 'Order' events where side == 'buy' and qty > 5"
    assert verdict.actual == "saw 1"


def test_count_with_a_glob_and_a_callable_where():
    """Globs route several topics; a callable where is named by its qualname."""

    def is_big(event):
        return event.payload > 1

    events = stream(("order.new", 0, 1), ("order.fill", 1, 2), ("trade", 2, 3))
    verdict, _ = feed(CountMonitor("order.*", min=1, where=is_big), events)
    assert verdict.passed
    assert verdict.expected == (
        "at least 1 'order.*' event where "
        "test_count_with_a_glob_and_a_callable_where.<locals>.is_big"
    )
    assert verdict.stats == {"count": 1}


_topics = st.sampled_from(["A", "B"])


@given(
    st.lists(st.tuples(_topics, st.integers(0, 3)), max_size=30),
    st.one_of(st.none(), st.integers(0, 10)),
    st.one_of(st.none(), st.integers(0, 10)),
)
def test_count_verdict_equals_a_naive_count(items, low, high):
    """For any stream and bounds, the verdict agrees with counting by hand."""
    if low is None and high is None:
        low = 1
    if low is not None and high is not None and low > high:
        low, high = high, low
    events = stream(*[(topic, i, {"v": v}) for i, (topic, v) in enumerate(items)])
    where = {"v": {"ge": 2}}
    verdict, early = feed(CountMonitor("A", min=low, max=high, where=where), events)
    naive = sum(1 for topic, v in items if topic == "A" and v >= 2)
    expected_pass = (low is None or naive >= low) and (high is None or naive <= high)
    assert verdict.passed == expected_pass
    if early is None:
        assert verdict.stats == {"count": naive}
    else:
        assert verdict.stats == {"count": high + 1}


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({}, "min: give min, max or exact"),
        ({"exact": 1, "min": 0}, "exact: excludes min and max (got 1)"),
        ({"min": 5, "max": 3}, "min: must be <= max (3) (got 5)"),
        ({"min": -1}, "min: must be an integer >= 0 (got -1)"),
        ({"max": 1.5}, "max: must be an integer >= 0 (got 1.5)"),
        ({"topic": "", "min": 1}, "topic: must be a non-empty topic (got '')"),
    ],
)
def test_count_rejects_bad_parameters(params, text):
    """Bad bounds raise ParamError naming the parameter."""
    with pytest.raises(ParamError) as info:
        CountMonitor(**{"topic": "A", **params})
    assert str(info.value) == text


# --------------------------------------------------------------------------- never, always


def test_never_passes_without_its_event():
    """No matching event: passes, saying so."""
    verdict, _ = feed(NeverMonitor("SystemHalted"), stream(("PriceUpdate", 0)))
    assert (verdict.passed, verdict.expected, verdict.actual) == (
        True, "no 'SystemHalted' events", "saw none")


def test_never_fails_on_the_first_event_naming_the_delivered_topic():
    """The first match fails at once, quoting it."""
    events = stream(("Price", 1), ("system.halted", 3, {"why": "x"}), ("system.halted", 4))
    verdict, early = feed(NeverMonitor("system.*"), events)
    assert early == 1
    assert verdict.expected == "no 'system.*' events"
    assert verdict.actual == "saw 'system.halted' at t=3.000s"
    assert [str(w) for w in verdict.witnesses] == ["#1 t=3.000s system.halted {'why': 'x'}"]
    assert verdict.stats == {"count": 1}


def test_never_with_where_ignores_other_payloads():
    """Only payloads matching where count."""
    events = stream(("Alert", 0, {"level": "info"}), ("Alert", 1, {"level": "fatal"}))
    verdict, early = feed(NeverMonitor("Alert", where={"level": "fatal"}), events)
    assert early == 1
    assert verdict.expected == "no 'Alert' events where level == 'fatal'"


def test_always_fails_on_the_first_violation():
    """A violated predicate fails at once, naming which event."""
    events = stream(*[("Price", i, {"price": p}) for i, p in enumerate([5, 3, -1, 4])])
    verdict, early = feed(AlwaysMonitor("Price", {"price": {"gt": 0}}), events)
    assert early == 2
    assert verdict.expected == "every 'Price' event satisfying price > 0"
    assert verdict.actual == "the 3rd did not"
    assert seqs(verdict) == [2]


def test_always_passes_and_counts():
    """All events satisfying the predicate pass; none at all fails (see test_vacuous)."""
    verdict, _ = feed(AlwaysMonitor("Price", {"price": {"ge": 0}}),
                      stream(("Price", 0, {"price": 1}), ("Price", 1, {"price": 0})))
    assert (verdict.passed, verdict.actual, verdict.stats) == (True, "all 2 did", {"count": 2})
    verdict, _ = feed(AlwaysMonitor("Price", {"price": 1}), [])
    assert (verdict.passed, verdict.actual) == (
        False, "saw no 'Price' events; nothing to judge; allow_empty=True says that is expected")


def test_always_predicate_that_raises_is_a_violation():
    """An exception in the user's predicate fails the assertion, naming it."""

    def positive(event):
        return event.payload["price"] > 0

    events = stream(("Price", 0, {"price": 1}), ("Price", 1, {}))
    verdict, early = feed(AlwaysMonitor("Price", positive), events)
    assert early == 1
    assert verdict.actual == "the predicate raised KeyError: 'price' on the 2nd"
    assert verdict.expected.endswith("satisfying test_always_predicate_that_raises_is_a_violation"
                                     ".<locals>.positive")


def test_describe_where_reads_operators():
    """Conditions read with symbols."""
    assert describe_where({"a": {"ne": 1, "le": 2}, "b": {"in": [1, 2]}}) == (
        "a != 1 and a <= 2 and b in [1, 2]")


_values = st.one_of(st.none(), st.integers(-2, 2), st.sampled_from(["a", "b"]))
_payloads = st.one_of(
    _values,
    st.lists(_values, max_size=2),
    st.dictionaries(st.sampled_from(["x", "y", "0"]),
                    st.one_of(_values, st.dictionaries(st.sampled_from(["z", "0"]), _values,
                                                       max_size=2)),
                    max_size=3),
)
_conditions = st.dictionaries(
    st.sampled_from(["x", "y", "x.z", "0", "y.0"]),
    st.one_of(
        st.integers(-2, 2),
        st.dictionaries(st.sampled_from(["eq", "ne", "gt", "ge", "lt", "le"]), st.integers(-2, 2),
                        min_size=1, max_size=2),
        st.fixed_dictionaries({"in": st.lists(_values, max_size=3)}),
    ),
    min_size=1,
    max_size=3,
)


@given(_conditions, _payloads)
def test_compiled_conditions_agree_with_compile_where(where, payload):
    """The monitors' fast conditions decide exactly as spi.compile_where does."""
    event = Event("T", payload)
    try:
        expected = compile_where(where)(event)
    except TypeError:  # comparing str with int: both raise
        with pytest.raises(TypeError):
            compile_condition(where)(event)
        return
    assert compile_condition(where)(event) == expected


# --------------------------------------------------------------------------- sequence


def test_sequence_without_key_is_a_subsequence_with_gaps():
    """Listed topics in order, anything in between allowed; before the start is ignored."""
    events = stream(("B", 0), ("A", 1), ("X", 2), ("C", 3), ("B", 4), ("C", 5))
    verdict, early = feed(SequenceMonitor(["A", "B", "C"]), events)
    assert (verdict.passed, early) == (True, None)
    assert verdict.expected == "'A' then 'B' then 'C'"
    assert verdict.actual == "saw them in order"
    assert verdict.stats == {"steps_seen": 3}


def test_sequence_without_key_reports_where_it_stopped():
    """An incomplete sequence fails at the end, quoting the steps seen."""
    events = stream(("A", 0), ("C", 1), ("B", 2))
    verdict, early = feed(SequenceMonitor(("A", "B", "C")), events)
    assert (verdict.passed, early) == (False, None)
    assert verdict.actual == "stopped after 'B': no 'C' followed"
    assert seqs(verdict) == [0, 2]
    verdict, _ = feed(SequenceMonitor(("A", "B")), stream(("B", 0)))
    assert verdict.actual == "saw no 'A'; nothing to judge; allow_empty=True says that is expected"


def test_sequence_without_gaps_fails_on_another_listed_topic():
    """gaps=False: once started, the next listed event must be the next step."""
    monitor = SequenceMonitor(["A", "B", "C"], gaps=False)
    assert monitor.expected == "'A' then 'B' then 'C', with no other listed topic in between"
    verdict, early = feed(monitor, stream(("C", 0), ("A", 1), ("X", 2), ("C", 3), ("B", 4)))
    assert early == 3
    assert verdict.actual == "'C' came before 'B'"
    assert seqs(verdict) == [1, 3]
    verdict, early = feed(SequenceMonitor(["A", "B"], gaps=False), stream(("A", 0), ("A", 1)))
    assert (verdict.actual, early) == ("'A' came again before 'B'", 1)


def order(topic, time, key):
    return (topic, time, {"orderId": key})


def test_sequence_by_key_passes_with_interleaved_instances():
    """Instances per key interleave freely; finished keys are dropped."""
    monitor = SequenceMonitor(["OrderPlaced", "OrderFilled"], by="orderId")
    events = stream(order("OrderPlaced", 0, "o-1"), order("OrderPlaced", 1, "o-2"),
                    order("OrderFilled", 2, "o-2"), order("OrderFilled", 3, "o-1"))
    verdict, _ = feed(monitor, events)
    assert verdict.passed
    assert verdict.expected == "'OrderPlaced' then 'OrderFilled' for each orderId"
    assert verdict.actual == "all 2 instances completed"
    assert verdict.stats == {"started": 2, "completed": 2, "pending": 0, "unkeyed": 0}


def test_sequence_by_key_fails_when_a_later_step_comes_first():
    """A step for a key not in progress fails at once."""
    events = stream(order("OrderPlaced", 0, "o-2"), order("OrderFilled", 1, "o-1"))
    verdict, early = feed(SequenceMonitor(["OrderPlaced", "OrderFilled"], by="orderId"), events)
    assert early == 1
    assert verdict.actual == "'OrderFilled' for orderId='o-1' came before 'OrderPlaced'"
    assert seqs(verdict) == [1]


def test_sequence_by_key_fails_when_a_step_is_skipped():
    """Skipping ahead fails, quoting the key's last step and the offender."""
    events = stream(order("A", 0, "o-1"), order("C", 1, "o-1"))
    verdict, early = feed(SequenceMonitor(["A", "B", "C"], by="orderId"), events)
    assert early == 1
    assert verdict.actual == "'C' for orderId='o-1' came before 'B'"
    assert seqs(verdict) == [0, 1]


def test_sequence_by_key_repeats_need_gaps():
    """A repeated earlier step is ignored with gaps, and fails without."""
    events = stream(order("A", 0, 7), order("A", 1, 7), order("B", 2, 7))
    assert feed(SequenceMonitor(["A", "B"], by="orderId"), events)[0].passed
    verdict, early = feed(SequenceMonitor(["A", "B"], by="orderId", gaps=False), events)
    assert early == 1
    assert verdict.actual == "'A' for orderId=7 came again before 'B'"


def test_sequence_by_key_reports_instances_left_incomplete():
    """At the end, instances in progress fail the assertion with their last events."""
    events = stream(order("A", 0, "o-1"), order("A", 1, "o-2"), order("B", 2, "o-1"),
                    order("A", 3, "o-3"), order("B", 4, "o-3"), ("A", 5, {"other": 1}))
    verdict, early = feed(SequenceMonitor(["A", "B", "C"], by="orderId"), events)
    assert (verdict.passed, early) == (False, None)
    assert verdict.actual == "3 of 3 instances did not complete"
    assert seqs(verdict) == [2, 1, 4]
    assert verdict.stats == {"started": 3, "completed": 0, "pending": 3, "unkeyed": 1}


def test_sequence_by_key_forgets_completed_keys():
    """A step after completion needs a new start: a duplicated last step fails."""
    events = stream(order("A", 0, 1), order("B", 1, 1), order("A", 2, 1), order("B", 3, 1),
                    order("B", 4, 1))
    verdict, early = feed(SequenceMonitor(["A", "B"], by="orderId"), events)
    assert early == 4
    assert verdict.actual == "'B' for orderId=1 came before 'A'"
    assert verdict.stats["completed"] == 2


def test_sequence_by_a_missing_key_says_so():
    """When no event carries the by path, the verdict says so."""
    events = stream(order("A", 0, 1), order("B", 1, 1))
    verdict, _ = feed(SequenceMonitor(["A", "B"], by="orderID"), events)
    assert verdict.actual == "no event carried 'orderID' (2 without it)"
    verdict, _ = feed(SequenceMonitor(["A", "B"], by="orderId"), [])
    assert verdict.actual == "saw no 'A'; nothing to judge; allow_empty=True says that is expected"


def test_sequence_by_unhashable_key_values():
    """List-valued keys still correlate (by their repr)."""
    events = stream(("A", 0, {"k": [1, 2]}), ("B", 1, {"k": [1, 2]}))
    assert feed(SequenceMonitor(["A", "B"], by="k"), events)[0].passed


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({"topics": "A"}, "topics: must list at least two topics (got 'A')"),
        ({"topics": ["A"]}, "topics: must list at least two topics (got ['A'])"),
        ({"topics": ["A", ""]}, "topics: must be a non-empty topic (got '')"),
        ({"topics": ["A", "B"], "by": ""}, "by: must be a payload path such as 'orderId' (got '')"),
        ({"topics": ["A", "B"], "gaps": "no"}, "gaps: must be true or false (got 'no')"),
    ],
)
def test_sequence_rejects_bad_parameters(params, text):
    """Bad parameters raise ParamError naming the parameter."""
    with pytest.raises(ParamError) as info:
        SequenceMonitor(**params)
    assert str(info.value) == text


# --------------------------------------------------------------------------- within


def test_within_pairs_fifo_and_reports_latency_stats():
    """Without by, each then answers the oldest pending first."""
    events = stream(("A", 0.0), ("B", 0.1), ("A", 1.0), ("B", 1.15))
    verdict, _ = feed(WithinMonitor("A", "B", ms=200), events)
    assert verdict.passed
    assert verdict.expected == "every 'A' followed by 'B' within 200ms"
    assert verdict.actual == "all 2 answered; max 150ms"
    assert verdict.stats == {"count": 2, "p50_ms": 100.0, "p95_ms": 150.0, "p99_ms": 150.0,
                             "max_ms": 150.0, "late": 0, "series": [[0.1, 100.0], [1.15, 150.0]],
                             "mean_ms": 125.0, "pending": 0, "unmatched": 0}


def test_within_a_late_then_fails_at_once():
    """A then past the deadline fails as it arrives, quoting both events."""
    events = stream(("A", 0.0), ("B", 0.3125), ("A", 1.0))
    verdict, early = feed(WithinMonitor("A", "B", ms=200), events)
    assert early == 1
    assert verdict.actual == "'B' came 312.5ms after 'A'"
    assert seqs(verdict) == [0, 1]


def test_within_an_overdue_first_fails_on_the_next_event():
    """Any later event past the oldest pending deadline fails the assertion."""
    events = stream(("A", 0.0), ("A", 0.5))
    verdict, early = feed(WithinMonitor("A", "B", ms=200), events)
    assert early == 1
    assert verdict.actual == "no 'B' within 200ms of 'A'"
    assert seqs(verdict) == [0]


def test_within_the_deadline_itself_is_in_time():
    """Exactly ms later passes despite float noise (2.2 - 2.0 > 0.2 in floats)."""
    assert 2.2 - 2.0 > 0.2
    verdict, _ = feed(WithinMonitor("A", "B", ms=200), stream(("A", 2.0), ("B", 2.2)))
    assert verdict.passed
    assert verdict.stats["max_ms"] == 200.0


def test_within_by_key_pairs_on_the_key():
    """With by, a then answers the oldest pending first of the same key."""
    events = stream(order("OrderPlaced", 0.0, "o-1"), order("OrderPlaced", 0.01, "o-2"),
                    order("OrderFilled", 0.05, "o-2"), order("OrderFilled", 0.15, "o-1"),
                    order("OrderFilled", 0.16, "o-9"), ("OrderFilled", 0.17, {}))
    verdict, _ = feed(WithinMonitor("OrderPlaced", "OrderFilled", ms=200, by="orderId"), events)
    assert verdict.passed
    assert verdict.expected == (
        "every 'OrderPlaced' followed by 'OrderFilled' within 200ms with the same orderId")
    series = verdict.stats.pop("series")
    assert [ms for _, ms in series] == [40.0, 150.0]
    assert verdict.stats == {"count": 2, "p50_ms": 40.0, "p95_ms": 150.0, "p99_ms": 150.0,
                             "max_ms": 150.0, "late": 0, "mean_ms": 95.0, "pending": 0,
                             "unmatched": 1, "unkeyed": 1}


def test_within_by_key_answers_repeated_keys_in_order():
    """Two pending firsts of one key are answered oldest first."""
    events = stream(order("A", 0.0, 1), order("A", 0.1, 1), order("B", 0.15, 1),
                    order("B", 0.2, 1), order("B", 0.25, 1))
    verdict, _ = feed(WithinMonitor("A", "B", ms=200, by="orderId"), events)
    assert verdict.passed
    assert (verdict.stats["count"], verdict.stats["max_ms"], verdict.stats["unmatched"]) == (
        2, 150.0, 1)


def test_within_same_topic_answers_then_starts():
    """An event matching both topics answers the pending one, then waits itself."""
    verdict, _ = feed(WithinMonitor("Beat", "Beat", ms=100), stream(("Beat", 0), ("Beat", 0.05)),
                      now=0.06)
    assert verdict.actual == "1 'Beat' still waited for 'Beat' when the run ended"
    assert verdict.stats["count"] == 1


def test_within_by_key_late_and_overdue_texts():
    """Texts name the key of the late or unanswered instance."""
    late = stream(order("A", 0.0, "o-1"), order("B", 0.25, "o-1"))
    verdict, _ = feed(WithinMonitor("A", "B", ms=200, by="orderId"), late)
    assert verdict.actual == "'B' came 250ms after 'A' for orderId='o-1'"
    overdue = stream(order("A", 0.0, "o-1"), order("A", 0.1, "o-2"), order("B", 0.15, "o-2"),
                     order("A", 0.3, "o-3"))
    verdict, early = feed(WithinMonitor("A", "B", ms=200, by="orderId"), overdue)
    assert early == 3
    assert verdict.actual == "no 'B' within 200ms of 'A' for orderId='o-1'"
    assert seqs(verdict) == [0]


def test_within_pending_at_the_end_fail_past_or_before_their_deadline():
    """At finish, overdue firsts fail, and so do those still waiting when the run ended."""
    events = stream(("A", 0.0), ("A", 0.4))
    verdict, _ = feed(WithinMonitor("A", "B", ms=500), events, now=0.7)
    assert verdict.actual == "1 'A' got no 'B' within 500ms; 1 more still waited when the run ended"
    assert seqs(verdict) == [0]
    assert verdict.stats["pending"] == 2
    verdict, _ = feed(WithinMonitor("A", "B", ms=500), stream(("A", 0.0)), now=0.1)
    assert verdict.actual == "1 'A' still waited for 'B' when the run ended"
    verdict, _ = feed(WithinMonitor("A", "B", ms=500), stream(("A", 0.0), ("A", 0.1)), now=2)
    assert verdict.actual == "2 'A' got no 'B' within 500ms"


def test_within_with_no_first_fails_unless_empty_is_allowed():
    """Nothing to answer judged nothing: a failure, unless allow_empty says it is expected."""
    verdict, _ = feed(WithinMonitor("A", "B", ms=5), stream(("B", 0)))
    assert (verdict.passed, verdict.actual) == (
        False, "saw no 'A'; nothing to judge; allow_empty=True says that is expected")
    assert verdict.stats == {"count": 0, "pending": 0, "unmatched": 1, "late": 0,
                             "vacuous": True}
    verdict, _ = feed(WithinMonitor("A", "B", ms=5, allow_empty=True), stream(("B", 0)))
    assert (verdict.passed, verdict.actual) == (True, "saw no 'A' (allowed by allow_empty=True)")


def test_within_percentiles_are_nearest_rank():
    """p50 and p95 of latencies 1..20 ms are the 10th and 19th values."""
    items = []
    for i in range(20, 0, -1):
        items += [("A", float(i)), ("B", i + i / 1000)]
    verdict, _ = feed(WithinMonitor("A", "B", ms=50), stream(*items))
    assert verdict.stats["count"] == 20
    assert (verdict.stats["p50_ms"], verdict.stats["p95_ms"], verdict.stats["max_ms"]) == (
        10.0, 19.0, 20.0)


def test_latency_stats_switch_to_a_reproducible_reservoir():
    """Past capacity, memory stays bounded; count and max stay exact; percentiles estimate."""
    first, second = LatencyStats(capacity=10), LatencyStats(capacity=10)
    for value in range(1, 101):
        first.add(float(value))
        second.add(float(value))
    assert len(first.values) == 10
    stats = first.stats()
    assert (stats["count"], stats["max_ms"], stats["mean_ms"], stats["approximate"]) == (
        100, 100.0, 50.5, True)
    assert stats == second.stats()


def test_within_rejects_bad_parameters():
    """ms must be a number >= 0."""
    with pytest.raises(ParamError) as info:
        WithinMonitor("A", "B", ms=-5)
    assert str(info.value) == "ms: must be a number >= 0 (got -5)"


# --------------------------------------------------------------------------- custom


def check_fills(events):
    return len(events) == 2


@pytest.mark.parametrize(
    ("result", "passed", "actual"),
    [
        (True, True, "passed on 3 events"),
        (None, True, "passed on 3 events"),
        (False, False, "returned False on 3 events"),
        ((False, "fills don't match orders"), False, "fills don't match orders"),
        ((True, "3 fills, all matched"), True, "3 fills, all matched"),
        ((False, ""), False, "returned False on 3 events"),
        (42, False, "returned 42; a check returns True, False, None or (passed, message)"),
    ],
)
def test_custom_interprets_what_the_function_returns(result, passed, actual):
    """bool, None and (passed, message) are understood; anything else fails."""
    verdict, _ = feed(CustomMonitor(lambda events: result, name="fills"),
                      stream(("A", 0), ("B", 1), ("C", 2)))
    assert (verdict.passed, verdict.actual) == (passed, actual)
    assert verdict.expected == "custom check 'fills' passes"
    assert verdict.stats == {"events": 3}


def test_custom_sees_only_its_topics_in_order():
    """The function gets the routed events, oldest first; its name labels the check."""
    verdict, _ = feed(CustomMonitor(check_fills, topics=["Fill*"]),
                      stream(("Fill", 0), ("Order", 1), ("FillPartial", 2)))
    assert verdict.passed
    assert verdict.expected == "custom check 'check_fills' passes"


def test_custom_assertion_errors_carry_their_message():
    """AssertionError(message) is a failing verdict with that message."""

    def only_two(events):
        assert len(events) == 2, f"expected 2 fills, saw {len(events)}"

    def bare(events):
        raise AssertionError

    verdict, _ = feed(CustomMonitor(only_two), stream(("A", 0)))
    assert (verdict.passed, verdict.actual) == (False, "expected 2 fills, saw 1")
    # this module's asserts are rewritten by pytest: the explanation goes to the detail
    assert verdict.stats["detail"].startswith("expected 2 fills, saw 1\nassert 1 == 2")
    verdict, _ = feed(CustomMonitor(bare), stream(("A", 0)))
    assert verdict.actual == "assertion failed"


def test_custom_other_exceptions_are_named():
    """Any other exception fails the assertion, naming its type."""
    verdict, _ = feed(CustomMonitor(lambda events: 1 / 0), stream(("A", 0)))
    assert (verdict.passed, verdict.actual) == (False, "raised ZeroDivisionError: division by zero")


def test_custom_rejects_bad_parameters():
    """fn must be callable; topics a topic or a list of them."""
    with pytest.raises(ParamError) as info:
        CustomMonitor("nope")
    assert str(info.value) == "fn: must be callable (got 'nope')"
    with pytest.raises(ParamError) as info:
        CustomMonitor(check_fills, topics=[])
    assert str(info.value) == "topics: must be a topic or a non-empty list of topics (got [])"


# --------------------------------------------------------------------------- registry


def positive_price(event):
    return event.payload["price"] > 0


@pytest.mark.parametrize(
    "spec",
    [
        Count("PriceUpdate", min=35, where={"side": "buy"}),
        Sequence("OrderPlaced", "OrderFilled", by="orderId", gaps=False),
        Never("SystemHalted"),
        Within("OrderPlaced", "OrderFilled", ms=200, by="orderId"),
        Always("PriceUpdate", positive_price),
        Custom(check_fills, name="fills", topics="Fill"),
    ],
    ids=repr,
)
def test_registry_makes_monitors_from_spec_parameters(spec):
    """Every spec's plan parameters, thawed, are accepted by its entry point."""
    ref = spec.to_ref()
    monitor = Registry().create("assertion", ref.name, thaw(ref.params))
    assert isinstance(monitor, Monitor)
    assert monitor.finish(0.0).expected


def test_within_keeps_a_bounded_series_of_latencies_over_time():
    from scenario_engine.runtime.monitors.timing import LatencyStats

    stats = LatencyStats()
    for i in range(10_000):
        stats.add(float(i % 50), at=i / 100)
    series = stats.stats()["series"]
    assert LatencyStats.SERIES <= len(series) < 2 * LatencyStats.SERIES
    assert series[0] == [0.0, 0.0]
    times = [t for t, _ in series]
    assert times == sorted(times)
    gaps = {round(b - a, 6) for a, b in itertools.pairwise(times)}
    assert len(gaps) == 1  # evenly thinned
