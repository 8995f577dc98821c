"""The conformance check for codecs: call :func:`check_codec` from a codec plugin's tests.

It drives the codec the way the buses do, on the shapes it declares, and
fails with an ``AssertionError`` that names the broken rule:

- ``transports`` lists only known shapes, and ``title`` is text;
- every sample payload survives encode -> decode (on Redis as the fields
  redis-py returns: bytes);
- ``encode_message`` returns a fresh header dict each time (the bus adds
  ``Nats-Msg-Id`` to it);
- the codec recognises its own output (``looks_like_*``), and neither
  ``looks_like_*`` nor ``decode_*`` raise anything but
  :class:`~scenario_engine.spi.DecodeError` on frames of other formats.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from scenario_engine.events import Event
from scenario_engine.spi import TRANSPORTS, Codec, DecodeError

__all__ = ["SAMPLE_PAYLOADS", "check_codec", "entry_of"]

#: payloads every codec that carries JSON must round-trip (mappings first: ``flat`` needs them)
SAMPLE_PAYLOADS: tuple[Any, ...] = (
    {"orderId": "o-1", "qty": 10, "price": 2.5, "rush": True, "note": None},
    {"nested": {"list": [1, "two", 3.0]}, "text": "10", "empty": ""},
    {"unicode": "é🚀", "big": 2**62, "negative": -1},
    [1, 2, 3],
    "plain text",
    None,
    0,
)

_FOREIGN_FIELDS: tuple[Mapping[bytes, bytes], ...] = (
    {b"__data__": b"\x89BIN\r\n\x1a\n\x00\x01"},
    {b"payload": b"{broken", b"id": b"x", b"source": b"engine"},
    {b"orderId": b"o-1", b"qty": b"10"},
    {b"\xff": b"\xfe"},
)
_FOREIGN_MESSAGES: tuple[tuple[bytes, Mapping[str, str] | None], ...] = (
    (b"\xff\xfe", None),
    (b"{broken", {"Scenario-Id": "x", "Scenario-Time": "nan?"}),
    (b"text", {"correlation_id": "c", "content-type": "application/json"}),
    (b"", {}),
)


def entry_of(fields: list[Any]) -> dict[bytes, bytes]:
    """What redis-py hands back for the ``field, value, ...`` list of one XADD."""
    pairs = iter(fields)
    out = {}
    for name, value in zip(pairs, pairs, strict=True):
        key = name if isinstance(name, bytes) else str(name).encode()
        out[key] = value if isinstance(value, bytes) else str(value).encode()
    return out


def _require(condition: object, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def _tolerates(what: str, call: Callable[[], Any]) -> None:
    try:
        call()
    except DecodeError:
        pass
    except Exception as err:
        raise AssertionError(
            f"{what} raised {type(err).__name__}: {err}; it must raise DecodeError "
            "(or return an event) for a frame it cannot decode") from err


def check_codec(factory: Callable[..., Codec], params: Mapping[str, Any] | None = None) -> None:
    """Check the codec ``factory(**params)`` makes against the codec contract."""
    codec = factory(**(params or {}))
    name = type(codec).__name__
    transports = getattr(codec, "transports", None)
    _require(isinstance(transports, frozenset) and transports
             and transports <= frozenset(TRANSPORTS),
             f"{name}.transports must be a non-empty frozenset of {TRANSPORTS} "
             f"(got {transports!r})")
    _require(isinstance(getattr(codec, "title", None), str), f"{name}.title must be a string")
    if "fields" in codec.transports:
        _check_fields(codec, name)
    if "message" in codec.transports:
        _check_messages(codec, name)


def _samples(codec: Codec, transport: str) -> list[Event]:
    found = []
    for index, payload in enumerate(SAMPLE_PAYLOADS):
        event = Event(topic="check.topic", payload=payload, id=f"e-{index}", key="k",
                      headers={"trace": "t-1"}, time=1.5, cycle=index, source="engine")
        try:
            if transport == "fields":
                codec.encode_fields(event, index)
            else:
                codec.encode_message(event)
        except Exception:  # a payload this codec cannot carry (flat: mappings only)
            if index == 0:
                raise
            continue
        found.append(event)
    return found


def _check_fields(codec: Codec, name: str) -> None:
    for event in _samples(codec, "fields"):
        fields = entry_of(codec.encode_fields(event, 1))
        _require(fields, f"{name}.encode_fields wrote no field for {event.payload!r}")
        _require(codec.looks_like_fields(fields),
                 f"{name}.looks_like_fields does not recognise its own entry {fields!r}")
        back = codec.decode_fields(event.topic, b"1-0", fields)
        _require(back.payload == event.payload,
                 f"{name}: the payload {event.payload!r} came back as {back.payload!r}")
        _require(back.topic == event.topic, f"{name}.decode_fields changed the topic")
    for foreign in _FOREIGN_FIELDS:
        _tolerates(f"{name}.looks_like_fields", functools.partial(codec.looks_like_fields,
                                                                   foreign))
        _tolerates(f"{name}.decode_fields", functools.partial(codec.decode_fields, "t", b"1-0",
                                                               foreign))


def _check_messages(codec: Codec, name: str) -> None:
    for event in _samples(codec, "message"):
        body, headers = codec.encode_message(event)
        _require(isinstance(body, bytes), f"{name}.encode_message must return bytes")
        headers["Nats-Msg-Id"] = "added-by-the-bus"
        again = codec.encode_message(event)[1]
        _require("Nats-Msg-Id" not in again,
                 f"{name}.encode_message must return a fresh header dict each time")
        _require(codec.looks_like_message(body, headers),
                 f"{name}.looks_like_message does not recognise its own message")
        back = codec.decode_message(event.topic, body, headers)
        _require(back.payload == event.payload,
                 f"{name}: the payload {event.payload!r} came back as {back.payload!r}")
    for raw_body, raw_headers in _FOREIGN_MESSAGES:
        _tolerates(f"{name}.looks_like_message",
                   functools.partial(codec.looks_like_message, raw_body, raw_headers))
        _tolerates(f"{name}.decode_message",
                   functools.partial(codec.decode_message, "t", raw_body, raw_headers))
