"""The Redis Streams wire format of an event: one stream entry, one field per Event attribute.

An entry written by :func:`entry_fields` carries:

========== ======================================= =========================
field      value                                   when
========== ======================================= =========================
``payload`` the payload as JSON (orjson)           always
``id``      the event id                           always
``time``    clock seconds, ``repr(float)``         always
``cycle``   the scenario cycle, decimal            always
``source``  ``engine``, ``system``, ``chaos``...   always
``n``       the publisher's running count          always
``key``     the event key                          only if the key is set
``headers`` the headers as a JSON object           only if there are headers
``marks``   chaos marks as a JSON list             only if the event has marks
========== ======================================= =========================

``n`` orders events one publisher wrote to different streams in the same
millisecond (see :mod:`scenario_redis.merge`). Separate fields (rather than
one JSON envelope) keep the stream readable with ``XRANGE`` and usable by a
service that only wants ``payload``. An entry
written by someone else (no ``payload`` field) is still delivered: its fields
become the payload as a dict of strings, and its entry id becomes the event id.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import orjson
from scenario_engine.buses.wire import payload_json
from scenario_engine.spi import Event

__all__ = ["decode_entry", "encode_payload", "entry_fields"]

#: one shared empty mapping for events without headers (never mutated)
_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


def encode_payload(topic: str, payload: Any) -> bytes:
    """The payload as JSON bytes; raises :class:`BusError` naming the topic if it cannot be."""
    return payload_json(topic, payload, "Redis")


def entry_fields(event: Event, count: int = 0) -> list[Any]:
    """The ``field, value, ...`` arguments of the XADD that carries ``event``.

    ``count`` is the publisher's running count of events (field ``n``).
    """
    fields: list[Any] = [
        "payload", encode_payload(event.topic, event.payload),
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


def _foreign(topic: str, entry_id: bytes, fields: Mapping[bytes, bytes]) -> Event:
    payload = {name.decode(errors="replace"): value.decode(errors="replace")
               for name, value in fields.items()}
    return Event(topic=topic, payload=payload, id=entry_id.decode(), source="external")


def decode_entry(topic: str, entry_id: bytes, fields: Mapping[bytes, bytes]) -> Event:
    """The event carried by one stream entry (see the module docstring for the fields).

    Raises:
        ValueError: a field of a scenario entry is malformed (the reader logs and skips it).
    """
    body = fields.get(b"payload")
    if body is None:
        return _foreign(topic, entry_id, fields)
    key = fields.get(b"key")
    headers = fields.get(b"headers")
    marks = fields.get(b"marks")
    return Event(
        topic=topic,
        payload=orjson.loads(body),
        key=None if key is None else key.decode(),
        headers=_NO_HEADERS if headers is None else orjson.loads(headers),
        id=fields.get(b"id", b"").decode(),
        time=float(fields.get(b"time", b"0")),
        cycle=int(fields.get(b"cycle", b"0")),
        source=fields.get(b"source", b"engine").decode(),
        marks=() if marks is None else tuple(orjson.loads(marks)),
    )
