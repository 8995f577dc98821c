"""Putting events read from several streams back into the order they were published.

One XREAD returns its entries grouped by stream, so a system that publishes
``OrderPlaced`` and then ``OrderFilled`` (two topics, two streams) would be
seen replying before it was asked, if the groups were delivered one after
the other. The reader therefore merges the streams of each read by a
publish-order key, keeping every stream's own order:

* the entry id's millisecond (the broker's clock when it stored the entry);
* then, within one millisecond, the read that returned it: one XREAD sees
  every stream at one instant, so whatever a later read returned was
  written after everything an earlier one returned;
* then, within one read, entries the engine wrote (field ``n``) before
  entries written by other programs: a program that answers an engine
  entry wrote its answer after reading it, while an engine entry that
  answers another program's entry was published after that entry had been
  delivered, hence read earlier;
* then the engine's running count ``n`` (its publish order across streams),
  or, for other programs' entries, the entry id's sequence number (exact
  within one stream; across streams the broker keeps no order, and this is
  only a stable tie-break).

A stream that returned a full read may have more entries waiting, possibly
older than what other streams returned; entries after the last key of such
a stream are held back and merged with the next read.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from typing import Generic, TypeVar

__all__ = ["OrderKey", "StreamMerger", "order_key"]

T = TypeVar("T")
#: (milliseconds, read, 0 for the engine's entries and 1 for others, count or sequence)
OrderKey = tuple[int, int, int, int]


def order_key(entry_id: bytes, fields: Mapping[bytes, bytes], read: int = 0) -> OrderKey:
    """Where an entry belongs in publish order (see the module docstring).

    ``read`` numbers the XREAD that returned the entry (increasing).
    """
    ms, _, seq = entry_id.partition(b"-")
    count = fields.get(b"n") if b"payload" in fields else None  # ours, not a foreign "n"
    if count is not None and count.isdigit():
        return int(ms), read, 0, int(count)
    return int(ms), read, 1, int(seq or b"0")


class StreamMerger(Generic[T]):
    """Merges items read from several streams into one order; holds back what may be early."""

    def __init__(self) -> None:
        self._held: dict[bytes, list[tuple[OrderKey, T]]] = {}

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def merge(
        self,
        read: Mapping[bytes, list[tuple[OrderKey, T]]],
        truncated: Iterable[bytes] = (),
    ) -> list[T]:
        """The items ready to deliver, in publish order.

        Args:
            read: per stream, the items of this read in stream order.
            truncated: streams whose read was full (more may be waiting).
        """
        streams: dict[bytes, list[tuple[OrderKey, T]]] = self._held
        self._held = {}
        for stream, items in read.items():
            streams[stream] = streams[stream] + items if stream in streams else items
        horizon = min((streams[s][-1][0] for s in truncated if streams.get(s)), default=None)
        ordered = heapq.merge(
            *([(key, stream, item) for key, item in items] for stream, items in streams.items()),
            key=lambda entry: entry[0],
        )
        ready: list[T] = []
        for key, stream, item in ordered:
            # once one item of a stream waits, the rest of that stream waits behind it
            if stream in self._held or (horizon is not None and key > horizon):
                self._held.setdefault(stream, []).append((key, item))
            else:
                ready.append(item)
        return ready
