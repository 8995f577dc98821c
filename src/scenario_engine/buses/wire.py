"""What every bus that carries JSON payloads shares: one encoder, one error.

Bus plugins call :func:`payload_json`, so a payload that cannot cross the
wire gets the same message and hint on every transport.
"""

from __future__ import annotations

from typing import Any

import attrs
import orjson

from scenario_engine.errors import BusError

__all__ = ["payload_json"]


def _fallback(value: Any) -> Any:
    if attrs.has(type(value)):
        return attrs.asdict(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    raise TypeError(f"type {type(value).__name__} is not JSON serializable")


def payload_json(topic: str, payload: Any, transport: str) -> bytes:
    """The payload as JSON bytes; raises :class:`BusError` naming the topic if it cannot be."""
    try:
        return orjson.dumps(payload, default=_fallback)
    except TypeError as err:
        raise BusError(
            f"cannot send the payload of an event on {topic!r} over {transport}: {err}",
            hint="payloads cross the wire as JSON: use dicts, lists, strings, "
            "numbers (integers within 64 bits), booleans and None",
        ) from err
