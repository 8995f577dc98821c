"""Public testing kit: run scenarios from tests, read their event logs, check buses.

- :func:`run` runs a Scenario (or Plan) and returns its RunResult;
- :func:`read_events` parses an ``events.jsonl``;
- :mod:`scenario_engine.testing.bus_conformance` is the suite every bus passes;
- :mod:`scenario_engine.testing.servers` starts real brokers for tests;
- the pytest plugin offers the ``scenario_run`` fixture and collects playbooks
  (``pytest playbooks/``); :func:`assert_passed` fails a test with the run's summary;
- :class:`Registry` is the registry the engine uses, for a plugin's own tests.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from scenario_engine.dsl.scenario import Scenario
    from scenario_engine.plan.nodes import Plan
    from scenario_engine.report.model import RunResult

__all__ = ["Registry", "assert_passed", "capture_log", "closing_buses", "read_events", "run"]


def __getattr__(name: str) -> Any:
    if name == "Registry":  # loaded on use: the registry reads installed metadata
        from scenario_engine.registry import Registry

        return Registry
    raise AttributeError(f"module 'scenario_engine.testing' has no attribute {name!r}")


def assert_passed(result: RunResult) -> None:
    """Fail the test unless ``result`` passed, with the run's summary as the message: what
    was expected, what was seen, the witness events and the replay command."""
    __tracebackhide__ = True
    if result.passed:
        return
    from scenario_engine.report.console import render_summary

    text = render_summary(result)
    if result.replay:
        text += f"\nreplay: {result.replay}"
    raise AssertionError(text)


def run(scenario: Scenario | Plan, **options: Any) -> RunResult:
    """Run ``scenario`` with :class:`~scenario_engine.runtime.options.RunOptions` fields as
    keywords (``report_dir``, ``seed``, ``bus``, ``clock``, ``fail_fast``, ...).

    Ctrl-C stops the run and is raised again once the partial report is written.
    """
    from scenario_engine.dsl.scenario import Scenario
    from scenario_engine.runtime import RunOptions, run_plan

    plan = scenario.build() if isinstance(scenario, Scenario) else scenario
    if "report_dir" in options and options["report_dir"] is not None:
        options["report_dir"] = Path(options["report_dir"])
    result = run_plan(plan, RunOptions(**options))
    if result.status == "interrupted":
        raise KeyboardInterrupt
    return result


def read_events(path: str | Path) -> list[dict[str, Any]]:
    """Every line of an event log, parsed; a torn last line (a killed process) is ignored."""
    events = []
    with Path(path).open("rb") as handle:
        for line in handle:
            if not line.endswith(b"\n"):
                break
            events.append(orjson.loads(line))
    return events


@contextlib.contextmanager
def capture_log(package: str) -> Iterator[list[str]]:
    """The log meanwhile, with ``package`` switched on: one line per record, with its extras."""
    from loguru import logger

    lines: list[str] = []
    logger.enable(package)
    sink = logger.add(lambda m: lines.append(str(m)), format="{message} {extra}", level="DEBUG")
    try:
        yield lines
    finally:
        logger.remove(sink)
        logger.disable(package)


@contextlib.contextmanager
def closing_buses() -> Iterator[list[Any]]:
    """A list to put buses in; each is closed at the end, even when the test failed."""
    from scenario_engine.errors import BusError

    buses: list[Any] = []
    try:
        yield buses
    finally:
        for bus in buses:
            with contextlib.suppress(BusError):
                bus.close()
