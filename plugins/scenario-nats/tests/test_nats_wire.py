"""The NATS wire format: payload as JSON body, everything else in headers."""

from __future__ import annotations

from scenario_engine.events import Event

from scenario_nats.wire import decode_message, encode_body, encode_headers


def test_headers_carry_every_attribute_but_the_payload() -> None:
    """Writes id, time, cycle, source, key and marks as Scenario-* headers, user headers as is."""
    event = Event(topic="orders", payload=None, key="k1", headers={"trace-id": "t1"},
                  id="e-1", time=1.25, cycle=3, source="chaos", marks=("delay", "drop"))
    assert encode_headers(event) == {
        "Scenario-Id": "e-1",
        "Scenario-Time": "1.25",
        "Scenario-Cycle": "3",
        "Scenario-Source": "chaos",
        "Scenario-Key": "k1",
        "Scenario-Marks": '["delay","drop"]',
        "trace-id": "t1",
    }


def test_the_jetstream_message_id_is_per_publish_not_the_event_id() -> None:
    """Sets Nats-Msg-Id to the given publish id, so duplicated events are not deduplicated."""
    headers = encode_headers(Event(topic="t", id="same"), msg_id="bus1-7")
    assert headers["Nats-Msg-Id"] == "bus1-7"
    assert headers["Scenario-Id"] == "same"


def test_headers_nats_would_alter_travel_as_json() -> None:
    """Packs all user headers into Scenario-Headers when one would not survive as a header."""
    user = {"ok": "v", "padded": " v ", "multi": "a\nb", "with space": "x", "Nats-Msg-Id": "m"}
    headers = encode_headers(Event(topic="t", headers=user))
    assert "ok" not in headers
    assert decode_message("t", b"null", headers).headers == user


def test_decoding_restores_the_event() -> None:
    """Round-trips every field, floats exactly."""
    event = Event(topic="orders", payload={"x": 0.1 + 0.2, "s": "é🚀"}, key="", headers={"a": "b"},
                  id="", time=0.30000000000000004, cycle=9, source="system", marks=("drop",))
    body = encode_body("orders", event.payload)
    assert decode_message("orders", body, encode_headers(event, msg_id="x-1")) == event


def test_a_message_from_another_program_is_delivered_as_external() -> None:
    """Decodes a JSON body if it can, keeps plain text otherwise, and keeps its headers."""
    as_json = decode_message("legacy", b'{"a": 1}', None)
    as_text = decode_message("legacy", b"hello", {"X-From": "svc"})
    assert (as_json.payload, as_json.source) == ({"a": 1}, "external")
    assert (as_text.payload, dict(as_text.headers)) == ("hello", {"X-From": "svc"})
