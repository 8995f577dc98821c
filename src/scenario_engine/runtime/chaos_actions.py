"""The built-in chaos effects. Triggers are the engine's job; each class is the effect alone."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from scenario_engine.durations import MAX_SECONDS
from scenario_engine.events import Event
from scenario_engine.plan._limits import MAX_COPIES, MAX_WINDOW
from scenario_engine.spi import ChaosContext, Emission, ParamError

__all__ = [
    "DelayEffect",
    "DropEffect",
    "DuplicateEffect",
    "InjectEffect",
    "ModifyEffect",
    "OutageEffect",
    "ReorderEffect",
]


#: the longest delay or spacing a chaos action may give: 10 years, in milliseconds
MAX_MS = MAX_SECONDS * 1000


def _non_negative(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ParamError(name, "must be a number >= 0", value)
    if value > MAX_MS:
        raise ParamError(name, "must be at most 10 years in milliseconds", value)
    return float(value)


class DelayEffect:
    """Deliver the event ``ms`` (+ uniform jitter up to ``jitter_ms``) later."""

    effect = "delay"

    def __init__(self, ms: float = 0, jitter_ms: float = 0) -> None:
        self.seconds = _non_negative("ms", ms) / 1000
        self.jitter = _non_negative("jitter_ms", jitter_ms) / 1000

    def apply(self, event: Event, ctx: ChaosContext) -> Sequence[Emission]:
        delay = self.seconds
        if self.jitter:
            delay += ctx.rng.random() * self.jitter
        return [(delay, event)]


class DropEffect:
    """Lose the event."""

    effect = "drop"

    def apply(self, event: Event, ctx: ChaosContext) -> Sequence[Emission]:
        return []


class DuplicateEffect:
    """Deliver the event, then ``copies`` more, ``spacing_ms`` apart."""

    effect = "duplicate"

    def __init__(self, copies: int = 1, spacing_ms: float = 0) -> None:
        if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
            raise ParamError("copies", f"must be an integer from 1 to {MAX_COPIES:,}", copies)
        self.copies = copies
        self.spacing = _non_negative("spacing_ms", spacing_ms) / 1000

    def apply(self, event: Event, ctx: ChaosContext) -> Sequence[Emission]:
        copies = [(n * self.spacing, ctx.derive(event)) for n in range(1, self.copies + 1)]
        return [(0.0, event), *copies]


class ReorderEffect:
    """Hold ``window`` matching events, then release them permuted (never in the original order
    when a different order exists). What is still held when the run ends is released then."""

    effect = "reorder"

    def __init__(self, window: int = 3) -> None:
        if isinstance(window, bool) or not isinstance(window, int) or not 2 <= window <= MAX_WINDOW:
            raise ParamError("window", f"must be an integer from 2 to {MAX_WINDOW:,}", window)
        self.window = window
        self.held: list[Event] = []

    def apply(self, event: Event, ctx: ChaosContext) -> Sequence[Emission]:
        self.held.append(event)
        if len(self.held) < self.window:
            ctx.hold(event)
            return []
        batch, self.held = self.held, []
        order = list(range(len(batch)))
        while order == sorted(order):
            ctx.rng.shuffle(order)
        return [(0.0, batch[i]) for i in order]

    def finish(self, ctx: ChaosContext) -> None:
        batch, self.held = self.held, []
        for event in reversed(batch):
            ctx.emit(event)


def _set_path(payload: Any, parts: list[str], change: Callable[[Any], Any], delete: bool) -> Any:
    """A copy of ``payload`` with the field at ``parts`` changed (dicts, lists, attrs,
    dataclasses)."""
    head, rest = parts[0], parts[1:]
    if isinstance(payload, dict):
        new = dict(payload)
        if rest:
            new[head] = _set_path(payload.get(head), rest, change, delete)
        elif delete:
            new.pop(head, None)
        else:
            new[head] = change(payload.get(head))
        return new
    if isinstance(payload, list) and head.isdigit() and int(head) < len(payload):
        new_list = list(payload)
        index = int(head)
        new_list[index] = (
            _set_path(payload[index], rest, change, delete) if rest else change(payload[index])
        )
        return new_list
    if payload is not None and hasattr(payload, head):
        current = getattr(payload, head)
        value = _set_path(current, rest, change, delete) if rest else change(current)
        if attrs.has(type(payload)):
            return attrs.evolve(payload, **{head: value})
        clone = copy.copy(payload)
        object.__setattr__(clone, head, value)
        return clone
    if payload is None and rest:
        return {head: _set_path(None, rest, change, delete)}
    if payload is None:
        return {head: change(None)}
    return payload


class ModifyEffect:
    """Set (``value``), transform (``transform(old)``) or delete the field at dot ``path``."""

    effect = "modify"

    def __init__(
        self,
        path: str,
        value: Any = None,
        transform: Callable[[Any], Any] | None = None,
        delete: bool = False,
    ) -> None:
        if not isinstance(path, str) or not path:
            raise ParamError("path", "must be a dot path such as 'price.value'", path)
        if transform is not None and not callable(transform):
            raise ParamError("transform", "must be callable", transform)
        self.parts = path.split(".")
        if any(part.startswith("__") for part in self.parts):  # data never reaches into code
            raise ParamError("path", "must name payload fields, not dunder attributes", path)
        self.delete = delete
        self.change: Callable[[Any], Any] = (
            transform if transform is not None else (lambda _old: copy.deepcopy(value))
        )

    def apply(self, event: Event, ctx: ChaosContext) -> Sequence[Emission]:
        payload = _set_path(event.payload, self.parts, self.change, self.delete)
        return [(0.0, ctx.derive(event, payload=payload))]


class InjectEffect:
    """Publish a failure event ``event`` (with ``payload``) next to, or instead of, the trigger."""

    effect = "inject"

    def __init__(self, event: str, payload: Any = None, replace: bool = False) -> None:
        if not isinstance(event, str) or not event:
            raise ParamError("event", "must be a topic name", event)
        self.topic = event
        self.payload = payload
        self.replace = replace

    def apply(self, event: Event, ctx: ChaosContext) -> Sequence[Emission]:
        payload = (
            copy.deepcopy(self.payload)
            if self.payload is not None
            else {
                "trigger": event.topic,
                "trigger_id": event.id,
            }
        )
        failure = ctx.derive(event, topic=self.topic, payload=payload, source="chaos")
        return [(0.0, failure)] if self.replace else [(0.0, event), (0.0, failure)]


class OutageEffect:
    """The bus delivers nothing matching for ``duration`` seconds from the first triggered
    event; with ``buffer`` the held events are flushed in order when it ends (a broker
    restart), without it they are lost."""

    effect = "outage"

    def __init__(self, duration: float = 1.0, buffer: bool = False) -> None:
        self.duration = _non_negative("duration", duration)
        self.buffer = buffer
        self.until: float | None = None
        self.held: list[Event] = []
        self.windows: list[tuple[float, float]] = []
        self.lost = 0

    def active(self, now: float) -> bool:
        return self.until is not None and now < self.until

    def apply(self, event: Event, ctx: ChaosContext) -> Sequence[Emission]:
        if self.until is None or ctx.now >= self.until:
            self.until = ctx.now + self.duration
            self.windows.append((ctx.now, self.until))
            if self.buffer:
                ctx.call_later(self.duration, lambda: self._flush(ctx))
        if self.buffer:
            self.held.append(event)
            ctx.hold(event)
        else:
            self.lost += 1
        return []

    def _flush(self, ctx: ChaosContext) -> None:
        batch, self.held = self.held, []
        for event in batch:
            ctx.emit(event)

    def finish(self, ctx: ChaosContext) -> None:
        """Nothing to do: a buffered outage flushes on its own clock, even after the last step."""
