"""The Redis wire format: one stream entry per event, one field per attribute."""

from __future__ import annotations

import pytest
from scenario_engine.errors import BusError
from scenario_engine.events import Event

from scenario_redis.wire import decode_entry, entry_fields


def as_entry(fields: list[object]) -> dict[bytes, bytes]:
    """What redis-py hands back for the fields of one XADD."""
    pairs = iter(fields)
    return {
        str(name).encode(): value if isinstance(value, bytes) else str(value).encode()
        for name, value in zip(pairs, pairs, strict=True)
    }


def test_fields_carry_every_attribute_of_the_event() -> None:
    """Writes payload as JSON and id, time, cycle, source, key, headers, marks as fields."""
    event = Event(topic="orders", payload={"a": [1, 2.5]}, key="k1", headers={"h": "v"},
                  id="e-1", time=1.25, cycle=3, source="chaos", marks=("delay",))
    fields = as_entry(entry_fields(event, 17))
    assert fields == {
        b"payload": b'{"a":[1,2.5]}',
        b"id": b"e-1",
        b"time": b"1.25",
        b"cycle": b"3",
        b"source": b"chaos",
        b"n": b"17",
        b"key": b"k1",
        b"headers": b'{"h":"v"}',
        b"marks": b'["delay"]',
    }


def test_absent_key_headers_and_marks_write_no_field() -> None:
    """Omits key, headers and marks when the event has none."""
    fields = as_entry(entry_fields(Event(topic="t", payload=None)))
    assert set(fields) == {b"payload", b"id", b"time", b"cycle", b"source", b"n"}


def test_decoding_restores_the_event() -> None:
    """Round-trips every field, floats exactly."""
    event = Event(topic="orders", payload={"x": 0.1 + 0.2}, key="k", headers={"a": "b"},
                  id="e", time=0.30000000000000004, cycle=9, source="system", marks=("drop",))
    assert decode_entry("orders", b"1-0", as_entry(entry_fields(event))) == event


def test_an_entry_from_another_program_becomes_a_dict_payload() -> None:
    """Delivers foreign fields as strings, with the entry id as event id."""
    event = decode_entry("orders", b"17-2", {b"orderId": b"o-1", b"qty": b"2"})
    assert (event.payload, event.id, event.source) == (
        {"orderId": "o-1", "qty": "2"}, "17-2", "external")


def test_a_malformed_payload_is_a_value_error() -> None:
    """Raises ValueError for a payload field that is not JSON (the reader skips it)."""
    with pytest.raises(ValueError):
        decode_entry("t", b"1-0", {b"payload": b"{not json"})


def test_a_payload_that_is_not_json_is_a_bus_error_naming_the_topic() -> None:
    """Says which topic and which type could not be sent, and what can be."""
    with pytest.raises(BusError, match=r"'orders'.*not JSON serializable: object") as info:
        entry_fields(Event(topic="orders", payload={"when": object()}))
    assert "JSON" in info.value.hint


def test_sets_and_attrs_instances_are_sent_as_json() -> None:
    """Encodes sets as sorted lists and attrs instances as dicts."""
    import attrs

    @attrs.frozen
    class Point:
        x: int
        y: int

    fields = as_entry(entry_fields(Event(topic="t", payload={"s": {3, 1}, "p": Point(1, 2)})))
    assert fields[b"payload"] == b'{"s":[1,3],"p":{"x":1,"y":2}}'
