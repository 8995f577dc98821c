"""The lifecycle part of ``scenario show``'s outline: hooks, preconditions, snapshots,
rollbacks and windowed assertions, as the DSL would write them."""

from __future__ import annotations

from collections.abc import Iterator

from scenario_engine.plan.lifecycle import HookNode, RollbackNode
from scenario_engine.plan.nodes import Plan

__all__ = ["lifecycle_lines"]


def _hook(hook: HookNode | RollbackNode) -> str:
    from scenario_engine.durations import format_duration

    timeout = f" (timeout {format_duration(hook.timeout)})" if hook.timeout else ""
    return f"{hook.name or hook.fn.target} ({hook.fn.target}){timeout}"


def lifecycle_lines(plan: Plan) -> Iterator[str]:
    from scenario_engine.durations import format_duration
    from scenario_engine.plan.describe import describe_ref

    life = plan.lifecycle
    for hook in life.setup:
        yield f"  setup: {_hook(hook)}"
    if life.requires:
        warmup = format_duration(life.warmup) if life.warmup else "3 generator periods"
        yield f"  require (warm-up {warmup}, no chaos):"
        for ref in life.requires:
            yield f"    {describe_ref(ref)}"
    for snap in life.snapshots:
        every = ", after every phase" if snap.every_phase else ""
        yield f"  snapshot {snap.name}: {snap.fn.target} (before and after{every})"
    if plan.windows:
        yield "  expect over windows:"
        for node in plan.windows:
            group = f"  [{node.group}]" if node.group else ""
            yield f"    {describe_ref(node.assertion)}  {node.window} {node.of}{group}"
    for rollback in life.rollbacks:
        yield f"  rollback on {rollback.when}: {_hook(rollback)}"
    for hook in reversed(life.teardown):
        yield f"  teardown: {_hook(hook)}"
