"""The background thread that reads streams and hands decoded events to the bus.

XREAD (or XREADGROUP) blocks, so it runs on its own thread with its own
connection; the bus's :meth:`~scenario_redis.bus.RedisBus.poll` takes the
decoded events off a queue and calls the handlers on the caller's thread.

Which streams to read: exact subscriptions name their stream; wildcard
subscriptions find streams three ways: topics this process publishes on are
known at once; every bus announces the topics it starts publishing on in the
stream ``<prefix>scenario:topics``, which the reader looks at on each round;
and ``SCAN`` finds streams written by other programs: at once when a glob
is subscribed, then after pauses doubling from 25 ms up to ``scan``. Exact
subscriptions, and the topics a run judges
(:meth:`~scenario_redis.bus.RedisBus.declare`), need no discovery: their
streams are read from the first moment. Every stream is read from the id the
bus recorded when it connected (server time), so a stream found late still
yields everything written to it since then, and a run never sees what an
earlier run left behind. What one read returns from several streams is
merged back into publish order (:mod:`scenario_redis.merge`).

Times: every event carries the broker's time of its entry id
(``Event.broker_time``) and is stamped (``Event.arrived``, on
``time.monotonic()``) the moment the read that brought it returned, but no
later than the broker's time allows: an entry stored in millisecond M
reaches a reader that is waiting soon after M + 1 ms, so a later stamp is
this process's own delay (a busy interpreter, a descheduled thread) and is
cut back (:class:`scenario_engine.buses.stamps.ArrivalBound`, starting from
the clock offset measured at connect). This also dates entries a read
finds in a stream it only just started to read (one found late by
``SCAN``): they were written before anyone looked.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import redis
from redis.typing import KeyT, StreamIdT
from scenario_engine.buses.stamps import ArrivalBound
from scenario_engine.errors import BusError
from scenario_engine.spi import Event

from scenario_redis.backoff import Outage
from scenario_redis.groups import group_warning, other_consumers
from scenario_redis.merge import OrderKey, StreamMerger, order_key

if TYPE_CHECKING:
    from loguru import Logger

    from scenario_redis.config import RedisConfig

__all__ = ["TOPICS_STREAM", "Delivery", "StreamReader", "glob_escape", "make_queue"]

#: one decoded event, and the (stream, entry id) to XACK once handled (group mode)
Delivery = tuple[Event, "tuple[bytes, bytes] | None"]
#: the bus's decoder: (stream, entry id, fields) -> the event, or None for no topic of the bus
Decode = Callable[[bytes, bytes, Mapping[bytes, bytes]], "Event | None"]

_READ_COUNT = 1000
#: stream (after the prefix) where each bus announces the topics it starts publishing on, so
#: wildcard subscribers in other processes find new streams at once instead of at the next SCAN
TOPICS_STREAM = "scenario:topics"
_DRAIN_READS = 8  # non-blocking reads after a blocking one, before handing over
_QUEUE_BATCHES = 256
_CONNECTION_ERRORS = (redis.ConnectionError, redis.TimeoutError, OSError)
#: the first pause between SCANs after a glob is subscribed; it doubles up to ``scan``
_FIRST_SCAN_PAUSE = 0.025


def glob_escape(text: str) -> str:
    """``text`` as a literal inside a Redis glob (``SCAN MATCH``)."""
    return "".join("\\" + ch if ch in "\\*?[]" else ch for ch in text)


class StreamReader(threading.Thread):
    """Reads every subscribed stream from ``start_id`` on and queues what arrives.

    The counters (``received``, ``reconnects``, ``errors``) are written only
    by this thread. If the broker stays away longer than the configured
    outage, ``failure`` holds the error and the thread ends; the bus raises
    it on the caller's thread.
    """

    def __init__(
        self,
        config: RedisConfig,
        client: redis.Redis,
        start_id: str,
        out: queue.Queue[list[Delivery]],
        log: Logger,
        decode: Decode,
        broker_offset: float | None = None,
    ) -> None:
        super().__init__(name=f"scenario-redis-reader {config.redacted}", daemon=True)
        self._config = config
        self._client = client
        self._start_id = start_id
        self._out = out
        self._log = log
        self._decode = decode
        self._lock = threading.Lock()
        self._positions: dict[KeyT, StreamIdT] = {}
        self._pending_streams: list[bytes] = []
        self._glob_heads: set[str] = set()
        self._next_scan = 0.0
        self._scan_pause = min(_FIRST_SCAN_PAUSE, config.scan)
        # entry ids bound arrivals; the broker's clock offset (at connect) is the first guess
        self._bound = ArrivalBound(0.001, None if broker_offset is None else -broker_offset)
        self._round = 0
        self._changed = threading.Event()
        self._stopping = threading.Event()
        self._outage = Outage(config.outage)
        self._groups_ready: set[KeyT] = set()
        self._merger: StreamMerger[Delivery] = StreamMerger()
        self._control = (config.prefix + TOPICS_STREAM).encode()
        self._control_position: bytes | str = start_id
        self.received = 0
        self.reconnects = 0
        self.errors = 0
        self.failure: BusError | None = None

    # ------------------------------------------------------------------ called by the bus

    def add_stream(self, stream: str) -> None:
        """Read ``stream`` (it may not exist yet: XREAD waits for it)."""
        with self._lock:
            self._pending_streams.append(stream.encode())
        self._changed.set()

    def announce(self, topic: str) -> None:
        """This process publishes on ``topic``: read its stream now if a wildcard wants it."""
        with self._lock:
            wanted = any(topic.startswith(head) for head in self._glob_heads)
            if wanted:
                self._pending_streams.append((self._config.prefix + topic).encode())
        if wanted:
            self._changed.set()

    def add_glob(self, literal_head: str) -> None:
        """Look for streams whose name starts with ``literal_head`` (the bus filters exactly)."""
        with self._lock:
            self._glob_heads.add(literal_head)
            self._next_scan = 0.0
            self._scan_pause = min(_FIRST_SCAN_PAUSE, self._config.scan)
        self._changed.set()

    @property
    def connected(self) -> bool:
        return not self._outage.active and self.failure is None

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._changed.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)

    # ------------------------------------------------------------------ the loop

    def run(self) -> None:
        try:
            while not self._stopping.is_set():
                try:
                    self._step()
                except _CONNECTION_ERRORS as err:
                    if self._stopping.is_set():
                        break
                    self._lost(err)
                except redis.ResponseError as err:
                    if "NOGROUP" in str(err):
                        # the broker restarted empty: make the groups again
                        self._groups_ready.clear()
                        continue
                    raise BusError(
                        f"Redis at {self._config.redacted} refused to read the subscribed "
                        f"streams: {err}",
                        hint="is a subscribed key something other than a stream? "
                        "keep runs apart with ?prefix=",
                    ) from err
        except BusError as err:
            self.failure = err
        except Exception as err:  # never die silently: the bus re-raises on poll
            self._log.opt(exception=err).error("stream reader failed")
            self.failure = BusError(
                f"the Redis stream reader for {self._config.redacted} failed: "
                f"{type(err).__name__}: {err}",
                hint="this is a bug in scenario-redis or a broker answering unexpectedly",
            )
        finally:
            self._client.close()

    def _lost(self, err: BaseException) -> None:
        self.errors += 1
        first = not self._outage.active
        delay = self._outage.failed()
        if first:
            self._log.bind(error=type(err).__name__).warning(
                "lost the connection to Redis while reading; reconnecting"
            )
        if self._outage.exceeded():
            raise BusError(
                f"Redis at {self._config.redacted} unreachable for "
                f"{self._outage.elapsed():.1f}s (limit {self._config.outage:g}s)",
                hint=f"is redis-server running at {self._config.url.endpoint}? "
                "raise the limit with ?outage=60s",
            )
        self._stopping.wait(delay)

    def _recovered(self) -> None:
        lasted = self._outage.recovered()
        if lasted is not None:
            self.reconnects += 1
            self._log.bind(outage_s=round(lasted, 3)).info("reader reconnected to Redis")

    def _step(self) -> None:
        self._adopt_new_streams()
        if not self._positions:
            wait = self._config.block
            if self._glob_heads:  # nothing to read yet: wake for the next SCAN
                wait = min(wait, max(0.001, self._next_scan - time.monotonic()))
            self._changed.wait(wait)
            self._changed.clear()
            return
        # entries held back for ordering go out as soon as a read brings nothing older
        block_ms = None if self._merger.holding else max(1, int(self._config.block * 1000))
        if block_ms is not None and self._glob_heads:
            # wake up for the next SCAN, which comes early while a glob is new
            until_scan = int((self._next_scan - time.monotonic()) * 1000)
            block_ms = max(1, min(block_ms, until_scan))
        reply = self._read(block_ms)
        arrived = time.monotonic()
        self._recovered()
        # a blocked XREAD returns as soon as one entry lands; the rest of that publisher's
        # pipeline lands a moment later: read on, without waiting, while entries keep coming
        read: dict[bytes, list[tuple[OrderKey, Delivery]]] = {}
        truncated: list[bytes] = []
        reads = 0
        while reply:
            truncated = self._collect(reply, read, arrived)
            reads += 1
            if reads > _DRAIN_READS:
                break
            reply = self._read(None)
            arrived = time.monotonic()
        else:
            truncated = []  # the last read came back empty: nothing else is waiting
        if read or self._merger.holding:
            self._hand_over(self._merger.merge(read, truncated))

    def _read(self, block_ms: int | None) -> Any:
        group = self._config.group
        if group is None:
            return self._client.xread(self._positions, count=_READ_COUNT, block=block_ms)
        self._ensure_groups(group)
        news: dict[KeyT, StreamIdT] = dict.fromkeys(self._positions, ">")
        return self._client.xreadgroup(group, self._config.consumer, news,
                                       count=_READ_COUNT, block=block_ms)

    def _adopt_new_streams(self) -> None:
        with self._lock:
            fresh, self._pending_streams = self._pending_streams, []
            heads = list(self._glob_heads) if time.monotonic() >= self._next_scan else []
        for head in heads:
            match = glob_escape(self._config.prefix + head) + "*"
            fresh.extend(self._client.scan_iter(match=match, count=1000, _type="STREAM"))
        if heads:
            with self._lock:
                # soon after a glob is subscribed, then less often (a SCAN costs the whole keyspace)
                pause = self._scan_pause
                self._scan_pause = min(pause * 2, self._config.scan)
                self._next_scan = time.monotonic() + pause
        if self._glob_heads:
            fresh.extend(self._announced_streams())
        control = self._control
        for stream in fresh:
            if stream != control:
                self._positions.setdefault(stream, self._start_id)

    def _announced_streams(self) -> list[bytes]:
        """Streams other buses announced since the last look (see :data:`TOPICS_STREAM`)."""
        reply: Any = self._client.xread({self._control: self._control_position},
                                        count=_READ_COUNT)
        found = []
        prefix = self._config.prefix
        with self._lock:
            heads = list(self._glob_heads)
        for _, entries in reply or ():
            for entry_id, fields in entries:
                self._control_position = entry_id
                topic = fields.get(b"topic", b"").decode(errors="replace")
                if topic and any(topic.startswith(head) for head in heads):
                    found.append((prefix + topic).encode())
        return found

    def _ensure_groups(self, group: str) -> None:
        for stream in self._positions:
            if stream in self._groups_ready:
                continue
            try:
                self._client.xgroup_create(stream, group, id=self._start_id, mkstream=True)
            except redis.ResponseError as err:
                if "BUSYGROUP" not in str(err):
                    raise
                others = other_consumers(self._client, stream, group, self._config.consumer)
                if others:
                    self._log.warning("{}", group_warning(stream, group, others))
            self._groups_ready.add(stream)

    def _collect(self, reply: Any, read: dict[bytes, list[tuple[OrderKey, Delivery]]],
                 arrived: float) -> list[bytes]:
        """Decode one read into ``read`` (per stream); returns the streams it filled up.

        ``arrived`` is when the read returned: the arrival of every event in it.
        """
        decode = self._decode
        grouped = self._config.group is not None
        truncated = []
        self._round = round_ = self._round + 1
        bound = self._bound
        for stream, entries in reply:
            decoded = read.setdefault(stream, [])
            for entry_id, fields in entries:
                if fields is None:  # an entry trimmed away while pending
                    continue
                try:
                    event = decode(stream, entry_id, fields)
                    key = order_key(entry_id, fields, round_)
                except (ValueError, UnicodeDecodeError) as err:
                    self.errors += 1
                    self._log.bind(stream=stream.decode(errors="replace"),
                                   entry=entry_id.decode()).warning(
                        "skipped a malformed stream entry: {}", err)
                    continue
                if event is None:
                    continue
                event.broker_time = stored = key[0] / 1000.0
                event.arrived = bound(arrived, stored)
                decoded.append((key, (event, (stream, entry_id) if grouped else None)))
            if len(entries) >= _READ_COUNT:
                truncated.append(stream)
            if entries and not grouped:
                self._positions[stream] = entries[-1][0]
        return truncated

    def _hand_over(self, batch: list[Delivery]) -> None:
        self.received += len(batch)
        while batch and not self._stopping.is_set():
            try:
                self._out.put(batch, timeout=0.1)
            except queue.Full:
                continue
            break


def make_queue() -> queue.Queue[list[Delivery]]:
    """The hand-over queue; bounded, so a slow consumer slows the reader instead of the heap."""
    return queue.Queue(maxsize=_QUEUE_BATCHES)

