"""The JetStream stream behind ``?stream=NAME``: found or created, and kept covering the topics.

A stream only stores subjects it lists, and a subscription's filter must be
one of them. The bus therefore makes sure the stream *covers* every topic it
publishes and every subject it subscribes to:

* a stream that exists and was made by someone else is used as it is; a
  topic it does not cover is an error that lists the stream's subjects;
* a stream the bus creates (from ``subjects=``, or empty) is marked as
  managed in its description, and any scenario bus may add subjects to it as
  topics come into use (a subject that covers older ones replaces them).

Consumption starts after the stream's last sequence at connect time, so a
run sees only its own traffic: exact, and independent of clocks.
"""

from __future__ import annotations

import attrs
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import APIError, NotFoundError
from scenario_engine.errors import BusError

from scenario_nats.subjects import covers

__all__ = ["MANAGED", "StreamState", "cover", "ensure_stream"]

MANAGED = "managed by scenario-engine: subjects are added as topics come into use"
_UPDATE_ATTEMPTS = 5


@attrs.frozen
class StreamState:
    """What the bus knows about its stream."""

    name: str
    subjects: tuple[str, ...]
    managed: bool
    start_seq: int


async def ensure_stream(
    js: JetStreamContext, name: str, subjects: tuple[str, ...], storage: str, where: str
) -> StreamState:
    """Find stream ``name`` or create it (managed) with ``subjects``."""
    try:
        info = await js.stream_info(name)
    except NotFoundError:
        config = StreamConfig(
            name=name,
            subjects=list(subjects) or None,
            description=MANAGED,
            storage=StorageType.MEMORY if storage == "memory" else StorageType.FILE,
        )
        try:
            info = await js.add_stream(config)
        except APIError as err:
            # another bus may have created it a moment ago: use theirs
            try:
                info = await js.stream_info(name)
            except NotFoundError:
                raise BusError(
                    f"JetStream at {where} refused to create stream {name!r} with subjects "
                    f"{list(subjects)}: {err.description or err}",
                    hint="the subjects may overlap another stream's; pick others with ?subjects=",
                ) from None
    config = info.config
    state = info.state
    return StreamState(
        name=name,
        subjects=tuple(config.subjects or ()),
        managed=config.description == MANAGED,
        start_seq=(state.last_seq if state is not None else 0) + 1,
    )


async def cover(js: JetStreamContext, stream: StreamState, subject: str, where: str) -> StreamState:
    """``stream`` once it covers ``subject``: as it is, or with the subject added (managed only)."""
    if covers(stream.subjects, subject):
        return stream
    if not stream.managed:
        raise BusError(
            f"JetStream stream {stream.name!r} at {where} does not cover subject {subject!r} "
            f"(its subjects: {', '.join(stream.subjects) or 'none'})",
            hint="add the subject to the stream, or name a stream the bus creates and manages",
        )
    if subject == ">" or subject.startswith(("$", "_INBOX.")):
        raise BusError(
            f"JetStream stream {stream.name!r}: will not add subject {subject!r} "
            "(it would capture the JetStream API and reply subjects)",
            hint="subscribe to narrower patterns, or create the stream with ?subjects=",
        )
    for attempt in range(_UPDATE_ATTEMPTS):
        info = await js.stream_info(stream.name)
        current = tuple(info.config.subjects or ())
        if covers(current, subject):
            return attrs.evolve(stream, subjects=current)
        # a new subject that covers old ones replaces them (a stream rejects overlaps)
        wanted = [s for s in current if not covers((subject,), s)] + [subject]
        info.config.subjects = wanted
        try:
            await js.update_stream(info.config)
        except APIError as err:
            if attempt + 1 == _UPDATE_ATTEMPTS:
                raise BusError(
                    f"JetStream refused to add subject {subject!r} to stream {stream.name!r} "
                    f"at {where}: {err.description or err}",
                    hint="the subject may belong to another stream",
                ) from None
            continue
        return attrs.evolve(stream, subjects=tuple(wanted))
    return stream  # pragma: no cover - the loop returns or raises
