"""The custom monitor: a user function over the events seen, called once at the end."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence as SequenceABC
from typing import Any

from scenario_engine.events import Event
from scenario_engine.runtime.monitors._shared import callable_name, topic_param
from scenario_engine.spi import ParamError, Verdict

__all__ = ["CustomMonitor"]

#: how much of a multi-line assertion message the verdict keeps in ``stats["detail"]``
_DETAIL_LIMIT = 2000


class CustomMonitor:
    """A function over the events seen (those matching ``topics``), called once at the end.

    ``fn(events)`` returns True/None (holds), False, or ``(passed, message)``,
    or raises ``AssertionError(message)`` (pytest style: the first line is the
    verdict's text, a longer message goes to ``stats["detail"]``). Any other exception,
    or any other return value, fails the assertion with a text naming it.
    The only monitor that keeps the history.

    Texts: expected ``custom check 'fills_match' passes``; actual the
    message, ``returned False on 12 events``, ``raised ZeroDivisionError:
    division by zero``, ``called sys.exit(3); a check returns or raises
    AssertionError instead of exiting``, ``passed on 12 events``.
    """

    __slots__ = ("_events", "_fn", "expected", "topics")

    def __init__(
        self, fn: Callable[[list[Event]], Any], name: str | None = None, topics: Any = ("*",)
    ) -> None:
        if not callable(fn):
            raise ParamError("fn", "must be callable", fn)
        if name is not None and not isinstance(name, str):
            raise ParamError("name", "must be a string", name)
        if isinstance(topics, str):
            topics = (topics,)
        if not isinstance(topics, SequenceABC) or not topics:
            raise ParamError("topics", "must be a topic or a non-empty list of topics", topics)
        self.topics = tuple(topic_param("topics", t) for t in topics)
        self._fn = fn
        self.expected = f"custom check {name or callable_name(fn)!r} passes"
        self._events: list[Event] = []

    def observe(self, event: Event) -> Verdict | None:
        self._events.append(event)
        return None

    def finish(self, now: float) -> Verdict:
        events = self._events
        n = len(events)
        stats: dict[str, Any] = {"events": n}
        try:
            result = self._fn(events)
        except AssertionError as err:
            message = str(err)
            if "\n" in message:  # pytest's rewritten asserts append an explanation
                stats["detail"] = message[:_DETAIL_LIMIT]
            first_line = message.partition("\n")[0]
            return Verdict(False, self.expected, first_line or "assertion failed", (), stats)
        except Exception as err:  # the user's check failing is this assertion's failure
            return Verdict(False, self.expected, f"raised {type(err).__name__}: {err}", (), stats)
        except SystemExit as err:  # ends the check, never the run: the report is still written
            actual = (
                f"called sys.exit({err.code!r}); a check returns or raises AssertionError "
                "instead of exiting"
            )
            return Verdict(False, self.expected, actual, (), stats)
        if result is None or result is True:
            return Verdict(True, self.expected, f"passed on {n} events", (), stats)
        if result is False:
            return Verdict(False, self.expected, f"returned False on {n} events", (), stats)
        if (
            isinstance(result, tuple)
            and len(result) == 2
            and isinstance(result[0], bool)
            and isinstance(result[1], str)
        ):
            passed, message = result
            default = f"passed on {n} events" if passed else f"returned False on {n} events"
            return Verdict(passed, self.expected, message or default, (), stats)
        return Verdict(
            False,
            self.expected,
            f"returned {result!r}; a check returns True, False, None or (passed, message)",
            (),
            stats,
        )
