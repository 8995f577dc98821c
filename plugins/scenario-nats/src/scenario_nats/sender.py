"""Publishing on the loop: one task sends, in order, the batches the caller hands over.

The caller's thread only buffers events (:meth:`NatsBus.publish`) and hands a
batch over through a :class:`~scenario_nats.loop.Handoff`; this task encodes
and publishes them. Serialising on the loop rather than on the caller's
thread halves the work the two threads fight over the GIL for, which is
what keeps the bus close to a raw client loop.

* Core NATS: each message is published; while nats-py's reconnect buffer is
  full the task waits for the server (up to the outage limit).
* JetStream: a batch is published with ``publish_async`` and its acks awaited
  together; what was not acknowledged (timeout, no responders while the
  server restarts) is sent again with the same ``Nats-Msg-Id``, so the
  server keeps one copy. ``Nats-Msg-Id`` is *not* the event id: JetStream
  drops a message whose id it saw in the last two minutes, which would
  swallow the intended duplicates of chaos ``Duplicate``; each publish gets
  an id of its own.
* A flush marker (a future) completes once everything before it is sent and,
  for core NATS, seen by the server (PING/PONG).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import time
import uuid

import nats.errors
import nats.js.errors
from loguru import logger
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from scenario_engine.buses.url import scrub
from scenario_engine.codecs.routing import TopicMap
from scenario_engine.errors import BusError
from scenario_engine.spi import Event

from scenario_nats.link import Link
from scenario_nats.loop import Handoff

__all__ = ["BACKOFF_CAP", "BACKOFF_FIRST", "Outbox", "Sender"]

BACKOFF_FIRST, BACKOFF_CAP = 0.05, 2.0
#: what the caller hands over: a batch of events, a flush marker, or None to stop
Outbox = Handoff["list[Event] | concurrent.futures.Future[None] | None"]
#: an encoded message: subject, body, headers
Outgoing = tuple[str, bytes, dict[str, str]]
#: the JetStream header that deduplicates a re-sent publish
MSG_ID = "Nats-Msg-Id"


class Sender:
    """The loop side of publishing for one bus; :meth:`run` is its task."""

    def __init__(self, nc: NatsClient, js: JetStreamContext | None, link: Link, outbox: Outbox,
                 *, timeout: float, stream: str | None, secret_url: str, topics: TopicMap
                 ) -> None:
        self._nc = nc
        self._topics = topics
        self._js = js
        self._link = link
        self._outbox = outbox
        self._timeout = timeout
        self._stream = stream
        self._secret_url = secret_url
        self._log = logger.bind(bus=link.url)
        self._msg_prefix = uuid.uuid4().hex[:16] + "-"
        self._msg_ids = itertools.count(1)

    async def run(self) -> None:
        link = self._link
        while True:
            item = await self._outbox.get()
            if item is None:
                return
            if isinstance(item, concurrent.futures.Future):
                try:
                    await self._settle()
                except BaseException as err:
                    item.set_exception(err)
                else:
                    item.set_result(None)
                continue
            if link.failure is not None:
                continue  # the bus is failed: drain what is still handed over
            try:
                if self._js is None:
                    await self._send_core(item)
                else:
                    await self._send_acked(item)
            except BusError as err:
                link.failure = err
            except Exception as err:
                link.failure = BusError(
                    f"publishing to NATS at {link.url} failed: {type(err).__name__}: "
                    f"{scrub(str(err), self._secret_url)}",
                    hint="see the log for details",
                )
                self._log.opt(exception=err).error("NATS sender failed")

    def _encode(self, event: Event, msg_id: str | None = None) -> Outgoing | None:
        """The message for ``event``; None (and a rejection for the caller) if it cannot be."""
        try:
            subject, codec = self._topics.outbound(event.topic)
            body, headers = codec.encode_message(event)
            if msg_id is not None:
                headers[MSG_ID] = msg_id
            return subject, body, headers
        except BusError as err:
            # one bad payload must not take the bus down: report it once, send the rest
            self._link.reject(err)
            return None

    def _too_large(self, subject: str, body: bytes) -> BusError:
        return BusError(
            f"an event on {subject!r} is {len(body)} bytes, over the NATS server's "
            f"max_payload of {self._nc.max_payload} bytes",
            hint="raise max_payload in the nats-server configuration, or send smaller payloads",
        )

    async def _send_core(self, batch: list[Event]) -> None:
        publish = self._nc.publish
        encode = self._encode
        sent = 0
        for event in batch:
            message = encode(event)
            if message is None:
                continue
            subject, body, headers = message
            try:
                await publish(subject, body, "", headers)
            except nats.errors.OutboundBufferLimitError:
                await self._publish_when_room(subject, body, headers)
            except nats.errors.MaxPayloadError:
                self._link.reject(self._too_large(subject, body))
                continue
            sent += 1
        self._link.published += sent

    async def _publish_when_room(self, subject: str, body: bytes, headers: dict[str, str]) -> None:
        """Publish once the reconnect buffer has room again (the server came back)."""
        while True:
            self._link.check_outage()
            await asyncio.sleep(0.05)
            try:
                await self._nc.publish(subject, body, "", headers)
                return
            except nats.errors.OutboundBufferLimitError:
                continue

    async def _send_acked(self, batch: list[Event]) -> None:
        js = self._js
        assert js is not None
        link = self._link
        prefix, ids = self._msg_prefix, self._msg_ids
        # the message id is fixed before the first attempt, so a re-send is deduplicated
        encoded = (self._encode(event, f"{prefix}{next(ids)}") for event in batch)
        pending = [message for message in encoded if message is not None]
        first_failure: float | None = None
        delay = BACKOFF_FIRST
        while pending:
            futures = []
            attempted: list[Outgoing] = []
            for message in pending:
                subject, body, headers = message
                try:
                    futures.append(await js.publish_async(subject, body, headers=headers))
                except nats.errors.MaxPayloadError:
                    link.reject(self._too_large(subject, body))
                    continue
                attempted.append(message)
            if not futures:
                return
            _, late = await asyncio.wait(futures, timeout=self._timeout)
            for future in late:
                future.cancel()
            failed: list[Outgoing] = []
            for item, future in zip(attempted, futures, strict=True):
                error = None if future.cancelled() else future.exception()
                if future.cancelled() or isinstance(
                    error, nats.js.errors.NoStreamResponseError | nats.errors.TimeoutError
                ):
                    failed.append(item)
                elif error is not None:
                    description = getattr(error, "description", None) or str(error)
                    raise BusError(
                        f"JetStream at {link.url} refused a publish on {item[0]!r}: {description}",
                        hint=f"check the stream {self._stream!r} (limits, subjects)",
                    )
            link.published += len(attempted) - len(failed)
            pending = failed
            if pending:
                link.errors += 1
                now = time.monotonic()
                first_failure = first_failure or now
                if now - first_failure > link.outage:
                    raise link.outage_error(now - first_failure, len(pending))
                await asyncio.sleep(delay)
                delay = min(delay * 2, BACKOFF_CAP)

    async def _settle(self) -> None:
        """Wait until the server has seen everything sent so far (PING/PONG)."""
        nc = self._nc
        delay = BACKOFF_FIRST
        while True:
            if self._link.failure is not None:
                raise self._link.failure
            if nc.is_connected:
                try:
                    await nc.flush(timeout=max(1, round(self._timeout)))
                    return
                except (nats.errors.TimeoutError, nats.errors.ConnectionClosedError):
                    pass
            self._link.check_outage()
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_CAP)
