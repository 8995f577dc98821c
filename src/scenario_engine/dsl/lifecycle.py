"""The lifecycle half of the :class:`~scenario_engine.Scenario` builder: hooks,
preconditions, snapshots, rollbacks and assertions over windows of the run.

These methods are mixed into ``Scenario``; like every builder method, each
checks its own arguments and returns a new scenario.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from scenario_engine.dsl.spec import SpecError
from scenario_engine.errors import Problem
from scenario_engine.plan.lifecycle import (
    CHAOS_WINDOW,
    ROLLBACK_STRATEGIES,
    WINDOW_KINDS,
    HookNode,
    RollbackNode,
    SnapshotNode,
    WindowNode,
)
from scenario_engine.plan.nodes import Ref

if TYPE_CHECKING:
    from scenario_engine.dsl.scenario import Scenario
    from scenario_engine.plan.nodes import Plan

__all__ = ["LifecycleMethods", "window_of"]


def _helpers() -> Any:
    from scenario_engine.dsl import scenario  # the shared argument checks live there

    return scenario


def window_of(where: str, params: dict[str, Any]) -> tuple[str, str] | None:
    """Pop ``before=`` / ``during=`` / ``after=`` from an ``expect`` call's params."""
    given = [(kind, params.pop(kind)) for kind in WINDOW_KINDS if kind in params]
    if not given:
        return None
    if len(given) > 1:
        raise SpecError(
            [Problem(where, f"give one of before=, during=, after= (got {[k for k, _ in given]})")]
        )
    kind, of = given[0]
    if not isinstance(of, str) or not of:
        raise SpecError(
            [
                Problem(
                    where, f"{kind}= must name a phase or 'chaos' (got {of!r})", f"{kind}='crash'"
                )
            ]
        )
    return kind, of


class LifecycleMethods:
    """Builder methods for what happens around the steps."""

    _plan: Plan

    def _evolve(self, **changes: Any) -> Scenario:  # provided by Scenario
        raise NotImplementedError

    def _where(self, method: str) -> str:  # provided by Scenario
        raise NotImplementedError

    def _life(self, **changes: Any) -> Scenario:
        return self._evolve(lifecycle=attrs.evolve(self._plan.lifecycle, **changes))

    def _hook(self, method: str, fn: Any, name: str | None, timeout: Any) -> HookNode:
        from scenario_engine.dsl import _arguments as arg

        h = _helpers()
        where = self._where(f"{method}(...)")
        ref = h._callable_ref(fn, where)
        name = arg.label(name, "name", where)
        seconds = None if timeout is None else h._seconds(timeout, where)
        if seconds is not None and seconds <= 0:
            raise SpecError([Problem(where, f"timeout must be > 0 (got {timeout!r})")])
        return HookNode(fn=ref, name=name or ref.target.rpartition(":")[2], timeout=seconds)

    def setup(
        self, fn: Callable[..., Any] | str, *, name: str | None = None, timeout: Any = None
    ) -> Scenario:
        """Call ``fn(ctx)`` before anything else runs; if it raises, no step runs
        (teardown still does). ``timeout`` is real time."""
        hook = self._hook("setup", fn, name, timeout)
        return self._life(setup=(*self._plan.lifecycle.setup, hook))

    def teardown(
        self, fn: Callable[..., Any] | str, *, name: str | None = None, timeout: Any = None
    ) -> Scenario:
        """Call ``fn(ctx)`` at the very end whatever happened: failure, timeout, Ctrl-C.
        Teardowns run in reverse order of declaration."""
        hook = self._hook("teardown", fn, name, timeout)
        return self._life(teardown=(*self._plan.lifecycle.teardown, hook))

    def require(self, *assertions: Any, warmup: Any = None) -> Scenario:
        """Preconditions, judged on a short chaos-free warm-up before the first step; if one
        fails the scenario is "precondition failed" and no chaos runs. ``warmup`` defaults to
        three generator periods."""
        h = _helpers()
        where = self._where("require(...)")
        if not assertions:
            raise SpecError(
                [Problem(where, "give at least one assertion", "require(Count('x', min=1))")]
            )
        refs: tuple[Ref, ...] = tuple(h._component("assertion", a, {}, where) for a in assertions)
        changes: dict[str, Any] = {"requires": (*self._plan.lifecycle.requires, *refs)}
        if warmup is not None:
            seconds = h._seconds(warmup, where)
            if seconds <= 0:
                raise SpecError([Problem(where, f"warmup must be > 0 (got {warmup!r})")])
            changes["warmup"] = seconds
        return self._life(**changes)

    def snapshot(
        self, name: str, fn: Callable[..., Any] | str, *, every_phase: bool = False
    ) -> Scenario:
        """Probe ``fn(ctx)`` (JSON data) before and after the steps, and after each phase with
        ``every_phase``; stored under ``snapshots/`` in the run directory and compared in the
        report."""
        where = self._where(f"snapshot({name!r})")
        ref = _helpers()._callable_ref(fn, where)
        node = SnapshotNode(name=name, fn=ref, every_phase=bool(every_phase))
        return self._life(snapshots=(*self._plan.lifecycle.snapshots, node))

    def rollback(
        self,
        fn: Callable[..., Any] | str,
        *,
        when: str = "failure",
        name: str | None = None,
        timeout: Any = None,
    ) -> Scenario:
        """Call ``fn(ctx)`` after the run to undo it: on ``failure`` (the run did not pass),
        ``always``, ``never``, or when the steady state ``deviated`` (an assertion failed)."""
        where = self._where("rollback(...)")
        if when not in ROLLBACK_STRATEGIES:
            raise SpecError(
                [
                    Problem(
                        where,
                        f"when must be one of {', '.join(ROLLBACK_STRATEGIES)} (got {when!r})",
                    )
                ]
            )
        hook = self._hook("rollback", fn, name, timeout)
        node = RollbackNode(fn=hook.fn, when=when, name=hook.name, timeout=hook.timeout)
        return self._life(rollbacks=(*self._plan.lifecycle.rollbacks, node))

    def steady_state(self, *assertions: Any, of: str = CHAOS_WINDOW) -> Scenario:
        """A steady-state hypothesis: each assertion is judged before, during and after the
        chaos window (or the phase ``of``) separately, three verdicts each."""
        h = _helpers()
        where = self._where("steady_state(...)")
        if not assertions:
            raise SpecError(
                [Problem(where, "give at least one assertion", "steady_state(Always(...))")]
            )
        nodes = tuple(
            WindowNode(assertion=ref, window=kind, of=of, group="steady state")
            for ref in (h._component("assertion", a, {}, where) for a in assertions)
            for kind in WINDOW_KINDS
        )
        return self._evolve(windows=(*self._plan.windows, *nodes))

    def _windowed(self, ref: Ref, window: tuple[str, str]) -> Scenario:
        node = WindowNode(assertion=ref, window=window[0], of=window[1])
        return self._evolve(windows=(*self._plan.windows, node))
