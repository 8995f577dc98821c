"""IR nodes for a run's lifecycle and for assertions judged over windows of it.

A run goes: setup hooks, preconditions judged on a chaos-free warm-up, the
``before`` snapshots, the steps, the ``after`` snapshots, rollbacks (by
strategy), teardown hooks (always). These nodes say what to call at each
point; the runtime (``runtime/lifecycle.py``) says when.
"""

from __future__ import annotations

from typing import Literal

import attrs

from scenario_engine.plan.values import CallableRef

__all__ = [
    "CHAOS_WINDOW",
    "ROLLBACK_STRATEGIES",
    "WINDOW_KINDS",
    "HookNode",
    "Lifecycle",
    "RollbackNode",
    "SnapshotNode",
    "WindowNode",
]

#: Chaos Toolkit's rollback strategies: run on failure, always, never, or when the
#: steady state deviated (an assertion failed)
ROLLBACK_STRATEGIES = ("failure", "always", "never", "deviated")
#: where a windowed assertion looks, relative to a phase (or the chaos window)
WINDOW_KINDS = ("before", "during", "after")
#: the window from the start of the first phase chaos is limited to, to the end of the last
CHAOS_WINDOW = "chaos"

RollbackWhen = Literal["failure", "always", "never", "deviated"]
WindowKind = Literal["before", "during", "after"]


@attrs.frozen(kw_only=True)
class HookNode:
    """A callable run at one point of the lifecycle; ``timeout`` is real seconds."""

    fn: CallableRef
    name: str = ""
    timeout: float | None = None


@attrs.frozen(kw_only=True)
class SnapshotNode:
    """A probe ``fn(ctx) -> JSON data`` taken before and after the steps (and, with
    ``every_phase``, after each phase), stored and compared."""

    name: str
    fn: CallableRef
    every_phase: bool = False


@attrs.frozen(kw_only=True)
class RollbackNode:
    """A callable undoing what the run did, called when ``when`` says."""

    fn: CallableRef
    when: str = "failure"
    name: str = ""
    timeout: float | None = None


@attrs.frozen(kw_only=True)
class Lifecycle:
    """Everything around the steps. ``warmup`` None: three generator periods."""

    setup: tuple[HookNode, ...] = ()
    teardown: tuple[HookNode, ...] = ()
    requires: tuple[Ref, ...] = ()
    warmup: float | None = None
    snapshots: tuple[SnapshotNode, ...] = ()
    rollbacks: tuple[RollbackNode, ...] = ()


@attrs.frozen(kw_only=True)
class WindowNode:
    """An assertion judged only on what is delivered ``window`` (before, during, after)
    the phase ``of`` (or the chaos window); ``group`` names a steady-state hypothesis."""

    assertion: Ref
    window: str
    of: str = CHAOS_WINDOW
    group: str = ""


from scenario_engine.plan.nodes import Ref  # noqa: E402  (Ref lives with the other nodes)
