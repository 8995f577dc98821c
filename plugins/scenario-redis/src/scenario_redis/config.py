"""What a ``redis://`` URL asks for, read once into a frozen value.

``redis://[user:password@]host[:port][/db][?option=value&...]``

=========== ========== ==============================================================
option      default    meaning
=========== ========== ==============================================================
``prefix``  (empty)    stream name = prefix + topic; set it to keep runs apart
``maxlen``  0 (off)    trim each stream to about this many entries (``MAXLEN ~``)
``batch``   100        publishes sent per pipeline round trip
``group``   (none)     consume through this consumer group (XREADGROUP + XACK)
``consumer`` host-pid  consumer name inside the group
``block``   100ms      how long one XREAD waits before looking for new streams
``scan``    500ms      how often wildcard subscriptions look for new streams
``outage``  30s        how long the broker may stay unreachable before BusError
``timeout`` 5s         connect and command timeout
``codec``   native     the wire format: ``native``, ``json``, ``flat``, ``faststream``...
``codec.*`` (none)     the codec's parameters: ``codec.field=body``, ``codec.types=qty:int``
=========== ========== ==============================================================
"""

from __future__ import annotations

import os
import socket

import attrs
from scenario_engine.buses.url import BusURL, parse_bus_url
from scenario_engine.codecs.routing import is_codec_option
from scenario_engine.errors import UsageError

__all__ = ["DEFAULT_PORT", "RedisConfig"]

DEFAULT_PORT = 6379
_OPTIONS = ("prefix", "maxlen", "batch", "group", "consumer", "block", "scan", "outage", "codec",
            "timeout")


@attrs.frozen
class RedisConfig:
    """Connection and behaviour settings of one Redis bus."""

    url: BusURL
    db: int
    prefix: str
    maxlen: int
    batch: int
    group: str | None
    consumer: str
    block: float
    scan: float
    outage: float
    timeout: float

    @property
    def redacted(self) -> str:
        return self.url.redacted

    @classmethod
    def from_url(cls, text: str) -> RedisConfig:
        """Parse and validate ``text``; raises :class:`UsageError` naming the bad part."""
        url = parse_bus_url(text, schemes=["redis"], default_port=DEFAULT_PORT)
        url.reject_unknown([*_OPTIONS, *filter(is_codec_option, url.options)])
        db_text = url.path.strip("/") or "0"
        if not db_text.isdigit():
            raise UsageError(
                f"bus URL {url.redacted}: the database must be a number (got {db_text!r})",
                hint="write redis://host:6379/0",
            )
        group = url.text("group") or None
        return cls(
            url=url,
            db=int(db_text),
            prefix=url.text("prefix", "") or "",
            maxlen=url.integer("maxlen", 0),
            batch=url.integer("batch", 100, minimum=1),
            group=group,
            consumer=url.text("consumer") or f"{socket.gethostname()}-{os.getpid()}",
            block=url.duration("block", 0.1, minimum=0.001),
            scan=url.duration("scan", 0.5, minimum=0.01),
            outage=url.duration("outage", 30.0),
            timeout=url.duration("timeout", 5.0, minimum=0.01),
        )

    def stream(self, topic: str) -> str:
        """The stream key that carries ``topic``."""
        return self.prefix + topic
