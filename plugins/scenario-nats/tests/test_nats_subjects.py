"""Mapping globs onto NATS subjects, and NATS subject matching."""

from __future__ import annotations

import pytest
from scenario_engine.errors import BusError

from scenario_nats.subjects import check_topic, covers, glob_to_subject, matches


@pytest.mark.parametrize(
    ("glob", "subject"),
    [
        ("order.request", "order.request"),
        ("order.*", "order.>"),
        ("order.eu.*", "order.eu.>"),
        ("*.created", ">"),
        ("*", ">"),
        ("v?", ">"),
        ("order.v[12]", "order.>"),
        ("order.created*", "order.>"),
    ],
)
def test_a_glob_becomes_the_narrowest_subject_that_covers_it(glob: str, subject: str) -> None:
    """Keeps literal tokens before the first wildcard token and ends with '>'."""
    assert glob_to_subject(glob) == subject


@pytest.mark.parametrize(
    ("subject_filter", "subject", "expected"),
    [
        ("a.b", "a.b", True),
        ("a.*", "a.b", True),
        ("a.*", "a.b.c", False),
        ("a.>", "a.b.c", True),
        ("a.>", "a", False),
        (">", "anything.at.all", True),
        ("*.b", "a.b", True),
        ("a.b", "a.c", False),
    ],
)
def test_matching_follows_nats_rules(subject_filter: str, subject: str, expected: bool) -> None:
    """Matches '*' as one token and '>' as one or more trailing tokens."""
    assert matches(subject_filter, subject) is expected


@pytest.mark.parametrize(
    ("subjects", "subject", "expected"),
    [
        (["orders.>"], "orders.eu.created", True),
        (["orders.>"], "orders.*", True),
        (["orders.*"], "orders.>", False),
        (["orders.*"], "orders.eu", True),
        (["a", "b.>"], "b.c", True),
        (["CONF"], "conf.x", False),
        ([">"], "x.y", True),
    ],
)
def test_covers_tells_whether_a_stream_stores_a_subject(
    subjects: list[str], subject: str, expected: bool
) -> None:
    """Says whether every message on `subject` would land in a stream with `subjects`."""
    assert covers(subjects, subject) is expected


@pytest.mark.parametrize("topic", ["", "has space", "a..b", "a.*", "a.>", ".a", "a."])
def test_topics_that_cannot_be_subjects_are_refused(topic: str) -> None:
    """Explains what a NATS subject may contain."""
    with pytest.raises(BusError, match="cannot be a NATS subject") as info:
        check_topic(topic)
    assert "dot-separated" in info.value.hint
