"""The NATS wire format of an event: the payload as the body, the rest in headers.

================== ===================================== ========================
header             value                                 when
================== ===================================== ========================
``Scenario-Id``     the event id                         always
``Scenario-Time``   clock seconds, ``repr(float)``       always
``Scenario-Cycle``  the scenario cycle                   always
``Scenario-Source`` ``engine``, ``system``, ``chaos``... always
``Scenario-Key``    the event key                        only if set
``Scenario-Marks``  chaos marks, JSON list               only if any
``Nats-Msg-Id``     unique per publish, for dedup        JetStream only
*user headers*      as themselves                        if they fit (see below)
``Scenario-Headers`` all user headers as a JSON object   if one does not fit
================== ===================================== ========================

The body is the payload as JSON (orjson). User headers travel as ordinary
NATS headers, so any NATS client sees them, as long as the name is a header
token that does not start with ``Scenario-`` or ``Nats-`` and the value is
one line without surrounding blanks; otherwise NATS would alter them, so the
whole set travels as JSON in ``Scenario-Headers`` and round-trips exactly.

``Nats-Msg-Id`` is *not* the event id: JetStream drops a message whose id it
has seen in the last two minutes, which would swallow the intentional
duplicates chaos ``Duplicate`` produces. Each publish gets an id of its own
instead, so only a retry of the very same publish is deduplicated.

A message without ``Scenario-Id`` comes from another program: its body is
decoded as JSON if it can be (else kept as text), its headers are kept, and
its source is ``external``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import orjson
from scenario_engine.buses.wire import payload_json
from scenario_engine.spi import Event

__all__ = ["decode_message", "encode_body", "encode_headers"]

#: one shared empty mapping for events without headers (never mutated)
_NO_HEADERS: Mapping[str, str] = MappingProxyType({})

ID = "Scenario-Id"
TIME = "Scenario-Time"
CYCLE = "Scenario-Cycle"
SOURCE = "Scenario-Source"
KEY = "Scenario-Key"
MARKS = "Scenario-Marks"
HEADERS = "Scenario-Headers"
MSG_ID = "Nats-Msg-Id"

_RESERVED = ("scenario-", "nats-")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def encode_body(topic: str, payload: Any) -> bytes:
    """The payload as JSON bytes; raises :class:`BusError` naming the topic if it cannot be."""
    return payload_json(topic, payload, "NATS")


def _native(name: str, value: str) -> bool:
    return (
        isinstance(value, str)
        and _TOKEN.fullmatch(name) is not None
        and not name.lower().startswith(_RESERVED)
        and value == value.strip()
        and "\r" not in value
        and "\n" not in value
    )


def encode_headers(event: Event, msg_id: str | None = None) -> dict[str, str]:
    """The NATS headers that carry everything of ``event`` but its payload."""
    headers = {
        ID: event.id,
        TIME: repr(event.time),
        CYCLE: str(event.cycle),
        SOURCE: event.source,
    }
    if event.key is not None:
        headers[KEY] = event.key
    if event.marks:
        headers[MARKS] = orjson.dumps(list(event.marks)).decode()
    user = event.headers
    if user:
        if all(_native(name, value) for name, value in user.items()):
            headers.update(user)
        else:
            headers[HEADERS] = orjson.dumps(dict(user)).decode()
    if msg_id is not None:
        headers[MSG_ID] = msg_id
    return headers


def _user_headers(headers: Mapping[str, str]) -> Mapping[str, str]:
    packed = headers.get(HEADERS)
    if packed is not None:
        user: dict[str, str] = orjson.loads(packed)
        return user
    found = {k: v for k, v in headers.items() if not k.lower().startswith(_RESERVED)}
    return found or _NO_HEADERS


def decode_message(topic: str, body: bytes, headers: Mapping[str, str] | None) -> Event:
    """The event carried by one NATS message.

    Raises:
        ValueError: the body or a header of a scenario message is malformed.
    """
    if not headers or ID not in headers:
        try:
            payload: Any = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            payload = body.decode(errors="replace")
        kept = dict(headers) if headers else _NO_HEADERS
        return Event(topic=topic, payload=payload, headers=kept, source="external")
    marks = headers.get(MARKS)
    return Event(
        topic=topic,
        payload=orjson.loads(body),
        key=headers.get(KEY),
        headers=_user_headers(headers),
        id=headers[ID],
        time=float(headers.get(TIME, "0")),
        cycle=int(headers.get(CYCLE, "0")),
        source=headers.get(SOURCE, "engine"),
        marks=tuple(orjson.loads(marks)) if marks else (),
    )
