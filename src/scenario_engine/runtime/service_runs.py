"""The run's side of its services: start them all, wait for each, watch them, stop them.

A service that cannot start, exits before it is ready, is not ready in time,
or exits during the run ends the run as an error (exit 1): a ``service``
step in the report with the reason and the service's last lines of output.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from loguru import logger

from scenario_engine.errors import PlanError, Problem
from scenario_engine.plan.nodes import Plan
from scenario_engine.report.model import StepResult
from scenario_engine.runtime.services import ServiceError, ServiceProcess

if TYPE_CHECKING:
    from scenario_engine.runtime.interpreter import Run

__all__ = ["ServiceRuns", "refuse_untrusted_services"]

#: suffixes of playbooks, which are code the user runs knowingly
_CODE_SUFFIXES = (".py",)


def refuse_untrusted_services(items: Iterable[tuple[Path, Plan]]) -> None:
    """A plan file is data: it does not start programs unless the user says so.

    Raises:
        PlanError: a plan loaded from a data file (not a ``.py`` playbook)
            has services and ``--allow-services`` was not given.
    """
    problems = [
        Problem(
            f"{source}: plans[{index}].services[{i}]",
            f"this plan file would start the program {node.command!r}; "
            "a plan file is data and starts no program on its own",
            f"check it with `scenario show {source}`, then pass --allow-services to start it",
        )
        for index, (source, plan) in enumerate(items)
        if Path(source).suffix.lower() not in _CODE_SUFFIXES
        for i, node in enumerate(plan.services)
    ]
    if problems:
        raise PlanError(problems)

#: seconds between two looks at whether the services still run
_CHECK_EVERY = 0.1


class ServiceRuns:
    """The services of one run (none, unless the plan has ``services``)."""

    def __init__(self, run: Run) -> None:
        self._run = run
        self.processes: list[ServiceProcess] = []
        #: True once every service is ready: from then on an exit is a failure
        self.watching = False
        self._next_check = 0.0

    def start(self) -> None:
        """Start every service in plan order and wait until each is ready."""
        run = self._run
        services = run.plan.services
        if not services or not run.options.systems:
            return
        capabilities: frozenset[str] = getattr(run.bus, "capabilities", frozenset())
        if "virtual_time" in capabilities:
            raise PlanError([
                Problem(
                    "services[0]",
                    f"a service runs in a process of its own and needs a bus it can reach; "
                    f"this run is on {run.bus_url.partition('://')[0]}://",
                    "run on redis:// or nats:// (.bus(...) or --bus URL)",
                )
            ])
        inbound = run.inbound
        if inbound is not None:
            inbound.awaited = {n.ready_topic for n in services if n.ready_topic is not None}

        def arrived(topic: str) -> bool:
            if inbound is not None and topic in inbound.arrived:
                return True
            return run.recorder.topics.get(topic, 0) > 0

        def poll(timeout: float) -> None:
            run.scheduler.catch_up()
            run.poll(timeout)

        census = getattr(run.monitors, "census", None)
        for node in services:
            if census is not None:  # silence on a topic a service says it publishes is a verdict
                census.declare([*node.publishes, *filter(None, [node.ready_topic])])
            process = ServiceProcess(
                node, bus_url=run.bus_url, variables=run.variables, directory=run.directory
            )
            self.processes.append(process)
            started = run.scheduler.now
            try:
                process.start()
                process.wait_ready(poll, arrived)
            except ServiceError as failure:
                self._failed(process, failure, started)
                from scenario_engine.runtime.interpreter import _StopRun

                raise _StopRun from None
            run.steps.append(
                StepResult(
                    index=-1,
                    kind="service",
                    name=process.name,
                    status="passed",
                    started=started,
                    ended=run.scheduler.now,
                    message=f"ready after {process.ready_after or 0.0:.2f}s "
                    f"(waited for {process.waiting_for()}); output in {process.shown_path}",
                )
            )
        if inbound is not None:
            inbound.awaited = set()
        self.watching = True

    def _failed(self, process: ServiceProcess, failure: ServiceError, started: float) -> None:
        run = self._run
        run.errors.append(failure.message)
        run.steps.append(
            StepResult(
                index=-1,
                kind="service",
                name=process.name,
                status="error",
                started=started,
                ended=run.scheduler.now,
                message=failure.message,
                detail=failure.detail,
            )
        )
        logger.bind(service=process.name).debug("{}", failure.message)

    def check(self) -> None:
        """Look (every 100 ms at most) whether a service exited; if one did, stop the run."""
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + _CHECK_EVERY
        for process in self.processes:
            try:
                process.check()
            except ServiceError as failure:
                run = self._run
                self._failed(process, failure, run.scheduler.now)
                run.scheduler.stopped = True

    def stop(self) -> None:
        """Stop every service (reverse order); a service that died unnoticed is reported."""
        if self.watching:
            self._next_check = 0.0
            self.check()
        self.watching = False
        for process in reversed(self.processes):
            try:
                process.close()
            except Exception as err:  # stopping one must not keep the others running
                logger.bind(service=process.name).error("stopping the service failed: {}", err)
