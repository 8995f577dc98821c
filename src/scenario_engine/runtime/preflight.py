"""Every check a run would make, made before anything is published.

``scenario check`` and ``scenario play`` (for every plan of every file, before
the first one starts) call :func:`preflight`, so what would stop a run
halfway -- an unknown template variable after three events went out, a
replay file that is missing, a bus URL its plugin rejects, a profile whose
values the generator cannot take -- is a plan error up front, with its key
path. Nothing here connects to a bus or starts a system.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from scenario_engine.errors import PlanError, Problem, ScenarioError
from scenario_engine.plan.nodes import (
    GenerateStep,
    PhaseStep,
    Plan,
    PublishStep,
    ReplayStep,
)
from scenario_engine.plan.trust import references
from scenario_engine.plan.validate import validate
from scenario_engine.plan.values import CallableRef
from scenario_engine.registry import Registry, check_components, default_registry
from scenario_engine.runtime.rng import RngFactory
from scenario_engine.templates import TemplateError, compile_template

__all__ = ["bus_problems", "preflight"]

#: what a publish step's template sees besides the scenario's variables
PUBLISH_FIELDS = ("index", "cycle", "time", "timestamp", "seed")


def preflight(
    plan: Plan,
    *,
    variables: Mapping[str, Any] | None = None,
    bus: str | None = None,
    clock: str | None = None,
    registry: Registry | None = None,
) -> list[Problem]:
    """Every problem a run of ``plan`` would meet before or while running, by key path.

    ``variables``, ``bus`` and ``clock`` are the command line's overrides. A
    broken plugin is not a plan problem: its error propagates (exit 3).
    """
    registry = registry or default_registry()
    busy = plan.steps or plan.generators or plan.expectations or plan.systems or plan.services
    empty = [] if busy else [Problem(
        "", "nothing to run: no steps, no generators, no assertions",
        "give it something to do: .phase('calm', cycles=3) with a .generator(...), "
        "a .publish(...), or an .expect(...)",
    )]
    problems = validate(plan)
    if problems:
        return problems + empty  # the rest assumes a well-formed plan
    problems += check_components(plan, registry)  # callables too: by trust, never imported
    values = {**plan.vars, **(variables or {})}
    problems += _templates(plan, values)
    problems += _replays(plan)
    problems += _bus(bus or plan.bus or "memory://", clock or plan.clock, registry)
    if not problems:  # components are known and take their parameters: try one tick of each
        problems += _first_ticks(plan, values, registry)
    return problems + empty


def _sample(value: Any) -> Any:
    """A variable as a template sees it, without importing the callables it holds."""
    if isinstance(value, Mapping):
        return {k: _sample(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_sample(v) for v in value]
    if isinstance(value, CallableRef):
        return value.target
    return value


def _templates(plan: Plan, values: Mapping[str, Any]) -> list[Problem]:
    """Each publish payload renders with the variables the run will have."""
    context = {k: _sample(v) for k, v in values.items()}
    context.update(index=0, cycle=0, time=0.0, timestamp="1970-01-01T00:00:00.000Z",
                   seed=plan.seed)
    problems = []
    for i, step in enumerate(plan.steps):
        if not isinstance(step, PublishStep):
            continue
        try:
            compile_template(step.payload)(context)
        except TemplateError as err:
            problems.append(Problem(
                f"steps[{i}].payload", str(err),
                "define it with .vars(...) or --var name=value; a publish step also "
                "knows " + ", ".join(PUBLISH_FIELDS),
            ))
        except Exception as err:
            problems.append(Problem(
                f"steps[{i}].payload", f"cannot render: {type(err).__name__}: {err}"
            ))
    return problems


def _replays(plan: Plan) -> list[Problem]:
    """Each replay file exists and reads as an event log."""
    from scenario_engine.runtime.steps import read_replay

    problems = []
    for i, step in enumerate(plan.steps):
        if not isinstance(step, ReplayStep):
            continue
        path = Path(step.path)
        hint = "give the events.jsonl of an earlier run"
        if not path.exists():
            problems.append(Problem(f"steps[{i}].path", f"no such file {step.path!r}", hint))
            continue
        try:
            for line in read_replay(path, step.topics, step.sources):
                _recorded_event(line)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
            what = "is not an event log" if not isinstance(err, OSError) else "cannot be read"
            reason = f"{type(err).__name__}: {err}"
            problems.append(Problem(f"steps[{i}].path", f"{step.path!r} {what} ({reason})", hint))
    return problems


def _recorded_event(line: Any) -> None:
    """A line the replay step can publish: a topic and a recorded time."""
    if not isinstance(line.get("topic"), str):
        raise ValueError(f"a line without a topic: {str(line)[:60]}")
    when = line.get("t")
    if isinstance(when, bool) or not isinstance(when, int | float):
        raise ValueError(f"a line without a time 't': {str(line)[:60]}")


def bus_problems(url: str, clock: str | None, registry: Registry | None = None) -> list[Problem]:
    """What is wrong with running on ``url`` (with ``clock``): an unknown scheme, a URL its
    bus rejects, a virtual clock on a real-time bus. The bus is made, never connected."""
    registry = registry or default_registry()
    scheme = url.partition("://")[0]
    if scheme and "://" in url and scheme not in registry.names("bus"):
        return list(registry.unknown("bus", scheme, "bus").problems)
    return _bus(url, clock, registry)


def _bus(url: str, clock: str | None, registry: Registry) -> list[Problem]:
    """The bus URL names an installed bus that accepts it (made, never connected)."""
    scheme, sep, _ = url.partition("://")
    if not sep or not scheme:
        return [Problem("bus", f"expected a bus URL such as 'memory://' (got {url!r})",
                        "memory://, redis://localhost:6379/0 or nats://localhost:4222")]
    if scheme not in registry.names("bus"):
        return []  # check_components names the unknown scheme
    try:
        bus = registry.load("bus", scheme, where="bus")(url)
    except PlanError as err:
        return [Problem("bus", p.message, p.hint) for p in err.problems]
    except ScenarioError as err:
        if err.exit_code != 2:
            raise
        return [Problem("bus", err.message, err.hint)]
    except (TypeError, ValueError) as err:
        return [Problem("bus", f"the {scheme} bus rejects {url!r}: {err}")]
    capabilities: frozenset[str] = getattr(bus, "capabilities", frozenset())
    if clock == "virtual" and "virtual_time" not in capabilities:
        return [Problem(
            "clock",
            f"the virtual clock needs a bus that delivers synchronously; {scheme}:// "
            "delivers in real time",
            "use --clock wall",
        )]
    return []


def _first_ticks(plan: Plan, values: Mapping[str, Any], registry: Registry) -> list[Problem]:
    """One tick of every generator under every phase's profile, in the order the run goes.

    A profile whose values a generator cannot take (a number walk over a
    string), or a template naming an unknown variable, fails here instead of
    mid-run. The ticks use their own RNGs: the run draws exactly as before.
    """
    from scenario_engine.runtime.generation import GeneratorState

    if not plan.generators:
        return []
    problems: list[Problem] = []
    rngs = RngFactory(plan.seed)
    variables = {k: _sample(v) for k, v in values.items()}
    states = []
    for i, node in enumerate(plan.generators):
        if any(references(node.ref.params)):
            continue  # making it would import a callable: check leaves that to the run
        try:
            state = GeneratorState(i, node, registry, rngs)
        except PlanError as err:
            problems += err.problems
            continue
        bind = getattr(state.generator, "bind", None)
        if bind is not None:
            bind(variables, epoch=0.0)
        states.append((i, state))
    for index, step in enumerate(plan.steps):
        if not isinstance(step, PhaseStep | GenerateStep):
            continue
        for i, state in list(states):
            profile = step.profile if isinstance(step, PhaseStep) else None
            if profile is not None and any(references(profile.params)):
                continue
            try:
                if isinstance(step, PhaseStep):
                    state.enter_phase(step, index, registry, rngs)
                state.tick(getattr(step, "name", "generate"), 0, 0, 0.0, 0.0, lambda: "preflight")
            except PlanError as err:
                problems += err.problems
            except TemplateError as err:
                problems.append(Problem(
                    f"generators[{i}].ref.params", str(err),
                    "define it with .vars(...) or --var name=value",
                ))
            except Exception as err:
                name = plan.generators[i].ref.name
                under = f" under profile {profile.name!r}" if profile is not None else ""
                problems.append(Problem(
                    f"steps[{index}].profile" if profile is not None else f"steps[{index}]",
                    f"generator {name!r} (generators[{i}]) fails on its first tick{under}: "
                    f"{type(err).__name__}: {err}",
                    "give the generator a start value the profile can move"
                    if isinstance(err, TypeError) else "check the profile's parameters",
                ))
            else:
                continue
            states.remove((i, state))
    return problems
def node_name(plan: Plan, index: int) -> str:
    return plan.generators[index].ref.name
