"""What happens around a run's steps: setup, preconditions on a chaos-free warm-up,
snapshots, rollbacks by strategy, and teardown, which runs whatever happened.

The interpreter calls :meth:`Lifecycle.begin` before the steps and
:meth:`Lifecycle.end` from its ``finally``; every hook's outcome is a
:class:`StepResult` of the run (kind ``setup``, ``teardown``, ...), so a
failing hook shows in the report where steps do.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from loguru import logger

from scenario_engine.plan.lifecycle import HookNode, RollbackNode
from scenario_engine.plan.nodes import PhaseStep
from scenario_engine.report.model import AssertionResult, StepResult
from scenario_engine.report.snapshots import SnapshotResult, json_diff
from scenario_engine.runtime.system_bus import StepContext, traceback_excerpt

if TYPE_CHECKING:
    from scenario_engine.runtime.interpreter import Run

__all__ = ["PRECONDITION", "PRECONDITION_FAILED", "HookTimeout", "Lifecycle", "call_with_timeout"]

#: the checkpoint name of precondition monitors, and the run status when one fails
PRECONDITION = "precondition"
PRECONDITION_FAILED = "precondition failed"


class HookTimeout(Exception):  # noqa: N818 - reads as what happened
    """A hook or ``do`` step outlived its ``timeout``."""


def call_with_timeout(fn: Callable[[Any], Any], ctx: Any, timeout: float | None) -> Any:
    """``fn(ctx)``; with a timeout, in a worker thread that is abandoned (a daemon) if it
    outlives it: Python cannot stop a thread, but the run must go on to its teardown."""
    if timeout is None:
        return fn(ctx)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = fn(ctx)
        except BaseException as err:  # handed to the caller's thread
            box["error"] = err

    worker = threading.Thread(target=target, name="scenario-hook", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise HookTimeout(f"did not finish within {timeout:g}s")
    if "error" in box:
        raise box["error"]
    return box.get("value")


class Lifecycle:
    """The lifecycle of one run (its plan's ``lifecycle`` node)."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.node = run.plan.lifecycle
        self.started = False
        self.failed_precondition = False
        self.preconditions: list[AssertionResult] = []
        self._taken: dict[str, dict[str, Any]] = {}
        self._files: dict[str, dict[str, str]] = {}
        self._errors: dict[str, str] = {}
        #: real seconds spent in setup and the warm-up (not in any step)
        self.setup_seconds = 0.0

    # ------------------------------------------------------------------ hooks

    def _call(self, kind: str, hook: HookNode | RollbackNode) -> bool:
        """Run one hook and record its result; False when it raised or timed out."""
        run = self.run
        started = run.scheduler.now
        label = hook.name or hook.fn.target
        try:
            call_with_timeout(hook.fn.resolve(), StepContext(run, label), hook.timeout)
        except KeyboardInterrupt:
            raise
        except (Exception, SystemExit) as err:  # sys.exit in a hook is that hook's error
            if isinstance(err, SystemExit):
                what = f"called sys.exit({err.code!r})"
            elif isinstance(err, HookTimeout):
                what = f"timed out: {err}"
            else:
                what = f"raised {type(err).__name__}: {err}"
            message = f"{kind}({label}) {what}"
            run.errors.append(message)
            run.steps.append(
                StepResult(
                    -1,
                    kind,
                    label,
                    "error",
                    started,
                    run.scheduler.now,
                    message,
                    "" if isinstance(err, HookTimeout) else traceback_excerpt(err),
                )
            )
            logger.bind(hook=label).warning("{} failed: {}", kind, err)
            return False
        run.steps.append(StepResult(-1, kind, label, "passed", started, run.scheduler.now))
        return True

    def begin(self) -> bool:
        """Setup, then preconditions on the warm-up, then the ``before`` snapshots.

        False when the steps must not run: a setup hook failed (an error) or a
        precondition did not hold ("precondition failed").
        """
        wall = time.perf_counter()
        self.started = True
        try:
            for hook in self.node.setup:
                if not self._call("setup", hook):
                    return False
            if self.node.requires and not self._warm_up():
                self.failed_precondition = True
                return False
            self.snapshot("before")
            return True
        finally:
            self.setup_seconds = time.perf_counter() - wall

    def _warm_up(self) -> bool:
        """Run the generators (no profile) for the warm-up with chaos out of the way, feed
        the preconditions, judge them. The scenario's own monitors sleep meanwhile."""
        run = self.run
        for i, ref in enumerate(self.node.requires):
            run.monitors.add(ref, where=f"lifecycle.requires[{i}]", checkpoint=PRECONDITION)
        span = self.node.warmup if self.node.warmup is not None else 3 * run.period
        from scenario_engine.runtime.steps import run_phase

        send = run.send
        run.send = run.pipeline.deliver  # straight to the bus: no chaos before the checks pass
        try:
            run_phase(run, PhaseStep(name="warmup", duration=span), -1)
        finally:
            run.send = send
        run.cycle = 0  # at_cycle counts the scenario's own cycles
        self.preconditions = run.monitors.finish(PRECONDITION)
        held = all(r.passed for r in self.preconditions)
        message = (
            ""
            if held
            else "did not hold: " + "; ".join(r.label for r in self.preconditions if not r.passed)
        )
        run.steps.append(
            StepResult(
                -1,
                "precondition",
                f"warm-up {span:g}s",
                "passed" if held else "failed",
                0.0,
                run.scheduler.now,
                message,
            )
        )
        return held

    # ------------------------------------------------------------------ snapshots

    def snapshot(self, point: str, *, phase_boundary: bool = False) -> None:
        """Take every snapshot (those with ``every_phase`` only, at a phase boundary)."""
        run = self.run
        for snap in self.node.snapshots:
            if phase_boundary and not snap.every_phase:
                continue
            if snap.name in self._errors:
                continue
            try:
                data = call_with_timeout(snap.fn.resolve(), StepContext(run, snap.name), None)
                raw = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
            except Exception as err:
                message = f"snapshot {snap.name!r} at {point} failed: {type(err).__name__}: {err}"
                self._errors[snap.name] = message
                run.errors.append(message)
                run.steps.append(
                    StepResult(
                        -1,
                        "snapshot",
                        snap.name,
                        "error",
                        run.scheduler.now,
                        run.scheduler.now,
                        message,
                        traceback_excerpt(err),
                    )
                )
                continue
            self._taken.setdefault(snap.name, {})[point] = orjson.loads(raw)
            if run.directory is not None:
                folder = run.directory / "snapshots" / snap.name
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / f"{point.replace(' ', '-')}.json"
                path.write_bytes(raw + b"\n")
                self._files.setdefault(snap.name, {})[point] = str(
                    Path("snapshots", snap.name, path.name)
                )

    def snapshot_results(self) -> tuple[SnapshotResult, ...]:
        out = []
        for snap in self.node.snapshots:
            taken = self._taken.get(snap.name, {})
            changes: tuple[str, ...] = ()
            if "before" in taken and "after" in taken:
                changes = tuple(json_diff(taken["before"], taken["after"]))
            out.append(
                SnapshotResult(
                    name=snap.name,
                    files=dict(self._files.get(snap.name, {})),
                    changes=changes,
                    error=self._errors.get(snap.name, ""),
                )
            )
        return tuple(out)

    # ------------------------------------------------------------------ the end

    def end(self, status: str, deviated: bool) -> None:
        """``after`` snapshots, rollbacks by strategy, then teardowns in reverse order.

        Runs only once the lifecycle has begun (the bus was reached); a second
        Ctrl-C here ends the remaining hooks, not the report.
        """
        if not self.started:
            return
        if status not in ("interrupted", PRECONDITION_FAILED) and self._began_steps(status):
            self.snapshot("after")
        for rollback in self.node.rollbacks:
            if _rollback_applies(rollback.when, status, deviated):
                self._call("rollback", rollback)
        for hook in reversed(self.node.teardown):
            self._call("teardown", hook)

    def _began_steps(self, status: str) -> bool:
        return not any(s.kind == "setup" and s.status == "error" for s in self.run.steps)


def _rollback_applies(when: str, status: str, deviated: bool) -> bool:
    """Chaos Toolkit's strategies: ``failure`` = the run did not pass (for any reason),
    ``deviated`` = an assertion failed, ``always``, ``never``."""
    if when == "always":
        return True
    if when == "never":
        return False
    if when == "deviated":
        return deviated
    return status != "passed"
