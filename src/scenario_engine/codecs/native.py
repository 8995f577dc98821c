"""``native``: the engine's own format, the default between engines; every attribute survives.

On Redis Streams an event is one entry, one field per attribute:

=========== ======================================= =========================
field       value                                   when
=========== ======================================= =========================
``payload`` the payload as JSON (orjson)            always
``id``      the event id                            always
``time``    clock seconds, ``repr(float)``          always
``cycle``   the scenario cycle, decimal             always
``source``  ``engine``, ``system``, ``chaos``...    always
``n``       the publisher's running count           always
``key``     the event key                           only if the key is set
``headers`` the headers as a JSON object            only if there are headers
``marks``   chaos marks as a JSON list              only if the event has marks
=========== ======================================= =========================

``n`` orders events one publisher wrote to different streams in the same
millisecond. Separate fields keep the stream readable with ``XRANGE``.

On NATS the body is the payload as JSON and the rest travels in headers
(:mod:`scenario_engine.codecs.metadata`).

An entry written by another program is still delivered where that loses
nothing: a stream entry without ``payload`` whose fields are all text
becomes a dict of strings; a message without ``Scenario-Id`` becomes its
JSON body, or its text. Anything else (binary fields, a malformed field of
ours) is a :class:`~scenario_engine.spi.DecodeError`, so the bus keeps it raw.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from scenario_engine.buses.wire import payload_json
from scenario_engine.codecs import metadata
from scenario_engine.events import NO_HEADERS, Event
from scenario_engine.spi import CodecBase, DecodeError

__all__ = ["NativeCodec", "text_fields"]


def text_fields(fields: Mapping[bytes, bytes]) -> dict[str, str]:
    """Every field as text; raises :class:`DecodeError` naming the first that is not UTF-8."""
    out = {}
    for name, value in fields.items():
        try:
            out[name.decode()] = value.decode()
        except UnicodeDecodeError:
            shown = name.decode(errors="replace")
            raise DecodeError(f"field {shown!r} is not UTF-8 text") from None
    return out


class NativeCodec(CodecBase):
    """The engine's own format on Redis Streams and NATS (see the module docstring)."""

    transports = frozenset({"fields", "message"})
    title = "the engine's own format"

    # ------------------------------------------------------------------ Redis Streams

    def encode_fields(self, event: Event, count: int) -> list[Any]:
        fields: list[Any] = [
            "payload", payload_json(event.topic, event.payload, "Redis"),
            "id", event.id,
            "time", repr(event.time),
            "cycle", str(event.cycle),
            "source", event.source,
            "n", count,
        ]
        if event.key is not None:
            fields += ("key", event.key)
        if event.headers:
            fields += ("headers", orjson.dumps(dict(event.headers)))
        if event.marks:
            fields += ("marks", orjson.dumps(list(event.marks)))
        return fields

    def decode_fields(self, topic: str, entry_id: bytes, fields: Mapping[bytes, bytes]) -> Event:
        body = fields.get(b"payload")
        if body is None:
            return Event(topic=topic, payload=text_fields(fields), id=entry_id.decode(),
                         source="external")
        key = fields.get(b"key")
        headers = fields.get(b"headers")
        marks = fields.get(b"marks")
        try:
            return Event(
                topic=topic,
                payload=orjson.loads(body),
                key=None if key is None else key.decode(),
                headers=NO_HEADERS if headers is None else orjson.loads(headers),
                id=fields.get(b"id", b"").decode(),
                time=float(fields.get(b"time", b"0")),
                cycle=int(fields.get(b"cycle", b"0")),
                source=fields.get(b"source", b"engine").decode(),
                marks=() if marks is None else tuple(orjson.loads(marks)),
            )
        except (ValueError, UnicodeDecodeError) as err:
            raise DecodeError(f"a field of the engine's format is malformed: {err}") from None

    def looks_like_fields(self, fields: Mapping[bytes, bytes]) -> bool:
        return b"payload" in fields and b"id" in fields and b"source" in fields

    # ------------------------------------------------------------------ NATS

    def encode_message(self, event: Event) -> tuple[bytes, dict[str, str]]:
        return payload_json(event.topic, event.payload, "NATS"), metadata.metadata_headers(event)

    def decode_message(self, topic: str, body: bytes, headers: Mapping[str, str] | None) -> Event:
        if not headers or metadata.ID not in headers:
            return Event(topic=topic, payload=_foreign_body(body),
                         headers=dict(headers) if headers else NO_HEADERS, source="external")
        try:
            return metadata.event_from_headers(topic, orjson.loads(body), headers)
        except ValueError as err:
            raise DecodeError(f"the body or a header of the engine's format is malformed: "
                              f"{err}") from None

    def looks_like_message(self, body: bytes, headers: Mapping[str, str] | None) -> bool:
        return bool(headers) and metadata.ID in headers  # type: ignore[operator]


def _foreign_body(body: bytes) -> Any:
    """Another program's body: its JSON, else its text; bytes that are neither are refused."""
    if not body:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        pass
    try:
        return body.decode()
    except UnicodeDecodeError:
        raise DecodeError("the body is neither JSON nor UTF-8 text") from None
