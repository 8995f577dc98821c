"""The ``nats://`` bus: core NATS subjects, or a JetStream stream with ``?stream=NAME``.

nats-py is asyncio-only; the client runs on an event loop of its own thread
(:mod:`scenario_nats.loop`). The caller's thread encodes events and hands
them over a batch at a time; one sender task on the loop publishes batches
in order (in JetStream mode it waits for each batch's acknowledgements,
re-sending what was not acknowledged). Messages that arrive are decoded on
the loop and queued; :meth:`NatsBus.poll` calls the handlers on the caller's
thread.

Core NATS is at most once: a message published while no one subscribes, or
in flight when the server dies, is gone. JetStream stores what it
acknowledged; re-sent publishes carry the same ``Nats-Msg-Id``, so the
server drops a copy it already has.

Reconnects are nats-py's own, with an exponential delay (50 ms doubling to
2 s) chosen by this bus, counted in :attr:`NatsBus.stats` and logged.
During an outage nats-py buffers publishes and sends them after the
reconnect; an outage longer than ``outage`` seconds raises
:class:`~scenario_engine.errors.BusError`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import itertools
import queue
import time
import uuid
import zlib
from collections import deque
from collections.abc import Callable
from typing import Any, NoReturn

import nats.errors
import nats.js.errors
from loguru import logger
from nats.aio.client import Client as NatsClient
from nats.aio.client import Server
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from scenario_engine.buses.url import scrub
from scenario_engine.errors import BusError
from scenario_engine.events import Event, TopicPattern

from scenario_nats.config import NatsConfig
from scenario_nats.loop import Handoff, LoopThread
from scenario_nats.streams import StreamState, cover, ensure_stream
from scenario_nats.subjects import check_topic, glob_to_subject, is_literal
from scenario_nats.wire import decode_message, encode_body, encode_headers

__all__ = ["NatsBus"]

Handler = Callable[[Event], None]
#: a handler, the event for it, and the JetStream message to acknowledge once handled
Delivery = tuple[Handler, Event, "Msg | None"]
#: an encoded message: subject, body, headers
Outgoing = tuple[str, bytes, dict[str, str]]

_BATCHES_IN_FLIGHT = 64
_PENDING_BYTES = 64 * 1024 * 1024  # what nats-py may buffer during a reconnect
_HEARTBEAT = 1.0  # ordered consumers notice a lost consumer after two missed beats
_BACKOFF_FIRST, _BACKOFF_CAP = 0.05, 2.0


def _exponential_backoff(servers: list[Server], info: dict[str, Any]) -> tuple[None, float]:
    """nats-py's reconnect hook: any server, after a delay doubling with each failed attempt."""
    attempts = min((s.reconnects for s in servers), default=0)
    return None, min(_BACKOFF_FIRST * 2 ** min(attempts, 16), _BACKOFF_CAP)


# recent nats-py lets the application choose each reconnect delay; older ones wait a fixed time
_RECONNECT_DELAY: dict[str, Any] = (
    {"reconnect_to_server_handler": _exponential_backoff}
    if "reconnect_to_server_handler" in inspect.signature(NatsClient.connect).parameters
    else {"reconnect_time_wait": 0.25}
)


class NatsBus:
    """A bus over NATS, for ``nats://[credentials@]host:port?options`` URLs.

    See :mod:`scenario_nats.config` for the options and
    :mod:`scenario_nats.subjects` for how glob patterns map to subjects.
    Raises :class:`~scenario_engine.errors.UsageError` for a malformed URL
    and :class:`~scenario_engine.errors.BusError` (exit code 3) when the
    server cannot be reached; neither ever shows credentials.
    """

    capabilities = frozenset({"headers", "keys", "reconnect"})

    def __init__(self, url: str = "nats://localhost:4222") -> None:
        self.config = NatsConfig.from_url(url)
        self.url = self.config.redacted
        self._log = logger.bind(bus=self.url)
        self._state = "new"
        self._loop: LoopThread | None = None
        self._nc: NatsClient | None = None
        self._js: JetStreamContext | None = None
        self._stream: StreamState | None = None
        self._outbox: Handoff[list[Event] | concurrent.futures.Future[None] | None] | None = None
        self._sender: asyncio.Task[None] | None = None
        self._buffer: list[Event] = []
        self._inbox: queue.SimpleQueue[Delivery] = queue.SimpleQueue()
        self._ready: deque[Delivery] = deque()
        self._subscriptions: list[tuple[str, Handler]] = []
        self._durables: set[str] = set()
        self._admitted: set[str] = set()  # topics published on since connect
        self._batch = self.config.batch
        self._msg_ids = itertools.count(1)
        self._msg_prefix = uuid.uuid4().hex[:16] + "-"
        self._tasks: set[asyncio.Task[None]] = set()
        self._connecting = False
        self._down_since: float | None = None
        self._failure: BusError | None = None
        self._rejected: BusError | None = None  # an event that could not be sent, raised once
        self._published = 0
        self._received = 0
        self._delivered = 0
        self._reconnects = 0
        self._errors = 0

    def __repr__(self) -> str:
        return f"NatsBus({self.url!r}, {self._state})"

    # ------------------------------------------------------------------ lifecycle

    def connect(self) -> None:
        """Connect, find or create the stream (JetStream), start the sender.

        Raises:
            BusError: the server is unreachable, refuses the credentials, or
                has no JetStream while ``stream=`` asks for it.
        """
        if self._state != "new":
            return
        self._loop = LoopThread(f"scenario-nats {self.url}")
        try:
            self._loop.run(self._open(), timeout=self.config.timeout * 2 + 5)
        except TimeoutError:
            self._loop.stop()
            raise BusError(
                f"connecting to NATS at {self.url} timed out",
                hint=f"is nats-server running at {self.config.url.endpoint}?",
            ) from None
        except BaseException:
            self._loop.stop()
            raise
        self._state = "connected"
        for pattern, handler in self._subscriptions:
            self._subscribe_now(pattern, handler)

    async def _open(self) -> None:
        nc = NatsClient()
        first_error: asyncio.Future[BaseException] = asyncio.get_running_loop().create_future()
        self._connecting = True

        async def on_error(err: Exception) -> None:
            if self._connecting:
                if not first_error.done():
                    first_error.set_result(err)
                return
            self._errors += 1
            self._log.bind(error=type(err).__name__).warning(
                "NATS client error: {}", self._scrub(err))

        connecting = asyncio.ensure_future(nc.connect(
            servers=[self.config.server],
            name="scenario-engine",
            error_cb=on_error,
            disconnected_cb=self._on_disconnected,
            reconnected_cb=self._on_reconnected,
            allow_reconnect=True,
            max_reconnect_attempts=-1,  # the bus enforces its own outage limit
            connect_timeout=max(1, round(self.config.timeout)),
            pending_size=_PENDING_BYTES,
            **_RECONNECT_DELAY,
        ))
        racers: set[asyncio.Future[Any]] = {connecting, first_error}
        done, _ = await asyncio.wait(racers, timeout=self.config.timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if connecting not in done:
            connecting.cancel()
            await asyncio.gather(connecting, return_exceptions=True)
            await asyncio.gather(nc.close(), return_exceptions=True)
            self._connecting = False
            raise self._connect_error(first_error.result() if first_error.done() else None)
        try:
            connecting.result()
        except Exception as err:
            self._connecting = False
            raise self._connect_error(err) from None
        self._connecting = False
        self._nc = nc
        if self.config.stream is not None:
            self._js = nc.jetstream(timeout=self.config.timeout)
            try:
                self._stream = await ensure_stream(
                    self._js, self.config.stream, self.config.subjects, self.config.storage,
                    self.url)
            except (nats.errors.NoRespondersError, nats.js.errors.ServiceUnavailableError):
                await nc.close()
                raise BusError(
                    f"NATS at {self.url} has no JetStream, which stream= needs",
                    hint="start nats-server with -js (JetStream), or drop ?stream= for core NATS",
                ) from None
            except BaseException:
                await nc.close()
                raise
        assert self._loop is not None
        self._outbox = Handoff(self._loop, _BATCHES_IN_FLIGHT)
        self._sender = asyncio.ensure_future(self._send_loop())

    def _connect_error(self, err: BaseException | None) -> BusError:
        if isinstance(err, nats.errors.AuthorizationError) or "authorization" in str(err).lower():
            return BusError(
                f"NATS at {self.url} refused the credentials",
                hint="check the user and password, or the token, in the bus URL",
            )
        reason = f": {self._scrub(err)}" if err is not None else " (timed out)"
        return BusError(
            f"cannot reach NATS at {self.url}{reason}",
            hint=f"is nats-server running at {self.config.url.endpoint}?",
        )

    async def _on_disconnected(self) -> None:
        # not yet connected (a failed first connect) or closing: not an outage
        if self._nc is None or self._state == "closed" or self._down_since is not None:
            return
        self._down_since = time.monotonic()
        self._log.warning("lost the connection to NATS; reconnecting")

    async def _on_reconnected(self) -> None:
        self._reconnects += 1
        since, self._down_since = self._down_since, None
        lasted = time.monotonic() - since if since is not None else 0.0
        self._log.bind(outage_s=round(lasted, 3)).info("reconnected to NATS")

    def close(self) -> None:
        """Send what is buffered, disconnect, stop the loop. Safe to call twice."""
        if self._state == "closed":
            return
        try:
            if self._state == "connected" and self._failure is None:
                self.flush()
        finally:
            self._state = "closed"
            self._admitted.clear()
            loop = self._loop
            if loop is not None:
                if loop.alive:
                    try:
                        loop.run(self._shutdown(), timeout=self.config.timeout + 5)
                    except (TimeoutError, BusError, nats.errors.Error) as err:
                        self._log.bind(error=type(err).__name__).warning("unclean NATS close")
                loop.stop()

    async def _shutdown(self) -> None:
        if self._outbox is not None:
            self._outbox.put_last(None)
        if self._sender is not None:
            await asyncio.gather(self._sender, return_exceptions=True)
        if self._nc is not None:
            await self._nc.close()

    # ------------------------------------------------------------------ publishing

    def publish(self, event: Event) -> None:
        """Buffer ``event``; a full batch is handed to the sender at once.

        The event is serialised when its batch is sent, moments later, on the
        bus's thread: like every event, treat it and its payload as a value
        that no longer changes once published.
        """
        topic = event.topic
        if topic not in self._admitted:
            self._admit(topic)
        buffer = self._buffer
        buffer.append(event)
        if len(buffer) >= self._batch:
            self._ship()

    def _admit(self, topic: str) -> None:
        """First publish on ``topic``: check the bus is open and the topic is a subject
        (JetStream: covered by the stream); later publishes skip all of this."""
        if self._state != "connected":
            self._not_connected()
        check_topic(topic)
        if self._js is not None and self._loop is not None:
            self._loop.run(self._cover(topic), timeout=self.config.timeout * 2)
        self._admitted.add(topic)

    async def _cover(self, subject: str) -> None:
        assert self._js is not None
        assert self._stream is not None
        self._stream = await cover(self._js, self._stream, subject, self.url)

    def _ship(self) -> None:
        """Hand the buffer to the sender task; waits if too many batches are still in flight."""
        self._raise_if_failed()
        if not self._buffer:
            return
        batch, self._buffer = self._buffer, []
        assert self._outbox is not None
        self._outbox.put(batch, self._raise_if_failed)

    def flush(self) -> None:
        """Send everything buffered and wait until the server has it (JetStream: acknowledged).

        Raises:
            BusError: the server stayed away longer than ``outage``, or refused a publish.
        """
        if self._state != "connected":
            self._not_connected()
        self._ship()
        marker: concurrent.futures.Future[None] = concurrent.futures.Future()
        assert self._outbox is not None
        self._outbox.put(marker, self._raise_if_failed)
        deadline = time.monotonic() + self.config.outage + self.config.timeout * 2 + 5
        while True:
            try:
                marker.result(timeout=0.25)
            except TimeoutError:
                self._raise_if_failed()
                if time.monotonic() > deadline:
                    raise BusError(
                        f"flushing to NATS at {self.url} did not finish",
                        hint=f"is nats-server running at {self.config.url.endpoint}?",
                    ) from None
                continue
            self._raise_if_failed()  # an event the sender could not send
            return

    async def _send_loop(self) -> None:
        assert self._outbox is not None
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
            try:
                if self._failure is None:
                    if self._js is None:
                        await self._send_core(item)
                    else:
                        await self._send_acked(item)
            except BusError as err:
                self._failure = err
            except Exception as err:
                self._failure = BusError(
                    f"publishing to NATS at {self.url} failed: {type(err).__name__}: "
                    f"{self._scrub(err)}",
                    hint="see the log for details",
                )
                self._log.opt(exception=err).error("NATS sender failed")

    def _encode(self, event: Event, msg_id: str | None = None) -> Outgoing | None:
        """The message for ``event``; None (and an error for the caller) if it cannot be sent."""
        try:
            return (event.topic, encode_body(event.topic, event.payload),
                    encode_headers(event, msg_id))
        except BusError as err:
            # one bad payload must not take the bus down: report it once, send the rest
            self._errors += 1
            self._rejected = err
            return None

    async def _send_core(self, batch: list[Event]) -> None:
        nc = self._nc
        assert nc is not None
        publish = nc.publish
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
                self._errors += 1
                self._rejected = self._too_large(subject, body)
                continue
            sent += 1
        self._published += sent

    async def _publish_when_room(self, subject: str, body: bytes, headers: dict[str, str]) -> None:
        """Publish once the reconnect buffer has room again (the server came back)."""
        assert self._nc is not None
        while True:
            self._check_outage()
            await asyncio.sleep(0.05)
            try:
                await self._nc.publish(subject, body, "", headers)
                return
            except nats.errors.OutboundBufferLimitError:
                continue

    async def _send_acked(self, batch: list[Event]) -> None:
        js = self._js
        assert js is not None
        prefix, ids = self._msg_prefix, self._msg_ids
        # the message id is fixed before the first attempt, so a re-send is deduplicated
        encoded = (self._encode(event, f"{prefix}{next(ids)}") for event in batch)
        pending = [message for message in encoded if message is not None]
        first_failure: float | None = None
        delay = _BACKOFF_FIRST
        while pending:
            futures = []
            attempted: list[Outgoing] = []
            for message in pending:
                subject, body, headers = message
                try:
                    futures.append(await js.publish_async(subject, body, headers=headers))
                except nats.errors.MaxPayloadError:
                    self._errors += 1
                    self._rejected = self._too_large(subject, body)
                    continue
                attempted.append(message)
            if not futures:
                return
            _, late = await asyncio.wait(futures, timeout=self.config.timeout)
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
                        f"JetStream at {self.url} refused a publish on {item[0]!r}: {description}",
                        hint=f"check the stream {self.config.stream!r} (limits, subjects)",
                    )
            self._published += len(attempted) - len(failed)
            pending = failed
            if pending:
                self._errors += 1
                now = time.monotonic()
                first_failure = first_failure or now
                if now - first_failure > self.config.outage:
                    raise self._outage_error(now - first_failure, len(pending))
                await asyncio.sleep(delay)
                delay = min(delay * 2, _BACKOFF_CAP)

    async def _settle(self) -> None:
        """Wait until the server has seen everything sent so far (PING/PONG)."""
        nc = self._nc
        assert nc is not None
        delay = _BACKOFF_FIRST
        while True:
            if self._failure is not None:
                raise self._failure
            if nc.is_connected:
                try:
                    await nc.flush(timeout=max(1, round(self.config.timeout)))
                    return
                except (nats.errors.TimeoutError, nats.errors.ConnectionClosedError):
                    pass
            self._check_outage()
            await asyncio.sleep(delay)
            delay = min(delay * 2, _BACKOFF_CAP)

    def _too_large(self, subject: str, body: bytes) -> BusError:
        limit = self._nc.max_payload if self._nc is not None else 0
        return BusError(
            f"an event on {subject!r} is {len(body)} bytes, over the NATS server's "
            f"max_payload of {limit} bytes",
            hint="raise max_payload in the nats-server configuration, or send smaller payloads",
        )

    # ------------------------------------------------------------------ consuming

    def subscribe(self, pattern: str, handler: Handler) -> None:
        """Call ``handler`` for events on topics matching the glob ``pattern``."""
        if self._state == "closed":
            self._not_connected()
        self._subscriptions.append((pattern, handler))
        if self._state == "connected":
            self._subscribe_now(pattern, handler)

    def _subscribe_now(self, pattern: str, handler: Handler) -> None:
        assert self._loop is not None
        try:
            self._loop.run(self._subscribe(pattern, handler), timeout=self.config.timeout * 2 + 5)
        except TimeoutError:
            raise BusError(
                f"subscribing to {pattern!r} on NATS at {self.url} timed out",
                hint=f"is nats-server running at {self.config.url.endpoint}?",
            ) from None
        except nats.js.errors.APIError as err:
            raise BusError(
                f"JetStream at {self.url} refused a consumer for {pattern!r}: "
                f"{err.description or err}",
                hint=f"check the stream {self.config.stream!r}",
            ) from None

    async def _subscribe(self, pattern: str, handler: Handler) -> None:
        subject = glob_to_subject(pattern)
        exact = TopicPattern(pattern) if not is_literal(pattern) else None
        acked = self.config.durable is not None
        put = self._inbox.put

        async def on_message(msg: Msg) -> None:
            topic = msg.subject
            if exact is not None and not exact(topic):
                return
            try:
                event = decode_message(topic, msg.data, msg.headers)
            except (ValueError, UnicodeDecodeError) as err:
                self._errors += 1
                self._log.bind(subject=topic).warning("skipped a malformed message: {}", err)
                if acked:
                    await msg.ack()
                return
            self._received += 1
            put((handler, event, msg if acked else None))

        nc, js = self._nc, self._js
        assert nc is not None
        if js is None:
            await nc.subscribe(subject, cb=on_message, pending_msgs_limit=0,
                               pending_bytes_limit=0)
            await nc.flush(timeout=max(1, round(self.config.timeout)))
            return
        assert self._stream is not None
        if subject != ">":
            await self._cover(subject)
        config = ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                                opt_start_seq=self._stream.start_seq)
        if self.config.durable is None:
            await js.subscribe(subject, stream=self._stream.name, cb=on_message,
                               ordered_consumer=True, idle_heartbeat=_HEARTBEAT, config=config,
                               pending_msgs_limit=0, pending_bytes_limit=0)
        else:
            await js.subscribe(subject, stream=self._stream.name, cb=on_message,
                               durable=self._durable_name(pattern), manual_ack=True,
                               config=config, pending_msgs_limit=0, pending_bytes_limit=0)

    def _durable_name(self, pattern: str) -> str:
        """``<durable>-<crc32 of the pattern>``, with a counter if one bus subscribes twice."""
        base = f"{self.config.durable}-{zlib.crc32(pattern.encode()):08x}"
        name = base
        for n in itertools.count(2):
            if name not in self._durables:
                break
            name = f"{base}-{n}"
        self._durables.add(name)
        return name

    def poll(self, timeout: float) -> int:
        """Hand buffered publishes to the sender, then deliver what arrived (up to ``timeout``).

        Returns the number of deliveries. A handler's exception propagates;
        the deliveries after it stay queued for the next poll.
        """
        if self._state != "connected":
            self._not_connected()
        self._ship()
        ready = self._ready
        inbox = self._inbox
        if not ready:
            try:
                ready.append(inbox.get(timeout=timeout) if timeout > 0 else inbox.get_nowait())
            except queue.Empty:
                return 0
        try:
            while True:
                ready.append(inbox.get_nowait())
        except queue.Empty:
            pass
        delivered = 0
        acks: list[Msg] = []
        try:
            while ready:
                handler, event, msg = ready.popleft()
                handler(event)
                delivered += 1
                if msg is not None:
                    acks.append(msg)
        finally:
            self._delivered += delivered
            if acks and self._loop is not None:
                self._loop.call(self._ack_soon, acks)
            self._ship()
        return delivered

    def _ack_soon(self, messages: list[Msg]) -> None:
        """On the loop: acknowledge handled JetStream messages (durable consumers)."""

        async def ack() -> None:
            for message in messages:
                await message.ack()

        task = asyncio.ensure_future(ack())
        self._tasks.add(task)  # keep a reference until it is done
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ failures and reporting

    def _check_outage(self) -> None:
        since = self._down_since
        if since is not None and time.monotonic() - since > self.config.outage:
            raise self._outage_error(time.monotonic() - since, len(self._buffer))

    def _outage_error(self, lasted: float, unsent: int) -> BusError:
        return BusError(
            f"NATS at {self.url} unreachable for {lasted:.1f}s "
            f"(limit {self.config.outage:g}s); {unsent} events not confirmed",
            hint=f"is nats-server running at {self.config.url.endpoint}? "
            "raise the limit with ?outage=60s",
        )

    def _raise_if_failed(self) -> None:
        if self._failure is not None:
            raise self._failure
        rejected, self._rejected = self._rejected, None
        if rejected is not None:
            raise rejected
        try:
            self._check_outage()
        except BusError as err:
            self._failure = err
            raise

    @property
    def connected(self) -> bool:
        """True while connected and no outage is going on."""
        return self._state == "connected" and self._down_since is None

    @property
    def stats(self) -> dict[str, int]:
        """Counters for the run report: published, received, delivered, reconnects, errors."""
        return {
            "published": self._published,
            "buffered": len(self._buffer),
            "received": self._received,
            "delivered": self._delivered,
            "reconnects": self._reconnects,
            "errors": self._errors,
        }

    def _scrub(self, err: BaseException) -> str:
        return scrub(str(err) or type(err).__name__, self.config.url.raw)

    def _not_connected(self) -> NoReturn:
        raise BusError(
            f"the NATS bus {self.url} is {self._state}",
            hint="call connect() before publish/poll/flush, and not after close()",
        )


