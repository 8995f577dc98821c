"""The ``native`` codec: the engine's own format on Redis Streams and NATS."""

from __future__ import annotations

import attrs
import pytest

from scenario_engine.codecs.native import NativeCodec
from scenario_engine.errors import BusError
from scenario_engine.events import Event
from scenario_engine.spi import DecodeError

NATIVE = NativeCodec()


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
    assert as_entry(NATIVE.encode_fields(event, 17)) == {
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
    fields = as_entry(NATIVE.encode_fields(Event(topic="t", payload=None), 0))
    assert set(fields) == {b"payload", b"id", b"time", b"cycle", b"source", b"n"}


def test_an_entry_from_another_program_becomes_a_dict_of_its_text_fields() -> None:
    """Delivers foreign text fields as strings, with the entry id as event id."""
    event = NATIVE.decode_fields("orders", b"17-2", {b"orderId": b"o-1", b"qty": b"2"})
    assert (event.payload, event.id, event.source) == (
        {"orderId": "o-1", "qty": "2"}, "17-2", "external")


def test_binary_fields_and_a_malformed_payload_are_decode_errors() -> None:
    """Refuses what it would have to mangle: the bus keeps such entries raw."""
    with pytest.raises(DecodeError, match=r"^field '__data__' is not UTF-8 text$"):
        NATIVE.decode_fields("t", b"1-0", {b"__data__": b"\x89BIN"})
    with pytest.raises(DecodeError, match="the engine's format is malformed"):
        NATIVE.decode_fields("t", b"1-0", {b"payload": b"{not json"})


def test_a_payload_that_is_not_json_is_a_bus_error_naming_the_topic() -> None:
    """Says which topic and which type could not be sent, and what can be."""
    with pytest.raises(BusError, match=r"'orders'.*not JSON serializable: object") as info:
        NATIVE.encode_fields(Event(topic="orders", payload={"when": object()}), 0)
    assert "JSON" in info.value.hint


def test_sets_and_attrs_instances_are_sent_as_json() -> None:
    """Encodes sets as sorted lists and attrs instances as dicts."""

    @attrs.frozen
    class Point:
        x: int
        y: int

    event = Event(topic="t", payload={"s": {3, 1}, "p": Point(1, 2)})
    assert as_entry(NATIVE.encode_fields(event, 0))[b"payload"] == \
        b'{"s":[1,3],"p":{"x":1,"y":2}}'


def test_headers_carry_every_attribute_but_the_payload() -> None:
    """Writes id, time, cycle, source, key and marks as Scenario-* headers, user headers as is."""
    event = Event(topic="orders", payload=None, key="k1", headers={"trace-id": "t1"},
                  id="e-1", time=1.25, cycle=3, source="chaos", marks=("delay", "drop"))
    assert NATIVE.encode_message(event) == (b"null", {
        "Scenario-Id": "e-1",
        "Scenario-Time": "1.25",
        "Scenario-Cycle": "3",
        "Scenario-Source": "chaos",
        "Scenario-Key": "k1",
        "Scenario-Marks": '["delay","drop"]',
        "trace-id": "t1",
    })


def test_headers_nats_would_alter_travel_as_json() -> None:
    """Packs all user headers into Scenario-Headers when one would not survive as a header."""
    user = {"ok": "v", "padded": " v ", "multi": "a\nb", "with space": "x", "Nats-Msg-Id": "m"}
    body, headers = NATIVE.encode_message(Event(topic="t", headers=user))
    assert "ok" not in headers
    assert NATIVE.decode_message("t", body, headers).headers == user


def test_a_message_from_another_program_is_delivered_as_external() -> None:
    """Decodes a JSON body if it can, keeps plain text otherwise, and keeps its headers."""
    as_json = NATIVE.decode_message("legacy", b'{"a": 1}', None)
    as_text = NATIVE.decode_message("legacy", b"hello", {"X-From": "svc"})
    assert (as_json.payload, as_json.source) == ({"a": 1}, "external")
    assert (as_text.payload, dict(as_text.headers)) == ("hello", {"X-From": "svc"})
    with pytest.raises(DecodeError, match=r"^the body is neither JSON nor UTF-8 text$"):
        NATIVE.decode_message("legacy", b"\xff\xfe", None)
