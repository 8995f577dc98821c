"""Consumer-group safety on JetStream: a durable consumer someone else already reads.

The engine consumes with durable consumers named after ``?durable=``. If
another program (or another run) is bound to the same durable, nats-py
refuses a second subscriber with a bare "already bound" error; this says
who holds it instead.
"""

from __future__ import annotations

import nats.js.errors
from nats.js import JetStreamContext
from scenario_engine.errors import BusError

__all__ = ["check_durable_free"]


async def check_durable_free(js: JetStreamContext, stream: str, name: str, url: str) -> None:
    """Raise :class:`BusError` naming the holder if the durable ``name`` is bound already."""
    try:
        info = await js.consumer_info(stream, name)
    except nats.js.errors.NotFoundError:
        return
    if not info.push_bound:
        return
    subject = info.config.deliver_subject or "?"
    group = info.config.deliver_group
    holder = f"a subscriber on {subject!r}" + (f" in queue group {group!r}" if group else "")
    raise BusError(
        f"durable consumer {name!r} on stream {stream!r} at {url} is already read by another "
        f"program: {holder}",
        hint="stop the other reader, or give this run another ?durable= (or none)",
    )
