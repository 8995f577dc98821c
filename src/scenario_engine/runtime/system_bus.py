"""What an in-process system under test sees: a bus whose publishes go through chaos."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from scenario_engine.events import NO_HEADERS, Event

if TYPE_CHECKING:
    from scenario_engine.runtime.interpreter import Run

__all__ = ["EngineBus", "StepContext", "traceback_excerpt"]


def traceback_excerpt(err: BaseException, lines: int = 6) -> str:
    """The last frames of a traceback: enough to find the bug, short enough to read."""
    text = "".join(traceback.format_exception(err)).rstrip().splitlines()
    return "\n".join(text[-lines:])


class EngineBus:
    """The :class:`scenario_engine.spi.SystemBus` handed to systems and ``do`` steps."""

    def __init__(self, run: Run, label: str, source: str = "system") -> None:
        self._run = run
        self.label = label
        self._source = source

    def publish(
        self,
        topic: str,
        payload: Any = None,
        *,
        key: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        run = self._run
        run.send(
            Event(
                topic,
                payload,
                key,
                headers or NO_HEADERS,
                run.new_id(),
                run.scheduler.now,
                0,
                run.cycle,
                self._source,
            )
        )

    def subscribe(self, pattern: str, handler: Callable[[Event], None]) -> None:
        run = self._run
        label = self.label

        def guarded(event: Event) -> None:
            try:
                handler(event)
            except (Exception, SystemExit) as err:  # sys.exit too: its error, not the run's end
                run.handler_error(label, event, err)

        run.subscribe_local(pattern, guarded)

    def now(self) -> float:
        return self._run.scheduler.now


class StepContext(EngineBus):
    """What a ``do`` step's callable receives: the bus, plus the run's variables and counts."""

    def __init__(self, run: Run, label: str) -> None:
        super().__init__(run, label, source="engine")
        self.vars: Mapping[str, Any] = run.variables
        self.seed = run.plan.seed

    def seen(self, topic: str) -> int:
        """How many events on ``topic`` were delivered so far."""
        return self._run.recorder.topics.get(topic, 0)
