"""``faststream``: FastStream's own message format, so a FastStream service runs unchanged.

The body is what FastStream's default codec writes: a ``str`` payload as
UTF-8 (``content-type: text/plain``), ``None`` as an empty body (no content
type), anything else as JSON (``application/json``). Headers: FastStream's
``correlation_id`` (the ``correlation_id`` header of the event if it has
one, else the event id) and ``content-type``, the event's headers, and the
engine's metadata (:mod:`scenario_engine.codecs.metadata`), which a
FastStream handler sees as extra headers and may ignore.

* NATS: the body and headers are the message's (FastStream writes
  ``content-type`` always, empty for a body without one).
* Redis Streams: one field, ``__data__``, holds FastStream's binary
  envelope (:mod:`scenario_engine.codecs.envelope`). An entry without
  ``__data__`` is not FastStream's.

Inbound, the body is read by its content type (JSON, text; none: empty is
None, else JSON), as FastStream's own decoder does; a body it would hand
over as raw bytes cannot be a payload and is a
:class:`~scenario_engine.spi.DecodeError`. A message from FastStream keeps
its headers (``correlation_id``, ``reply_to``...) but ``content-type``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import orjson

from scenario_engine.buses.wire import payload_json
from scenario_engine.codecs import envelope, metadata
from scenario_engine.events import NO_HEADERS, Event
from scenario_engine.spi import CodecBase, DecodeError

__all__ = ["FastStreamCodec"]

DATA_FIELD = b"__data__"
CORRELATION_ID = "correlation_id"
CONTENT_TYPE = "content-type"
JSON, TEXT = "application/json", "text/plain"
_RESERVED = frozenset({CONTENT_TYPE})
_DROPPED = frozenset({CONTENT_TYPE})
_DROPPED_OURS = frozenset({CONTENT_TYPE, CORRELATION_ID})


def _body(topic: str, payload: Any, transport: str) -> tuple[bytes, str]:
    if payload is None:
        return b"", ""
    if isinstance(payload, str):
        return payload.encode(), TEXT
    return payload_json(topic, payload, transport), JSON


def _payload(body: bytes, content_type: str) -> Any:
    if content_type.startswith(JSON):
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as err:
            raise DecodeError(f"the body says {content_type} but is not JSON: {err}") from None
    if content_type == TEXT:
        try:
            return body.decode()
        except UnicodeDecodeError:
            raise DecodeError("the body says text/plain but is not UTF-8") from None
    if content_type:
        raise DecodeError(f"the body's content-type {content_type!r} is neither JSON nor text")
    if not body:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise DecodeError("the body has no content-type and is not JSON (FastStream would "
                          "hand it over as raw bytes)") from None


class FastStreamCodec(CodecBase):
    """FastStream's message format on Redis Streams and NATS (see the module docstring)."""

    transports = frozenset({"fields", "message"})
    title = "FastStream's format"

    def _headers(self, event: Event, content_type: str, always_type: bool) -> dict[str, str]:
        user = event.headers.get(CORRELATION_ID) if event.headers else None
        correlation = user if isinstance(user, str) else (event.id or str(uuid.uuid4()))
        headers = {CORRELATION_ID: correlation}
        if content_type or always_type:
            headers[CONTENT_TYPE] = content_type
        headers.update(metadata.metadata_headers(event, _RESERVED))
        return headers

    def _event(self, topic: str, payload: Any, headers: Mapping[str, str], entry_id: str
               ) -> Event:
        ours = headers.get(metadata.ID)
        if ours is None:
            kept = {k: v for k, v in headers.items() if k.lower() != CONTENT_TYPE}
            return Event(topic=topic, payload=payload, headers=kept or NO_HEADERS, id=entry_id,
                         source="external")
        dropped = _DROPPED_OURS if headers.get(CORRELATION_ID) == ours else _DROPPED
        try:
            return metadata.event_from_headers(topic, payload, headers, dropped)
        except ValueError as err:
            raise DecodeError(f"a header of the engine's metadata is malformed: {err}") from None

    # ------------------------------------------------------------------ Redis Streams

    def encode_fields(self, event: Event, count: int) -> list[Any]:
        body, content_type = _body(event.topic, event.payload, "Redis")
        headers = self._headers(event, content_type, always_type=False)
        return ["__data__", envelope.pack(headers, body)]

    def decode_fields(self, topic: str, entry_id: bytes, fields: Mapping[bytes, bytes]) -> Event:
        data = fields.get(DATA_FIELD)
        if data is None:
            names = ", ".join(repr(n.decode(errors="replace")) for n in fields) or "none"
            raise DecodeError(f"the entry has no field '__data__' (its fields: {names})")
        body, headers = envelope.unpack(data)
        payload = _payload(body, str(headers.get(CONTENT_TYPE, "")))
        return self._event(topic, payload, headers, entry_id.decode())

    def looks_like_fields(self, fields: Mapping[bytes, bytes]) -> bool:
        return DATA_FIELD in fields

    # ------------------------------------------------------------------ NATS

    def encode_message(self, event: Event) -> tuple[bytes, dict[str, str]]:
        body, content_type = _body(event.topic, event.payload, "NATS")
        return body, self._headers(event, content_type, always_type=True)

    def decode_message(self, topic: str, body: bytes, headers: Mapping[str, str] | None) -> Event:
        headers = headers or NO_HEADERS
        payload = _payload(body, headers.get(CONTENT_TYPE, ""))
        return self._event(topic, payload, headers, "")

    def looks_like_message(self, body: bytes, headers: Mapping[str, str] | None) -> bool:
        return bool(headers) and CORRELATION_ID in headers  # type: ignore[operator]
