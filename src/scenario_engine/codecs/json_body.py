"""``json``: the body is the payload as JSON, as most hand-written services expect.

* Redis Streams: one field (``data`` unless ``field=`` says otherwise) holds
  the payload's JSON; nothing else is written, so the event's key, headers
  and the engine's metadata are absent. Other fields of an inbound entry
  are ignored.
* NATS: the body is the payload's JSON; the key, headers and the engine's
  metadata travel in headers (:mod:`scenario_engine.codecs.metadata`),
  which other clients may ignore.

An inbound body that is not JSON, or an entry without the field, is a
:class:`~scenario_engine.spi.DecodeError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from scenario_engine.buses.wire import payload_json
from scenario_engine.codecs import metadata
from scenario_engine.events import NO_HEADERS, Event
from scenario_engine.spi import CodecBase, DecodeError, ParamError

__all__ = ["JsonCodec"]


def _json(body: bytes, what: str) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as err:
        raise DecodeError(f"{what} is not JSON: {err}") from None


class JsonCodec(CodecBase):
    """The payload as a JSON body; on Redis in one field, ``field`` (default ``data``)."""

    transports = frozenset({"fields", "message"})
    title = "JSON in one field"

    def __init__(self, field: str = "data") -> None:
        if not isinstance(field, str) or not field:
            raise ParamError("field", "must be a non-empty field name", field)
        self.field = field
        self._field = field.encode()
        self.title = f"JSON in the field {field!r}"

    def __repr__(self) -> str:
        return f"JsonCodec(field={self.field!r})"

    # ------------------------------------------------------------------ Redis Streams

    def encode_fields(self, event: Event, count: int) -> list[Any]:
        return [self.field, payload_json(event.topic, event.payload, "Redis")]

    def decode_fields(self, topic: str, entry_id: bytes, fields: Mapping[bytes, bytes]) -> Event:
        body = fields.get(self._field)
        if body is None:
            names = ", ".join(repr(n.decode(errors="replace")) for n in fields) or "none"
            raise DecodeError(f"the entry has no field {self.field!r} (its fields: {names})")
        return Event(topic=topic, payload=_json(body, f"the field {self.field!r}"),
                     id=entry_id.decode(), source="external")

    def looks_like_fields(self, fields: Mapping[bytes, bytes]) -> bool:
        body = fields.get(self._field)
        if body is None or len(fields) != 1:
            return False
        try:
            orjson.loads(body)
        except orjson.JSONDecodeError:
            return False
        return True

    # ------------------------------------------------------------------ NATS

    def encode_message(self, event: Event) -> tuple[bytes, dict[str, str]]:
        return payload_json(event.topic, event.payload, "NATS"), metadata.metadata_headers(event)

    def decode_message(self, topic: str, body: bytes, headers: Mapping[str, str] | None) -> Event:
        payload = _json(body, "the body") if body else None
        if headers and metadata.ID in headers:
            try:
                return metadata.event_from_headers(topic, payload, headers)
            except ValueError as err:
                raise DecodeError(f"a header of the engine's metadata is malformed: "
                                  f"{err}") from None
        return Event(topic=topic, payload=payload,
                     headers=dict(headers) if headers else NO_HEADERS, source="external")

    def looks_like_message(self, body: bytes, headers: Mapping[str, str] | None) -> bool:
        try:
            orjson.loads(body)
        except orjson.JSONDecodeError:
            return False
        return True
