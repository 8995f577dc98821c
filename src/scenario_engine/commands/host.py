"""``scenario host module:Class --bus URL``: run an in-process system as a bus-connected service.

A system under test written for the engine is a class (or callable) that
takes a :class:`~scenario_engine.spi.SystemBus`. The engine hands it one
in-process; this command hands it one connected to a real broker, so the
same system runs in its own process and a scenario drives it over Redis or
NATS without a line changed.

The host connects the bus, makes the system (``Class(bus, **params)``),
prints one ``ready`` line (and writes ``--ready-file``), then polls the bus
until SIGINT or SIGTERM, and closes cleanly with exit 0. A handler that
raises is logged with a traceback excerpt and counted; the service goes on.
A bus that cannot be reached exits 3, naming the URL with credentials
redacted.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import click
from loguru import logger

from scenario_engine.buses.env import expand
from scenario_engine.buses.url import redact
from scenario_engine.commands._common import DurationType, run_command
from scenario_engine.errors import BusError, UsageError
from scenario_engine.events import NO_HEADERS, Event
from scenario_engine.plan.values import CallableRef
from scenario_engine.registry import default_registry
from scenario_engine.runtime.system_bus import traceback_excerpt

__all__ = ["HostedSystemBus", "host"]

Handler = Callable[[Any], None]


class HostedSystemBus:
    """The :class:`~scenario_engine.spi.SystemBus` a hosted system gets: a real bus underneath.

    Publishes become events with ``source="system"`` and a fresh id; each
    handler is guarded, so an exception is logged and counted instead of
    stopping the service.
    """

    def __init__(self, bus: Any, label: str) -> None:
        self._bus = bus
        self._label = label
        self._started = time.monotonic()
        self._ids = itertools.count(1)
        self._id_prefix = f"host-{uuid.uuid4().hex[:8]}-"
        self.published = 0
        self.handler_errors = 0

    def publish(
        self,
        topic: str,
        payload: Any = None,
        *,
        key: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._bus.publish(Event(
            topic=topic,
            payload=payload,
            key=key,
            headers=headers or NO_HEADERS,
            id=f"{self._id_prefix}{next(self._ids)}",
            time=self.now(),
            source="system",
        ))
        self.published += 1

    def subscribe(self, pattern: str, handler: Handler) -> None:
        label = self._label

        def guarded(event: Any) -> None:
            try:
                handler(event)
            except Exception as err:
                self.handler_errors += 1
                logger.bind(system=label, topic=event.topic, event_id=event.id).error(
                    "handler raised {}: {}\n{}", type(err).__name__, err, traceback_excerpt(err)
                )

        self._bus.subscribe(pattern, guarded)

    def now(self) -> float:
        """Seconds since the host started."""
        return time.monotonic() - self._started


def _param_value(text: str) -> Any:
    """``--param`` values are JSON when they parse as JSON (numbers, true, lists...), else text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _parse_params(pairs: tuple[str, ...]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip().isidentifier():
            raise UsageError(
                f"--param {pair!r}: expected NAME=VALUE with NAME a parameter name",
                hint="e.g. --param threshold=0.5 --param venue=XNYS",
            )
        params[name.strip()] = _param_value(value)
    return params


def _load_target(target: str) -> Callable[..., Any]:
    if ":" not in target:
        raise UsageError(
            f"expected MODULE:CLASS for the system to host (got {target!r})",
            hint="e.g. scenario host playbooks.systems.risk:RiskEngine --bus redis://...",
        )
    # like `python -m`: modules of the project the command runs in are importable
    here = str(Path.cwd())
    if here not in sys.path and "" not in sys.path:
        sys.path.insert(0, here)
    try:
        # typed on the command line by the user: trusted, as a playbook's own names are
        found = CallableRef(target, trusted=True).resolve()
    except (ImportError, AttributeError) as err:
        raise UsageError(
            f"cannot import the system {target!r}: {type(err).__name__}: {err}",
            hint="is the module on PYTHONPATH (run from the project directory)?",
        ) from err
    if not callable(found):
        raise UsageError(
            f"the system {target!r} is a {type(found).__name__}, not a class or callable",
            hint="name a class or a function that takes the bus",
        )
    return found


def _open_bus(url: str) -> Any:
    scheme, sep, _ = url.partition("://")
    if not sep or not scheme:
        raise UsageError(
            f"--bus {redact(url)!r} is not a bus URL",
            hint="e.g. redis://127.0.0.1:6379/0 or nats://127.0.0.1:4222",
        )
    factory = default_registry().load("bus", scheme.lower(), where="--bus")
    bus = factory(expand(url))
    # the bus plugin logs reconnects and outages: a service's operator wants to see them
    logger.enable(type(bus).__module__.partition(".")[0])
    return bus


def _write_ready_file(path: Path, content: Mapping[str, Any]) -> None:
    """Write atomically, so a watcher never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(dict(content)) + "\n")
    partial.replace(path)


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM (the previous handlers come back afterwards)."""
    stop = threading.Event()
    previous: dict[signal.Signals, Any] = {}

    def request_stop(signum: int, frame: Any) -> None:
        # nothing but a flag: logging here could deadlock on the logger's lock
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        previous[sig] = signal.signal(sig, request_stop)
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_system(system: Any, label: str) -> None:
    for name in ("close", "stop"):
        method = getattr(system, name, None)
        if callable(method):
            try:
                method()
            except Exception as err:
                logger.bind(system=label).error("{}() raised {}: {}", name, type(err).__name__, err)
            return


@click.command("host")
@click.argument("target", metavar="MODULE:CLASS")
@click.option(
    "--bus", "bus_url", metavar="URL", envvar="SCENARIO_BUS", default="memory://",
    show_default=True,
    help="Bus URL: redis://host:6379/0, nats://host:4222 (also $SCENARIO_BUS).",
)
@click.option(
    "--param", "params", metavar="NAME=VALUE", multiple=True,
    help="Keyword argument for the system (JSON values, else text; repeatable).",
)
@click.option(
    "--ready-file", type=click.Path(dir_okay=False, path_type=Path),
    help="Write this file (JSON: pid, bus, target) once the system is ready.",
)
@click.option(
    "--poll", "poll_interval", type=DurationType(), default=0.1, show_default=True,
    help="Longest wait for messages in one poll (how fast a stop request is noticed).",
)
@click.option(
    "--duration", type=DurationType(), default=None,
    help="Stop by itself after this long (default: run until SIGINT or SIGTERM).",
)
@run_command
def host(
    target: str,
    bus_url: str,
    params: tuple[str, ...],
    ready_file: Path | None,
    poll_interval: float,
    duration: float | None,
) -> None:
    """Run the system MODULE:CLASS as a service connected to the bus at --bus.

    The system is made as CLASS(bus, **params), exactly as a scenario makes
    it in-process. One line saying "ready" is printed when it is; SIGINT or
    SIGTERM stop it cleanly (exit 0). Handler exceptions are logged and
    counted, and the service keeps running. An unreachable bus exits 3.
    """
    shown = redact(bus_url)
    if poll_interval <= 0:
        raise UsageError(f"--poll must be > 0 (got {poll_interval!r})")
    keywords = _parse_params(params)
    factory = _load_target(target)
    bus = _open_bus(bus_url)
    log = logger.bind(system=target, bus=shown)
    try:
        with _stop_on_signals() as stop:
            bus.connect()
            system_bus = HostedSystemBus(bus, target)
            try:
                system = factory(system_bus, **keywords)
            except Exception as err:
                raise UsageError(
                    f"the system {target} failed to start: {type(err).__name__}: {err}",
                    hint="rerun with --debug for the traceback",
                ) from err
            bus.flush()
            click.echo(f"scenario host: {target} ready on {shown} (pid {os.getpid()})")
            if ready_file is not None:
                _write_ready_file(ready_file, {"pid": os.getpid(), "bus": shown,
                                               "target": target})
            log.info("serving")
            delivered = 0
            deadline = None if duration is None else time.monotonic() + duration
            while not stop.is_set():
                if deadline is not None and time.monotonic() >= deadline:
                    break
                delivered += bus.poll(poll_interval)
            log.info("stopping")
            _stop_system(system, target)
            bus.flush()
        stats = getattr(bus, "stats", None)
        reconnects = stats.get("reconnects", 0) if isinstance(stats, Mapping) else 0
        click.echo(
            f"scenario host: stopped; {delivered} events handled, "
            f"{system_bus.published} published, {system_bus.handler_errors} handler errors, "
            f"{reconnects} reconnects"
        )
    finally:
        with contextlib.suppress(BusError):
            bus.close()
        if ready_file is not None:
            ready_file.unlink(missing_ok=True)
