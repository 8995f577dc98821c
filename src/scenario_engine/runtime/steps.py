"""How each kind of step runs: one function per plan node type, in one dispatch table.

A handler gets the run and its step, advances the run's clock as far as the
step needs, and returns the step's result; anything it raises that is not a
:class:`~scenario_engine.errors.ScenarioError` becomes that step's error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from scenario_engine.errors import PlanError, Problem
from scenario_engine.events import NO_HEADERS, Event, TopicPattern
from scenario_engine.plan.nodes import (
    CheckStep,
    DoStep,
    GenerateStep,
    GeneratorNode,
    PhaseStep,
    PublishStep,
    ReplayStep,
    Step,
    WaitForStep,
)
from scenario_engine.report import rundir
from scenario_engine.report.model import StepResult
from scenario_engine.runtime.generation import GeneratorState, ticks_in
from scenario_engine.runtime.system_bus import StepContext, traceback_excerpt
from scenario_engine.templates import compile_template, iso_timestamp

if TYPE_CHECKING:
    from scenario_engine.runtime.interpreter import Run

__all__ = ["STEP_HANDLERS", "StepHandler", "step_kind", "step_label"]

StepHandler = Callable[[Any, Any, int], StepResult]


def run_phase(run: Run, step: PhaseStep, index: int) -> StepResult:
    scheduler = run.scheduler
    start = scheduler.now
    period = run.period
    span = step.cycles * period if step.cycles is not None else float(step.duration or 0)
    first_cycle = run.cycle
    run.phase = step.name
    for gen in run.generators:
        gen.enter_phase(step, index, run.registry, run.rngs)
        if gen.arrivals is not None:
            _ShapedTicker(run, gen, step.name, start, span, first_cycle).schedule()
            continue
        count = ticks_in(span, gen.every)
        if count:
            _schedule_tick(run, gen, step.name, start, 0, count, first_cycle)
    run.advance(start + span)
    for gen in run.generators:
        if gen.arrivals is not None:
            gen.active += span
            gen.rates[-1].elapsed = scheduler.current() - start
    run.cycle = first_cycle + ticks_in(span, period)
    run.phase = None
    return run.step_result(step, index, start)


def _schedule_tick(
    run: Run, gen: GeneratorState, phase: str, start: float, k: int, count: int, first_cycle: int
) -> None:
    _Ticker(run, gen, phase, start, count, first_cycle).schedule(k)


def run_generate(run: Run, step: GenerateStep, index: int) -> StepResult:
    start = run.scheduler.now
    for _ in range(step.count):
        for gen in run.generators:
            send_all(
                run,
                gen.tick(run.phase or "generate", run.cycle, 0, 1.0, run.scheduler.now, run.new_id),
            )
    return run.step_result(step, index, start)


def send_all(run: Run, out: Event | list[Event]) -> None:
    """Send what a generator tick made: one event, or each of a Batch's."""
    if isinstance(out, list):
        for event in out:
            run.send(event)
    else:
        run.send(out)


def _template(run: Run, step: PublishStep) -> Callable[[Mapping[str, Any]], Any]:
    key = id(step)
    compiled = run.templates.get(key)
    if compiled is None:
        compiled = compile_template(step.payload)
        run.templates[key] = compiled
    return compiled


def _publisher(run: Run, step: PublishStep, index: int) -> GeneratorState:
    """The generator a publish step names, with a random stream of the step's own."""
    state = run.publishers.get(index)
    if state is None:
        assert step.generator is not None
        node = GeneratorNode(ref=step.generator, topic=step.topic, key=step.key)
        state = GeneratorState(index, node, run.registry, run.rngs, where=f"steps[{index}]")
        state.rng = run.rngs.derive(f"publish/{index}/{state.identity}")
        bind = getattr(state.generator, "bind", None)
        if bind is not None:
            bind(run.variables, epoch=run.scheduler.epoch)
        run.publishers[index] = state
    return state


def run_publish(run: Run, step: PublishStep, index: int) -> StepResult:
    scheduler = run.scheduler
    start = scheduler.now
    if step.generator is not None:
        return _publish_generated(run, step, index)
    render = _template(run, step)
    headers = dict(step.headers) if step.headers else NO_HEADERS
    problems: list[str] = []

    def fire(i: int) -> None:
        context = {
            **run.template_variables,
            "index": i,
            "cycle": run.cycle,
            "time": scheduler.now,
            "timestamp": iso_timestamp(scheduler.epoch + scheduler.now),
            "seed": run.plan.seed,
        }
        try:
            payload = render(context)
        except KeyError as err:
            problems.append(str(err.args[0]) if err.args else str(err))
            scheduler.stopped = True
            return
        run.send(
            Event(
                step.topic,
                payload,
                step.key,
                headers,
                run.new_id(),
                scheduler.now,
                0,
                run.cycle,
                "engine",
            )
        )

    for i in range(step.repeat):
        scheduler.call_at(start + step.delay + i * step.interval, partial(fire, i))
    run.advance(start + step.delay + (step.repeat - 1) * step.interval)
    if problems:
        raise PlanError(
            [
                Problem(
                    f"steps[{index}].payload",
                    problems[0],
                    "define it with .vars(...) or --var name=value",
                )
            ]
        )
    return run.step_result(step, index, start)


def _publish_generated(run: Run, step: PublishStep, index: int) -> StepResult:
    scheduler = run.scheduler
    start = scheduler.now
    state = _publisher(run, step, index)
    headers = dict(step.headers) if step.headers else NO_HEADERS

    def fire(i: int) -> None:
        out = state.tick(run.phase or "publish", run.cycle, i, 1.0, scheduler.now, run.new_id)
        for event in out if isinstance(out, list) else (out,):
            if headers:
                event.headers = headers
            run.send(event)

    for i in range(step.repeat):
        scheduler.call_at(start + step.delay + i * step.interval, partial(fire, i))
    run.advance(start + step.delay + (step.repeat - 1) * step.interval)
    return run.step_result(step, index, start)


def run_wait_for(run: Run, step: WaitForStep, index: int) -> StepResult:
    start = run.scheduler.now
    _, watcher = run.watchers[index]
    try:
        if watcher.hit is None:
            run.advance(start + step.timeout, lambda: watcher.hit is not None)
    finally:
        run.monitors.unwatch(watcher)
    if watcher.hit is not None:
        return run.step_result(
            step, index, start, message=f"got #{watcher.hit.seq} at {watcher.hit.time:.3f}s"
        )
    if watcher.others:
        seen = ", ".join(
            f"{topic} x{n}"
            for topic, n in sorted(watcher.others.items(), key=lambda item: (-item[1], item[0]))[:5]
        )
        instead = f"saw instead: {seen}"
    else:
        instead = "nothing was delivered meanwhile"
    message = f"wait_for({step.topic!r}) timed out after {step.timeout:g}s; {instead}"
    run.errors.append(message)
    return run.step_result(step, index, start, status="failed", message=message)


def run_do(run: Run, step: DoStep, index: int) -> StepResult:
    from scenario_engine.runtime.lifecycle import HookTimeout, call_with_timeout

    start = run.scheduler.now
    try:
        fn = step.fn.resolve()
        call_with_timeout(fn, StepContext(run, step.name), step.timeout)
    except (Exception, SystemExit) as err:  # sys.exit in a step ends the step, not the run
        timed_out = isinstance(err, HookTimeout)
        if isinstance(err, SystemExit):
            message = f"do({step.name}) called sys.exit({err.code!r})"
        else:
            what = "timed out" if timed_out else f"raised {type(err).__name__}"
            message = f"do({step.name}) {what}: {err}"
        if not step.critical:  # noted, and the scenario goes on: it does not fail the run
            return run.step_result(
                step, index, start, status="tolerated", message=f"{message} (not critical)",
                detail="" if timed_out else traceback_excerpt(err),
            )
        run.errors.append(message)
        run.scheduler.stopped = True  # a critical step that raised stops the scenario
        return run.step_result(
            step, index, start, status="error", message=message,
            detail="" if timed_out else traceback_excerpt(err),
        )
    return run.step_result(step, index, start)


def run_check(run: Run, step: CheckStep, index: int) -> StepResult:
    start = run.scheduler.now
    results = run.monitors.finish(step.name)
    failed = [r for r in results if not r.passed]
    for result in failed:
        _note_failure(run.failures, result)
    if failed:
        message = f"{len(failed)} of {len(results)} assertion(s) failed: " + "; ".join(
            r.label for r in failed
        )
        return run.step_result(step, index, start, status="failed", message=message)
    return run.step_result(step, index, start)


def _note_failure(failures: list[Any], result: Any) -> None:
    """Add a checkpoint's failure once: an early failure comes back from the checkpoint with
    its statistics and text brought up to date, and replaces the one noted when it failed."""
    for i, known in enumerate(failures):
        if known == result:
            return
        if (known.label, known.checkpoint, known.at) == (
            result.label,
            result.checkpoint,
            result.at,
        ):
            failures[i] = result
            return
    failures.append(result)


class _Ticker:
    """One generator's ticks through one phase: each tick schedules the next."""

    __slots__ = (
        "_fire",
        "count",
        "every",
        "first_cycle",
        "gen",
        "k",
        "last",
        "period",
        "phase",
        "run",
        "start",
    )

    def __init__(
        self, run: Run, gen: GeneratorState, phase: str, start: float, count: int, first_cycle: int
    ) -> None:
        self.run = run
        self.gen = gen
        self.phase = phase
        self.start = start
        self.count = count
        self.first_cycle = first_cycle
        self.every = gen.every
        self.period = run.period
        self.last = max(count - 1, 1)
        self.k = 0
        self._fire = self.fire

    def schedule(self, k: int) -> None:
        self.k = k
        self.run.scheduler.call_at(self.start + k * self.every, self._fire)

    def fire(self) -> None:
        k = self.k
        run = self.run
        cycle = self.first_cycle + int(k * self.every / self.period + 1e-9)
        run.cycle = cycle
        progress = k / self.last if self.count > 1 else 1.0
        event = self.gen.tick(self.phase, cycle, k, progress, run.scheduler.now, run.new_id)
        if k + 1 < self.count:
            self.schedule(k + 1)
        if isinstance(event, list):
            send_all(run, event)
        else:
            run.send(event)


class _ShapedTicker:
    """A shaped generator's arrivals through one phase: each one schedules the next."""

    __slots__ = ("_fire", "due", "end", "first_cycle", "gen", "offset", "phase", "rate", "run",
                 "span", "start", "wall")

    def __init__(
        self, run: Run, gen: GeneratorState, phase: str, start: float, span: float,
        first_cycle: int,
    ) -> None:
        self.run = run
        self.gen = gen
        self.phase = phase
        self.start = start
        self.span = span
        self.first_cycle = first_cycle
        self.offset = start - gen.active  # clock time = active time + offset, in this phase
        self.end = gen.active + span
        self.rate = gen.begin_shaped_phase(phase, span)
        self.wall = run.scheduler.kind == "wall"
        self.due = 0.0
        self._fire = self.fire

    def schedule(self) -> None:
        due = self.gen.next_arrival
        if due < self.end:
            self.due = self.offset + due
            self.run.scheduler.call_at(self.due, self._fire)

    def fire(self) -> None:
        run = self.run
        now = run.scheduler.now
        if self.wall:
            self.rate.lags.append(max(0.0, run.scheduler.current() - self.due))
        elapsed = now - self.start
        cycle = self.first_cycle + int(elapsed / run.period + 1e-9)
        run.cycle = cycle
        progress = min(1.0, elapsed / self.span) if self.span else 1.0
        event = self.gen.tick(self.phase, cycle, self.rate.events, progress, now, run.new_id)
        self.rate.events += 1
        self.gen.next_arrival = self.gen.arrivals.next_time()  # type: ignore[union-attr]
        self.schedule()
        send_all(run, event)


def step_kind(step: Step) -> str:
    return {
        PhaseStep: "phase",
        PublishStep: "publish",
        WaitForStep: "wait_for",
        DoStep: "do",
        CheckStep: "check",
        GenerateStep: "generate",
        ReplayStep: "replay",
    }.get(type(step), type(step).__name__)


def step_label(step: Step) -> str:
    if isinstance(step, PhaseStep):
        return step.name
    if isinstance(step, PublishStep | WaitForStep):
        return step.topic
    if isinstance(step, DoStep | CheckStep):
        return step.name
    if isinstance(step, GenerateStep):
        return f"generate x{step.count}"
    if isinstance(step, ReplayStep):
        return step.path
    return type(step).__name__


#: on the wall clock, the first replayed event goes out this long after the step starts:
#: a bus's first reads and writes (threads starting, streams found) then delay nothing
#: the recording's timing depends on (measured: the first event 3 to 5 ms late without it)
WALL_LEAD = 0.2


def run_replay(run: Run, step: ReplayStep, index: int) -> StepResult:
    """Publish recorded events again, each at its recorded offset from the first one;
    ``loop`` passes one after the other, a mean gap apart."""
    start = run.scheduler.now
    try:
        recorded = read_replay(rundir.resolve(Path(step.path)), step.topics, step.sources)
    except (OSError, ValueError) as err:
        raise PlanError(
            [
                Problem(
                    f"steps[{index}].path",
                    f"cannot read {step.path!r}: {err}",
                    "give the events.jsonl of an earlier run",
                )
            ]
        ) from err
    if not recorded:
        return run.step_result(step, index, start, message="nothing matched to replay")
    first = recorded[0]["t"]
    span = (recorded[-1]["t"] - first) / step.speed
    gap = span / (len(recorded) - 1) if len(recorded) > 1 else 0.0
    loops = getattr(step, "loop", 1)
    pauser = run.options.pauser
    if pauser is not None:
        pauser.expect(len(recorded) * loops)
    lead = WALL_LEAD if run.clock == "wall" else 0.0
    speed = step.speed
    times = [start + lead + (line["t"] - first) / speed for line in recorded]
    for k in range(loops):
        _Cursor(run, recorded, times, k * (span + gap), pauser).schedule(0)
    run.advance(start + lead + (loops - 1) * (span + gap) + span)
    passes = f" x{loops}" if loops > 1 else ""
    return run.step_result(
        step, index, start, message=f"replayed {len(recorded)} event(s){passes}"
    )


class _Cursor:
    """One pass over a recording: publishes an event, then schedules the next one, so the
    scheduler holds one entry per pass rather than one per recorded event."""

    __slots__ = ("lines", "offset", "pauser", "run", "times")

    def __init__(
        self,
        run: Run,
        lines: list[dict[str, Any]],
        times: list[float],
        offset: float,
        pauser: Any,
    ) -> None:
        self.run = run
        self.lines = lines
        self.times = times
        self.offset = offset
        self.pauser = pauser

    def schedule(self, i: int) -> None:
        self.run.scheduler.call_at(self.times[i] + self.offset, partial(self.fire, i))

    def fire(self, i: int) -> None:
        times, offset, call_at = self.times, self.offset, self.run.scheduler.call_at
        last = len(self.lines) - 1
        _publish_recorded(self.run, self.lines[i], self.pauser)
        # events recorded at the same instant go out together, in their recorded order
        while i < last and times[i + 1] == times[i]:
            i += 1
            _publish_recorded(self.run, self.lines[i], self.pauser)
        if i < last:
            call_at(times[i + 1] + offset, partial(self.fire, i + 1))


def _publish_recorded(run: Run, line: Mapping[str, Any], pauser: Any = None) -> None:
    if pauser is not None:
        pauser.before_publish(run.scheduler)
    run.send(
        Event(
            line["topic"],
            line.get("payload"),
            line.get("key"),
            line.get("headers") or NO_HEADERS,
            run.new_id(),
            run.scheduler.now,
            0,
            run.cycle,
            "replay",
        )
    )


#: log lines that are not deliveries (a held event's delivery is its ``released`` line)
_NOT_DELIVERED = frozenset({"dropped", "held"})


def read_replay(
    path: Path, topics: tuple[str, ...], sources: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The delivered events of a log that match ``topics`` and ``sources``, in log order."""
    wanted = TopicPattern(topics)
    out = []
    with path.open("rb") as log:
        for raw in log:
            if not raw.endswith(b"\n"):
                break  # a torn last line: the recording process died mid-write
            line = orjson.loads(raw)
            if line.get("status") in _NOT_DELIVERED or not wanted(line["topic"]):
                continue
            if sources and line.get("source") not in sources:
                continue
            out.append(line)
    return out


#: plan node type -> the function that runs it
STEP_HANDLERS: Mapping[type, StepHandler] = {
    PhaseStep: run_phase,
    PublishStep: run_publish,
    WaitForStep: run_wait_for,
    DoStep: run_do,
    CheckStep: run_check,
    GenerateStep: run_generate,
    ReplayStep: run_replay,
}
