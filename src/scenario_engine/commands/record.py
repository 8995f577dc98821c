"""``scenario record``: write the live traffic of other programs on a bus to a JSONL file,
in the format of a run's ``events.jsonl``, so ``scenario replay`` and ``.replay(...)``
can play it again."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import click

from scenario_engine.commands._common import DurationType, run_command

__all__ = ["Timeline", "record"]

#: an event time past this is a broker's Unix timestamp, not a publisher's clock time
_UNIX = 1e9


class Timeline:
    """Recording times: seconds since the recording started, on arrival; for events a
    broker stamped (other programs' entries on Redis), the broker's spacing, anchored
    at the first such event's arrival."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self._anchor: float | None = None

    def restart(self) -> None:
        self.started = time.monotonic()

    def __call__(self, event: Any) -> float:
        arrival = time.monotonic() - self.started
        if event.source != "external" or event.time < _UNIX:
            return arrival
        if self._anchor is None:
            self._anchor = event.time - arrival
        return max(0.0, float(event.time) - self._anchor)


@click.command("record")
@click.option("--bus", metavar="URL", required=True,
              help="Bus to listen on: redis://host:port/0, nats://host:port.")
@click.option("--topics", multiple=True, metavar="GLOB", default=("*",), show_default=True,
              help="Topics to record (globs; repeatable or comma-separated).")
@click.option("--duration", type=DurationType(), default=None,
              help="Stop after this long (default: until Ctrl-C or SIGTERM).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("recording.jsonl"), show_default=True, help="Where to write.")
@run_command
def record(bus: str, topics: tuple[str, ...], duration: float | None, output: Path) -> None:
    """Record what other programs publish on --bus, one JSON line per event, as it comes
    (each line is on disk within a fraction of a second; a stopped recording loses
    nothing). Times are seconds since the recording started, taken on arrival, or
    from the broker's timestamps where the bus has them (Redis entries of programs
    that do not speak the engine's format).

    Exit 0 when stopped by --duration or Ctrl-C, 3 when the bus failed.
    """
    from scenario_engine.buses.url import redact
    from scenario_engine.events import Event
    from scenario_engine.registry import default_registry
    from scenario_engine.runtime.interpreter import open_bus
    from scenario_engine.runtime.recorder import Recorder

    patterns = tuple(p.strip() for v in topics for p in v.split(",") if p.strip()) or ("*",)
    connection = open_bus(bus, default_registry())
    recorder = Recorder(output)
    stop = {"now": False}

    def stopping(*_: Any) -> None:
        stop["now"] = True

    timeline = Timeline()

    def on_event(event: Event) -> None:
        recorder.delivered(event, timeline(event))

    previous = [signal.signal(s, stopping) for s in (signal.SIGINT, signal.SIGTERM)]
    try:
        connection.connect()
        for pattern in patterns:
            connection.subscribe(pattern, on_event)
        click.echo(
            f"recording {', '.join(patterns)} on {redact(bus)} to {output}"
            + (f" for {duration:g}s" if duration is not None else " until Ctrl-C"),
            err=True,
        )
        timeline.restart()
        started = timeline.started
        last_flush = started
        while not stop["now"]:
            now = time.monotonic()
            if duration is not None and now - started >= duration:
                break
            wait = 0.05 if duration is None else max(0.0, min(0.05, started + duration - now))
            connection.poll(wait)
            if now - last_flush >= 0.2:
                recorder.flush()
                last_flush = now
    finally:
        signal.signal(signal.SIGINT, previous[0])
        signal.signal(signal.SIGTERM, previous[1])
        try:
            connection.close()
        finally:
            recorder.close()
    seconds = time.monotonic() - timeline.started
    click.echo(
        f"recorded {recorder.seq} event(s) on {len(recorder.topics)} topic(s) "
        f"in {seconds:.1f}s to {output}"
    )
