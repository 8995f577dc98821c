"""Conformance checks for components: call them from a plugin's own tests.

Each check drives one component the way the engine does and fails with an
``AssertionError`` that says which rule was broken:

- :func:`check_profile` and :func:`check_generator`: deterministic for a
  seed, no draws from the global ``random``, values that the event log can
  record;
- :func:`check_chaos_action`: returns well-formed emissions, never changes
  the event it was given, and is deterministic for a seed;
- :func:`check_monitor`: ``topics``, ``observe`` and ``finish`` keep their
  contract, and a failure early is a failure at the end;
- :func:`check_codec` (:mod:`scenario_engine.testing.codec_checks`): payloads
  round-trip on every shape the codec declares, and foreign frames are
  refused with ``DecodeError``.

They take the *factory* (the class an entry point names) and parameters, so
they test exactly what the registry would build.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import orjson

from scenario_engine.events import Event
from scenario_engine.spi import ChaosAction, Generator, Monitor, Profile, Tick, Verdict
from scenario_engine.testing.codec_checks import check_codec

__all__ = [
    "check_chaos_action",
    "check_codec",
    "check_generator",
    "check_monitor",
    "check_profile",
]


@contextmanager
def _no_global_random() -> Iterator[None]:
    """Fail loudly if the code under check draws from the module-level ``random``."""
    names = (
        "random",
        "uniform",
        "gauss",
        "normalvariate",
        "choice",
        "shuffle",
        "randint",
        "randrange",
        "sample",
        "betavariate",
        "expovariate",
        "triangular",
    )
    saved = {name: getattr(random, name) for name in names}

    def forbidden(*_: Any, **__: Any) -> Any:
        raise AssertionError(
            "drew from the global random module; draw from the rng argument instead "
            "(it is derived from the scenario seed)"
        )

    for name in names:
        setattr(random, name, forbidden)
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(random, name, fn)


def _require(condition: object, message: str) -> None:
    """A rule of the contract; unlike ``assert`` it holds under ``python -O`` too."""
    if not condition:
        raise AssertionError(message)


def _ticks(start: Any, cycles: int) -> Iterator[Tick]:
    for index in range(cycles):
        progress = index / (cycles - 1) if cycles > 1 else 1.0
        yield Tick(index, "check", index, progress, float(index), start, start)


def _recordable(value: Any, what: str) -> None:
    try:
        orjson.dumps(value, default=str)
    except TypeError as err:  # pragma: no cover - default=str makes this rare
        raise AssertionError(f"{what} cannot be written to the event log: {err}") from err


def _profile_path(
    factory: Callable[..., Any], params: Mapping[str, Any], start: Any, cycles: int, seed: int
) -> list[Any]:
    profile = factory(**params)
    _require(isinstance(profile, Profile), f"{factory!r} made {profile!r}, not a Profile")
    rng = random.Random(seed)
    values = []
    value = start
    with _no_global_random():
        for tick in _ticks(start, cycles):
            tick.value = value
            value = profile.next_value(value, tick, rng)
            values.append(value)
    return values


def check_profile(
    factory: Callable[..., Any],
    params: Mapping[str, Any] | None = None,
    *,
    start: Any = 100.0,
    cycles: int = 50,
    seeds: Iterable[int] = (1, 2),
) -> list[Any]:
    """Run a profile for ``cycles`` cycles from ``start``; returns the path for ``seeds[0]``."""
    params = dict(params or {})
    seeds = list(seeds)
    first = _profile_path(factory, params, start, cycles, seeds[0])
    again = _profile_path(factory, params, start, cycles, seeds[0])
    _require(first == again, "the same seed gave two different paths")
    for value in first:
        _recordable(value, "a profile value")
    for seed in seeds[1:]:
        _profile_path(factory, params, start, cycles, seed)
    return first


def check_generator(
    factory: Callable[..., Any],
    params: Mapping[str, Any] | None = None,
    *,
    cycles: int = 20,
    seed: int = 1,
) -> list[Any]:
    """Make ``cycles`` payloads; returns them."""

    def payloads() -> list[Any]:
        generator = factory(**dict(params or {}))
        _require(isinstance(generator, Generator), f"{factory!r} made {generator!r}")
        rng = random.Random(seed)
        with _no_global_random():
            start = generator.initial_value()
            out = [generator.payload(tick, rng) for tick in _ticks(start, cycles)]
            summary = getattr(generator, "summary", None)
            if summary is not None:
                _require(isinstance(summary(), Mapping), "summary() must return a mapping")
        return out

    first = payloads()
    _require(first == payloads(), "the same seed gave different payloads")
    for payload in first:
        _recordable(payload, "a payload")
    return first


class _Context:
    """A minimal ChaosContext: a clock at ``now`` and an RNG; emits are collected."""

    def __init__(self, seed: int) -> None:
        self.now = 0.0
        self.rng = random.Random(seed)
        self.emitted: list[tuple[float, Event]] = []
        self.held: list[Event] = []
        self.later: list[tuple[float, Callable[[], None]]] = []
        self._ids = 0

    def emit(self, event: Event, delay: float = 0.0) -> None:
        self.emitted.append((delay, event))

    def hold(self, event: Event) -> None:
        self.held.append(event)

    def call_later(self, delay: float, callback: Callable[[], None]) -> None:
        self.later.append((delay, callback))

    def derive(self, event: Event, **changes: Any) -> Event:
        import attrs

        self._ids += 1
        changes.setdefault("id", f"derived-{self._ids}")
        return attrs.evolve(event, **changes)


def check_chaos_action(
    factory: Callable[..., Any],
    params: Mapping[str, Any] | None = None,
    *,
    events: Sequence[Event] | None = None,
    seed: int = 1,
) -> list[list[tuple[float, Event]]]:
    """Apply an action to ``events`` (default: 20 small ones); returns each one's emissions."""
    if events is None:
        events = [
            Event("check", {"index": i, "nested": {"value": i}}, id=f"e{i}", time=float(i))
            for i in range(20)
        ]

    def outcomes() -> list[list[tuple[float, Event]]]:
        action = factory(**dict(params or {}))
        _require(isinstance(action, ChaosAction), f"{factory!r} made {action!r}")
        _require(isinstance(action.effect, str) and action.effect, "effect must name what it does")
        ctx = _Context(seed)
        results = []
        with _no_global_random():
            for event in events:
                before = copy.deepcopy(event.payload)
                ctx.now = event.time
                emissions = list(action.apply(copy.copy(event), ctx))
                _require(event.payload == before, "apply() changed the event it was given")
                for emission in emissions:
                    _require(
                        isinstance(emission, tuple) and len(emission) == 2,
                        f"an emission is a (delay, event) pair, got {emission!r}",
                    )
                    delay, out = emission
                    _require(
                        isinstance(delay, int | float) and delay >= 0,
                        f"a delay is a number of seconds >= 0, got {delay!r}",
                    )
                    _require(isinstance(out, Event), f"an emission carries an Event, got {out!r}")
                    _recordable(out.payload, "an emitted payload")
                results.append(emissions)
            finish = getattr(action, "finish", None)
            if finish is not None:
                finish(ctx)
        return results

    first = outcomes()
    again = outcomes()
    _require(
        [[(d, e.topic, e.payload) for d, e in em] for em in first]
        == [[(d, e.topic, e.payload) for d, e in em] for em in again],
        "the same seed gave different emissions",
    )
    return first


def check_monitor(
    factory: Callable[..., Any],
    params: Mapping[str, Any] | None = None,
    *,
    events: Sequence[Event],
) -> Verdict:
    """Feed ``events`` (numbered if they are not) and return the final verdict."""
    monitor = factory(**dict(params or {}))
    _require(isinstance(monitor, Monitor), f"{factory!r} made {monitor!r}, not a Monitor")
    topics = monitor.topics
    _require(isinstance(topics, tuple) and topics, "topics must be a non-empty tuple of globs")
    _require(all(isinstance(t, str) and t for t in topics), "every topic pattern is a string")
    early: Verdict | None = None
    for seq, given in enumerate(events, start=1):
        event = given
        if not event.seq:
            event = copy.copy(given)
            event.seq = seq
        verdict = monitor.observe(event)
        if verdict is not None:
            _require(isinstance(verdict, Verdict), f"observe() returned {verdict!r}")
            if not verdict.passed and early is None:
                early = verdict
    final: Verdict = monitor.finish(events[-1].time if events else 0.0)
    _require(isinstance(final, Verdict), f"finish() returned {final!r}")
    _require(isinstance(final.expected, str) and final.expected, "a verdict says what was expected")
    _require(isinstance(final.actual, str) and final.actual, "a verdict says what was seen")
    if early is not None:
        _require(not final.passed, "failed early but passed at the end")
    return final
