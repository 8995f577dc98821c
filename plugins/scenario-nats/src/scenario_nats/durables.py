"""Consumer-group safety on JetStream: a durable consumer someone else already reads.

Every subscriber of a push consumer (or puller of a pull consumer) shares
its messages: each goes to one of them. Binding to a durable consumer that
another program is bound to would silently take a share of its messages,
so it is a warning that says who holds it.
"""

from __future__ import annotations

import nats.js.errors
from nats.js import JetStreamContext

__all__ = ["durable_warning"]


async def durable_warning(js: JetStreamContext, stream: str, name: str) -> str | None:
    """The warning for binding to the durable ``name`` on ``stream``, or None if no one else
    reads it (or it does not exist yet)."""
    try:
        info = await js.consumer_info(stream, name)
    except nats.js.errors.NotFoundError:
        return None
    holders = []
    if info.push_bound:
        subject = info.config.deliver_subject or "?"
        group = info.config.deliver_group
        holders.append(f"a subscriber on {subject!r}" + (f" (queue {group!r})" if group else ""))
    if info.num_waiting:
        holders.append(f"{info.num_waiting} waiting pull request(s)")
    if not holders:
        return None
    return (
        f"joining durable consumer {name!r} on stream {stream!r}, which another program "
        f"already reads: {', '.join(holders)}; each message goes to one of them, so the engine "
        f"takes a share of theirs (use another ?durable= for the engine, or none)"
    )
