"""What the plan says about the real programs a run starts (``Scenario.service``).

The checks live here, apart from :mod:`scenario_engine.plan.validate`, so the
rules for a command line, its readiness condition and its names stay in one
place; the runtime (:mod:`scenario_engine.runtime.services`) relies on them.
"""

from __future__ import annotations

import re
import shlex

from scenario_engine.errors import Problem
from scenario_engine.plan.nodes import Plan, ServiceNode

__all__ = ["READY_KINDS", "describe_service", "service_label", "service_problems", "split_command"]

#: the fields that say when a service is ready, as the DSL's ``ready={kind: value}`` names them
READY_KINDS = ("line", "topic", "port")


def split_command(command: str) -> list[str]:
    """The argument list of a command line, split as a POSIX shell would (no shell runs it).

    Raises:
        ValueError: unbalanced quotes, or nothing to run.
    """
    args = shlex.split(command)
    if not args:
        raise ValueError("the command line is empty")
    return args


def service_label(node: ServiceNode) -> str:
    """The name a report uses: ``name=`` if given, else the command's first words."""
    if node.name:
        return node.name
    try:
        words = split_command(node.command)
    except ValueError:
        return node.command
    return " ".join(words[:3])


def describe_service(node: ServiceNode) -> str:
    """One line saying everything the service will be given: command, cwd, env, readiness."""
    parts = [repr(node.command)]
    if node.name:
        parts.append(f"name={node.name!r}")
    if node.cwd is not None:
        parts.append(f"cwd={node.cwd!r}")
    if node.env:
        parts.append("env={" + ", ".join(f"{k!r}: {v!r}" for k, v in node.env.items()) + "}")
    for kind in READY_KINDS:
        value = getattr(node, f"ready_{kind}")
        if value is not None:
            parts.append(f"ready={{{kind!r}: {value!r}}}")
    if node.publishes:
        parts.append(f"publishes={node.publishes!r}")
    return "service(" + ", ".join(parts) + ")"


def _one(path: str, node: ServiceNode) -> list[Problem]:
    problems = []
    try:
        split_command(node.command)
    except ValueError as err:
        problems.append(Problem(f"{path}.command", f"cannot split {node.command!r}: {err}",
                                "write it as you would in a shell: 'faststream run orders:app'"))
    for name, value in node.env.items():
        if not isinstance(value, str):
            problems.append(Problem(f"{path}.env.{name}",
                                    f"environment values must be strings (got {value!r})",
                                    f"write {str(value)!r}"))
    given = [kind for kind in READY_KINDS if getattr(node, f"ready_{kind}") is not None]
    if len(given) > 1:
        problems.append(Problem(path, f"give one readiness condition, not {' and '.join(given)}"))
    if node.ready_line is not None:
        try:
            re.compile(node.ready_line)
        except re.error as err:
            problems.append(Problem(f"{path}.ready_line",
                                    f"not a regular expression: {err} (got {node.ready_line!r})"))
    if node.ready_topic is not None and not node.ready_topic:
        problems.append(Problem(f"{path}.ready_topic", "must name a topic (got '')"))
    port = node.ready_port
    if port is not None and (isinstance(port, bool) or not 0 < port < 65536):
        problems.append(
            Problem(f"{path}.ready_port", f"must be a TCP port, 1 to 65535 (got {port!r})")
        )
    if not node.ready_timeout > 0:
        problems.append(
            Problem(f"{path}.ready_timeout", f"must be > 0 (got {node.ready_timeout!r})")
        )
    if node.grace < 0:
        problems.append(Problem(f"{path}.grace", f"must be >= 0 (got {node.grace!r})"))
    return problems


def service_problems(plan: Plan) -> list[Problem]:
    """Every problem of the plan's services, each with its key path (``services[i]...``)."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, node in enumerate(plan.services):
        path = f"services[{i}]"
        problems += _one(path, node)
        label = service_label(node)
        if label in seen:
            problems.append(
                Problem(
                    f"{path}.name",
                    f"service {label!r} is already defined at services[{seen[label]}]",
                    "give each service its own name=, it names its output file",
                )
            )
        seen.setdefault(label, i)
    return problems
