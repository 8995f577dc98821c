"""FastStream's binary envelope for Redis (version 1), written and read from its layout.

All integers are big-endian::

    magic      8 bytes   89 42 49 4E 0D 0A 1A 0A  ("\\x89BIN\\r\\n\\x1a\\n")
    version    uint16    1
    headers_at uint32    offset of the header count (18)
    data_at    uint32    offset of the body
    count      uint16    number of headers
    count x    (uint16 length, bytes) name, then (uint16 length, bytes) value
    body       the rest, from data_at

FastStream also reads an older JSON envelope, ``{"data": "<body>",
"headers": {...}}``, and anything else as a bare body without headers; so
does :func:`unpack`.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

import orjson

from scenario_engine.errors import BusError
from scenario_engine.spi import DecodeError

__all__ = ["MAGIC", "pack", "unpack"]

MAGIC = b"\x89BIN\r\n\x1a\n"
VERSION = 1
_PREFIX = struct.Struct(">HIIH")  # version, headers_at, data_at, count
_HEADERS_AT = len(MAGIC) + 2 + 8
_SHORT = struct.Struct(">H")


def pack(headers: Mapping[str, str], body: bytes) -> bytes:
    """The envelope carrying ``headers`` and ``body``."""
    parts = []
    for name, value in headers.items():
        for text in (name, value):
            raw = text.encode()
            if len(raw) > 0xFFFF:
                raise BusError(
                    f"codec=faststream cannot send header {name!r}: over 65535 bytes",
                    hint="FastStream's envelope keeps each header name and value under 64 KiB",
                )
            parts.append(_SHORT.pack(len(raw)))
            parts.append(raw)
    table = b"".join(parts)
    data_at = _HEADERS_AT + 2 + len(table)
    return b"".join((MAGIC, _PREFIX.pack(VERSION, _HEADERS_AT, data_at, len(headers)), table,
                     body))


def _binary(data: bytes) -> tuple[bytes, dict[str, str]]:
    try:
        _version, headers_at, data_at, count = _PREFIX.unpack_from(data, len(MAGIC))
        offset = headers_at + 2
        headers: dict[str, str] = {}
        for _ in range(count):
            texts = []
            for _part in (0, 1):
                (length,) = _SHORT.unpack_from(data, offset)
                offset += 2
                raw = data[offset:offset + length]
                if len(raw) != length:
                    raise DecodeError("FastStream's envelope ends inside its headers")
                texts.append(raw.decode())
                offset += length
            headers[texts[0]] = texts[1]
    except (struct.error, UnicodeDecodeError) as err:
        raise DecodeError(f"FastStream's envelope is malformed: {err}") from None
    if data_at > len(data):
        raise DecodeError("FastStream's envelope points past its end")
    return data[data_at:], headers


def unpack(data: bytes) -> tuple[bytes, dict[str, Any]]:
    """The body and headers of an envelope (binary, the older JSON one, or a bare body)."""
    if data.startswith(MAGIC) and data[len(MAGIC):len(MAGIC) + 2] == _SHORT.pack(VERSION):
        return _binary(data)
    try:
        legacy = orjson.loads(data)
    except orjson.JSONDecodeError:
        return data, {}
    if isinstance(legacy, dict) and isinstance(legacy.get("data"), str):
        headers = legacy.get("headers")
        return legacy["data"].encode(), dict(headers) if isinstance(headers, dict) else {}
    return data, {}
