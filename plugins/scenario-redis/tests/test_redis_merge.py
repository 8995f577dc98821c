"""Merging entries of several streams back into publish order."""

from __future__ import annotations

from scenario_redis.merge import StreamMerger, order_key


def test_the_key_is_the_millisecond_the_read_then_engine_entries_by_count() -> None:
    """Orders by the entry id's millisecond, the read, engine entries first (by n), then
    other programs' entries by sequence."""
    assert order_key(b"1700-0", {b"payload": b"1", b"n": b"42"}, 7) == (1700, 7, 0, 42)
    assert order_key(b"1700-3", {b"other": b"x"}, 7) == (1700, 7, 1, 3)
    assert order_key(b"1700-3", {b"n": b"not ours"}) == (1700, 0, 1, 3)


def test_a_foreign_reply_in_the_same_millisecond_and_read_follows_the_request() -> None:
    """A reply that another program wrote in its request's millisecond comes after it, even
    when its sequence number is smaller than the engine's count."""
    merger: StreamMerger[str] = StreamMerger()
    request = order_key(b"1700-0", {b"payload": b"{}", b"n": b"57"}, 3)
    reply = order_key(b"1700-0", {b"orderId": b"o-1"}, 3)
    assert merger.merge({b"replies": [(reply, "reply")], b"requests": [(request, "request")]}) \
        == ["request", "reply"]


def test_a_later_read_comes_after_an_earlier_one_within_a_millisecond() -> None:
    """What a later XREAD returned was written after what an earlier one returned."""
    merger: StreamMerger[str] = StreamMerger()
    early = order_key(b"1700-5", {b"orderId": b"o-1"}, 1)
    late = order_key(b"1700-0", {b"payload": b"{}", b"n": b"1"}, 2)
    assert merger.merge({b"b": [(late, "late")], b"a": [(early, "early")]}) == ["early", "late"]


def test_streams_read_together_are_interleaved_by_key() -> None:
    """Delivers a request before the reply published after it, whatever the stream order."""
    merger: StreamMerger[str] = StreamMerger()
    ready = merger.merge({
        b"replies": [((5, 2), "reply-1"), ((5, 4), "reply-2")],
        b"requests": [((5, 1), "request-1"), ((5, 3), "request-2")],
    })
    assert ready == ["request-1", "reply-1", "request-2", "reply-2"]


def test_each_stream_keeps_its_own_order() -> None:
    """Never reorders one stream, even when its keys are not increasing."""
    merger: StreamMerger[str] = StreamMerger()
    ready = merger.merge({b"s": [((5, 9), "a"), ((5, 1), "b")], b"t": [((5, 5), "c")]})
    assert ready.index("a") < ready.index("b")


def test_entries_after_a_full_read_wait_for_the_next_read() -> None:
    """Holds back what may precede entries a truncated stream has not returned yet."""
    merger: StreamMerger[str] = StreamMerger()
    ready = merger.merge(
        {b"busy": [((1, 1), "b1"), ((3, 1), "b3")], b"quiet": [((2, 1), "q2"), ((4, 1), "q4")]},
        truncated=[b"busy"],
    )
    assert ready == ["b1", "q2", "b3"]
    assert merger.holding
    ready = merger.merge({b"busy": [((5, 1), "b5")]})
    assert ready == ["q4", "b5"]
    assert not merger.holding


def test_held_entries_go_out_when_a_read_brings_nothing() -> None:
    """Releases everything held once a read returns no more entries."""
    merger: StreamMerger[str] = StreamMerger()
    merger.merge({b"busy": [((1, 1), "b1")], b"quiet": [((2, 1), "q2")]}, truncated=[b"busy"])
    assert merger.merge({}) == ["q2"]
