"""Consumer-group safety: joining a group that other programs already read from.

A consumer group hands each entry to *one* of its consumers. If the engine
joins the group a real service reads with, it silently takes a share of the
service's requests; so joining a group that already has other consumers is
a warning that names them. Redis lists a consumer once it has read from the
group (from its first ``XREADGROUP`` on Redis 7.2 and later, from its first
entry before that), so a service that has read nothing yet may go unseen.
"""

from __future__ import annotations

from typing import Any

import redis

__all__ = ["group_warning", "other_consumers"]


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def other_consumers(client: redis.Redis, stream: bytes, group: str, me: str) -> list[str]:
    """The consumers of ``group`` on ``stream`` other than ``me``, as ``name (idle, pending)``."""
    try:
        consumers: Any = client.xinfo_consumers(stream, group)
    except redis.ResponseError:  # the group went away meanwhile: nobody to share with
        return []
    found = []
    for consumer in consumers or ():
        name = _text(consumer.get("name", ""))
        if name == me:
            continue
        idle = int(consumer.get("idle", 0)) / 1000
        pending = int(consumer.get("pending", 0))
        found.append(f"{name} (idle {idle:.1f}s, {pending} pending)")
    return found


def group_warning(stream: bytes, group: str, others: list[str]) -> str:
    """The warning for joining ``group`` on ``stream`` next to ``others``."""
    return (
        f"joining consumer group {group!r} on stream {_text(stream)!r}, which already has "
        f"{len(others)} other consumer{'s' if len(others) != 1 else ''}: {', '.join(others)}; "
        f"each entry goes to one consumer, so the engine takes a share of theirs "
        f"(use another ?group= for the engine, or none)"
    )
