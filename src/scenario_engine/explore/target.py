"""What is explored: one scenario of one playbook, loaded once per process, run per seed.

A target is named by data (file, scenario name, variables) rather than held as
a plan, so worker processes and Ray tasks load it themselves: a plan of a
``.py`` playbook refers to code that only loading the playbook brings in.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs

from scenario_engine.errors import UsageError
from scenario_engine.plan.nodes import Plan
from scenario_engine.report.model import Application, RunResult
from scenario_engine.runtime.forced import forced_plan

__all__ = ["Target", "pick_one"]


def pick_one(found: list[tuple[Path, Plan]], select: str | None, path: str) -> Plan:
    """The one plan ``-k`` chose; exploring several at once is not what a seed means."""
    if len(found) != 1:
        names = ", ".join(plan.name for _, plan in found)
        raise UsageError(
            f"{path} has {len(found)} scenarios matching {select or '*'!r} ({names}); "
            "explore and shrink take one",
            hint="name it with -k NAME",
        )
    return found[0][1]


@attrs.frozen
class Target:
    """``path`` (a playbook or plan file), the scenario ``name``, ``--var`` values, and the
    modules a plan file may call (``--trust`` and the project's, resolved once here so
    every worker trusts the same)."""

    path: str
    name: str
    variables: tuple[tuple[str, str], ...] = ()
    trust: tuple[str, ...] = ()

    @classmethod
    def choose(
        cls,
        path: str,
        select: str | None,
        variables: Iterable[tuple[str, str]] = (),
        trust: Iterable[str] = (),
    ) -> Target:
        from scenario_engine.loaders import load_plans
        from scenario_engine.plan.trust import Trust

        pairs = tuple(variables)
        modules = Trust.of(trust).modules
        found = load_plans([path], select=select, variables=dict(pairs), trust=Trust(modules))
        plan = pick_one(found, select, path)
        return cls(str(Path(path).resolve()), plan.name, pairs, modules)

    def plan(self) -> Plan:
        return _load(self)

    def run(self, seed: int, schedule: Iterable[Application] | None = None) -> RunResult:
        """One run on the virtual clock, writing nothing; ``schedule`` forces the chaos."""
        return run_plan(self.plan(), seed, schedule)

    def replay_command(self, seed: int) -> str:
        import shlex

        parts = ["scenario", "play", self.path, "-k", self.name, "--seed", str(seed)]
        for name, value in self.variables:
            parts += ["--var", f"{name}={value}"]
        for module in self.trust:
            parts += ["--trust", module]
        return " ".join(shlex.quote(p) for p in parts)


@functools.cache
def _load(target: Target) -> Plan:
    from scenario_engine.loaders import load_plans
    from scenario_engine.plan.trust import Trust

    found = load_plans(
        [target.path],
        select=target.name,
        variables=dict(target.variables),
        trust=Trust(target.trust),
    )
    exact = [(p, plan) for p, plan in found if plan.name == target.name]
    return pick_one(exact, target.name, target.path)


@functools.cache
def _registry() -> Any:
    from scenario_engine.registry import default_registry

    return default_registry()


def run_plan(
    plan: Plan,
    seed: int,
    schedule: Iterable[Application] | None = None,
) -> RunResult:
    """Run ``plan`` with ``seed`` (forced by ``schedule`` if given) on the virtual clock."""
    from scenario_engine.runtime.interpreter import Run
    from scenario_engine.runtime.options import RunOptions

    if schedule is not None:
        plan = forced_plan(plan, schedule)
    options = RunOptions(seed=seed, clock="virtual", registry=_registry())
    return Run(plan, options).execute()
