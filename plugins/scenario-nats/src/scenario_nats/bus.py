"""The ``nats://`` bus: core NATS subjects, or a JetStream stream with ``?stream=NAME``.

nats-py is asyncio-only; the client runs on an event loop of its own thread
(:mod:`scenario_nats.loop`). The caller's thread buffers events and hands
them over a batch at a time to one sender task on the loop, which encodes
and publishes them in order (:mod:`scenario_nats.sender`). Messages that
arrive are decoded on the loop and queued; :meth:`NatsBus.poll` calls the
handlers on the caller's thread.

Core NATS is at most once: a message published while no one subscribes, or
in flight when the server dies, is gone. JetStream stores what it
acknowledged; re-sent publishes carry the same ``Nats-Msg-Id``, so the
server drops a copy it already has.

Reconnects are nats-py's own, with an exponential delay (50 ms doubling to
2 s) chosen by this bus, counted in :attr:`NatsBus.stats` and logged.
Inbound events are stamped in the client's callback as they are received
(``Event.arrived``); on JetStream they also carry the time the server stored
them (``Event.broker_time``, from the message's metadata), which bounds the
arrival when this process was slow to take the message
(:mod:`scenario_engine.buses.stamps`). The engine records and judges them at
arrival.

Topics the run judges (:meth:`NatsBus.declare`) are added to a managed
JetStream stream at connect, so what a service publishes on them is stored
(and read) from the first moment; core NATS needs nothing for that.

During an outage nats-py buffers publishes and sends them after the
reconnect; an outage longer than ``outage`` seconds raises
:class:`~scenario_engine.errors.BusError`.

How events become messages is the bus's codec (``?codec=``, ``native`` by
default), or a routed topic's own (:meth:`NatsBus.route`); a routed topic
with a ``subject`` is published and read on that subject. A message the
codec cannot decode is delivered raw and reported once per topic
(:mod:`scenario_engine.codecs.undecoded`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import itertools
import queue
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

import nats.errors
import nats.js.errors
from loguru import logger
from nats.aio.client import Client as NatsClient
from nats.aio.client import Server
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from scenario_engine.buses.stamps import ArrivalBound
from scenario_engine.buses.url import scrub
from scenario_engine.codecs.routing import TopicMap, codec_from_url
from scenario_engine.codecs.undecoded import Undecoded
from scenario_engine.errors import BusError
from scenario_engine.spi import DecodeError, Event, TopicPattern, TopicRoute

from scenario_nats.config import NatsConfig
from scenario_nats.durables import check_durable_free
from scenario_nats.link import Link
from scenario_nats.loop import Handoff, LoopThread
from scenario_nats.sender import BACKOFF_CAP, BACKOFF_FIRST, Outbox, Sender
from scenario_nats.streams import StreamState, cover, ensure_stream
from scenario_nats.subjects import check_topic, glob_to_subject, is_literal, matches

__all__ = ["NatsBus"]

Handler = Callable[[Event], None]
#: a handler, the event for it, and the JetStream message to acknowledge once handled
Delivery = tuple[Handler, Event, "Msg | None"]

_BATCHES_IN_FLIGHT = 64
_PENDING_BYTES = 64 * 1024 * 1024  # what nats-py may buffer during a reconnect
_HEARTBEAT = 1.0  # ordered consumers notice a lost consumer after two missed beats


def broker_time(reply: str) -> float | None:
    """When JetStream stored a message, in Unix seconds: the timestamp in its ack subject
    (``$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ns>.<pending>``, or the
    longer form with a domain and an account hash); None for anything else."""
    tokens = reply.split(".")
    count = len(tokens)
    if count < 9 or tokens[0] != "$JS" or tokens[1] != "ACK":
        return None
    stamp = tokens[7] if count == 9 else tokens[9] if count >= 11 else ""
    return int(stamp) / 1e9 if stamp.isdigit() else None


def _exponential_backoff(servers: list[Server], info: dict[str, Any]) -> tuple[None, float]:
    """nats-py's reconnect hook: any server, after a delay doubling with each failed attempt."""
    attempts = min((s.reconnects for s in servers), default=0)
    return None, min(BACKOFF_FIRST * 2 ** min(attempts, 16), BACKOFF_CAP)


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
    codec_transport = "message"

    def __init__(self, url: str = "nats://localhost:4222") -> None:
        self.config = NatsConfig.from_url(url)
        self.url = self.config.redacted
        self._log = logger.bind(bus=self.url)
        codec_name, codec = codec_from_url(self.config.url, "message")
        self.topics = TopicMap(codec, codec_name, _same, _same)
        self._undecoded = Undecoded(self.url)
        self._state = "new"
        self._loop: LoopThread | None = None
        self._nc: NatsClient | None = None
        self._js: JetStreamContext | None = None
        self._stream: StreamState | None = None
        self._outbox: Outbox | None = None
        self._sender: asyncio.Task[None] | None = None
        self._buffer: list[Event] = []
        self._inbox: queue.SimpleQueue[Delivery] = queue.SimpleQueue()
        self._ready: deque[Delivery] = deque()
        self._subscriptions: list[tuple[str, Handler]] = []
        self._durables: set[str] = set()
        self._admitted: set[str] = set()  # topics published on since connect
        self._batch = self.config.batch
        self._tasks: set[asyncio.Task[None]] = set()
        self._connecting = False
        self._link = Link(url=self.url, endpoint=self.config.url.endpoint,
                          outage=self.config.outage)
        self._delivered = 0
        self._bound = ArrivalBound()  # JetStream stamps bound arrivals (used on the loop)

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
            self._link.errors += 1
            self._log.bind(error=type(err).__name__).warning(
                "NATS client error: {}", self._scrub(err))

        credentials = self.config.credentials
        connecting = asyncio.ensure_future(nc.connect(
            servers=[self.config.server],
            user=credentials.get("user"),
            password=credentials.get("password"),
            token=credentials.get("token"),
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
        sender = Sender(nc, self._js, self._link, self._outbox, timeout=self.config.timeout,
                        stream=self.config.stream, secret_url=self.config.url.raw,
                        topics=self.topics)
        self._sender = asyncio.ensure_future(sender.run())

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
        link = self._link
        # not yet connected (a failed first connect) or closing: not an outage
        if self._nc is None or self._state == "closed" or link.down_since is not None:
            return
        link.down_since = time.monotonic()
        self._log.warning("lost the connection to NATS; reconnecting")

    async def _on_reconnected(self) -> None:
        link = self._link
        link.reconnects += 1
        since, link.down_since = link.down_since, None
        lasted = time.monotonic() - since if since is not None else 0.0
        self._log.bind(outage_s=round(lasted, 3)).info("reconnected to NATS")

    def close(self) -> None:
        """Send what is buffered, disconnect, stop the loop. Safe to call twice."""
        if self._state == "closed":
            return
        try:
            if self._state == "connected" and self._link.failure is None:
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
        subject = self.topics.subject(topic)
        check_topic(subject)
        if self._js is not None and self._loop is not None:
            self._loop.run(self._cover(subject), timeout=self.config.timeout * 2)
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

    # ------------------------------------------------------------------ consuming

    def route(self, routes: Iterable[TopicRoute]) -> None:
        """Use the plan's subjects and codecs for these topics (call before connecting)."""
        if self._subscriptions:
            raise BusError(
                f"the NATS bus {self.url}: route() comes before the first subscribe()",
                hint="route the plan's topics first",
            )
        routes = list(routes)
        for route in routes:
            if route.subject is not None:
                check_topic(route.subject)
        self.topics.route(routes)

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

    def _subjects(self, pattern: str) -> tuple[list[str], list[str]]:
        """The NATS subscriptions ``pattern`` needs (the subject covering it, and the subjects
        of routed topics it matches that this one does not receive), and the subjects of
        every routed topic it matches (JetStream must store them from the start)."""
        wide = glob_to_subject(pattern)
        wanted = TopicPattern(pattern)
        out, routed = [wide], []
        for topic, subject in self.topics.routed_subjects():
            if not wanted(topic):
                continue
            routed.append(subject)
            if not matches(wide, subject) and subject not in out:
                out.append(subject)
        return out, routed

    async def _subscribe(self, pattern: str, handler: Handler) -> None:
        exact = TopicPattern(pattern) if not is_literal(pattern) else None
        acked = self.config.durable is not None
        put = self._inbox.put
        link = self._link
        inbound = self.topics.inbound
        undecoded = self._undecoded
        bound = self._bound if self._js is not None else None

        async def on_message(msg: Msg) -> None:
            arrived = time.monotonic()  # at receipt, not when the engine polls
            found = inbound(msg.subject)
            if found is None:
                if acked:
                    await msg.ack()
                return
            topic, codec, codec_name = found
            if exact is not None and not exact(topic):
                return
            try:
                event = codec.decode_message(topic, msg.data, msg.headers)
            except (DecodeError, ValueError, UnicodeDecodeError) as err:
                event = undecoded.message(topic, msg.data, msg.headers, codec_name, str(err))
            if bound is not None and (stored := broker_time(msg.reply)) is not None:
                event.broker_time = stored
                arrived = bound(arrived, stored)
            event.arrived = arrived
            link.received += 1
            put((handler, event, msg if acked else None))

        subjects, routed = self._subjects(pattern)
        if self._js is not None:
            for subject in routed:
                await self._cover(subject)
        for index, subject in enumerate(subjects):
            await self._subscribe_subject(subject, pattern if index == 0 else
                                          f"{pattern}|{subject}", on_message)

    async def _subscribe_subject(self, subject: str, name: str,
                                 on_message: Callable[[Msg], Any]) -> None:
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
            durable = self._durable_name(name)
            await check_durable_free(js, self._stream.name, durable, self.url)
            await js.subscribe(subject, stream=self._stream.name, cb=on_message,
                               durable=durable, manual_ack=True,
                               config=config, pending_msgs_limit=0, pending_bytes_limit=0)

    def declare(self, topics: Iterable[str]) -> None:
        """The run judges ``topics``: on JetStream, make the stream cover the literal ones now
        (a managed stream gains them; one made elsewhere that misses one is warned about),
        so a service's first message on them is stored. Adds no handler."""
        if self._state != "connected" or self._js is None:
            return
        assert self._loop is not None
        for topic in topics:
            if not is_literal(topic):
                continue
            try:
                subject = self.topics.subject(topic)
                check_topic(subject)
                self._loop.run(self._cover(subject), timeout=self.config.timeout * 2)
            except BusError as err:
                self._log.bind(topic=topic).warning(
                    "a judged topic is not stored by the stream: {}", err)

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

    def _raise_if_failed(self) -> None:
        self._link.raise_if_failed(len(self._buffer))

    @property
    def connected(self) -> bool:
        """True while connected and no outage is going on."""
        return self._state == "connected" and self._link.down_since is None

    @property
    def stats(self) -> dict[str, int]:
        """Counters for the run report: published, received, delivered, reconnects, errors."""
        link = self._link
        return {
            "published": link.published,
            "buffered": len(self._buffer),
            "received": link.received,
            "delivered": self._delivered,
            "reconnects": link.reconnects,
            "errors": link.errors,
            "undecoded": self._undecoded.count,
        }

    def _scrub(self, err: BaseException) -> str:
        return scrub(str(err) or type(err).__name__, self.config.url.raw)

    def _not_connected(self) -> NoReturn:
        raise BusError(
            f"the NATS bus {self.url} is {self._state}",
            hint="call connect() before publish/poll/flush, and not after close()",
        )


def _same(name: str) -> str:
    """NATS names a topic's subject after the topic."""
    return name
