"""What a ``nats://`` URL asks for, read once into a frozen value.

``nats://[user:password@|token@]host[:port][?option=value&...]``

============ ========== ===============================================================
option       default    meaning
============ ========== ===============================================================
``stream``   (none)     use JetStream: this stream carries the events (created if missing)
``subjects`` (none)     subjects a *created* stream starts with, comma-separated
``storage``  file       storage of a created stream: ``file`` or ``memory``
``durable``  (none)     consume with durable consumers named after this (JetStream)
``batch``    100        publishes handed to the client at once; JetStream acks per batch
``outage``   30s        how long the server may stay unreachable before BusError
``timeout``  5s         connect, subscribe and acknowledgement timeout
``codec``    native     the wire format: ``native``, ``json``, ``faststream``...
``codec.*``  (none)     the codec's parameters (``codec.field=body``)
============ ========== ===============================================================
"""

from __future__ import annotations

import attrs
from scenario_engine.buses.url import BusURL, parse_bus_url
from scenario_engine.codecs.routing import is_codec_option
from scenario_engine.errors import UsageError

__all__ = ["DEFAULT_PORT", "NatsConfig"]

DEFAULT_PORT = 4222
_OPTIONS = ("stream", "subjects", "storage", "durable", "batch", "outage", "timeout", "codec")
_NAME_FORBIDDEN = frozenset(" \t\r\n.*>/\\")


def _check_name(url: BusURL, option: str, name: str | None) -> str | None:
    if name is None:
        return None
    if not name or any(ch in _NAME_FORBIDDEN for ch in name):
        raise UsageError(
            f"bus URL {url.redacted}: option {option}={name!r} is not a valid JetStream name",
            hint="use letters, digits, '-' and '_' (no dots, spaces, '*', '>' or slashes)",
        )
    return name


@attrs.frozen
class NatsConfig:
    """Connection and behaviour settings of one NATS bus."""

    url: BusURL
    stream: str | None
    subjects: tuple[str, ...]
    storage: str
    durable: str | None
    batch: int
    outage: float
    timeout: float

    @property
    def redacted(self) -> str:
        return self.url.redacted

    @property
    def server(self) -> str:
        """The URL the client dials: scheme, host and port; credentials go apart
        (:attr:`credentials`), decoded, since the client sends a URL's as written."""
        return f"nats://{self.url.endpoint}"

    @property
    def credentials(self) -> dict[str, str]:
        """``user`` and ``password``, or a lone ``token``, percent-decoded: any character works."""
        user, password = self.url.username, self.url.password
        if user and password is not None:
            return {"user": user, "password": password}
        if user:
            return {"token": user}
        if password:
            return {"token": password}
        return {}

    @classmethod
    def from_url(cls, text: str) -> NatsConfig:
        """Parse and validate ``text``; raises :class:`UsageError` naming the bad part."""
        url = parse_bus_url(text, schemes=["nats"], default_port=DEFAULT_PORT)
        url.reject_unknown([*_OPTIONS, *filter(is_codec_option, url.options)])
        stream = _check_name(url, "stream", url.text("stream") or None)
        durable = _check_name(url, "durable", url.text("durable") or None)
        if durable and not stream:
            raise UsageError(
                f"bus URL {url.redacted}: durable= needs stream= (durable consumers are JetStream)",
                hint="add ?stream=NAME",
            )
        subjects = tuple(s.strip() for s in (url.text("subjects") or "").split(",") if s.strip())
        if subjects and not stream:
            raise UsageError(
                f"bus URL {url.redacted}: subjects= needs stream= (it configures the stream)",
                hint="add ?stream=NAME, or drop subjects= for core NATS",
            )
        storage = (url.text("storage") or "file").lower()
        if storage not in ("file", "memory"):
            raise UsageError(
                f"bus URL {url.redacted}: option storage={storage}: expected file or memory",
            )
        return cls(
            url=url,
            stream=stream,
            subjects=subjects,
            storage=storage,
            durable=durable,
            batch=url.integer("batch", 100, minimum=1),
            outage=url.duration("outage", 30.0),
            timeout=url.duration("timeout", 5.0, minimum=0.01),
        )
