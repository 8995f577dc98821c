"""Reproducer playbooks: the original scenario with its random chaos replaced by the
explicit, targeted applications a shrink found.

A reproducer is an ordinary ``.py`` playbook. It loads the original playbook
(so it follows the scenario as it is edited), sets the failing seed, drops the
scenario's chaos and adds one targeted action per shrunk application group,
each with ``at_events=[...]``; ``scenario play`` on it fails the same way,
every time.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from scenario_engine.plan.nodes import ChaosNode
from scenario_engine.plan.values import thaw
from scenario_engine.report.model import Application
from scenario_engine.runtime.forced import forced_plan

if TYPE_CHECKING:
    from scenario_engine.dsl.scenario import Scenario
    from scenario_engine.explore.shrink import ShrinkResult

__all__ = ["render_reproducer", "reproducer", "write_reproducer"]

#: built-in actions spelled with their spec class; others with ``.chaos("name", ...)``
_SPECS = {
    "delay": "Delay",
    "drop": "Drop",
    "duplicate": "Duplicate",
    "inject": "Inject",
    "modify": "Modify",
    "outage": "Outage",
    "reorder": "Reorder",
}


def reproducer(
    here: str,
    source: str,
    name: str,
    *,
    seed: int,
    variables: Mapping[str, str] | None = None,
) -> Scenario:
    """Scenario ``name`` of ``source`` (a path relative to the file ``here``), with ``seed``
    and without its chaos: the base a reproducer adds its targeted actions to."""
    from scenario_engine.dsl.scenario import Scenario
    from scenario_engine.explore.target import Target

    path = (Path(here).resolve().parent / source).resolve()
    plan = Target(str(path), name, tuple(sorted((variables or {}).items()))).plan()
    return Scenario._from_plan(attrs.evolve(plan, seed=seed, chaos=()))


def _value(value: Any) -> str:
    return repr(thaw(value))


def _call(node: ChaosNode) -> str:
    """One targeted action as Python source."""
    params = dict(thaw(node.action.params))
    topics = list(node.triggers.topics)
    events = list(node.triggers.at_events or ())
    spec = _SPECS.get(node.action.name)
    if spec is not None:
        args = [_value(t) for t in topics]
        args += [f"{k}={_value(v)}" for k, v in params.items()]
        args.append(f"at_events={events!r}")
        return f"{spec}({', '.join(args)})"
    args = [repr(node.action.name), f"topics={topics!r}"]
    args += [f"{k}={_value(v)}" for k, v in params.items()]
    args.append(f"at_events={events!r}")
    return "\x00" + ", ".join(args)  # marks a registry-name call, rendered as .chaos(...)


def render_reproducer(
    result: ShrinkResult,
    *,
    source: Path,
    target_file: Path,
    command: str,
    variables: Mapping[str, str] | None = None,
) -> str:
    """The text of a reproducer playbook written at ``target_file``."""
    forced = forced_plan(result.plan, result.schedule)
    here, there = source.resolve(), target_file.resolve().parent
    # relative when both live in one tree (a project moved keeps working), else absolute
    shared = os.path.commonpath([here, there]) != here.anchor
    relative = Path(os.path.relpath(here, there)).as_posix() if shared else here.as_posix()
    calls = [_call(node) for node in forced.chaos]
    specs = sorted({c.partition("(")[0] for c in calls if not c.startswith("\x00")})
    lines = [
        f'"""Reproducer: {result.plan.name!r} with seed {result.seed} fails, every time.',
        "",
        f"Failure: {result.signature}",
        "",
        f"Found by `{command}`.",
        (
            f"The scenario's random chaos ({len(result.original)} applications) is replaced "
            f"by the {len(result.schedule)} below;"
        ),
        "removing any one of them makes the run pass.",
        "",
    ]
    lines += [f"- {app}" for app in result.schedule]
    lines += [
        '"""',
        "",
        *(["from scenario_engine import " + ", ".join(specs)] if specs else []),
        "from scenario_engine.explore import reproducer",
        "",
        "EXPECTED_EXIT = 1",
        "",
        "scenario = (",
        f"    reproducer(__file__, {relative!r}, {result.plan.name!r}, seed={result.seed}"
        + (f", variables={dict(variables)!r}" if variables else "")
        + ")",
    ]
    for call in calls:
        if call.startswith("\x00"):
            lines.append(f"    .chaos({call[1:]})")
        else:
            lines.append(f"    .chaos({call})")
    lines += [")", ""]
    return "\n".join(lines)


def write_reproducer(
    result: ShrinkResult,
    directory: Path,
    *,
    source: Path,
    command: str,
    variables: Mapping[str, str] | None = None,
) -> Path:
    """Write ``reproduce_<name>_seed<N>.py`` under ``directory``; return its path."""
    safe = "".join(c if c.isalnum() else "_" for c in result.plan.name).strip("_") or "scenario"
    path = directory / f"reproduce_{safe}_seed{result.seed}.py"
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(
        render_reproducer(
            result, source=source, target_file=path, command=command, variables=variables
        )
    )
    return path


def schedule_lines(schedule: Iterable[Application]) -> list[str]:
    return [f"  {app}" for app in schedule]
