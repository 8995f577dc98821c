"""The built-in codecs in process: round trips, FastStream's envelope, flat typing, refusals."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codec_support import CARRIED, entry_of, events, fields_round_trip, message_round_trip
from scenario_engine.buses.url import parse_bus_url
from scenario_engine.codecs import envelope
from scenario_engine.codecs.faststream import FastStreamCodec
from scenario_engine.codecs.flat import FlatCodec
from scenario_engine.codecs.json_body import JsonCodec
from scenario_engine.codecs.routing import codec_from_url, make_codec
from scenario_engine.codecs.undecoded import Undecoded, looks_like, undecoded_message
from scenario_engine.errors import BusError, PlanError, UsageError
from scenario_engine.events import Event
from scenario_engine.registry import default_registry
from scenario_engine.spi import Codec, DecodeError
from scenario_engine.testing import capture_log
from scenario_engine.testing.checks import check_codec

CODECS = ["native", "json", "flat", "faststream"]


def codec(name: str, **params: Any) -> Codec:
    made: Codec = default_registry().create("codec", name, params)
    return made


@pytest.mark.parametrize("name", CODECS)
def test_every_built_in_codec_passes_the_conformance_kit(name: str) -> None:
    """Round trips, fresh header dicts, sniffing that never raises: the kit plugins use too."""
    check_codec(default_registry().load("codec", name), {})


@pytest.mark.parametrize("name", CODECS)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_stream_entries_round_trip_what_the_codec_carries(name: str, data: st.DataObject) -> None:
    """engine -> fields -> engine gives back the payload, and the key and headers where carried."""
    made = codec(name)
    event = data.draw(events(flat=name == "flat"))
    back = made.decode_fields(event.topic, b"1-1", entry_of(made.encode_fields(event, 7)))
    assert fields_round_trip(name, event, back)


@pytest.mark.parametrize("name", [n for n in CODECS if n != "flat"])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_messages_round_trip_payload_key_and_headers(name: str, data: st.DataObject) -> None:
    """engine -> body and headers -> engine gives back payload, key and headers."""
    made = codec(name)
    event = data.draw(events())
    body, headers = made.encode_message(event)
    assert message_round_trip(event, made.decode_message(event.topic, body, headers))


def test_what_each_codec_carries_on_redis_is_documented() -> None:
    """json and flat carry the payload alone; native and faststream everything."""
    assert {"native": {"key", "headers"}, "faststream": {"key", "headers"},
                       "json": set(), "flat": set()} == CARRIED


# --------------------------------------------------------------------------- FastStream


def test_faststreams_own_parser_reads_our_envelope() -> None:
    """FastStream's BinaryMessageFormatV1 reads the body and headers the codec writes."""
    from faststream.redis.parser.binary import BinaryMessageFormatV1

    event = Event(topic="order.request", payload={"orderId": "o-1", "qty": 3}, id="e-7",
                  headers={"trace": "t-1"})
    fields = entry_of(FastStreamCodec().encode_fields(event, 1))
    assert list(fields) == [b"__data__"]
    body, headers = BinaryMessageFormatV1.parse(fields[b"__data__"])
    assert body == b'{"orderId":"o-1","qty":3}'
    assert headers["correlation_id"] == "e-7"
    assert headers["content-type"] == "application/json"
    assert headers["trace"] == "t-1"


@settings(max_examples=100, deadline=None)
@given(payload=st.dictionaries(st.text(max_size=8),
                               st.integers(-(2**63), 2**63 - 1) | st.text(max_size=8)),
       headers=st.dictionaries(st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True),
                               st.text(st.characters(max_codepoint=127), max_size=12),
                               max_size=3),
       correlation=st.uuids().map(str))
def test_we_read_the_envelope_faststream_writes(payload: dict[str, Any],
                                                headers: dict[str, str],
                                                correlation: str) -> None:
    """FastStream's own encoder's output decodes to its payload, headers and correlation_id.

    ASCII header values: FastStream prefixes a header with its length in
    characters, not bytes, so it cannot read back its own non-ASCII headers.
    """
    from faststream.redis.parser.binary import BinaryMessageFormatV1

    data = asyncio.run(BinaryMessageFormatV1.encode(
        message=payload, reply_to=None, headers=headers, correlation_id=correlation))
    event = FastStreamCodec().decode_fields("t", b"5-0", {b"__data__": data})
    assert event.payload == payload
    assert event.headers == {"correlation_id": correlation, **headers}
    assert (event.id, event.source) == ("5-0", "external")


def test_text_and_empty_bodies_follow_faststreams_content_types() -> None:
    """A str travels as text/plain, None as an empty body without a content type."""
    made = FastStreamCodec()
    for payload, content_type in (("hello", "text/plain"), (None, "")):
        body, headers = made.encode_message(Event(topic="t", payload=payload, id="x"))
        assert headers["content-type"] == content_type
        assert made.decode_message("t", body, headers).payload == payload


def test_the_older_json_envelope_and_a_bare_body_are_read_as_faststream_does() -> None:
    """{"data": ..., "headers": ...} gives its body and headers; other bytes are the body."""
    assert envelope.unpack(b'{"data": "{\\"a\\": 1}", "headers": {"x": "y"}}') == (
        b'{"a": 1}', {"x": "y"})
    assert envelope.unpack(b"[1, 2]") == (b"[1, 2]", {})


def test_a_broken_envelope_is_a_decode_error() -> None:
    """An envelope cut inside its headers is refused, not half read."""
    data = envelope.pack({"correlation_id": "c", "content-type": "application/json"}, b"{}")
    with pytest.raises(DecodeError, match="FastStream's envelope"):
        FastStreamCodec().decode_fields("t", b"1-0", {b"__data__": data[:30]})


# --------------------------------------------------------------------------- flat and json


def test_flat_types_declared_fields_and_parses_json_scalars() -> None:
    """qty: int and price: float as declared; other JSON scalars parsed, text kept."""
    made = FlatCodec(types={"qty": "int", "price": float, "sku": "str"})
    event = made.decode_fields("orders", b"9-0", {
        b"orderId": b"o-1", b"qty": b"10", b"price": b"2.5", b"sku": b"00123",
        b"rush": b"true", b"tags": b'["a"]', b"note": b"hello world"})
    assert event.payload == {"orderId": "o-1", "qty": 10, "price": 2.5, "sku": "00123",
                             "rush": True, "tags": ["a"], "note": "hello world"}


def test_flat_writes_strings_that_would_read_back_otherwise_as_json() -> None:
    """"10" the string is written quoted; 10 the number plainly; text as itself."""
    fields = entry_of(FlatCodec().encode_fields(
        Event(topic="t", payload={"a": "10", "b": 10, "c": "text", "d": None}), 0))
    assert fields == {b"a": b'"10"', b"b": b"10", b"c": b"text", b"d": b"null"}


def test_flat_refuses_a_value_that_does_not_have_its_declared_type() -> None:
    """A declared int that is not one is a decode error naming the field and the value."""
    with pytest.raises(DecodeError, match=r"^field 'qty' is 'ten', not int as types= declares$"):
        FlatCodec(types={"qty": "int"}).decode_fields("t", b"1-0", {b"qty": b"ten"})


def test_flat_needs_a_mapping_payload() -> None:
    """A payload without top-level keys cannot be fields: a BusError that says what to do."""
    with pytest.raises(BusError, match="codec=flat cannot send") as info:
        FlatCodec().encode_fields(Event(topic="t", payload=[1, 2]), 0)
    assert "codec=json" in info.value.hint


def test_json_reads_and_writes_its_one_field() -> None:
    """field= names the field; an entry without it is a decode error listing its fields."""
    made = JsonCodec(field="body")
    assert entry_of(made.encode_fields(Event(topic="t", payload={"a": 1}), 0)) == {
        b"body": b'{"a":1}'}
    with pytest.raises(DecodeError,
                       match=r"^the entry has no field 'body' \(its fields: 'data'\)$"):
        made.decode_fields("t", b"1-0", {b"data": b"{}"})


# --------------------------------------------------------------------------- choosing codecs


def test_the_bus_url_chooses_the_codec_and_its_parameters() -> None:
    """?codec=json&codec.field=body and ?codec=flat&codec.types=qty:int are read."""
    name, made = codec_from_url(parse_bus_url("redis://h/0?codec=json&codec.field=body"), "fields")
    assert (name, made.field) == ("json", "body")  # type: ignore[attr-defined]
    _, flat = codec_from_url(parse_bus_url("redis://h/0?codec=flat&codec.types=qty:int"), "fields")
    assert flat.types == {"qty": "int"}  # type: ignore[attr-defined]
    assert codec_from_url(parse_bus_url("nats://h"), "message")[0] == "native"


def test_an_unknown_codec_in_the_url_is_a_usage_error_with_a_close_match() -> None:
    """Names the URL and suggests the codec meant."""
    with pytest.raises(UsageError) as info:
        codec_from_url(parse_bus_url("redis://h/0?codec=fastsream"), "fields")
    assert info.value.message == "bus URL redis://h/0?codec=fastsream: unknown codec 'fastsream'"
    assert info.value.hint == "did you mean 'faststream'?"


def test_flat_on_nats_is_a_located_plan_error() -> None:
    """flat writes fields only: on NATS it is refused where the plan names it."""
    with pytest.raises(PlanError) as info:
        make_codec("flat", {}, "message", "topics[0].codec")
    assert str(info.value) == (
        "topics[0].codec: codec 'flat' does not work on NATS (only on Redis Streams) "
        "(hint: use codec='json' for a JSON body)")


# --------------------------------------------------------------------------- undecodable


def test_the_undecodable_message_names_codec_reason_and_the_format_it_looks_like() -> None:
    """The exact warning and hint for a FastStream entry read with the native codec."""
    fields = {b"__data__": envelope.pack({"correlation_id": "c"}, b"{}")}
    guess = looks_like("fields", "native", lambda c: c.looks_like_fields(fields))
    assert guess == ("faststream", "FastStream's format")
    message, hint = undecoded_message("order.accepted", "native",
                                      "field '__data__' is not UTF-8 text", guess)
    assert message == (
        "topic 'order.accepted': an entry could not be decoded with codec=native "
        "(field '__data__' is not UTF-8 text); it is kept raw in the event log "
        "(source 'undecoded'), and further ones on this topic are only counted")
    assert hint == "this entry looks like FastStream's format: use codec=faststream"


def test_an_undecodable_entry_is_kept_faithfully_and_reported_once_per_topic() -> None:
    """Bytes as base64, text as text; one warning per topic, every entry counted."""
    undecoded = Undecoded("redis://h/0")
    fields = {b"__data__": b"\x89BIN\r\n\x1a\n", b"note": b"hi"}
    with capture_log("scenario_engine") as lines:
        first = undecoded.fields("a", b"1-0", fields, "native", "not UTF-8 text")
        undecoded.fields("a", b"2-0", fields, "native", "same")
        undecoded.fields("b", b"3-0", fields, "native", "same")
    assert first.source == "undecoded"
    assert first.payload["undecoded"]["fields"] == {"__data__": {"base64": "iUJJTg0KGgo="},
                                                    "note": "hi"}
    warnings = [line for line in lines if "could not be decoded" in line]
    assert len(warnings) == 2
    assert "use codec=faststream" in warnings[0]
    assert undecoded.count == 3


# --------------------------------------------------------------------------- the registry


def test_codecs_are_listed_lazily_and_a_broken_one_is_reported_not_raised() -> None:
    """Listing imports nothing; a codec that fails to import is named with its target."""
    from importlib.metadata import EntryPoint

    from scenario_engine.registry import Registry

    registry = Registry(entry_points=[
        EntryPoint("json", "scenario_engine.codecs.json_body:JsonCodec", "scenario_engine.codecs"),
        EntryPoint("broken", "no_such_module_anywhere:Codec", "scenario_engine.codecs"),
    ])
    assert registry.names("codec") == ["broken", "json"]
    (broken,) = registry.load_all()
    assert broken.info.name == "broken"
    assert broken.reason.startswith(
        "codec 'broken' (no_such_module_anywhere:Codec, from <unknown distribution> ?) failed "
        "to load: ModuleNotFoundError")
    assert registry.create("codec", "json", {"field": "body"}).field == "body"


def test_a_factory_that_makes_no_codec_is_a_plugin_error() -> None:
    """The registry checks what the factory made against the Codec protocol."""
    from importlib.metadata import EntryPoint

    from scenario_engine.errors import PluginError
    from scenario_engine.registry import Registry

    registry = Registry(entry_points=[
        EntryPoint("odd", "builtins:dict", "scenario_engine.codecs")])
    with pytest.raises(PluginError, match=r"made a dict that is not a Codec: missing "):
        registry.create("codec", "odd", {})


def test_a_malformed_entry_of_the_codecs_own_format_is_called_malformed() -> None:
    """The hint does not send the user to another codec when the format is right."""
    fields = {b"payload": b"{broken", b"id": b"e-1", b"source": b"engine"}
    guess = looks_like("fields", "native", lambda c: c.looks_like_fields(fields))
    assert undecoded_message("t", "native", "a field is malformed", guess)[1] == (
        "this entry looks like the engine's own format but is malformed: fix what writes it")
