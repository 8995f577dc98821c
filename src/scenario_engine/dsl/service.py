"""The arguments of ``Scenario.service(...)``, checked one by one and turned into a node."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from scenario_engine.dsl.spec import SpecError
from scenario_engine.durations import DurationError, parse_duration
from scenario_engine.errors import Problem
from scenario_engine.plan.nodes import ServiceNode
from scenario_engine.plan.services import READY_KINDS, service_problems
from scenario_engine.plan.values import FrozenMap

__all__ = ["service_node"]

_READY_HINT = (
    "ready={'line': r'Application started'}, ready={'topic': 'orders.ready'} or ready=8080"
)


def _command(command: Any, where: str) -> str:
    if isinstance(command, str) and command.strip():
        return command
    if (isinstance(command, Sequence) and not isinstance(command, str) and command
            and all(isinstance(part, str) for part in command)):
        return shlex.join(command)
    raise SpecError([Problem(where, f"command must be a command line or a list of arguments "
                                    f"(got {command!r})", "'faststream run orders:app'")])


def _ready(ready: Any, where: str) -> dict[str, Any]:
    if ready is None:
        return {}
    if isinstance(ready, int) and not isinstance(ready, bool):
        return {"ready_port": ready}
    if isinstance(ready, Mapping) and len(ready) == 1:
        ((kind, value),) = ready.items()
        if kind in READY_KINDS:
            return {f"ready_{kind}": value}
    raise SpecError([Problem(where, f"ready must name one of {', '.join(READY_KINDS)} "
                                    f"(got {ready!r})", _READY_HINT)])


def _topics(value: Any, where: str) -> tuple[str, ...]:
    topics = (value,) if isinstance(value, str) else value
    if isinstance(topics, Sequence) and all(isinstance(t, str) and t for t in topics):
        return tuple(topics)
    raise SpecError([Problem(where, f"publishes must list topic names (got {value!r})",
                             "publishes=('order.accepted', 'order.rejected')")])


def _seconds(value: Any, name: str, where: str) -> float:
    try:
        return parse_duration(value)
    except DurationError as err:
        raise SpecError([Problem(where, f"{name}: {err}")]) from None


def service_node(
    command: Any,
    *,
    where: str,
    name: str | None = None,
    env: Mapping[str, Any] | None = None,
    cwd: str | None = None,
    ready: Any = None,
    ready_timeout: Any = 30.0,
    grace: Any = 5.0,
    publishes: Any = (),
) -> ServiceNode:
    """The node for one service; raises :class:`SpecError` naming the bad argument."""
    text = _command(command, where)
    if env is not None and not isinstance(env, Mapping):
        raise SpecError(
            [Problem(where, f"env must be a mapping of names to strings (got {env!r})")]
        )
    node = ServiceNode(
        command=text,
        name=name or "",
        env=FrozenMap(dict(env or {})),
        cwd=None if cwd is None else str(cwd),
        ready_timeout=_seconds(ready_timeout, "ready_timeout", where),
        grace=_seconds(grace, "grace", where),
        publishes=_topics(publishes, where),
        **_ready(ready, where),
    )
    from scenario_engine.plan.nodes import Plan

    problems = service_problems(Plan(name="-", services=(node,)))
    if problems:
        raise SpecError([Problem(where, f"{p.where.removeprefix('services[0]').lstrip('.')}"
                                        f"{': ' if p.where != 'services[0]' else ''}{p.message}",
                                 p.hint) for p in problems])
    return node
