"""The default fixture generator: a plausible, seeded payload for any stream.

Event files say ``generator: true`` where the team's old producer built a
fixture; without a domain pack naming a richer one (``fixtures:
trading.fixtures``), this gives each payload an id, the stream, its index
and a seeded number, so a stream can be exercised before anyone writes its
real shape.
"""

from __future__ import annotations

import random
from typing import Any

from scenario_engine.spi import ParamError, Tick

__all__ = ["Fixture"]


class Fixture:
    """``{"id": "<stream>-<n>", "stream": ..., "index": n, "value": <0..1>}`` per payload.

    Args:
        stream: the stream the payloads are for (names the ids).
    """

    __slots__ = ("_emitted", "_stream")

    def __init__(self, stream: str = "event") -> None:
        if not isinstance(stream, str) or not stream:
            raise ParamError("stream", "must be a non-empty stream name", stream)
        self._stream = stream
        self._emitted = 0

    def initial_value(self) -> Any:
        return 0

    def payload(self, tick: Tick, rng: random.Random) -> Any:
        n = self._emitted
        self._emitted += 1
        return {
            "id": f"{self._stream}-{n}",
            "stream": self._stream,
            "index": n,
            "value": round(rng.random(), 6),
        }

    def summary(self) -> dict[str, Any]:
        return {"stream": self._stream, "count": self._emitted}
