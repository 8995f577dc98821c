"""The engine's own metadata as string headers, shared by every codec that has headers.

================== ===================================== ========================
header             value                                 when
================== ===================================== ========================
``Scenario-Id``     the event id                         always
``Scenario-Time``   clock seconds, ``repr(float)``       always
``Scenario-Cycle``  the scenario cycle                   always
``Scenario-Source`` ``engine``, ``system``, ``chaos``... always
``Scenario-Key``    the event key                        only if set
``Scenario-Marks``  chaos marks, JSON list               only if any
*user headers*      as themselves                        if they fit (see below)
``Scenario-Headers`` all user headers as a JSON object   if one does not fit
================== ===================================== ========================

User headers travel as themselves, so any client sees them, as long as the
name is a header token that is not reserved (``Scenario-*``, ``Nats-*``,
and what the format itself uses, such as ``content-type``) and the value is
one line without surrounding blanks; otherwise a broker would alter them,
so the whole set travels as JSON in ``Scenario-Headers`` and round-trips
exactly.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

import orjson

from scenario_engine.events import NO_HEADERS, Event

__all__ = [
    "CYCLE",
    "HEADERS",
    "ID",
    "KEY",
    "MARKS",
    "SOURCE",
    "TIME",
    "event_from_headers",
    "metadata_headers",
    "user_headers",
]

ID = "Scenario-Id"
TIME = "Scenario-Time"
CYCLE = "Scenario-Cycle"
SOURCE = "Scenario-Source"
KEY = "Scenario-Key"
MARKS = "Scenario-Marks"
HEADERS = "Scenario-Headers"

_RESERVED = ("scenario-", "nats-")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _fits(name: str, value: Any, reserved: Collection[str]) -> bool:
    return (
        isinstance(value, str)
        and _TOKEN.fullmatch(name) is not None
        and not name.lower().startswith(_RESERVED)
        and name.lower() not in reserved
        and value == value.strip()
        and "\r" not in value
        and "\n" not in value
    )


def metadata_headers(event: Event, reserved: Collection[str] = ()) -> dict[str, str]:
    """Headers carrying everything of ``event`` but its payload.

    ``reserved`` (lower case) are header names the format uses itself: a
    user header by one of these names makes the set travel packed.
    """
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
        if all(_fits(name, value, reserved) for name, value in user.items()):
            headers.update(user)
        else:
            headers[HEADERS] = orjson.dumps(dict(user)).decode()
    return headers


def user_headers(headers: Mapping[str, str], dropped: Collection[str] = ()) -> Mapping[str, str]:
    """The user's headers among ``headers``: packed ones, or all but the reserved names."""
    packed = headers.get(HEADERS)
    if packed is not None:
        user: dict[str, str] = orjson.loads(packed)
        return user
    found = {
        k: v for k, v in headers.items()
        if not k.lower().startswith(_RESERVED) and k.lower() not in dropped
    }
    return found or NO_HEADERS


def event_from_headers(
    topic: str, payload: Any, headers: Mapping[str, str], dropped: Collection[str] = ()
) -> Event:
    """The event whose metadata ``headers`` carry (they hold ``Scenario-Id``).

    Raises:
        ValueError: a metadata header is malformed.
    """
    marks = headers.get(MARKS)
    return Event(
        topic=topic,
        payload=payload,
        key=headers.get(KEY),
        headers=user_headers(headers, dropped),
        id=headers[ID],
        time=float(headers.get(TIME, "0")),
        cycle=int(headers.get(CYCLE, "0")),
        source=headers.get(SOURCE, "engine"),
        marks=tuple(orjson.loads(marks)) if marks else (),
    )
