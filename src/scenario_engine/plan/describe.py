"""Render IR nodes back as the DSL calls that made them, for outlines, reports and errors.

Spec classes register here when they are defined, so a component made in a
playbook reads back as ``Delay('PriceUpdate', ms=5000, at_cycle=15)``; a
component whose spec class was never imported reads as its registry name
with keyword arguments.
"""

from __future__ import annotations

from typing import Any

import attrs

from scenario_engine.plan.nodes import ChaosNode, Ref, Triggers
from scenario_engine.plan.values import CallableRef, FrozenMap

__all__ = ["describe_chaos", "describe_ref", "register_spec", "render_value"]

#: (kind, registry name) -> (display name, positional fields)
_SPECS: dict[tuple[str, str], tuple[str, tuple[str, ...]]] = {}

_TRIGGER_DEFAULTS = Triggers()


def register_spec(kind: str, name: str, display: str, positional: tuple[str, ...]) -> None:
    """Called by spec classes as they are defined."""
    _SPECS[(kind, name)] = (display, positional)


def render_value(value: Any) -> str:
    """A value as the user wrote it: mappings as dicts, callables as their full reference
    (``os:system``, never a bare ``system`` that hides where the code comes from)."""
    if isinstance(value, CallableRef):
        return value.target
    if isinstance(value, FrozenMap):
        return "{" + ", ".join(f"{k!r}: {render_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple):
        inner = ", ".join(render_value(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def _positional(name: str, value: Any) -> list[str]:
    if name.endswith("topics") and isinstance(value, tuple):
        return [render_value(v) for v in value]
    return [render_value(value)]


#: the triggers written as keywords (topics are positional), in the IR's order
_TRIGGER_FIELDS = tuple(f.name for f in attrs.fields(Triggers) if f.name != "topics")


def _trigger_args(triggers: Triggers) -> list[str]:
    out = []
    for name in _TRIGGER_FIELDS:
        value = getattr(triggers, name)
        if value == getattr(_TRIGGER_DEFAULTS, name):
            continue
        if name == "at_cycle" and value[0] == value[1]:
            value = value[0]
        out.append(f"{name}={render_value(value)}")
    return out


def describe_ref(ref: Ref, triggers: Triggers | None = None) -> str:
    """``Count('PriceUpdate', min=35)`` for a registered spec, else ``name(k=v, ...)``."""
    display, positional = _SPECS.get((ref.kind, ref.name), (ref.name, ()))
    args: list[str] = []
    if triggers is not None and "topics" in positional:
        args += _positional("topics", triggers.topics)
    for name in positional:
        if name in ref.params:
            args += _positional(name, ref.params[name])
    args += [f"{k}={render_value(v)}" for k, v in ref.params.items() if k not in positional]
    if triggers is not None:
        if "topics" not in positional and triggers.topics != ("*",):
            args.insert(0, f"topics={render_value(triggers.topics)}")
        args += _trigger_args(triggers)
    return f"{display}({', '.join(args)})"


def describe_chaos(node: ChaosNode) -> str:
    """A chaos node as its DSL call."""
    return describe_ref(node.action, node.triggers)
