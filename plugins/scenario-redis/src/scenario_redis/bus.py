"""The ``redis://`` bus: topics are Redis streams.

Publishing appends to ``<prefix><topic>`` with XADD, pipelined: events are
buffered and sent ``batch`` at a time, on :meth:`RedisBus.flush`, and before
:meth:`RedisBus.poll` returns, so a reply published from a handler leaves
within the same poll. A background thread reads the subscribed streams
(see :mod:`scenario_redis.reader`); ``poll`` hands what it read to the
handlers on the calling thread.

A lost connection is retried with exponential backoff (50 ms doubling to
2 s), counted in :attr:`RedisBus.stats` and logged. Publishes made during an
outage stay in the buffer and go out after the reconnect; if the outage
lasts longer than ``outage`` seconds, the bus raises
:class:`~scenario_engine.errors.BusError`. Delivery is at least once: a
batch that was in flight when the connection broke is sent again, so a
subscriber may see it twice.

How events become entries is the bus's codec (``?codec=``, ``native`` by
default), or a routed topic's own (:meth:`RedisBus.route`); a routed topic
with a ``subject`` lives in that stream, without the prefix. An entry the
codec cannot decode is delivered raw and reported once per topic
(:mod:`scenario_engine.codecs.undecoded`).

Inbound events carry their arrival (``Event.arrived``, stamped by the reader
when its read returns) and the broker's time of their entry id
(``Event.broker_time``); the engine records and judges them at arrival.

Use one bus from one thread (the engine's); the reader thread is internal.
"""

from __future__ import annotations

import queue
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NoReturn

import redis
from loguru import logger
from redis.backoff import NoBackoff
from redis.retry import Retry
from scenario_engine.buses.url import scrub
from scenario_engine.codecs.routing import TopicMap, codec_from_url
from scenario_engine.codecs.undecoded import Undecoded
from scenario_engine.errors import BusError
from scenario_engine.spi import Codec, DecodeError, Event, TopicPattern, TopicRoute

from scenario_redis.backoff import Outage
from scenario_redis.config import RedisConfig
from scenario_redis.reader import TOPICS_STREAM, Delivery, StreamReader, make_queue

__all__ = ["RedisBus"]

Handler = Callable[[Event], None]

_CONNECTION_ERRORS = (redis.ConnectionError, redis.TimeoutError, OSError)
_GLOB_CHARS = "*?["
_TOPICS_KEPT = 10_000  # announcements kept in the topics stream (approximately)
#: XADD ids are "<ms>-<seq>"; XREAD returns ids strictly greater than the one given
_MAX_SEQ = 2**64 - 1


def literal_head(pattern: str) -> str:
    """The part of a glob before its first wildcard (all of it for an exact topic)."""
    cut = min((i for i in (pattern.find(c) for c in _GLOB_CHARS) if i >= 0), default=len(pattern))
    return pattern[:cut]


def _broker_clock(client: redis.Redis, samples: int = 5) -> tuple[int, int, float]:
    """The broker's ``TIME`` (seconds, microseconds) and its offset from ``time.monotonic()``.

    The offset (broker Unix time minus ours) comes from the sample with the
    shortest round trip, taken as read halfway through it; the reader uses
    it to bound arrivals by entry ids.
    """
    best: tuple[float, int, int, float] | None = None
    for _ in range(samples):
        before = time.monotonic()
        seconds, micros = client.time()
        after = time.monotonic()
        offset = int(seconds) + int(micros) / 1e6 - (before + after) / 2
        if best is None or after - before < best[0]:
            best = (after - before, int(seconds), int(micros), offset)
    assert best is not None
    return best[1], best[2], best[3]


class RedisBus:
    """A bus over Redis Streams, for ``redis://[user:pass@]host:port/db?options`` URLs.

    See :mod:`scenario_redis.config` for the options. Raises
    :class:`~scenario_engine.errors.UsageError` for a malformed URL and
    :class:`~scenario_engine.errors.BusError` (exit code 3) when the broker
    cannot be reached; neither ever shows the password.
    """

    capabilities = frozenset({"headers", "keys", "reconnect"})
    codec_transport = "fields"

    def __init__(self, url: str = "redis://localhost:6379/0") -> None:
        self.config = RedisConfig.from_url(url)
        self.url = self.config.redacted
        self._log = logger.bind(bus=self.url)
        prefix = self.config.prefix
        codec_name, codec = codec_from_url(self.config.url, "fields")
        self.topics = TopicMap(codec, codec_name, self.config.stream,
                               lambda key: key[len(prefix):] if key.startswith(prefix) else None)
        self._inbound: dict[bytes, tuple[str, Codec, str] | None] = {}
        self._undecoded = Undecoded(self.url)
        self._state = "new"
        self._client: redis.Redis | None = None
        self._pipe: Any = None
        self._reader: StreamReader | None = None
        self._queue = make_queue()
        self._ready: deque[Delivery] = deque()
        self._subscriptions: list[tuple[TopicPattern, Handler]] = []
        self._routes: dict[str, tuple[Handler, ...]] = {}
        self._streams: list[str] = []
        self._globs: list[str] = []
        self._buffer: list[list[Any]] = []
        self._acks: dict[bytes, list[bytes]] = {}
        self._outage = Outage(self.config.outage)
        self._failure: BusError | None = None
        self._trim: tuple[Any, ...] = ("MAXLEN", "~", self.config.maxlen) \
            if self.config.maxlen else ()
        self._count = 0  # events published by this bus: orders them across streams
        self._announced: set[str] = set()
        self._topics_key = self.config.prefix + TOPICS_STREAM
        self._unsent_announcements = 0
        self._published = 0
        self._delivered = 0
        self._reconnects = 0
        self._errors = 0
        self.start_id = ""

    def __repr__(self) -> str:
        return f"RedisBus({self.url!r}, {self._state})"

    # ------------------------------------------------------------------ lifecycle

    def _new_client(self, read_timeout: float) -> redis.Redis:
        config = self.config
        return redis.Redis(
            host=config.url.host,
            port=config.url.port or 6379,
            db=config.db,
            username=config.url.username,
            password=config.url.password,
            socket_connect_timeout=config.timeout,
            socket_timeout=read_timeout,
            retry=Retry(NoBackoff(), 0),  # the bus does its own backoff, counted and logged
            client_name="scenario-engine",
        )

    def connect(self) -> None:
        """Reach the broker, note where "now" is in every stream, start the reader.

        Raises:
            BusError: the broker is unreachable or refuses the credentials.
        """
        if self._state != "new":
            return
        client = self._new_client(self.config.timeout)
        try:
            seconds, micros, broker_offset = _broker_clock(client)
        except redis.AuthenticationError as err:
            client.close()
            raise BusError(
                f"Redis at {self.url} refused the credentials: {self._scrub(err)}",
                hint="check the user and password in the bus URL",
            ) from None
        except _CONNECTION_ERRORS as err:
            client.close()
            raise BusError(
                f"cannot reach Redis at {self.url}: {self._scrub(err)}",
                hint=f"is redis-server running at {self.config.url.endpoint}?",
            ) from None
        except redis.ResponseError as err:
            client.close()
            raise BusError(
                f"Redis at {self.url} refused the connection: {self._scrub(err)}",
                hint="check the database number and the credentials in the bus URL",
            ) from None
        now_ms = int(seconds) * 1000 + int(micros) // 1000
        # everything written from this millisecond on belongs to this run
        self.start_id = f"{now_ms - 1}-{_MAX_SEQ}"
        self._client = client
        self._pipe = client.pipeline(transaction=False)
        reader_client = self._new_client(self.config.timeout + self.config.block + 5.0)
        self._reader = StreamReader(self.config, reader_client, self.start_id, self._queue,
                                    self._log, self._decode, broker_offset)
        for stream in self._streams:
            self._reader.add_stream(stream)
        for head in self._globs:
            self._reader.add_glob(head)
        self._reader.start()
        self._state = "connected"
        self._log.bind(start_id=self.start_id).debug("connected to Redis")

    def close(self) -> None:
        """Send what is buffered, stop the reader, disconnect. Safe to call twice."""
        if self._state == "closed":
            return
        try:
            if self._state == "connected":
                if self._failure is None:
                    self._send(block=True)
                elif self._buffer:
                    self._log.bind(lost=self._buffered).error(
                        "closing after a failed outage: buffered events were not sent")
        finally:
            self._state = "closed"
            if self._reader is not None:
                self._reader.stop()
            if self._client is not None:
                self._client.close()
            self._subscriptions.clear()
            self._routes.clear()

    # ------------------------------------------------------------------ publishing

    def publish(self, event: Event) -> None:
        """Buffer ``event``; a full batch goes out at once."""
        if self._state != "connected":
            self._not_connected()
        topic = event.topic
        if topic not in self._announced:
            self._announce(topic)
        stream, codec = self.topics.outbound(topic)
        self._count += 1
        self._buffer.append(["XADD", stream, *self._trim, "*",
                             *codec.encode_fields(event, self._count)])
        if self._buffered >= self.config.batch:
            self._send(block=False)

    @property
    def _buffered(self) -> int:
        """Events waiting to be sent (topic announcements aside)."""
        return len(self._buffer) - self._unsent_announcements

    def _announce(self, topic: str) -> None:
        """First publish on ``topic``: tell wildcard subscribers, here and in other processes."""
        self._announced.add(topic)
        route = self.topics.routes.get(topic)
        if route is not None and route.subject:
            return  # its stream is named by the plan: wildcard subscribers cannot find it
        self._unsent_announcements += 1
        self._buffer.append(["XADD", self._topics_key, "MAXLEN", "~", _TOPICS_KEPT, "*",
                             "topic", topic])
        if self._reader is not None:
            self._reader.announce(topic)

    def flush(self) -> None:
        """Send everything buffered; during an outage, wait for the broker (up to ``outage``).

        Raises:
            BusError: the outage lasted longer than the configured limit.
        """
        if self._state != "connected":
            self._not_connected()
        self._send(block=True)

    def _send(self, *, block: bool) -> None:
        if self._failure is not None:
            raise self._failure
        outage = self._outage
        while self._buffer or self._acks:
            if not outage.due():
                if not block:
                    return
                time.sleep(max(0.0, outage.retry_at - time.monotonic()))
            try:
                self._write()
            except _CONNECTION_ERRORS as err:
                self._errors += 1
                if not outage.active:
                    self._log.bind(error=type(err).__name__, buffered=self._buffered).warning(
                        "lost the connection to Redis while publishing; reconnecting")
                outage.failed()
                if outage.exceeded():
                    self._failure = BusError(
                        f"Redis at {self.url} unreachable for {outage.elapsed():.1f}s "
                        f"(limit {self.config.outage:g}s); {self._buffered} events not sent",
                        hint=f"is redis-server running at {self.config.url.endpoint}? "
                        "raise the limit with ?outage=60s",
                    )
                    raise self._failure from None
                if not block:
                    return
                continue
            lasted = outage.recovered()
            if lasted is not None:
                self._reconnects += 1
                self._log.bind(outage_s=round(lasted, 3)).info("publisher reconnected to Redis")

    def _write(self) -> None:
        pipe = self._pipe
        size = self.config.batch
        while self._buffer:
            buffer = self._buffer
            # a chunk leaves the buffer only once Redis has answered for it
            chunk = buffer if len(buffer) <= size else buffer[:size]
            for args in chunk:
                pipe.execute_command(*args)
            try:
                replies = pipe.execute(raise_on_error=False)
            except BaseException:
                pipe.reset()  # a failed pipeline keeps its commands; the buffer has them
                raise
            if chunk is buffer:
                self._buffer = []
            else:
                del buffer[:size]
            announcements = self._unsent_announcements
            if announcements:
                sent = sum(1 for args in chunk if args[1] == self._topics_key)
                self._unsent_announcements -= sent
                self._published += len(chunk) - sent
            else:
                self._published += len(chunk)
            for args, reply in zip(chunk, replies, strict=True):
                if isinstance(reply, redis.ResponseError):
                    raise BusError(
                        f"Redis at {self.url} refused XADD to stream {args[1]!r}: {reply}",
                        hint="is that key something other than a stream? "
                        "choose another prefix with ?prefix=",
                    )
        if self._acks:
            group = self.config.group
            for stream, ids in self._acks.items():
                pipe.xack(stream, group, *ids)
            try:
                pipe.execute(raise_on_error=False)
            except BaseException:
                pipe.reset()
                raise
            self._acks.clear()

    # ------------------------------------------------------------------ consuming

    def route(self, routes: Iterable[TopicRoute]) -> None:
        """Use the plan's stream names and codecs for these topics; read them from the start."""
        self.topics.route(routes)
        self._inbound.clear()
        for pattern, _ in self._subscriptions:
            self._read_routed(pattern)

    def _read_routed(self, pattern: TopicPattern) -> None:
        for topic, stream in self.topics.routed_subjects():
            if pattern(topic):
                self._add_stream(stream)

    def _add_stream(self, stream: str) -> None:
        if stream in self._streams:
            return
        self._streams.append(stream)
        if self._reader is not None:
            self._reader.add_stream(stream)

    def subscribe(self, pattern: str, handler: Handler) -> None:
        """Call ``handler`` for events on topics matching the glob ``pattern``."""
        if self._state == "closed":
            self._not_connected()
        matcher = TopicPattern(pattern)
        self._subscriptions.append((matcher, handler))
        self._routes.clear()
        head = literal_head(pattern)
        if head == pattern:
            self._add_stream(self.topics.subject(pattern))
        else:
            self._globs.append(head)
            if self._reader is not None:
                self._reader.add_glob(head)
        self._read_routed(matcher)

    def _decode(self, stream: bytes, entry_id: bytes, fields: Mapping[bytes, bytes]
                ) -> Event | None:
        """On the reader thread: the event one entry carries, by its topic's codec; raw if
        the codec cannot decode it; None for a stream that is no topic of this bus."""
        found = self._inbound.get(stream)
        if found is None:
            if stream in self._inbound:
                return None
            found = self._inbound[stream] = self.topics.inbound(stream.decode())
            if found is None:
                return None
        topic, codec, name = found
        try:
            event = codec.decode_fields(topic, entry_id, fields)
        except (DecodeError, ValueError, UnicodeDecodeError) as err:
            return self._undecoded.fields(topic, entry_id, fields, name, str(err))
        if event.source == "external" and not event.time:
            # another program's entry: its time is the broker's, the entry id's milliseconds
            millis = entry_id.partition(b"-")[0]
            if millis.isdigit():
                event.time = int(millis) / 1000
        return event

    def declare(self, topics: Iterable[str]) -> None:
        """The run judges ``topics``: read their streams from now on, without waiting for
        discovery (a glob among them is looked for at once). Handlers come from
        :meth:`subscribe` as always; this adds none."""
        if self._state == "closed":
            self._not_connected()
        for pattern in topics:
            head = literal_head(pattern)
            if head == pattern:
                self._add_stream(self.topics.subject(pattern))
            elif not any(head.startswith(known) for known in self._globs):
                self._globs.append(head)  # (a glob looked for already may cover it)
                if self._reader is not None:
                    self._reader.add_glob(head)

    def _route(self, topic: str) -> tuple[Handler, ...]:
        handlers = tuple(h for pattern, h in self._subscriptions if pattern(topic))
        self._routes[topic] = handlers
        return handlers

    def poll(self, timeout: float) -> int:
        """Send what is buffered, then deliver what arrived, waiting up to ``timeout`` seconds.

        Returns the number of events delivered. A handler's exception
        propagates; the events after it stay queued for the next poll.
        """
        if self._state != "connected":
            self._not_connected()
        reader = self._reader
        if reader is not None and reader.failure is not None:
            raise reader.failure
        self._send(block=False)
        ready = self._ready
        if not ready:
            try:
                ready.extend(self._queue.get(timeout=timeout) if timeout > 0
                             else self._queue.get_nowait())
            except queue.Empty:
                return 0
        while True:
            try:
                ready.extend(self._queue.get_nowait())
            except queue.Empty:
                break
        delivered = 0
        routes = self._routes
        acks = self._acks
        try:
            while ready:
                event, token = ready.popleft()
                handlers = routes.get(event.topic)
                if handlers is None:
                    handlers = self._route(event.topic)
                for handler in handlers:
                    handler(event)
                delivered += 1
                if token is not None:
                    acks.setdefault(token[0], []).append(token[1])
        finally:
            self._delivered += delivered
            self._send(block=False)
        return delivered

    # ------------------------------------------------------------------ reporting

    @property
    def connected(self) -> bool:
        """True while connected and neither the publisher nor the reader is in an outage."""
        reader = self._reader
        return (self._state == "connected" and not self._outage.active
                and (reader is None or reader.connected))

    @property
    def stats(self) -> dict[str, int]:
        """Counters for the run report: published, received, delivered, reconnects, errors."""
        reader = self._reader
        return {
            "published": self._published,
            "buffered": self._buffered,
            "received": reader.received if reader else 0,
            "delivered": self._delivered,
            "reconnects": self._reconnects + (reader.reconnects if reader else 0),
            "errors": self._errors + (reader.errors if reader else 0),
            "undecoded": self._undecoded.count,
        }

    def _scrub(self, err: BaseException) -> str:
        return scrub(str(err) or type(err).__name__, self.config.url.raw)

    def _not_connected(self) -> NoReturn:
        raise BusError(
            f"the Redis bus {self.url} is {self._state}",
            hint="call connect() before publish/poll/flush, and not after close()",
        )
