"""``flat`` (Redis Streams): the payload's top-level keys are the entry's fields.

What a plain ``XADD orders * orderId o-1 qty 10`` service writes and reads.
Redis keeps only bytes, so inbound values are typed back:

* a field declared in ``types`` (``{"qty": "int", "price": "float"}``; the
  names ``int``, ``float``, ``bool``, ``str``, ``json``) is converted so, and
  a value that does not convert is a :class:`~scenario_engine.spi.DecodeError`;
* any other field is parsed as JSON where it is JSON (``"10"`` is 10,
  ``"true"`` is True, ``"[1, 2]"`` a list) and kept as text otherwise.

Outbound, a string is written as itself unless it would read back as
something else (``"10"`` is written ``"\\"10\\""``), other values as JSON, so
what the engine writes reads back the same. The payload must be a mapping
with at least one key; the key, headers and the engine's metadata are not
carried.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson

from scenario_engine.buses.wire import payload_json
from scenario_engine.codecs.native import text_fields
from scenario_engine.errors import BusError
from scenario_engine.events import Event
from scenario_engine.spi import CodecBase, DecodeError, ParamError

__all__ = ["TYPES", "FlatCodec", "type_name"]

_JSON_START = frozenset('-0123456789tfn"[{ \t\r\n')
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def _boolean(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"not a boolean: {text!r}")


#: the declarable field types, by name
TYPES: Mapping[str, Callable[[str], Any]] = {
    "int": int,
    "float": float,
    "bool": _boolean,
    "str": str,
    "json": orjson.loads,
}
_BY_TYPE = {int: "int", float: "float", bool: "bool", str: "str"}


def type_name(value: Any) -> Any:
    """``int`` -> ``"int"`` (a DSL shorthand); other values unchanged."""
    return _BY_TYPE.get(value, value) if isinstance(value, type) else value


def _parsed(text: str) -> Any:
    """``text`` as JSON where it is JSON, else itself."""
    if not text or text[0] not in _JSON_START:
        return text
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


class FlatCodec(CodecBase):
    """One field per top-level key of the payload; ``types`` types inbound fields."""

    transports = frozenset({"fields"})
    title = "flat fields"

    def __init__(self, types: Mapping[str, Any] | None = None) -> None:
        declared: dict[str, str] = {}
        for field, kind in (types or {}).items():
            name = type_name(kind)
            if name not in TYPES:
                raise ParamError(
                    f"types.{field}",
                    "must be one of " + ", ".join(TYPES),
                    kind if not isinstance(kind, type) else kind.__name__,
                )
            declared[str(field)] = name
        self.types = declared
        self._convert = {field.encode(): TYPES[name] for field, name in declared.items()}
        self._raw = frozenset(field for field, name in declared.items() if name == "str")
        self._json = frozenset(field for field, name in declared.items() if name == "json")

    def __repr__(self) -> str:
        return f"FlatCodec(types={self.types!r})"

    def _value(self, topic: str, name: str, value: Any) -> Any:
        if name in self._json:
            return payload_json(topic, value, "Redis")
        if isinstance(value, str):
            if name in self._raw or _parsed(value) is value:
                return value
            return orjson.dumps(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return payload_json(topic, value, "Redis")

    def encode_fields(self, event: Event, count: int) -> list[Any]:
        payload = event.payload
        if not isinstance(payload, Mapping) or not payload:
            raise BusError(
                f"codec=flat cannot send the payload of an event on {event.topic!r}: "
                f"it must be a mapping with at least one key (got {payload!r:.80})",
                hint="send a dict, or use codec=json for other payloads",
            )
        fields: list[Any] = []
        for name, value in payload.items():
            if not isinstance(name, str):
                raise BusError(
                    f"codec=flat cannot send the payload of an event on {event.topic!r}: "
                    f"its key {name!r} is not a string",
                    hint="field names are strings",
                )
            fields += (name, self._value(event.topic, name, value))
        return fields

    def decode_fields(self, topic: str, entry_id: bytes, fields: Mapping[bytes, bytes]) -> Event:
        texts = text_fields(fields)
        convert = self._convert
        payload: dict[str, Any] = {}
        for raw_name, (name, text) in zip(fields, texts.items(), strict=True):
            typed = convert.get(raw_name)
            if typed is None:
                payload[name] = _parsed(text)
                continue
            try:
                payload[name] = typed(text)
            except ValueError:
                raise DecodeError(
                    f"field {name!r} is {text!r}, not {self.types[name]} as types= declares"
                ) from None
        return Event(topic=topic, payload=payload, id=entry_id.decode(), source="external")

    def looks_like_fields(self, fields: Mapping[bytes, bytes]) -> bool:
        try:
            text_fields(fields)
        except DecodeError:
            return False
        return True
