"""What a bus does with an inbound entry its codec cannot decode: keep it raw, count, say so once.

The entry is delivered as an event whose source is ``undecoded`` and whose
payload holds it faithfully: text stays text, bytes that are not UTF-8
become ``{"base64": "..."}``; so it is in the event log, byte for byte. The
first one on each topic is a warning that names the codec, the reason, and
the format it looks like, found by asking the other installed codecs.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from loguru import logger

from scenario_engine.events import NO_HEADERS, Event

if TYPE_CHECKING:
    from scenario_engine.spi import Codec

__all__ = ["Undecoded", "looks_like", "raw", "undecoded_message"]

#: codecs asked first when naming the format an entry looks like (most specific first)
_PREFERRED = ("faststream", "native", "json", "flat")


def raw(value: bytes) -> str | dict[str, str]:
    """``value`` as text if it is UTF-8, else ``{"base64": ...}``."""
    try:
        return value.decode()
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(value).decode()}


def looks_like(
    transport: str, current: str, sniff: Callable[[Codec], bool]
) -> tuple[str, str] | None:
    """``(name, title)`` of the installed codec that recognises the frame: the current one
    first (then the frame is in its format, but malformed), then the others."""
    from scenario_engine.registry import default_registry

    registry = default_registry()
    names = registry.names("codec")
    ordered = [n for n in _PREFERRED if n in names] + [n for n in names if n not in _PREFERRED]
    if current in ordered:
        ordered.remove(current)
        ordered.insert(0, current)
    for name in ordered:
        try:
            codec = registry.create("codec", name, {})
            if transport in codec.transports and sniff(codec):
                return name, codec.title
        except Exception as err:  # a codec that needs parameters, or a broken plugin: no guess
            logger.debug("codec {} cannot tell what an entry looks like: {}", name, err)
    return None


def undecoded_message(topic: str, codec: str, reason: str, guess: tuple[str, str] | None
                      ) -> tuple[str, str]:
    """The warning for the first undecodable entry on ``topic``, and its hint."""
    message = (
        f"topic {topic!r}: an entry could not be decoded with codec={codec} ({reason}); "
        "it is kept raw in the event log (source 'undecoded'), and further ones on this "
        "topic are only counted"
    )
    if guess is not None and guess[0] == codec:
        hint = f"this entry looks like {guess[1]} but is malformed: fix what writes it"
    elif guess is not None:
        hint = f"this entry looks like {guess[1]}: use codec={guess[0]}"
    else:
        hint = "declare the topic's codec: .topic(name, codec=...), or ?codec= on the bus URL"
    return message, hint


class Undecoded:
    """Counts undecodable entries of one bus and warns once per topic."""

    def __init__(self, bus: str) -> None:
        self._log = logger.bind(bus=bus)
        self._topics: set[str] = set()
        self.count = 0

    def _note(self, topic: str, codec: str, reason: str, transport: str,
              sniff: Callable[[Codec], bool]) -> None:
        self.count += 1
        if topic in self._topics:
            return
        self._topics.add(topic)
        message, hint = undecoded_message(topic, codec, reason, looks_like(transport, codec, sniff))
        self._log.warning("{} (hint: {})", message, hint)

    def fields(self, topic: str, entry_id: bytes, fields: Mapping[bytes, bytes], codec: str,
               reason: str) -> Event:
        """The raw event for a stream entry (its id is the entry id)."""
        self._note(topic, codec, reason, "fields", lambda c: c.looks_like_fields(fields))
        payload: dict[str, Any] = {
            "undecoded": {
                "codec": codec,
                "reason": reason,
                "fields": {name.decode(errors="backslashreplace"): raw(value)
                           for name, value in fields.items()},
            }
        }
        return Event(topic=topic, payload=payload, id=entry_id.decode(errors="replace"),
                     source="undecoded")

    def message(self, topic: str, body: bytes, headers: Mapping[str, str] | None, codec: str,
                reason: str) -> Event:
        """The raw event for a message (body and headers)."""
        self._note(topic, codec, reason, "message",
                   lambda c: c.looks_like_message(body, headers))
        payload: dict[str, Any] = {
            "undecoded": {"codec": codec, "reason": reason, "body": raw(body)}
        }
        return Event(topic=topic, payload=payload, headers=dict(headers) if headers else
                     NO_HEADERS, source="undecoded")
