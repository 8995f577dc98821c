"""An asyncio event loop on a thread of its own, for a synchronous caller.

nats-py is asyncio-only while the :class:`~scenario_engine.spi.Bus` protocol
is synchronous (the engine's loop calls ``publish`` and ``poll``). The
client lives on this loop; the bus hands work over with
:meth:`LoopThread.run` (wait for a result) or :meth:`LoopThread.call`
(fire and forget), both thread-safe, and streams work to it through a
:class:`Handoff`.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

__all__ = ["Handoff", "LoopThread"]

T = TypeVar("T")


class LoopThread:
    """Runs an event loop on a daemon thread until :meth:`stop`."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            tasks = [t for t in asyncio.all_tasks(self.loop) if not t.done()]
            for task in tasks:
                task.cancel()
            with contextlib.suppress(Exception):
                self.loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            self.loop.close()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None) -> T:
        """Run ``coroutine`` on the loop and wait for its result (its exception is re-raised).

        Raises:
            TimeoutError: it did not finish within ``timeout`` seconds (it is cancelled).
        """
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def call(self, function: Callable[..., Any], *args: Any) -> None:
        """Schedule ``function(*args)`` on the loop; returns at once."""
        self.loop.call_soon_threadsafe(function, *args)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the loop (pending tasks are cancelled) and wait for the thread."""
        if self._thread.is_alive():
            with contextlib.suppress(RuntimeError):  # loop already closed
                self.loop.call_soon_threadsafe(self.loop.stop)
            if threading.current_thread() is not self._thread:
                self._thread.join(timeout)


class Handoff(Generic[T]):
    """Items from the caller's thread to one consumer coroutine on the loop, in order.

    Waking a loop from another thread costs a system call and a GIL hand-over
    per wake-up; when items come in fast that dominates. So the producer wakes
    the loop only when the consumer is asleep waiting for work, and a busy
    consumer simply finds the next item on its way round. ``limit`` bounds
    how many items wait: :meth:`put` blocks while the queue is full, until it
    has drained to half, so a fast producer refills it in one burst instead
    of trading the GIL with the consumer item by item.
    """

    def __init__(self, loop: LoopThread, limit: int) -> None:
        self._loop = loop
        self._limit = limit
        self._low = limit // 2
        self._items: deque[T] = deque()
        self._idle = False
        self._wake = asyncio.Event()
        self._space = threading.Event()

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: T, while_full: Callable[[], None] = lambda: None) -> None:
        """Queue ``item`` (caller's thread); while full, call ``while_full`` now and then."""
        items = self._items
        if len(items) >= self._limit:
            while True:
                self._space.clear()
                if len(items) <= self._low:
                    break
                self._space.wait(0.25)
                while_full()
        items.append(item)
        if self._idle:
            self._loop.call(self._wake.set)

    def put_last(self, item: T) -> None:
        """Queue ``item`` regardless of the limit (from any thread, the loop's included)."""
        self._items.append(item)
        if self._idle:
            self._loop.call(self._wake.set)

    async def get(self) -> T:
        """The next item (on the loop), waiting for one if need be."""
        items = self._items
        while True:
            if items:
                item = items.popleft()
                if len(items) <= self._low:
                    self._space.set()
                return item
            self._wake.clear()
            self._idle = True
            if items:  # the producer may have missed the flag: look once more
                self._idle = False
                continue
            await self._wake.wait()
            self._idle = False
