"""The interpreter: runs one plan on a bus, step by step, on a virtual or wall clock.

Steps are dispatched on their node type; chaos sits between every publisher
(the engine, the systems under test, relays) and the bus; every delivered
event is recorded, then shown to the monitors, then to the systems.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
from loguru import logger

from scenario_engine.buses.url import redact
from scenario_engine.errors import InfrastructureError, PlanError, Problem, ScenarioError
from scenario_engine.events import Event
from scenario_engine.plan.nodes import (
    CheckStep,
    PhaseStep,
    Plan,
    Step,
    WaitForStep,
)
from scenario_engine.plan.values import FrozenMap, thaw
from scenario_engine.registry import Registry, default_registry
from scenario_engine.report import rundir
from scenario_engine.report.model import AssertionResult, RunResult, StepResult
from scenario_engine.runtime import interrupts
from scenario_engine.runtime.arrival import ArrivalClock
from scenario_engine.runtime.census import TopicCensus, declared_topics
from scenario_engine.runtime.chaos_pipeline import ChaosPipeline
from scenario_engine.runtime.generation import GeneratorState
from scenario_engine.runtime.inbound import Echoes, Inbound, merge_results
from scenario_engine.runtime.interest import judged_topics
from scenario_engine.runtime.lifecycle import PRECONDITION, PRECONDITION_FAILED, Lifecycle
from scenario_engine.runtime.monitoring import MonitorSet, Watcher
from scenario_engine.runtime.options import RunOptions
from scenario_engine.runtime.progress import attach as attach_progress
from scenario_engine.runtime.publish_rate import PublishMeter
from scenario_engine.runtime.recorder import Recorder
from scenario_engine.runtime.rng import RngFactory
from scenario_engine.runtime.scheduler import Scheduler, VirtualScheduler, WallScheduler
from scenario_engine.runtime.service_runs import ServiceRuns
from scenario_engine.runtime.steps import STEP_HANDLERS, step_kind, step_label
from scenario_engine.runtime.system_bus import EngineBus, traceback_excerpt
from scenario_engine.runtime.topics import route_topics
from scenario_engine.runtime.windows import WindowSet
from scenario_engine.spi import compile_where
from scenario_engine.templates import data_only

__all__ = ["Run", "open_bus", "report_directory"]


def open_bus(url: str, registry: Registry) -> Any:
    """Make the bus for ``url`` through the registry (scheme = entry-point name);
    ``${VAR}`` references in it are read from the environment now."""
    from scenario_engine.buses.env import expand

    scheme = url.partition("://")[0]
    if not scheme or "://" not in url:
        raise PlanError(
            [Problem("bus", f"expected a bus URL such as 'memory://' (got {redact(url)!r})")]
        )
    factory = registry.load("bus", scheme, where="bus")
    return factory(expand(url))


def report_directory(base: Path, name: str) -> Path:
    """The folder of every run of scenario ``name`` (each run has its own folder in it,
    see :mod:`scenario_engine.report.rundir`)."""
    return rundir.scenario_folder(base, name)


class _StopRun(Exception):  # noqa: N818 - control flow, not an error
    """Raised inside the run to stop it early (fail-fast, timeout)."""


class Run:
    """One execution of a plan. Build it, call :meth:`execute`, read the result."""

    def __init__(self, plan: Plan, options: RunOptions, *, bus: Any = None) -> None:
        self.options = options
        if options.seed is not None:
            plan = attrs.evolve(plan, seed=options.seed)
        if options.variables:
            plan = attrs.evolve(plan, vars=FrozenMap({**plan.vars, **options.variables}))
        self.plan = plan
        self.registry: Registry = options.registry or default_registry()
        self.variables: Mapping[str, Any] = thaw(plan.vars)
        #: what templates see: data, callables as stand-ins that refuse to render
        self.template_variables = data_only(self.variables)
        self.bus_url = options.bus or plan.bus or "memory://"
        self.bus = bus if bus is not None else open_bus(self.bus_url, self.registry)
        route_topics(plan, self.bus, self.registry)
        capabilities: frozenset[str] = getattr(self.bus, "capabilities", frozenset())
        virtual_ok = "virtual_time" in capabilities
        self.clock = options.clock or plan.clock or ("virtual" if virtual_ok else "wall")
        if self.clock == "virtual" and not virtual_ok:
            raise PlanError(
                [
                    Problem(
                        "clock",
                        f"the virtual clock needs a bus that delivers synchronously; "
                        f"{self.bus_url.partition('://')[0]}:// delivers in real time",
                        "use --clock wall",
                    )
                ]
            )
        speed = options.speed or plan.speed
        self.scheduler: Scheduler = (
            VirtualScheduler() if self.clock == "virtual" else WallScheduler(self.poll, speed)
        )
        self.rngs = RngFactory(plan.seed)
        digest = hashlib.blake2b(f"{plan.name}\x00{plan.seed}".encode(), digest_size=3).hexdigest()
        self._id_prefix = f"{digest}-"
        self._ids = 0
        self.cycle = 0
        self.phase: str | None = None
        self.step_index = -1  # the step that runs; len(plan.steps) once settling
        self.steps: list[StepResult] = []
        self.failures: list[AssertionResult] = []
        self.errors: list[str] = []
        self._status: str | None = None
        self._wall_start = time.perf_counter()
        self.period = min((g.every for g in plan.generators), default=1.0)

        self.monitors = MonitorSet(self.registry, self._now, self._assertion_failed)
        # with preconditions, the scenario's own monitors sleep through the warm-up
        asleep = bool(plan.lifecycle.requires)
        for i, ref in enumerate(plan.expectations):
            self.monitors.add(ref, where=f"expectations[{i}]", dormant=asleep)
        for i, step in enumerate(plan.steps):
            if isinstance(step, CheckStep):
                for j, ref in enumerate(step.assertions):
                    self.monitors.add(
                        ref,
                        where=f"steps[{i}].assertions[{j}]",
                        checkpoint=step.name,
                        dormant=asleep,
                    )
        self.windows = WindowSet(plan, self.monitors)
        self.lifecycle = Lifecycle(self)
        self.generators = [
            GeneratorState(i, node, self.registry, self.rngs)
            for i, node in enumerate(plan.generators)
        ]
        for state in self.generators:
            bind = getattr(state.generator, "bind", None)
            if bind is not None:  # generators that render templates see the scenario's variables
                bind(self.template_variables, epoch=self.scheduler.epoch)
        self.pipeline = ChaosPipeline(
            plan.chaos,
            registry=self.registry,
            rngs=self.rngs,
            scheduler=self.scheduler,
            deliver=self.bus.publish,
            dropped=self._dropped,
            phase=lambda: self.phase,
            new_id=self.new_id,
            held=self._held,
        )
        self.send: Callable[[Event], None] = self.pipeline.send
        # wall clock: how fast the engine really published (a load test is judged by it)
        self.meter = PublishMeter() if self.clock == "wall" else None
        if self.meter is not None:
            self.send = self.meter.counting(self.send)
        #: events other programs publish pass chaos on arrival (real buses only)
        self.inbound: Inbound | None = None
        self.services = ServiceRuns(self)
        self.templates: dict[int, Callable[[Mapping[str, Any]], Any]] = {}
        #: publish steps that name a generator: their generator, made on first use
        self.publishers: dict[int, GeneratorState] = {}
        self.watchers = self._plan_watchers(plan)
        # last: a plan whose components fail to build leaves no empty run folder behind
        self.directory: Path | None = None
        events_path = None
        if options.report_dir is not None:
            self.directory = rundir.new_run_dir(options.report_dir, plan.name, plan.seed)
            events_path = self.directory / "events.jsonl"
            if rundir.safe_name(plan.name) != plan.name:
                logger.warning(
                    "the scenario name {!r} is not a safe folder name: its runs go to {}",
                    plan.name,
                    self.directory.parent,
                )
        self.recorder = Recorder(events_path)
        self.monitors.census = TopicCensus(
            declared_topics(plan), self.recorder.topics, self.recorder.touched
        )
        self.progress = attach_progress(self, options.progress)  # None: no cost on any path

    # ------------------------------------------------------------------ plumbing

    def _generator_summaries(self) -> dict[str, Any]:
        """Each generator's summary, keyed by its topic (``topic[i]`` when topics repeat)."""
        topics = [g.topic for g in self.generators]
        return {
            (g.topic if topics.count(g.topic) == 1 else f"{g.topic}[{i}]"): g.summary()
            for i, g in enumerate(self.generators)
        }

    def _now(self) -> float:
        return self.scheduler.now

    def new_id(self) -> str:
        self._ids += 1
        return f"{self._id_prefix}{self._ids}"

    def poll(self, timeout: float) -> int:
        """Deliver what the bus has (waiting up to ``timeout``); the wall clock calls it."""
        self.recorder.flush()
        if self.progress is not None:
            self.progress.maybe()
        delivered = int(self.bus.poll(timeout))
        if self.services.watching:
            self.services.check()
        return delivered

    def _dropped(self, event: Event, label: str) -> None:
        self.recorder.dropped_event(event, self.scheduler.now, label)

    def _held(self, event: Event, label: str) -> None:
        self.recorder.held_event(event, self.scheduler.now, label)

    def _observer(self, inbound: ChaosPipeline | None = None) -> Callable[[Event], None]:
        """What sees every delivered event: the log, then the monitors, then ``after=`` triggers."""
        delivered = self.recorder.delivered
        monitors = self.monitors.observe
        arrival = ArrivalClock(self.scheduler)
        pipeline = self.pipeline

        def observe(event: Event) -> None:
            delivered(event, arrival(event))
            monitors(event)
            if pipeline.watching:
                pipeline.observe(event)
            if inbound is not None and inbound.watching:
                inbound.observe(event)

        return observe if self.progress is None else self.progress.watching(observe)

    def _arrival(self) -> Callable[[Event], None]:
        """The handler of the run's ``*`` subscription: the observer, behind inbound chaos on
        a real bus (see :mod:`scenario_engine.runtime.inbound`)."""
        capabilities: frozenset[str] = getattr(self.bus, "capabilities", frozenset())
        # a wire format other than the engine's own may not carry the run's ids back
        foreign_wire = "codec=" in self.bus_url or bool(getattr(self.plan, "topics", ()))
        if "virtual_time" in capabilities or not (self.plan.chaos or foreign_wire):
            return self._observer()
        inbound = self.inbound = Inbound(self._id_prefix, self._inbound_pipeline)
        inbound.observe = self._observer(inbound.pipeline)
        if foreign_wire:
            echoes = inbound.echoes = Echoes()
            publish = self.bus.publish

            def sent(event: Event) -> None:
                echoes.sent(event)
                publish(event)

            self.pipeline.deliver = sent
        settle = ArrivalClock(self.scheduler).settle
        arrive = inbound.arrive

        def arriving(event: Event) -> None:
            settle(event)  # chaos may delay it: its time is then its delivery's
            arrive(event)

        return arriving

    def _inbound_pipeline(self, deliver: Callable[[Event], None]) -> ChaosPipeline:
        return ChaosPipeline(
            self.plan.chaos,
            registry=self.registry,
            rngs=self.rngs,
            scheduler=self.scheduler,
            deliver=deliver,
            dropped=self._dropped,
            phase=lambda: self.phase,
            new_id=self.new_id,
            held=self._held,
            direction="inbound",
        )

    def subscribe_local(self, pattern: str, handler: Callable[[Event], None]) -> None:
        """Subscribe a system, a ``do`` step or a relay: inbound events reach it after chaos."""
        if self.inbound is not None:
            handler = self.inbound.local(pattern, handler)
        self.bus.subscribe(pattern, handler)

    def _assertion_failed(self, result: AssertionResult) -> None:
        self.failures.append(result)
        logger.bind(assertion=result.label).info("assertion failed early")
        if self.options.fail_fast:
            self.scheduler.stopped = True

    def handler_error(self, label: str, event: Event, err: BaseException) -> None:
        """A system under test raised in a handler: a step error; the run goes on unless
        fail-fast."""
        message = (
            f"system {label} raised {type(err).__name__}: {err} "
            f"while handling #{event.seq} {event.topic}"
        )
        self.errors.append(message)
        self.steps.append(
            StepResult(
                index=-1,
                kind="system",
                name=label,
                status="error",
                started=self.scheduler.now,
                ended=self.scheduler.now,
                message=message,
                detail=traceback_excerpt(err),
            )
        )
        if self.options.fail_fast:
            self.scheduler.stopped = True

    def _plan_watchers(self, plan: Plan) -> dict[int, tuple[int, Watcher]]:
        """Each wait_for starts watching when the step before it starts (a reply can
        arrive while its request is being published)."""
        out: dict[int, tuple[int, Watcher]] = {}
        for i, step in enumerate(plan.steps):
            if isinstance(step, WaitForStep):
                where = compile_where(thaw(step.where)) if step.where is not None else None
                arm_at = i - 1
                while arm_at >= 0 and isinstance(plan.steps[arm_at], WaitForStep):
                    arm_at -= 1
                out[i] = (max(arm_at, -1), Watcher(step.topic, where))
        return out

    def _arm_watchers(self, step_index: int) -> None:
        for arm_at, watcher in self.watchers.values():
            if arm_at == step_index:
                self.monitors.watch(watcher)

    # ------------------------------------------------------------------ the run

    def execute(self) -> RunResult:
        """Run every step, then settle, finish the monitors and write the report."""
        interrupted = False
        infrastructure: InfrastructureError | None = None
        try:
            self.bus.connect()
            self.bus.subscribe("*", self._arrival())
            declare = getattr(self.bus, "declare", None)
            if declare is not None:  # read what the verdicts judge from the first moment
                declare(judged_topics(self.plan, self.monitors.topics()))
            self._start_systems()
            self._start_relays()
            self.services.start()
            if self.lifecycle.begin():
                self._wake_monitors()
                self._arm_watchers(-1)
                self.windows.begin()
                self._run_steps()
                self.step_index = len(self.plan.steps)
                self._settle()
            else:
                for index in range(len(self.plan.steps)):
                    self._skip(index)
        except KeyboardInterrupt:
            interrupted = True
        except InfrastructureError as err:
            infrastructure = err
            self.errors.append(str(err))
        except _StopRun:
            pass
        finally:
            result = self._finish(interrupted, infrastructure)
        if infrastructure is not None:
            raise infrastructure
        return result

    def _wake_monitors(self) -> None:
        if self.plan.lifecycle.requires:
            self.monitors.wake(None)
            for step in self.plan.steps:
                if isinstance(step, CheckStep):
                    self.monitors.wake(step.name)

    def _start_systems(self) -> None:
        if not self.options.systems:
            return
        for i, node in enumerate(self.plan.systems):
            label = node.target.target
            try:
                factory = node.target.resolve()
            except PlanError:
                raise
            except Exception as err:
                raise PlanError(
                    [
                        Problem(
                            f"systems[{i}]",
                            f"cannot import system {label!r}: {type(err).__name__}: {err}",
                            "check the module path and that it is importable from here",
                        )
                    ]
                ) from err
            # a system may say which topics it publishes: silence on one of them is a verdict
            self.monitors.census.declare(getattr(factory, "publishes", ()))
            try:
                factory(EngineBus(self, label), **thaw(node.params))
            except (Exception, SystemExit) as err:
                self.errors.append(f"system {label} failed to start: {err}")
                self.steps.append(
                    StepResult(
                        index=-1,
                        kind="system",
                        name=label,
                        status="error",
                        started=0.0,
                        ended=0.0,
                        message=f"system {label} failed to start: {type(err).__name__}: {err}",
                        detail=traceback_excerpt(err),
                    )
                )
                self.scheduler.stopped = True  # no step runs against a system that is not up
                return

    def _start_relays(self) -> None:
        for relay in self.plan.relays:
            target = relay.target

            def forward(event: Event, target: str = target) -> None:
                self.send(
                    attrs.evolve(
                        event, topic=target, id=self.new_id(), seq=0, source="relay", marks=(),
                        arrived=None, broker_time=None,
                    )
                )

            self.subscribe_local(relay.source, forward)

    def _deadline(self) -> float:
        return self.plan.timeout if self.plan.timeout is not None else float("inf")

    def _run_steps(self) -> None:
        try:
            for index, step in enumerate(self.plan.steps):
                if self.scheduler.stopped:
                    self._skip(index)
                    continue
                self._arm_watchers(index)
                self.step_index = index
                handler = STEP_HANDLERS.get(type(step))
                if handler is None:
                    raise PlanError(
                        [
                            Problem(
                                f"steps[{index}]",
                                f"the interpreter cannot run {type(step).__name__}",
                            )
                        ]
                    )
                started = self.scheduler.now
                logger.bind(step=index).debug(
                    "step {} starts at {:.3f}s", step_label(step), started
                )
                if isinstance(step, PhaseStep):
                    self.windows.phase_started(step.name)
                try:
                    result = handler(self, step, index)
                except (ScenarioError, _StopRun):
                    raise
                except (Exception, SystemExit) as err:  # a bug: this step's error, and the end
                    message = (
                        f"{type(err).__name__} in step {step_kind(step)} "
                        f"{step_label(step)!r}: {err}"
                    )
                    self.errors.append(message)
                    self.scheduler.stopped = True
                    result = self.step_result(
                        step,
                        index,
                        started,
                        status="error",
                        message=message,
                        detail=traceback_excerpt(err),
                    )
                self.steps.append(result)
                if isinstance(step, PhaseStep):
                    self.windows.phase_ended(step.name)
                    self.lifecycle.snapshot(f"after {step.name}", phase_boundary=True)
                self.recorder.flush()
                if self.scheduler.now >= self._deadline():
                    self._timed_out()
                if result.status != "passed" and self.options.fail_fast:
                    self.scheduler.stopped = True
        except _StopRun:
            pass

    def _skip(self, index: int) -> None:
        step = self.plan.steps[index]
        self.steps.append(
            StepResult(
                index=index,
                kind=step_kind(step),
                name=step_label(step),
                status="skipped",
                started=self.scheduler.now,
                ended=self.scheduler.now,
            )
        )

    def _timed_out(self) -> None:
        message = f"the run reached its timeout of {self.plan.timeout:g}s"
        if message not in self.errors:
            self.errors.append(message)
        self.scheduler.stopped = True

    def advance(self, end: float, stop: Callable[[], bool] | None = None) -> bool:
        deadline = self._deadline()
        reached = self.scheduler.run_until(min(end, deadline), stop)
        if not reached and end > deadline and self.scheduler.now >= deadline:
            self._timed_out()
        return reached

    def step_result(
        self,
        step: Step,
        index: int,
        started: float,
        status: str = "passed",
        message: str = "",
        detail: str = "",
    ) -> StepResult:
        if self.scheduler.stopped and status == "passed" and self.errors:
            status = "error"
            message = message or self.errors[-1]
        return StepResult(
            index=index,
            kind=step_kind(step),
            name=step_label(step),
            status=status,
            started=started,
            ended=self.scheduler.now,
            message=message,
            detail=detail,
        )

    # ------------------------------------------------------------------ the end

    def _settle(self) -> None:
        """Deliver what chaos still holds, and (wall clock) listen for late replies."""
        if self.scheduler.stopped:
            return
        self.pipeline.finish()
        if self.inbound is not None:
            self.inbound.pipeline.finish()
        deadline = self._deadline()
        if self.clock == "virtual":
            self.scheduler.drain(limit=None if deadline == float("inf") else deadline)
        else:
            # settle is real time: late replies come at the speed of the services, not ours
            speed = getattr(self.scheduler, "speed", 1.0)
            last = self.scheduler.next_time()
            settle_until = max(self.scheduler.now, last or 0.0) + self.options.settle * speed
            self.advance(min(settle_until, deadline))
            self.scheduler.drain(limit=deadline)
        self.bus.flush()

    def _verdicts(self, interrupted: bool) -> tuple[AssertionResult, ...]:
        """Preconditions, checkpoint failures, windows, then the run's own assertions."""
        life = self.lifecycle
        if life.failed_precondition:
            return tuple(life.preconditions)
        if interrupted:
            return tuple(f for f in self.failures if f.checkpoint not in (None, PRECONDITION))
        windows = self.windows.finish()
        assertions = self.monitors.finish(None)
        skip = {None, PRECONDITION, *self.windows.labels}
        checkpoints = [f for f in self.failures if f.checkpoint not in skip]
        return tuple(checkpoints + windows + assertions)

    def _run_status(
        self,
        interrupted: bool,
        infrastructure: InfrastructureError | None,
        assertions: tuple[AssertionResult, ...],
    ) -> str:
        if interrupted:
            return "interrupted"
        if infrastructure is not None:
            return "error"
        if self.lifecycle.failed_precondition:
            return PRECONDITION_FAILED
        if self.errors or any(s.status in ("failed", "error") for s in self.steps):
            return "error" if any(s.status == "error" for s in self.steps) else "failed"
        if any(not a.passed for a in assertions):
            return "failed"
        return "passed"

    def _finish(self, interrupted: bool, infrastructure: InfrastructureError | None) -> RunResult:
        """Close the run and write its report; a Ctrl-C meanwhile waits for the report."""
        with interrupts.shielded():
            return self._conclude(interrupted, infrastructure)

    def _conclude(self, interrupted: bool, infrastructure: InfrastructureError | None) -> RunResult:
        self.services.stop()
        all_assertions = self._verdicts(interrupted)
        status = self._run_status(interrupted, infrastructure, all_assertions)
        try:  # rollbacks and teardown, whatever happened
            self.lifecycle.end(status, deviated=any(not a.passed for a in all_assertions))
        except KeyboardInterrupt:
            interrupted = True
        try:
            self.bus.close()
        except Exception as err:  # closing a broken bus must not hide the run's result
            logger.debug("closing the bus failed: {}", err)
        self.recorder.close()
        if interrupts.take_pending():
            interrupted = True
        status = self._run_status(interrupted, infrastructure, all_assertions)
        result = RunResult(
            name=self.plan.name,
            seed=self.plan.seed,
            status=status,
            bus=redact(self.bus_url),
            clock=self.clock,
            steps=tuple(self.steps),
            assertions=all_assertions,
            chaos=merge_results(
                self.pipeline.results(),
                self.inbound.pipeline.results() if self.inbound is not None else None,
                judged=not interrupted and infrastructure is None and not self.errors,
            ),
            topics=dict(self.recorder.topics),
            events_recorded=self.recorder.seq - self.recorder.dropped - self.recorder.held,
            events_dropped=self.recorder.dropped,
            events_held=self.recorder.held,
            events_released=self.recorder.released,
            virtual_duration=self.scheduler.now,
            wall_duration=time.perf_counter() - self._wall_start,
            generators=self._generator_summaries(),
            bus_stats=dict(getattr(self.bus, "stats", {}) or {}),
            report_dir=str(self.directory) if self.directory else None,
            events_path=str(self.recorder.path) if self.recorder.path else None,
            replay=self._replay_command(),
            published=self.meter.published if self.meter is not None else None,
            publish_rate=self.meter.rate if self.meter is not None else None,
            error="; ".join(self.errors),
            applications=tuple(self.pipeline.log.applications),
            snapshots=self.lifecycle.snapshot_results(),
        )
        if self.directory is not None:
            from scenario_engine.report.json_report import write_report

            write_report(result, self.directory / "report.json")
        return result

    def _replay_command(self) -> str:
        source = self.options.source
        if source is None:
            return ""
        parts = [
            "scenario",
            "play",
            str(source),
            "-k",
            self.plan.name,
            "--seed",
            str(self.plan.seed),
        ]
        for name, value in self.options.variables.items():
            parts += ["--var", f"{name}={value}"]
        for module in self.options.trust:
            parts += ["--trust", module]
        if self.options.bus:
            parts += ["--bus", redact(self.options.bus)]
        if self.options.clock:
            parts += ["--clock", self.options.clock]
        if not self.options.systems:
            parts.append("--no-system")
        return " ".join(_quote(p) for p in parts)


def _quote(part: str) -> str:
    import shlex

    return shlex.quote(part)

